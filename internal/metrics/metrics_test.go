package metrics_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/thankyoucalls/thankyoucalls/internal/eligibility"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// emfSchema is the structure AWS's "Specification: Embedded metric format"
// requires of a document: an _aws member holding an integer Timestamp (ms)
// and MetricDirectives (a Namespace, DimensionSets of at most 30 dimension
// names, at most 100 MetricDefinitions each with a Name and an optional
// CloudWatch Unit). The references from a directive to the root's members
// are checked in Go (checkEMF): a JSON schema cannot express them.
const emfSchema = `{
  "type": "object",
  "required": ["_aws"],
  "properties": {
    "_aws": {
      "type": "object",
      "required": ["Timestamp", "CloudWatchMetrics"],
      "properties": {
        "Timestamp": {"type": "integer", "minimum": 0},
        "CloudWatchMetrics": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["Namespace", "Dimensions", "Metrics"],
            "additionalProperties": false,
            "properties": {
              "Namespace": {"type": "string", "minLength": 1, "maxLength": 255},
              "Dimensions": {
                "type": "array",
                "minItems": 1,
                "items": {
                  "type": "array",
                  "maxItems": 30,
                  "items": {"type": "string", "minLength": 1, "maxLength": 255}
                }
              },
              "Metrics": {
                "type": "array",
                "maxItems": 100,
                "items": {
                  "type": "object",
                  "required": ["Name"],
                  "additionalProperties": false,
                  "properties": {
                    "Name": {"type": "string", "minLength": 1, "maxLength": 255},
                    "Unit": {"enum": ["Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
                      "Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits",
                      "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
                      "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
                      "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
                      "Count/Second", "None"]},
                    "StorageResolution": {"enum": [1, 60]}
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}`

func mustCompileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(emfSchema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("emf.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("emf.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// record is one parsed EMF record.
type record struct {
	Timestamp  int64
	Namespace  string
	Dimensions [][]string
	// Metrics maps each metric name to its unit.
	Metrics map[string]string
	// Members are the root's other members: dimension and metric values.
	Members map[string]any
}

// checkEMF parses one line as an EMF document, validates it against the
// specification's structure and checks what a schema cannot: every
// dimension a set names is a root member with a string value, every metric
// a definition names is a root member with a number value.
func checkEMF(t testing.TB, schema *jsonschema.Schema, line string) record {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(line))
	if err != nil {
		t.Fatalf("record is not JSON: %v\n%s", err, line)
	}
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("record does not follow the EMF structure: %v\n%s", err, line)
	}
	var root map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &root); err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	}
	if err := json.Unmarshal(root["_aws"], &meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.CloudWatchMetrics) != 1 {
		t.Fatalf("record has %d metric directives, want 1: %s", len(meta.CloudWatchMetrics), line)
	}
	d := meta.CloudWatchMetrics[0]
	r := record{Timestamp: meta.Timestamp, Namespace: d.Namespace, Dimensions: d.Dimensions,
		Metrics: map[string]string{}, Members: map[string]any{}}
	for k, raw := range root {
		if k == "_aws" {
			continue
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		r.Members[k] = v
	}
	for _, set := range d.Dimensions {
		for _, name := range set {
			v, ok := r.Members[name].(string)
			if !ok || v == "" {
				t.Errorf("dimension %s has no string member (%v): %s", name, r.Members[name], line)
			}
			for _, c := range v {
				if c < 0x20 || c > 0x7e {
					t.Errorf("dimension %s = %q: not printable ASCII", name, v)
				}
			}
		}
	}
	for _, m := range d.Metrics {
		if _, ok := r.Members[m.Name].(float64); !ok {
			t.Errorf("metric %s has no numeric member (%v): %s", m.Name, r.Members[m.Name], line)
		}
		r.Metrics[m.Name] = m.Unit
	}
	return r
}

