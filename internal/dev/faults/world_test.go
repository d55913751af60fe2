package faults_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/dispatcher"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// dueAt is Wednesday 25 November 2026, 11:00 in New York: inside the
// default Mon–Fri 10:00–17:00 window, with six hours of it left (Thursday
// is Thanksgiving, when nobody is contacted).
var dueAt = time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)

// faultShop is the shop of the suite's tasks.
const faultShop = "fault-suite.myshopify.com"

// sendTimeout is the Twilio client's per-request timeout in the dispatcher
// tests: long enough for an answer on a loaded 2-core machine, short
// enough that injected timeouts cost little.
const sendTimeout = time.Second

// world is a dispatcher's world: a fresh table on dynalite, the local
// Twilio behind a FlakyTwilio, a clock the test moves, and the dispatcher's
// configuration from events/env.json.
type world struct {
	// client reaches dynalite directly; dispatchers reach it through a
	// shield (a Throttler that throttles nothing), since dynalite exits
	// when a crashed run aborts a request it is reading.
	client, shielded *dynamodb.Client
	table            string
	store            *dynamo.Store
	clock            *localstack.Clock
	twilio           *twiliotest.Server
	flaky            *faults.FlakyTwilio
	sender           *twilio.Client
	cfg              config.DispatcherConfig
}

func newWorld(t *testing.T, flaky faults.FlakyTwilioOptions) *world {
	t.Helper()
	return newQueuedWorld(t, flaky, 0)
}

