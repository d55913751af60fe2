package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// cancellation is the order of a cancellation delivery: ids only.
func cancellation(t thankyou.Task) thankyou.Order {
	return thankyou.Order{Source: t.Order.Source, Shop: t.Order.Shop, ID: t.Order.ID}
}

func TestCancelPendingTaskLeavesTheDueIndex(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, pendingTask("1", t0))
	at := t0.Add(-time.Hour)

	got, err := e.store.CancelTask(ctx, cancellation(task), "refunded", at)
	if err != nil {
		t.Fatalf("CancelTask: %v", err)
	}
	if got.State != thankyou.StateCancelled || got.Reason != "refunded" || !got.ExpiresAt.Equal(at.Add(retention)) {
		t.Errorf("cancelled task: state %s, reason %q, expires %s; want cancelled, refunded, %s", got.State, got.Reason, got.ExpiresAt, at.Add(retention))
	}
	if stored := e.get(t, task.ID); !reflect.DeepEqual(stored, got) {
		t.Errorf("returned task differs from stored:\n%+v\n%+v", got, stored)
	}
	assertNotIndexed(t, e.raw(t, task.ID))
	if ids := e.due(t, t0.Add(24*time.Hour), 0); len(ids) != 0 {
		t.Errorf("due after cancel = %v, want none", ids)
	}
	if _, err := e.store.Claim(ctx, task.ID, "run", t0, time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("Claim of a cancelled task: %v, want ErrNotClaimable", err)
	}

	before := e.raw(t, task.ID)
	again, err := e.store.CancelTask(ctx, cancellation(task), "cancelled: fraud", at.Add(time.Minute))
	if err != nil || again.State != thankyou.StateCancelled || again.Reason != "refunded" {
		t.Errorf("second CancelTask = state %s, reason %q, %v; want cancelled, refunded, nil", again.State, again.Reason, err)
	}
	if after := e.raw(t, task.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("a second cancellation changed the item")
	}
}

func TestCancelBeforeCreateMakesTheCreateADuplicate(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := pendingTask("1", t0)
	o := task.Order // a cancellation that carries more than ids keeps none of it
	o.Tags = []string{"vip"}

	got, err := e.store.CancelTask(ctx, o, "", t0.Add(-72*time.Hour))
	if err != nil {
		t.Fatalf("CancelTask before create: %v", err)
	}
	if got.ID != task.ID || got.State != thankyou.StateCancelled || got.Reason == "" || got.Order.ID != "1" || got.Order.Number != "#1001" {
		t.Errorf("cancelled task = %+v; want id %s, cancelled with a reason, order 1 #1001", got, task.ID)
	}
	item := e.raw(t, task.ID)
	for _, p := range []string{testPhone, testName, testFirst, testEmail} {
		if itemContains(item, p) {
			t.Errorf("cancelled task holds personal data %q", p)
		}
	}
	assertNotIndexed(t, item)
	if !hasAttr(item, "expiresAt") {
		t.Errorf("cancelled task has no expiry")
	}

	created, err := e.store.CreateTask(ctx, task)
	if err != nil || created {
		t.Fatalf("CreateTask after cancel = %v, %v; want false, nil", created, err)
	}
	if got := e.get(t, task.ID); got.State != thankyou.StateCancelled || got.Order.Phone != "" {
		t.Errorf("after the late create: state %s, phone %q; want cancelled, none", got.State, got.Order.Phone)
	}
	if ids := e.due(t, t0.Add(24*time.Hour), 0); len(ids) != 0 {
		t.Errorf("due = %v, want none", ids)
	}
	next := pendingTask("2", t0)
	if h := e.history(t, next.Order); h.Tasks != 0 || !h.LastThanked.IsZero() {
		t.Errorf("history after a cancelled-then-created order = %+v, want zero", h)
	}
}

func TestCancelRacingCreateNeverLeavesATaskDue(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	for i := range 10 {
		task := pendingTask(fmt.Sprint(i), t0)
		var wg sync.WaitGroup
		for j := range 10 {
			wg.Go(func() {
				if j%2 == 0 {
					if _, err := e.store.CreateTask(context.Background(), task); err != nil {
						t.Errorf("CreateTask: %v", err)
					}
					return
				}
				if _, err := e.store.CancelTask(context.Background(), task.Order, "refunded", t0); err != nil {
					t.Errorf("CancelTask: %v", err)
				}
			})
		}
		wg.Wait()
		if got := e.get(t, task.ID); got.State != thankyou.StateCancelled {
			t.Errorf("task %s ended %s, want cancelled", task.ID, got.State)
		}
	}
	if ids := e.due(t, t0.Add(24*time.Hour), 0); len(ids) != 0 {
		t.Errorf("due = %v, want none", ids)
	}
}

