package dispatch_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// exchange is one DynamoDB request as a recorder saw it: what it was
// (see kindOf), when it was sent and when its answer came back.
type exchange struct {
	kind       string
	sent, back time.Time
}

// recorder is the DynamoDB client's HTTP client in these tests: it passes
// each request on to dynalite, records it, and can hold the first answer
// of a kind for a while (as a slow network would).
type recorder struct {
	next interface {
		Do(*http.Request) (*http.Response, error)
	}
	delay map[string]time.Duration // the first answer of a kind waits this long

	mu  sync.Mutex
	log []exchange
}

func newRecorder() *recorder {
	return &recorder{next: awshttp.NewBuildableClient(), delay: map[string]time.Duration{}}
}

// kindOf names a request by the items it is about: the pending erasure
// requests, a due-index shard, the staff rosters, the waiting forwards,
// a claim; else its operation.
func kindOf(op string, body []byte) string {
	switch {
	case op == "Query" && bytes.Contains(body, []byte(`"PRIVACY"`)):
		return "privacy"
	case op == "Query" && bytes.Contains(body, []byte(`"DUE#`)):
		return "due"
	case op == "Query" && bytes.Contains(body, []byte(`"STAFF#"`)):
		return "staff"
	case op == "Query" && bytes.Contains(body, []byte(`"FORWARDS"`)):
		return "forwards"
	case op == "UpdateItem" && bytes.Contains(body, []byte(`"leaseOwner"`)):
		return "claim"
	}
	return op
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	kind := kindOf(strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810."), body)
	sent := time.Now()
	resp, err := r.next.Do(req)
	r.mu.Lock()
	d := r.delay[kind]
	delete(r.delay, kind)
	r.mu.Unlock()
	time.Sleep(d)
	r.mu.Lock()
	r.log = append(r.log, exchange{kind, sent, time.Now()})
	r.mu.Unlock()
	return resp, err
}

// take returns the requests recorded since the last take.
func (r *recorder) take() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.log
	r.log = nil
	return out
}

func count(log []exchange, kind string) int {
	n := 0
	for _, e := range log {
		if e.kind == kind {
			n++
		}
	}
	return n
}

// recordedStore is a store on a new table, with f.store on the same table
// to set the scene unrecorded.
func recordedStore(t *testing.T, f *fixture) (*dynamo.Store, *recorder) {
	t.Helper()
	_, table := dynamotest.NewTable(t)
	f.store = dynamo.New(dynamotest.NewClient(t), table, dynamo.Options{})
	rec := newRecorder()
	client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = rec })
	return dynamo.New(client, table, dynamo.Options{}), rec
}

