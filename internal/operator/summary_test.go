package operator_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func task(state thankyou.State, reason string, code int) thankyou.Task {
	return thankyou.Task{State: state, Reason: reason, ErrorCode: code}
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
			"skips group by their reason's text before its numbers",
			[]thankyou.Task{
				task(thankyou.StateSkipped, "order total 12.00 is below the minimum 25.00", 0),
				task(thankyou.StateSkipped, "order total 3 is below the minimum 25.00", 0),
				task(thankyou.StateSkipped, "test order", 0),
				task(thankyou.StateSkipped, "thanked 4 days ago (at most once every 30 days)", 0),
				task(thankyou.StateSkipped, "thanked less than a day ago (at most once a day)", 0),
				{State: thankyou.StateSkipped, Order: thankyou.Order{SkipReason: "no usable phone number"}},
			},
			operator.Summary{Received: 6, Skipped: 6, SkippedByReason: map[string]int{
				"order total": 2, "test order": 1, "thanked": 1, "thanked less than a day ago": 1, "no usable phone number": 1}},
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

func TestSkipReasonsThatDifferInTheirNumbersGroupTogether(t *testing.T) {
	tests := []struct{ reason, want string }{
		{"test order", "test order"},
		{"order total 12.00 is below the minimum 25.00", "order total"},
		{"not the customer's first order (3 orders)", "not the customer's first order"},
		{"not the customer's first order (1 earlier order here before)", "not the customer's first order"},
		{"ships to FR, not one of US, CA", "ships to FR"},
		{"order tagged wholesale", "order tagged wholesale"},
		{"no valid phone number (2 found, none valid)", "no valid phone number"},
		{"order placed too long ago to thank (96h0m0s ago)", "order placed too long ago to thank"},
		{"send refused: http 400", "send refused"},
		{"  spaced out  ", "spaced out"},
		{"", "(no reason)"},
		{"1234", "(no reason)"},
		{"#1001 is a test", "(no reason)"},
		{strings.Repeat("é", 40), strings.Repeat("é", 30)},
	}
	for _, tt := range tests {
		if got := operator.SkipGroup(tt.reason); got != tt.want {
			t.Errorf("SkipGroup(%q) = %q, want %q", tt.reason, got, tt.want)
		}
	}
}

func FuzzSkipGroup(f *testing.F) {
	for _, s := range []string{"test order", "order total 12.00 is below the minimum 25.00", "ships to FR, not US", "", "\xff\xfe", strings.Repeat("ab ", 40)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, reason string) {
		got := operator.SkipGroup(reason)
		if got == "" || len(got) > 60 || !utf8.ValidString(got) {
			t.Fatalf("SkipGroup(%q) = %q: want a short, valid, non-empty group", reason, got)
		}
		if again := operator.SkipGroup(got); again != got {
			t.Fatalf("SkipGroup is not stable: %q → %q → %q", reason, got, again)
		}
		if got != "(no reason)" && strings.IndexFunc(got, func(r rune) bool { return unicode.IsDigit(r) && r < utf8.RuneSelf || r == ':' || r == ',' }) >= 0 {
			t.Fatalf("SkipGroup(%q) = %q keeps a digit, colon or comma", reason, got)
		}
	})
}
