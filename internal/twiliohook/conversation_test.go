package twiliohook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twiliohook"
)

// TestConversationFixtures replays the signed fixtures of a conversation
// in order: Jane's thanks, her complaint, the staff's REPLY (the task
// holds no name: she is "the customer"). The clock is
// Thursday 11:10 in New York: inside the staff phone's hours and hers.
func TestConversationFixtures(t *testing.T) {
	srv := localTwilio(t)
	f := newFixture(t, withTwilioAPI(srv.URL()))
	f.sentTask(t, true)
	ctx := context.Background()
	if err := f.store.NoteLastTask(ctx, customer, task1001, now.Add(-10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		fixture  string
		answer   string // what the sender is told ("" for nothing)
		to, body string // the SMS it makes
	}{
		{"customer-reply.json", "", staffPhone, "the customer (order #1001) replied: Thank you so much, love the mug!\nAnswer with REPLY 1001 and your text."},
		{"customer-complaint.json", "", staffPhone, "Needs attention: the customer (order #1001) replied: The mug arrived broken, can I get a refund?\nAnswer with REPLY 1001 and your text."},
		{"staff-reply.json", "Sent to the customer (order 1001).", customer, "Thank-you Demo Shop: So sorry! A new mug is on its way today."},
	} {
		before := len(srv.Messages())
		if got := wantTwiML(t, f.post(t, loadEvent(t, tc.fixture))); got != tc.answer {
			t.Errorf("%s answered %q, want %q", tc.fixture, got, tc.answer)
		}
		msgs := srv.Messages()[before:]
		if len(msgs) != 1 || msgs[0].To != tc.to || msgs[0].Body != tc.body {
			t.Errorf("%s sent %+v, want %q to %s", tc.fixture, msgs, tc.body, tc.to)
		}
	}
	got := f.task(t)
	if !got.NeedsAttention || len(got.Conversation) != 3 || got.Conversation[2].From != thankyou.SpeakerStaff {
		t.Errorf("task: attention %v, conversation %+v", got.NeedsAttention, got.Conversation)
	}
}

func TestAReplyFromANumberNeverThankedIsDropped(t *testing.T) {
	srv := localTwilio(t)
	f := newFixture(t, withTwilioAPI(srv.URL()))
	f.sentTask(t, true) // sent, but no route from Jane's number to it
	if got := wantTwiML(t, f.post(t, loadEvent(t, "customer-reply.json"))); got != "" {
		t.Errorf("answered %q", got)
	}
	if n := len(srv.Messages()); n != 0 || len(f.task(t).Conversation) != 0 {
		t.Errorf("%d messages sent, conversation %+v: want nothing", n, f.task(t).Conversation)
	}
}

func TestAnswerLaterTextIsOnTheCustomersClock(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now, next time.Time
		want      string
	}{
		{time.Date(2026, 12, 2, 9, 10, 0, 0, ny), time.Date(2026, 12, 2, 10, 0, 0, 0, ny),
			"Not sent: it is 09:10 for Jane (order 1001). Send your REPLY again from 10:00 their time."},
		{time.Date(2026, 12, 4, 22, 0, 0, 0, ny), time.Date(2026, 12, 7, 10, 0, 0, 0, ny),
			"Not sent: it is 22:00 for Jane (order 1001). Send your REPLY again from Mon 10:00 their time."},
	} {
		if got := twiliohook.AnswerLaterText("Jane", "1001", tc.now.UTC(), tc.next.UTC(), ny); got != tc.want {
			t.Errorf("AnswerLaterText = %q, want %q", got, tc.want)
		}
	}
	if got := twiliohook.AnswerText("Mugs & Co", "Thanks!"); !strings.HasPrefix(got, "Mugs & Co: ") {
		t.Errorf("AnswerText = %q", got)
	}
}

func TestATooLongAnswerIsNotSent(t *testing.T) {
	srv := localTwilio(t)
	f := newFixture(t, withTwilioAPI(srv.URL()))
	f.sentTask(t, true)
	ctx := context.Background()
	if err := f.store.NoteAnswerable(ctx, staffPhone, "1001", task1001, now); err != nil {
		t.Fatal(err)
	}
	got := wantTwiML(t, f.post(t, f.sms(t, staffPhone, "REPLY 1001 "+strings.Repeat("a", inbound.MaxReply-10))))
	if !strings.HasPrefix(got, "Not sent: your answer is") || len(srv.Messages()) != 0 {
		t.Errorf("answered %q with %d messages sent", got, len(srv.Messages()))
	}
}

func TestAReplyDeliveredTwiceIsForwardedOnce(t *testing.T) {
	srv := localTwilio(t)
	f := newFixture(t, withTwilioAPI(srv.URL()))
	f.sentTask(t, true)
	if err := f.store.NoteLastTask(context.Background(), customer, task1001, now); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		wantTwiML(t, f.post(t, loadEvent(t, "customer-reply.json")))
	}
	if n, conv := len(srv.Messages()), f.task(t).Conversation; n != 1 || len(conv) != 1 {
		t.Errorf("%d forwards, conversation %+v; want one of each", n, conv)
	}
}
