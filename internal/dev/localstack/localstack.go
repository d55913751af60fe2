// Package localstack runs the whole service on this machine with real
// parts: dynalite (or any DynamoDB endpoint) holding the table defined in
// template.yaml, the project's Twilio-compatible server, and the three
// functions' handlers — built by package app exactly as the Lambda mains
// build them — behind a local HTTP API on API Gateway's routes. The local
// demo and the end-to-end tests both start it.
package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/aws/aws-lambda-go/events"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/dispatcher"
	"github.com/thankyoucalls/thankyoucalls/internal/app/orderwebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/app/twiliowebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/dynalite"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
	"github.com/thankyoucalls/thankyoucalls/internal/twiliohook"
)

// Options configure a local stack.
type Options struct {
	// Env holds each function's environment, keyed by the template's
	// logical ids (OrderWebhookFunction, ...): events/env.json's content.
	Env map[string]map[string]string
	// Override replaces variables for every function (e.g. TABLE_NAME).
	Override map[string]string
	// DynamoDBEndpoint is an existing DynamoDB endpoint; empty starts
	// dynalite on DynamoDBAddr.
	DynamoDBEndpoint string
	DynamoDBAddr     string
	// APIAddr and TwilioAddr are listen addresses ("127.0.0.1:0" for any).
	APIAddr, TwilioAddr string
	// TwilioAutoStatus is what the local Twilio reports back after each
	// accepted message (default: sent, delivered).
	TwilioAutoStatus []string
	// Now is the clock of all three functions (nil: time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// Metrics receives the functions' CloudWatch EMF records, one per line,
	// as Lambda's standard output would (nil: no metrics).
	Metrics io.Writer
	// ServicesOnly starts DynamoDB with the table and the local Twilio
	// only, for the functions `sam local invoke` runs (events/env.json
	// points them there): no API, no handlers. The local Twilio then gives
	// messages the SIDs the event fixtures name, and posts no status
	// callbacks (the fixtures are the callbacks).
	ServicesOnly bool
}

// Stack is a running local stack.
type Stack struct {
	APIURL string
	// DynamoDBEndpoint is where the table is (dynalite's URL when Start
	// started it).
	DynamoDBEndpoint string
	Twilio           *twiliotest.Server
	DynamoDB         *dynamo.Store
	Client           *dynamodb.Client
	Table            string
	OrderWebhook     *orderhook.Handler
	Dispatcher       *dispatch.Handler
	TwilioWebhook    *twiliohook.Handler

	closeOnce sync.Once
	closers   []func()
}

// Logical ids of the functions in template.yaml and events/env.json.
const (
	OrderWebhookID  = "OrderWebhookFunction"
	DispatcherID    = "DispatcherFunction"
	TwilioWebhookID = "TwilioWebhookFunction"
)

// LoadEnvFile reads an env.json file as used by `sam local invoke --env-vars`.
func LoadEnvFile(path string) (map[string]map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read env file: %w", err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("env file %s: %w", path, err)
	}
	return env, nil
}

// PortInUseError is Start's error when an address it was told to listen
// on is taken: Service names what would have listened there.
type PortInUseError struct {
	Service, Addr string
	Err           error
}

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("%s: %s is in use", e.Service, e.Addr)
}

func (e *PortInUseError) Unwrap() error { return e.Err }

// Services named by PortInUseError.
const (
	ServiceAPI      = "HTTP API"
	ServiceTwilio   = "local Twilio"
	ServiceDynamoDB = "DynamoDB (dynalite)"
)

// listen listens on addr, or says which service's address is taken.
func listen(service, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, &PortInUseError{Service: service, Addr: addr, Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("%s on %s: %w", service, addr, err)
	}
	return ln, nil
}

