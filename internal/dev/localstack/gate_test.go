package localstack_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// remindedAna places order 1001 on the staff channel and runs the
// dispatcher at its due time: Ana has the reminder to call Jane.
func remindedAna(t *testing.T) (*localstack.Stack, *localstack.Clock) {
	t.Helper()
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := staffStack(t, clock, &syncBuffer{})
	placeOrder1001(t, s)
	if sum := run(t, s, clock, dueAt); sum.Reminded != 1 {
		t.Fatalf("dispatcher = %+v, want Ana reminded", sum)
	}
	if task := task1001(t, s); task.Staff.MemberID != "ana" {
		t.Fatalf("call assigned to %q, want ana", task.Staff.MemberID)
	}
	return s, clock
}

// TestCallAtNightForTheCustomerDialsNothing: CALL at 02:10 in Jane's
// zone dials nobody, and Ana is told when Jane may be called.
func TestCallAtNightForTheCustomerDialsNothing(t *testing.T) {
	s, clock := remindedAna(t)
	clock.Set(time.Date(2026, 12, 4, 2, 10, 0, 0, ny))
	answer := reply(t, s, anaPhone, "CALL 1001")
	if want := "It is 02:10 for Jane; Jane can be called from 10:00 their time. Reply LATER or SKIP."; !strings.Contains(answer, want) {
		t.Errorf("CALL at 02:10 answered %s, want %q", answer, want)
	}
	if calls, dials := s.Twilio.Calls(), s.Twilio.Dials(); len(calls) != 0 || len(dials) != 0 {
		t.Fatalf("calls %+v, dials %+v; want nothing dialled", calls, dials)
	}
	if task := task1001(t, s); task.State != thankyou.StateReminded {
		t.Errorf("task %s, want still reminded (LATER or SKIP to come)", task.State)
	}
}

// TestCallForAnOptedOutCustomerDialsNothing: Jane texted STOP after the
// reminder went out; Ana's CALL dials nobody and closes the call opted_out.
func TestCallForAnOptedOutCustomerDialsNothing(t *testing.T) {
	s, clock := remindedAna(t)
	clock.Set(time.Date(2026, 12, 3, 11, 5, 0, 0, ny))
	reply(t, s, customer, "STOP")
	clock.Set(time.Date(2026, 12, 3, 11, 10, 0, 0, ny))
	answer := reply(t, s, anaPhone, "CALL 1001")
	if !strings.Contains(answer, "opted out") || !strings.Contains(answer, "nothing was dialled") {
		t.Errorf("CALL answered %s, want that Jane opted out and nothing was dialled", answer)
	}
	if calls := s.Twilio.Calls(); len(calls) != 0 {
		t.Fatalf("calls %+v, want none", calls)
	}
	if task := task1001(t, s); task.State != thankyou.StateOptedOut {
		t.Errorf("task %s (%q), want opted_out", task.State, task.Reason)
	}
}

// TestOptedOutCustomerIsNeverOnACallList: a customer who texted STOP
// before the thank-you was due is on nobody's call list.
func TestOptedOutCustomerIsNeverOnACallList(t *testing.T) {
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := staffStack(t, clock, &syncBuffer{})
	placeOrder1001(t, s)
	reply(t, s, customer, "STOP")
	if sum := run(t, s, clock, dueAt); sum.Reminded != 0 || sum.OptedOut != 1 {
		t.Fatalf("dispatcher = %+v, want no reminder and the task opted out", sum)
	}
	if got := append(messagesTo(s, anaPhone), messagesTo(s, benPhone)...); len(got) != 0 {
		t.Errorf("staff got %q, want nothing", got)
	}
	if task := task1001(t, s); task.State != thankyou.StateOptedOut || task.Staff.MemberID != "" {
		t.Errorf("task %s assigned to %q, want opted_out and assigned to nobody", task.State, task.Staff.MemberID)
	}
}

// TestStaffStopHandsTheCallsOn: Ana texts STOP; she gets no more
// reminders, her call goes to Ben, and Jane's task is not opted out.
func TestStaffStopHandsTheCallsOn(t *testing.T) {
	s, clock := remindedAna(t)
	clock.Set(time.Date(2026, 12, 3, 11, 30, 0, 0, ny))
	reply(t, s, anaPhone, "STOP")
	if task := task1001(t, s); task.State == thankyou.StateOptedOut || !task.State.Open() {
		t.Fatalf("after Ana's STOP the task is %s (%q), want still open", task.State, task.Reason)
	}
	if sum := run(t, s, clock, time.Date(2026, 12, 3, 11, 35, 0, 0, ny)); sum.Reminded != 1 {
		t.Fatalf("dispatcher = %+v, want the call handed to Ben", sum)
	}
	task := task1001(t, s)
	if task.State != thankyou.StateReminded || task.Staff.MemberID != "ben" || task.Recipient != benPhone {
		t.Errorf("task %s assigned to %q at %s, want reminded, ben", task.State, task.Staff.MemberID, task.Recipient)
	}
	if got := messagesTo(s, anaPhone); len(got) != 1 {
		t.Errorf("Ana got %d messages, want only the first reminder", len(got))
	}
	if got := messagesTo(s, benPhone); len(got) != 1 || !strings.Contains(got[0], "Please call Jane") {
		t.Errorf("Ben got %q, want the reminder", got)
	}
	// A second order later in the day is never assigned to Ana.
	for _, at := range []time.Time{time.Date(2026, 12, 3, 15, 40, 0, 0, ny), time.Date(2026, 12, 4, 11, 0, 0, 0, ny)} {
		run(t, s, clock, at)
		if got := messagesTo(s, anaPhone); len(got) != 1 {
			t.Fatalf("at %s Ana got %d messages, want no more after STOP", at, len(got))
		}
	}
}

// TestCallForACustomerBeingErasedDialsNothing: the shop's platform asked
// for Jane's data to be erased after the reminder went out; from the
// moment the request is recorded, Ana's CALL dials nobody.
func TestCallForACustomerBeingErasedDialsNothing(t *testing.T) {
	s, clock := remindedAna(t)
	clock.Set(time.Date(2026, 12, 3, 11, 5, 0, 0, ny))
	task := task1001(t, s)
	erasure := thankyou.Erasure{Source: task.Order.Source, Shop: task.Order.Shop, Kind: thankyou.DeliveryCustomerRedact,
		Customer: thankyou.Customer{Phones: []string{customer}}}
	if err := s.DynamoDB.RequestErasure(context.Background(), erasure, clock.Now()); err != nil {
		t.Fatal(err)
	}
	clock.Set(time.Date(2026, 12, 3, 11, 10, 0, 0, ny))
	answer := reply(t, s, anaPhone, "CALL 1001")
	if !strings.Contains(answer, "erased") || !strings.Contains(answer, "nothing was dialled") {
		t.Errorf("CALL answered %s, want that nothing was dialled while the erasure is pending", answer)
	}
	if calls := s.Twilio.Calls(); len(calls) != 0 {
		t.Fatalf("calls %+v, want none", calls)
	}
}
