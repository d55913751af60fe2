package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxParallelQueries bounds the requests the store's longer jobs run at
// once: the operators' scans of the due index's shards (dueKeys), the
// deletions of an erasure (deleteAll). DueTaskIDs, on every dispatcher run,
// queries all the shards at once.
const maxParallelQueries = 8

// CreateTask writes a new task. It returns created=false and no error when
// the task already exists (a repeated webhook, or a cancellation that
// arrived first and left a cancelled task) and then changes nothing.
// A pending task is put in the due index at its DueAt, a task awaiting
// its fulfilment at its Deadline (the end of its wait); a skipped task is
// not, and gets its expiry (CreatedAt + retention) at once.
//
// Once the task is written, the customer's record (see CustomerKey) gets
// its id, and for a pending task its creation time as the last thank-you,
// with one more request. If only that second write fails, CreateTask
// returns created=true with the error: the task exists and a retry is a
// duplicate, but the customer's history misses it.
func (s *Store) CreateTask(ctx context.Context, t thankyou.Task) (created bool, err error) {
	if t.ID == "" {
		return false, thankyou.Errorf(thankyou.EINVALID, "create task: empty task id")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	if t.UpdatedAt.IsZero() {
		t.UpdatedAt = t.CreatedAt
	}
	it := newTaskItem(t)
	switch t.State {
	case thankyou.StatePending:
		if t.DueAt.IsZero() {
			return false, thankyou.Errorf(thankyou.EINVALID, "create task %s: pending task without due time", t.ID)
		}
		it.DuePK = s.duePK(t.ID)
		it.DueSK = dueSK(t.DueAt, t.ID)
	case thankyou.StateAwaitingFulfilment:
		// It waits outside the dispatcher's reach until its trigger
		// arrives, except at the end of its wait (Deadline), when the
		// dispatcher claims it only to expire it.
		if t.Deadline.IsZero() {
			return false, thankyou.Errorf(thankyou.EINVALID, "create task %s: awaiting task without the end of its wait", t.ID)
		}
		it.DuePK = s.duePK(t.ID)
		it.DueSK = dueSK(t.Deadline, t.ID)
	case thankyou.StateSkipped, thankyou.StateExpired, thankyou.StateHeldOut:
		// Expired at once: its number's zones share no polite time. Held
		// out: never contacted, so never in the due index.
		it.ExpiresAt = s.expiresAt(t.CreatedAt)
	default:
		return false, thankyou.Errorf(thankyou.EINVALID, "create task %s: a new task is pending, awaiting_fulfilment, skipped, expired or held out, not %q", t.ID, t.State)
	}
	it.History = []historyEntry{{At: formatTime(t.CreatedAt), Event: "created", Detail: "state=" + string(t.State)}}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return false, fmt.Errorf("create task %s: %w", t.ID, err)
	}
	_, err = s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                av,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create task %s: %w", t.ID, err)
	}
	if err := s.recordCustomerTask(ctx, t); err != nil {
		return true, fmt.Errorf("create task %s: %w", t.ID, err)
	}
	return true, nil
}

// TaskExists tells whether a task is stored under id, with one strongly
// consistent read of its key alone.
func (s *Store) TaskExists(ctx context.Context, id string) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(s.table),
		Key:                  taskKey(id),
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String("pk"),
	})
	if err != nil {
		return false, fmt.Errorf("task exists %s: %w", id, err)
	}
	return out.Item != nil, nil
}

// GetTask reads a task (strongly consistent). A missing task is a
// *thankyou.Error with code ENOTFOUND.
func (s *Store) GetTask(ctx context.Context, id string) (thankyou.Task, error) {
	t, _, err := s.getTask(ctx, id)
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("get task %s: %w", id, err)
	}
	return t, nil
}

func (s *Store) getTask(ctx context.Context, id string) (thankyou.Task, taskItem, error) {
	var item map[string]types.AttributeValue
	if found, err := s.getItem(ctx, taskKey(id), &item); err != nil {
		return thankyou.Task{}, taskItem{}, err
	} else if !found {
		return thankyou.Task{}, taskItem{}, thankyou.Errorf(thankyou.ENOTFOUND, "task not found")
	}
	return decodeTask(item)
}