func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func TestRecordsFollowTheEMFSpecification(t *testing.T) {
	schema := mustCompileSchema(t)
	at := time.Date(2026, 11, 23, 16, 0, 2, 345_000_000, time.UTC)
	tests := []struct {
		name     string
		function string
		emit     func(e *metrics.Emitter)
		wantDims [][]string
		wantVals map[string]any // root members: dimension and metric values
	}{
		{
			"a count with no breakdown", "dispatcher",
			func(e *metrics.Emitter) { e.Count(metrics.Sent, 1) },
			[][]string{{"Function"}},
			map[string]any{"Function": "dispatcher", "Sent": 1.0},
		},
		{
			"a count by source", "order-webhook",
			func(e *metrics.Emitter) { e.Count(metrics.OrdersReceived, 1, metrics.Source("shopify")) },
			[][]string{{"Function"}, {"Function", "Source"}},
			map[string]any{"Function": "order-webhook", "Source": "shopify", "OrdersReceived": 1.0},
		},
		{
			"a skip by reason code, never its text", "order-webhook",
			func(e *metrics.Emitter) {
				e.Count(metrics.OrdersSkipped, 1, metrics.Reason(thankyou.SkipTag))
			},
			[][]string{{"Function"}, {"Function", "Reason"}},
			map[string]any{"Function": "order-webhook", "Reason": "tag", "OrdersSkipped": 1.0},
		},
		{
			"text in place of a code counts as other", "order-webhook",
			func(e *metrics.Emitter) {
				e.Count(metrics.OrdersSkipped, 1, metrics.Reason("order tagged VIP Jane Doe"))
			},
			[][]string{{"Function"}, {"Function", "Reason"}},
			map[string]any{"Function": "order-webhook", "Reason": "other", "OrdersSkipped": 1.0},
		},
		{
			"a failure by Twilio code", "twilio-webhook",
			func(e *metrics.Emitter) { e.Count(metrics.Failed, 1, metrics.TwilioCode(30003)) },
			[][]string{{"Function"}, {"Function", "TwilioCode"}},
			map[string]any{"Function": "twilio-webhook", "TwilioCode": "30003", "Failed": 1.0},
		},
		{
			"a failure with no Twilio code", "dispatcher",
			func(e *metrics.Emitter) { e.Count(metrics.Failed, 1, metrics.TwilioCode(0)) },
			[][]string{{"Function"}, {"Function", "TwilioCode"}},
			map[string]any{"Function": "dispatcher", "TwilioCode": "none", "Failed": 1.0},
		},
		{
			"several counts in one record, zeros kept", "dispatcher",
			func(e *metrics.Emitter) {
				e.Emit([]metrics.Value{{metrics.DueTasks, 0}, {metrics.DispatchRuns, 1}, {metrics.DispatcherHeartbeat, 1}},
					metrics.Outcome(metrics.OutcomeOK))
			},
			[][]string{{"Function"}, {"Function", "Outcome"}},
			map[string]any{"Function": "dispatcher", "Outcome": "ok", "DueTasks": 0.0, "DispatchRuns": 1.0, "DispatcherHeartbeat": 1.0},
		},
		{
			"a repeated metric is summed", "dispatcher",
			func(e *metrics.Emitter) { e.Emit([]metrics.Value{{metrics.Sent, 2}, {metrics.Sent, 3}}) },
			[][]string{{"Function"}},
			map[string]any{"Function": "dispatcher", "Sent": 5.0},
		},
		{
			"a dimension named like Function or a metric is dropped", "dispatcher",
			func(e *metrics.Emitter) {
				e.Count(metrics.Sent, 1, metrics.Dimension{Name: "Function", Value: "other"},
					metrics.Dimension{Name: "Sent", Value: "x"}, metrics.Dimension{Name: "_aws", Value: "x"})
			},
			[][]string{{"Function"}},
			map[string]any{"Function": "dispatcher", "Sent": 1.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.emit(metrics.New(&buf, func() time.Time { return at }).For(tt.function))
			ls := lines(buf.String())
			if len(ls) != 1 {
				t.Fatalf("got %d lines, want 1 record:\n%s", len(ls), buf.String())
			}
			r := checkEMF(t, schema, ls[0])
			if got, want := r.Timestamp, at.UnixMilli(); got != want {
				t.Errorf("Timestamp = %d, want %d (ms)", got, want)
			}
			if r.Namespace != "ThankYouCalls" {
				t.Errorf("Namespace = %q, want ThankYouCalls", r.Namespace)
			}
			if !reflect.DeepEqual(r.Dimensions, tt.wantDims) {
				t.Errorf("Dimensions = %v, want %v", r.Dimensions, tt.wantDims)
			}
			if !reflect.DeepEqual(r.Members, tt.wantVals) {
				t.Errorf("members = %v, want %v", r.Members, tt.wantVals)
			}
			for name, unit := range r.Metrics {
				if unit != "Count" {
					t.Errorf("metric %s has Unit %q, want Count", name, unit)
				}
			}
			// Every member is a dimension or a metric the directive names.
			named := map[string]bool{}
			for _, set := range r.Dimensions {
				for _, d := range set {
					named[d] = true
				}
			}
			for m := range r.Metrics {
				named[m] = true
			}
			for k := range r.Members {
				if !named[k] {
					t.Errorf("member %s is neither a dimension nor a metric", k)
				}
			}
		})
	}
}

