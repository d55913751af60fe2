package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// t0 is the tests' "now".
var t0 = time.Date(2030, 3, 4, 10, 0, 0, 0, time.UTC)

const retention = 30 * 24 * time.Hour

// Personal data of the test tasks, to look for where it must not be.
const (
	testPhone = "+14155550123"
	testName  = "Ada Lovelace"
	testFirst = "Ada"
	testEmail = "ada@example.com"
)

type env struct {
	store  *dynamo.Store
	client *dynamodb.Client
	table  string
}

func newEnv(t testing.TB, opts dynamo.Options) env {
	t.Helper()
	c, table := dynamotest.NewTable(t)
	if opts.Retention == 0 {
		opts.Retention = retention
	}
	return env{store: dynamo.New(c, table, opts), client: c, table: table}
}

// pendingTask returns a new task for order id, due at due.
func pendingTask(id string, due time.Time) thankyou.Task {
	o := thankyou.Order{
		Source:       thankyou.SourceShopify,
		Shop:         "example.myshopify.com",
		ID:           id,
		Number:       "#1001",
		CustomerName: testName,
		FirstName:    testFirst,
		Phone:        testPhone,
		Email:        testEmail,
		Total:        "199.00",
		Currency:     "USD",
		CreatedAt:    due.Add(-72 * time.Hour),
		Test:         true,
	}
	return thankyou.Task{
		ID:        o.TaskID(),
		Order:     o,
		Channel:   thankyou.ChannelSMS,
		Recipient: testPhone,
		State:     thankyou.StatePending,
		DueAt:     due,
		Deadline:  due.Add(48 * time.Hour),
		TimeZone:  "America/Los_Angeles",
		CreatedAt: due.Add(-72 * time.Hour),
		UpdatedAt: due.Add(-72 * time.Hour),
	}
}

func (e env) create(t testing.TB, task thankyou.Task) thankyou.Task {
	t.Helper()
	created, err := e.store.CreateTask(context.Background(), task)
	if err != nil || !created {
		t.Fatalf("CreateTask(%s) = %v, %v; want true, nil", task.ID, created, err)
	}
	return task
}

func (e env) get(t testing.TB, id string) thankyou.Task {
	t.Helper()
	task, err := e.store.GetTask(context.Background(), id)
	if err != nil {
		t.Fatalf("GetTask(%s): %v", id, err)
	}
	return task
}

// raw reads a task's item as stored.
func (e env) raw(t testing.TB, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(e.table),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "TASK#" + id}, "sk": &types.AttributeValueMemberS{Value: "TASK"}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("get item %s: %v", id, err)
	}
	if out.Item == nil {
		t.Fatalf("item %s not found", id)
	}
	return out.Item
}

func (e env) due(t testing.TB, now time.Time, limit int) []string {
	t.Helper()
	ids, err := e.store.DueTaskIDs(context.Background(), now, limit)
	if err != nil {
		t.Fatalf("DueTaskIDs(%s, %d): %v", now, limit, err)
	}
	return ids
}

func (e env) claim(t testing.TB, id, owner string, now time.Time) thankyou.Claim {
	t.Helper()
	c, err := e.store.Claim(context.Background(), id, owner, now, 5*time.Minute)
	if err != nil {
		t.Fatalf("Claim(%s, %s, %s): %v", id, owner, now, err)
	}
	return c
}

func hasAttr(item map[string]types.AttributeValue, name string) bool {
	_, ok := item[name]
	return ok
}

func numAttr(t testing.TB, item map[string]types.AttributeValue, name string) string {
	t.Helper()
	n, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("attribute %s = %#v, want a number", name, item[name])
	}
	return n.Value
}

func strAttr(item map[string]types.AttributeValue, name string) string {
	s, _ := item[name].(*types.AttributeValueMemberS)
	if s == nil {
		return ""
	}
	return s.Value
}

// assertNotIndexed fails unless the item is out of the due index and holds
// no lease.
func assertNotIndexed(t testing.TB, item map[string]types.AttributeValue) {
	t.Helper()
	for _, a := range []string{"duePk", "dueSk", "leaseOwner", "leaseExpiresAt"} {
		if hasAttr(item, a) {
			t.Errorf("item has %s = %v, want none", a, item[a])
		}
	}
}

