package orderhook_test

import (
	"io"
	"net/http"
	"sync"
	"testing"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
)

// The DynamoDB budget of the order webhook, counted by the cost Meter
// through the real client against dynalite.
const (
	maxNewOrderWrites = 2 // write requests of a new order
	maxNewOrderWRU    = 3 // write request units of a new order, index writes included
	maxRepeatedReads  = 1 // read requests of a repeated delivery
	maxRepeatedWrites = 0 // write requests of a repeated delivery
	// ruleFreeReads: without first-order-only or a frequency cap a new
	// order reads its task's key alone (the dedup), not the customer.
	ruleFreeReads = 1
	// maxColdRounds: a new instance's first new order, on a deployment
	// that learnt its shop id, waits for at most this many round trips
	// in sequence: the shop's settings with the learnt id (one
	// BatchGetItem), the task's key, the task's put, the customer record.
	maxColdRounds = 4
	// maxFirstEverRounds: the deployment's very first order also claims
	// the shop id (one conditional write, no second read).
	maxFirstEverRounds = 5
	// maxColdRepeatRounds: a repeated delivery reaching a new instance
	// reads the shop (with the learnt id), then the task's key.
	maxColdRepeatRounds = 2
)

// rounds counts the round trips a client waits for in sequence: a request
// that starts while another is in flight overlaps it and adds none.
type rounds struct {
	next   cost.HTTPClient
	mu     sync.Mutex
	flying int
	n      int
}

func (r *rounds) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	if r.flying == 0 {
		r.n++
	}
	r.flying++
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.flying--
		r.mu.Unlock()
	}()
	return r.next.Do(req)
}

func (r *rounds) take() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.n
	r.n = 0
	return n
}

// A cold instance's first order pays for what a warm one has cached (the
// shop's settings, the learnt shop id) with one round trip more, not two;
// the deployment's very first order, which learns the shop id, with two.
// A repeated or refused delivery reaching a cold instance writes nothing.
func TestAColdInstancesFirstOrderCostsOneRoundTripMore(t *testing.T) {
	for _, tc := range []struct {
		name string
		// learnt: the deployment took an order (and learnt its shop id)
		// before this instance started: any cold start but its first.
		learnt     bool
		event      string
		shop       string // the delivery's shop id header ("": the fixture's)
		wantStatus int
		maxRounds  int
		maxWrites  int
		wantTasks  int
	}{
		{"new order, cold instance of a deployment that learnt its shop", true, "shopify-second-order.json", "", http.StatusCreated, maxColdRounds, maxNewOrderWrites, 2},
		{"new order, the deployment's first", false, "shopify-orders-create.json", "", http.StatusCreated, maxFirstEverRounds, maxNewOrderWrites + 1, 1},
		{"repeated delivery, cold instance", true, "shopify-duplicate.json", "", http.StatusOK, maxColdRepeatRounds, 0, 1},
		{"another shop id, cold instance: refused", true, "shopify-second-order.json", "other.myshopify.com", http.StatusUnauthorized, 1, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := cost.NewTemplateMeter()
			if err != nil {
				t.Fatal(err)
			}
			seq := &rounds{next: m.Client(awshttp.NewBuildableClient())}
			_, table := dynamotest.NewTable(t)
			client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = seq })
			f := fixtureOn(t, client, table, nil, io.Discard)
			if tc.learnt {
				if status, body := f.post(t, loadEvent(t, "shopify-orders-create.json")); status != http.StatusCreated {
					t.Fatalf("first order: %d %v", status, body)
				}
				f.coldStart()
			}
			ev := loadEvent(t, tc.event)
			if tc.shop != "" {
				ev = withHeader(ev, "x-shopify-shop-domain", tc.shop)
			}
			m.Take()
			seq.take()
			if status, body := f.post(t, ev); status != tc.wantStatus {
				t.Fatalf("%d %v, want %d", status, body, tc.wantStatus)
			}
			n, c := seq.take(), count(m.Take())
			t.Logf("%s: %d round trips in sequence; %d reads, %d writes, %.1f RRU, %.1f WRU", tc.name, n, c.reads, c.writes, c.units.RRU, c.units.WRU)
			if n > tc.maxRounds {
				t.Errorf("%d round trips in sequence, want at most %d", n, tc.maxRounds)
			}
			if c.writes > tc.maxWrites {
				t.Errorf("%d write requests, want at most %d", c.writes, tc.maxWrites)
			}
			if got := f.tasks(t); got != tc.wantTasks {
				t.Errorf("%d tasks stored, want %d", got, tc.wantTasks)
			}
		})
	}
}