func TestNilAndZeroEmittersWriteNothing(t *testing.T) {
	var nilEmitter *metrics.Emitter
	for name, e := range map[string]*metrics.Emitter{
		"nil":           nilEmitter,
		"nil For":       nilEmitter.For("dispatcher"),
		"zero":          {},
		"zero For":      (&metrics.Emitter{}).For("dispatcher"),
		"no writer":     metrics.New(nil, nil),
		"no writer For": metrics.New(nil, nil).For("dispatcher"),
	} {
		t.Run(name, func(t *testing.T) {
			// Nothing to observe but that nothing panics: there is no writer.
			e.Count(metrics.Sent, 1, metrics.Source("shopify"))
			e.Emit([]metrics.Value{{metrics.DispatchRuns, 1}})
		})
	}
	if got := nilEmitter.For("x"); got != nil {
		t.Errorf("nil.For = %v, want nil", got)
	}
	// A record with no metric writes nothing.
	var buf bytes.Buffer
	e := metrics.New(&buf, nil).For("dispatcher")
	e.Emit(nil)
	e.Emit([]metrics.Value{{"", 1}})
	if buf.Len() != 0 {
		t.Errorf("records with no metric wrote %q", buf.String())
	}
}

// exclusiveWriter fails when two Writes overlap, and keeps what it got.
type exclusiveWriter struct {
	busy    atomic.Bool
	overlap atomic.Int64
	buf     bytes.Buffer // unsynchronised on purpose: -race sees overlaps too
}

func (w *exclusiveWriter) Write(p []byte) (int, error) {
	if !w.busy.CompareAndSwap(false, true) {
		w.overlap.Add(1)
		return 0, fmt.Errorf("overlapping write")
	}
	defer w.busy.Store(false)
	time.Sleep(time.Microsecond)
	return w.buf.Write(p)
}

func TestConcurrentRecordsAreWholeLines(t *testing.T) {
	schema := mustCompileSchema(t)
	w := &exclusiveWriter{}
	root := metrics.New(w, nil)
	fns := []string{"order-webhook", "dispatcher", "twilio-webhook"}
	const goroutines, each = 12, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := root.For(fns[g%len(fns)])
			for i := range each {
				e.Count(metrics.Sent, i%3, metrics.TwilioCode(g))
			}
		}()
	}
	wg.Wait()
	if n := w.overlap.Load(); n != 0 {
		t.Fatalf("%d writes overlapped", n)
	}
	ls := lines(w.buf.String())
	if got, want := len(ls), goroutines*each; got != want {
		t.Fatalf("got %d lines, want %d", got, want)
	}
	perFunction := map[string]float64{}
	for _, l := range ls {
		r := checkEMF(t, schema, l)
		perFunction[r.Members["Function"].(string)] += r.Members["Sent"].(float64)
	}
	perGoroutine := 0
	for i := range each {
		perGoroutine += i % 3
	}
	for _, fn := range fns {
		if got, want := perFunction[fn], float64(goroutines/len(fns)*perGoroutine); got != want {
			t.Errorf("Sent{Function=%s} = %v, want %v", fn, got, want)
		}
	}
}

func TestRecordsStayWithinTheEMFLimits(t *testing.T) {
	schema := mustCompileSchema(t)
	var vals []metrics.Value
	for i := range 250 {
		vals = append(vals, metrics.Value{Metric: fmt.Sprintf("M%03d", i), N: i})
	}
	var dims []metrics.Dimension
	for i := range 20 {
		dims = append(dims, metrics.Dimension{Name: fmt.Sprintf("D%02d", i), Value: "v"})
	}
	var buf bytes.Buffer
	metrics.New(&buf, nil).For("dispatcher").Emit(vals, dims...)
	ls := lines(buf.String())
	if len(ls) != 3 {
		t.Fatalf("250 metrics made %d records, want 3 (100 per record at most)", len(ls))
	}
	seen := map[string]float64{}
	for _, l := range ls {
		r := checkEMF(t, schema, l) // the schema allows 100 metrics at most
		for name := range r.Metrics {
			seen[name] = r.Members[name].(float64)
		}
		if got := r.Dimensions[len(r.Dimensions)-1]; len(got) != 9 || got[0] != "Function" {
			t.Errorf("dimension set %v, want Function and the first 8 others (9 at most)", got)
		}
	}
	for _, v := range vals {
		if seen[v.Metric] != float64(v.N) {
			t.Errorf("%s = %v, want %d", v.Metric, seen[v.Metric], v.N)
		}
	}
}