func TestCreatedTaskReadsBackUnchanged(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	want := e.create(t, pendingTask("1", t0))
	got := e.get(t, want.ID)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetTask =\n%+v\nwant\n%+v", got, want)
	}
}

func TestGetTaskOfUnknownTaskIsNotFound(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	_, err := e.store.GetTask(context.Background(), "shopify:x:404")
	if got := thankyou.ErrorCode(err); got != thankyou.ENOTFOUND {
		t.Errorf("GetTask of unknown task: code %q (%v), want %q", got, err, thankyou.ENOTFOUND)
	}
}

func TestDuplicateCreateTaskWritesOnce(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	first := e.create(t, pendingTask("1", t0))
	before := e.raw(t, first.ID)

	again := pendingTask("1", t0.Add(time.Hour))
	again.Order.Phone = "+14155550199"
	again.Order.Total = "1.00"
	created, err := e.store.CreateTask(context.Background(), again)
	if err != nil || created {
		t.Fatalf("second CreateTask = %v, %v; want false, nil", created, err)
	}
	if after := e.raw(t, first.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("item changed by a duplicate create:\nbefore %v\nafter  %v", before, after)
	}
}

func Test50ConcurrentCreatesMakeOneTask(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := pendingTask("1", t0)
	var created atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			ok, err := e.store.CreateTask(context.Background(), task)
			if err != nil {
				t.Errorf("CreateTask: %v", err)
			}
			if ok {
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if got := created.Load(); got != 1 {
		t.Errorf("%d creates reported created, want 1", got)
	}
	if got, want := e.due(t, t0, 0), []string{task.ID}; !slices.Equal(got, want) {
		t.Errorf("due = %v, want %v", got, want)
	}
}

func TestCreateTaskRejectsTasksThatCannotStart(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	noID := pendingTask("1", t0)
	noID.ID = ""
	noDue := pendingTask("2", t0)
	noDue.DueAt = time.Time{}
	sent := pendingTask("3", t0)
	sent.State = thankyou.StateSent
	for name, task := range map[string]thankyou.Task{"no id": noID, "pending without due time": noDue, "created sent": sent} {
		t.Run(name, func(t *testing.T) {
			created, err := e.store.CreateTask(context.Background(), task)
			if created || thankyou.ErrorCode(err) != thankyou.EINVALID {
				t.Errorf("CreateTask = %v, %v; want false, %s", created, err, thankyou.EINVALID)
			}
		})
	}
}

func TestSkippedTaskIsNotDue(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := pendingTask("1", t0)
	task.State = thankyou.StateSkipped
	task.DueAt = time.Time{}
	task.Order.Phone = ""
	task.Order.SkipReason = thankyou.Skip(thankyou.SkipNoPhone, "no phone number")
	task.Reason, task.SkipCode = "no phone number", thankyou.SkipNoPhone
	e.create(t, task)

	if got := e.due(t, t0.Add(365*24*time.Hour), 0); len(got) != 0 {
		t.Errorf("due = %v, want none", got)
	}
	item := e.raw(t, task.ID)
	assertNotIndexed(t, item)
	if got, want := numAttr(t, item, "expiresAt"), fmt.Sprint(task.CreatedAt.Add(retention).Unix()); got != want {
		t.Errorf("expiresAt = %s, want %s (created + retention)", got, want)
	}
	_, err := e.store.Claim(context.Background(), task.ID, "run", t0, time.Minute)
	if !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("Claim of skipped task: %v, want ErrNotClaimable", err)
	}
}

