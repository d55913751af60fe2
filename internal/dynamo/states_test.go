package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// taskIn creates a due pending task for order id and puts it in state st
// with one raw write (its lease and deadline already past at t0), so that
// every state can be tried as the source of every move.
func (e env) taskIn(t *testing.T, id string, st thankyou.State) thankyou.Task {
	t.Helper()
	task := e.create(t, pendingTask(id, t0))
	past := &types.AttributeValueMemberS{Value: t0.Add(-time.Minute).UTC().Format(time.RFC3339Nano)}
	_, err := e.client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "TASK#" + task.ID}, "sk": &types.AttributeValueMemberS{Value: "TASK"},
		},
		UpdateExpression:          aws.String("SET #state = :st, #lease = :past, #deadline = :past, #claimed = :past"),
		ExpressionAttributeNames:  map[string]string{"#state": "state", "#lease": "leaseExpiresAt", "#deadline": "deadline", "#claimed": "claimedAt"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":st": &types.AttributeValueMemberS{Value: string(st)}, ":past": past},
	})
	if err != nil {
		t.Fatalf("put task %s in %s: %v", id, st, err)
	}
	if got := e.get(t, task.ID).State; got != st {
		t.Fatalf("task %s is %s, want %s", id, got, st)
	}
	return task
}

// TestStoreFollowsStateTable walks every state as the source of the
// store's claim, retry and cancel, and checks that the store allows
// exactly the moves the table in thankyou allows, and that every move the
// table lets the dispatcher finish with is accepted.
func TestStoreFollowsStateTable(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	now := t0.Add(time.Hour)
	for _, from := range thankyou.States() {
		t.Run(string(from), func(t *testing.T) {
			t.Run("claim", func(t *testing.T) {
				task := e.taskIn(t, "claim-"+string(from), from)
				_, err := e.store.Claim(ctx, task.ID, "run", now, time.Minute)
				want := from.Can(thankyou.MoveClaim, thankyou.StateSending)
				if (err == nil) != want {
					t.Fatalf("Claim from %s: %v; the table allows it: %v", from, err, want)
				}
				if got := e.get(t, task.ID).State; want && got != thankyou.StateSending || !want && got != from {
					t.Errorf("after claim from %s: %s", from, got)
				}
			})
			t.Run("retry", func(t *testing.T) {
				task := e.taskIn(t, "retry-"+string(from), from)
				want := from.Can(thankyou.MoveRetry, thankyou.StatePending)
				_, err := e.store.RetryTask(ctx, task.ID, from, now.Add(time.Hour), now.Add(72*time.Hour), now)
				if (err == nil) != want {
					t.Fatalf("RetryTask from %s: %v; the table allows it: %v", from, err, want)
				}
				if got := e.get(t, task.ID).State; want && got != thankyou.StatePending || !want && got != from {
					t.Errorf("after retry from %s: %s", from, got)
				}
				// The store's own condition refuses a retry that names
				// another (retryable) state than the task's.
				for _, other := range thankyou.MoveRetry.From() {
					if other == from || want {
						continue
					}
					if _, err := e.store.RetryTask(ctx, task.ID, other, now.Add(time.Hour), now.Add(72*time.Hour), now); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
						t.Errorf("RetryTask of a %s task as %s: %v, want ECONFLICT", from, other, err)
					}
				}
			})
			t.Run("cancel", func(t *testing.T) {
				task := e.taskIn(t, "cancel-"+string(from), from)
				got, err := e.store.CancelTask(ctx, task.Order, "refunded", now)
				switch {
				case from.Can(thankyou.MoveCancel, thankyou.StateCancelled):
					if err != nil || got.State != thankyou.StateCancelled {
						t.Errorf("CancelTask from %s = %s, %v; want cancelled", from, got.State, err)
					}
				case from == thankyou.StateSending:
					// Under a lease: marked, and the dispatcher finishes it
					// cancelled (sending -> cancelled by finish).
					if thankyou.ErrorCode(err) != thankyou.ECONFLICT || got.State != thankyou.StateSending || !from.Can(thankyou.MoveFinish, thankyou.StateCancelled) {
						t.Errorf("CancelTask while sending = %s, %v; want still sending, ECONFLICT", got.State, err)
					}
				default:
					if err != nil || got.State != from {
						t.Errorf("CancelTask from %s = %s, %v; want unchanged", from, got.State, err)
					}
				}
			})
		})
	}
	for _, to := range thankyou.States() {
		if !thankyou.StateSending.Can(thankyou.MoveFinish, to) {
			continue
		}
		t.Run("finish "+string(to), func(t *testing.T) {
			task := e.taskIn(t, "finish-"+string(to), thankyou.StatePending)
			if _, err := e.store.Claim(ctx, task.ID, "run", now, time.Minute); err != nil {
				t.Fatal(err)
			}
			sid := ""
			if to == thankyou.StateSent {
				sid = "SM" + fmt.Sprint(len(to))
			}
			if err := e.store.Finish(ctx, task.ID, "run", to, "why", 0, sid, now); err != nil {
				t.Fatalf("Finish %s: %v", to, err)
			}
			if got := e.get(t, task.ID).State; got != to {
				t.Errorf("finished %s, is %s", to, got)
			}
		})
	}
}
