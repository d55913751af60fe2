package localstack_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// The staff of the demo shop, playing their phones through the local
// Twilio: Ana in New York, Ben in Chicago, both 09:00-17:00 on weekdays.
const (
	shopNumber = "+15005550006" // TWILIO_FROM in events/env.json
	customer   = "+12125550123" // order 1001's Jane Doe
	anaPhone   = "+12125550181"
	benPhone   = "+13125550182"
)

var (
	ny, _ = time.LoadLocation("America/New_York")
	// dueAt is order 1001's due time: 240 h after the order (the stack's
	// delay here, a week later than the fixtures' 72 h, which land on
	// Thanksgiving, when nobody is contacted), Thursday 2026-12-03 11:00 in
	// New York (a few seconds after, as a tick).
	dueAt = time.Date(2026, 12, 3, 11, 0, 5, 0, ny)
)

// staffStack starts the stack with the staff channel and the demo shop's
// roster.
func staffStack(t *testing.T, clock *localstack.Clock, logs *syncBuffer) *localstack.Stack {
	t.Helper()
	s := startStack(t, clock, logs, "CHANNEL=staff", "THANK_YOU_DELAY=240h")
	for _, m := range []thankyou.StaffMember{
		{ID: "ana", Name: "Ana Ruiz", Phone: anaPhone, TimeZone: "America/New_York"},
		{ID: "ben", Name: "Ben Okafor", Phone: benPhone, TimeZone: "America/Chicago"},
	} {
		m.Source, m.ShopID, m.Hours, m.Active = thankyou.SourceShopify, "thankyou-demo.myshopify.com", thankyou.MustWindow("09:00-17:00 Mon-Fri"), true
		if err := s.DynamoDB.PutStaff(context.Background(), m, clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// placeOrder1001 posts Shopify's orders/create fixture for order 1001.
func placeOrder1001(t *testing.T, s *localstack.Stack) {
	t.Helper()
	ev, err := localstack.LoadHTTPEvent(recorded(t, "order-webhook/shopify-orders-create.json"))
	if err != nil {
		t.Fatal(err)
	}
	status, body, err := localstack.PostEvent(context.Background(), s.APIURL, ev)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("order 1001: %d %s, %v", status, body, err)
	}
}

// run runs the dispatcher at t.
func run(t *testing.T, s *localstack.Stack, clock *localstack.Clock, at time.Time) dispatch.Summary {
	t.Helper()
	clock.Set(at)
	sum, err := s.Dispatcher.Run(context.Background())
	if err != nil {
		t.Fatalf("dispatcher at %s: %v", at, err)
	}
	return sum
}

// reply texts body from a staff phone to the shop and returns the TwiML
// answer.
func reply(t *testing.T, s *localstack.Stack, from, body string) string {
	t.Helper()
	status, answer, err := s.Twilio.SendInbound(context.Background(), s.APIURL+"/twilio/inbound", from, shopNumber, body)
	if err != nil || status != http.StatusOK {
		t.Fatalf("reply %q: %d %s, %v", body, status, answer, err)
	}
	if err := twiliotest.CheckTwiML(string(answer)); err != nil {
		t.Errorf("reply %q answered with bad TwiML %s: %v", body, answer, err)
	}
	return string(answer)
}

// messagesTo returns the bodies of the messages Twilio accepted for to.
func messagesTo(s *localstack.Stack, to string) []string {
	var out []string
	for _, m := range s.Twilio.Messages() {
		if m.To == to {
			out = append(out, m.Body)
		}
	}
	return out
}

func task1001(t *testing.T, s *localstack.Stack) thankyou.Task {
	t.Helper()
	task, err := s.DynamoDB.GetTask(context.Background(), order1001)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

// TestReminderThenDone: the reminder goes to the staff member on duty with
// what they need to call, and DONE records the call.
func TestReminderThenDone(t *testing.T) {
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	logs := &syncBuffer{}
	s := staffStack(t, clock, logs)
	placeOrder1001(t, s)

	if sum := run(t, s, clock, dueAt); sum.Reminded != 1 {
		t.Fatalf("dispatcher = %+v, want one reminder", sum)
	}
	got := messagesTo(s, anaPhone)
	if len(got) != 1 {
		t.Fatalf("Ana got %d messages, want the reminder (all: %+v)", len(got), s.Twilio.Messages())
	}
	body := got[0]
	for _, want := range []string{
		"Jane Doe", "Please call Jane", "+1 212-555-0123", "#1001", "199.65 USD", "10 days ago",
		"2 x Hand-thrown Mug", "Linen Tea Towel Set", "by 17:00", "Reply DONE, LATER, SKIP or CALL 1001",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("reminder lacks %q: %q", want, body)
		}
	}
	if segs, enc := message.Segments(body); segs > 2 {
		t.Errorf("reminder takes %d %s segments: %q", segs, enc, body)
	}
	task := task1001(t, s)
	if task.State != thankyou.StateReminded || task.Staff.MemberID != "ana" || task.Recipient != anaPhone || task.Staff.Reminders != 1 {
		t.Fatalf("after the reminder: %s, member %q, %d reminders; want reminded, ana, 1", task.State, task.Staff.MemberID, task.Staff.Reminders)
	}

	clock.Advance(20 * time.Minute)
	answer := reply(t, s, anaPhone, "Done! lovely chat, she loves the mug")
	if !strings.Contains(answer, "Order 1001 (Jane) is marked done") {
		t.Errorf("DONE answered %s", answer)
	}
	task = task1001(t, s)
	if task.State != thankyou.StateCalled || task.Staff.Note != "lovely chat, she loves the mug" {
		t.Errorf("after DONE: %s, note %q; want called with the note", task.State, task.Staff.Note)
	}
	// The reminder's own delivery callbacks change nothing.
	waitFor(t, "the reminder's delivery callback", func() bool { return s.Twilio.Requests() >= 1 })
	if again := reply(t, s, anaPhone, "DONE"); !strings.Contains(again, "no open calls") {
		t.Errorf("a second DONE answered %s", again)
	}
	if task := task1001(t, s); task.State != thankyou.StateCalled {
		t.Errorf("after a second DONE: %s", task.State)
	}
	noPersonalDataLogged(t, logs, "2125550181", "3125550182", "2125550123", "Jane", "lovely chat")
}

// TestReminderLaterComesBackAtTheRightTime: LATER 2h snoozes the call
// inside the staff member's working hours; the dispatcher reminds again
// then, not before.
func TestReminderLaterComesBackAtTheRightTime(t *testing.T) {
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := staffStack(t, clock, &syncBuffer{})
	placeOrder1001(t, s)
	run(t, s, clock, dueAt)

	clock.Set(time.Date(2026, 12, 3, 11, 30, 0, 0, ny))
	if answer := reply(t, s, anaPhone, "later, 2h"); !strings.Contains(answer, "remind you about order 1001 (Jane) at 13:30") {
		t.Errorf("LATER answered %s", answer)
	}
	task := task1001(t, s)
	if want := time.Date(2026, 12, 3, 13, 30, 0, 0, ny); task.State != thankyou.StateReminded || !task.DueAt.Equal(want) {
		t.Fatalf("after LATER: %s due %s; want reminded, due %s", task.State, task.DueAt, want.UTC())
	}
	if sum := run(t, s, clock, time.Date(2026, 12, 3, 12, 30, 0, 0, ny)); sum.Due != 0 || len(messagesTo(s, anaPhone)) != 1 {
		t.Errorf("an hour later: %+v and %d messages to Ana; want nothing due", sum, len(messagesTo(s, anaPhone)))
	}
	if sum := run(t, s, clock, time.Date(2026, 12, 3, 13, 30, 5, 0, ny)); sum.Reminded != 1 {
		t.Fatalf("at the snooze's end: %+v, want one reminder", sum)
	}
	if got := messagesTo(s, anaPhone); len(got) != 2 || !strings.Contains(got[1], "#1001") {
		t.Errorf("Ana's messages = %q, want the reminder again", got)
	}

	// LATER tomorrow lands on her next working day, when the customer may
	// be called too: her shift starts at 09:00, the send window at 10:00.
	clock.Set(time.Date(2026, 12, 4, 16, 0, 0, 0, ny)) // Friday
	if answer := reply(t, s, anaPhone, "LATER 1001 tomorrow"); !strings.Contains(answer, "on Mon at 10:00") {
		t.Errorf("LATER tomorrow on a Friday answered %s", answer)
	}
}

// TestReminderCallBridgesTheStaffMemberToTheCustomer: CALL makes Twilio
// ring the staff member, the bridge dials the customer showing the shop's
// number, and the completed call is recorded.
func TestReminderCallBridgesTheStaffMemberToTheCustomer(t *testing.T) {
	tests := []struct {
		name     string
		customer twiliotest.CallOutcome
		state    thankyou.State
		leg      string
	}{
		{"customer answers", twiliotest.Answered(95 * time.Second), thankyou.StateCalled, "completed"},
		{"customer does not answer", twiliotest.NoAnswer(), thankyou.StateReminded, "no-answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
			s := staffStack(t, clock, &syncBuffer{})
			placeOrder1001(t, s)
			run(t, s, clock, dueAt)

			clock.Set(time.Date(2026, 12, 3, 11, 10, 0, 0, ny))
			if answer := reply(t, s, anaPhone, "CALL 1001"); !strings.Contains(answer, "Calling you now") {
				t.Fatalf("CALL answered %s", answer)
			}
			calls := s.Twilio.Calls()
			if len(calls) != 1 || calls[0].To != anaPhone || calls[0].From != shopNumber || !strings.Contains(calls[0].URL, "/twilio/bridge?task=") {
				t.Fatalf("Twilio calls = %+v, want one to Ana fetching the bridge TwiML", calls)
			}
			// Ana answers; the bridge dials Jane.
			if err := s.Twilio.AnswerCall(ctx, calls[0].SID, twiliotest.Answered(5*time.Second).Bridged(tt.customer)); err != nil {
				t.Fatal(err)
			}
			twiml := s.Twilio.CallTwiML(calls[0].SID)
			if !strings.Contains(twiml, `<Dial callerId="`+shopNumber+`"`) || !strings.Contains(twiml, "<Number>"+customer+"</Number>") {
				t.Errorf("bridge TwiML = %s, want <Dial callerId=%s> to %s", twiml, shopNumber, customer)
			}
			dials := s.Twilio.Dials()
			if len(dials) != 1 || dials[0].To != customer || dials[0].CallerID != shopNumber {
				t.Fatalf("dials = %+v, want Jane called from the shop's number", dials)
			}
			task := task1001(t, s)
			if task.State != tt.state || task.Call.Customer != tt.leg || task.Call.SID != calls[0].SID {
				t.Errorf("task: %s, call %+v; want %s, customer leg %s", task.State, task.Call, tt.state, tt.leg)
			}
			if tt.state == thankyou.StateCalled && task.Call.Duration != 95*time.Second {
				t.Errorf("call duration = %s, want 95s", task.Call.Duration)
			}
			if tt.state == thankyou.StateReminded {
				got := messagesTo(s, anaPhone)
				if last := got[len(got)-1]; !strings.Contains(last, "Jane did not answer") || !strings.Contains(last, "LATER 1001") || !strings.Contains(last, "SKIP 1001") {
					t.Errorf("after an unanswered bridge Ana got %q, want LATER or SKIP offered", last)
				}
			}
		})
	}
}

// TestUnansweredReminderEscalates: no answer within ESCALATE_AFTER (4 h)
// of working time brings one more reminder; no answer again hands the
// call to the next staff member on duty.
func TestUnansweredReminderEscalates(t *testing.T) {
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := staffStack(t, clock, &syncBuffer{})
	placeOrder1001(t, s)
	run(t, s, clock, dueAt) // Thursday 11:00: Ana

	if sum := run(t, s, clock, time.Date(2026, 12, 3, 14, 59, 0, 0, ny)); sum.Due != 0 {
		t.Errorf("before 4 working hours: %+v, want nothing due", sum)
	}
	if sum := run(t, s, clock, time.Date(2026, 12, 3, 15, 0, 10, 0, ny)); sum.Reminded != 1 {
		t.Fatalf("4 working hours later: %+v, want one more reminder", sum)
	}
	if got := messagesTo(s, anaPhone); len(got) != 2 {
		t.Fatalf("Ana got %d messages, want 2 reminders", len(got))
	}
	task := task1001(t, s)
	// 15:00 + 4 working hours (2 h on Thursday, 2 h on Friday from 09:00).
	if want := time.Date(2026, 12, 4, 11, 0, 10, 0, ny); !task.DueAt.Equal(want) || task.Staff.Reminders != 2 {
		t.Fatalf("after the second reminder: due %s, %d reminders; want %s, 2", task.DueAt, task.Staff.Reminders, want.UTC())
	}
	if sum := run(t, s, clock, task.DueAt.Add(5*time.Second)); sum.Reminded != 1 {
		t.Fatalf("Friday 11:00: %+v, want the call handed over", sum)
	}
	if got := messagesTo(s, benPhone); len(got) != 1 || !strings.Contains(got[0], "Please call Jane") {
		t.Fatalf("Ben's messages = %q, want the reminder", got)
	}
	task = task1001(t, s)
	if task.Staff.MemberID != "ben" || task.Recipient != benPhone || task.Staff.Reassigned != 1 || task.Staff.Reminders != 1 {
		t.Errorf("after the hand-over: member %q, reassigned %d, reminders %d; want ben, 1, 1", task.Staff.MemberID, task.Staff.Reassigned, task.Staff.Reminders)
	}
	// Ana's call is no longer hers; Ben's DONE closes it.
	if answer := reply(t, s, anaPhone, "DONE 1001"); !strings.Contains(answer, "no open call") {
		t.Errorf("Ana's late DONE answered %s", answer)
	}
	if answer := reply(t, s, benPhone, "done"); !strings.Contains(answer, "marked done") {
		t.Errorf("Ben's DONE answered %s", answer)
	}
	if task := task1001(t, s); task.State != thankyou.StateCalled {
		t.Errorf("after Ben's DONE: %s", task.State)
	}
}

// TestEndOfDayDigest: in the last half hour of her shift a staff member
// with open calls gets one digest, once.
func TestEndOfDayDigest(t *testing.T) {
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := staffStack(t, clock, &syncBuffer{})
	placeOrder1001(t, s)
	run(t, s, clock, dueAt)

	if sum := run(t, s, clock, time.Date(2026, 12, 3, 16, 20, 0, 0, ny)); sum.Digests != 0 {
		t.Errorf("16:20: %+v, want no digest yet", sum)
	}
	if sum := run(t, s, clock, time.Date(2026, 12, 3, 16, 35, 0, 0, ny)); sum.Digests != 1 {
		t.Errorf("16:35: %+v, want one digest", sum)
	}
	if sum := run(t, s, clock, time.Date(2026, 12, 3, 16, 40, 0, 0, ny)); sum.Digests != 0 {
		t.Errorf("16:40: %+v, want no second digest", sum)
	}
	// The reminder, the one more at 15:00, and the digest.
	got := messagesTo(s, anaPhone)
	if len(got) != 3 || !strings.HasPrefix(got[2], "End of day: 1 open thank-you call:\n#1001 Jane Doe\nReply LIST") {
		t.Errorf("Ana's messages = %q, want two reminders and one digest", got)
	}
	if len(messagesTo(s, benPhone)) != 0 {
		t.Error("Ben, with no open calls, got a message")
	}
}

// TestAutomatedCall: with the shop's consent the customer gets a call
// whose TwiML says the thank-you (a shorter voicemail to a machine); a
// call not answered becomes the SMS, once.
func TestAutomatedCall(t *testing.T) {
	tests := []struct {
		name    string
		how     twiliotest.CallOutcome
		say     string // in the TwiML
		state   thankyou.State
		smsSent int
	}{
		{"answered", twiliotest.Answered(25 * time.Second), "calling to thank you for your order number 1001", thankyou.StateCalled, 0},
		{"voicemail", twiliotest.Machine(12 * time.Second), "Just a quick call to say thank you", thankyou.StateCalled, 0},
		{"no answer", twiliotest.NoAnswer(), "", thankyou.StateDelivered, 1},
		{"failed", twiliotest.Failed(), "", thankyou.StateDelivered, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
			s := startStack(t, clock, &syncBuffer{}, "CHANNEL=call", "VOICE_CONSENT=true", "VOICE=Polly.Joanna", "THANK_YOU_DELAY=240h")
			placeOrder1001(t, s)
			if sum := run(t, s, clock, dueAt); sum.Called != 1 {
				t.Fatalf("dispatcher = %+v, want one call", sum)
			}
			calls := s.Twilio.Calls()
			if len(calls) != 1 || calls[0].To != customer || calls[0].MachineDetection != "DetectMessageEnd" || !strings.Contains(calls[0].URL, "/twilio/voice?task=") {
				t.Fatalf("calls = %+v, want one to Jane with machine detection", calls)
			}
			if err := s.Twilio.AnswerCall(ctx, calls[0].SID, tt.how); err != nil {
				t.Fatal(err)
			}
			if tt.say != "" {
				twiml := s.Twilio.CallTwiML(calls[0].SID)
				if !strings.Contains(twiml, `<Say voice="Polly.Joanna" language="en-US">`) || !strings.Contains(twiml, tt.say) {
					t.Errorf("TwiML = %s, want <Say> with the voice and %q", twiml, tt.say)
				}
			}
			task := task1001(t, s)
			if tt.smsSent > 0 {
				if task.State != thankyou.StatePending || task.Channel != thankyou.ChannelSMS || !task.VoiceFallback {
					t.Fatalf("after an unanswered call: %s %s fallback %v; want a pending SMS", task.State, task.Channel, task.VoiceFallback)
				}
				if sum := run(t, s, clock, dueAt.Add(5*time.Minute)); sum.Sent != 1 {
					t.Errorf("dispatcher after the fallback = %+v, want the SMS sent", sum)
				}
				run(t, s, clock, dueAt.Add(10*time.Minute))
				waitFor(t, "the SMS delivered", func() bool { return task1001(t, s).State == thankyou.StateDelivered })
				task = task1001(t, s)
			}
			if task.State != tt.state {
				t.Errorf("task = %s (%s), want %s", task.State, task.Reason, tt.state)
			}
			if got := messagesTo(s, customer); len(got) != tt.smsSent {
				t.Errorf("Jane got %d SMS, want %d: %q", len(got), tt.smsSent, got)
			}
			if n := len(s.Twilio.Calls()); n != 1 {
				t.Errorf("Twilio was asked for %d calls, want 1", n)
			}
		})
	}
}