func TestDueTaskIDsFindsOnlyDueOpenTasks(t *testing.T) {
	e := newEnv(t, dynamo.Options{Shards: 4})
	ctx := context.Background()
	var wantDue []string // oldest first
	for i := range 8 {
		task := e.create(t, pendingTask(fmt.Sprintf("due-%d", i), t0.Add(-time.Duration(8-i)*time.Hour)))
		wantDue = append(wantDue, task.ID)
	}
	atNow := e.create(t, pendingTask("at-now", t0))
	wantDue = append(wantDue, atNow.ID)
	e.create(t, pendingTask("future", t0.Add(time.Second)))

	sent := e.create(t, pendingTask("sent", t0.Add(-10*time.Hour)))
	e.claim(t, sent.ID, "run", t0.Add(-9*time.Hour))
	if err := e.store.MarkSent(ctx, sent.ID, "run", "SM1", t0.Add(-9*time.Hour)); err != nil {
		t.Fatal(err)
	}
	claimed := e.create(t, pendingTask("claimed", t0.Add(-10*time.Hour)))
	e.claim(t, claimed.ID, "run", t0.Add(-time.Minute)) // lease until t0+4m
	skipped := pendingTask("skipped", time.Time{})
	skipped.State, skipped.CreatedAt = thankyou.StateSkipped, t0.Add(-20*time.Hour)
	e.create(t, skipped)

	shards := map[string]bool{}
	for _, id := range wantDue {
		shards[strAttr(e.raw(t, id), "duePk")] = true
	}
	if len(shards) < 2 {
		t.Fatalf("due tasks are in shards %v; the test needs several", shards)
	}

	tests := []struct {
		limit int
		want  []string
	}{
		{0, wantDue},
		{3, wantDue[:3]},
		{100, wantDue},
	}
	for _, tt := range tests {
		if got := e.due(t, t0, tt.limit); !slices.Equal(got, tt.want) {
			t.Errorf("DueTaskIDs(now, %d) =\n%v\nwant\n%v", tt.limit, got, tt.want)
		}
	}
	if got := e.due(t, t0.Add(-100*time.Hour), 0); len(got) != 0 {
		t.Errorf("DueTaskIDs(long ago) = %v, want none", got)
	}
}

func TestOnlyOneOfTwoRacingClaimsWins(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := e.create(t, pendingTask("1", t0))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
	)
	for i := range 20 {
		owner := fmt.Sprintf("run-%d", i)
		wg.Go(func() {
			c, err := e.store.Claim(context.Background(), task.ID, owner, t0, time.Minute)
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, owner)
				mu.Unlock()
				if c.Task.LeaseOwner != owner || c.Task.State != thankyou.StateSending || c.Recovered {
					t.Errorf("claim by %s = %+v", owner, c)
				}
			case !errors.Is(err, thankyou.ErrNotClaimable):
				t.Errorf("losing claim: %v, want ErrNotClaimable", err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("winners = %v, want exactly one", winners)
	}
	got := e.get(t, task.ID)
	if got.LeaseOwner != winners[0] || got.Attempts != 1 {
		t.Errorf("task lease owner %q, attempts %d; want %q, 1", got.LeaseOwner, got.Attempts, winners[0])
	}
}

func TestClaimTakesOnlyDueTasks(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := e.create(t, pendingTask("1", t0))
	ctx := context.Background()
	if _, err := e.store.Claim(ctx, task.ID, "run", t0.Add(-time.Second), time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("Claim before due: %v, want ErrNotClaimable", err)
	}
	if _, err := e.store.Claim(ctx, "shopify:x:missing", "run", t0, time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("Claim of missing task: %v, want ErrNotClaimable", err)
	}
	if _, err := e.store.GetTask(ctx, "shopify:x:missing"); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("a failed claim created the task: %v", err)
	}
	c := e.claim(t, task.ID, "run", t0)
	if got, want := c.Task.LeaseExpiresAt, t0.Add(5*time.Minute); !got.Equal(want) {
		t.Errorf("lease expires %s, want %s", got, want)
	}
	if got, want := strAttr(e.raw(t, task.ID), "dueSk"), "2030-03-04T10:05:00Z#"+task.ID; got != want {
		t.Errorf("dueSk = %q, want %q (the lease expiry)", got, want)
	}
}

