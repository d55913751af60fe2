package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// defaultCancelReason is the reason recorded when a cancellation gives none.
const defaultCancelReason = "order cancelled"

// CancelTask cancels the thank-you of an order (cancelled, refunded, ...):
// the task o.TaskID(); o needs Source, Shop and ID only. reason says why
// ("refunded"); it is stored on the task.
//
//   - A pending task, or one awaiting its fulfilment, ends cancelled with
//     reason, leaves the due index and gets its expiry.
//   - A task that does not exist yet (the cancellation overtook the
//     creation) is written as a cancelled task with the order's ids and no
//     personal data, so the later creation is a duplicate and never thanked.
//   - A task in sending (a dispatcher holds it right now) gets
//     cancelRequested (and cancelReason) and the error is ECONFLICT: the
//     message may already be on its way. The dispatcher checks the flag
//     before it sends, and ends such a task cancelled instead.
//   - Any other task (sent, delivered, failed, skipped, already cancelled,
//     ...) is returned unchanged with no error: the caller tells which.
//
// It returns the task as it is afterwards. Every write is conditional on
// the state that was read; a lost race is re-read and decided again.
func (s *Store) CancelTask(ctx context.Context, o thankyou.Order, reason string, now time.Time) (thankyou.Task, error) {
	if o.ID == "" {
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "cancel task: the order has no id")
	}
	if reason == "" {
		reason = defaultCancelReason
	}
	id := o.TaskID()
	for range maxStatusRounds {
		t, _, err := s.getTask(ctx, id)
		if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
			t, err := s.putCancelled(ctx, o, reason, now)
			if isConditionFailed(err) {
				continue // created meanwhile: decide again
			}
			if err != nil {
				return thankyou.Task{}, fmt.Errorf("cancel task %s: %w", id, err)
			}
			return t, nil
		}
		if err != nil {
			return thankyou.Task{}, fmt.Errorf("cancel task %s: %w", id, err)
		}
		u := newUpdate()
		switch {
		case slices.Contains(thankyou.MoveCancel.From(), t.State):
			// A reminded staff call ends too: it leaves the staff member's
			// open calls (endTask removes its index keys).
			s.endTask(u, thankyou.StateCancelled, now)
			u.set("reason", str(reason))
			u.history(now, "cancelled", "state="+string(t.State))
		case t.State == thankyou.StateSending:
			u.set("cancelRequested", &types.AttributeValueMemberBOOL{Value: true})
			u.set("cancelReason", str(reason))
			u.set("updatedAt", str(formatTime(now)))
			u.history(now, "cancel requested", "state=sending")
		default:
			return t, nil
		}
		cond := fmt.Sprintf("%s = %s", u.name("state"), u.value("condState", str(string(t.State))))
		av, err := s.apply(ctx, id, u, cond)
		if isConditionFailed(err) {
			continue // changed since read: decide again
		}
		if err != nil {
			return thankyou.Task{}, fmt.Errorf("cancel task %s: %w", id, err)
		}
		if t, _, err = decodeTask(av); err != nil {
			return thankyou.Task{}, fmt.Errorf("cancel task %s: %w", id, err)
		}
		if t.State == thankyou.StateSending {
			return t, fmt.Errorf("cancel task %s: %w", id, thankyou.Errorf(thankyou.ECONFLICT,
				"the thank-you is being sent right now and may already be on its way; it is marked to be cancelled if not"))
		}
		return t, nil
	}
	return thankyou.Task{}, fmt.Errorf("cancel task %s: %w", id,
		thankyou.Errorf(thankyou.ECONFLICT, "task kept changing"))
}

// putCancelled writes the cancelled task of an order that has no task yet,
// unless one appeared meanwhile (then the error is a failed condition). It
// carries the order's ids and number, never personal data.
func (s *Store) putCancelled(ctx context.Context, o thankyou.Order, reason string, now time.Time) (thankyou.Task, error) {
	t := thankyou.Task{
		ID: o.TaskID(),
		Order: thankyou.Order{
			Source: o.Source,
			Shop:   o.Shop,
			ID:     o.ID,
			Number: o.Number,
		},
		State:     thankyou.StateCancelled,
		Reason:    reason,
		CreatedAt: now,
		UpdatedAt: now,
	}
	it := newTaskItem(t)
	it.ExpiresAt = s.expiresAt(now)
	it.History = []historyEntry{{At: formatTime(now), Event: "cancelled", Detail: "before creation"}}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return thankyou.Task{}, err
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return thankyou.Task{}, err
	}
	t, _, err = decodeTask(av)
	return t, err
}
