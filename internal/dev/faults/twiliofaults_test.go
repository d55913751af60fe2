package faults_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxTicks bounds the schedule ticks a test waits for every task to end.
const maxTicks = 400

// TestTwilioFailingThirtyPercentLeavesNoTaskStuck sends every task through
// a Twilio that fails about 30% of create requests (429 with Retry-After,
// 500, 502 with an HTML page, 503, a timeout after which the message was in
// fact accepted, a timeout where the request was lost), with the
// dispatcher run on its schedule while the clock moves on. Every task ends
// sent once, or failed with its reason after MAX_ATTEMPTS; none stays
// pending or sending, and none is sent twice.
func TestTwilioFailingThirtyPercentLeavesNoTaskStuck(t *testing.T) {
	n := scaled(t, 1000, 20)
	w := newWorld(t, faults.FlakyTwilioOptions{Fraction: 0.3, Seed: seed(t), Hold: 10 * time.Second})
	tasks := w.addTasks(t, n)
	h := w.dispatcher(t)

	var total dispatch.Summary
	ticks := 0
	for ; ; ticks++ {
		if ticks == maxTicks {
			t.Fatalf("tasks still open after %d ticks of the schedule", maxTicks)
		}
		s, err := h.Run(context.Background())
		if err != nil {
			t.Fatalf("run at %s: %v", w.clock.Now(), err)
		}
		sum(&total, s)
		if _, open := w.nextDue(t); !open {
			break
		}
		w.advance(t)
	}

	v := w.check(t, tasks, nil)
	for id, k := range v.duplicates {
		t.Errorf("task %s: Twilio accepted %d messages, want at most 1", id, k)
	}
	if v.states[thankyou.StateSent]+v.states[thankyou.StateFailed] != n {
		t.Errorf("states = %v, want every one of %d tasks sent or failed", v.states, n)
	}
	for _, task := range allTasks(t, w.store) {
		if task.State == thankyou.StateFailed && !strings.Contains(task.Reason, "gave up after") && !strings.Contains(task.Reason, "before its deadline") {
			t.Errorf("task %s failed with %q, want it failed only after MAX_ATTEMPTS or its deadline", task.ID, task.Reason)
		}
	}
	counts := w.flaky.Counts()
	injected := 0
	for _, c := range counts {
		injected += c
	}
	// The proxy must really have failed sends, or this test proves nothing.
	if injected == 0 || (counts[faults.TimeoutAccepted] == 0 && n >= 100) {
		t.Errorf("faults injected = %v, want some of each (at least an accepted timeout)", counts)
	}
	rows := [][2]any{
		{"tasks", n},
		{"schedule ticks (5 min of clock each)", ticks + 1},
		{"clock at the end", w.clock.Now().UTC().Format(time.RFC3339)},
		{"create-message requests to Twilio", w.twilio.Requests() + counts[faults.TimeoutLost] + counts[faults.TooManyRequests] + counts[faults.ServerError] + counts[faults.BadGatewayHTML] + counts[faults.Unavailable]},
		{"messages accepted by Twilio", v.messages},
	}
	for _, f := range faults.AllTwilioFaults() {
		rows = append(rows, [2]any{"fault injected: " + string(f), counts[f]})
	}
	rows = append(rows,
		[2]any{"runs: sent / retried / unanswered / recovered", fmt.Sprintf("%d / %d / %d / %d", total.Sent, total.Retried, total.Unanswered, total.Recovered)},
		[2]any{"tasks sent", v.states[thankyou.StateSent]},
		[2]any{"tasks failed after MAX_ATTEMPTS", v.states[thankyou.StateFailed]},
		[2]any{"tasks left pending or sending", v.states[thankyou.StatePending] + v.states[thankyou.StateSending]},
		[2]any{"tasks sent more than once", len(v.duplicates)},
	)
	t.Log("summary:" + tabulate(rows...))
}
