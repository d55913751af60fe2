package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// StartAwaiting starts the delay of a task that was waiting for its
// order's fulfilment or delivery: the event happened at `at`, and the
// task becomes pending, due at due (already inside its polite hours) until
// deadline, in the due index at due. It is one conditional update on the
// task still being awaiting_fulfilment: a repeated or late trigger, or one
// after a cancellation, changes nothing and returns the task as it is with
// an error of code ECONFLICT.
func (s *Store) StartAwaiting(ctx context.Context, id string, at, due, deadline, now time.Time) (thankyou.Task, error) {
	if due.IsZero() || deadline.IsZero() {
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "start task %s: zero due time or deadline", id)
	}
	u := newUpdate()
	s.setPending(u, id, due)
	u.set("deadline", str(formatTime(deadline)))
	u.setString("triggeredAt", formatTime(at))
	u.set("updatedAt", str(formatTime(now)))
	u.history(now, "triggered", "at="+formatTime(at)+" due="+formatTime(due))
	cond := fmt.Sprintf("%s = %s", u.name("state"), u.value("condState", str(string(thankyou.StateAwaitingFulfilment))))
	av, err := s.apply(ctx, id, u, cond)
	if isConditionFailed(err) {
		t, gerr := s.GetTask(ctx, id)
		if gerr != nil {
			return thankyou.Task{}, fmt.Errorf("start task %s: %w", id, gerr)
		}
		return t, fmt.Errorf("start task %s: %w", id, thankyou.Errorf(thankyou.ECONFLICT, "the task is %s, not awaiting its fulfilment", t.State))
	}
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("start task %s: %w", id, err)
	}
	t, _, err := decodeTask(av)
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("start task %s: %w", id, err)
	}
	return t, nil
}
