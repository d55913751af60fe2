package faults_test

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// errDied is what every call of a dead dispatcher run returns: nothing it
// would still do reaches DynamoDB or Twilio.
var errDied = errors.New("the dispatcher process died")

// step is where a dispatcher run dies.
type step string

const (
	// afterClaim: the claim is written, nothing is sent.
	afterClaim step = "after the claim, before sending"
	// afterAccept: Twilio accepted the message, its SID is not written (the
	// window that cannot be closed). The suite's dispatchers send with a
	// status callback that no one serves: they leave every SMS they send
	// in sending for its callback, which never comes, so every send is in
	// this window and recorded by a later run's recovery (FindSent).
	afterAccept step = "after Twilio accepted, before its SID is written"
	// beforeFinal: MarkSent, Reschedule or Finish is never executed.
	beforeFinal step = "before the final write (MarkSent/Reschedule/Finish)"
)

var steps = []step{afterClaim, afterAccept, beforeFinal}

// ledger records, across runs, what the crash wrappers saw.
type ledger struct {
	mu sync.Mutex
	// unrecorded holds, per run, the messages Twilio accepted whose SID
	// that run has not recorded (yet).
	unrecorded map[string]map[string]string
	// windows counts per task the runs that died (or ended) between
	// Twilio's acceptance and the SID's record.
	windows map[string]int
	// cut counts per task the sends in flight when their run died: Twilio
	// may have accepted them (the window again, seen from the other side).
	cut    map[string]int
	deaths map[step]int
}

func newLedger() *ledger {
	return &ledger{unrecorded: map[string]map[string]string{}, windows: map[string]int{}, cut: map[string]int{}, deaths: map[step]int{}}
}

func (l *ledger) accepted(run, task, sid string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.unrecorded[run] == nil {
		l.unrecorded[run] = map[string]string{}
	}
	l.unrecorded[run][task] = sid
}

func (l *ledger) recorded(run, task string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.unrecorded[run], task)
}

func (l *ledger) cutOff(task string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cut[task]++
}

func (l *ledger) died(s step) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deaths[s]++
}

// ended closes a run's books: whatever it did not record is a window.
func (l *ledger) ended(run string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for task := range l.unrecorded[run] {
		l.windows[task]++
	}
	delete(l.unrecorded, run)
}

// crashRun is one dispatcher process. It wraps the store and the sender
// that the dispatcher uses (the interfaces internal/dispatch declares) and,
// at its chosen step, with probability p at each chance, dies: the run's
// context is cancelled (calls in flight are cut off as a crash cuts them)
// and nothing the run does afterwards reaches DynamoDB or Twilio. The real
// store and the real local Twilio are left with exactly what a crashed
// process leaves behind.
type crashRun struct {
	id     string
	store  dispatch.Store
	sender dispatch.Sender
	at     step // "" for a healthy run
	p      float64
	chance func(p float64) bool
	cancel context.CancelFunc
	dead   atomic.Bool
	ledger *ledger
}

func (c *crashRun) die() {
	if c.dead.CompareAndSwap(false, true) {
		c.cancel()
		c.ledger.died(c.at)
	}
}

// dies reports whether the run dies now, at step s.
func (c *crashRun) dies(s step) bool {
	if c.at == s && c.chance(c.p) {
		c.die()
	}
	return c.dead.Load()
}

func (c *crashRun) DueTaskIDs(ctx context.Context, now time.Time, limit int) ([]string, error) {
	if c.dead.Load() {
		return nil, errDied
	}
	return c.store.DueTaskIDs(ctx, now, limit)
}