// meteredFixture is newFixture with every DynamoDB request counted, warmed
// by a first order.
func meteredFixture(t *testing.T, override map[string]string) (*fixture, *cost.Meter) {
	t.Helper()
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		t.Fatal(err)
	}
	in, err := tpl.CreateTableInput("shape")
	if err != nil {
		t.Fatal(err)
	}
	m := cost.NewMeter(in)
	_, table := dynamotest.NewTable(t)
	client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = m.Client(awshttp.NewBuildableClient()) })
	f := fixtureOn(t, client, table, override, io.Discard)
	// A first order warms the instance: the shop's settings are read and
	// the shop id learnt once per instance, not per order.
	if status, body := f.post(t, loadEvent(t, "shopify-orders-create.json")); status != http.StatusCreated {
		t.Fatalf("first order: %d %v", status, body)
	}
	m.Take()
	return f, m
}

// tally is what a list of requests costs.
type tally struct {
	reads, writes int
	units         cost.Units
}

func count(reqs []cost.Request) tally {
	var c tally
	for _, r := range reqs {
		switch r.Operation {
		case "GetItem", "Query", "Scan", "BatchGetItem":
			c.reads++
		case "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem":
			c.writes++
		}
	}
	c.units = cost.Sum(reqs)
	return c
}

func TestANewOrderCostsAtMostTwoWritesAndARepeatOneRead(t *testing.T) {
	f, m := meteredFixture(t, nil)
	if status, body := f.post(t, loadEvent(t, "shopify-second-order.json")); status != http.StatusCreated {
		t.Fatalf("new order: %d %v", status, body)
	}
	reqs := m.Take()
	c := count(reqs)
	t.Logf("new order: %d reads, %d writes, %.1f RRU, %.1f WRU", c.reads, c.writes, c.units.RRU, c.units.WRU)
	if c.writes > maxNewOrderWrites || c.units.WRU > maxNewOrderWRU {
		t.Errorf("new order: %d write requests, %.1f WRU; want at most %d and %d", c.writes, c.units.WRU, maxNewOrderWrites, maxNewOrderWRU)
	}
	if c.reads > ruleFreeReads {
		t.Errorf("new order: %d reads with no rule that needs the customer's history, want %d", c.reads, ruleFreeReads)
	}

	if status, body := f.post(t, loadEvent(t, "shopify-duplicate.json")); status != http.StatusOK || body["status"] != "duplicate" {
		t.Fatalf("repeated delivery: %d %v, want 200 duplicate", status, body)
	}
	c = count(m.Take())
	t.Logf("repeated delivery: %d reads, %d writes, %.1f RRU, %.1f WRU", c.reads, c.writes, c.units.RRU, c.units.WRU)
	if c.reads > maxRepeatedReads || c.writes > maxRepeatedWrites {
		t.Errorf("repeated delivery: %d reads, %d writes; want at most %d and %d", c.reads, c.writes, maxRepeatedReads, maxRepeatedWrites)
	}
	if n := f.tasks(t); n != 2 {
		t.Errorf("%d tasks stored, want 2", n)
	}
}

// The rules that need the customer's history pay for it, and only they.
func TestHistoryIsReadOnlyWhenARuleNeedsIt(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantRead bool
	}{
		{"no rule", nil, false},
		{"frequency cap", map[string]string{"FREQUENCY_CAP_DAYS": "30"}, true},
		{"first order only", map[string]string{"FIRST_ORDER_ONLY": "true"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, m := meteredFixture(t, tc.env)
			if status, body := f.post(t, loadEvent(t, "shopify-second-order.json")); status != http.StatusCreated {
				t.Fatalf("new order: %d %v", status, body)
			}
			c := count(m.Take())
			t.Logf("%s: %d reads, %d writes, %.1f RRU, %.1f WRU", tc.name, c.reads, c.writes, c.units.RRU, c.units.WRU)
			if got := c.reads > ruleFreeReads; got != tc.wantRead {
				t.Errorf("%s: %d reads, want history read: %v", tc.name, c.reads, tc.wantRead)
			}
		})
	}
}
