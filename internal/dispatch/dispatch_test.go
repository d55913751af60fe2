package dispatch_test

import (
	"github.com/aws/aws-lambda-go/events"
	twclient "github.com/twilio/twilio-go/client"

	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
	"github.com/thankyoucalls/thankyoucalls/internal/twiliohook"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	customer   = "+12125550123" // New York
	staff      = "+12125550199"
)

var newYork = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// dueAt is Wednesday 25 November 2026, 11:00 in New York (Thursday is
// Thanksgiving, when nobody is contacted).
var dueAt = time.Date(2026, 11, 25, 16, 0, 0, 0, time.UTC)

type fixture struct {
	store  *dynamo.Store
	twilio *twiliotest.Server
	clock  *localstack.Clock
	lease  time.Duration
	sender *twilio.Client
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	client, table := dynamotest.NewTable(t)
	clock := localstack.NewClock(dueAt.Add(5 * time.Minute))
	tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tw.Close() })
	sender, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", BaseURL: tw.URL(), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{
		store:  dynamo.New(client, table, dynamo.Options{}),
		twilio: tw,
		clock:  clock,
		lease:  time.Minute,
		sender: sender,
	}
}

// handler returns a dispatcher wired to the fixture's store, Twilio and clock.
func (f *fixture) handler(t testing.TB) *dispatch.Handler {
	t.Helper()
	r, err := message.NewRenderer("", "")
	if err != nil {
		t.Fatal(err)
	}
	w, err := thankyou.ParseWindow("10:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	return &dispatch.Handler{
		Store:         f.store,
		Sender:        f.sender,
		Renderer:      r,
		Settings:      settings.Deployment{ShopName: "Demo Shop", Window: w, Zone: newYork},
		PublicBaseURL: "http://127.0.0.1:3000",
		MaxAttempts:   3,
		Lease:         f.lease,
		Concurrency:   4,
		Now:           f.clock.Now,
		Logger:        slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
}

func (f *fixture) addTask(t testing.TB, id string, mod ...func(*thankyou.Task)) thankyou.Task {
	t.Helper()
	task := thankyou.Task{
		ID: id,
		Order: thankyou.Order{
			Source: thankyou.SourceShopify, Shop: "demo.myshopify.com", ID: id, Number: "1001",
			CustomerName: "Jane Doe", FirstName: "Jane", Phone: customer, Total: "199.65", Currency: "USD",
			CreatedAt: dueAt.Add(-72 * time.Hour),
		},
		Channel:   thankyou.ChannelSMS,
		Recipient: customer,
		State:     thankyou.StatePending,
		DueAt:     dueAt,
		Deadline:  dueAt.Add(72 * time.Hour),
		TimeZone:  "America/New_York",
		CreatedAt: dueAt.Add(-72 * time.Hour),
	}
	for _, m := range mod {
		m(&task)
	}
	created, err := f.store.CreateTask(context.Background(), task)
	if err != nil || !created {
		t.Fatalf("CreateTask(%s) = %v, %v", id, created, err)
	}
	return task
}

func (f *fixture) task(t *testing.T, id string) thankyou.Task {
	t.Helper()
	task, err := f.store.GetTask(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return task
}

func run(t *testing.T, h *dispatch.Handler) dispatch.Summary {
	t.Helper()
	s, err := h.Run(context.Background())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return s
}

// webhook serves the real Twilio webhook (its status callbacks) on
// loopback and points h's status callbacks at it: f.callback then posts a
// callback signed as Twilio signs it, as Twilio would.
func (f *fixture) webhook(t testing.TB, h *dispatch.Handler) {
	t.Helper()
	v := twclient.NewRequestValidator(authToken)
	hook := &twiliohook.Handler{Store: f.store, Validator: &v, Now: f.clock.Now, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	srv := httptest.NewServer(apigw.NewServer(apigw.Route{Key: config.RouteTwilioStatus, Handler: hook.Handle}))
	t.Cleanup(srv.Close)
	hook.PublicBaseURL, h.PublicBaseURL = srv.URL, srv.URL
}

// callback has the local Twilio post status for message sid to its status
// callback URL (see webhook).
func (f *fixture) callback(t testing.TB, sid, status string) {
	t.Helper()
	code, err := f.twilio.SendStatus(context.Background(), sid, status, 0)
	if err != nil || code != http.StatusOK {
		t.Fatalf("status callback %s for %s: %d, %v", status, sid, code, err)
	}
}

func TestDueTaskIsSentOnceWithTheRenderedText(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	h := f.handler(t)
	f.webhook(t, h)

	if s := run(t, h); s.Sent != 1 {
		t.Fatalf("first run: %+v, want 1 sent", s)
	}
	msgs := f.twilio.Messages()
	if len(msgs) != 1 {
		t.Fatalf("Twilio got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if want := "Hi Jane, thank you for your order #1001 at Demo Shop! We really appreciate it."; m.Body != want {
		t.Errorf("body = %q, want %q", m.Body, want)
	}
	if m.To != customer {
		t.Errorf("to = %s, want the customer", m.To)
	}
	if want := h.PublicBaseURL + "/twilio/status?task=" + url.QueryEscape("t1"); m.StatusCallback != want {
		t.Errorf("status callback = %q, want %q", m.StatusCallback, want)
	}
	// The dispatcher leaves the task to its status callback.
	if got := f.task(t, "t1"); got.State != thankyou.StateSending || got.MessageSID != "" {
		t.Errorf("task before its callback = %s sid %q, want sending without a SID", got.State, got.MessageSID)
	}
	f.callback(t, m.SID, "sent")
	got := f.task(t, "t1")
	if got.State != thankyou.StateSent || got.MessageSID != m.SID {
		t.Errorf("task = %s sid %q, want sent with %q", got.State, got.MessageSID, m.SID)
	}

	f.clock.Advance(10 * time.Minute)
	if s := run(t, h); s.Sent != 0 || s.Due != 0 {
		t.Errorf("second run: %+v, want nothing due or sent", s)
	}
	if n := f.twilio.Requests(); n != 1 {
		t.Errorf("Twilio got %d requests after two runs, want 1", n)
	}
}

func TestTaskNotYetDueIsNotSent(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	f.clock.Set(dueAt.Add(-time.Minute))
	if s := run(t, f.handler(t)); s.Due != 0 || s.Sent != 0 {
		t.Errorf("run before due: %+v, want nothing", s)
	}
	if n := f.twilio.Requests(); n != 0 {
		t.Errorf("Twilio got %d requests, want 0", n)
	}
}

func TestRacingDispatchersSendEachTaskOnce(t *testing.T) {
	f := newFixture(t)
	const tasks = 20
	for i := range tasks {
		f.addTask(t, "race-"+string(rune('a'+i)))
	}
	var wg sync.WaitGroup
	sums := make([]dispatch.Summary, 3)
	for i := range sums {
		h := f.handler(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sums[i] = run(t, h)
		}()
	}
	wg.Wait()
	sent := 0
	for _, s := range sums {
		sent += s.Sent
	}
	if sent != tasks {
		t.Errorf("runs sent %d in all (%+v), want %d", sent, sums, tasks)
	}
	if n := f.twilio.Requests(); n != tasks {
		t.Errorf("Twilio got %d requests, want %d (one per task)", n, tasks)
	}
	seen := map[string]bool{}
	for _, m := range f.twilio.Messages() {
		id, _ := url.ParseQuery(m.StatusCallback[strings.Index(m.StatusCallback, "?")+1:])
		if seen[id.Get("task")] {
			t.Errorf("task %s sent twice", id.Get("task"))
		}
		seen[id.Get("task")] = true
	}
}

func TestDispatcherThatDiedAfterClaimingIsReplacedAfterTheLease(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	// A run claims the task and dies before sending.
	if _, err := f.store.Claim(context.Background(), "t1", "run-that-died", f.clock.Now(), f.lease); err != nil {
		t.Fatal(err)
	}
	h := f.handler(t)
	if s := run(t, h); s.Sent != 0 {
		t.Fatalf("run while the lease holds: %+v, want nothing sent", s)
	}
	f.clock.Advance(f.lease + time.Second)
	f.webhook(t, h)
	if s := run(t, h); s.Sent != 1 {
		t.Fatalf("run after the lease expired: %+v, want 1 sent", s)
	}
	if n := f.twilio.Requests(); n != 1 {
		t.Errorf("Twilio got %d requests, want exactly 1", n)
	}
	f.callback(t, f.twilio.Messages()[0].SID, "sent")
	if got := f.task(t, "t1"); got.State != thankyou.StateSent || got.Attempts != 2 {
		t.Errorf("task = %s after %d attempts, want sent after 2", got.State, got.Attempts)
	}
}

func TestSendAcceptedBeforeACrashIsRecordedNotRepeated(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	ctx := context.Background()
	// A run claims, Twilio accepts its message, and the run dies before
	// writing the SID: the one window that cannot be closed.
	if _, err := f.store.Claim(ctx, "t1", "run-that-died", f.clock.Now(), f.lease); err != nil {
		t.Fatal(err)
	}
	r, err := message.NewRenderer("", "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := r.Render(thankyou.ChannelSMS, message.DataFor(f.task(t, "t1"), "Demo Shop"))
	if err != nil {
		t.Fatal(err)
	}
	sid, err := f.sender.SendSMS(ctx, customer, body, "http://127.0.0.1:3000/twilio/status?task=t1")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(f.lease + time.Second)
	s := run(t, f.handler(t))
	if s.Recovered != 1 || s.Sent != 0 {
		t.Errorf("run = %+v, want 1 recovered and 0 sent", s)
	}
	if n := f.twilio.Requests(); n != 1 {
		t.Errorf("Twilio got %d requests, want 1 (no resend)", n)
	}
	if got := f.task(t, "t1"); got.State != thankyou.StateSent || got.MessageSID != sid {
		t.Errorf("task = %s sid %q, want sent with %q", got.State, got.MessageSID, sid)
	}
}

func TestOptedOutRecipientGetsNothingAndTheTaskSaysWhy(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	if err := f.store.SetOptOut(context.Background(), customer, "STOP", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if s := run(t, f.handler(t)); s.OptedOut != 1 || s.Sent != 0 {
		t.Errorf("run = %+v, want 1 opted out", s)
	}
	if n := f.twilio.Requests(); n != 0 {
		t.Errorf("Twilio got %d requests, want 0", n)
	}
	got := f.task(t, "t1")
	if got.State != thankyou.StateOptedOut || !strings.Contains(got.Reason, "STOP") {
		t.Errorf("task = %s (%q), want opted_out with a reason naming STOP", got.State, got.Reason)
	}
}

func TestTemporaryTwilioErrorsAreRetriedLater(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault twiliotest.Fault
		code  int
	}{
		{"429 too many requests", twiliotest.TooManyRequests(30 * time.Minute), 20429},
		{"500 server error", twiliotest.ServerError(), 20500},
		{"502 with an HTML body", twiliotest.BadGatewayHTML(), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addTask(t, "t1")
			f.twilio.Inject(tc.fault)
			h := f.handler(t)
			if s := run(t, h); s.Retried != 1 || s.Sent != 0 {
				t.Fatalf("run = %+v, want 1 retried", s)
			}
			got := f.task(t, "t1")
			if got.State != thankyou.StatePending || !got.DueAt.After(f.clock.Now()) || got.Reason == "" || got.ErrorCode != tc.code {
				t.Fatalf("task = %s due %s reason %q code %d, want pending, due later, with a reason and code %d", got.State, got.DueAt, got.Reason, got.ErrorCode, tc.code)
			}
			if tc.code == 20429 && got.DueAt.Before(f.clock.Now().Add(30*time.Minute)) {
				t.Errorf("due %s, want at least Retry-After (30m) later", got.DueAt)
			}
			f.clock.Set(got.DueAt.Add(time.Second))
			if s := run(t, h); s.Sent != 1 {
				t.Fatalf("retry run = %+v, want 1 sent", s)
			}
			if n := len(f.twilio.Messages()); n != 1 {
				t.Errorf("messages accepted = %d, want 1", n)
			}
		})
	}
}

func TestTwilioRefusalsEndTheTaskWithTheirReason(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault twiliotest.Fault
		state thankyou.State
		code  int
	}{
		{"21211 invalid number", twiliotest.InvalidNumber(), thankyou.StateFailed, 21211},
		{"21614 not a mobile number", twiliotest.NotMobile(), thankyou.StateFailed, 21614},
		{"21610 unsubscribed", twiliotest.Unsubscribed(), thankyou.StateOptedOut, 21610},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addTask(t, "t1")
			f.twilio.Inject(tc.fault)
			run(t, f.handler(t))
			got := f.task(t, "t1")
			if got.State != tc.state || got.ErrorCode != tc.code || got.Reason == "" {
				t.Errorf("task = %s code %d reason %q, want %s code %d with a reason", got.State, got.ErrorCode, got.Reason, tc.state, tc.code)
			}
			if got.ExpiresAt.IsZero() {
				t.Errorf("ended task has no retention expiry")
			}
			// An unsubscribed number is opted out from then on: no call or
			// other message goes to it either.
			if out, err := f.store.OptedOut(context.Background(), got.Recipient); err != nil || out != (tc.state == thankyou.StateOptedOut) {
				t.Errorf("OptedOut(recipient) = %v, %v; want %v", out, err, tc.state == thankyou.StateOptedOut)
			}
			f.clock.Advance(24 * time.Hour)
			run(t, f.handler(t))
			if n := f.twilio.Requests(); n != 1 {
				t.Errorf("Twilio got %d requests, want 1 (never retried)", n)
			}
		})
	}
}

func TestUnansweredSendIsCheckedBeforeItIsRetried(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	f.twilio.Inject(twiliotest.Timeout(3 * time.Second))
	h := f.handler(t)
	if s := run(t, h); s.Unanswered != 1 {
		t.Fatalf("run = %+v, want 1 unanswered", s)
	}
	if got := f.task(t, "t1"); got.State != thankyou.StateSending {
		t.Fatalf("task = %s, want still sending (claimed) until its lease expires", got.State)
	}
	f.clock.Advance(f.lease + time.Second)
	if s := run(t, h); s.Sent != 1 {
		t.Fatalf("run after lease = %+v, want 1 sent", s)
	}
	if n := len(f.twilio.Messages()); n != 1 {
		t.Errorf("accepted messages = %d, want 1", n)
	}
}

func TestOutsideTheWindowTheTaskWaitsForTheNextPoliteTime(t *testing.T) {
	f := newFixture(t)
	// Due Friday 16:59 in New York; the sweep runs at 17:03.
	friday := time.Date(2026, 11, 27, 16, 59, 0, 0, newYork)
	f.addTask(t, "t1", func(task *thankyou.Task) { task.DueAt, task.Deadline = friday.UTC(), friday.Add(7*24*time.Hour).UTC() })
	f.clock.Set(friday.Add(4 * time.Minute))
	if s := run(t, f.handler(t)); s.Deferred != 1 || s.Sent != 0 {
		t.Fatalf("run = %+v, want 1 deferred", s)
	}
	got := f.task(t, "t1")
	want := time.Date(2026, 11, 30, 10, 0, 0, 0, newYork) // Monday 10:00
	if got.State != thankyou.StatePending || !got.DueAt.Equal(want) {
		t.Errorf("task = %s due %s, want pending due %s", got.State, got.DueAt.In(newYork), want)
	}
}

func TestTaskTooLateToBePoliteExpires(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	f.clock.Set(dueAt.Add(73 * time.Hour))
	if s := run(t, f.handler(t)); s.Expired != 1 {
		t.Fatalf("run = %+v, want 1 expired", s)
	}
	if got := f.task(t, "t1"); got.State != thankyou.StateExpired {
		t.Errorf("task = %s, want expired", got.State)
	}
	if n := f.twilio.Requests(); n != 0 {
		t.Errorf("Twilio got %d requests, want 0", n)
	}
}

func TestRepeatedTemporaryErrorsGiveUpAfterMaxAttempts(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	h := f.handler(t)
	for i := range h.MaxAttempts {
		f.twilio.Inject(twiliotest.ServerError())
		run(t, h)
		got := f.task(t, "t1")
		if i < h.MaxAttempts-1 {
			if got.State != thankyou.StatePending {
				t.Fatalf("after attempt %d: %s, want pending", i+1, got.State)
			}
			f.clock.Set(got.DueAt.Add(time.Second))
		}
	}
	got := f.task(t, "t1")
	if got.State != thankyou.StateFailed || !strings.Contains(got.Reason, "gave up") {
		t.Errorf("task = %s (%q), want failed, gave up", got.State, got.Reason)
	}
}

func TestStaffReminderNamesTheCustomerToCall(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1", func(task *thankyou.Task) { task.Channel, task.Recipient = thankyou.ChannelStaff, staff })
	run(t, f.handler(t))
	msgs := f.twilio.Messages()
	if len(msgs) != 1 {
		t.Fatalf("messages = %d, want 1", len(msgs))
	}
	if msgs[0].To != staff {
		t.Errorf("to = %s, want the staff member", msgs[0].To)
	}
	for _, want := range []string{"Jane Doe", "+1 212-555-0123", "1001", "199.65"} {
		if !strings.Contains(msgs[0].Body, want) {
			t.Errorf("reminder %q does not contain %q", msgs[0].Body, want)
		}
	}
}

func TestBackoffGrowsAndStaysBounded(t *testing.T) {
	h := &dispatch.Handler{RetryBase: time.Minute, RetryMax: 10 * time.Minute}
	for _, tc := range []struct {
		attempt  int
		min, max time.Duration
	}{
		{1, 30 * time.Second, time.Minute},
		{2, time.Minute, 2 * time.Minute},
		{3, 2 * time.Minute, 4 * time.Minute},
		{10, 5 * time.Minute, 10 * time.Minute},
	} {
		for range 50 {
			if got := h.Backoff(tc.attempt); got < tc.min || got > tc.max {
				t.Fatalf("Backoff(%d) = %s, want within [%s, %s]", tc.attempt, got, tc.min, tc.max)
			}
		}
	}
}

// TestSendRateIsNeverExceeded checks the ceiling only: n sends at rate r
// cannot take less than (n-1)/r. A slow machine makes the run longer, never
// shorter, so this cannot flake.
func TestSendRateIsNeverExceeded(t *testing.T) {
	f := newFixture(t)
	const n, rate = 8, 20.0
	for i := range n {
		f.addTask(t, fmt.Sprintf("rate-%d", i))
	}
	h := f.handler(t)
	h.Rate, h.Concurrency = rate, 8
	start := time.Now()
	if s := run(t, h); s.Sent != n {
		t.Fatalf("run = %+v, want %d sent", s, n)
	}
	if min := time.Duration(float64(n-1) / rate * float64(time.Second)); time.Since(start) < min {
		t.Errorf("%d sends took %s, less than %s: faster than %v/s", n, time.Since(start), min, rate)
	}
}

// TestARunEndingWhileASendWaitsForItsTurnSendsItOnceLater: the send rate
// is kept after the gate's admission, right before Twilio is asked. A run
// that ends while a send waits for its turn has sent nothing for it; the
// task, admitted (its slot on the number's item taken), is not lost and
// not sent twice: the next run sends it once, in the slot it kept.
func TestARunEndingWhileASendWaitsForItsTurnSendsItOnceLater(t *testing.T) {
	f := newFixture(t)
	first := f.addTask(t, "turn-1", func(task *thankyou.Task) { task.Recipient, task.Order.Phone = "+12125550141", "+12125550141" })
	second := f.addTask(t, "turn-2", func(task *thankyou.Task) { task.Recipient, task.Order.Phone = "+12125550142", "+12125550142" })
	h := f.handler(t)
	h.Caps, h.NumberCap = f.store, contact.DefaultNumberCap
	h.Rate, h.Concurrency = 0.5, 2 // the second send's turn comes 2 s after the first's
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// The run ends once one send went and the other waits for its turn.
		for len(f.twilio.Messages()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	s, _ := h.Run(ctx)
	if s.Sent != 1 || len(f.twilio.Messages()) != 1 {
		t.Fatalf("run = %+v, Twilio got %d; want 1 sent before the run ended", s, len(f.twilio.Messages()))
	}
	waited := first
	if f.twilio.Messages()[0].To == first.Recipient {
		waited = second
	}
	f.clock.Advance(f.lease + time.Minute)
	// The task that went has had no status callback: the next run finds
	// it at Twilio (recovered, not sent again) and sends the other.
	if s := run(t, f.handler(t)); s.Sent != 1 || s.Recovered != 1 {
		t.Fatalf("next run = %+v, want the waiting task sent and the other recovered", s)
	}
	to := map[string]int{}
	for _, m := range f.twilio.Messages() {
		to[m.To]++
	}
	if to[first.Recipient] != 1 || to[second.Recipient] != 1 {
		t.Errorf("Twilio got %v, want one message to each number", to)
	}
	if got := f.task(t, waited.ID); got.State != thankyou.StateSending && got.State != thankyou.StateSent {
		t.Errorf("the task that waited is %s (%q), want sent", got.State, got.Reason)
	}
}

func TestTaskIsSentInItsOwnShopsWindowWithItsShopsName(t *testing.T) {
	f := newFixture(t)
	saturday := time.Date(2026, 11, 28, 9, 30, 0, 0, newYork)
	f.addTask(t, "t1", func(task *thankyou.Task) {
		task.DueAt, task.Deadline = saturday.UTC(), saturday.Add(72*time.Hour).UTC()
		task.Window, task.ShopName = thankyou.MustWindow("09:00-12:00 Sat,Sun"), "Weekend Shop"
	})
	f.clock.Set(saturday.Add(5 * time.Minute))
	h := f.handler(t) // configured Mon-Fri 10:00-17:00: the task's own window wins
	if s := run(t, h); s.Sent != 1 {
		t.Fatalf("run = %+v, want 1 sent on Saturday inside the shop's window", s)
	}
	if msgs := f.twilio.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0].Body, "at Weekend Shop") {
		t.Errorf("messages = %+v, want one naming Weekend Shop", msgs)
	}
}

