package cost_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// dueAt is Thursday 26 November 2026, 11:00 in New York.
var dueAt = time.Date(2026, 11, 26, 16, 0, 0, 0, time.UTC)

// meteredStore returns a store on a fresh table whose client goes through a
// Meter.
func meteredStore(t *testing.T) (*dynamo.Store, *cost.Meter, string) {
	t.Helper()
	_, table := dynamotest.NewTable(t)
	m := newMeter(t)
	client := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.HTTPClient = m.Client(awshttp.NewBuildableClient()) })
	return dynamo.New(client, table, dynamo.Options{}), m, table
}

// newMeter returns a Meter for tables shaped like template.yaml's.
func newMeter(t testing.TB) *cost.Meter {
	t.Helper()
	m, err := cost.NewTemplateMeter()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func pendingTask(id string) thankyou.Task {
	return thankyou.Task{
		ID: id,
		Order: thankyou.Order{
			Source: thankyou.SourceShopify, Shop: "demo.myshopify.com", ID: id, Number: "1001",
			CustomerName: "Jane Doe", FirstName: "Jane", Phone: "+12125550123", Total: "199.65", Currency: "USD",
			CreatedAt: dueAt.Add(-72 * time.Hour),
		},
		Channel:   thankyou.ChannelSMS,
		Recipient: "+12125550123",
		State:     thankyou.StatePending,
		DueAt:     dueAt,
		Deadline:  dueAt.Add(72 * time.Hour),
		TimeZone:  "America/New_York",
		CreatedAt: dueAt.Add(-72 * time.Hour),
	}
}

// want is what one metered request should be.
type want struct {
	op          string
	failed      bool
	consistent  bool
	index       string
	indexWrites int
}

func check(t *testing.T, step string, got []cost.Request, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("%s: %d requests %+v, want %d", step, len(got), got, len(wants))
	}
	for i, w := range wants {
		g := got[i]
		if g.Operation != w.op || g.Failed != w.failed || g.Consistent != w.consistent || g.Index != w.index || g.IndexWrites != w.indexWrites || g.Unpriced {
			t.Errorf("%s: request %d = %+v, want %+v", step, i, g, w)
			continue
		}
		var units cost.Units
		switch w.op {
		case "GetItem", "Query", "Scan":
			units.RRU = cost.ReadUnits(g.Bytes, g.Consistent)
		default:
			units.WRU = cost.WriteUnits(g.Bytes) + float64(w.indexWrites)
		}
		if g.Units != units {
			t.Errorf("%s: request %d (%s of %d bytes) costs %+v, want %+v", step, i, g.Operation, g.Bytes, g.Units, units)
		}
		if w.op == "PutItem" && !w.failed && g.Bytes == 0 {
			t.Errorf("%s: request %d: a put of 0 bytes", step, i)
		}
	}
}