func TestDimensionValuesAreValidCloudWatchValues(t *testing.T) {
	schema := mustCompileSchema(t)
	tests := []struct {
		in, want string
	}{
		{"shopify", "shopify"},
		{"  shopify  ", "shopify"},
		{"", "none"},
		{"   ", "none"},
		{"café", "caf_"},
		{"a\nb\tc", "a_b_c"},
		{strings.Repeat("x", 300), strings.Repeat("x", 64)},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		metrics.New(&buf, nil).For("order-webhook").Count(metrics.TasksCreated, 1, metrics.Source(tt.in))
		r := checkEMF(t, schema, strings.TrimSuffix(buf.String(), "\n"))
		if got := r.Members["Source"]; got != tt.want {
			t.Errorf("Source(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestSkipReasonsCarryOneOfAFewCodes checks the codes of the reasons the
// code really writes (produced here by the code that writes them), and
// that the Reason dimension is the code, never the reason's text.
func TestSkipReasonsCarryOneOfAFewCodes(t *testing.T) {
	now := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	check := func(o thankyou.Order, r thankyou.Rules, h eligibility.History) thankyou.SkipReason {
		reason, err := eligibility.Check(o, r, h, now)
		if err != nil {
			t.Fatalf("eligibility.Check(%+v, %+v): %v", o, r, err)
		}
		if reason.IsZero() {
			t.Fatalf("eligibility.Check(%+v, %+v) thanks the order; the test wants a skip", o, r)
		}
		return reason
	}
	broken, err := eligibility.Check(thankyou.Order{Total: "1"}, thankyou.Rules{MinTotal: "NaN"}, eligibility.History{}, now)
	if err == nil {
		t.Fatal("a minimum of NaN is no error")
	}
	_, none := phone.FirstValid("US")
	_, invalid := phone.FirstValid("US", phone.Candidate{Raw: "12"})
	old := orderhook.TaskFor(shops.Shop{Shop: thankyou.Shop{Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour}},
		thankyou.Order{CreatedAt: now.AddDate(0, 0, -30), Phone: "+12125550123"}, now)

	tests := []struct {
		reason thankyou.SkipReason
		want   string
	}{
		{none, metrics.ReasonNoPhone},
		{invalid, metrics.ReasonInvalidPhone},
		{check(thankyou.Order{Test: true}, thankyou.Rules{SkipTestOrders: true}, eligibility.History{}), metrics.ReasonTestOrder},
		{check(thankyou.Order{Tags: []string{"wholesale"}}, thankyou.Rules{SkipTags: []string{"wholesale"}}, eligibility.History{}), metrics.ReasonTag},
		{check(thankyou.Order{Country: "FR"}, thankyou.Rules{Countries: []string{"US"}}, eligibility.History{}), metrics.ReasonCountry},
		{check(thankyou.Order{Country: "FR"}, thankyou.Rules{Countries: []string{"US", "CA"}}, eligibility.History{}), metrics.ReasonCountry},
		{check(thankyou.Order{Total: "12.00"}, thankyou.Rules{MinTotal: "25.00"}, eligibility.History{}), metrics.ReasonMinTotal},
		{broken, metrics.ReasonRuleError},
		{check(thankyou.Order{CustomerOrders: 3}, thankyou.Rules{FirstOrderOnly: true}, eligibility.History{}), metrics.ReasonFirstOrder},
		{check(thankyou.Order{}, thankyou.Rules{FirstOrderOnly: true}, eligibility.History{Tasks: 2}), metrics.ReasonFirstOrder},
		{check(thankyou.Order{}, thankyou.Rules{FrequencyCapDays: 30}, eligibility.History{LastThanked: now.AddDate(0, 0, -4)}), metrics.ReasonFrequencyCap},
		{check(thankyou.Order{}, thankyou.Rules{FrequencyCapDays: 1}, eligibility.History{LastThanked: now.Add(-time.Hour)}), metrics.ReasonFrequencyCap},
		{thankyou.Skip(old.SkipCode, old.Reason), metrics.ReasonTooOld},
		{thankyou.SkipReason{Detail: "Jane Doe +1 212-555-0123"}, metrics.ReasonOther},
	}
	for _, tt := range tests {
		if tt.reason.Detail == "" {
			t.Errorf("code %q without a readable detail", tt.reason.Code)
		}
		if got := metrics.Reason(tt.reason.Code); got != (metrics.Dimension{Name: metrics.DimReason, Value: tt.want}) {
			t.Errorf("Reason(%q) for %q = %+v, want %q", tt.reason.Code, tt.reason.Detail, got, tt.want)
		}
		// Tasks stored before codes read with the same code.
		if got := thankyou.StoredSkipCode("", tt.reason.Detail); tt.want != metrics.ReasonRuleError && string(got) != tt.want {
			t.Errorf("StoredSkipCode(%q) = %q, want %q", tt.reason.Detail, got, tt.want)
		}
	}
	if old.State != thankyou.StateSkipped {
		t.Errorf("TaskFor a month-old order: state %s, want skipped", old.State)
	}
}

// codes are every value the Reason dimension can take.
var codes = []string{metrics.ReasonNoPhone, metrics.ReasonInvalidPhone, metrics.ReasonTestOrder,
	metrics.ReasonTag, metrics.ReasonCountry, metrics.ReasonMinTotal, metrics.ReasonFirstOrder,
	metrics.ReasonFrequencyCap, metrics.ReasonTooOld, metrics.ReasonRuleError, metrics.ReasonStaff, metrics.ReasonHeldOut, metrics.ReasonOther}

// FuzzRecord checks that whatever a dimension value or a skip reason holds,
// a record is one line of valid EMF, the Reason dimension is one of the
// fixed codes and no dimension value carries the reason's text.
func FuzzRecord(f *testing.F) {
	for _, seed := range [][2]string{
		{"shopify", "no usable phone number"},
		{"shopify", "no_phone"},
		{"woocommerce", "min_total"},
		{"", "order tagged Jane Doe"},
		{"stripe\n", "thanked 4 days ago (at most once every 30 days)"},
		{"é☃\x00", "ships to FR, not US"},
		{strings.Repeat("x", 100), "order total 12.00 is below the minimum 25.00"},
	} {
		f.Add(seed[0], seed[1], 21211)
	}
	schema := mustCompileSchema(f)
	f.Fuzz(func(t *testing.T, source, reason string, code int) {
		var buf bytes.Buffer
		e := metrics.New(&buf, nil).For("order-webhook")
		e.Count(metrics.OrdersSkipped, 1, metrics.Source(source), metrics.Reason(thankyou.SkipCode(reason)), metrics.TwilioCode(code))
		ls := lines(buf.String())
		if len(ls) != 1 || !strings.HasSuffix(buf.String(), "\n") {
			t.Fatalf("want one newline-terminated record, got %q", buf.String())
		}
		r := checkEMF(t, schema, ls[0])
		got, _ := r.Members["Reason"].(string)
		if !slices.Contains(codes, got) {
			t.Errorf("Reason = %q, not a reason code", got)
		}
		if r.Members["OrdersSkipped"] != 1.0 {
			t.Errorf("OrdersSkipped = %v, want 1", r.Members["OrdersSkipped"])
		}
	})
}

// The order webhook's emitter, writing to standard output with a fixed
// clock: one EMF record per line.
func ExampleEmitter_Count() {
	at := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	e := metrics.New(os.Stdout, func() time.Time { return at }).For("order-webhook")
	e.Count(metrics.OrdersSkipped, 1, metrics.Reason(thankyou.SkipNoPhone))
	// Output:
	// {"Function":"order-webhook","OrdersSkipped":1,"Reason":"no_phone","_aws":{"Timestamp":1795449600000,"CloudWatchMetrics":[{"Namespace":"ThankYouCalls","Dimensions":[["Function"],["Function","Reason"]],"Metrics":[{"Name":"OrdersSkipped","Unit":"Count"}]}]}}
}

func TestEveryReasonCodeIsASkipCode(t *testing.T) {
	var skip []string
	for _, c := range thankyou.SkipCodes() {
		skip = append(skip, string(c))
	}
	slices.Sort(skip)
	got := slices.Sorted(slices.Values(codes))
	if !slices.Equal(got, skip) {
		t.Errorf("Reason codes %v, skip codes %v: one list, spelled once", got, skip)
	}
}