func TestTaskIsWordedWithItsShopsOwnTemplate(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1", func(task *thankyou.Task) {
		task.Template, task.ShopName = "Merci {{.FirstName}} pour la commande {{.OrderNumber}} ! {{.ShopName}}", "La Boutique"
	})
	run(t, f.handler(t))
	msgs := f.twilio.Messages()
	if want := "Merci Jane pour la commande 1001 ! La Boutique"; len(msgs) != 1 || msgs[0].Body != want {
		t.Errorf("messages = %+v, want one saying %q", msgs, want)
	}
}

func TestOrderCancelledWhileADispatcherHeldItIsNotSent(t *testing.T) {
	f := newFixture(t)
	id := thankyou.TaskID(thankyou.SourceShopify, "demo.myshopify.com", "c1")
	task := f.addTask(t, id, func(task *thankyou.Task) { task.Order.ID = "c1" })
	ctx := context.Background()
	// A run claims the task and stalls; the shop cancels the order meanwhile.
	if _, err := f.store.Claim(ctx, id, "stalled-run", f.clock.Now(), f.lease); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.CancelTask(ctx, task.Order, "refunded", f.clock.Now()); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Fatalf("cancel while claimed: %v, want a conflict (flagged, may be on its way)", err)
	}
	f.clock.Advance(f.lease + time.Second)
	if s := run(t, f.handler(t)); s.Cancelled != 1 || s.Sent != 0 {
		t.Errorf("run = %+v, want 1 cancelled, 0 sent", s)
	}
	if n := f.twilio.Requests(); n != 0 {
		t.Errorf("Twilio got %d requests, want 0", n)
	}
	if got := f.task(t, id); got.State != thankyou.StateCancelled || got.Reason != "refunded" {
		t.Errorf("task = %s (%q), want cancelled, refunded", got.State, got.Reason)
	}
}