// newQueuedWorld is newWorld with a Twilio that holds each accepted
// message in its queue for queue before sending it (date_sent null until
// then), as a Messaging Service with a backlog does.
func newQueuedWorld(t *testing.T, flaky faults.FlakyTwilioOptions, queue time.Duration) *world {
	t.Helper()
	client, table := dynamotest.NewTable(t)
	shield, err := faults.NewThrottler(dynamotest.Endpoint(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	shieldSrv := httptest.NewServer(shield)
	t.Cleanup(shieldSrv.Close)
	shielded := dynamotest.NewClient(t, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(shieldSrv.URL) })
	clock := localstack.NewClock(dueAt.Add(5 * time.Minute))
	tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken, Now: clock.Now, Queue: queue})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tw.Close() })
	fl, err := faults.NewFlakyTwilio(tw.URL(), flaky)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(fl)
	t.Cleanup(front.Close)
	// The dispatcher's own configuration, from the Lambda's environment:
	// lease 10m, 5 attempts, 4 sends in flight. Only the send rate is raised,
	// so that the suite does not wait on the 10/s limiter.
	cfg, err := config.LoadDispatcher(env(t, localstack.DispatcherID, table, map[string]string{
		"TWILIO_API_BASE_URL": front.URL,
		"SEND_RATE":           "1000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	sender, err := twilio.New(twilio.Config{
		AccountSID: cfg.Twilio.AccountSID, AuthToken: cfg.Twilio.AuthToken.Value, From: cfg.Twilio.From,
		BaseURL: front.URL, Timeout: sendTimeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &world{
		client: client, shielded: shielded, table: table, store: dynamo.New(client, table, dynamo.Options{}),
		clock: clock, twilio: tw, flaky: fl, sender: sender, cfg: cfg,
	}
}

// dispatcher builds the dispatcher as its Lambda main does (internal/app),
// with the world's clock and a Twilio client with a short timeout.
func (w *world) dispatcher(t *testing.T) *dispatch.Handler {
	t.Helper()
	h, err := dispatcher.New(context.Background(), w.cfg, app.Deps{
		DynamoDB: w.shielded, Secrets: &secret.Resolver{}, Logger: discard, Now: w.clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Sender = w.sender
	return h
}

// recipient is task i's phone number: each task has its own, since a
// recovered claim asks Twilio for messages by number (see the README
// section on the window that cannot be closed).
func recipient(i int) string { return fmt.Sprintf("+1212555%04d", i%10000) }

// addTasks stores n pending tasks, due at dueAt, each to its own number.
func (w *world) addTasks(t *testing.T, n int) []thankyou.Task {
	t.Helper()
	tasks := make([]thankyou.Task, n)
	for i := range tasks {
		id := fmt.Sprintf("%d", 9000000+i)
		tasks[i] = thankyou.Task{
			ID: thankyou.TaskID(thankyou.SourceShopify, faultShop, id),
			Order: thankyou.Order{
				Source: thankyou.SourceShopify, Shop: faultShop, ID: id, Number: fmt.Sprint(1000 + i),
				CustomerName: "Jane Doe", FirstName: "Jane", Phone: recipient(i), Total: "19.99", Currency: "USD",
				CreatedAt: dueAt.Add(-72 * time.Hour),
			},
			Channel:   thankyou.ChannelSMS,
			Recipient: recipient(i),
			State:     thankyou.StatePending,
			DueAt:     dueAt,
			Deadline:  dueAt.Add(72 * time.Hour),
			TimeZone:  "America/New_York",
			CreatedAt: dueAt.Add(-72 * time.Hour),
		}
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				if created, err := w.store.CreateTask(context.Background(), tasks[i]); err != nil || !created {
					t.Errorf("CreateTask(%s) = %v, %v", tasks[i].ID, created, err)
				}
			}
		})
	}
	for i := range tasks {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return tasks
}

// farFuture is later than any due time or lease in the suite.
var farFuture = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// nextDue returns when the earliest open task is due (a pending task's due
// time, a claimed one's lease expiry), and false when no task is open.
func (w *world) nextDue(t *testing.T) (time.Time, bool) {
	t.Helper()
	ids, err := w.store.DueTaskIDs(context.Background(), farFuture, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) == 0 {
		return time.Time{}, false
	}
	task, err := w.store.GetTask(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	switch task.State {
	case thankyou.StatePending:
		return task.DueAt, true
	case thankyou.StateSending:
		return task.LeaseExpiresAt, true
	}
	t.Fatalf("task %s is in the due index while %s", task.ID, task.State)
	return time.Time{}, false
}

// dueNow reports whether a task is due at the clock's time.
func (w *world) dueNow(t *testing.T) bool {
	t.Helper()
	ids, err := w.store.DueTaskIDs(context.Background(), w.clock.Now(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return len(ids) > 0
}

// advance moves the clock to the schedule's next tick, or to the first
// tick at or after the next due time when nothing is due before it (the
// ticks in between would find nothing).
func (w *world) advance(t *testing.T) {
	t.Helper()
	next := w.clock.Now().Add(tick)
	if due, ok := w.nextDue(t); ok && due.After(next) {
		next = next.Add((due.Sub(next) + tick - 1) / tick * tick)
	}
	w.clock.Set(next)
}

// verdict is what happened to every task, as the table and the local
// Twilio tell it.
type verdict struct {
	states     map[thankyou.State]int
	messages   int
	duplicates map[string]int // task → messages accepted, when more than 1
}

// check reads every task and every message Twilio accepted and reports a
// test error for each task that is lost or wrong:
//   - no task is left open (pending or sending);
//   - a task is sent exactly when Twilio accepted one message for it, and
//     it records that message's SID (not another task's);
//   - a failed task says why and got nothing; an opted-out task's number
//     had opted out and got nothing;
//   - every message Twilio accepted belongs to a task of the table.
//
// Duplicates (more than one message for a task) are returned, not
// reported, so that the caller can say what caused them.
func (w *world) check(t *testing.T, want []thankyou.Task, optedOut map[string]bool) verdict {
	t.Helper()
	tasks := allTasks(t, w.store)
	msgs := w.twilio.Messages()
	byTask := messagesByTask(msgs)
	v := verdict{states: map[thankyou.State]int{}, messages: len(msgs), duplicates: map[string]int{}}
	if len(tasks) != len(want) {
		t.Errorf("table holds %d tasks, want %d", len(tasks), len(want))
	}
	var problems []string
	for _, wt := range want {
		got, ok := tasks[wt.ID]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: missing from the table", wt.ID))
			continue
		}
		v.states[got.State]++
		sent := byTask[got.ID]
		if len(sent) > 1 {
			v.duplicates[got.ID] = len(sent)
		}
		switch {
		case got.State.Open():
			problems = append(problems, fmt.Sprintf("%s: still %s after %d attempts (lost)", got.ID, got.State, got.Attempts))
		case got.State == thankyou.StateSent:
			if len(sent) == 0 {
				problems = append(problems, fmt.Sprintf("%s: recorded sent (%s) but Twilio accepted no message for it (lost)", got.ID, got.MessageSID))
			} else if !hasSID(sent, got.MessageSID) {
				problems = append(problems, fmt.Sprintf("%s: records SID %q, which is not one of its own messages", got.ID, got.MessageSID))
			}
		case got.State == thankyou.StateFailed:
			if got.Reason == "" {
				problems = append(problems, fmt.Sprintf("%s: failed without a reason", got.ID))
			}
			if len(sent) > 0 {
				problems = append(problems, fmt.Sprintf("%s: failed (%s), but Twilio accepted %d message(s) for it", got.ID, got.Reason, len(sent)))
			}
		case got.State == thankyou.StateOptedOut:
			if !optedOut[got.Recipient] {
				problems = append(problems, fmt.Sprintf("%s: opted out, but its number never did", got.ID))
			}
			if len(sent) > 0 {
				problems = append(problems, fmt.Sprintf("%s: opted out, but Twilio accepted %d message(s) for it", got.ID, len(sent)))
			}
		default:
			problems = append(problems, fmt.Sprintf("%s: ended %s (%s), which this suite never causes", got.ID, got.State, got.Reason))
		}
	}
	for id := range byTask {
		if _, ok := tasks[id]; !ok {
			problems = append(problems, fmt.Sprintf("Twilio accepted %d message(s) for %q, which is no task", len(byTask[id]), id))
		}
	}
	sort.Strings(problems)
	if len(problems) > 0 {
		t.Errorf("%d task(s) lost or wrong:\n  %s", len(problems), strings.Join(first(problems, 20), "\n  "))
	}
	return v
}

func hasSID(msgs []twiliotest.Message, sid string) bool {
	for _, m := range msgs {
		if m.SID == sid {
			return true
		}
	}
	return false
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… and %d more", len(s)-n))
	}
	return s
}

// sum adds up dispatcher run summaries.
func sum(into *dispatch.Summary, s dispatch.Summary) {
	into.Due += s.Due
	into.Sent += s.Sent
	into.Retried += s.Retried
	into.Failed += s.Failed
	into.OptedOut += s.OptedOut
	into.Expired += s.Expired
	into.Deferred += s.Deferred
	into.Recovered += s.Recovered
	into.Lost += s.Lost
	into.Cancelled += s.Cancelled
	into.Unanswered += s.Unanswered
	into.Errors += s.Errors
}