// The run reads the pending erasure requests and sweeps the due index at
// once, and a customer's pending erasure still holds her task: no task is
// claimed before the listing is back, and every send's hold is answered
// by that one listing (a send that came first would have had its hold
// read again).
func TestAPendingErasureHoldsItsTaskWhileTheListingAndTheSweepRunAtOnce(t *testing.T) {
	f := newFixture(t)
	store, rec := recordedStore(t, f)
	ctx := context.Background()
	jane := f.addTask(t, "jane")
	bob := f.addTask(t, "bob", func(task *thankyou.Task) {
		task.Order.Phone, task.Recipient, task.Order.FirstName = "+12125550142", "+12125550142", "Bob"
	})
	if err := f.store.RequestErasure(ctx, thankyou.Erasure{Source: jane.Order.Source, Shop: jane.Order.Shop, Kind: thankyou.DeliveryCustomerRedact, Customer: thankyou.Customer{Phones: []string{jane.Order.Phone}}}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h := f.handler(t)
	// As the dispatcher's wiring builds it.
	h.Store, h.Privacy = store, store.PrivacySnapshot(f.clock.Now)
	// The listing's answer comes late: the sweep is back long before.
	rec.delay["privacy"] = 300 * time.Millisecond

	s := run(t, h)
	log := rec.take()
	if msgs := f.twilio.Messages(); len(msgs) != 1 || msgs[0].To != bob.Recipient {
		t.Fatalf("Twilio got %d messages (%+v), want only Bob's", len(msgs), msgs)
	}
	if got := f.task(t, jane.ID); got.State == thankyou.StateSent || got.MessageSID != "" {
		t.Errorf("Jane's task: %s %q, want not sent", got.State, got.MessageSID)
	}
	if s.Sent != 1 {
		t.Errorf("run = %+v, want 1 sent", s)
	}
	if n := count(log, "privacy"); n != 1 {
		t.Errorf("the erasure requests were read %d times, want once: a hold asked before the listing came back", n)
	}
	var listed time.Time
	firstDue, firstClaim := time.Time{}, time.Time{}
	for _, e := range log {
		switch e.kind {
		case "privacy":
			listed = e.back
		case "due":
			if firstDue.IsZero() || e.sent.Before(firstDue) {
				firstDue = e.sent
			}
		case "claim":
			if firstClaim.IsZero() || e.sent.Before(firstClaim) {
				firstClaim = e.sent
			}
		}
	}
	if !firstDue.Before(listed) {
		t.Errorf("the sweep began %v after the erasure requests were back: not at once", firstDue.Sub(listed))
	}
	if firstClaim.Before(listed) {
		t.Errorf("a task was claimed %v before the erasure requests were back", listed.Sub(firstClaim))
	}
}

// A run of several batches reads the staff rosters and the waiting
// forwards once, and sends the day's digest and the waiting forward once,
// after its sweep.
func TestDigestsAndForwardsGoOnceInARunOfSeveralBatches(t *testing.T) {
	f := newFixture(t)
	store, rec := recordedStore(t, f)
	ctx := context.Background()
	ana := thankyou.StaffMember{Source: thankyou.SourceShopify, ShopID: "demo.myshopify.com", ID: "ana", Name: "Ana",
		Phone: "+12125550177", TimeZone: "America/New_York", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri"), Active: true}
	if err := f.store.PutStaff(ctx, ana, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h := f.handler(t)
	h.Store, h.Calls, h.Forwards = store, store, store
	h.Replies = &replies.Forwarder{Store: store, Directory: store, StaffPhone: staff, Settings: settings.Deployment{Zone: newYork}}
	h.EscalateAfter = 100 * time.Hour // no follow-up in this test
	h.BatchSize = 2

	// 11:05: a staff call goes to Ana, her open call until she answers it.
	f.addTask(t, "call", func(task *thankyou.Task) { task.Channel, task.Recipient = thankyou.ChannelStaff, staff })
	if s := run(t, h); s.Reminded != 1 || s.Digests != 0 {
		t.Fatalf("11:05: %+v, want the reminder and no digest", s)
	}

	// 16:35, the last half hour of her shift: five thank-yous are due (three
	// batches of two), and a customer's reply waits for the staff phone.
	f.clock.Set(time.Date(2026, 11, 25, 16, 35, 0, 0, newYork))
	for i := range 5 {
		number := fmt.Sprintf("+1212555%04d", 3000+i)
		f.addTask(t, fmt.Sprintf("due-%d", i), func(task *thankyou.Task) { task.Order.Phone, task.Recipient = number, number })
	}
	replied := f.addTask(t, "replied", func(task *thankyou.Task) {
		task.Order.Phone, task.Recipient, task.DueAt = "+12125550155", "+12125550155", dueAt.Add(48*time.Hour)
	})
	_, n, err := f.store.AddEntry(ctx, replied.ID, thankyou.Entry{At: f.clock.Now(), From: thankyou.SpeakerCustomer, Text: "Is the mug dishwasher safe?"}, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.QueueForward(ctx, thankyou.Forward{TaskID: replied.ID, Entry: n, Due: f.clock.Now().Add(-time.Minute)}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	rec.take()
	before := len(f.twilio.Messages())
	s := run(t, h)
	log := rec.take()
	if s.Due != 5 || s.Sent != 5 || s.Digests != 1 || s.Forwarded != 1 {
		t.Errorf("16:35: %+v, want 5 sent, 1 digest, 1 forward", s)
	}
	for kind, want := range map[string]int{"staff": 1, "forwards": 1, "due": 3 * 16} {
		if got := count(log, kind); got != want {
			t.Errorf("%s queries: %d, want %d", kind, got, want)
		}
	}
	// In the order Twilio got them: the thank-yous, then the digest and
	// the forward.
	var digests, forwards, thankYous int
	for _, m := range f.twilio.Messages()[before:] {
		switch {
		case m.To == ana.Phone && strings.HasPrefix(m.Body, "End of day: "):
			digests++
		case m.To == staff && strings.Contains(m.Body, "Is the mug dishwasher safe?"):
			forwards++
		case digests+forwards > 0:
			t.Errorf("a thank-you (to %s) went after the digest or the forward", m.To)
		default:
			thankYous++
		}
	}
	if digests != 1 || forwards != 1 || thankYous != 5 {
		t.Errorf("Twilio got %d thank-yous, %d digests and %d forwards, want 5, 1 and 1", thankYous, digests, forwards)
	}
	// The next run finds both done.
	f.clock.Advance(5 * time.Minute)
	if s := run(t, h); s.Digests != 0 || s.Forwarded != 0 {
		t.Errorf("16:40: %+v, want no second digest or forward", s)
	}
}
