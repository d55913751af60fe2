package localstack_test

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// shopStaffPhone is STAFF_PHONE in events/env.json: where a reply goes
// when nobody owns the call.
const shopStaffPhone = "+12125550199"

// Ordinary days for the conversation (no public holiday): Wednesday
// 2 and Thursday 3 December 2026, New York time.
var (
	wedNoon  = time.Date(2026, 12, 2, 12, 0, 0, 0, ny)
	wedNight = time.Date(2026, 12, 2, 22, 0, 0, 0, ny)
	thu0905  = time.Date(2026, 12, 3, 9, 0, 5, 0, ny)
	thu1100  = time.Date(2026, 12, 3, 11, 0, 0, 0, ny)
)

// thankedJane starts the SMS stack and sends order 1001's thank-you to
// Jane.
func thankedJane(t *testing.T, logs *syncBuffer) (*localstack.Stack, *localstack.Clock) {
	t.Helper()
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := startStack(t, clock, logs)
	placeOrder1001(t, s)
	if sum := run(t, s, clock, task1001(t, s).DueAt.Add(5*time.Second)); sum.Sent != 1 {
		t.Fatalf("dispatcher = %+v, want the thank-you sent", sum)
	}
	return s, clock
}

// postFixture sends a Twilio webhook fixture's inbound SMS (its From and
// Body) through the local Twilio, signed for this stack's URL, and returns
// the TwiML answer.
func postFixture(t *testing.T, s *localstack.Stack, name string) string {
	t.Helper()
	ev, err := localstack.LoadHTTPEvent(root("events", "twilio-webhook", name))
	if err != nil {
		t.Fatal(err)
	}
	body := ev.Body
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
	}
	form, err := url.ParseQuery(body)
	if err != nil {
		t.Fatal(err)
	}
	return reply(t, s, form.Get("From"), form.Get("Body"))
}

func TestCustomerReplyIsForwardedAndStaffAnswer(t *testing.T) {
	logs := &syncBuffer{}
	s, clock := thankedJane(t, logs)

	clock.Set(wedNoon)
	postFixture(t, s, "customer-reply.json")
	fw := messagesTo(s, shopStaffPhone)
	if len(fw) != 1 || !strings.HasPrefix(fw[0], "Jane (order #1001) replied: Thank you so much, love the mug!") ||
		!strings.Contains(fw[0], "REPLY 1001") {
		t.Fatalf("the shop's staff phone got %q, want the forward", fw)
	}
	task := task1001(t, s)
	if len(task.Conversation) != 1 || task.Conversation[0].Text != "Thank you so much, love the mug!" ||
		task.Conversation[0].From != thankyou.SpeakerCustomer || task.NeedsAttention {
		t.Fatalf("conversation %+v, attention %v", task.Conversation, task.NeedsAttention)
	}

	// Staff answer at 12:05 on Jane's clock: it goes from the shop's number.
	clock.Set(wedNoon.Add(5 * time.Minute))
	if answer := postFixture(t, s, "staff-reply.json"); !strings.Contains(answer, "Sent to Jane (order 1001)") {
		t.Errorf("REPLY answered %s", answer)
	}
	got := messagesTo(s, customer)
	if len(got) != 2 || got[1] != "Thank-you Demo Shop: So sorry! A new mug is on its way today." {
		t.Fatalf("Jane's messages = %q, want the thank-you then the answer", got)
	}
	for _, m := range s.Twilio.Messages() {
		if m.To == customer && m.From != shopNumber {
			t.Errorf("a message to Jane came from %q, want the shop's number", m.From)
		}
	}
	if task := task1001(t, s); len(task.Conversation) != 2 || task.Conversation[1].From != thankyou.SpeakerStaff {
		t.Errorf("conversation after REPLY: %+v", task.Conversation)
	}

	// Only the number the reply was forwarded to can answer it.
	if answer := reply(t, s, anaPhone, "REPLY 1001 hello from someone else"); strings.Contains(answer, "Sent") {
		t.Errorf("REPLY from another number answered %s", answer)
	}
	if n := len(messagesTo(s, customer)); n != 2 {
		t.Errorf("Jane got %d messages, want 2", n)
	}
	noPersonalDataLogged(t, logs, "love the mug", "So sorry", customer, shopStaffPhone)
}

func TestComplaintIsFlaggedAndSaysSoFirst(t *testing.T) {
	s, clock := thankedJane(t, &syncBuffer{})
	clock.Set(wedNoon)
	postFixture(t, s, "customer-complaint.json")
	fw := messagesTo(s, shopStaffPhone)
	if len(fw) != 1 || !strings.HasPrefix(fw[0], "Needs attention: Jane (order #1001) replied: The mug arrived broken, can I get a refund?") {
		t.Fatalf("forward = %q", fw)
	}
	task := task1001(t, s)
	if !task.NeedsAttention || task.Conversation[0].Complaint != "broken" {
		t.Errorf("task: attention %v, conversation %+v", task.NeedsAttention, task.Conversation)
	}
	if task.State != thankyou.StateSent && task.State != thankyou.StateDelivered {
		t.Errorf("state = %s: the flag must not change how the thank-you went", task.State)
	}
}