func TestEachStepOfATaskCostsItsRequestsAndIndexWrites(t *testing.T) {
	ctx := context.Background()
	s, m, _ := meteredStore(t)
	task := pendingTask("shopify:demo.myshopify.com:1")
	const owner = "run-1"
	for _, step := range []struct {
		name string
		do   func() error
		want []want
	}{
		{
			name: "create: a conditional put that adds the task to the due index, and the customer record",
			do:   func() error { _, err := s.CreateTask(ctx, task); return err },
			want: []want{{op: "PutItem", indexWrites: 1}, {op: "UpdateItem"}},
		},
		{
			name: "create again: the failed conditional put still costs, and nothing more happens",
			do:   func() error { _, err := s.CreateTask(ctx, task); return err },
			want: []want{{op: "PutItem", failed: true}},
		},
		{
			name: "sweep: one eventually consistent query per shard of the index",
			do:   func() error { _, err := s.DueTaskIDs(ctx, dueAt.Add(time.Minute), 100); return err },
			want: slices.Repeat([]want{{op: "Query", index: dynamo.DueIndex}}, 16),
		},
		{
			name: "claim: the task's index entry moves to the lease expiry (a delete and a put)",
			do:   func() error { _, err := s.Claim(ctx, task.ID, owner, dueAt.Add(time.Minute), time.Minute); return err },
			want: []want{{op: "UpdateItem", indexWrites: 2}},
		},
		{
			name: "opt-out check: a strongly consistent read of nothing",
			do:   func() error { _, err := s.OptedOut(ctx, task.Recipient); return err },
			want: []want{{op: "GetItem", consistent: true}},
		},
		{
			name: "first status callback (sent): one update, no read; the task sent by the claim's run leaves the index",
			do: func() error {
				_, err := s.ApplyStatus(ctx, task.ID, "SM0123456789abcdef0123456789abcdef", thankyou.StateSent, 0, "", dueAt.Add(time.Minute))
				return err
			},
			want: []want{{op: "UpdateItem", indexWrites: 1}},
		},
		{
			name: "later status callback (delivered): one update outside the index, no read",
			do: func() error {
				_, err := s.ApplyStatus(ctx, task.ID, "SM0123456789abcdef0123456789abcdef", thankyou.StateDelivered, 0, "", dueAt.Add(2*time.Minute))
				return err
			},
			want: []want{{op: "UpdateItem"}},
		},
		{
			name: "the same callback again: the update's condition fails, a read decides nothing changes",
			do: func() error {
				_, err := s.ApplyStatus(ctx, task.ID, "SM0123456789abcdef0123456789abcdef", thankyou.StateDelivered, 0, "", dueAt.Add(3*time.Minute))
				return err
			},
			want: []want{{op: "UpdateItem", failed: true}, {op: "GetItem", consistent: true}},
		},
		{
			name: "STOP and START: two updates of the number's item, outside the index",
			do: func() error {
				if err := s.SetOptOut(ctx, task.Recipient, "STOP", dueAt); err != nil {
					return err
				}
				return s.ClearOptOut(ctx, task.Recipient, dueAt)
			},
			want: []want{{op: "UpdateItem"}, {op: "UpdateItem"}},
		},
	} {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		check(t, step.name, m.Take(), step.want)
	}
}

func TestAnUpdateThatGrowsTheItemCostsTheLargerSize(t *testing.T) {
	ctx := context.Background()
	s, m, table := meteredStore(t)
	task := pendingTask("shopify:demo.myshopify.com:2")
	if _, err := s.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	put := m.Take()[0]
	if _, err := s.Claim(ctx, task.ID, "run-1", dueAt.Add(time.Minute), time.Minute); err != nil {
		t.Fatal(err)
	}
	claim := m.Take()[0]
	if claim.Bytes <= put.Bytes {
		t.Errorf("claim billed on %d bytes, not more than the %d bytes put: the claim adds attributes and history", claim.Bytes, put.Bytes)
	}
	if items, size := m.Stored(table); items != 2 || size < claim.Bytes {
		t.Errorf("Stored = %d items, %d bytes; want the task and its customer record, at least %d bytes", items, size, claim.Bytes)
	}
}

