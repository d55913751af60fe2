package dynamo_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// opsFailedTask creates the pending task and takes it through a claim to
// failed with Twilio's code 21614 (a number that cannot receive SMS).
func (e env) opsFailedTask(t testing.TB, task thankyou.Task) thankyou.Task {
	t.Helper()
	e.create(t, task)
	e.claim(t, task.ID, "run", t0)
	if err := e.store.Finish(context.Background(), task.ID, "run", thankyou.StateFailed, "not a mobile number", 21614, "", t0); err != nil {
		t.Fatal(err)
	}
	return task
}

// opsScan returns the ids of the tasks ScanTasks passes on, sorted, and the
// last progress it reported.
func (e env) opsScan(t testing.TB, q dynamo.TaskQuery) ([]string, dynamo.Progress) {
	t.Helper()
	var (
		ids  []string
		last dynamo.Progress
	)
	err := e.store.ScanTasks(context.Background(), q, func(p dynamo.Progress) { last = p }, func(task thankyou.Task) error {
		ids = append(ids, task.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("ScanTasks(%+v): %v", q, err)
	}
	slices.Sort(ids)
	return ids, last
}

func TestScanTasksSelectsByCreationTimeStateAndShop(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	day := 24 * time.Hour
	var ids []string
	for i, created := range []time.Time{t0.Add(-3 * day), t0.Add(-2 * day), t0.Add(-day), t0} {
		task := pendingTask(fmt.Sprint(i), t0.Add(72*time.Hour))
		task.CreatedAt = created
		e.create(t, task)
		ids = append(ids, task.ID)
	}
	other := customerTask("other.myshopify.com", "9", bob, t0.Add(-day))
	e.create(t, skipped(other, "test order"))

	tests := []struct {
		name string
		q    dynamo.TaskQuery
		want []string
	}{
		{"everything", dynamo.TaskQuery{}, append(slices.Clone(ids), other.ID)},
		{"from a day on", dynamo.TaskQuery{CreatedFrom: t0.Add(-2 * day)}, append(slices.Clone(ids[1:]), other.ID)},
		{"before a day, exclusive", dynamo.TaskQuery{CreatedBefore: t0.Add(-day)}, ids[:2]},
		{"a range", dynamo.TaskQuery{CreatedFrom: t0.Add(-2 * day), CreatedBefore: t0}, append(slices.Clone(ids[1:3]), other.ID)},
		{"a range and a shop", dynamo.TaskQuery{TaskFilter: dynamo.TaskFilter{Source: thankyou.SourceShopify, Shop: testShop}, CreatedFrom: t0.Add(-2 * day), CreatedBefore: t0}, ids[1:3]},
		{"a state", dynamo.TaskQuery{TaskFilter: dynamo.TaskFilter{State: thankyou.StateSkipped}}, []string{other.ID}},
		{"an empty range", dynamo.TaskQuery{CreatedFrom: t0.Add(day)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slices.Clone(tt.want)
			slices.Sort(want)
			got, last := e.opsScan(t, tt.q)
			if !slices.Equal(got, want) {
				t.Errorf("ids = %v, want %v", got, want)
			}
			// Tasks and customer records: every item is read, whatever matches.
			if items := len(e.scanAll(t)); last.Step != "scan" || last.Pages < 1 || last.Items != items {
				t.Errorf("last progress = %+v, want step scan, at least 1 page and %d items read", last, items)
			}
		})
	}
}

func TestUpcomingTasksListsPendingTasksByDueTimeThroughTheIndex(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	// More than one BatchGetItem's worth, due in a shuffled order.
	const n = 130
	var want []string
	for i := range n {
		due := t0.Add(time.Duration((i*37)%n) * time.Minute)
		e.create(t, pendingTask(fmt.Sprint(i), due))
	}
	for i := range n {
		for j := range n {
			if (j*37)%n == i {
				want = append(want, pendingTask(fmt.Sprint(j), t0).ID)
			}
		}
	}
	// Neither claimed, ended nor skipped tasks are upcoming.
	claimed := e.create(t, pendingTask("claimed", t0.Add(-time.Hour)))
	e.claim(t, claimed.ID, "run", t0)
	failed := e.opsFailedTask(t, pendingTask("failed", t0))
	e.create(t, skipped(customerTask(testShop, "skipped", bob, t0), "test order"))

	var (
		got   []string
		steps []string
	)
	progress := func(p dynamo.Progress) {
		if len(steps) == 0 || steps[len(steps)-1] != p.Step {
			steps = append(steps, p.Step)
		}
	}
	err := e.store.UpcomingTasks(ctx, time.Time{}, time.Time{}, progress, func(task thankyou.Task) error {
		if task.State != thankyou.StatePending {
			t.Errorf("task %s is %s, want pending", task.ID, task.State)
		}
		got = append(got, task.ID)
		return nil
	})
	if err != nil {
		t.Fatalf("UpcomingTasks: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("upcoming = %d tasks %v…, want %d tasks by due time %v…", len(got), got[:min(3, len(got))], len(want), want[:3])
	}
	if slices.Contains(got, claimed.ID) || slices.Contains(got, failed.ID) {
		t.Errorf("upcoming lists a claimed or failed task")
	}
	if !slices.Equal(steps, []string{"index", "tasks"}) {
		t.Errorf("progress steps = %v, want [index tasks]", steps)
	}

	// [from, until): the task due at from is in, the one due at until is out.
	var window []string
	err = e.store.UpcomingTasks(ctx, t0.Add(10*time.Minute), t0.Add(13*time.Minute), nil, func(task thankyou.Task) error {
		window = append(window, task.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(window, want[10:13]) {
		t.Errorf("upcoming in [t0+10m, t0+13m) = %v, want %v", window, want[10:13])
	}
}

func TestGetTaskHistoryReadsEveryEventInOrder(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, pendingTask("1", t0))
	e.claim(t, task.ID, "run-a", t0)
	if err := e.store.Reschedule(ctx, task.ID, "run-a", t0.Add(time.Hour), "rate limited", 20429, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	e.claim(t, task.ID, "run-b", t0.Add(time.Hour))
	if err := e.store.Finish(ctx, task.ID, "run-b", thankyou.StateFailed, "not a mobile number", 21614, "", t0.Add(time.Hour+time.Second)); err != nil {
		t.Fatal(err)
	}

	got, events, err := e.store.GetTaskHistory(ctx, task.ID)
	if err != nil {
		t.Fatalf("GetTaskHistory: %v", err)
	}
	if !reflect.DeepEqual(got, e.get(t, task.ID)) {
		t.Errorf("task = %+v, want what GetTask reads", got)
	}
	want := []dynamo.TaskEvent{
		{At: task.CreatedAt, Event: "created", Detail: "state=pending"},
		{At: t0, Event: "claimed", Detail: "owner=run-a"},
		{At: t0.Add(time.Second), Event: "rescheduled", Detail: "due=" + t0.Add(time.Hour).Format(time.RFC3339) + " code=20429"},
		{At: t0.Add(time.Hour), Event: "claimed", Detail: "owner=run-b"},
		{At: t0.Add(time.Hour + time.Second), Event: "finished", Detail: "state=failed code=21614"},
	}
	if !reflect.DeepEqual(events, want) {
		t.Errorf("history =\n%+v\nwant\n%+v", events, want)
	}
	if _, _, err := e.store.GetTaskHistory(ctx, "shopify:nowhere:1"); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("history of an unknown task: %v, want ENOTFOUND", err)
	}
}

func TestRetriedTaskIsPendingAndDueAgain(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	tests := []struct {
		name string
		make func(t testing.TB) thankyou.Task
		from thankyou.State
	}{
		{"failed", func(t testing.TB) thankyou.Task { return e.opsFailedTask(t, pendingTask("f", t0)) }, thankyou.StateFailed},
		{"expired", func(t testing.TB) thankyou.Task {
			task := e.create(t, pendingTask("x", t0))
			e.claim(t, task.ID, "run", t0)
			if err := e.store.Finish(ctx, task.ID, "run", thankyou.StateExpired, "no polite time left", 0, "", t0); err != nil {
				t.Fatal(err)
			}
			return task
		}, thankyou.StateExpired},
		{"undelivered", func(t testing.TB) thankyou.Task {
			task := e.sentTask(t, "u", "SMold")
			if _, err := e.store.ApplyStatus(ctx, task.ID, "SMold", thankyou.StateUndelivered, 30003, "unreachable", t0); err != nil {
				t.Fatal(err)
			}
			return task
		}, thankyou.StateUndelivered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := tt.make(t)
			now := t0.Add(24 * time.Hour)
			due, deadline := now.Add(2*time.Hour), now.Add(74*time.Hour)
			got, err := e.store.RetryTask(ctx, task.ID, tt.from, due, deadline, now)
			if err != nil {
				t.Fatalf("RetryTask: %v", err)
			}
			if got.State != thankyou.StatePending || !got.DueAt.Equal(due) || !got.Deadline.Equal(deadline) || got.Attempts != 0 ||
				got.Reason != "" || got.ErrorCode != 0 || got.MessageSID != "" || !got.ExpiresAt.IsZero() {
				t.Errorf("retried task = %+v, want pending, due %s, deadline %s, no attempts, reason, code, SID or expiry", got, due, deadline)
			}
			if got.Recipient != testPhone || got.Order.Phone != testPhone {
				t.Errorf("retried task lost its recipient")
			}
			if ids := e.due(t, due.Add(-time.Second), 0); slices.Contains(ids, task.ID) {
				t.Errorf("retried task is due before its new due time")
			}
			if ids := e.due(t, due, 0); !slices.Contains(ids, task.ID) {
				t.Errorf("retried task is not in the due index at %s", due)
			}
			c := e.claim(t, task.ID, "run-2", due)
			if c.Recovered || c.Task.Attempts != 1 {
				t.Errorf("claim after retry: recovered %v, attempts %d; want a fresh claim, attempt 1", c.Recovered, c.Task.Attempts)
			}
			_, events, err := e.store.GetTaskHistory(ctx, task.ID)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(events, func(ev dynamo.TaskEvent) bool { return ev.Event == "retried" })
			if i < 0 || events[i].Detail != "from="+string(tt.from)+" due="+due.Format(time.RFC3339) || !events[i].At.Equal(now) {
				t.Errorf("history = %+v, want a retried event from %s", events, tt.from)
			}
		})
	}
}

func TestRetryNeverResendsATaskThatWentOutOrCannotGo(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	due, deadline := t0.Add(time.Hour), t0.Add(73*time.Hour)

	delivered := e.sentTask(t, "d", "SM1")
	if _, err := e.store.ApplyStatus(ctx, delivered.ID, "SM1", thankyou.StateDelivered, 0, "", t0); err != nil {
		t.Fatal(err)
	}
	// Bob's data is erased; Ada's tasks keep theirs.
	erased := e.opsFailedTask(t, customerTask(testShop, "erased", bob, t0.Add(-72*time.Hour)))
	if _, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, thankyou.Customer{Phones: []string{bob.phone}}, t0); err != nil {
		t.Fatal(err)
	}
	pending := e.create(t, pendingTask("p", t0))

	tests := []struct {
		name string
		id   string
		from thankyou.State
		code string
		says string
	}{
		{"delivered", delivered.ID, thankyou.StateDelivered, thankyou.EINVALID, "cannot be retried"},
		{"sent", delivered.ID, thankyou.StateSent, thankyou.EINVALID, "cannot be retried"},
		{"pending", pending.ID, thankyou.StatePending, thankyou.EINVALID, "cannot be retried"},
		{"a delivered task read as failed", delivered.ID, thankyou.StateFailed, thankyou.ECONFLICT, "delivered now"},
		{"erased", erased.ID, thankyou.StateFailed, thankyou.ECONFLICT, "erased"},
		{"unknown", "shopify:nowhere:1", thankyou.StateFailed, thankyou.ENOTFOUND, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before map[string]types.AttributeValue
			if tt.code != thankyou.ENOTFOUND {
				before = e.raw(t, tt.id)
			}
			_, err := e.store.RetryTask(ctx, tt.id, tt.from, due, deadline, t0)
			if thankyou.ErrorCode(err) != tt.code || !strings.Contains(thankyou.ErrorMessage(err), tt.says) {
				t.Fatalf("RetryTask: %v, want %s saying %q", err, tt.code, tt.says)
			}
			if tt.code != thankyou.ENOTFOUND {
				if after := e.raw(t, tt.id); !reflect.DeepEqual(after, before) {
					t.Errorf("a refused retry changed the item")
				}
			}
		})
	}
	if _, err := e.store.RetryTask(ctx, pending.ID, thankyou.StateFailed, due, due.Add(-time.Second), t0); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Errorf("deadline before due: %v, want EINVALID", err)
	}
}