// TestAutomatedCallWithoutConsentSendsTheSMS: a call task of a shop whose
// consent is off (turned off after the order came in) places no call.
func TestAutomatedCallWithoutConsentSendsTheSMS(t *testing.T) {
	ctx := context.Background()
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := startStack(t, clock, &syncBuffer{}, "THANK_YOU_DELAY=240h")
	task := thankyou.Task{
		ID:      order1001,
		Order:   thankyou.Order{Source: thankyou.SourceShopify, Shop: "thankyou-demo.myshopify.com", ID: "820982911946154508", Number: "#1001", FirstName: "Jane", CustomerName: "Jane Doe", Phone: customer},
		Channel: thankyou.ChannelCall, Recipient: customer, State: thankyou.StatePending,
		DueAt: dueAt.Add(-5 * time.Second).UTC(), Deadline: dueAt.Add(72 * time.Hour).UTC(), TimeZone: "America/New_York",
		Voice: thankyou.Voice{Consent: false},
	}
	if _, err := s.DynamoDB.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	if sum := run(t, s, clock, dueAt); sum.Called != 0 || sum.Sent != 1 {
		t.Errorf("dispatcher = %+v, want no call and the SMS sent", sum)
	}
	if n := len(s.Twilio.Calls()); n != 0 {
		t.Errorf("Twilio was asked for %d calls, want none", n)
	}
	if got := messagesTo(s, customer); len(got) != 1 || !strings.HasPrefix(got[0], "Hi Jane, thank you for your order #1001") {
		t.Errorf("Jane's messages = %q, want the thank-you SMS", got)
	}
}