// DueTaskIDs returns the ids of open tasks due at or before now: pending
// tasks whose due time has come, reminded staff calls due for a follow-up,
// claimed tasks whose lease has expired and tasks still awaiting their
// fulfilment at the end of their wait.
// It queries every shard of the due index at once (the Lambdas' client
// bounds the connections they take: app.MaxDynamoDBConns) and returns the
// oldest first, at most limit ids (0 means no limit). The index is
// eventually consistent, so a claim must still check each task.
func (s *Store) DueTaskIDs(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if limit < 0 {
		return nil, thankyou.Errorf(thankyou.EINVALID, "due tasks: negative limit %d", limit)
	}
	// Sort keys are "<time>#<id>" with fixed-width times, so every key due
	// at or before now (second precision) sorts below the next second.
	bound := formatTime(now.UTC().Truncate(time.Second).Add(time.Second))

	type due struct{ sk, id string }
	results := make([][]due, s.shards)
	errs := make([]error, s.shards)
	var wg sync.WaitGroup
	for shard := range s.shards {
		wg.Go(func() {
			in := &dynamodb.QueryInput{
				TableName:              aws.String(s.table),
				IndexName:              aws.String(DueIndex),
				KeyConditionExpression: aws.String("duePk = :pk AND dueSk < :bound"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk":    str("DUE#" + strconv.Itoa(shard)),
					":bound": str(bound),
				},
				ScanIndexForward: aws.Bool(true),
			}
			if limit > 0 {
				in.Limit = aws.Int32(int32(min(limit, 1000)))
			}
			p := dynamodb.NewQueryPaginator(s.client, in)
			for p.HasMorePages() && (limit == 0 || len(results[shard]) < limit) {
				page, err := p.NextPage(ctx)
				if err != nil {
					errs[shard] = fmt.Errorf("shard %d: %w", shard, err)
					return
				}
				for _, item := range page.Items {
					sk, ok := item["dueSk"].(*types.AttributeValueMemberS)
					if !ok {
						continue
					}
					_, id, ok := strings.Cut(sk.Value, "#")
					if !ok {
						continue
					}
					results[shard] = append(results[shard], due{sk.Value, id})
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("due tasks: %w", err)
		}
	}
	var all []due
	for _, r := range results {
		all = append(all, r...)
	}
	slices.SortFunc(all, func(a, b due) int { return strings.Compare(a.sk, b.sk) })
	if limit > 0 && len(all) > limit {
		all = all[:limit]
	}
	ids := make([]string, len(all))
	for i, d := range all {
		ids[i] = d.id
	}
	return ids, nil
}

// Claim takes a lease on a due task for owner until now+lease, with one
// conditional update per try. It tries, in this order: a pending task that
// is due; a reminded staff call that is due again (DueAt at or before now:
// a follow-up, one more reminder or an escalation); a task in sending under
// a lease that has expired (a dispatcher died: the claim is then Recovered
// and PreviousClaimAt says when the dead run claimed it). A reminded call's
// claim is not Recovered, and it keeps the call in the calls index (and its
// MessageSID, the last reminder's), so the staff member's reply still finds
// it while the dispatcher holds it. Last, a task still awaiting its
// fulfilment at the end of its wait (Deadline at or before now) is claimed
// with Waited set: the dispatcher expires it.
// The claim moves the task to sending, counts an attempt and moves its
// due-index entry to the lease expiry, so an abandoned claim is swept again.
// When none holds the error matches thankyou.ErrNotClaimable.
func (s *Store) Claim(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (thankyou.Claim, error) {
	if id == "" || owner == "" || lease <= 0 {
		return thankyou.Claim{}, thankyou.Errorf(thankyou.EINVALID, "claim task %s: id, owner and a positive lease are required", id)
	}
	leaseExpires := now.Add(lease)
	// claim tries to take the task from state from: pending or reminded
	// when due, sending when its lease expired (a recovery).
	claim := func(from thankyou.State) (map[string]types.AttributeValue, error) {
		recovery := from == thankyou.StateSending
		u := newUpdate()
		u.set("state", str(string(thankyou.StateSending)))
		u.set("leaseOwner", str(owner))
		u.set("leaseExpiresAt", str(formatTime(leaseExpires)))
		if recovery {
			u.setExpr("prevClaimedAt", fmt.Sprintf("if_not_exists(%s, %s)", u.name("prevClaimedAt"), u.name("claimedAt")))
		}
		u.set("claimedAt", str(formatTime(now)))
		u.setExpr("attempts", fmt.Sprintf("if_not_exists(%s, %s) + %s",
			u.name("attempts"), u.value("zero", num(0)), u.value("one", num(1))))
		u.set("duePk", str(s.duePK(id)))
		u.set("dueSk", str(dueSK(leaseExpires, id)))
		u.set("updatedAt", str(formatTime(now)))
		event, detail := "claimed", "owner="+owner
		switch from {
		case thankyou.StateSending:
			event = "recovered"
		case thankyou.StateReminded:
			detail += " from=reminded"
		case thankyou.StateAwaitingFulfilment:
			detail += " from=awaiting_fulfilment"
		}
		u.history(now, event, detail)
		nowV := u.value("now", str(formatTime(now)))
		timeAttr := "dueAt"
		switch from {
		case thankyou.StateSending:
			timeAttr = "leaseExpiresAt"
		case thankyou.StateAwaitingFulfilment:
			timeAttr = "deadline"
		}
		cond := fmt.Sprintf("%s = %s AND %s <= %s", u.name("state"), u.value("condState", str(string(from))),
			u.name(timeAttr), nowV)
		return s.apply(ctx, id, u, cond)
	}
	var (
		av  map[string]types.AttributeValue
		err error

		recovered, waited bool
	)
	for _, from := range thankyou.MoveClaim.From() {
		av, err = claim(from)
		if !isConditionFailed(err) {
			recovered = from == thankyou.StateSending
			waited = from == thankyou.StateAwaitingFulfilment
			break
		}
	}
	if isConditionFailed(err) {
		return thankyou.Claim{}, fmt.Errorf("claim task %s: %w", id, thankyou.ErrNotClaimable)
	}
	if err != nil {
		return thankyou.Claim{}, fmt.Errorf("claim task %s: %w", id, err)
	}
	t, it, err := decodeTask(av)
	if err != nil {
		return thankyou.Claim{}, fmt.Errorf("claim task %s: %w", id, err)
	}
	c := thankyou.Claim{Task: t, Recovered: recovered, Waited: waited}
	if recovered {
		if c.PreviousClaimAt, err = parseTime(it.PrevClaimedAt); err != nil {
			return thankyou.Claim{}, fmt.Errorf("claim task %s: prevClaimedAt: %w", id, err)
		}
	}
	return c, nil
}

// ownLease returns the condition that owner still holds the lease of a
// task in sending.
func ownLease(u *update, owner string) string {
	return fmt.Sprintf("%s = %s AND %s = %s",
		u.name("state"), u.value("condSending", str(string(thankyou.StateSending))),
		u.name("leaseOwner"), u.value("condOwner", str(owner)))
}

// leaseGuarded runs an update that requires owner's lease; a lost lease is
// thankyou.ErrNotClaimable.
func (s *Store) leaseGuarded(ctx context.Context, op, id, owner string, u *update) error {
	_, err := s.apply(ctx, id, u, ownLease(u, owner))
	if isConditionFailed(err) {
		return fmt.Errorf("%s task %s: %w", op, id, thankyou.ErrNotClaimable)
	}
	if err != nil {
		return fmt.Errorf("%s task %s: %w", op, id, err)
	}
	return nil
}

// endTask adds to u what every move out of the open states does: the new
// state, the end of the lease, the removal from the due index and from the
// calls index (a staff call no longer waits for a reply) and the item's
// expiry.
func (s *Store) endTask(u *update, state thankyou.State, now time.Time) {
	u.set("state", str(string(state)))
	u.set("expiresAt", num(s.expiresAt(now)))
	u.set("updatedAt", str(formatTime(now)))
	u.remove("leaseOwner", "leaseExpiresAt", "duePk", "dueSk", "prevClaimedAt", "callPk", "callSk")
}

// MarkSent records that Twilio accepted the task's message as sid: the task
// becomes sent and leaves the lease and the due index. It must be called
// right after Twilio's answer. owner must still hold the lease, else the
// error matches thankyou.ErrNotClaimable.
//
// The item's expiry is set too (a sent message may never get a status
// callback); a later final status renews it.
func (s *Store) MarkSent(ctx context.Context, id, owner, sid string, now time.Time) error {
	if sid == "" {
		return thankyou.Errorf(thankyou.EINVALID, "mark task %s sent: empty message SID", id)
	}
	u := newUpdate()
	s.endTask(u, thankyou.StateSent, now)
	u.set("messageSid", str(sid))
	// An earlier attempt's temporary error no longer describes the task
	// (the history keeps it).
	u.remove("reason", "errorCode")
	u.history(now, "sent", "sid="+sid)
	return s.leaseGuarded(ctx, "mark sent", id, owner, u)
}

// setDue adds to u that task id is due at due: its dueAt and its place in
// the due index.
func (s *Store) setDue(u *update, id string, due time.Time) {
	u.set("dueAt", str(formatTime(due)))
	u.set("duePk", str(s.duePK(id)))
	u.set("dueSk", str(dueSK(due, id)))
}

// setPending adds to u that task id is pending again, due at due.
func (s *Store) setPending(u *update, id string, due time.Time) {
	u.set("state", str(string(thankyou.StatePending)))
	s.setDue(u, id, due)
}

// Reschedule puts a claimed task back to pending, due again at due (a retry
// after a temporary error, or the next polite window). reason and code
// (0 for none) record why. owner must still hold the lease, else the error
// matches thankyou.ErrNotClaimable.
func (s *Store) Reschedule(ctx context.Context, id, owner string, due time.Time, reason string, code int, now time.Time) error {
	if due.IsZero() {
		return thankyou.Errorf(thankyou.EINVALID, "reschedule task %s: zero due time", id)
	}
	u := newUpdate()
	s.setPending(u, id, due)
	u.setString("reason", reason)
	u.setInt("errorCode", code)
	u.set("updatedAt", str(formatTime(now)))
	u.remove("leaseOwner", "leaseExpiresAt", "prevClaimedAt")
	u.history(now, "rescheduled", fmt.Sprintf("due=%s code=%d", formatTime(due), code))
	return s.leaseGuarded(ctx, "reschedule", id, owner, u)
}

// Finish ends a claimed task in a final state (failed, opted_out, expired,
// skipped; or sent, with the SID, when a recovered claim found that Twilio
// had accepted the message). It records reason and code (0 for none), sets
// the item's expiry and takes the task out of the lease and the due index.
// owner must still hold the lease, else the error matches
// thankyou.ErrNotClaimable.
func (s *Store) Finish(ctx context.Context, id, owner string, state thankyou.State, reason string, code int, sid string, now time.Time) error {
	switch {
	case state == "" || state.Open():
		return thankyou.Errorf(thankyou.EINVALID, "finish task %s: %q is not a final state", id, state)
	case state == thankyou.StateSent && sid == "":
		return thankyou.Errorf(thankyou.EINVALID, "finish task %s: sent without a message SID", id)
	}
	u := newUpdate()
	s.endTask(u, state, now)
	u.setString("reason", reason)
	u.setInt("errorCode", code)
	detail := fmt.Sprintf("state=%s code=%d", state, code)
	if sid != "" {
		u.set("messageSid", str(sid))
		detail += " sid=" + sid
	}
	u.history(now, "finished", detail)
	return s.leaseGuarded(ctx, "finish", id, owner, u)
}

// maxStatusRounds bounds how often ApplyStatus re-reads a task whose
// conditional update lost to a concurrent change.
const maxStatusRounds = 5

// ApplyStatus applies a Twilio status callback for message sid of task id;
// status is StateSent, StateDelivered, StateUndelivered or StateFailed.
// code and reason are recorded for undelivered and failed. It returns the
// task as it is afterwards.
//
//   - An unknown task is ENOTFOUND.
//   - An open task without a SID is repaired: Twilio accepted its message but
//     the dispatcher did not record it. It takes sid and status and leaves
//     the lease and the due index (so it is not sent again).
//   - A staff call that was reminded (see Remind) is returned unchanged
//     with no error: the status is its reminder's (this one or an earlier
//     one), and the call waits for the staff member's reply.
//   - A task with another SID, or one that ended without a message
//     (opted out, expired, ...), is ECONFLICT and is not changed.
//   - Otherwise the state only moves forward, from sent to delivered,
//     undelivered or failed. A repeated or out-of-order callback (sent after
//     delivered) changes nothing and is no error.
//
// Every write is conditional on what was read, so concurrent callbacks are
// safe; a lost race is re-read and decided again.
func (s *Store) ApplyStatus(ctx context.Context, id, sid string, status thankyou.State, code int, reason string, now time.Time) (thankyou.Task, error) {
	if sid == "" || status.Rank() == 0 {
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "apply status to task %s: need a SID and a Twilio status, got %q", id, status)
	}
	for range maxStatusRounds {
		t, _, err := s.getTask(ctx, id)
		if err != nil {
			return thankyou.Task{}, fmt.Errorf("apply status to task %s: %w", id, err)
		}
		u := newUpdate()
		var cond string
		switch {
		case t.Channel == thankyou.ChannelStaff && (t.State.Open() || !t.Staff.RemindedAt.IsZero()):
			// A staff call's reminders: whether one reached the staff
			// member changes nothing of the call, which waits for a reply
			// and is followed up at its due time. Nor is an open call
			// "repaired" into a sent message: the dispatcher records the
			// reminder (or finds it at Twilio after a crash).
			return t, nil
		case t.State.Open() && t.MessageSID == "":
			s.endTask(u, status, now)
			u.set("messageSid", str(sid))
			u.history(now, "repaired", fmt.Sprintf("state=%s sid=%s", status, sid))
			cond = fmt.Sprintf("%s = %s AND attribute_not_exists(%s)",
				u.name("state"), u.value("condState", str(string(t.State))), u.name("messageSid"))
		case t.MessageSID != sid:
			return thankyou.Task{}, fmt.Errorf("apply status to task %s: %w", id,
				thankyou.Errorf(thankyou.ECONFLICT, "status callback for another message"))
		case t.State == status:
			return t, nil
		case t.State == thankyou.StateSent:
			u.set("state", str(string(status)))
			u.set("expiresAt", num(s.expiresAt(now)))
			u.set("updatedAt", str(formatTime(now)))
			u.history(now, "status", fmt.Sprintf("state=%s code=%d", status, code))
			cond = fmt.Sprintf("%s = %s AND %s = %s",
				u.name("state"), u.value("condState", str(string(thankyou.StateSent))),
				u.name("messageSid"), u.value("condSid", str(sid)))
		case t.State.Rank() > 0:
			// A late or duplicate callback: the task is already past it.
			return t, nil
		default:
			return thankyou.Task{}, fmt.Errorf("apply status to task %s: %w", id,
				thankyou.Errorf(thankyou.ECONFLICT, "task is %s and takes no status", t.State))
		}
		if status == thankyou.StateUndelivered || status == thankyou.StateFailed {
			if code != 0 {
				u.set("errorCode", num(int64(code)))
			}
			if reason != "" {
				u.set("reason", str(reason))
			}
		}
		av, err := s.apply(ctx, id, u, cond)
		if isConditionFailed(err) {
			continue // changed since read: decide again
		}
		if err != nil {
			return thankyou.Task{}, fmt.Errorf("apply status to task %s: %w", id, err)
		}
		t, _, err = decodeTask(av)
		if err != nil {
			return thankyou.Task{}, fmt.Errorf("apply status to task %s: %w", id, err)
		}
		return t, nil
	}
	return thankyou.Task{}, fmt.Errorf("apply status to task %s: %w", id,
		thankyou.Errorf(thankyou.ECONFLICT, "task kept changing"))
}
