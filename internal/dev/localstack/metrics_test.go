package localstack_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// emfRecord is one parsed EMF record of the stack's metrics output.
type emfRecord struct {
	line    string
	dims    [][]string
	metrics []string
	members map[string]any
}

// metricKey names one CloudWatch metric: its name and dimension values
// (Function first, then a breakdown dimension, if any).
type metricKey struct {
	metric, function, dim, value string
}

// tally sums the stack's metric records as CloudWatch would publish them:
// each metric once per dimension set.
type tally map[metricKey]float64

// total is a metric's total for a function (the dimension set Function).
func (t tally) total(metric, function string) float64 {
	return t[metricKey{metric, function, "", ""}]
}

// by is a metric's count for a function and one breakdown dimension value.
func (t tally) by(metric, function, dim, value string) float64 {
	return t[metricKey{metric, function, dim, value}]
}

// parseMetrics parses every line of out as an EMF record (failing on any
// other line), checks that each names only dimensions and metrics it
// holds, in the ThankYouCalls namespace, and sums them.
func parseMetrics(t *testing.T, out string) ([]emfRecord, tally) {
	t.Helper()
	var recs []emfRecord
	sum := tally{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		var root map[string]any
		if err := json.Unmarshal([]byte(line), &root); err != nil {
			t.Fatalf("metrics output line is not JSON: %v\n%s", err, line)
		}
		var meta struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		}
		raw, _ := json.Marshal(root["_aws"])
		if err := json.Unmarshal(raw, &meta); err != nil || meta.Timestamp == 0 || len(meta.CloudWatchMetrics) != 1 {
			t.Fatalf("not an EMF record (%v): %s", err, line)
		}
		d := meta.CloudWatchMetrics[0]
		if d.Namespace != metrics.Namespace {
			t.Errorf("namespace %q, want %q: %s", d.Namespace, metrics.Namespace, line)
		}
		delete(root, "_aws")
		r := emfRecord{line: line, dims: d.Dimensions, members: root}
		for _, m := range d.Metrics {
			r.metrics = append(r.metrics, m.Name)
		}
		fn, _ := root[metrics.DimFunction].(string)
		for _, set := range d.Dimensions {
			for _, name := range set {
				if _, ok := root[name].(string); !ok {
					t.Errorf("dimension %s has no string value: %s", name, line)
				}
			}
			for _, m := range d.Metrics {
				v, ok := root[m.Name].(float64)
				if !ok {
					t.Errorf("metric %s has no number value: %s", m.Name, line)
				}
				k := metricKey{metric: m.Name, function: fn}
				switch len(set) {
				case 1:
				case 2:
					k.dim = set[1]
					k.value, _ = root[set[1]].(string)
				default:
					t.Errorf("dimension set %v: want Function and at most one more", set)
				}
				sum[k] += v
			}
		}
		recs = append(recs, r)
	}
	return recs, sum
}