func TestCancelAfterSendChangesNothing(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	tests := []struct {
		name  string
		setup func(t *testing.T, id string) thankyou.Task
	}{
		{"sent", func(t *testing.T, id string) thankyou.Task { return e.sentTask(t, id, "SM"+id) }},
		{"delivered", func(t *testing.T, id string) thankyou.Task {
			task := e.sentTask(t, id, "SM"+id)
			if _, err := e.store.ApplyStatus(ctx, task.ID, "SM"+id, thankyou.StateDelivered, 0, "", t0); err != nil {
				t.Fatal(err)
			}
			return task
		}},
		{"failed", func(t *testing.T, id string) thankyou.Task {
			task := e.create(t, pendingTask(id, t0))
			e.claim(t, task.ID, "run", t0)
			if err := e.store.Finish(ctx, task.ID, "run", thankyou.StateFailed, "number not reachable", 21211, "", t0); err != nil {
				t.Fatal(err)
			}
			return task
		}},
		{"skipped", func(t *testing.T, id string) thankyou.Task {
			return e.create(t, skipped(pendingTask(id, t0), "test order"))
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := tt.setup(t, fmt.Sprint(i))
			before := e.raw(t, task.ID)
			want := e.get(t, task.ID)
			got, err := e.store.CancelTask(ctx, cancellation(task), "refunded", t0.Add(time.Hour))
			if err != nil {
				t.Fatalf("CancelTask: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("CancelTask returned\n%+v\nwant the task unchanged\n%+v", got, want)
			}
			if after := e.raw(t, task.ID); !reflect.DeepEqual(after, before) {
				t.Errorf("CancelTask changed a %s task", tt.name)
			}
		})
	}
}

func TestCancelWhileSendingIsFlagged(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, pendingTask("1", t0))
	e.claim(t, task.ID, "run", t0)

	got, err := e.store.CancelTask(ctx, cancellation(task), "refunded", t0.Add(time.Second))
	if code := thankyou.ErrorCode(err); code != thankyou.ECONFLICT {
		t.Fatalf("CancelTask while sending: code %q (%v), want %q", code, err, thankyou.ECONFLICT)
	}
	if got.State != thankyou.StateSending || got.LeaseOwner != "run" {
		t.Errorf("returned task: state %s, owner %q; want sending, run", got.State, got.LeaseOwner)
	}
	item := e.raw(t, task.ID)
	if b, ok := item["cancelRequested"].(*types.AttributeValueMemberBOOL); !ok || !b.Value {
		t.Errorf("cancelRequested = %#v, want true", item["cancelRequested"])
	}
	if got, want := strAttr(item, "cancelReason"), "refunded"; got != want {
		t.Errorf("cancelReason = %q, want %q", got, want)
	}
	// The task stays open for its dispatcher, who ends it.
	if got, want := strAttr(item, "leaseOwner"), "run"; got != want {
		t.Errorf("leaseOwner = %q, want %q", got, want)
	}
	if err := e.store.Finish(ctx, task.ID, "run", thankyou.StateCancelled, "refunded", 0, "", t0.Add(2*time.Second)); err != nil {
		t.Fatalf("the dispatcher's Finish: %v", err)
	}
	if ids := e.due(t, t0.Add(time.Hour), 0); slices.Contains(ids, task.ID) {
		t.Errorf("cancelled task is still due")
	}
}

func TestCancelTaskNeedsAnOrderID(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	_, err := e.store.CancelTask(context.Background(), thankyou.Order{Source: thankyou.SourceShopify, Shop: testShop}, "refunded", t0)
	if code := thankyou.ErrorCode(err); code != thankyou.EINVALID {
		t.Errorf("CancelTask without an order id: code %q (%v), want %q", code, err, thankyou.EINVALID)
	}
}

// Two WooCommerce shops whose ids differ only by ':' and '_' have their
// own tasks: one's cancellation and one's erasure leave the other's alone.
func TestShopsWhoseIDsDifferBySeparatorsStayApart(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	mk := func(shop string) thankyou.Task {
		task := pendingTask("5001", t0)
		task.Order.Source, task.Order.Shop = thankyou.SourceWooCommerce, shop
		task.ID = task.Order.TaskID()
		return e.create(t, task)
	}
	port, underscore := mk("victim.example:8443"), mk("victim.example_8443")
	if port.ID == underscore.ID {
		t.Fatalf("both shops' order 5001 is task %s", port.ID)
	}
	if _, err := e.store.CancelTask(ctx, cancellation(underscore), "cancelled", t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, port.ID); got.State != thankyou.StatePending {
		t.Errorf("the other shop's task is %s, want pending", got.State)
	}
	if _, err := e.store.EraseShop(ctx, thankyou.SourceWooCommerce, "victim.example_8443", t0); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, port.ID); got.State != thankyou.StatePending || got.Recipient != testPhone {
		t.Errorf("after the other shop's erasure: %s to %q, want pending with its recipient", got.State, got.Recipient)
	}
}