func TestASendAfterARetryLeavesNoStaleError(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	f.twilio.Inject(twiliotest.ServerError())
	h := f.handler(t)
	f.webhook(t, h)
	run(t, h)
	f.clock.Set(f.task(t, "t1").DueAt.Add(time.Second))
	run(t, h)
	f.callback(t, f.twilio.Messages()[0].SID, "sent")
	if got := f.task(t, "t1"); got.State != thankyou.StateSent || got.Reason != "" || got.ErrorCode != 0 {
		t.Errorf("task = %s reason %q code %d, want sent with no error left", got.State, got.Reason, got.ErrorCode)
	}
}

// callbackFirst is the real sender, with Twilio's "sent" status callback
// applied to the task before SendSMS returns: the callback comes before
// the dispatcher is done with the task.
type callbackFirst struct {
	*twilio.Client
	store *dynamo.Store
	now   func() time.Time
}

func (c callbackFirst) SendSMS(ctx context.Context, to, body, callback string) (string, error) {
	sid, err := c.Client.SendSMS(ctx, to, body, callback)
	if err != nil {
		return sid, err
	}
	u, _ := url.Parse(callback)
	_, err = c.store.ApplyStatus(ctx, u.Query().Get("task"), sid, thankyou.StateSent, 0, "", c.now())
	return sid, err
}

