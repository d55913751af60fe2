package orderhook_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// triggerStep is one delivery of a trigger scenario and what it leaves.
type triggerStep struct {
	fixture string
	answer  string // the answer's status
	state   thankyou.State
	due     time.Time // the task's due time afterwards (zero: none yet)
}

// TestFulfilmentAndDeliveryStartTheDelay plays each source's fixtures
// through the order webhook on dynalite for shops whose delay counts from
// the fulfilment or the delivery: the order's task waits outside the due
// index, its trigger makes it pending at the trigger's time plus the
// delay inside polite hours, a repeated or other trigger changes nothing,
// and a cancellation still wins.
func TestFulfilmentAndDeliveryStartTheDelay(t *testing.T) {
	// 72 h after each trigger, moved into New York's 10:00-17:00 Mon-Fri.
	friday1405 := time.Date(2026, 11, 27, 19, 5, 0, 0, time.UTC) // fulfilled Tue 24th 14:05
	monday1000 := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC) // 72 h later is a weekend
	// The generic source's deliveries arrive minutes after the order in
	// the recorded story (their timestamps are checked against the
	// clock), before the times their bodies give, so their delay counts
	// from their arrival: 72 h later is Thanksgiving, Thursday 26th, when
	// nobody is contacted.
	friday1000 := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, trigger, task string
		steps               []triggerStep
	}{
		{"shopify fulfilment", "fulfilment", order1001, []triggerStep{
			{"shopify-orders-create.json", "created", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"shopify-fulfillments-create.json", "started", thankyou.StatePending, friday1405},
			{"shopify-fulfillments-update-delivered.json", "already_pending", thankyou.StatePending, friday1405},
		}},
		{"shopify delivery", "delivery", order1001, []triggerStep{
			{"shopify-orders-create.json", "created", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"shopify-fulfillments-create.json", "ignored", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"shopify-fulfillments-update-delivered.json", "started", thankyou.StatePending, monday1000},
		}},
		{"woocommerce completed", "fulfilment", wooTask, []triggerStep{
			{"woocommerce-order-created.json", "created", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"woocommerce-duplicate.json", "duplicate", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"woocommerce-order-completed.json", "started", thankyou.StatePending, monday1000},
		}},
		{"woocommerce completed at once", "fulfilment", wooTask, []triggerStep{
			{"woocommerce-order-completed.json", "created", thankyou.StatePending, monday1000},
			{"woocommerce-order-created.json", "duplicate", thankyou.StatePending, monday1000},
		}},
		{"generic delivered starts a fulfilment trigger", "fulfilment", genericTask, []triggerStep{
			{"generic-order-created.json", "created", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"generic-order-delivered.json", "started", thankyou.StatePending, friday1000},
			{"generic-order-fulfilled.json", "already_pending", thankyou.StatePending, friday1000},
		}},
		{"generic fulfilled does not start a delivery trigger", "delivery", genericTask, []triggerStep{
			{"generic-order-created.json", "created", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"generic-order-fulfilled.json", "ignored", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"generic-order-delivered.json", "started", thankyou.StatePending, friday1000},
		}},
		{"a cancellation wins", "delivery", order1001, []triggerStep{
			{"shopify-orders-create.json", "created", thankyou.StateAwaitingFulfilment, time.Time{}},
			{"shopify-orders-cancelled.json", "cancelled", thankyou.StateCancelled, time.Time{}},
			{"shopify-fulfillments-update-delivered.json", "already_cancelled", thankyou.StateCancelled, time.Time{}},
		}},
		{"the order trigger ignores fulfilments", "order", order1001, []triggerStep{
			{"shopify-orders-create.json", "created", thankyou.StatePending, friday1000},
			{"shopify-fulfillments-create.json", "already_pending", thankyou.StatePending, friday1000},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, map[string]string{"TRIGGER": tc.trigger})
			ctx := context.Background()
			for _, s := range tc.steps {
				status, body := f.postAt(t, loadEvent(t, s.fixture))
				if status >= 300 || body["status"] != s.answer {
					t.Fatalf("%s: %d %v, want %q", s.fixture, status, body, s.answer)
				}
				task, err := f.store.GetTask(ctx, tc.task)
				if err != nil {
					t.Fatal(err)
				}
				if task.State != s.state || !task.DueAt.Equal(s.due) {
					t.Fatalf("%s: task %s due %v, want %s due %v", s.fixture, task.State, task.DueAt, s.state, s.due)
				}
				if s.state == thankyou.StateAwaitingFulfilment {
					// Not due before the end of its wait (the order's time,
					// or its arrival when that is earlier, plus the default
					// 720 h), whatever the clock says.
					placed := task.Order.CreatedAt
					if task.CreatedAt.Before(placed) {
						placed = task.CreatedAt
					}
					if want := placed.Add(thankyou.DefaultMaxWait); !task.Deadline.Equal(want) {
						t.Errorf("%s: waits until %v, want %v", s.fixture, task.Deadline, want)
					}
					due, err := f.store.DueTaskIDs(ctx, task.Deadline.Add(-time.Second), 0)
					if err != nil {
						t.Fatal(err)
					}
					if slices.Contains(due, tc.task) {
						t.Errorf("%s: a task awaiting its %s is due before the end of its wait", s.fixture, tc.trigger)
					}
				}
				if s.state == thankyou.StatePending && !task.Deadline.Equal(s.due.Add(72*time.Hour)) {
					t.Errorf("%s: deadline %v, want the due time plus EXPIRE_AFTER", s.fixture, task.Deadline)
				}
			}
		})
	}
}

func TestAnOrderOlderThanTheWaitIsNotThanked(t *testing.T) {
	f := newFixture(t, map[string]string{"TRIGGER": "delivery", "FULFILMENT_MAX_WAIT": "24h"})
	ev := loadEvent(t, "shopify-orders-create.json")
	f.h.Now = func() time.Time { return received.Add(25 * time.Hour) }
	status, body := f.post(t, ev)
	if status != 201 || body["state"] != string(thankyou.StateSkipped) {
		t.Fatalf("%d %v, want a skipped task", status, body)
	}
}