func TestExpiredLeaseIsRecovered(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	const lease = 5 * time.Minute
	task := e.create(t, pendingTask("1", t0))
	claimAt := t0.Add(7 * time.Second)
	first := e.claim(t, task.ID, "run-a", claimAt)
	if first.Recovered || first.Task.Attempts != 1 {
		t.Fatalf("first claim = Recovered %v, attempts %d; want false, 1", first.Recovered, first.Task.Attempts)
	}

	if got := e.due(t, claimAt.Add(lease-time.Second), 0); len(got) != 0 {
		t.Errorf("due while leased = %v, want none", got)
	}
	if got := e.due(t, claimAt.Add(lease+time.Second), 0); !slices.Equal(got, []string{task.ID}) {
		t.Errorf("due after lease expiry = %v, want [%s]", got, task.ID)
	}
	if _, err := e.store.Claim(ctx, task.ID, "run-b", claimAt.Add(lease-time.Second), lease); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("claim of a held lease: %v, want ErrNotClaimable", err)
	}

	later := claimAt.Add(lease + time.Second)
	c, err := e.store.Claim(ctx, task.ID, "run-b", later, lease)
	if err != nil {
		t.Fatalf("claim after lease expiry: %v", err)
	}
	if !c.Recovered || !c.PreviousClaimAt.Equal(claimAt) || c.Task.Attempts != 2 || c.Task.LeaseOwner != "run-b" {
		t.Errorf("recovery claim = Recovered %v, PreviousClaimAt %s, attempts %d, owner %q; want true, %s, 2, run-b",
			c.Recovered, c.PreviousClaimAt, c.Task.Attempts, c.Task.LeaseOwner, claimAt)
	}
	if got, want := strAttr(e.raw(t, task.ID), "claimedAt"), "2030-03-04T10:05:08Z"; got != want {
		t.Errorf("claimedAt = %q, want %q", got, want)
	}
	if err := e.store.MarkSent(ctx, task.ID, "run-a", "SM1", later); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("MarkSent by the run that lost its lease: %v, want ErrNotClaimable", err)
	}
}

func TestMarkSentWithLostLeaseFails(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, pendingTask("1", t0))

	if err := e.store.MarkSent(ctx, task.ID, "run-a", "SM1", t0); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("MarkSent of an unclaimed task: %v, want ErrNotClaimable", err)
	}
	e.claim(t, task.ID, "run-a", t0)
	before := e.raw(t, task.ID)
	if err := e.store.MarkSent(ctx, task.ID, "run-b", "SM1", t0); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("MarkSent by another owner: %v, want ErrNotClaimable", err)
	}
	if after := e.raw(t, task.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("failed MarkSent changed the item")
	}

	if err := e.store.MarkSent(ctx, task.ID, "run-a", "SM1", t0.Add(time.Second)); err != nil {
		t.Fatalf("MarkSent by the owner: %v", err)
	}
	got := e.get(t, task.ID)
	if got.State != thankyou.StateSent || got.MessageSID != "SM1" || got.LeaseOwner != "" {
		t.Errorf("after MarkSent: state %s, sid %q, owner %q; want sent, SM1, none", got.State, got.MessageSID, got.LeaseOwner)
	}
	assertNotIndexed(t, e.raw(t, task.ID))
	if err := e.store.MarkSent(ctx, task.ID, "run-a", "SM2", t0.Add(2*time.Second)); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("second MarkSent: %v, want ErrNotClaimable", err)
	}
}

func TestRescheduleMakesTaskDueAgainLater(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, pendingTask("1", t0))
	e.claim(t, task.ID, "run-a", t0)
	next := t0.Add(time.Hour)

	if err := e.store.Reschedule(ctx, task.ID, "run-b", next, "rate limited", 20429, t0); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("Reschedule by another owner: %v, want ErrNotClaimable", err)
	}
	if err := e.store.Reschedule(ctx, task.ID, "run-a", next, "rate limited", 20429, t0); err != nil {
		t.Fatalf("Reschedule: %v", err)
	}
	got := e.get(t, task.ID)
	if got.State != thankyou.StatePending || !got.DueAt.Equal(next) || got.Reason != "rate limited" || got.ErrorCode != 20429 || got.LeaseOwner != "" {
		t.Errorf("after Reschedule: %+v", got)
	}
	if ids := e.due(t, next.Add(-time.Second), 0); len(ids) != 0 {
		t.Errorf("due before the new time = %v, want none", ids)
	}
	if ids := e.due(t, next, 0); !slices.Equal(ids, []string{task.ID}) {
		t.Errorf("due at the new time = %v, want [%s]", ids, task.ID)
	}
	if _, err := e.store.Claim(ctx, task.ID, "run-c", next.Add(-time.Second), time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
		t.Errorf("claim before the new time: %v, want ErrNotClaimable", err)
	}
	c := e.claim(t, task.ID, "run-c", next)
	if c.Recovered || c.Task.Attempts != 2 {
		t.Errorf("claim at the new time: Recovered %v, attempts %d; want false, 2", c.Recovered, c.Task.Attempts)
	}

	if err := e.store.Reschedule(ctx, task.ID, "run-c", next.Add(time.Hour), "", 0, next); err != nil {
		t.Fatal(err)
	}
	if item := e.raw(t, task.ID); hasAttr(item, "errorCode") || hasAttr(item, "reason") {
		t.Errorf("reschedule without code or reason kept errorCode %v, reason %v", item["errorCode"], item["reason"])
	}
}