// Start starts the stack. Close stops it. When Start fails it leaves
// nothing running.
func Start(ctx context.Context, o Options) (*Stack, error) {
	s := &Stack{}
	if err := s.start(ctx, o); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Stack) start(ctx context.Context, o Options) error {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	getenv := func(id string) config.Getenv {
		return func(k string) string {
			if v, ok := o.Override[k]; ok {
				return v
			}
			return o.Env[id][k]
		}
	}

	// DynamoDB: the table from template.yaml's own definition.
	endpoint := o.DynamoDBEndpoint
	if endpoint == "" {
		// Taken ports are found before anything starts.
		for _, a := range []struct{ service, addr string }{
			{ServiceDynamoDB, o.DynamoDBAddr}, {ServiceAPI, o.APIAddr}, {ServiceTwilio, o.TwilioAddr},
		} {
			if a.addr == "" || strings.HasSuffix(a.addr, ":0") || o.ServicesOnly && a.service == ServiceAPI {
				continue
			}
			ln, err := listen(a.service, a.addr)
			if err != nil {
				return err
			}
			ln.Close()
		}
		p, err := dynalite.Start(ctx, o.DynamoDBAddr)
		if err != nil {
			return err
		}
		s.closers = append(s.closers, p.Stop)
		endpoint = p.Endpoint
	}
	s.DynamoDBEndpoint = endpoint
	s.Client = NewDynamoDBClient(endpoint)
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		return err
	}
	s.Table = getenv(DispatcherID)("TABLE_NAME")
	in, err := tpl.CreateTableInput(s.Table)
	if err != nil {
		return err
	}
	if err := dynamo.CreateTable(ctx, s.Client, in, tpl.TTLAttribute()); err != nil {
		return fmt.Errorf("create table: %w", err)
	}

	disp := getenv(DispatcherID)
	if o.ServicesOnly {
		s.Twilio, err = twiliotest.NewServer(twiliotest.Options{
			AccountSID:  disp("TWILIO_ACCOUNT_SID"),
			AuthToken:   disp("TWILIO_AUTH_TOKEN"),
			Addr:        o.TwilioAddr,
			DerivedSIDs: true,
			Now:         o.Now,
			Logger:      log.With("component", "local-twilio"),
		})
		if errors.Is(err, syscall.EADDRINUSE) {
			return &PortInUseError{Service: ServiceTwilio, Addr: o.TwilioAddr, Err: err}
		}
		if err != nil {
			return fmt.Errorf("local Twilio: %w", err)
		}
		s.closers = append(s.closers, func() { _ = s.Twilio.Close() })
		return nil
	}

	// The HTTP API listener first: its URL is the public base URL.
	apiLn, err := listen(ServiceAPI, o.APIAddr)
	if err != nil {
		return err
	}
	s.APIURL = "http://" + apiLn.Addr().String()

	auto := o.TwilioAutoStatus
	if auto == nil {
		auto = []string{"sent", "delivered"}
	}
	s.Twilio, err = twiliotest.NewServer(twiliotest.Options{
		AccountSID: disp("TWILIO_ACCOUNT_SID"),
		AuthToken:  disp("TWILIO_AUTH_TOKEN"),
		Addr:       o.TwilioAddr,
		AutoStatus: auto,
		Now:        o.Now,
		Logger:     log.With("component", "local-twilio"),
	})
	if err != nil {
		apiLn.Close()
		if errors.Is(err, syscall.EADDRINUSE) {
			return &PortInUseError{Service: ServiceTwilio, Addr: o.TwilioAddr, Err: err}
		}
		return fmt.Errorf("local Twilio: %w", err)
	}
	s.closers = append(s.closers, func() { _ = s.Twilio.Close() })

	local := map[string]string{"TWILIO_API_BASE_URL": s.Twilio.URL(), "PUBLIC_BASE_URL": s.APIURL}
	withLocal := func(id string) config.Getenv {
		return func(k string) string {
			if v, ok := local[k]; ok {
				return v
			}
			return getenv(id)(k)
		}
	}
	deps := app.Deps{DynamoDB: s.Client, Secrets: &secret.Resolver{}, Logger: log, Now: o.Now}
	if o.Metrics != nil {
		deps.Metrics = metrics.New(o.Metrics, o.Now)
	}

	ocfg, err := config.LoadOrderWebhook(withLocal(OrderWebhookID))
	if err != nil {
		apiLn.Close()
		return err
	}
	if s.OrderWebhook, err = orderwebhook.New(ctx, ocfg, deps); err != nil {
		apiLn.Close()
		return err
	}
	dcfg, err := config.LoadDispatcher(withLocal(DispatcherID))
	if err != nil {
		apiLn.Close()
		return err
	}
	if s.Dispatcher, err = dispatcher.New(ctx, dcfg, deps); err != nil {
		apiLn.Close()
		return err
	}
	tcfg, err := config.LoadTwilioWebhook(withLocal(TwilioWebhookID))
	if err != nil {
		apiLn.Close()
		return err
	}
	if s.TwilioWebhook, err = twiliowebhook.New(ctx, tcfg, deps); err != nil {
		apiLn.Close()
		return err
	}
	s.DynamoDB = dynamo.New(s.Client, s.Table, dynamo.Options{Retention: ocfg.Retention})

	srv := &http.Server{
		Handler:           apigw.NewServer(routes(s)...),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() {
		if err := srv.Serve(apiLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("local API stopped", "error", err)
		}
	}()
	// Closed first (closers run in reverse): no callback arrives at a closed API.
	s.closers = append(s.closers, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	return nil
}

// routes are the HTTP API's routes, as config.Routes declares them.
func routes(s *Stack) []apigw.Route {
	handlers := map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error){
		config.OrderWebhook:  s.OrderWebhook.Handle,
		config.TwilioWebhook: s.TwilioWebhook.Handle,
	}
	var out []apigw.Route
	for _, fn := range []string{config.OrderWebhook, config.TwilioWebhook} {
		for _, key := range config.Routes[fn] {
			out = append(out, apigw.Route{Key: key, Handler: handlers[fn]})
		}
	}
	return out
}

// Close stops everything Start started, in reverse order.
func (s *Stack) Close() {
	s.closeOnce.Do(func() {
		for i := len(s.closers) - 1; i >= 0; i-- {
			s.closers[i]()
		}
	})
}

// NewDynamoDBClient returns a DynamoDB client for a local endpoint, with
// static credentials (dynalite accepts any) and region us-east-1.
func NewDynamoDBClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(strings.TrimRight(endpoint, "/")),
	})
}

// Clock is a settable clock for the demo and tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set sets the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