// noPersonalDataLogged fails if any log line holds one of pii.
func noPersonalDataLogged(t *testing.T, logs *syncBuffer, pii ...string) {
	t.Helper()
	for _, line := range strings.Split(logs.String(), "\n") {
		for _, p := range pii {
			if strings.Contains(line, p) {
				t.Errorf("a log line contains %q: %s", p, line)
			}
		}
	}
}

// TestNobodyOnDutyGoesToTheShopsPhone: with no roster member on duty at
// the due time, the reminder goes to the shop's default staff phone, and a
// reply from that phone works the same.
func TestNobodyOnDutyGoesToTheShopsPhone(t *testing.T) {
	const shopPhone = "+12125550199" // STAFF_PHONE in events/env.json
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := startStack(t, clock, &syncBuffer{}, "CHANNEL=staff", "THANK_YOU_DELAY=240h")
	late := thankyou.StaffMember{Source: thankyou.SourceShopify, ShopID: "thankyou-demo.myshopify.com", ID: "eve", Name: "Eve", Phone: anaPhone,
		TimeZone: "America/New_York", Hours: thankyou.MustWindow("18:00-21:00 Mon-Fri"), Active: true}
	if err := s.DynamoDB.PutStaff(context.Background(), late, clock.Now()); err != nil {
		t.Fatal(err)
	}
	placeOrder1001(t, s)
	if sum := run(t, s, clock, dueAt); sum.Reminded != 1 {
		t.Fatalf("dispatcher = %+v, want one reminder", sum)
	}
	if got := messagesTo(s, shopPhone); len(got) != 1 || len(messagesTo(s, anaPhone)) != 0 {
		t.Fatalf("shop phone got %q, Eve %d messages; want the reminder at the shop's phone only", got, len(messagesTo(s, anaPhone)))
	}
	task := task1001(t, s)
	if task.Staff.MemberID != "" || task.Recipient != shopPhone {
		t.Errorf("assigned to %q at %s, want the shop's phone", task.Staff.MemberID, task.Recipient)
	}
	if answer := reply(t, s, shopPhone, "skip 1001 - customer asked not to be called"); !strings.Contains(answer, "is marked skipped") {
		t.Errorf("SKIP answered %s", answer)
	}
	if task := task1001(t, s); task.State != thankyou.StateSkipped || task.Reason != "customer asked not to be called" {
		t.Errorf("after SKIP: %s %q", task.State, task.Reason)
	}
}