func TestFinishSetsTTLAndLeavesIndex(t *testing.T) {
	tests := []struct {
		state  thankyou.State
		reason string
		code   int
		sid    string
	}{
		{thankyou.StateFailed, "number not reachable", 21211, ""},
		{thankyou.StateOptedOut, "recipient opted out", 0, ""},
		{thankyou.StateExpired, "past deadline", 0, ""},
		{thankyou.StateSkipped, "test order", 0, ""},
		{thankyou.StateSent, "found at Twilio after recovery", 0, "SM9"},
	}
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			task := e.create(t, pendingTask(fmt.Sprint(i), t0))
			e.claim(t, task.ID, "run", t0)
			end := t0.Add(time.Minute)
			if err := e.store.Finish(ctx, task.ID, "other", tt.state, tt.reason, tt.code, tt.sid, end); !errors.Is(err, thankyou.ErrNotClaimable) {
				t.Errorf("Finish by another owner: %v, want ErrNotClaimable", err)
			}
			if err := e.store.Finish(ctx, task.ID, "run", tt.state, tt.reason, tt.code, tt.sid, end); err != nil {
				t.Fatalf("Finish: %v", err)
			}
			got := e.get(t, task.ID)
			if got.State != tt.state || got.Reason != tt.reason || got.ErrorCode != tt.code || got.MessageSID != tt.sid {
				t.Errorf("after Finish: state %s, reason %q, code %d, sid %q; want %s, %q, %d, %q",
					got.State, got.Reason, got.ErrorCode, got.MessageSID, tt.state, tt.reason, tt.code, tt.sid)
			}
			if want := end.Add(retention); !got.ExpiresAt.Equal(want) {
				t.Errorf("ExpiresAt = %s, want %s", got.ExpiresAt, want)
			}
			assertNotIndexed(t, e.raw(t, task.ID))
			if ids := e.due(t, end.Add(24*time.Hour), 0); slices.Contains(ids, task.ID) {
				t.Errorf("finished task is still due")
			}
			if _, err := e.store.Claim(ctx, task.ID, "run2", end.Add(24*time.Hour), time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
				t.Errorf("claim of finished task: %v, want ErrNotClaimable", err)
			}
		})
	}
}

func TestFinishRefusesOpenStatesAndSentWithoutSID(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := e.create(t, pendingTask("1", t0))
	e.claim(t, task.ID, "run", t0)
	for _, state := range []thankyou.State{thankyou.StatePending, thankyou.StateSending, "", thankyou.StateSent} {
		err := e.store.Finish(context.Background(), task.ID, "run", state, "", 0, "", t0)
		if thankyou.ErrorCode(err) != thankyou.EINVALID {
			t.Errorf("Finish(%q): %v, want %s", state, err, thankyou.EINVALID)
		}
	}
	if got := e.get(t, task.ID); got.State != thankyou.StateSending {
		t.Errorf("state = %s, want sending", got.State)
	}
}

// sentTask creates a task and takes it through claim and MarkSent with sid.
func (e env) sentTask(t testing.TB, n, sid string) thankyou.Task {
	t.Helper()
	task := e.create(t, pendingTask(n, t0))
	e.claim(t, task.ID, "run", t0)
	if err := e.store.MarkSent(context.Background(), task.ID, "run", sid, t0); err != nil {
		t.Fatal(err)
	}
	return task
}

