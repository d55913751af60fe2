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
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// This file holds what the operators' tool (internal/operator) needs beyond
// what the functions use: listings with progress, a task's history, and an
// operator's retry of a task that did not go out.

// Progress says how far a listing has got, for a progress bar.
type Progress struct {
	// Step names what is being read: "scan" (the table), "index" (the due
	// index) or "tasks" (the tasks the index named).
	Step string
	// Pages is how many pages (requests) of this step were answered.
	Pages int
	// Items is how many items this step has read.
	Items int
	// Total is how many items the step should read in all, 0 when unknown.
	// For a scan it is DynamoDB's estimate of the table's item count
	// (DescribeTable, refreshed about every six hours), so Items may pass it.
	Total int64
}

// TaskQuery selects tasks for ScanTasks; zero fields select everything.
type TaskQuery struct {
	TaskFilter
	// CreatedFrom and CreatedBefore select tasks created in
	// [CreatedFrom, CreatedBefore); a zero bound is open.
	CreatedFrom, CreatedBefore time.Time
}

// ScanTasks calls fn for every task the query selects, page by page, and
// progress (if not nil) after every page. Like ListTasks it is a filtered
// Scan that reads the whole table: for the operators' tool only (the order
// webhook and the dispatcher never scan). The filters are applied by
// DynamoDB, so only matching tasks are transferred.
func (s *Store) ScanTasks(ctx context.Context, q TaskQuery, progress func(Progress), fn func(thankyou.Task) error) error {
	prefix := "TASK#"
	if q.Source != "" {
		prefix += string(q.Source) + ":"
		if q.Shop != "" {
			prefix = "TASK#" + scope(q.Source, q.Shop) + ":"
		}
	}
	filter := []string{"begins_with(pk, :prefix)"}
	values := map[string]types.AttributeValue{":prefix": str(prefix)}
	names := map[string]string{}
	if q.State != "" {
		filter = append(filter, "#state = :state")
		values[":state"] = str(string(q.State))
		names["#state"] = "state"
	}
	if q.NeedsAttention {
		filter = append(filter, "attention = :attention")
		values[":attention"] = &types.AttributeValueMemberBOOL{Value: true}
	}
	// Stored times are fixed-width UTC strings, so they compare as strings.
	if !q.CreatedFrom.IsZero() {
		filter = append(filter, "createdAt >= :from")
		values[":from"] = str(formatTime(q.CreatedFrom))
	}
	if !q.CreatedBefore.IsZero() {
		filter = append(filter, "createdAt < :before")
		values[":before"] = str(formatTime(q.CreatedBefore))
	}
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String(strings.Join(filter, " AND ")),
		ExpressionAttributeValues: values,
	}
	if len(names) > 0 {
		in.ExpressionAttributeNames = names
	}
	p := Progress{Step: "scan"}
	if progress != nil {
		p.Total = s.approxItemCount(ctx)
		progress(p)
	}
	pages := dynamodb.NewScanPaginator(s.client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("scan tasks: %w", err)
		}
		p.Pages++
		p.Items += int(page.ScannedCount)
		if progress != nil {
			progress(p)
		}
		for _, item := range page.Items {
			t, _, err := decodeTask(item)
			if err != nil {
				return fmt.Errorf("scan tasks: %w", err)
			}
			if err := fn(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// approxItemCount returns DynamoDB's estimate of the table's item count, or
// 0 when it cannot be read (it only feeds a progress bar).
func (s *Store) approxItemCount(ctx context.Context) int64 {
	out, err := s.client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	if err != nil || out.Table == nil {
		return 0
	}
	return aws.ToInt64(out.Table.ItemCount)
}

// Bounds of due-index sort keys ("<RFC 3339 time>#<task id>", years of four
// digits): every key sorts between them.
const (
	lowestDueSK  = "0000"
	highestDueSK = "9999"
)

// maxBatchGet is the most keys one BatchGetItem request may carry.
const maxBatchGet = 100

// maxBatchRounds bounds the BatchGetItem requests of one batchGet: the
// first and those asking again for the keys one left unprocessed
// (throttling).
const maxBatchRounds = 8

// UpcomingTasks calls fn for every pending task due in [from, until), the
// earliest first (a zero from includes tasks already due that no dispatcher
// has sent yet; a zero until has no end), and progress (if not nil) after
// every page. It reads the due index, not the table: it queries every shard
// (keys only), then reads the tasks it names with BatchGetItem. Claimed tasks
// (sending), which the index also holds, are left out.
func (s *Store) UpcomingTasks(ctx context.Context, from, until time.Time, progress func(Progress), fn func(thankyou.Task) error) error {
	lo, hi := lowestDueSK, highestDueSK
	if !from.IsZero() {
		lo = formatTime(from)
	}
	if !until.IsZero() {
		// "<until>#<id>" sorts above "<until>": BETWEEN leaves out tasks
		// due exactly at until.
		hi = formatTime(until)
	}
	if lo >= hi {
		return nil
	}
	keys, err := s.dueKeys(ctx, lo, hi, progress)
	if err != nil {
		return fmt.Errorf("upcoming tasks: %w", err)
	}
	p := Progress{Step: "tasks", Total: int64(len(keys))}
	if progress != nil {
		progress(p)
	}
	for chunk := range slices.Chunk(keys, maxBatchGet) {
		tasks, pages, err := s.batchGetTasks(ctx, chunk)
		if err != nil {
			return fmt.Errorf("upcoming tasks: %w", err)
		}
		p.Pages += pages
		p.Items += len(chunk)
		if progress != nil {
			progress(p)
		}
		for _, k := range chunk {
			t, ok := tasks[k.id]
			// The index is eventually consistent: a task read here may
			// have been claimed or ended since, or moved to another time.
			if !ok || t.State != thankyou.StatePending || dueSK(t.DueAt, t.ID) != k.sk {
				continue
			}
			if err := fn(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// dueEntry is one due-index entry: its sort key and its task's id.
type dueEntry struct{ sk, id string }

// dueKeys queries every shard of the due index for sort keys between lo and
// hi (inclusive) and returns the entries in sort-key order.
func (s *Store) dueKeys(ctx context.Context, lo, hi string, progress func(Progress)) ([]dueEntry, error) {
	var (
		mu     sync.Mutex
		p      = Progress{Step: "index"}
		all    []dueEntry
		errs   = make([]error, s.shards)
		sem    = make(chan struct{}, min(s.shards, maxParallelQueries))
		wg     sync.WaitGroup
		report = func(pages, items int) {
			mu.Lock()
			defer mu.Unlock()
			p.Pages += pages
			p.Items += items
			if progress != nil {
				progress(p)
			}
		}
	)
	if progress != nil {
		progress(p)
	}
	for shard := range s.shards {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			pages := dynamodb.NewQueryPaginator(s.client, &dynamodb.QueryInput{
				TableName:              aws.String(s.table),
				IndexName:              aws.String(DueIndex),
				KeyConditionExpression: aws.String("duePk = :pk AND dueSk BETWEEN :lo AND :hi"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk": str("DUE#" + strconv.Itoa(shard)),
					":lo": str(lo),
					":hi": str(hi),
				},
			})
			for pages.HasMorePages() {
				page, err := pages.NextPage(ctx)
				if err != nil {
					errs[shard] = fmt.Errorf("due index shard %d: %w", shard, err)
					return
				}
				var found []dueEntry
				for _, item := range page.Items {
					sk, ok := item["dueSk"].(*types.AttributeValueMemberS)
					if !ok {
						continue
					}
					if _, id, ok := strings.Cut(sk.Value, "#"); ok {
						found = append(found, dueEntry{sk.Value, id})
					}
				}
				mu.Lock()
				all = append(all, found...)
				mu.Unlock()
				report(1, len(page.Items))
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(all, func(a, b dueEntry) int { return strings.Compare(a.sk, b.sk) })
	return all, nil
}

// batchGetTasks reads the tasks of up to maxBatchGet entries (strongly
// consistent) and returns them by id, with the number of requests made.
// Tasks that no longer exist are missing from the map.
func (s *Store) batchGetTasks(ctx context.Context, entries []dueEntry) (map[string]thankyou.Task, int, error) {
	keys := make([]map[string]types.AttributeValue, 0, len(entries))
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e.id] {
			seen[e.id] = true
			keys = append(keys, taskKey(e.id))
		}
	}
	tasks := make(map[string]thankyou.Task, len(keys))
	requests, err := s.batchGet(ctx, keys, func(item map[string]types.AttributeValue) error {
		t, _, err := decodeTask(item)
		if err != nil {
			return err
		}
		tasks[t.ID] = t
		return nil
	})
	if err != nil {
		return nil, requests, fmt.Errorf("read tasks: %w", err)
	}
	return tasks, requests, nil
}

// TaskEvent is one entry of a task's history: what happened to it and when.
// Its detail holds states, codes, times and ids only, never personal data.
type TaskEvent struct {
	At     time.Time
	Event  string
	Detail string
}

// GetTaskHistory reads a task (strongly consistent) with its history, the
// oldest event first. A missing task is a *thankyou.Error with code
// ENOTFOUND.
func (s *Store) GetTaskHistory(ctx context.Context, id string) (thankyou.Task, []TaskEvent, error) {
	t, it, err := s.getTask(ctx, id)
	if err != nil {
		return thankyou.Task{}, nil, fmt.Errorf("get task %s: %w", id, err)
	}
	events := make([]TaskEvent, 0, len(it.History))
	for _, h := range it.History {
		at, err := parseTime(h.At)
		if err != nil {
			return thankyou.Task{}, nil, fmt.Errorf("get task %s: history: %w", id, err)
		}
		events = append(events, TaskEvent{At: at, Event: h.Event, Detail: h.Detail})
	}
	return t, events, nil
}

// RetryTask puts a task that ended in state from (failed, expired or
// undelivered) back to pending, due at due with a new deadline, with one
// UpdateItem conditional on the task still being in state from, still
// having a recipient and its customer's data not erased. It puts the task
// back in the due index, resets its attempts, clears its reason, error
// code, message SID (the earlier message's SID stays in the history), lease
// and expiry, and records the retry in the history. It returns the task as
// it is afterwards.
//
// Errors are *thankyou.Error: EINVALID for a state that may not be retried
// or a deadline before due, ENOTFOUND for a missing task, ECONFLICT when
// the condition failed (the message says why).
func (s *Store) RetryTask(ctx context.Context, id string, from thankyou.State, due, deadline, now time.Time) (thankyou.Task, error) {
	switch {
	case !from.Retryable():
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "retry task %s: a %s task cannot be retried (only failed, expired or undelivered ones)", id, from)
	case due.IsZero() || deadline.Before(due):
		return thankyou.Task{}, thankyou.Errorf(thankyou.EINVALID, "retry task %s: need a due time and a deadline not before it", id)
	}
	u := newUpdate()
	s.setPending(u, id, due)
	u.set("deadline", str(formatTime(deadline)))
	u.set("attempts", num(0))
	u.set("updatedAt", str(formatTime(now)))
	u.remove("reason", "errorCode", "messageSid", "expiresAt", "leaseOwner", "leaseExpiresAt",
		"claimedAt", "prevClaimedAt", "cancelRequested", "cancelReason")
	u.history(now, "retried", fmt.Sprintf("from=%s due=%s", from, formatTime(due)))
	cond := fmt.Sprintf("%s = %s AND attribute_exists(%s) AND attribute_not_exists(%s)",
		u.name("state"), u.value("condState", str(string(from))), u.name("recipient"), u.name("erasedAt"))
	av, err := s.apply(ctx, id, u, cond)
	if isConditionFailed(err) {
		return thankyou.Task{}, fmt.Errorf("retry task %s: %w", id, s.whyNotRetried(ctx, id, from))
	}
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("retry task %s: %w", id, err)
	}
	t, _, err := decodeTask(av)
	if err != nil {
		return thankyou.Task{}, fmt.Errorf("retry task %s: %w", id, err)
	}
	return t, nil
}

// whyNotRetried reads a task whose retry failed its condition and says why.
func (s *Store) whyNotRetried(ctx context.Context, id string, from thankyou.State) error {
	t, it, err := s.getTask(ctx, id)
	switch {
	case thankyou.ErrorCode(err) == thankyou.ENOTFOUND:
		return err
	case err != nil:
		return thankyou.WrapError(thankyou.ECONFLICT, "the task changed and could not be read again", err)
	case it.ErasedAt != "":
		return thankyou.Errorf(thankyou.ECONFLICT, "the customer's data was erased: there is no one to send it to")
	case t.State != from:
		return thankyou.Errorf(thankyou.ECONFLICT, "the task is %s now, no longer %s", t.State, from)
	default:
		return thankyou.Errorf(thankyou.ECONFLICT, "the task has no recipient")
	}
}
