package samtemplate

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
)

// These tests check what the operator relies on: failed dispatcher runs
// are kept, and alarms watch each function, the dead-letter queue, the
// dispatcher's heartbeat and Twilio's failures, using the metric names and
// dimensions the code emits (internal/metrics, internal/config).

// fourteenDays is SQS's longest retention, in seconds.
const fourteenDays = 14 * 24 * 60 * 60

// resourcesOfType returns the template's resources of a type, by logical id.
func resourcesOfType(tpl *Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id := range tpl.Resources() {
		if t, props, _ := tpl.Resource(id); t == typ {
			out[id] = props
		}
	}
	return out
}

// num writes a number from the template (int or float) as text.
func num(v any) string { return fmt.Sprint(v) }

// deadLetterQueue returns the logical id of the queue the dispatcher's
// failed asynchronous invocations go to, failing when there is none.
func deadLetterQueue(t *testing.T, tpl *Template) string {
	t.Helper()
	fn, ok := mustFunctions(t, tpl)[config.Dispatcher]
	if !ok {
		t.FailNow()
	}
	eic, _ := fn.props["EventInvokeConfig"].(map[string]any)
	dc, _ := eic["DestinationConfig"].(map[string]any)
	onFailure, _ := dc["OnFailure"].(map[string]any)
	dest, _ := onFailure["Destination"].(map[string]any)
	att, _ := dest["Fn::GetAtt"].([]any)
	if onFailure["Type"] != "SQS" || len(att) != 2 || att[1] != "Arn" {
		t.Fatalf("%s: EventInvokeConfig.DestinationConfig.OnFailure = %v, want Type SQS and Destination !GetAtt <queue>.Arn", fn.id, onFailure)
	}
	id, _ := att[0].(string)
	return id
}

func TestFailedDispatcherRunsAreKeptInAnEncryptedDeadLetterQueue(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	fns := mustFunctions(t, tpl)
	for _, name := range functionNames {
		fn, ok := fns[name]
		if !ok {
			continue
		}
		// The schedule invokes asynchronously; API Gateway synchronously.
		async := len(events(fn, "Schedule")) > 0 || len(events(fn, "ScheduleV2")) > 0
		eic, _ := fn.props["EventInvokeConfig"].(map[string]any)
		dc, _ := eic["DestinationConfig"].(map[string]any)
		if async && dc["OnFailure"] == nil && fn.props["DeadLetterQueue"] == nil {
			t.Errorf("%s is invoked asynchronously but has no failure destination: a failed run would leave no trace", fn.id)
		}
		if async && num(eic["MaximumRetryAttempts"]) != "0" {
			t.Errorf("%s: MaximumRetryAttempts = %v, want 0 (the next sweep is the retry)", fn.id, eic["MaximumRetryAttempts"])
		}
	}

	id := deadLetterQueue(t, tpl)
	typ, props, _ := tpl.Resource(id)
	if typ != "AWS::SQS::Queue" {
		t.Fatalf("dead-letter queue %s has Type %q, want AWS::SQS::Queue", id, typ)
	}
	if got := num(props["MessageRetentionPeriod"]); got != num(fourteenDays) {
		t.Errorf("%s: MessageRetentionPeriod = %s, want %d (14 days)", id, got, fourteenDays)
	}
	if props["SqsManagedSseEnabled"] != true && props["KmsMasterKeyId"] == nil {
		t.Errorf("%s: not encrypted at rest: want SqsManagedSseEnabled: true (or a KmsMasterKeyId)", id)
	}
	if _, fifo := props["FifoQueue"]; fifo {
		t.Errorf("%s: a FIFO queue cannot be a Lambda failure destination", id)
	}
}

// alarm is one AWS::CloudWatch::Alarm.
type alarm struct {
	id    string
	props map[string]any
}

// dimension is a CloudWatch dimension as the template writes it, the value
// as a Fn::Sub string.
type dimension struct{ name, value string }

