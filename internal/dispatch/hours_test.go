package dispatch_test

import (
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestNoSharedPoliteTimeExpiresInOneRun: a task whose zones share no
// minute of the window (New York and Tokyo) ends expired with its reason
// on the first run: not deferred run after run, never failed, nothing sent.
func TestNoSharedPoliteTimeExpiresInOneRun(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1", func(task *thankyou.Task) { task.TimeZone = "America/New_York,Asia/Tokyo" })
	if s := run(t, f.handler(t)); s.Expired != 1 || s.Deferred != 0 || s.Failed != 0 {
		t.Fatalf("run = %+v, want 1 expired", s)
	}
	if got := f.task(t, "t1"); got.State != thankyou.StateExpired || !strings.HasPrefix(got.Reason, polite.NoPoliteTimeText) {
		t.Fatalf("task = %s %q, want expired %q", got.State, got.Reason, polite.NoPoliteTimeText)
	}
	if n := f.twilio.Requests(); n != 0 {
		t.Errorf("Twilio got %d requests, want 0", n)
	}
}

// TestStateLawAndClosedDatesDeferTheSend: the dispatcher asks the same
// hours as the intake: a Florida customer is not texted after 20:00 even
// when the window allows it, a closed date is skipped, and the task says
// which rule deferred it (the contact gate's reason: outside the
// recipient's hours, then the rule in words).
func TestStateLawAndClosedDatesDeferTheSend(t *testing.T) {
	evening := time.Date(2026, 12, 2, 20, 30, 0, 0, newYork) // Wednesday
	for _, tc := range []struct {
		name   string
		mod    func(*thankyou.Task)
		reason string
		due    time.Time
	}{
		{"Florida number", func(task *thankyou.Task) { task.Order.Phone, task.Recipient = "+13055550123", "+13055550123" },
			"Florida allows 08:00-20:00", time.Date(2026, 12, 3, 8, 0, 0, 0, newYork)},
		{"Florida address", func(task *thankyou.Task) { task.Order.Region = "US-FL" },
			"Florida allows 08:00-20:00", time.Date(2026, 12, 3, 8, 0, 0, 0, newYork)},
		{"closed tomorrow", func(task *thankyou.Task) { task.Closed = "2026-12-03" },
			"outside the legal hours", time.Date(2026, 12, 4, 8, 0, 0, 0, newYork)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addTask(t, "t1", func(task *thankyou.Task) {
				task.Window = thankyou.MustWindow("08:00-21:00 Mon,Tue,Wed,Thu,Fri,Sat,Sun")
				task.DueAt, task.Deadline = evening.UTC(), evening.Add(7*24*time.Hour).UTC()
				tc.mod(task)
			})
			clock := evening
			if strings.Contains(tc.name, "closed") {
				clock = evening.Add(time.Hour) // 21:30: past the legal hours
			}
			f.clock.Set(clock)
			if s := run(t, f.handler(t)); s.Deferred != 1 || s.Sent != 0 {
				t.Fatalf("run = %+v, want 1 deferred", s)
			}
			got := f.task(t, "t1")
			if got.State != thankyou.StatePending || !got.DueAt.Equal(tc.due) ||
				!strings.HasPrefix(got.Reason, "outside the recipient's hours") || !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("task = %s due %s %q, want due %s %q", got.State, got.DueAt.In(newYork), got.Reason, tc.due, tc.reason)
			}
		})
	}
}

// TestDeploymentClosedDatesHoldTasksAlreadyWaiting: CLOSED_DATES reaches
// tasks created before it was set (they carry only their shop's dates).
func TestDeploymentClosedDatesHoldTasksAlreadyWaiting(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	h := f.handler(t)
	h.Settings.Closed, _ = polite.ParseDates("2026-11-25")
	if s := run(t, h); s.Deferred != 1 || s.Sent != 0 {
		t.Fatalf("run = %+v, want 1 deferred", s)
	}
	// Thursday is Thanksgiving: Friday 10:00.
	if got := f.task(t, "t1"); !got.DueAt.Equal(time.Date(2026, 11, 27, 10, 0, 0, 0, newYork)) ||
		!strings.HasPrefix(got.Reason, "outside the recipient's hours") || !strings.Contains(got.Reason, "closed on 2026-11-25") {
		t.Fatalf("task due %s %q, want Friday 10:00, closed", got.DueAt.In(newYork), got.Reason)
	}
}
