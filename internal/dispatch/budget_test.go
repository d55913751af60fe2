package dispatch_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxOwnRequestsPerSend is the DynamoDB ceiling of a sent SMS
// thank-you's own requests: the claim (a conditional write on the task),
// the admission (one conditional write on the number's item: its opt-out,
// the number cap's slot and the reply route) and the sent mark. The
// privacy hold is no request of its own: the run's listing of the pending
// erasure requests answers it (read again when 10 s old).
const maxOwnRequestsPerSend = 3.0

// maxSweepQueriesPerRun is the ceiling of the queries a run makes whatever
// it finds, shared by the tasks it sends: the due index's 16 shards per
// batch of up to 200 due tasks, the waiting forwards and the pending
// erasure requests. At 40 due that is 18/40 = 0.45 a send (3.45 in all);
// at 10,000 due, 51 batches: 818/10,000 = 0.08 (3.08 in all).
const maxSweepQueriesPerRun = 18

func TestASendStaysUnderItsRequestCeiling(t *testing.T) {
	const n = 40
	f := newFixture(t)
	_, table := dynamotest.NewTable(t)
	f.store = dynamo.New(dynamotest.NewClient(t), table, dynamo.Options{})
	m := benchMeter(t)
	client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = m.Client(awshttp.NewBuildableClient()) })
	for i := range n {
		number := fmt.Sprintf("+1212555%04d", 2000+i)
		f.addTask(t, fmt.Sprintf("budget-%d", i), func(task *thankyou.Task) {
			task.Order.Phone, task.Recipient = number, number
		})
	}
	metered := dynamo.New(client, table, dynamo.Options{})
	h := f.handler(t)
	// As the dispatcher's wiring builds it: the number's item admits at
	// send, the privacy holds come from the run's listing of the requests.
	h.Store, h.Calls, h.Caps, h.Privacy = metered, metered, metered, metered.PrivacySnapshot(f.clock.Now)
	h.NumberCap = contact.DefaultNumberCap
	m.Take()
	s, err := h.Run(context.Background())
	if err != nil || s.Sent != n {
		t.Fatalf("run = %+v, %v; want %d sent", s, err, n)
	}
	reqs := m.Take()
	var own, sweep []cost.Request
	byOp := map[string]int{}
	for _, r := range reqs {
		op := r.Operation
		if r.Index != "" {
			op += " " + r.Index
		}
		if r.Failed {
			op += " (failed)"
		}
		byOp[op]++
		if r.Operation == "Query" {
			sweep = append(sweep, r)
		} else {
			own = append(own, r)
		}
	}
	ops := make([]string, 0, len(byOp))
	for op, c := range byOp {
		ops = append(ops, fmt.Sprintf("%s %.2f", op, float64(c)/n))
	}
	sort.Strings(ops)
	u := cost.Sum(reqs)
	per := float64(cost.DataRequests(own)) / n
	queries := cost.DataRequests(sweep)
	t.Logf("per send: %.2f own requests + %d sweep queries / %d = %.2f; %.2f RRU, %.2f WRU: %v",
		per, queries, n, per+float64(queries)/n, u.RRU/n, u.WRU/n, ops)
	if per > maxOwnRequestsPerSend {
		t.Errorf("a send costs %.2f DynamoDB requests of its own, want at most %.2f", per, maxOwnRequestsPerSend)
	}
	if queries > maxSweepQueriesPerRun {
		t.Errorf("the run made %d sweep queries, want at most %d", queries, maxSweepQueriesPerRun)
	}
}

// maxRequestsNothingDue is what a run that finds nothing due asks
// DynamoDB, all at its start and at once: the pending erasure requests,
// the due index's 16 shards, the staff rosters (for the digests) and the
// waiting forwards.
const maxRequestsNothingDue = 19

// A run that finds nothing due, wired as the dispatcher is, makes its
// opening reads through the functions' DynamoDB client
// (app.NewDynamoDB): at most maxRequestsNothingDue requests, on at most
// app.MaxDynamoDBConns connections though they all go at once.
func TestARunWithNothingDueStaysUnderItsRequestAndConnectionCeilings(t *testing.T) {
	var open, most atomic.Int64
	target, err := url.Parse(dynamotest.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	m := benchMeter(t)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = m.Transport(http.DefaultTransport)
	front := httptest.NewUnstartedServer(proxy)
	front.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			n := open.Add(1)
			for {
				was := most.Load()
				if n <= was || most.CompareAndSwap(was, n) {
					break
				}
			}
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	front.Start()
	defer front.Close()

	f := newFixture(t)
	_, table := dynamotest.NewTable(t)
	f.store = dynamo.New(dynamotest.NewClient(t), table, dynamo.Options{})
	if err := f.store.PutStaff(context.Background(), thankyou.StaffMember{Source: thankyou.SourceShopify, ShopID: "demo.myshopify.com", ID: "ana",
		Phone: "+12125550177", TimeZone: "America/New_York", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri"), Active: true}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	client := app.NewDynamoDB(aws.Config{Region: dynamotest.Region, Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), BaseEndpoint: aws.String(front.URL)})
	store := dynamo.New(client, table, dynamo.Options{})
	h := f.handler(t)
	h.Store, h.Calls, h.Caps, h.Privacy, h.Forwards = store, store, store, store.PrivacySnapshot(f.clock.Now), store
	h.Replies = &replies.Forwarder{Store: store, Directory: store}
	for i := range 2 { // cold, then warm
		m.Take()
		if s := run(t, h); s.Due != 0 {
			t.Fatalf("run %d = %+v, want nothing due", i, s)
		}
		reqs := m.Take()
		if n := cost.DataRequests(reqs); n > maxRequestsNothingDue {
			t.Errorf("run %d: %d DynamoDB requests, want at most %d", i, n, maxRequestsNothingDue)
		}
		t.Logf("run %d: %d requests (%.1f RRU), at most %d connections open", i, cost.DataRequests(reqs), cost.Sum(reqs).RRU, most.Load())
	}
	if n := most.Load(); n > app.MaxDynamoDBConns {
		t.Errorf("%d connections open at once, want at most %d", n, app.MaxDynamoDBConns)
	}
}
