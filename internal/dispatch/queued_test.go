package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// A message Twilio accepted but still holds in its queue (a Messaging
// Service backlog: no date_sent yet) is found by the check before a
// resend, by what is set at acceptance, and is not sent again.
func TestQueuedMessageOfAnInterruptedSendIsFoundNotRepeated(t *testing.T) {
	f := newFixture(t)
	tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken, Now: f.clock.Now, Queue: 3 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tw.Close() })
	if f.sender, err = twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", BaseURL: tw.URL(), Timeout: time.Second}); err != nil {
		t.Fatal(err)
	}
	f.twilio = tw
	f.addTask(t, "t1")
	ctx := context.Background()
	if _, err := f.store.Claim(ctx, "t1", "run-that-died", f.clock.Now(), f.lease); err != nil {
		t.Fatal(err)
	}
	r, err := message.NewRenderer("", "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.Render(thankyou.ChannelSMS, message.DataFor(f.task(t, "t1"), "Demo Shop"))
	if err != nil {
		t.Fatal(err)
	}
	sid, err := f.sender.SendSMS(ctx, customer, body, "http://127.0.0.1:3000/twilio/status?task=t1")
	if err != nil {
		t.Fatal(err)
	}
	// The lease expires while the message still waits in Twilio's queue.
	f.clock.Advance(f.lease + time.Second)
	s := run(t, f.handler(t))
	if s.Recovered != 1 || s.Sent != 0 {
		t.Errorf("run = %+v, want 1 recovered and 0 sent", s)
	}
	if n := len(tw.Messages()); n != 1 {
		t.Errorf("Twilio holds %d messages, want 1 (no resend)", n)
	}
	if got := f.task(t, "t1"); got.State != thankyou.StateSent || got.MessageSID != sid {
		t.Errorf("task = %s sid %q, want sent with %q", got.State, got.MessageSID, sid)
	}
}
