package operator_test

import (
	"reflect"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func task(state thankyou.State, reason string, code int) thankyou.Task {
	return thankyou.Task{State: state, Reason: reason, ErrorCode: code}
}

func skip(code thankyou.SkipCode, reason string) thankyou.Task {
	return thankyou.Task{State: thankyou.StateSkipped, Reason: reason, SkipCode: code}
}

func TestSummaryCountsEachTaskOnceUnderItsState(t *testing.T) {
	tests := []struct {
		name  string
		tasks []thankyou.Task
		want  operator.Summary
	}{
		{"nothing", nil, operator.Summary{}},
		{
			"every message Twilio accepted is thanked",
			[]thankyou.Task{task(thankyou.StateSent, "", 0), task(thankyou.StateDelivered, "", 0), task(thankyou.StateUndelivered, "unreachable", 30003)},
			operator.Summary{Received: 3, Thanked: 3, Sent: 1, Delivered: 1, Undelivered: 1},
		},
		{
			"skips count by their code, not their text",
			[]thankyou.Task{
				skip(thankyou.SkipMinTotal, "order total 12.00 is below the minimum 25.00"),
				skip(thankyou.SkipMinTotal, "order total 3 is below the minimum 25.00"),
				skip(thankyou.SkipTestOrder, "test order"),
				skip(thankyou.SkipFrequencyCap, "thanked 4 days ago (at most once every 30 days)"),
				skip(thankyou.SkipFrequencyCap, "thanked less than a day ago (at most once a day)"),
				skip(thankyou.SkipNoPhone, "no usable phone number"),
				skip(thankyou.SkipRuleError, "order total rule is broken"), // the code wins over the text's words
				skip("", "a reason stored without a code"),
			},
			operator.Summary{Received: 8, Skipped: 8, SkippedByReason: map[string]int{
				"min_total": 2, "test_order": 1, "frequency_cap": 2, "no_phone": 1, "rule_error": 1, "other": 1}},
		},
		{
			"failures group by Twilio code",
			[]thankyou.Task{task(thankyou.StateFailed, "x", 21211), task(thankyou.StateFailed, "y", 21211), task(thankyou.StateFailed, "z", 21614), task(thankyou.StateFailed, "gave up", 0)},
			operator.Summary{Received: 4, Failed: 4, FailedByCode: map[string]int{"21211": 2, "21614": 1, "none": 1}},
		},
		{
			"staff calls and automated calls",
			[]thankyou.Task{task(thankyou.StateReminded, "", 0), task(thankyou.StateCalled, "", 0), task(thankyou.StateCalled, "", 0)},
			operator.Summary{Received: 3, AwaitingCall: 1, Thanked: 2, CallsCompleted: 2},
		},
		{
			"open and other ends",
			[]thankyou.Task{task(thankyou.StatePending, "", 0), task(thankyou.StateSending, "", 0), task(thankyou.StateExpired, "", 0),
				task(thankyou.StateCancelled, "refunded", 0), task(thankyou.StateOptedOut, "", 21610), task("lost", "", 0), task(thankyou.StateHeldOut, "held out", 0)},
			operator.Summary{Received: 7, NotYetSent: 2, Expired: 1, Cancelled: 1, OptedOut: 1, HeldOut: 1, Other: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := operator.NewSummary(now, now)
			for _, x := range tt.tasks {
				got.Add(x)
			}
			tt.want.Since, tt.want.Until, tt.want.SkippedByReason, tt.want.FailedByCode = now, now, orEmpty(tt.want.SkippedByReason), orEmpty(tt.want.FailedByCode)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("summary =\n%+v\nwant\n%+v", got, tt.want)
			}
			parts := got.Thanked + got.NotYetSent + got.AwaitingCall + got.Skipped + got.Failed + got.Expired + got.Cancelled + got.OptedOut + got.HeldOut + got.Other
			if got.Received != parts || got.Received != len(tt.tasks) {
				t.Errorf("received %d, parts add up to %d, tasks %d", got.Received, parts, len(tt.tasks))
			}
		})
	}
}

func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