func TestMeterAsAProxyTransportMetersWhatGoesThrough(t *testing.T) {
	ctx := context.Background()
	_, table := dynamotest.NewTable(t)
	m := newMeter(t)
	target, err := url.Parse(dynamotest.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = m.Transport(http.DefaultTransport)
	srv := httptest.NewServer(proxy)
	defer srv.Close()
	client := dynamodb.New(dynamodb.Options{
		Region:       dynamotest.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: &srv.URL,
	})
	s := dynamo.New(client, table, dynamo.Options{})
	if _, err := s.CreateTask(ctx, pendingTask("shopify:demo.myshopify.com:3")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetTask(ctx, "shopify:demo.myshopify.com:3"); err != nil {
		t.Fatal(err)
	}
	got := m.Requests()
	check(t, "create and read through the proxy", got, []want{{op: "PutItem", indexWrites: 1}, {op: "UpdateItem"}, {op: "GetItem", consistent: true}})
	if n := cost.DataRequests(got); n != 3 {
		t.Errorf("DataRequests = %d, want 3", n)
	}
	if sum, want := cost.Sum(got), got[0].Units.Add(got[1].Units).Add(got[2].Units); sum != want {
		t.Errorf("Sum = %+v, want %+v", sum, want)
	}
}

func TestControlPlaneRequestsCostNoUnits(t *testing.T) {
	m := newMeter(t)
	r := m.Record("DescribeTable", []byte(`{"TableName": "t"}`), 200, []byte(`{"Table": {}}`))
	if r.Units != (cost.Units{}) || r.Unpriced {
		t.Errorf("DescribeTable = %+v, want no units", r)
	}
	if n := cost.DataRequests([]cost.Request{r}); n != 0 {
		t.Errorf("DataRequests = %d, want 0", n)
	}
}

func TestUnreadableBodiesAreMarkedUnpriced(t *testing.T) {
	m := newMeter(t)
	for _, tc := range []struct{ op, req, resp string }{
		{"GetItem", `not json`, `{}`},
		{"PutItem", `{"TableName": "t", "Item": {"pk": {"X": "1"}}}`, `{}`},
		{"TransactWriteItems", `{"TransactItems": []}`, `{}`},
	} {
		if r := m.Record(tc.op, []byte(tc.req), 200, []byte(tc.resp)); !r.Unpriced || r.Units != (cost.Units{}) {
			t.Errorf("Record(%s, %s) = %+v, want unpriced with no units", tc.op, tc.req, r)
		}
	}
}

func TestTouchedAttributesReadsUpdateExpressions(t *testing.T) {
	names := map[string]string{"#s": "state", "#d": "duePk", "#k": "dueSk", "#h": "history", "#n": "attempts"}
	for _, tc := range []struct {
		expr         string
		set, removed []string
	}{
		{"SET #s = :s, #d = :d", []string{"state", "duePk"}, nil},
		{"SET #h = list_append(if_not_exists(#h, :e), :x), #n = #n + :one REMOVE #d, #k", []string{"history", "attempts"}, []string{"duePk", "dueSk"}},
		{"remove #k set #s=:s", []string{"state"}, []string{"dueSk"}},
		{"ADD #n :one DELETE tags :t", []string{"attempts", "tags"}, nil},
		{"SET a.b[2] = :v, plain = :w", []string{"a", "plain"}, nil},
		{"SET #unknown = :v", nil, nil},
		{"", nil, nil},
		{"SETTLE x = :y", nil, nil},
	} {
		set, removed := cost.TouchedAttributes(tc.expr, names)
		if !slices.Equal(set, tc.set) || !slices.Equal(removed, tc.removed) {
			t.Errorf("TouchedAttributes(%q) = %q, %q; want %q, %q", tc.expr, set, removed, tc.set, tc.removed)
		}
	}
}

func FuzzTouchedAttributes(f *testing.F) {
	f.Add("SET #h = list_append(if_not_exists(#h, :e), :x) REMOVE #d, #k ADD #n :one")
	f.Add("SET ((((a = b")
	f.Add("REMOVE , , SET =")
	f.Fuzz(func(t *testing.T, expr string) {
		set, removed := cost.TouchedAttributes(expr, map[string]string{"#h": "history", "#d": "duePk"})
		for _, a := range append(set, removed...) {
			if a == "" {
				t.Errorf("TouchedAttributes(%q) returned an empty name", expr)
			}
		}
	})
}

func FuzzRecord(f *testing.F) {
	f.Add("PutItem", `{"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}, "duePk": {"S": "DUE#1"}, "dueSk": {"S": "x"}}}`, 200, `{}`)
	f.Add("UpdateItem", `{"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}}, "UpdateExpression": "REMOVE #d", "ExpressionAttributeNames": {"#d": "duePk"}}`, 200, `{"Attributes": {"pk": {"S": "a"}}}`)
	f.Add("Query", `{"TableName": "t", "IndexName": "due"}`, 200, `{"Items": [{"duePk": {"S": "DUE#1"}}]}`)
	f.Add("BatchWriteItem", `{"RequestItems": {"t": [{"DeleteRequest": {"Key": {"pk": {"S": "a"}}}}]}}`, 200, `{}`)
	f.Add("BatchGetItem", `{"RequestItems": {"t": {"ConsistentRead": true}}}`, 200, `{"Responses": {"t": [{"pk": {"S": "a"}}]}}`)
	f.Add("DeleteItem", `{"TableName": "t", "Key": {"pk": {"S": "a"}, "sk": {"S": "b"}}}`, 400, `{"__type": "ConditionalCheckFailedException"}`)
	m := newMeter(f)
	f.Fuzz(func(t *testing.T, op, req string, status int, resp string) {
		r := m.Record(op, []byte(req), status, []byte(resp))
		m.Take()
		if r.Units.RRU < 0 || r.Units.WRU < 0 || r.IndexWrites < 0 {
			t.Errorf("Record(%s, %s) = %+v: negative units", op, req, r)
		}
	})
}