// TestMetricsCountWhatHappenedAndHoldNoPersonalData plays the demo's story
// through real HTTP on loopback, with the functions' metrics collected as
// Lambda's standard output would be: every source's orders at their own
// times (a duplicate, a skipped order, a test order, a cancellation, bad
// signatures), a STOP, a Twilio 500, the dispatcher every hour until every
// task ended, and Twilio's callbacks. The metric counts must match what the
// handlers answered and what the dispatcher reported, and no record may
// hold a phone number, a name, an email or an order id.
func TestMetricsCountWhatHappenedAndHoldNoPersonalData(t *testing.T) {
	ctx := context.Background()
	env, err := localstack.LoadEnvFile(root("events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 23, 16, 5, 0, 0, time.UTC)
	clock := localstack.NewClock(start)
	out := &syncBuffer{}
	_, table := dynamotest.NewTable(t)
	s, err := localstack.Start(ctx, localstack.Options{
		Env:              env,
		Override:         map[string]string{"TABLE_NAME": table},
		DynamoDBEndpoint: dynamotest.Endpoint(),
		APIAddr:          "127.0.0.1:0",
		TwilioAddr:       "127.0.0.1:0",
		Now:              clock.Now,
		Logger:           slog.New(slog.NewJSONHandler(&syncBuffer{}, nil)),
		Metrics:          out,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)

	// What the answers say happened, counted as the metrics should count it.
	want := tally{}
	add := func(metric, function, dim, value string) {
		want[metricKey{metric, function, "", ""}]++
		if dim != "" {
			want[metricKey{metric, function, dim, value}]++
		}
	}
	const ow, disp, tw = "order-webhook", "dispatcher", "twilio-webhook"
	for _, f := range []string{
		"shopify-orders-create.json", "shopify-duplicate.json", "shopify-second-order.json",
		"shopify-no-phone.json", "shopify-bad-signature.json", "shopify-malformed.json",
		"woocommerce-order-created.json", "woocommerce-order-pending.json",
		"stripe-checkout-completed.json", "stripe-replayed.json", "stripe-rotated-secret.json",
		"generic-order-created.json", "woocommerce-order-cancelled.json",
	} {
		ev, err := localstack.LoadHTTPEvent(recorded(t, "order-webhook/"+f))
		if err != nil {
			t.Fatal(err)
		}
		clock.Set(time.UnixMilli(ev.RequestContext.TimeEpoch).UTC())
		status, body, err := localstack.PostEvent(ctx, s.APIURL, ev)
		if err != nil {
			t.Fatal(err)
		}
		source := ev.PathParameters["source"]
		var a struct{ Status, State, Reason string }
		_ = json.Unmarshal(body, &a)
		switch {
		case status == http.StatusCreated && a.State == "pending":
			add(metrics.OrdersReceived, ow, metrics.DimSource, source)
			add(metrics.TasksCreated, ow, metrics.DimSource, source)
		case status == http.StatusCreated && a.State == "skipped":
			add(metrics.OrdersReceived, ow, metrics.DimSource, source)
			add(metrics.OrdersSkipped, ow, metrics.DimReason, string(thankyou.StoredSkipCode("", a.Reason)))
		case a.Status == "duplicate":
			add(metrics.OrdersReceived, ow, metrics.DimSource, source)
			add(metrics.Duplicates, ow, metrics.DimSource, source)
		case a.Status == "cancelled":
			add(metrics.OrdersCancelled, ow, metrics.DimSource, source)
		case status >= 400 || a.Status == "ignored":
			// Refused or ignored: no order was received.
		default:
			t.Fatalf("%s: unexpected answer %d %s", f, status, body)
		}
	}
	if clock.Now().Before(start) {
		clock.Set(start)
	}

	// Tuesday the London customer texts STOP; the first send will get a 500.
	clock.Set(start.Add(24 * time.Hour))
	status, _, err := s.Twilio.SendInbound(ctx, s.APIURL+"/twilio/inbound", "+447911123456", env[localstack.DispatcherID]["TWILIO_FROM"], "STOP")
	if err != nil || status != http.StatusOK {
		t.Fatalf("STOP: %d, %v", status, err)
	}
	add(metrics.OptedOut, tw, "", "")
	s.Twilio.Inject(twiliotest.ServerError())

	// The dispatcher every hour until every due task has ended.
	var total dispatch.Summary
	runs := 0
	for end := clock.Now().Add(5 * 24 * time.Hour); clock.Now().Before(end); {
		clock.Advance(time.Hour)
		sum, err := s.Dispatcher.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		runs++
		total.Due += sum.Due
		total.Sent += sum.Sent
		total.Retried += sum.Retried
		total.Failed += sum.Failed
		total.OptedOut += sum.OptedOut
		total.Expired += sum.Expired
		total.Deferred += sum.Deferred
		total.Cancelled += sum.Cancelled
		total.Recovered += sum.Recovered
		total.Unanswered += sum.Unanswered
		total.Errors += sum.Errors
		ended := len(s.Twilio.Messages()) + total.OptedOut + total.Failed + total.Expired
		if ended == int(want.total(metrics.TasksCreated, ow)-want.total(metrics.OrdersCancelled, ow)) {
			break
		}
	}
	if len(s.Twilio.Messages()) == 0 || total.OptedOut != 1 || total.Retried == 0 {
		t.Fatalf("dispatcher runs = %+v; the story needs sends, one opt-out and one retry", total)
	}
	msgs := s.Twilio.Messages()

	// The local Twilio reports sent, then delivered, for every message.
	waitFor(t, "a delivered callback for every message", func() bool {
		_, got := parseMetrics(t, out.String())
		return got.total(metrics.Delivered, tw) == float64(len(msgs))
	})
	recs, got := parseMetrics(t, out.String())

	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s{Function=%s %s=%s} = %v, want %v (from the webhook's answers)", k.metric, k.function, k.dim, k.value, got[k], n)
		}
	}
	tests := []struct {
		name      string
		got, want float64
	}{
		// Anchors from events/README.md's expected outcomes.
		{"OrdersSkipped{Reason=no_phone}", got.by(metrics.OrdersSkipped, ow, metrics.DimReason, metrics.ReasonNoPhone), 1},
		{"OrdersSkipped{Reason=test_order}", got.by(metrics.OrdersSkipped, ow, metrics.DimReason, metrics.ReasonTestOrder), 1},
		{"OrdersReceived{Source=shopify}", got.by(metrics.OrdersReceived, ow, metrics.DimSource, "shopify"), 4},
		{"OrdersReceived = TasksCreated + OrdersSkipped + Duplicates", got.total(metrics.OrdersReceived, ow),
			got.total(metrics.TasksCreated, ow) + got.total(metrics.OrdersSkipped, ow) + got.total(metrics.Duplicates, ow)},
		{"OptedOut{Function=twilio-webhook} (STOP)", got.total(metrics.OptedOut, tw), 1},
		// The dispatcher's metrics agree with what its runs reported.
		{"Sent", got.total(metrics.Sent, disp), float64(total.Sent + total.Recovered)},
		{"TaskErrors", got.total(metrics.TaskErrors, disp), float64(total.Errors)},
		{"Unanswered", got.total(metrics.Unanswered, disp), float64(total.Unanswered)},
		// Every message Twilio accepted was recorded as sent or, when the
		// local Twilio's immediate status callback overtook the
		// dispatcher's write of the SID (the callback then records it),
		// counted as a task error by the dispatcher.
		{"Sent + TaskErrors = messages Twilio accepted", got.total(metrics.Sent, disp) + got.total(metrics.TaskErrors, disp), float64(len(msgs))},
		{"Retried", got.total(metrics.Retried, disp), float64(total.Retried)},
		{"Failed", got.total(metrics.Failed, disp), float64(total.Failed)},
		{"Expired", got.total(metrics.Expired, disp), float64(total.Expired)},
		{"Deferred", got.total(metrics.Deferred, disp), float64(total.Deferred)},
		{"OptedOut{Function=dispatcher}", got.total(metrics.OptedOut, disp), float64(total.OptedOut)},
		{"OrdersCancelled{Function=dispatcher}", got.total(metrics.OrdersCancelled, disp), float64(total.Cancelled)},
		{"DueTasks", got.total(metrics.DueTasks, disp), float64(total.Due)},
		{"DispatchRuns", got.total(metrics.DispatchRuns, disp), float64(runs)},
		{"DispatchRuns{Outcome=ok}", got.by(metrics.DispatchRuns, disp, metrics.DimOutcome, metrics.OutcomeOK), float64(runs)},
		{"DispatcherHeartbeat", got.total(metrics.DispatcherHeartbeat, disp), float64(runs)},
		{"Delivered", got.total(metrics.Delivered, tw), float64(len(msgs))},
		{"Failed{Function=twilio-webhook}", got.total(metrics.Failed, tw), 0},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}

	// Records hold only the known dimensions and metrics, never personal
	// data or ids.
	allowed := map[string]bool{metrics.DimFunction: true, metrics.DimSource: true, metrics.DimReason: true,
		metrics.DimTwilioCode: true, metrics.DimOutcome: true}
	for _, m := range []string{metrics.OrdersReceived, metrics.TasksCreated, metrics.OrdersSkipped,
		metrics.Duplicates, metrics.OrdersCancelled, metrics.Sent, metrics.Delivered, metrics.Undelivered,
		metrics.Failed, metrics.Retried, metrics.Expired, metrics.OptedOut, metrics.OptedIn, metrics.Deferred,
		metrics.Unanswered, metrics.TaskErrors, metrics.DispatchRuns, metrics.DueTasks, metrics.DispatcherHeartbeat} {
		allowed[m] = true
	}
	personal := []string{
		"2125550123", "7911123456", "07911", "2125550140", "2125550177", "3105550142", "2125550188",
		"Jane", "Doe", "Amelia", "Clarke", "Sam Lee", "Olivia", "Martin", "Jordan", "Smith", "Maria", "Garcia",
		"@", "820982911946154508", "820982911946154521", "pi_3S", "G-1001", "5001", "thankyou-demo", "shop.example.com",
	}
	for _, r := range recs {
		for k := range r.members {
			if !allowed[k] {
				t.Errorf("record has member %q, neither a known dimension nor a metric: %s", k, r.line)
			}
		}
		for _, p := range personal {
			if strings.Contains(r.line, p) {
				t.Errorf("a metric record contains %q: %s", p, r.line)
			}
		}
	}
}
