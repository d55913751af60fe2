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
// shop's settings, the learnt shop id) with one request more, not two;
// the deployment's very first order, which learns the shop id, with two.
func TestAColdInstancesFirstOrderCostsOneRoundTripMore(t *testing.T) {
	for _, tc := range []struct {
		name string
		// learnt: the deployment learnt its shop id before this instance
		// started (any cold start but the deployment's first).
		learnt    bool
		maxRounds int
	}{
		{"cold instance of a deployment that learnt its shop", true, maxColdRounds},
		{"first order of a new deployment", false, maxFirstEverRounds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
			if err != nil {
				t.Fatal(err)
			}
			in, err := tpl.CreateTableInput("shape")
			if err != nil {
				t.Fatal(err)
			}
			m := cost.NewMeter(in)
			seq := &rounds{next: m.Client(awshttp.NewBuildableClient())}
			_, table := dynamotest.NewTable(t)
			client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = seq })
			f := fixtureOn(t, client, table, nil, io.Discard)
			event := "shopify-orders-create.json"
			if tc.learnt {
				if status, body := f.post(t, loadEvent(t, event)); status != http.StatusCreated {
					t.Fatalf("first order: %d %v", status, body)
				}
				f.coldStart()
				event = "shopify-second-order.json"
			}
			m.Take()
			seq.take()
			if status, body := f.post(t, loadEvent(t, event)); status != http.StatusCreated {
				t.Fatalf("cold order: %d %v", status, body)
			}
			n, c := seq.take(), count(m.Take())
			t.Logf("%s: %d round trips in sequence; %d reads, %d writes, %.1f RRU, %.1f WRU", tc.name, n, c.reads, c.writes, c.units.RRU, c.units.WRU)
			if n > tc.maxRounds {
				t.Errorf("%s: %d round trips in sequence, want at most %d", tc.name, n, tc.maxRounds)
			}
			if n := f.tasks(t); n != 1+btoi(tc.learnt) {
				t.Errorf("%d tasks stored, want %d", n, 1+btoi(tc.learnt))
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
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