func TestReplyAfterStopReachesStaffButIsNotAnswered(t *testing.T) {
	s, clock := thankedJane(t, &syncBuffer{})
	clock.Set(wedNoon)
	reply(t, s, customer, "STOP")
	reply(t, s, customer, "Why did I get a text from you?")
	if fw := messagesTo(s, shopStaffPhone); len(fw) != 1 || !strings.Contains(fw[0], "Why did I get a text from you?") {
		t.Fatalf("forward = %q, want the reply forwarded to staff", fw)
	}
	answer := reply(t, s, shopStaffPhone, "REPLY 1001 Sorry, you will not hear from us again.")
	if !strings.Contains(answer, "Not sent") || !strings.Contains(answer, "opted out") {
		t.Errorf("REPLY to an opted-out customer answered %s", answer)
	}
	if got := messagesTo(s, customer); len(got) != 1 {
		t.Errorf("Jane's messages after STOP = %q, want the thank-you only", got)
	}
	if task := task1001(t, s); len(task.Conversation) != 1 {
		t.Errorf("a refused REPLY was recorded: %+v", task.Conversation)
	}
}

func TestForwardOutsideStaffHoursWaitsThenGoes(t *testing.T) {
	s, clock := thankedJane(t, &syncBuffer{})
	clock.Set(wedNight)
	reply(t, s, customer, "Is the mug dishwasher safe?")
	if fw := messagesTo(s, shopStaffPhone); len(fw) != 0 {
		t.Fatalf("forwarded at 22:00, outside the staff phone's hours: %q", fw)
	}
	if sum := run(t, s, clock, wedNight.Add(10*time.Minute)); sum.Forwarded != 0 {
		t.Errorf("dispatcher at night forwarded %d", sum.Forwarded)
	}
	if sum := run(t, s, clock, thu0905); sum.Forwarded != 1 {
		t.Fatalf("dispatcher at 09:00 = %+v, want the reply forwarded", sum)
	}
	fw := messagesTo(s, shopStaffPhone)
	if len(fw) != 1 || !strings.Contains(fw[0], "Is the mug dishwasher safe?") {
		t.Fatalf("forward = %q", fw)
	}
	if sum := run(t, s, clock, thu0905.Add(5*time.Minute)); sum.Forwarded != 0 {
		t.Errorf("forwarded again: %+v", sum)
	}

	// An answer at night is not sent: the staff member is told from when.
	clock.Set(wedNight.Add(24 * time.Hour))
	answer := reply(t, s, shopStaffPhone, "REPLY 1001 Yes, it is!")
	if !strings.Contains(answer, "Not sent: it is 22:00 for Jane") {
		t.Errorf("REPLY at night answered %s", answer)
	}
	if got := messagesTo(s, customer); len(got) != 1 {
		t.Errorf("Jane got %q at night", got)
	}
	clock.Set(thu1100.Add(24 * time.Hour))
	if answer := reply(t, s, shopStaffPhone, "REPLY 1001 Yes, it is!"); !strings.Contains(answer, "Sent to Jane") {
		t.Errorf("REPLY in the day answered %s", answer)
	}
}

// TestReplyAfterABridgedCallGoesToTheStaffMemberWhoCalled: Jane sees the
// shop's number when Ana calls her through the bridge; her text back goes
// to Ana, inside Ana's hours, and Ana can answer it.
func TestReplyAfterABridgedCallGoesToTheStaffMemberWhoCalled(t *testing.T) {
	ctx := context.Background()
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := staffStack(t, clock, &syncBuffer{})
	placeOrder1001(t, s)
	due := task1001(t, s).DueAt.Add(5 * time.Second)
	if sum := run(t, s, clock, due); sum.Reminded != 1 {
		t.Fatalf("dispatcher = %+v, want the reminder", sum)
	}
	if task := task1001(t, s); task.Staff.MemberID != "ana" {
		t.Fatalf("the call went to %q, want ana", task.Staff.MemberID)
	}
	clock.Set(due.Add(10 * time.Minute))
	if answer := reply(t, s, anaPhone, "CALL 1001"); !strings.Contains(answer, "Calling you now") {
		t.Fatalf("CALL answered %s", answer)
	}
	calls := s.Twilio.Calls()
	if err := s.Twilio.AnswerCall(ctx, calls[0].SID, twiliotest.Answered(5*time.Second).Bridged(twiliotest.Answered(60*time.Second))); err != nil {
		t.Fatal(err)
	}

	clock.Set(wedNoon)
	reply(t, s, customer, "Lovely to talk to you, thanks Ana!")
	fw := messagesTo(s, anaPhone)
	if last := fw[len(fw)-1]; !strings.HasPrefix(last, "Jane (order #1001) replied: Lovely to talk to you, thanks Ana!") {
		t.Fatalf("Ana's last message = %q, want the forward", last)
	}
	if got := messagesTo(s, shopStaffPhone); len(got) != 0 {
		t.Errorf("the shop's phone got %q: the call's owner takes the reply", got)
	}
	if answer := reply(t, s, anaPhone, "REPLY 1001 Likewise, Jane!"); !strings.Contains(answer, "Sent to Jane") {
		t.Errorf("Ana's REPLY answered %s", answer)
	}
	if got := messagesTo(s, customer); len(got) != 1 || got[0] != "Thank-you Demo Shop: Likewise, Jane!" {
		t.Errorf("Jane's messages = %q", got)
	}
}