func TestStatusCallbackFasterThanTheDispatchersWriteIsStillOneSend(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "t1")
	h := f.handler(t)
	h.Sender = callbackFirst{Client: f.sender, store: f.store, now: f.clock.Now}
	if s := run(t, h); s.Sent != 1 || s.Errors != 0 {
		t.Errorf("run = %+v, want 1 sent and no error", s)
	}
	if got := f.task(t, "t1"); got.State != thankyou.StateSent || got.MessageSID == "" {
		t.Errorf("task = %s sid %q, want sent with its SID", got.State, got.MessageSID)
	}
	f.clock.Advance(f.lease + time.Minute)
	if s := run(t, h); s.Sent != 0 {
		t.Errorf("later run = %+v, want nothing more sent", s)
	}
}

// TestEventClockTakesNowFromTheScheduledEvent: a local run (EventClock) of a
// sweep written for three days after the order sends the task; the same
// event given to a deployed dispatcher (EventClock false) is read for
// nothing, and the task waits for its real due time.
func TestEventClockTakesNowFromTheScheduledEvent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		eventClock bool
		wantSent   int
	}{
		{"local run", true, 1},
		{"deployed", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.addTask(t, "t1")
			f.clock.Set(dueAt.Add(-72 * time.Hour)) // the order's day
			h := f.handler(t)
			h.EventClock = tc.eventClock
			ev := events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "aws.events", Time: dueAt.Add(5 * time.Minute)}
			s, err := h.Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if s.Sent != tc.wantSent {
				t.Fatalf("summary %+v, want %d sent", s, tc.wantSent)
			}
			got := f.task(t, "t1")
			if tc.wantSent == 1 && (got.UpdatedAt.Before(dueAt) || got.UpdatedAt.After(dueAt.Add(10*time.Minute))) {
				t.Errorf("sent at %s, want the event's time %s", got.UpdatedAt, dueAt.Add(5*time.Minute))
			}
			if tc.wantSent == 0 && got.State != thankyou.StatePending {
				t.Errorf("deployed run of a future event: task %s, want pending", got.State)
			}
		})
	}
}
