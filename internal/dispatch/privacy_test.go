package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Nothing is sent for a customer or a shop from the moment their erasure
// is recorded, even before it is carried out; the next run with time for
// it carries it out.
func TestNothingIsSentWhileAnErasureIsPending(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	jane := f.addTask(t, "jane")
	bob := f.addTask(t, "bob", func(task *thankyou.Task) {
		task.Order.Phone, task.Recipient, task.Order.FirstName = "+12125550142", "+12125550142", "Bob"
	})
	closing := f.addTask(t, "closing", func(task *thankyou.Task) {
		task.Order.Shop, task.Order.Phone, task.Recipient = "closing.myshopify.com", "+12125550143", "+12125550143"
		task.ID = task.Order.TaskID() // the shop's erasure finds its tasks by their ids
	})
	if err := f.store.RequestErasure(ctx, thankyou.Erasure{Source: jane.Order.Source, Shop: jane.Order.Shop, Kind: thankyou.DeliveryCustomerRedact, Customer: thankyou.Customer{Phones: []string{jane.Order.Phone}}}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RequestErasure(ctx, thankyou.Erasure{Source: closing.Order.Source, Shop: closing.Order.Shop, Kind: thankyou.DeliveryShopRedact}, f.clock.Now()); err != nil {
		t.Fatal(err)
	}

	h := f.handler(t)
	h.Privacy = f.store
	h.PrivacyBudget = time.Nanosecond // no time to carry the requests out in this run
	run(t, h)
	msgs := f.twilio.Messages()
	if len(msgs) != 1 || msgs[0].To != bob.Recipient {
		t.Fatalf("Twilio got %d messages (%+v), want only Bob's", len(msgs), msgs)
	}
	for _, id := range []string{jane.ID, closing.ID} {
		if got := f.task(t, id); got.State != thankyou.StateCancelled || got.Reason != "privacy request pending" {
			t.Errorf("%s: %s (%q), want cancelled for the pending privacy request", id, got.State, got.Reason)
		}
	}
	if pending, err := f.store.PrivacyRequests(ctx, true); err != nil || len(pending) != 2 {
		t.Fatalf("pending requests: %d, %v; want both still pending", len(pending), err)
	}

	h.PrivacyBudget = 0 // the default
	f.clock.Advance(5 * time.Minute)
	run(t, h)
	if pending, err := f.store.PrivacyRequests(ctx, true); err != nil || len(pending) != 0 {
		t.Errorf("pending requests after a run with time for them: %d, %v", len(pending), err)
	}
	if got := f.task(t, jane.ID); got.Order.Phone != "" {
		t.Errorf("Jane's task still holds her phone after the run")
	}
	if _, err := f.store.GetTask(ctx, closing.ID); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("the closed shop's task: %v, want erased", err)
	}
}
