package dynamo_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// awaitingTask is pendingTask waiting for its fulfilment until waitEnd.
func awaitingTask(id string, waitEnd time.Time) thankyou.Task {
	t := pendingTask(id, waitEnd)
	t.State, t.DueAt, t.Deadline, t.Trigger = thankyou.StateAwaitingFulfilment, time.Time{}, waitEnd, thankyou.TriggerDelivery
	t.CreatedAt, t.UpdatedAt = t0, t0
	return t
}

func TestAwaitingTaskIsDueOnlyAtTheEndOfItsWait(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	waitEnd := t0.Add(30 * 24 * time.Hour)
	task := awaitingTask("500", waitEnd)
	if created, err := e.store.CreateTask(ctx, task); err != nil || !created {
		t.Fatalf("CreateTask = %v, %v", created, err)
	}
	got, err := e.store.GetTask(ctx, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != thankyou.StateAwaitingFulfilment || got.Trigger != thankyou.TriggerDelivery || !got.Deadline.Equal(waitEnd) {
		t.Fatalf("stored task = %s %s %v", got.State, got.Trigger, got.Deadline)
	}
	ids, err := e.store.DueTaskIDs(ctx, waitEnd.Add(-time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids, task.ID) {
		t.Fatalf("awaiting task due before the end of its wait: %v", ids)
	}
	if _, err := e.store.Claim(ctx, task.ID, "run", waitEnd.Add(-time.Minute), time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Fatalf("Claim before the end of the wait = %v, want ErrNotClaimable", err)
	}
	if ids, _ = e.store.DueTaskIDs(ctx, waitEnd, 0); !slices.Contains(ids, task.ID) {
		t.Fatalf("awaiting task not due at the end of its wait: %v", ids)
	}
	c, err := e.store.Claim(ctx, task.ID, "run", waitEnd, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Waited || c.Recovered || c.Task.State != thankyou.StateSending {
		t.Fatalf("claim = %+v, want Waited", c)
	}
}

func TestTriggerStartsTheDelayOnce(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := awaitingTask("501", t0.Add(30*24*time.Hour))
	if _, err := e.store.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	at, due := t0.Add(48*time.Hour), t0.Add(5*24*time.Hour)
	got, err := e.store.StartAwaiting(ctx, task.ID, at, due, due.Add(72*time.Hour), at)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != thankyou.StatePending || !got.DueAt.Equal(due) || !got.TriggeredAt.Equal(at) || !got.Deadline.Equal(due.Add(72*time.Hour)) {
		t.Fatalf("after the trigger: %s due %v triggered %v deadline %v", got.State, got.DueAt, got.TriggeredAt, got.Deadline)
	}
	if ids, _ := e.store.DueTaskIDs(ctx, due, 0); !slices.Contains(ids, task.ID) {
		t.Fatalf("started task not due at its due time: %v", ids)
	}
	// The same trigger again (a platform's retry, an update of the same
	// fulfilment) changes nothing.
	again, err := e.store.StartAwaiting(ctx, task.ID, at.Add(time.Hour), due.Add(time.Hour), due.Add(80*time.Hour), at.Add(time.Hour))
	if thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Fatalf("repeated trigger: err = %v, want ECONFLICT", err)
	}
	if !again.DueAt.Equal(due) || again.State != thankyou.StatePending {
		t.Fatalf("repeated trigger changed the task: %s due %v", again.State, again.DueAt)
	}
}

func TestCancellationWinsOverAnAwaitingTask(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := awaitingTask("502", t0.Add(30*24*time.Hour))
	if _, err := e.store.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.CancelTask(ctx, task.Order, "refunded", t0.Add(time.Hour))
	if err != nil || got.State != thankyou.StateCancelled {
		t.Fatalf("CancelTask = %s, %v", got.State, err)
	}
	if ids, _ := e.store.DueTaskIDs(ctx, t0.Add(60*24*time.Hour), 0); slices.Contains(ids, task.ID) {
		t.Fatal("a cancelled task is still in the due index")
	}
	if _, err := e.store.StartAwaiting(ctx, task.ID, t0.Add(2*time.Hour), t0.Add(72*time.Hour), t0.Add(144*time.Hour), t0.Add(2*time.Hour)); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Fatalf("trigger after the cancellation: %v, want ECONFLICT", err)
	}
}
