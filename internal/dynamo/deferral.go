package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Defer puts a claimed task back to pending until due, as Reschedule does,
// because it may not be sent now (outside the recipient's hours, a cap,
// nobody on duty); a staff call keeps its progress (assignee, reminders).
// It is not a failed attempt: the claim's attempt
// is given back, so that a task deferred many times never "gives up after
// N attempts". reason says why. owner must still hold the lease, else the
// error matches thankyou.ErrNotClaimable.
func (s *Store) Defer(ctx context.Context, id, owner string, due time.Time, reason string, now time.Time) error {
	if due.IsZero() {
		return thankyou.Errorf(thankyou.EINVALID, "defer task %s: zero due time", id)
	}
	u := newUpdate()
	s.setPending(u, id, due)
	u.setString("reason", reason)
	u.remove("errorCode")
	u.setExpr("attempts", fmt.Sprintf("if_not_exists(%s, %s) - %s", u.name("attempts"), u.value("one", num(1)), u.value("one", num(1))))
	u.set("updatedAt", str(formatTime(now)))
	u.remove("leaseOwner", "leaseExpiresAt", "prevClaimedAt")
	u.history(now, "deferred", "due="+formatTime(due))
	return s.leaseGuarded(ctx, "defer", id, owner, u)
}
