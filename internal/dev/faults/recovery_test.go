package faults_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// These tests replay, one step at a time, the crash sequences that the
// randomised suite above meets by chance, so that a failure names its cause.

// runDying runs one dispatcher that dies at step at, the first chance it
// gets ("" for a healthy run), with sender in place of the world's.
func (w *world) runDying(t *testing.T, at step, sender dispatch.Sender) dispatch.Summary {
	t.Helper()
	h := w.dispatcher(t)
	if sender != nil {
		h.Sender = sender
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	book := newLedger()
	c := &crashRun{id: "run", store: h.Store, sender: h.Sender, at: at, p: 1, chance: func(p float64) bool { return p >= 1 }, cancel: cancel, ledger: book}
	h.Store, h.Sender = c, c
	s, err := h.Run(ctx)
	if at == "" && err != nil {
		t.Fatalf("healthy run: %v", err)
	}
	if at != "" && !c.dead.Load() {
		t.Fatalf("the run did not die %s", at)
	}
	return s
}

// wantSentOnce checks that each task got exactly one message and records
// its SID.
func (w *world) wantSentOnce(t *testing.T, tasks ...thankyou.Task) {
	t.Helper()
	byTask := messagesByTask(w.twilio.Messages())
	for _, task := range tasks {
		got, err := w.store.GetTask(context.Background(), task.ID)
		if err != nil {
			t.Fatal(err)
		}
		msgs := byTask[task.ID]
		if len(msgs) != 1 {
			t.Errorf("task %s: Twilio accepted %d messages (at %s), want 1; task %s; history: %s",
				task.ID, len(msgs), created(w.twilio.Messages(), task.ID), summary(got), w.history(t, task.ID))
			continue
		}
		// A staff reminder that went out waits for the staff member's reply.
		want := thankyou.StateSent
		if task.Channel == thankyou.ChannelStaff {
			want = thankyou.StateReminded
		}
		if got.State != want || got.MessageSID != msgs[0].SID {
			t.Errorf("task %s = %s with SID %q, want %s with its own message %s; history: %s",
				task.ID, got.State, got.MessageSID, want, msgs[0].SID, w.history(t, task.ID))
		}
	}
}

// TestARecoveryThatDiesBeforeItsCheckDoesNotLeadToASecondSend: a run dies
// after Twilio accepted the message; at the next tick the run that takes
// over the expired lease dies too, right after its claim, before it asked
// Twilio; the run at the tick after that must still find the first message.
func TestARecoveryThatDiesBeforeItsCheckDoesNotLeadToASecondSend(t *testing.T) {
	w := newWorld(t, faults.FlakyTwilioOptions{})
	task := w.addTasks(t, 1)[0]
	w.runDying(t, afterAccept, nil)
	w.advance(t)
	w.runDying(t, afterClaim, nil)
	w.advance(t)
	w.runDying(t, "", nil)
	w.wantSentOnce(t, task)
}

// TestAFailedCheckWithTwilioIsNotForgottenBeforeTheNextSend: a run dies
// after Twilio accepted the message; the run that takes over cannot ask
// Twilio (List Messages answers 500); a later run must not send again
// without asking.
func TestAFailedCheckWithTwilioIsNotForgottenBeforeTheNextSend(t *testing.T) {
	w := newWorld(t, faults.FlakyTwilioOptions{})
	task := w.addTasks(t, 1)[0]
	w.runDying(t, afterAccept, nil)
	w.advance(t)

	listDown, err := faults.NewFlakyTwilio(w.twilio.URL(), faults.FlakyTwilioOptions{ListFraction: 1})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(listDown)
	defer front.Close()
	sender, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", BaseURL: front.URL, Timeout: sendTimeout})
	if err != nil {
		t.Fatal(err)
	}
	w.runDying(t, "", sender)
	if len(listDown.Events()) == 0 {
		t.Fatal("the recovering run did not ask Twilio")
	}
	for range 12 { // an hour of the schedule
		w.advance(t)
		w.runDying(t, "", nil)
	}
	w.wantSentOnce(t, task)
}

// TestARecoveredTaskIsNotRecordedWithAnotherTasksMessage: two tasks go to
// the same number (the staff channel sends every reminder to the staff
// member). A run dies after claiming the first; the second is sent; when
// the first's lease expires, the check with Twilio must not take the
// second's message for the first's.
func TestARecoveredTaskIsNotRecordedWithAnotherTasksMessage(t *testing.T) {
	w := newWorld(t, faults.FlakyTwilioOptions{})
	const staff = "+12125550199"
	tasks := w.addTasks(t, 2)
	ctx := context.Background()
	for i := range tasks {
		tasks[i].ID += "-staff"
		tasks[i].Channel, tasks[i].Recipient = thankyou.ChannelStaff, staff
	}
	if created, err := w.store.CreateTask(ctx, tasks[0]); err != nil || !created {
		t.Fatalf("CreateTask = %v, %v", created, err)
	}
	w.runDying(t, afterClaim, nil)
	if created, err := w.store.CreateTask(ctx, tasks[1]); err != nil || !created {
		t.Fatalf("CreateTask = %v, %v", created, err)
	}
	w.runDying(t, "", nil)
	w.clock.Advance(time.Duration(w.cfg.Lease) + time.Second)
	w.runDying(t, "", nil)
	w.wantSentOnce(t, tasks...)
}