// TestAForwardTwilioRefusesIsDroppedAndAnOutageIsRetried: a staff phone
// Twilio refuses for good is not tried forever; a Twilio outage leaves the
// forward for the dispatcher.
func TestAForwardTwilioRefusesIsDroppedAndAnOutageIsRetried(t *testing.T) {
	s, clock := thankedJane(t, &syncBuffer{})
	clock.Set(wedNoon)
	s.Twilio.Inject(twiliotest.InvalidNumber())
	reply(t, s, customer, "Love it!")
	if sum := run(t, s, clock, wedNoon.Add(10*time.Minute)); sum.Forwarded != 0 {
		t.Errorf("a refused forward was tried again: %+v", sum)
	}
	if got := messagesTo(s, shopStaffPhone); len(got) != 0 {
		t.Errorf("forwards = %q", got)
	}

	s.Twilio.Inject(twiliotest.ServerError())
	reply(t, s, customer, "Really, love it!")
	if got := messagesTo(s, shopStaffPhone); len(got) != 0 {
		t.Fatalf("forwards during the outage = %q", got)
	}
	if sum := run(t, s, clock, wedNoon.Add(20*time.Minute)); sum.Forwarded != 1 {
		t.Errorf("after the outage the dispatcher forwarded %+v, want 1", sum)
	}
	if got := messagesTo(s, shopStaffPhone); len(got) != 1 || !strings.Contains(got[0], "Really, love it!") {
		t.Errorf("forwards = %q", got)
	}
}

// TestAWaitingForwardOfAnErasedCustomerIsDropped: the erasure takes the
// reply's text; the forward waiting for the staff's hours finds nothing
// to send.
func TestAWaitingForwardOfAnErasedCustomerIsDropped(t *testing.T) {
	s, clock := thankedJane(t, &syncBuffer{})
	clock.Set(wedNight)
	reply(t, s, customer, "Please call me on my other number +12125550177")
	if _, err := s.DynamoDB.EraseCustomer(context.Background(), thankyou.SourceShopify, "thankyou-demo.myshopify.com",
		thankyou.Customer{Phones: []string{customer}}, wedNight.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if sum := run(t, s, clock, thu0905); sum.Forwarded != 0 {
		t.Errorf("dispatcher forwarded an erased reply: %+v", sum)
	}
	if got := messagesTo(s, shopStaffPhone); len(got) != 0 {
		t.Errorf("forwards = %q", got)
	}
	if fs, err := s.DynamoDB.DueForwards(context.Background(), thu0905.Add(time.Hour), 10); err != nil || len(fs) != 0 {
		t.Errorf("forwards left = %v, %v", fs, err)
	}
	// Her next message is nobody's: the route went with the erasure.
	clock.Set(thu1100)
	reply(t, s, customer, "hello?")
	if got := messagesTo(s, shopStaffPhone); len(got) != 0 {
		t.Errorf("forwards after the erasure = %q", got)
	}
}

// TestReplyToACustomerBeingErasedIsNotSent: once the platform's erasure of
// Jane's data is recorded, a staff REPLY to her goes nowhere, as every
// other contact for her task.
func TestReplyToACustomerBeingErasedIsNotSent(t *testing.T) {
	s, clock := thankedJane(t, &syncBuffer{})
	clock.Set(wedNoon)
	reply(t, s, customer, "Is the mug dishwasher safe?")
	task := task1001(t, s)
	erasure := thankyou.Erasure{Source: task.Order.Source, Shop: task.Order.Shop, Kind: thankyou.DeliveryCustomerRedact,
		Customer: thankyou.Customer{Phones: []string{customer}}}
	if err := s.DynamoDB.RequestErasure(context.Background(), erasure, clock.Now()); err != nil {
		t.Fatal(err)
	}
	answer := reply(t, s, shopStaffPhone, "REPLY 1001 Yes, it is.")
	if !strings.Contains(answer, "Not sent") {
		t.Errorf("REPLY to a customer being erased answered %s, want not sent", answer)
	}
	if got := messagesTo(s, customer); len(got) != 1 {
		t.Errorf("Jane's messages = %q, want the thank-you only", got)
	}
}