func (c *crashRun) Claim(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (thankyou.Claim, error) {
	if c.dead.Load() {
		return thankyou.Claim{}, errDied
	}
	cl, err := c.store.Claim(ctx, id, owner, now, lease)
	if err == nil && c.dies(afterClaim) {
		return thankyou.Claim{}, errDied
	}
	return cl, err
}

func (c *crashRun) MarkSent(ctx context.Context, id, owner, sid string, now time.Time) error {
	if c.dead.Load() || c.dies(beforeFinal) {
		return errDied
	}
	err := c.store.MarkSent(ctx, id, owner, sid, now)
	if err == nil {
		c.ledger.recorded(c.id, id)
	}
	return err
}

func (c *crashRun) Reschedule(ctx context.Context, id, owner string, due time.Time, reason string, code int, now time.Time) error {
	if c.dead.Load() || c.dies(beforeFinal) {
		return errDied
	}
	return c.store.Reschedule(ctx, id, owner, due, reason, code, now)
}

func (c *crashRun) Defer(ctx context.Context, id, owner string, due time.Time, reason string, now time.Time) error {
	if c.dead.Load() || c.dies(beforeFinal) {
		return errDied
	}
	return c.store.Defer(ctx, id, owner, due, reason, now)
}

func (c *crashRun) Finish(ctx context.Context, id, owner string, state thankyou.State, reason string, code int, sid string, now time.Time) error {
	if c.dead.Load() || c.dies(beforeFinal) {
		return errDied
	}
	return c.store.Finish(ctx, id, owner, state, reason, code, sid, now)
}

func (c *crashRun) GetTask(ctx context.Context, id string) (thankyou.Task, error) {
	if c.dead.Load() {
		return thankyou.Task{}, errDied
	}
	return c.store.GetTask(ctx, id)
}

func (c *crashRun) OptedOut(ctx context.Context, phone string) (bool, error) {
	if c.dead.Load() {
		return false, errDied
	}
	return c.store.OptedOut(ctx, phone)
}

func (c *crashRun) SetOptOut(ctx context.Context, phone, keyword string, now time.Time) error {
	if c.dead.Load() {
		return errDied
	}
	return c.store.SetOptOut(ctx, phone, keyword, now)
}

func (c *crashRun) SendSMS(ctx context.Context, to, body, statusCallback string) (string, error) {
	if c.dead.Load() {
		return "", errDied
	}
	sid, err := c.sender.SendSMS(ctx, to, body, statusCallback)
	if err != nil {
		if c.dead.Load() {
			c.ledger.cutOff(callbackTask(statusCallback))
		}
		return "", err
	}
	c.ledger.accepted(c.id, callbackTask(statusCallback), sid)
	if c.dies(afterAccept) {
		return "", errDied
	}
	return sid, nil
}

func (c *crashRun) FindSent(ctx context.Context, to, body string, since time.Time) (string, bool, error) {
	if c.dead.Load() {
		return "", false, errDied
	}
	return c.sender.FindSent(ctx, to, body, since)
}

func callbackTask(statusCallback string) string {
	_, q, _ := strings.Cut(statusCallback, "?")
	v, _ := url.ParseQuery(q)
	return v.Get("task")
}

// TestDispatchersKilledAtEveryStepLoseNothingAndSendNothingTwice runs
// dispatchers that die, on a schedule whose clock moves past their leases:
// after the claim, after Twilio accepted (before the SID is written), and
// before the final write. Twilio also fails 10% of sends (500s, and
// timeouts after which the message was accepted), and a few recipients
// have opted out, so that every write the dispatcher makes (Reschedule,
// Finish; MarkSent is not made: no status callback is served, see
// afterAccept) is a place to die. Then healthy dispatchers, two at a
// time, run until nothing is due. No task is lost, and none is sent twice:
// not even those caught in the window that cannot be closed, which a
// recovered claim checks with Twilio (FindSent) before sending again.
//
// It is played twice: with Twilio sending each message at once, and with
// Twilio holding each in its queue for longer than the whole test (a
// Messaging Service's backlog), so that no message the check looks for
// has a date_sent yet.
func TestDispatchersKilledAtEveryStepLoseNothingAndSendNothingTwice(t *testing.T) {
	for name, queue := range map[string]time.Duration{"sent at once": 0, "held in Twilio's queue": 24 * time.Hour} {
		t.Run(name, func(t *testing.T) { killedAtEveryStep(t, queue) })
	}
}

func killedAtEveryStep(t *testing.T, queue time.Duration) {
	n := scaled(t, 1000, 30)
	sd := seed(t)
	w := newQueuedWorld(t, faults.FlakyTwilioOptions{
		Fraction: 0.1, Seed: sd, Hold: 10 * time.Second,
		Faults: []faults.TwilioFault{faults.ServerError, faults.TimeoutAccepted},
	}, queue)
	tasks := w.addTasks(t, n)
	ctx := context.Background()
	optedOut := map[string]bool{}
	for i := 0; i < n; i += 20 {
		optedOut[recipient(i)] = true
		if err := w.store.SetOptOut(ctx, recipient(i), "STOP", w.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}

	var (
		rngMu sync.Mutex
		rng   = mrand.New(mrand.NewPCG(sd, sd>>1))
	)
	chance := func(p float64) bool {
		rngMu.Lock()
		defer rngMu.Unlock()
		return rng.Float64() < p
	}
	pick := func() step {
		rngMu.Lock()
		defer rngMu.Unlock()
		return steps[rng.IntN(len(steps))]
	}
	book := newLedger()
	var (
		total    dispatch.Summary
		totalMu  sync.Mutex
		runs     atomic.Int64
		runCount = map[step]int{}
	)
	// runOne runs h as one dispatcher process that dies at step at (never,
	// for ""), with probability p at each chance.
	runOne := func(h *dispatch.Handler, at step, p float64) {
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		c := &crashRun{
			id: fmt.Sprintf("run-%d", runs.Add(1)), store: h.Store, sender: h.Sender,
			at: at, p: p, chance: chance, cancel: cancel, ledger: book,
		}
		h.Store, h.Sender = c, c
		s, err := h.Run(rctx)
		cancel()
		book.ended(c.id)
		if err != nil && !c.dead.Load() {
			t.Errorf("a run that did not die failed: %v", err)
		}
		totalMu.Lock()
		sum(&total, s)
		runCount[at]++
		totalMu.Unlock()
	}
	wave := func(k int, at func() step, p float64) {
		var wg sync.WaitGroup
		for range k {
			h, s := w.dispatcher(t), at()
			wg.Go(func() { runOne(h, s, p) })
		}
		wg.Wait()
	}

	// Chaos: at each tick of the schedule, waves of three runs that each
	// die at a step picked at random, after a few chances, until nothing
	// is due at that time; the next tick is past their leases.
	const chaosTicks, dieP = 6, 0.25
	for range chaosTicks {
		for waves := 0; w.dueNow(t); waves++ {
			if waves > n {
				t.Fatalf("tasks still due after %d waves of dying runs at %s", waves, w.clock.Now())
			}
			wave(3, pick, dieP)
		}
		w.advance(t)
	}
	chaosEnd := w.clock.Now()
	// Recovery: healthy runs, two racing, until no task is open.
	healthyTicks := 0
	for ; ; healthyTicks++ {
		if healthyTicks == maxTicks {
			t.Fatalf("tasks still open after %d healthy ticks", maxTicks)
		}
		wave(2, func() step { return "" }, 0)
		if _, open := w.nextDue(t); !open {
			break
		}
		w.advance(t)
	}

	v := w.check(t, tasks, optedOut)
	windows, windowTasks, cuts := 0, 0, 0
	for _, k := range book.windows {
		windows += k
		windowTasks++
	}
	for _, k := range book.cut {
		cuts += k
	}
	ambiguous := map[string]int{}
	for _, e := range w.flaky.Events() {
		if e.Fault == faults.TimeoutAccepted {
			ambiguous[callbackTask(e.StatusCallback)]++
		}
	}
	// Every duplicate, with what led to it.
	var dupWindow, dupAmbiguous, dupSystem []string
	for id, k := range v.duplicates {
		task, err := w.store.GetTask(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("%s: %d messages at %s; windows %d, sends cut by a crash %d, lost answers %d; %s; history: %s",
			id, k, created(w.twilio.Messages(), id), book.windows[id], book.cut[id], ambiguous[id], summary(task), w.history(t, id))
		switch {
		case book.windows[id] > 0 || book.cut[id] > 0:
			dupWindow = append(dupWindow, line)
		case ambiguous[id] > 0:
			dupAmbiguous = append(dupAmbiguous, line)
		default:
			dupSystem = append(dupSystem, line)
		}
	}
	sort.Strings(dupWindow)
	sort.Strings(dupAmbiguous)
	sort.Strings(dupSystem)
	if len(dupSystem) > 0 {
		t.Errorf("%d task(s) sent more than once with no crash or lost answer between send and record: the system itself sent twice:\n  %s",
			len(dupSystem), strings.Join(first(dupSystem, 10), "\n  "))
	}
	if len(dupWindow) > 0 {
		t.Errorf("%d task(s) caught in the window (Twilio accepted, or had the send in flight, and the run died before writing the SID) were sent again; the recovered claim's FindSent should have found the first message:\n  %s",
			len(dupWindow), strings.Join(first(dupWindow, 10), "\n  "))
	}
	if len(dupAmbiguous) > 0 {
		t.Errorf("%d task(s) whose send timed out after Twilio accepted it were sent again; the recovered claim's FindSent should have found the first message:\n  %s",
			len(dupAmbiguous), strings.Join(first(dupAmbiguous, 10), "\n  "))
	}
	// The chaos must have happened, or this test proves nothing.
	for _, s := range steps {
		if book.deaths[s] == 0 {
			t.Errorf("no run died %s: the test did not exercise that step", s)
		}
	}
	if windows == 0 {
		t.Errorf("no run died inside the window: the test did not exercise it")
	}

	t.Log("summary:" + tabulate(
		[2]any{"tasks (every 20th recipient opted out)", n},
		[2]any{"chaos: ticks, then clock", fmt.Sprintf("%d, until %s", chaosTicks, chaosEnd.UTC().Format(time.RFC3339))},
		[2]any{"healthy: ticks, then clock", fmt.Sprintf("%d, until %s", healthyTicks+1, w.clock.Now().UTC().Format(time.RFC3339))},
		[2]any{"runs in all (healthy)", fmt.Sprintf("%d (%d)", runs.Load(), runCount[""])},
		[2]any{"runs died " + string(afterClaim), book.deaths[afterClaim]},
		[2]any{"runs died " + string(afterAccept), book.deaths[afterAccept]},
		[2]any{"runs died " + string(beforeFinal), book.deaths[beforeFinal]},
		[2]any{"window: accepted, SID not written (times / tasks)", fmt.Sprintf("%d / %d", windows, windowTasks)},
		[2]any{"sends in flight cut off by a crash", cuts},
		[2]any{"sends timed out after Twilio accepted (tasks)", len(ambiguous)},
		[2]any{"Twilio 500s injected", w.flaky.Counts()[faults.ServerError]},
		[2]any{"runs: sent / retried / unanswered / recovered / errors", fmt.Sprintf("%d / %d / %d / %d / %d", total.Sent, total.Retried, total.Unanswered, total.Recovered, total.Errors)},
		[2]any{"messages accepted by Twilio", v.messages},
		[2]any{"tasks sent / failed / opted out", fmt.Sprintf("%d / %d / %d", v.states[thankyou.StateSent], v.states[thankyou.StateFailed], v.states[thankyou.StateOptedOut])},
		[2]any{"tasks left pending or sending (lost)", v.states[thankyou.StatePending] + v.states[thankyou.StateSending]},
		[2]any{"duplicates: caused by the system alone", len(dupSystem)},
		[2]any{"duplicates: after the window", len(dupWindow)},
		[2]any{"duplicates: after a lost answer", len(dupAmbiguous)},
	))
}

// summary describes a task for a failure message, without personal data.
func summary(t thankyou.Task) string {
	return fmt.Sprintf("attempts %d, state %s, reason %q", t.Attempts, t.State, t.Reason)
}

// created lists when Twilio created a task's messages.
func created(msgs []twiliotest.Message, task string) string {
	var at []string
	for _, m := range msgs {
		if taskOf(m) == task {
			at = append(at, m.Created.Format("15:04:05"))
		}
	}
	return strings.Join(at, ", ")
}

// history returns a task item's history (it never holds personal data),
// one "time event detail" entry after another.
func (w *world) history(t *testing.T, id string) string {
	t.Helper()
	out, err := w.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(w.table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "TASK#" + id}, "sk": &types.AttributeValueMemberS{Value: "TASK"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	var item struct {
		History []struct{ At, Event, Detail string } `dynamodbav:"history"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &item); err != nil {
		t.Fatal(err)
	}
	var b []string
	for _, h := range item.History {
		at := h.At
		if len(at) > 11 {
			at = at[11:]
		}
		b = append(b, strings.TrimSpace(at+" "+h.Event+" "+h.Detail))
	}
	return strings.Join(b, " | ")
}