func TestApplyStatusMovesForwardOnly(t *testing.T) {
	type callback struct {
		sid    string
		status thankyou.State
	}
	tests := []struct {
		name      string
		callbacks []callback
		wantState thankyou.State
		wantCode  string // error code of the last callback
	}{
		{"sent then delivered", []callback{{"SM1", thankyou.StateDelivered}}, thankyou.StateDelivered, ""},
		{"late sent after delivered", []callback{{"SM1", thankyou.StateDelivered}, {"SM1", thankyou.StateSent}}, thankyou.StateDelivered, ""},
		{"repeated delivered", []callback{{"SM1", thankyou.StateDelivered}, {"SM1", thankyou.StateDelivered}}, thankyou.StateDelivered, ""},
		{"repeated sent", []callback{{"SM1", thankyou.StateSent}}, thankyou.StateSent, ""},
		{"failed after delivered", []callback{{"SM1", thankyou.StateDelivered}, {"SM1", thankyou.StateFailed}}, thankyou.StateDelivered, ""},
		{"undelivered", []callback{{"SM1", thankyou.StateUndelivered}}, thankyou.StateUndelivered, ""},
		{"other SID", []callback{{"SM2", thankyou.StateDelivered}}, thankyou.StateSent, thankyou.ECONFLICT},
		{"other SID after delivered", []callback{{"SM1", thankyou.StateDelivered}, {"SM2", thankyou.StateFailed}}, thankyou.StateDelivered, thankyou.ECONFLICT},
		{"not a Twilio status", []callback{{"SM1", thankyou.StateExpired}}, thankyou.StateSent, thankyou.EINVALID},
	}
	e := newEnv(t, dynamo.Options{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			task := e.sentTask(t, fmt.Sprint(i), "SM1")
			var err error
			for j, cb := range tt.callbacks {
				_, err = e.store.ApplyStatus(context.Background(), task.ID, cb.sid, cb.status, 30003, "Unreachable destination handset", t0.Add(time.Duration(j+1)*time.Minute))
				if j < len(tt.callbacks)-1 && err != nil {
					t.Fatalf("callback %d: %v", j, err)
				}
			}
			if got := thankyou.ErrorCode(err); got != tt.wantCode {
				t.Errorf("last callback: code %q (%v), want %q", got, err, tt.wantCode)
			}
			if got := e.get(t, task.ID); got.State != tt.wantState || got.MessageSID != "SM1" {
				t.Errorf("state %s, sid %s; want %s, SM1", got.State, got.MessageSID, tt.wantState)
			}
		})
	}
}

func TestApplyStatusRecordsFinalStateAndError(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := e.sentTask(t, "1", "SM1")
	at := t0.Add(time.Hour)
	got, err := e.store.ApplyStatus(context.Background(), task.ID, "SM1", thankyou.StateUndelivered, 30003, "Unreachable destination handset", at)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != thankyou.StateUndelivered || got.ErrorCode != 30003 || got.Reason != "Unreachable destination handset" || !got.ExpiresAt.Equal(at.Add(retention)) {
		t.Errorf("returned task: state %s, code %d, reason %q, expires %s", got.State, got.ErrorCode, got.Reason, got.ExpiresAt)
	}
	if stored := e.get(t, task.ID); !reflect.DeepEqual(stored, got) {
		t.Errorf("returned task differs from stored:\n%+v\n%+v", got, stored)
	}
}

func TestApplyStatusOfUnknownOrUnsentTaskChangesNothing(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	if _, err := e.store.ApplyStatus(ctx, "shopify:x:missing", "SM1", thankyou.StateDelivered, 0, "", t0); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("unknown task: %v, want %s", err, thankyou.ENOTFOUND)
	}
	task := e.create(t, pendingTask("1", t0))
	e.claim(t, task.ID, "run", t0)
	if err := e.store.Finish(ctx, task.ID, "run", thankyou.StateOptedOut, "", 0, "", t0); err != nil {
		t.Fatal(err)
	}
	before := e.raw(t, task.ID)
	if _, err := e.store.ApplyStatus(ctx, task.ID, "SM1", thankyou.StateDelivered, 0, "", t0); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("opted-out task: %v, want %s", err, thankyou.ECONFLICT)
	}
	if after := e.raw(t, task.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("callback changed an opted-out task")
	}
}

