package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/infra/fixtures/story"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/dynalite"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// event is a fixture fed to a function.
type event struct {
	what string // what the event is
	file string // under events/
	// wantStatus is the API Gateway answer's statusCode it must get (0:
	// not an HTTP event).
	wantStatus int
}

// fixture names the event's file, or {} for the no-op's empty event.
func (e event) fixture() string {
	if e.file == "" {
		return "{}"
	}
	return e.file
}

// function is a binary to measure and the events it is fed: the first
// one cold, the others warm.
type function struct {
	name  string // as in functions/ and bin/
	envID string // its logical id in template.yaml and events/env.json
	pkg   string
	noop  bool
	// floor is set on the Go floors (infra/coldstart/floors), the least a
	// function with the same libraries can be; they are timed beside the
	// functions but priced nowhere.
	floor bool
	// floorName is the floor a function is compared with: the one with
	// phonenumbers if the function links it (floorFor).
	floorName string
	// firstEver is set on the order webhook's run as the deployment's very
	// first instance: on a table of its own that has not learnt the shop
	// id. Every other run's table has learnt it, as a deployment's has
	// after its first order; it is priced nowhere.
	firstEver bool
	timeout   time.Duration
	events    []event

	payloads  [][]byte
	bin       string
	arm64Size int64
}

func (f function) label() string {
	if f.firstEver {
		return f.name + " (deployment's first)"
	}
	if f.noop {
		return "noop (aws-lambda-go)"
	}
	if f.floor {
		return f.name + " (Go floor)"
	}
	return f.name
}

func (f function) size() int64 {
	st, err := os.Stat(f.bin)
	if err != nil {
		return 0
	}
	return st.Size()
}

// Fixtures whose figures feed the cost model.
const (
	firstOrderFixture  = "order-webhook/shopify-orders-create.json"
	newOrderFixture    = "order-webhook/shopify-second-order.json"
	duplicateFixture   = "order-webhook/shopify-duplicate.json"
	sweepFixture       = "dispatcher/scheduled.json"
	firstStatusFixture = "twilio-webhook/status-sent.json"
	laterStatusFixture = "twilio-webhook/status-delivered.json"
)

// loadFunctions returns the three functions and the no-op, with their
// fixtures read and their timeouts from template.yaml.
func loadFunctions() ([]function, error) {
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		return nil, err
	}
	globalTimeout, err := seconds(tpl.Doc, "Globals", "Function", "Timeout")
	if err != nil {
		return nil, err
	}
	fns := []function{
		{name: "order-webhook", envID: localstack.OrderWebhookID, pkg: "./functions/order-webhook", events: []event{
			{"new order, signed", "order-webhook/shopify-orders-create.json", 201},
			{"repeated delivery", duplicateFixture, 200},
			{"new order, signed", newOrderFixture, 201},
		}},
		{name: "order-webhook-first", envID: localstack.OrderWebhookID, pkg: "./functions/order-webhook", firstEver: true, events: []event{
			{"new order, signed, the deployment's first", "order-webhook/shopify-orders-create.json", 201},
		}},
		{name: "dispatcher", envID: localstack.DispatcherID, pkg: "./functions/dispatcher", events: []event{
			{"sweep, nothing due", sweepFixture, 0},
			{"sweep, nothing due", sweepFixture, 0},
		}},
		{name: "twilio-webhook", envID: localstack.TwilioWebhookID, pkg: "./functions/twilio-webhook", events: []event{
			{"inbound HELP", "twilio-webhook/inbound-help.json", 200},
			{"first status callback", firstStatusFixture, 200},
			{"later status callback", laterStatusFixture, 200},
		}},
		// The floors get the order webhook's environment and its events.
		{name: "floor-basic", envID: localstack.OrderWebhookID, pkg: "./infra/coldstart/floors/basic", floor: true, events: []event{
			{"new order, signed", "order-webhook/shopify-orders-create.json", 201},
			{"repeated delivery", duplicateFixture, 200},
			{"new order, signed", newOrderFixture, 201},
		}},
		{name: "floor-phonenumbers", envID: localstack.OrderWebhookID, pkg: "./infra/coldstart/floors/phonenumbers", floor: true, events: []event{
			{"new order, signed", "order-webhook/shopify-orders-create.json", 201},
			{"repeated delivery", duplicateFixture, 200},
			{"new order, signed", newOrderFixture, 201},
		}},
		{name: "noop", pkg: "./infra/coldstart/noop", noop: true, events: []event{
			{"any event", "", 0},
			{"any event", "", 0},
		}},
	}
	for i := range fns {
		fns[i].timeout = globalTimeout
		if fns[i].envID != "" {
			if t, err := seconds(tpl.Doc, "Resources", fns[i].envID, "Properties", "Timeout"); err == nil {
				fns[i].timeout = t
			}
		}
		for _, ev := range fns[i].events {
			payload := []byte(`{}`)
			if ev.file != "" {
				if payload, err = fixture(ev.file); err != nil {
					return nil, fmt.Errorf("fixture: %w", err)
				}
			}
			fns[i].payloads = append(fns[i].payloads, payload)
		}
	}
	return fns, nil
}

