package dynamo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestDeferralIsNotAFailedAttempt(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := pendingTask("defer-1", t0)
	if _, err := e.store.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	due := t0
	for i := range 10 {
		if _, err := e.store.Claim(ctx, task.ID, "run", due, time.Minute); err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
		due = due.Add(time.Hour)
		if err := e.store.Defer(ctx, task.ID, "run", due, "outside the recipient's hours", due.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := e.store.GetTask(ctx, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != thankyou.StatePending || got.Attempts != 0 || !got.DueAt.Equal(due) || got.Reason != "outside the recipient's hours" {
		t.Fatalf("after 10 deferrals: %s, %d attempts, due %v, %q; want pending, 0 attempts, due %v", got.State, got.Attempts, got.DueAt, got.Reason, due)
	}
	if err := e.store.Defer(ctx, task.ID, "another-run", due, "x", due); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Fatalf("defer without the lease: %v, want ErrNotClaimable", err)
	}
}