func TestApplyStatusRepairsLostSID(t *testing.T) {
	for _, status := range []thankyou.State{thankyou.StateSent, thankyou.StateDelivered, thankyou.StateFailed} {
		t.Run(string(status), func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			task := e.create(t, pendingTask("1", t0))
			e.claim(t, task.ID, "run", t0) // Twilio accepts, then the run dies.

			got, err := e.store.ApplyStatus(ctx, task.ID, "SM1", status, 30008, "Unknown error", t0.Add(time.Minute))
			if err != nil {
				t.Fatalf("ApplyStatus: %v", err)
			}
			if got.State != status || got.MessageSID != "SM1" || got.LeaseOwner != "" || got.ExpiresAt.IsZero() {
				t.Errorf("repaired task: state %s, sid %q, owner %q, expires %s", got.State, got.MessageSID, got.LeaseOwner, got.ExpiresAt)
			}
			assertNotIndexed(t, e.raw(t, task.ID))
			if ids := e.due(t, t0.Add(time.Hour), 0); len(ids) != 0 {
				t.Errorf("repaired task still due: %v", ids)
			}
			if _, err := e.store.Claim(ctx, task.ID, "run-b", t0.Add(time.Hour), time.Minute); !errors.Is(err, thankyou.ErrNotClaimable) {
				t.Errorf("claim after repair: %v, want ErrNotClaimable", err)
			}
			if err := e.store.MarkSent(ctx, task.ID, "run", "SM1", t0.Add(time.Minute)); !errors.Is(err, thankyou.ErrNotClaimable) {
				t.Errorf("MarkSent after repair: %v, want ErrNotClaimable", err)
			}
		})
	}
}

func TestConcurrentStatusCallbacksEndDelivered(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	task := e.create(t, pendingTask("1", t0))
	e.claim(t, task.ID, "run", t0) // the SID is not recorded yet
	var wg sync.WaitGroup
	for i := range 20 {
		status := thankyou.StateSent
		if i%2 == 0 {
			status = thankyou.StateDelivered
		}
		wg.Go(func() {
			if _, err := e.store.ApplyStatus(context.Background(), task.ID, "SM1", status, 0, "", t0.Add(time.Minute)); err != nil {
				t.Errorf("ApplyStatus(%s): %v", status, err)
			}
		})
	}
	wg.Wait()
	if got := e.get(t, task.ID); got.State != thankyou.StateDelivered || got.MessageSID != "SM1" {
		t.Errorf("state %s, sid %q; want delivered, SM1", got.State, got.MessageSID)
	}
}

func TestOptOutRoundTrip(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	check := func(phone string, want bool) {
		t.Helper()
		got, err := e.store.OptedOut(ctx, phone)
		if err != nil || got != want {
			t.Errorf("OptedOut(%s) = %v, %v; want %v, nil", phone, got, err, want)
		}
	}
	check(testPhone, false)
	if err := e.store.SetOptOut(ctx, testPhone, "STOP", t0); err != nil {
		t.Fatal(err)
	}
	check(testPhone, true)
	check("+14155550124", false)
	if err := e.store.SetOptOut(ctx, testPhone, "UNSUBSCRIBE", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	check(testPhone, true)
	if err := e.store.ClearOptOut(ctx, testPhone, t0); err != nil {
		t.Fatal(err)
	}
	check(testPhone, false)
	if err := e.store.ClearOptOut(ctx, testPhone, t0); err != nil {
		t.Errorf("clearing again: %v", err)
	}
	if _, err := e.store.OptedOut(ctx, ""); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Errorf("OptedOut(\"\"): %v, want %s", err, thankyou.EINVALID)
	}
}