// seconds reads a number of seconds at path in the template.
func seconds(doc map[string]any, path ...string) (time.Duration, error) {
	var v any = doc
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return 0, fmt.Errorf("template: no %s", strings.Join(path, "."))
		}
		v = m[p]
	}
	switch n := v.(type) {
	case int:
		return time.Duration(n) * time.Second, nil
	case float64:
		return time.Duration(n * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("template: %s is %v, not a number", strings.Join(path, "."), v)
}

// build compiles pkg for linux/goarch as `make build` does.
func build(ctx context.Context, pkg, goarch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-tags", "lambda.norpc", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for %s: %w\n%s", pkg, goarch, err, b)
	}
	return nil
}

// environment is what the functions talk to.
type environment struct {
	dynalite *dynalite.Process
	proxy    *http.Server
	proxyURL string
	meter    *cost.Meter
	twilio   *twiliotest.Server
	tpl      *samtemplate.Template
	// direct goes straight to dynalite (tables); metered through the proxy
	// (data the meter must know about).
	direct, metered *dynamodb.Client
	env             map[string]map[string]string
}

// startEnvironment starts dynalite, the metering proxy in front of it and
// the local Twilio, with events/env.json's credentials.
func startEnvironment(ctx context.Context) (e *environment, err error) {
	e = &environment{}
	defer func() {
		if err != nil {
			e.close()
		}
	}()
	if e.env, err = localstack.LoadEnvFile(filepath.Join("events", "env.json")); err != nil {
		return nil, err
	}
	if e.tpl, err = samtemplate.Load(samtemplate.RepoTemplatePath()); err != nil {
		return nil, err
	}
	shape, err := e.tpl.CreateTableInput("shape")
	if err != nil {
		return nil, err
	}
	e.meter = cost.NewMeter(shape)
	if e.dynalite, err = dynalite.Start(ctx, "127.0.0.1:0"); err != nil {
		return nil, err
	}
	target, err := url.Parse(e.dynalite.Endpoint)
	if err != nil {
		return nil, err
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = e.meter.Transport(&http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute})
	if e.proxy, e.proxyURL, err = serve(proxy); err != nil {
		return nil, err
	}
	e.direct = localstack.NewDynamoDBClient(e.dynalite.Endpoint)
	e.metered = localstack.NewDynamoDBClient(e.proxyURL)
	d := e.env[localstack.DispatcherID]
	e.twilio, err = twiliotest.NewServer(twiliotest.Options{AccountSID: d["TWILIO_ACCOUNT_SID"], AuthToken: d["TWILIO_AUTH_TOKEN"]})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// serve serves h on a free loopback port and returns its URL.
func serve(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

func (e *environment) close() {
	if e.twilio != nil {
		_ = e.twilio.Close()
	}
	if e.proxy != nil {
		_ = e.proxy.Close()
	}
	if e.dynalite != nil {
		e.dynalite.Stop()
	}
}

// envFor returns the process environment of fn on table: events/env.json's
// values with the endpoints of this run, Lambda's own variables at the
// template's defaults (JSON logs at INFO, 256 MB) and dummy credentials.
func (e *environment) envFor(fn function, table string) ([]string, error) {
	vars := map[string]string{}
	for k, v := range e.env[fn.envID] {
		vars[k] = v
	}
	if _, ok := vars["AWS_ENDPOINT_URL_DYNAMODB"]; ok {
		vars["AWS_ENDPOINT_URL_DYNAMODB"] = e.proxyURL
	}
	if _, ok := vars["TWILIO_API_BASE_URL"]; ok {
		vars["TWILIO_API_BASE_URL"] = e.twilio.URL()
	}
	if _, ok := vars["TABLE_NAME"]; ok {
		vars["TABLE_NAME"] = table
	}
	memory, err := memoryMB(e.tpl)
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME":        "thankyou-" + fn.name,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(memory),
		"AWS_LAMBDA_LOG_FORMAT":           "JSON",
		"AWS_LAMBDA_LOG_LEVEL":            "INFO",
		"AWS_REGION":                      "us-east-1",
		"AWS_DEFAULT_REGION":              "us-east-1",
		"AWS_ACCESS_KEY_ID":               "local",
		"AWS_SECRET_ACCESS_KEY":           "local",
		"AWS_EC2_METADATA_DISABLED":       "true",
	} {
		vars[k] = v
	}
	out := make([]string, 0, len(vars))
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out, nil
}

func memoryMB(tpl *samtemplate.Template) (int, error) {
	d, err := seconds(tpl.Doc, "Globals", "Function", "MemorySize")
	if err != nil {
		return 0, err
	}
	return int(d / time.Second), nil
}

// newTable creates a fresh table from template.yaml.
func (e *environment) newTable(ctx context.Context, name string) error {
	in, err := e.tpl.CreateTableInput(name)
	if err != nil {
		return err
	}
	return dynamo.CreateTable(ctx, e.direct, in, e.tpl.TTLAttribute())
}

func (e *environment) dropTable(ctx context.Context, name string) {
	_, _ = e.direct.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
}

// leaveForCallback leaves the task the status callback fixtures are about
// as the dispatcher leaves an SMS it sent with a status callback: claimed
// (in sending, under a lease) and without its message SID, which the
// measured first callback (sent) records; the later one (delivered) then
// finds the task sent. Through the metering proxy, so that the meter knows
// the item.
func (e *environment) leaveForCallback(ctx context.Context, table string) error {
	b, err := fixture(firstStatusFixture)
	if err != nil {
		return err
	}
	var ev struct {
		RawQueryString  string `json:"rawQueryString"`
		Body            string `json:"body"`
		IsBase64Encoded bool   `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return fmt.Errorf("%s: %w", firstStatusFixture, err)
	}
	body := ev.Body
	if ev.IsBase64Encoded {
		raw, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return fmt.Errorf("%s: %w", firstStatusFixture, err)
		}
		body = string(raw)
	}
	q, _ := url.ParseQuery(ev.RawQueryString)
	form, _ := url.ParseQuery(body)
	id := q.Get("task")
	if form.Get("MessageSid") == "" {
		return fmt.Errorf("%s: no MessageSid", firstStatusFixture)
	}
	store := dynamo.New(e.metered, table, dynamo.Options{})
	task, err := store.GetTask(ctx, id)
	if err != nil {
		return fmt.Errorf("the order webhook's task for the status callback: %w", err)
	}
	_, err = store.Claim(ctx, id, "coldstart", task.DueAt, time.Minute)
	return err
}

// samples are one figure's measurements over the runs, in seconds or units.
type samples []float64

// eventSamples are one event's figures over the runs.
type eventSamples struct {
	handler, requests, rru, wru, indexWrites, logBytes samples
}

// functionSamples are one function's figures over the runs.
type functionSamples struct {
	init, cold, maxRSS                      samples
	initRequests, initRRU, initWRU, initLog samples
	events                                  []eventSamples
}

// measurements are all the figures of all the runs.
type measurements struct {
	byFunction map[string]*functionSamples
	stored     samples // bytes stored per order, with per-item overhead
}

// itemOverhead is what DynamoDB adds to each item's size for storage.
const itemOverhead = 100

// measure runs every function runs times, each run on a fresh table.
func measure(ctx context.Context, e *environment, fns []function, runs int) (*measurements, error) {
	m := &measurements{byFunction: map[string]*functionSamples{}}
	for _, fn := range fns {
		m.byFunction[fn.name] = &functionSamples{events: make([]eventSamples, len(fn.events))}
	}
	for run := range runs {
		table := fmt.Sprintf("coldstart-%d-%d", run, time.Now().UnixNano())
		if err := e.newTable(ctx, table); err != nil {
			return nil, err
		}
		// The deployment learnt its shop id with its first order, long
		// before this cold start: the table knows it.
		if err := e.learnShop(ctx, table); err != nil {
			return nil, err
		}
		stored := false
		for _, fn := range fns {
			if fn.firstEver {
				res, err := e.firstEver(ctx, fn, table+"-first")
				if err != nil {
					return nil, err
				}
				if err := m.add(fn, res); err != nil {
					return nil, err
				}
				continue
			}
			if fn.floor && !stored {
				// Two orders went in (and one was sent and delivered); the
				// floors' items are not the product's.
				items, size := e.meter.Stored(table)
				m.stored = append(m.stored, float64(size+itemOverhead*items)/2)
				stored = true
			}
			if fn.name == "twilio-webhook" {
				if err := e.leaveForCallback(ctx, table); err != nil {
					return nil, err
				}
			}
			env, err := e.envFor(fn, table)
			if err != nil {
				return nil, err
			}
			res, err := launch(ctx, fn.bin, env, fn.name, fn.payloads, fn.timeout, e.meter)
			if err != nil {
				return nil, err
			}
			if err := m.add(fn, res); err != nil {
				return nil, err
			}
		}
		e.dropTable(ctx, table)
	}
	return m, nil
}

// add records one run of fn.
func (m *measurements) add(fn function, res runResult) error {
	fs := m.byFunction[fn.name]
	fs.init = append(fs.init, res.init.Seconds())
	fs.cold = append(fs.cold, res.cold.Seconds())
	fs.maxRSS = append(fs.maxRSS, float64(res.maxRSSKiB))
	u := cost.Sum(res.initRequests)
	fs.initRequests = append(fs.initRequests, float64(cost.DataRequests(res.initRequests)))
	fs.initRRU, fs.initWRU = append(fs.initRRU, u.RRU), append(fs.initWRU, u.WRU)
	fs.initLog = append(fs.initLog, float64(res.initLogBytes))
	for i, r := range res.events {
		if want := fn.events[i].wantStatus; want != 0 && r.status != want {
			return fmt.Errorf("%s answered %s with %d, want %d", fn.name, fn.events[i].file, r.status, want)
		}
		for _, q := range r.requests {
			if q.Unpriced {
				return fmt.Errorf("%s: %s: a %s request the meter cannot price", fn.name, fn.events[i].file, q.Operation)
			}
		}
		u := cost.Sum(r.requests)
		writes := 0
		for _, q := range r.requests {
			writes += q.IndexWrites
		}
		es := &fs.events[i]
		es.handler = append(es.handler, r.handler.Seconds())
		es.requests = append(es.requests, float64(cost.DataRequests(r.requests)))
		es.rru, es.wru = append(es.rru, u.RRU), append(es.wru, u.WRU)
		es.indexWrites = append(es.indexWrites, float64(writes))
		es.logBytes = append(es.logBytes, float64(r.logBytes))
	}
	return nil
}

// learnShop records the shop id of the order webhook's first fixture as
// the deployment's learnt one on table (through the metering proxy, so
// that the meter knows the item), as the deployment's first order did.
func (e *environment) learnShop(ctx context.Context, table string) error {
	b, err := fixture(firstOrderFixture)
	if err != nil {
		return err
	}
	var ev struct {
		Headers map[string]string `json:"headers"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		return fmt.Errorf("%s: %w", firstOrderFixture, err)
	}
	var shop string
	for k, v := range ev.Headers {
		if strings.EqualFold(k, "X-Shopify-Shop-Domain") {
			shop = v
		}
	}
	if shop == "" {
		return fmt.Errorf("%s names no shop", firstOrderFixture)
	}
	_, err = dynamo.New(e.metered, table, dynamo.Options{}).LearnShopID(ctx, thankyou.SourceShopify, shop, time.Now())
	return err
}

// firstEver runs fn as the first instance of a new deployment: on a
// table of its own that has not learnt the shop id.
func (e *environment) firstEver(ctx context.Context, fn function, table string) (runResult, error) {
	if err := e.newTable(ctx, table); err != nil {
		return runResult{}, err
	}
	defer e.dropTable(ctx, table)
	env, err := e.envFor(fn, table)
	if err != nil {
		return runResult{}, err
	}
	return launch(ctx, fn.bin, env, fn.name, fn.payloads, fn.timeout, e.meter)
}

func (m *measurements) storedPerOrder() float64 { return median(m.stored) }

// profile returns the cost model's inputs: the warm figures of the events
// the model prices, and each function's cold start as its INIT cost (the
// send's figures come from BenchmarkDispatch).
func (m *measurements) profile(fns []function) cost.Profile {
	p := cost.Profile{InitMs: map[string]float64{}, StoredBytesPerOrder: m.storedPerOrder()}
	for _, fn := range fns {
		if fn.floor || fn.firstEver {
			continue
		}
		fs := m.byFunction[fn.name]
		if !fn.noop {
			p.InitMs[fn.name] = median(fs.cold) * 1000
		}
		for i, ev := range fn.events {
			if i == 0 {
				continue // the cold event is in the cold start
			}
			es := fs.events[i]
			inv := cost.Invocation{
				DurationMs: median(es.handler) * 1000,
				Requests:   median(es.requests),
				Units:      cost.Units{RRU: median(es.rru), WRU: median(es.wru)},
				LogBytes:   median(es.logBytes),
			}
			switch ev.file {
			case newOrderFixture:
				p.NewOrder = inv
			case duplicateFixture:
				p.Duplicate = inv
			case sweepFixture:
				p.Sweep = inv
			case firstStatusFixture:
				p.FirstStatusCallback = inv
			case laterStatusFixture:
				p.LaterStatusCallback = inv
			}
		}
	}
	return p
}

func median(s samples) float64 { return quantile(s, 0.5) }

// quantile returns the nearest-rank q-quantile of s (0 for none).
func quantile(s samples, q float64) float64 {
	if len(s) == 0 {
		return 0
	}
	c := slices.Clone(s)
	slices.Sort(c)
	i := int(math.Ceil(q*float64(len(c)))) - 1
	return c[max(0, min(i, len(c)-1))]
}

// fixtures are the event fixtures written for the time of the measurement
// (as `make events` writes them), since the functions run on the real clock.
var fixtures = sync.OnceValues(func() (map[string][]byte, error) {
	files, err := story.Generate(time.Now())
	if err != nil {
		return nil, err
	}
	m := map[string][]byte{}
	for _, f := range files {
		m[f.Path] = f.Data
	}
	return m, nil
})

// fixture is one of fixtures, by its path under events/.
func fixture(path string) ([]byte, error) {
	m, err := fixtures()
	if err != nil {
		return nil, err
	}
	b, ok := m[path]
	if !ok {
		return nil, fmt.Errorf("no fixture %s", path)
	}
	return b, nil
}
