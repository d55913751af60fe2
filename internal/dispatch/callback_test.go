package dispatch_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// An SMS sent with a status callback is left in sending under the run's
// lease for its callback to record: these tests hold that it is still
// sent exactly once whatever the callback does.

// TestASendWhoseCallbackNeverComesIsRecordedByTheNextRunNotResent: no
// callback comes; once the lease expires the next run's recovery finds the
// message at Twilio and records it as sent.
func TestASendWhoseCallbackNeverComesIsRecordedByTheNextRunNotResent(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	h := f.handler(t)
	f.webhook(t, h) // served, but no callback is posted until the end
	if s := run(t, h); s.Sent != 1 {
		t.Fatalf("first run: %+v, want 1 sent", s)
	}
	msgs := f.twilio.Messages()
	if len(msgs) != 1 {
		t.Fatalf("Twilio got %d messages, want 1", len(msgs))
	}
	// While the lease holds, nothing is due.
	f.clock.Advance(f.lease / 2)
	if s := run(t, h); s.Due != 0 {
		t.Errorf("run under the lease: %+v, want nothing due", s)
	}
	f.clock.Advance(f.lease)
	if s := run(t, h); s.Recovered != 1 || s.Sent != 0 || s.Errors != 0 {
		t.Errorf("run after the lease: %+v, want 1 recovered, nothing sent", s)
	}
	if n := len(f.twilio.Messages()); n != 1 {
		t.Errorf("Twilio holds %d messages, want 1 (no resend)", n)
	}
	got := f.task(t, "t1")
	if got.State != thankyou.StateSent || got.MessageSID != msgs[0].SID || got.LeaseOwner != "" {
		t.Errorf("task = %s sid %q lease %q, want sent with %q and no lease", got.State, got.MessageSID, got.LeaseOwner, msgs[0].SID)
	}
	// Its callbacks may still come, late: they move it forward.
	f.callback(t, msgs[0].SID, "sent")
	f.callback(t, msgs[0].SID, "delivered")
	if got := f.task(t, "t1"); got.State != thankyou.StateDelivered || got.MessageSID != msgs[0].SID {
		t.Errorf("after late callbacks: %s sid %q, want delivered with %q", got.State, got.MessageSID, msgs[0].SID)
	}
	f.clock.Advance(24 * time.Hour)
	if s := run(t, h); s.Due != 0 {
		t.Errorf("a day later: %+v, want nothing due", s)
	}
	if n := len(f.twilio.Messages()); n != 1 {
		t.Errorf("Twilio holds %d messages, want 1", n)
	}
}

// TestASendRecordedByItsCallbackIsNotTouchedAgain: the callbacks come;
// the task is sent, then delivered, with the message's SID, and no later
// run sees it.
func TestASendRecordedByItsCallbackIsNotTouchedAgain(t *testing.T) {
	for _, statuses := range [][]string{{"sent"}, {"sent", "delivered"}, {"delivered", "sent"}, {"undelivered"}} {
		t.Run(strings.Join(statuses, ","), func(t *testing.T) {
			f := newFixture(t)
			f.addTask(t, "t1")
			h := f.handler(t)
			f.webhook(t, h)
			if s := run(t, h); s.Sent != 1 {
				t.Fatalf("run: %+v, want 1 sent", s)
			}
			sid := f.twilio.Messages()[0].SID
			for _, st := range statuses {
				f.callback(t, sid, st)
			}
			want := thankyou.StateSent
			for _, st := range statuses {
				if s := thankyou.State(st); s.Rank() > want.Rank() {
					want = s
				}
			}
			before := f.task(t, "t1")
			if before.State != want || before.MessageSID != sid || before.LeaseOwner != "" {
				t.Fatalf("task = %s sid %q lease %q, want %s with %q and no lease", before.State, before.MessageSID, before.LeaseOwner, want, sid)
			}
			for _, later := range []time.Duration{f.lease + time.Second, 24 * time.Hour} {
				f.clock.Advance(later)
				if s := run(t, h); s.Due != 0 {
					t.Errorf("run %s later: %+v, want nothing due", later, s)
				}
			}
			if after := f.task(t, "t1"); !reflect.DeepEqual(after, before) {
				t.Errorf("a later run touched the task:\n%+v\nwas\n%+v", after, before)
			}
			if n := len(f.twilio.Messages()); n != 1 {
				t.Errorf("Twilio holds %d messages, want 1", n)
			}
		})
	}
}

// callbackDuringCheck is the real sender whose check for an interrupted
// send (FindSent) lets the message's status callbacks through before it
// answers: they arrive while the recovering run holds the claim.
type callbackDuringCheck struct {
	dispatch.Sender
	deliver func()
}

func (c callbackDuringCheck) FindSent(ctx context.Context, to, body string, since time.Time) (string, bool, error) {
	sid, found, err := c.Sender.FindSent(ctx, to, body, since)
	c.deliver()
	return sid, found, err
}

// TestACallbackArrivingWhileARecoveryHoldsTheClaim: the lease expired
// before the callback came; the next run's recovery claims the task and,
// while it asks Twilio, the callback records the message. The recovery's
// own write then loses to the callback's: it is still one send, recorded
// once, and no error.
func TestACallbackArrivingWhileARecoveryHoldsTheClaim(t *testing.T) {
	for _, statuses := range [][]string{{"sent"}, {"sent", "delivered"}, {"delivered"}} {
		t.Run(strings.Join(statuses, ","), func(t *testing.T) {
			f := newFixture(t)
			f.addTask(t, "t1")
			h := f.handler(t)
			f.webhook(t, h)
			if s := run(t, h); s.Sent != 1 {
				t.Fatalf("first run: %+v, want 1 sent", s)
			}
			sid := f.twilio.Messages()[0].SID
			var during thankyou.Task
			h.Sender = callbackDuringCheck{Sender: f.sender, deliver: func() {
				during = f.task(t, "t1")
				for _, st := range statuses {
					f.callback(t, sid, st)
				}
			}}
			f.clock.Advance(f.lease + time.Second)
			s := run(t, h)
			if during.State != thankyou.StateSending || during.Attempts != 2 {
				t.Errorf("task during the check = %s after %d attempts, want sending, claimed again", during.State, during.Attempts)
			}
			if s.Recovered != 1 || s.Sent != 0 || s.Errors != 0 {
				t.Errorf("recovering run: %+v, want 1 recovered, nothing sent, no error", s)
			}
			want := thankyou.State(statuses[len(statuses)-1])
			if got := f.task(t, "t1"); got.State != want || got.MessageSID != sid || got.LeaseOwner != "" {
				t.Errorf("task = %s sid %q lease %q, want %s with %q and no lease", got.State, got.MessageSID, got.LeaseOwner, want, sid)
			}
			f.clock.Advance(time.Hour)
			if s := run(t, h); s.Due != 0 {
				t.Errorf("later run: %+v, want nothing due", s)
			}
			if n := len(f.twilio.Messages()); n != 1 {
				t.Errorf("Twilio holds %d messages, want 1", n)
			}
		})
	}
}
