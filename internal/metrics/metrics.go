// Package metrics emits the service's operational counts as CloudWatch
// Embedded Metric Format (EMF) records: one JSON object per line, which
// CloudWatch Logs turns into metrics in the ThankYouCalls namespace. In
// Lambda the records go to standard output, which Lambda ships to the
// function's log group; no agent and no PutMetricData permission is needed.
//
// Dimensions are kept few and low-cardinality (the function, the order
// source, a skip reason code, a Twilio error code, an outcome), and a record
// never holds personal data: no phone number, name, email, order or task id.
package metrics

import (
	"encoding/json"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Namespace is the CloudWatch namespace of every metric.
const Namespace = "ThankYouCalls"

// Unit is the CloudWatch unit of every metric: all of them are counts.
const Unit = "Count"

// Metric names.
const (
	// OrdersReceived counts verified order-creation deliveries, repeats
	// included (order webhook, by Source).
	OrdersReceived = "OrdersReceived"
	// TasksCreated counts new pending thank-you tasks (by Source).
	TasksCreated = "TasksCreated"
	// OrdersSkipped counts new orders recorded as skipped (by Reason).
	OrdersSkipped = "OrdersSkipped"
	// Duplicates counts repeated deliveries of an order (by Source).
	Duplicates = "Duplicates"
	// OrdersCancelled counts tasks ended cancelled: by the order webhook
	// (by Source), or by the dispatcher when a cancellation arrived while
	// it held the task.
	OrdersCancelled = "OrdersCancelled"
	// Sent counts messages Twilio accepted (dispatcher): at Twilio's
	// answer, and when a recovery finds a message at Twilio (so an SMS
	// whose status callback never came before its lease expired counts
	// twice).
	Sent = "Sent"
	// Delivered, Undelivered count status callbacks (Twilio webhook):
	// see StatusEnded.
	Delivered   = "Delivered"
	Undelivered = "Undelivered"
	// Failed counts tasks ended failed (by TwilioCode): refused at send
	// time by the dispatcher, or reported failed by a status callback.
	Failed = "Failed"
	// Retried counts sends put back for a later attempt (by TwilioCode).
	Retried = "Retried"
	// Expired counts tasks that found no polite time before their deadline.
	Expired = "Expired"
	// OptedOut counts inbound STOP messages (Twilio webhook) and, from the
	// dispatcher, tasks not sent because their recipient had opted out.
	OptedOut = "OptedOut"
	// OptedIn counts inbound START messages (Twilio webhook).
	OptedIn = "OptedIn"
	// HeldOut counts new orders of customers in their shop's holdout
	// group, recorded held out and never contacted (order webhook, by
	// Source).
	HeldOut = "HeldOut"
	// RepeatOrder counts later orders linked to a customer's first
	// thanked or held-out order (order webhook, by Source).
	RepeatOrder = "RepeatOrder"
	// CallsCompleted counts customers called (Twilio webhook): staff
	// replied DONE, a click-to-call bridge connected, or an automated call
	// was answered.
	CallsCompleted = "CallsCompleted"
	// StaffReplies counts staff SMS replies understood (Twilio webhook).
	StaffReplies = "StaffReplies"
	// VoiceFallbacks counts automated calls not answered, replaced by the
	// thank-you SMS (Twilio webhook).
	VoiceFallbacks = "VoiceFallbacks"
	// Deferred counts due tasks found outside their send window and moved
	// to its next opening (dispatcher).
	Deferred = "Deferred"
	// Unanswered counts sends Twilio did not answer (timeouts): checked
	// against Twilio after their lease (dispatcher).
	Unanswered = "Unanswered"
	// TaskErrors counts tasks a run could not record (store errors).
	TaskErrors = "TaskErrors"
	// DispatchRuns counts dispatcher runs (by Outcome: ok or error).
	DispatchRuns = "DispatchRuns"
	// DueTasks counts the due tasks a run found.
	DueTasks = "DueTasks"
	// DispatcherHeartbeat is 1 for every run that completed its sweep;
	// the stalled-dispatcher alarm fires when it is missing.
	DispatcherHeartbeat = "DispatcherHeartbeat"
)

// Dimension names. Function is on every record.
const (
	DimFunction   = "Function"
	DimSource     = "Source"
	DimReason     = "Reason"
	DimTwilioCode = "TwilioCode"
	DimOutcome    = "Outcome"
)

// Reason codes: the values of the Reason dimension, the skip codes of
// package thankyou.
const (
	ReasonNoPhone      = string(thankyou.SkipNoPhone)
	ReasonInvalidPhone = string(thankyou.SkipInvalidPhone)
	ReasonTestOrder    = string(thankyou.SkipTestOrder)
	ReasonTag          = string(thankyou.SkipTag)
	ReasonCountry      = string(thankyou.SkipCountry)
	ReasonMinTotal     = string(thankyou.SkipMinTotal)
	ReasonFirstOrder   = string(thankyou.SkipFirstOrder)
	ReasonFrequencyCap = string(thankyou.SkipFrequencyCap)
	ReasonTooOld       = string(thankyou.SkipTooOld)
	ReasonRuleError    = string(thankyou.SkipRuleError)
	ReasonStaff        = string(thankyou.SkipStaff)
	ReasonHeldOut      = string(thankyou.SkipHeldOut)
	ReasonOther        = string(thankyou.SkipOther)
)

// Outcomes of a dispatcher run: the values of the Outcome dimension.
const (
	OutcomeOK    = "ok"
	OutcomeError = "error"
)

// A Dimension is one name and value of a record's dimensions.
type Dimension struct {
	Name, Value string
}

// Source is the Source dimension (an order source: shopify, stripe, ...).
func Source(s string) Dimension { return Dimension{DimSource, s} }

// Reason is the Reason dimension of a skipped order: its skip code, a
// word from a short fixed list that never carries the order's data
// (ReasonOther when the task has none or an unknown one).
func Reason(code thankyou.SkipCode) Dimension {
	if !code.Known() {
		code = thankyou.SkipOther
	}
	return Dimension{DimReason, string(code)}
}

// TwilioCode is the TwilioCode dimension: Twilio's error code, or "none"
// when there is none (0).
func TwilioCode(code int) Dimension {
	if code == 0 {
		return Dimension{DimTwilioCode, "none"}
	}
	return Dimension{DimTwilioCode, strconv.Itoa(code)}
}

// StatusEnded is the count of one Twilio status callback that ended a
// message in state s, as the state table has it: a state ranked after
// sent (delivered, undelivered, failed) has the metric named for it
// (Delivered...), by the TwilioCode dimension (code) when the message
// did not reach its recipient (a state an operator may retry); ok is
// false for any other state, which no metric counts here.
func StatusEnded(s thankyou.State, code int) (metric string, dims []Dimension, ok bool) {
	if s.Rank() <= thankyou.StateSent.Rank() {
		return "", nil, false
	}
	if s.Retryable() {
		dims = []Dimension{TwilioCode(code)}
	}
	name := string(s)
	return strings.ToUpper(name[:1]) + name[1:], dims, true
}

// Outcome is the Outcome dimension.
func Outcome(o string) Dimension { return Dimension{DimOutcome, o} }

// A Value is one metric's count in a record.
type Value struct {
	Metric string
	N      int
}

// Emitter writes EMF records. A nil or zero Emitter writes nothing, so a
// handler without one works unchanged. It is safe for concurrent use: each
// record is one Write of one line, and emitters made by For share their
// parent's lock.
type Emitter struct {
	out      *output
	function string
	now      func() time.Time
}

type output struct {
	mu sync.Mutex
	w  io.Writer
}

// New returns an emitter writing to w (os.Stdout in Lambda). now stamps
// the records (nil: time.Now). A nil w makes an emitter that writes nothing.
func New(w io.Writer, now func() time.Time) *Emitter {
	if now == nil {
		now = time.Now
	}
	return &Emitter{out: &output{w: w}, now: now}
}

// For returns an emitter writing to the same place whose records carry the
// Function dimension function (config's function names: order-webhook,
// dispatcher, twilio-webhook). For on a nil emitter returns nil.
func (e *Emitter) For(function string) *Emitter {
	if e == nil {
		return nil
	}
	c := *e
	c.function = function
	return &c
}

// Count writes one record counting n of metric, with dims.
func (e *Emitter) Count(metric string, n int, dims ...Dimension) {
	e.Emit([]Value{{metric, n}}, dims...)
}

// Emit writes one record holding values (one per 100 metrics, the EMF
// limit; at most 8 dims are kept, with Function making 9). Each metric is published twice:
// by Function alone (the total, which alarms use) and, when dims are
// given, by Function and dims together (the breakdown). Dimension values
// are made valid CloudWatch dimension values: printable ASCII, at most 64
// characters, "none" when empty. Writing errors are dropped: metrics never
// fail the work they count.
func (e *Emitter) Emit(values []Value, dims ...Dimension) {
	if e == nil || e.out == nil || e.out.w == nil || len(values) == 0 {
		return
	}
	values = sortedValues(values)
	var lines []byte
	for len(values) > 0 {
		n := min(len(values), maxMetrics)
		lines = append(lines, e.record(values[:n], dims)...)
		values = values[n:]
	}
	if len(lines) == 0 {
		return
	}
	e.out.mu.Lock()
	defer e.out.mu.Unlock()
	_, _ = e.out.w.Write(lines)
}

// EMF limits: metrics per directive, dimensions per dimension set (the
// specification's first versions allowed 9, today's 30).
const (
	maxMetrics    = 100
	maxDimensions = 9
)

// directive is an EMF MetricDirective.
type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

// definition is an EMF MetricDefinition.
type definition struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type metadata struct {
	Timestamp         int64       `json:"Timestamp"`
	CloudWatchMetrics []directive `json:"CloudWatchMetrics"`
}

// record builds one EMF document of sorted values, newline-terminated, or
// returns nil when there is no metric to publish.
func (e *Emitter) record(values []Value, dims []Dimension) []byte {
	fn := e.function
	if fn == "" {
		fn = "unknown"
	}
	doc := map[string]any{}
	var defs []definition
	for _, v := range values {
		if v.Metric == "" || v.Metric == "_aws" || v.Metric == DimFunction {
			continue
		}
		doc[v.Metric] = v.N
		defs = append(defs, definition{Name: v.Metric, Unit: Unit})
	}
	if len(defs) == 0 {
		return nil
	}
	doc[DimFunction] = dimensionValue(fn)
	keys := []string{DimFunction}
	for _, d := range dims {
		_, metric := doc[d.Name]
		switch {
		case d.Name == "" || d.Name == "_aws" || d.Name == DimFunction:
			continue
		case !slices.Contains(keys, d.Name):
			if metric || len(keys) == maxDimensions {
				continue // a metric's name (the metric wins), or one too many
			}
			keys = append(keys, d.Name)
		}
		doc[d.Name] = dimensionValue(d.Value) // a repeated dimension: the last value
	}
	sets := [][]string{{DimFunction}}
	if len(keys) > 1 {
		sets = append(sets, keys)
	}
	doc["_aws"] = metadata{
		Timestamp:         e.now().UnixMilli(),
		CloudWatchMetrics: []directive{{Namespace: Namespace, Dimensions: sets, Metrics: defs}},
	}
	b, err := json.Marshal(doc) // strings and ints only: cannot fail
	if err != nil {
		return nil
	}
	return append(b, '\n')
}

// sortedValues returns values sorted by name, a repeated metric summed.
func sortedValues(values []Value) []Value {
	sum := map[string]int{}
	var names []string
	for _, v := range values {
		if _, ok := sum[v.Metric]; !ok {
			names = append(names, v.Metric)
		}
		sum[v.Metric] += v.N
	}
	sort.Strings(names)
	out := make([]Value, len(names))
	for i, n := range names {
		out[i] = Value{n, sum[n]}
	}
	return out
}

// maxDimensionValue bounds a dimension value (CloudWatch allows 1024).
const maxDimensionValue = 64

// dimensionValue makes s a valid, short CloudWatch dimension value:
// printable ASCII without surrounding spaces, "none" when nothing is left.
func dimensionValue(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if b.Len() == maxDimensionValue {
			break
		}
		if r < 0x20 || r > 0x7e {
			r = '_'
		}
		b.WriteRune(r)
	}
	v := strings.TrimSpace(b.String())
	if v == "" {
		return "none"
	}
	return v
}