func TestCreateTableIsIdempotent(t *testing.T) {
	c, table := dynamotest.NewTable(t)
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		t.Fatal(err)
	}
	in, err := tpl.CreateTableInput(table)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 2 {
		if err := dynamo.CreateTable(ctx, c, in, tpl.TTLAttribute()); err != nil {
			t.Fatalf("CreateTable on an existing table: %v", err)
		}
	}
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Table.TableStatus; got != types.TableStatusActive {
		t.Errorf("status = %s, want ACTIVE", got)
	}
	var names []string
	for _, g := range out.Table.GlobalSecondaryIndexes {
		names = append(names, aws.ToString(g.IndexName))
	}
	slices.Sort(names)
	if want := []string{dynamo.CallsIndex, dynamo.DueIndex}; !slices.Equal(names, want) {
		t.Errorf("indexes = %v, want %v", names, want)
	}
}

func TestHistoryHoldsNoPersonalData(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, pendingTask("1", t0))
	// Reasons are free text and may quote the number, as Twilio's do.
	leak := "The 'To' number " + testPhone + " (" + testName + ", " + testEmail + ") is not reachable"
	e.claim(t, task.ID, "run-a", t0)
	if err := e.store.Reschedule(ctx, task.ID, "run-a", t0.Add(time.Hour), leak, 30003, t0); err != nil {
		t.Fatal(err)
	}
	e.claim(t, task.ID, "run-b", t0.Add(time.Hour))
	e.claim(t, task.ID, "run-c", t0.Add(2*time.Hour)) // recovery
	if err := e.store.MarkSent(ctx, task.ID, "run-c", "SM1", t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ApplyStatus(ctx, task.ID, "SM1", thankyou.StateUndelivered, 30003, leak, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}

	l, ok := e.raw(t, task.ID)["history"].(*types.AttributeValueMemberL)
	if !ok {
		t.Fatal("no history list")
	}
	wantEvents := []string{"created", "claimed", "rescheduled", "claimed", "recovered", "sent", "status"}
	var events []string
	personal := []string{testPhone, strings.TrimPrefix(testPhone, "+"), "5550123", testName, testFirst, testEmail}
	for _, v := range l.Value {
		m, ok := v.(*types.AttributeValueMemberM)
		if !ok {
			t.Fatalf("history entry %#v is not a map", v)
		}
		events = append(events, strAttr(m.Value, "event"))
		if strAttr(m.Value, "at") == "" {
			t.Errorf("history entry %v has no time", m.Value)
		}
		for k, a := range m.Value {
			s := strAttr(m.Value, k)
			if s == "" {
				t.Errorf("history entry field %s = %#v, want a string", k, a)
			}
			for _, p := range personal {
				if strings.Contains(s, p) {
					t.Errorf("history entry field %s = %q contains personal data %q", k, s, p)
				}
			}
		}
	}
	if !slices.Equal(events, wantEvents) {
		t.Errorf("history events = %v, want %v", events, wantEvents)
	}
}

func BenchmarkCreateTask(b *testing.B) {
	_, table := dynamotest.NewTable(b)
	var n *atomic.Int64
	c := dynamotest.NewClient(b, func(o *dynamodb.Options) { n = dynamotest.CountRequests(o) })
	s := dynamo.New(c, table, dynamo.Options{})
	ctx := context.Background()
	i := 0
	for b.Loop() {
		i++
		if _, err := s.CreateTask(ctx, pendingTask(fmt.Sprint(i), t0)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n.Load())/float64(i), "ddb-req/op")
}

func BenchmarkClaimAndMarkSent(b *testing.B) {
	_, table := dynamotest.NewTable(b)
	var n *atomic.Int64
	c := dynamotest.NewClient(b, func(o *dynamodb.Options) { n = dynamotest.CountRequests(o) })
	s := dynamo.New(c, table, dynamo.Options{})
	ctx := context.Background()
	ids := make([]string, b.N)
	for i := range ids {
		task := pendingTask(fmt.Sprint(i), t0)
		if _, err := s.CreateTask(ctx, task); err != nil {
			b.Fatal(err)
		}
		ids[i] = task.ID
	}
	n.Store(0)
	b.ResetTimer()
	for _, id := range ids {
		if _, err := s.Claim(ctx, id, "run", t0, time.Minute); err != nil {
			b.Fatal(err)
		}
		if err := s.MarkSent(ctx, id, "run", "SM"+id, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Load())/float64(b.N), "ddb-req/op")
}