func dimensionsOf(v any) []dimension {
	var out []dimension
	for _, d := range list(v) {
		m, _ := d.(map[string]any)
		name, _ := m["Name"].(string)
		out = append(out, dimension{name, subString(m["Value"])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// watches reports whether a single-metric alarm watches namespace/metric
// with exactly these dimensions.
func (a alarm) watches(namespace, metric string, dims ...dimension) bool {
	return a.props["Namespace"] == namespace && a.props["MetricName"] == metric &&
		reflect.DeepEqual(dimensionsOf(a.props["Dimensions"]), dims)
}

func mustAlarms(t *testing.T, tpl *Template) []alarm {
	t.Helper()
	var out []alarm
	for id, props := range resourcesOfType(tpl, "AWS::CloudWatch::Alarm") {
		out = append(out, alarm{id, props})
	}
	if len(out) == 0 {
		t.Fatal("template has no AWS::CloudWatch::Alarm")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// only returns the one alarm matching, failing when there is none or more.
func only(t *testing.T, alarms []alarm, what string, match func(alarm) bool) (alarm, bool) {
	t.Helper()
	var found []alarm
	for _, a := range alarms {
		if match(a) {
			found = append(found, a)
		}
	}
	if len(found) != 1 {
		t.Errorf("%d alarms for %s, want 1", len(found), what)
		return alarm{}, false
	}
	return found[0], true
}

// checkThreshold checks an alarm's comparison, threshold and statistic.
func checkThreshold(t *testing.T, a alarm, stat, op, threshold string) {
	t.Helper()
	if stat != "" && a.props["Statistic"] != stat {
		t.Errorf("%s: Statistic = %v, want %s", a.id, a.props["Statistic"], stat)
	}
	if a.props["ComparisonOperator"] != op {
		t.Errorf("%s: ComparisonOperator = %v, want %s", a.id, a.props["ComparisonOperator"], op)
	}
	if got := subString(a.props["Threshold"]); got != threshold && num(a.props["Threshold"]) != threshold {
		t.Errorf("%s: Threshold = %v, want %s", a.id, a.props["Threshold"], threshold)
	}
}

func TestAlarmsWatchTheFunctionsTheQueueTheDispatcherAndTwilio(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	alarms := mustAlarms(t, tpl)
	fns := mustFunctions(t, tpl)
	params := parameters(tpl)

	// Every alarm tells what to do and notifies the alarm topic.
	if typ, _, _ := tpl.Resource("AlarmTopic"); typ != "AWS::SNS::Topic" {
		t.Fatalf("resource AlarmTopic has Type %q, want AWS::SNS::Topic", typ)
	}
	for _, a := range alarms {
		if d, _ := a.props["AlarmDescription"].(string); len(d) < 40 {
			t.Errorf("%s: AlarmDescription %q does not say what to do", a.id, d)
		}
		actions := map[string]bool{}
		for _, v := range list(a.props["AlarmActions"]) {
			actions[subString(v)] = true
		}
		if !actions["${AlarmTopic}"] {
			t.Errorf("%s: AlarmActions = %v, want !Ref AlarmTopic", a.id, a.props["AlarmActions"])
		}
		if a.props["EvaluationPeriods"] == nil || a.props["TreatMissingData"] == nil {
			t.Errorf("%s: EvaluationPeriods and TreatMissingData must be set", a.id)
		}
	}

	// Each function's errors over 5 minutes.
	for _, name := range functionNames {
		fn, ok := fns[name]
		if !ok {
			continue
		}
		a, ok := only(t, alarms, fn.id+" Errors", func(a alarm) bool {
			return a.watches("AWS/Lambda", "Errors", dimension{"FunctionName", "${" + fn.id + "}"})
		})
		if !ok {
			continue
		}
		checkThreshold(t, a, "Sum", "GreaterThanThreshold", "0")
		if num(a.props["Period"]) != "300" || num(a.props["EvaluationPeriods"]) != "1" {
			t.Errorf("%s: Period %v × %v, want 300 s × 1 (5 minutes)", a.id, a.props["Period"], a.props["EvaluationPeriods"])
		}
		if a.props["TreatMissingData"] != "notBreaching" {
			t.Errorf("%s: TreatMissingData = %v, want notBreaching (no invocations, no errors)", a.id, a.props["TreatMissingData"])
		}
	}

	// Messages waiting in the dead-letter queue.
	dlq := deadLetterQueue(t, tpl)
	if a, ok := only(t, alarms, "the dead-letter queue's depth", func(a alarm) bool {
		return a.watches("AWS/SQS", "ApproximateNumberOfMessagesVisible", dimension{"QueueName", "${" + dlq + ".QueueName}"})
	}); ok {
		checkThreshold(t, a, "", "GreaterThanThreshold", "0")
	}

	// No dispatcher heartbeat (the metric the code emits, with the
	// dimension EMF publishes it under) for a period: the dispatcher stalled.
	if a, ok := only(t, alarms, "a stalled dispatcher", func(a alarm) bool {
		return a.watches(metrics.Namespace, metrics.DispatcherHeartbeat, dimension{metrics.DimFunction, config.Dispatcher})
	}); ok {
		checkThreshold(t, a, "SampleCount", "LessThanThreshold", "1")
		if a.props["TreatMissingData"] != "breaching" {
			t.Errorf("%s: TreatMissingData = %v, want breaching: no heartbeat at all is the stall", a.id, a.props["TreatMissingData"])
		}
		period := num(a.props["Period"])
		if ref := subString(a.props["Period"]); ref != period {
			name := ref[2 : len(ref)-1]
			period = num(params[name]["Default"])
		}
		if period != "900" || num(a.props["EvaluationPeriods"]) != "1" {
			t.Errorf("%s: Period %v (default %s) × %v, want 15 minutes by default", a.id, a.props["Period"], period, a.props["EvaluationPeriods"])
		}
	}

	// Twilio failures: the Failed metric of both functions that record
	// them, summed, above the threshold parameter.
	if a, ok := only(t, alarms, "Twilio failures", func(a alarm) bool { return a.props["Metrics"] != nil }); ok {
		checkThreshold(t, a, "", "GreaterThanThreshold", "${TwilioFailureAlarmThreshold}")
		ids := map[string]string{} // query id -> Function it reads
		var expr string
		returned := 0
		for _, q := range list(a.props["Metrics"]) {
			m, _ := q.(map[string]any)
			id, _ := m["Id"].(string)
			if m["ReturnData"] == true {
				returned++
				expr, _ = m["Expression"].(string)
			}
			ms, _ := m["MetricStat"].(map[string]any)
			metric, _ := ms["Metric"].(map[string]any)
			if metric == nil {
				continue
			}
			dims := dimensionsOf(metric["Dimensions"])
			if metric["Namespace"] != metrics.Namespace || metric["MetricName"] != metrics.Failed || len(dims) != 1 || dims[0].name != metrics.DimFunction {
				t.Errorf("%s: query %s reads %v, want %s/%s by %s", a.id, id, metric, metrics.Namespace, metrics.Failed, metrics.DimFunction)
				continue
			}
			if ms["Stat"] != "Sum" {
				t.Errorf("%s: query %s: Stat = %v, want Sum", a.id, id, ms["Stat"])
			}
			ids[id] = dims[0].value
		}
		if returned != 1 {
			t.Errorf("%s: %d queries return data, want 1 (the sum)", a.id, returned)
		}
		for _, fn := range []string{config.Dispatcher, config.TwilioWebhook} {
			found := false
			for id, f := range ids {
				if f == fn && regexp.MustCompile(`\b`+regexp.QuoteMeta(id)+`\b`).MatchString(expr) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: expression %q does not sum Failed{Function=%s}", a.id, expr, fn)
			}
		}
	}
}

func TestAlarmEmailIsSubscribedOnlyWhenGiven(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	conds, _ := tpl.Doc["Conditions"].(map[string]any)
	want := map[string]any{"Fn::Not": []any{map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AlarmEmail"}, ""}}}}
	if got := conds["HasAlarmEmail"]; !reflect.DeepEqual(got, want) {
		t.Errorf("Conditions.HasAlarmEmail = %v, want !Not [!Equals [!Ref AlarmEmail, \"\"]]", got)
	}
	subs := 0
	for id := range resourcesOfType(tpl, "AWS::SNS::Subscription") {
		res, _ := tpl.Resources()[id].(map[string]any)
		_, props, _ := tpl.Resource(id)
		subs++
		if res["Condition"] != "HasAlarmEmail" {
			t.Errorf("%s: Condition = %v, want HasAlarmEmail", id, res["Condition"])
		}
		for prop, want := range map[string]string{"Protocol": "email", "Endpoint": "${AlarmEmail}", "TopicArn": "${AlarmTopic}"} {
			if got := subString(props[prop]); got != want {
				t.Errorf("%s: %s = %q, want %q", id, prop, got, want)
			}
		}
	}
	if subs != 1 {
		t.Errorf("%d SNS subscriptions, want 1 (the alarm email)", subs)
	}

	p := parameters(tpl)["AlarmEmail"]
	if p["Default"] != "" {
		t.Errorf("AlarmEmail default = %v, want \"\" (no email unless asked)", p["Default"])
	}
	pattern, _ := p["AllowedPattern"].(string)
	re, err := regexp.Compile(pattern)
	if err != nil {
		t.Fatalf("AlarmEmail AllowedPattern: %v", err)
	}
	for in, ok := range map[string]bool{"": true, "ops@example.com": true, "a.b+alarms@shop.co.uk": true,
		"ops": false, "ops@": false, "ops@example": false, "a b@example.com": false} {
		if got := re.MatchString(in); got != ok {
			t.Errorf("AlarmEmail %q allowed = %v, want %v", in, got, ok)
		}
	}
}
