package operator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// The customer of the fixture's orders: none of it may appear in output.
const (
	janePhone = "+12125550123"
	janeName  = "Jane Doe"
	janeFirst = "Jane"
	janeEmail = "jane@example.com"
)

// personal is what the tool must never print, in any form a test can find.
var personal = []string{janePhone, "2125550123", "555-0123", janeName, janeFirst, janeEmail}

// now is the tool's clock in these tests: Monday 23 November 2026, noon UTC.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const (
	shopA       = "a.myshopify.com"
	shopB       = "b.example"
	nyWindow    = "10:00-17:00 Mon,Tue,Wed,Thu,Fri"
	failedWhy   = "send refused: http 400: code 21211: The 'To' number " + janePhone + " is not a valid phone number"
	day         = 24 * time.Hour
	threeDays   = 72 * time.Hour
	fixtureRuns = "run"
)

func janesOrder(source thankyou.Source, shop, id string, created time.Time) thankyou.Order {
	return thankyou.Order{
		Source: source, Shop: shop, ID: id, Number: "#" + id,
		CustomerName: janeName, FirstName: janeFirst, Phone: janePhone, Email: janeEmail,
		Total: "50.00", Currency: "USD", CreatedAt: created,
	}
}

// pendingTask is a new task of Jane's order id at shop A, created at
// created and due at due, in New York's business hours.
func pendingTask(id string, created, due time.Time) thankyou.Task {
	o := janesOrder(thankyou.SourceShopify, shopA, id, created)
	return thankyou.Task{
		ID: o.TaskID(), Order: o, Channel: thankyou.ChannelSMS, Recipient: janePhone, State: thankyou.StatePending,
		DueAt: due, Deadline: due.Add(threeDays), TimeZone: "America/New_York", ShopName: "Shop A", Window: thankyou.MustWindow(nyWindow),
		CreatedAt: created, UpdatedAt: created,
	}
}

func skippedTask(id string, created time.Time, reason string) thankyou.Task {
	t := pendingTask(id, created, time.Time{})
	t.State, t.Reason, t.Recipient, t.DueAt, t.Deadline, t.TimeZone = thankyou.StateSkipped, reason, "", time.Time{}, time.Time{}, ""
	return t
}

// fixture fills the store with one task in each state, the way the
// functions would have left them (claims, sends, callbacks), and returns
// their ids by name.
func fixture(t *testing.T, store *dynamo.Store) map[string]string {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	create := func(name string, task thankyou.Task) thankyou.Task {
		t.Helper()
		if created, err := store.CreateTask(ctx, task); err != nil || !created {
			t.Fatalf("create %s: %v, %v", name, created, err)
		}
		ids[name] = task.ID
		return task
	}
	claimed := func(name string, created time.Time) thankyou.Task {
		t.Helper()
		task := create(name, pendingTask(name, created, created.Add(threeDays)))
		if _, err := store.Claim(ctx, task.ID, fixtureRuns, task.DueAt, time.Minute); err != nil {
			t.Fatalf("claim %s: %v", name, err)
		}
		return task
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	nov := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }

	// Coming up.
	create("upcoming-later", pendingTask("upcoming-later", nov(21, 9), nov(25, 15)))
	b := pendingTask("upcoming-b", nov(21, 10), nov(24, 15))
	b.ID, b.Order.Source, b.Order.Shop = thankyou.TaskID(thankyou.SourceWooCommerce, shopB, "upcoming-b"), thankyou.SourceWooCommerce, shopB
	create("upcoming-b", b)
	create("upcoming-soon", pendingTask("upcoming-soon", nov(20, 9), nov(24, 14)))
	// Ended.
	old := claimed("old-delivered", time.Date(2026, 10, 15, 9, 0, 0, 0, time.UTC))
	must(store.MarkSent(ctx, old.ID, fixtureRuns, "SMold", old.DueAt))
	_, err := store.ApplyStatus(ctx, old.ID, "SMold", thankyou.StateDelivered, 0, "", old.DueAt.Add(time.Minute))
	must(err)
	d := claimed("delivered", nov(10, 9))
	must(store.MarkSent(ctx, d.ID, fixtureRuns, "SMdelivered", d.DueAt))
	_, err = store.ApplyStatus(ctx, d.ID, "SMdelivered", thankyou.StateDelivered, 0, "", d.DueAt.Add(time.Minute))
	must(err)
	s := claimed("sent", nov(11, 9))
	must(store.MarkSent(ctx, s.ID, fixtureRuns, "SMsent", s.DueAt))
	u := claimed("undelivered", nov(12, 9))
	must(store.MarkSent(ctx, u.ID, fixtureRuns, "SMundelivered", u.DueAt))
	_, err = store.ApplyStatus(ctx, u.ID, "SMundelivered", thankyou.StateUndelivered, 30003, "Unreachable destination handset", u.DueAt.Add(time.Minute))
	must(err)
	f := claimed("failed", nov(13, 9))
	must(store.Finish(ctx, f.ID, fixtureRuns, thankyou.StateFailed, failedWhy, 21211, "", f.DueAt))
	f2 := claimed("failed-attempts", nov(13, 10))
	must(store.Finish(ctx, f2.ID, fixtureRuns, thankyou.StateFailed, "gave up after 5 attempts: send refused: http 500", 0, "", f2.DueAt))
	e := claimed("expired", nov(14, 9))
	must(store.Finish(ctx, e.ID, fixtureRuns, thankyou.StateExpired, "no polite time left before its deadline", 0, "", e.DueAt))
	o := claimed("opted-out", nov(15, 9))
	must(store.Finish(ctx, o.ID, fixtureRuns, thankyou.StateOptedOut, "recipient opted out (replied STOP)", 0, "", o.DueAt))
	c := create("cancelled", pendingTask("cancelled", nov(16, 9), nov(19, 15)))
	_, err = store.CancelTask(ctx, c.Order, "refunded", nov(16, 10))
	must(err)
	create("skipped-test", skippedTask("skipped-test", nov(17, 9), "test order"))
	create("skipped-small", skippedTask("skipped-small", nov(17, 10), "order total 12.00 is below the minimum 25.00"))
	create("skipped-tiny", skippedTask("skipped-tiny", nov(17, 11), "order total 3.50 is below the minimum 25.00"))
	return ids
}

// runOut runs a command line and returns its output, failing the test on
// an error. The output must hold none of the customer's personal data.
func runOut(t *testing.T, tool *operator.Tool, out *bytes.Buffer, args ...string) string {
	t.Helper()
	out.Reset()
	if err := tool.Run(context.Background(), args); err != nil {
		t.Fatalf("%s: %v", strings.Join(args, " "), err)
	}
	assertNoPersonalData(t, strings.Join(args, " "), out.String())
	return out.String()
}

func assertNoPersonalData(t *testing.T, what, s string) {
	t.Helper()
	for _, p := range personal {
		if strings.Contains(s, p) {
			t.Errorf("%s: output shows personal data %q:\n%s", what, p, s)
		}
	}
}

func TestTaskListingsFilterByStateShopAndDateAndShowNoPersonalData(t *testing.T) {
	tool, out, store := newTool(t)
	ids := fixture(t, store)
	tests := []struct {
		line string
		want []string // ids (by fixture name) listed, in order
		says []string
	}{
		{"tasks list --state failed", []string{"failed", "failed-attempts"}, []string{"21211", "+1********23", "is not a valid phone number", "gave up after 5 attempts", "2 tasks"}},
		{"tasks list --state skipped", []string{"skipped-test", "skipped-small", "skipped-tiny"}, []string{"test order", "below the minimum 25.00"}},
		{"tasks list --state expired", []string{"expired"}, []string{"no polite time left"}},
		{"tasks list --state delivered --since 2026-11-01", []string{"delivered"}, []string{"delivered", "1 task"}},
		{"tasks list --state delivered", []string{"old-delivered", "delivered"}, nil},
		{"tasks list --since 2026-11-13 --until 2026-11-14", []string{"failed", "failed-attempts", "expired"}, []string{"3 tasks"}},
		{"tasks list --since 2026-11-13T09:30:00Z --until 2026-11-14T09:00:00Z", []string{"failed-attempts"}, nil},
		{"tasks list --source woocommerce", []string{"upcoming-b"}, nil},
		{"tasks list --source shopify --shop a.myshopify.com --state pending", []string{"upcoming-soon", "upcoming-later"}, nil},
		{"tasks list --until 2026-10-31", []string{"old-delivered"}, nil},
		{"tasks list --since 2026-11-22", nil, []string{"No tasks match."}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got := runOut(t, tool, out, strings.Fields(tt.line)...)
			for _, s := range tt.says {
				if !strings.Contains(got, s) {
					t.Errorf("output lacks %q:\n%s", s, got)
				}
			}
			if listed := listedIDs(got, ids); !slices.Equal(listed, tt.want) {
				t.Errorf("listed %v, want %v:\n%s", listed, tt.want, got)
			}

			js := runOut(t, tool, out, append(strings.Fields(tt.line), "--json")...)
			var views []struct {
				ID, State, To, Reason string
			}
			if err := json.Unmarshal([]byte(js), &views); err != nil {
				t.Fatalf("--json output does not parse: %v\n%s", err, js)
			}
			var jsonIDs []string
			for _, v := range views {
				jsonIDs = append(jsonIDs, v.ID)
			}
			var want []string
			for _, name := range tt.want {
				want = append(want, ids[name])
			}
			if !slices.Equal(jsonIDs, want) {
				t.Errorf("--json ids = %v, want %v", jsonIDs, want)
			}
		})
	}
}

// listedIDs returns the fixture names whose task ids start a line of out,
// in the order listed.
func listedIDs(out string, ids map[string]string) []string {
	var names []string
	for _, line := range strings.Split(out, "\n") {
		for name, id := range ids {
			if strings.HasPrefix(line, id+" ") {
				names = append(names, name)
			}
		}
	}
	return names
}

func TestUpcomingListsPendingTasksTheNextDueFirst(t *testing.T) {
	tool, out, store := newTool(t)
	ids := fixture(t, store)
	tests := []struct {
		line string
		want []string
	}{
		{"tasks list --upcoming", []string{"upcoming-soon", "upcoming-b", "upcoming-later"}},
		{"tasks list --upcoming --state pending --source shopify", []string{"upcoming-soon", "upcoming-later"}},
		{"tasks list --upcoming --source woocommerce --shop b.example", []string{"upcoming-b"}},
		{"tasks list --upcoming --since 2026-11-24T14:30:00Z --until 2026-11-24", []string{"upcoming-b"}},
		{"tasks list --upcoming --since 2026-11-25", []string{"upcoming-later"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got := runOut(t, tool, out, strings.Fields(tt.line)...)
			if listed := listedIDs(got, ids); !slices.Equal(listed, tt.want) {
				t.Errorf("listed %v, want %v:\n%s", listed, tt.want, got)
			}
			if !strings.Contains(got, "2026-11-2") || !strings.Contains(got, "+1********23") {
				t.Errorf("upcoming tasks show no due time or masked recipient:\n%s", got)
			}
		})
	}
	err := tool.Run(context.Background(), strings.Fields("tasks list --upcoming --state failed"))
	if !errors.Is(err, operator.ErrUsage) || !strings.Contains(err.Error(), "drop --state") {
		t.Errorf("--upcoming --state failed: %v, want a usage error saying to drop one", err)
	}
}

func TestLongListingsDrawProgressOnlyOnTheProgressWriter(t *testing.T) {
	tool, out, store := newTool(t)
	fixture(t, store)
	progress := &bytes.Buffer{}
	tool.Progress = progress
	for _, tt := range []struct {
		line string
		says []string
	}{
		{"tasks list --state failed", []string{"\rScanning the table", "page", "items"}},
		{"tasks list --upcoming", []string{"\rReading the due index", "entries", "\rReading the tasks [", "3 of 3 tasks", "100%"}},
		{"summary --since 2026-11-01", []string{"\rScanning the table", "page"}},
	} {
		progress.Reset()
		got := runOut(t, tool, out, strings.Fields(tt.line)...)
		for _, s := range tt.says {
			if !strings.Contains(progress.String(), s) {
				t.Errorf("%s: progress %q lacks %q", tt.line, progress, s)
			}
		}
		if !strings.HasSuffix(progress.String(), "\n") {
			t.Errorf("%s: progress line not ended: %q", tt.line, progress)
		}
		if strings.Contains(got, "\r") || strings.Contains(got, "Scanning") {
			t.Errorf("%s: progress leaked into the output:\n%q", tt.line, got)
		}
	}
}

func TestTaskShowPrintsItsHistoryWithoutPersonalData(t *testing.T) {
	tool, out, store := newTool(t)
	ids := fixture(t, store)
	got := runOut(t, tool, out, "tasks", "show", "--id", ids["undelivered"])
	for _, s := range []string{"undelivered", "30003", "SMundelivered", "+1********23", "America/New_York", nyWindow,
		"HISTORY (UTC)", "created", "state=pending", "claimed", "owner=run", "sent", "sid=SMundelivered", "status", "state=undelivered code=30003"} {
		if !strings.Contains(got, s) {
			t.Errorf("show lacks %q:\n%s", s, got)
		}
	}
	js := runOut(t, tool, out, "tasks", "show", "--id", ids["undelivered"], "--json")
	var v struct {
		ID      string
		State   string
		History []struct{ At, Event, Detail string }
	}
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("--json does not parse: %v\n%s", err, js)
	}
	var events []string
	for _, h := range v.History {
		events = append(events, h.Event)
		if h.At == "" {
			t.Errorf("history entry %+v has no time", h)
		}
	}
	if want := []string{"created", "claimed", "sent", "status"}; v.ID != ids["undelivered"] || !slices.Equal(events, want) {
		t.Errorf("--json = %s with events %v, want %s with %v", v.ID, events, ids["undelivered"], want)
	}
}

func TestRetryPutsAFailedTaskBackAtItsNextPoliteTime(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		now      time.Time
		task     func(t *testing.T, store *dynamo.Store, ids map[string]string) string
		flags    []string
		due      time.Time
		deadline time.Time
	}{
		{
			// Monday 20:00 UTC is 15:00 in New York: inside its window.
			name: "inside the task's window: due now",
			now:  time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC),
			task: func(_ *testing.T, _ *dynamo.Store, ids map[string]string) string { return ids["failed"] },
			due:  time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC), deadline: time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC),
		},
		{
			// Monday 23:00 UTC is 18:00 in New York: Tuesday 10:00 there.
			name:  "after hours: the next morning in the customer's zone, deadline from the flag",
			now:   time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC),
			task:  func(_ *testing.T, _ *dynamo.Store, ids map[string]string) string { return ids["expired"] },
			flags: []string{"--expire-after", "24h"},
			due:   time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC), deadline: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC),
		},
		{
			// A task with no window or zone of its own takes the flags':
			// Friday 09:00 UTC is 18:00 in Tokyo, so Monday 10:00 there.
			name: "no window on the task: the flags' window and zone",
			now:  time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC),
			task: func(t *testing.T, store *dynamo.Store, ids map[string]string) string {
				task := pendingTask("bare", now, now)
				task.Window, task.TimeZone = thankyou.Window{}, ""
				if _, err := store.CreateTask(ctx, task); err != nil {
					t.Fatal(err)
				}
				if _, err := store.Claim(ctx, task.ID, "run", now, time.Minute); err != nil {
					t.Fatal(err)
				}
				if err := store.Finish(ctx, task.ID, "run", thankyou.StateFailed, "render failed", 0, "", now); err != nil {
					t.Fatal(err)
				}
				return task.ID
			},
			flags: []string{"--window", "10:00-12:00", "--days", "Mon-Fri", "--time-zone", "Asia/Tokyo"},
			due:   time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), deadline: time.Date(2026, 12, 3, 1, 0, 0, 0, time.UTC),
		},
		{
			// Wednesday 23:00 UTC is 18:00 in New York; Thursday is
			// Thanksgiving and the shop is closed on Friday: Monday 10:00.
			name: "past a holiday and the shop's closed date",
			now:  time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC),
			task: func(t *testing.T, store *dynamo.Store, ids map[string]string) string {
				task := pendingTask("closed-friday", now, now)
				task.Closed = "2026-11-27"
				if _, err := store.CreateTask(ctx, task); err != nil {
					t.Fatal(err)
				}
				if _, err := store.Claim(ctx, task.ID, "run", now, time.Minute); err != nil {
					t.Fatal(err)
				}
				if err := store.Finish(ctx, task.ID, "run", thankyou.StateFailed, "render failed", 0, "", now); err != nil {
					t.Fatal(err)
				}
				return task.ID
			},
			due: time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC), deadline: time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC),
		},
		{
			name: "undelivered",
			now:  time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC),
			task: func(_ *testing.T, _ *dynamo.Store, ids map[string]string) string { return ids["undelivered"] },
			due:  time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC), deadline: time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, out, store := newTool(t)
			tool.Now = func() time.Time { return tt.now }
			id := tt.task(t, store, fixture(t, store))
			got := runOut(t, tool, out, append([]string{"tasks", "retry", "--id", id}, tt.flags...)...)
			if !strings.Contains(got, "is pending again") || !strings.Contains(got, tt.due.Format("2006-01-02 15:04")) {
				t.Errorf("output does not give the new due time %s:\n%s", tt.due, got)
			}
			task, err := store.GetTask(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if task.State != thankyou.StatePending || !task.DueAt.Equal(tt.due) || !task.Deadline.Equal(tt.deadline) || task.Attempts != 0 {
				t.Errorf("retried task: %s due %s deadline %s attempts %d; want pending due %s deadline %s attempts 0",
					task.State, task.DueAt, task.Deadline, task.Attempts, tt.due, tt.deadline)
			}
			due, err := store.DueTaskIDs(ctx, tt.due, 0)
			if err != nil || !slices.Contains(due, id) {
				t.Errorf("the dispatcher's sweep at %s finds %v (%v), want the retried task", tt.due, due, err)
			}
		})
	}
}

func TestRetryNeverResendsAThankYouThatWentOutAndSaysWhy(t *testing.T) {
	tool, _, store := newTool(t)
	ids := fixture(t, store)
	ctx := context.Background()
	for _, tt := range []struct{ name, says string }{
		{"delivered", "never sent again"},
		{"sent", "never sent again"},
		{"upcoming-soon", "goes out by itself"},
		{"opted-out", "STOP"},
		{"skipped-test", "shop's rules"},
		{"cancelled", "not to be sent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, err := store.GetTask(ctx, ids[tt.name])
			if err != nil {
				t.Fatal(err)
			}
			err = tool.Run(ctx, []string{"tasks", "retry", "--id", ids[tt.name]})
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("retry: %v, want an error saying %q", err, tt.says)
			}
			if after, _ := store.GetTask(ctx, ids[tt.name]); !reflect.DeepEqual(after, before) {
				t.Errorf("a refused retry changed the task")
			}
		})
	}
}

func TestCancelStopsAPendingThankYouOnly(t *testing.T) {
	tool, out, store := newTool(t)
	ids := fixture(t, store)
	ctx := context.Background()

	got := runOut(t, tool, out, "tasks", "cancel", "--id", ids["upcoming-soon"], "--reason", "customer asked")
	if !strings.Contains(got, "is cancelled (customer asked)") {
		t.Errorf("cancel output:\n%s", got)
	}
	task, err := store.GetTask(ctx, ids["upcoming-soon"])
	if err != nil || task.State != thankyou.StateCancelled || task.Reason != "customer asked" {
		t.Errorf("task after cancel: %s %q %v, want cancelled with the reason", task.State, task.Reason, err)
	}
	if due, _ := store.DueTaskIDs(ctx, now.Add(30*day), 0); slices.Contains(due, ids["upcoming-soon"]) {
		t.Errorf("a cancelled task is still in the due index")
	}
	if got := runOut(t, tool, out, "tasks", "cancel", "--id", ids["upcoming-soon"]); !strings.Contains(got, "already cancelled") {
		t.Errorf("second cancel:\n%s", got)
	}
	js := runOut(t, tool, out, "tasks", "cancel", "--id", ids["upcoming-later"], "--json")
	var v struct{ State, Reason string }
	if err := json.Unmarshal([]byte(js), &v); err != nil || v.State != "cancelled" || v.Reason != "cancelled by an operator" {
		t.Errorf("cancel --json = %s (%v), want cancelled by an operator", js, err)
	}
	before, _ := store.GetTask(ctx, ids["delivered"])
	if err := tool.Run(ctx, []string{"tasks", "cancel", "--id", ids["delivered"]}); err == nil || !strings.Contains(err.Error(), "only a task not yet sent") {
		t.Errorf("cancel of a delivered task: %v, want a refusal", err)
	}
	if after, _ := store.GetTask(ctx, ids["delivered"]); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused cancel changed the task")
	}
	if err := tool.Run(ctx, []string{"tasks", "cancel", "--id", "shopify:a.myshopify.com:404"}); err == nil || !strings.Contains(err.Error(), "tasks list") {
		t.Errorf("cancel of an unknown task: %v, want a pointer to `tasks list`", err)
	}
	if _, err := store.GetTask(ctx, "shopify:a.myshopify.com:404"); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("cancelling an unknown task id stored a task (%v)", err)
	}
}

func TestCancelWhileADispatcherHoldsTheTaskSaysItMayBeOnItsWay(t *testing.T) {
	tool, _, store := newTool(t)
	ids := fixture(t, store)
	ctx := context.Background()
	if _, err := store.Claim(ctx, ids["upcoming-soon"], "run", now.Add(2*day), time.Minute); err != nil {
		t.Fatal(err)
	}
	err := tool.Run(ctx, []string{"tasks", "cancel", "--id", ids["upcoming-soon"]})
	if err == nil || !strings.Contains(err.Error(), "may already be on its way") || !strings.Contains(err.Error(), "tasks show --id") {
		t.Errorf("cancel while sending: %v, want a warning that says how to check", err)
	}
	if task, _ := store.GetTask(ctx, ids["upcoming-soon"]); !task.CancelRequested {
		t.Errorf("the task is not flagged for cancellation")
	}
}

func TestEraseAsksFirstThenRemovesTheCustomersDataEverywhere(t *testing.T) {
	ctx := context.Background()
	held := func(t *testing.T, store *dynamo.Store, ids map[string]string) (n int) {
		t.Helper()
		for _, id := range ids {
			task, err := store.GetTask(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if task.Order.Phone != "" || task.Order.Email != "" || task.Order.CustomerName != "" {
				n++
			}
		}
		return n
	}
	erase := []string{"customers", "erase", "--source", "shopify", "--shop", shopA, "--phone", "(212) 555-0123"}
	tests := []struct {
		name     string
		in       *strings.Reader // nil: not a terminal
		args     []string
		err      string
		says     string
		erasedTo int // tasks still holding Jane's data afterwards (the fixture has 15, 1 at shop B)
	}{
		{"not a terminal and no --yes", nil, erase, "pass --yes", "", 15},
		{"answered no", strings.NewReader("n\n"), erase, "", "Nothing erased.", 15},
		{"nothing answered", strings.NewReader(""), erase, "pass --yes", "", 15},
		{"answered yes", strings.NewReader("yes\n"), erase, "", "from 14 tasks", 1},
		{"--yes", nil, append(slices.Clone(erase), "--yes"), "", "from 14 tasks", 1},
		// The tasks are recorded under Jane's phone: her email alone finds none.
		{"by email", nil, []string{"customers", "erase", "--source", "shopify", "--shop", shopA, "--email", janeEmail, "--yes"}, "", "from 0 tasks", 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, out, store := newTool(t)
			ids := fixture(t, store)
			if tt.in != nil {
				tool.In = tt.in
			}
			err := tool.Run(ctx, tt.args)
			assertNoPersonalData(t, tt.name, out.String())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one saying %q", err, tt.err)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), tt.says) {
				t.Errorf("output lacks %q:\n%s", tt.says, out)
			}
			if tt.in != nil && !strings.Contains(out.String(), "+1********23") {
				t.Errorf("the question does not say whose data (masked):\n%s", out)
			}
			if got := held(t, store, ids); got != tt.erasedTo {
				t.Errorf("%d tasks hold the customer's data afterwards, want %d", got, tt.erasedTo)
			}
		})
	}

	tool, out, store := newTool(t)
	fixture(t, store)
	js := runOut(t, tool, out, append(slices.Clone(erase), "--yes", "--json")...)
	var v struct {
		Source, Shop       string
		TasksFound, Erased int
	}
	if err := json.Unmarshal([]byte(js), &v); err != nil || v.Erased != 14 || v.TasksFound != 14 || v.Shop != shopA {
		t.Errorf("erase --json = %s (%v), want 14 found and erased at %s", js, err, shopA)
	}
	js = runOut(t, tool, out, append(slices.Clone(erase), "--yes", "--json")...)
	if err := json.Unmarshal([]byte(js), &v); err != nil || v.Erased != 0 {
		t.Errorf("a second erasure = %s (%v), want 0 erased", js, err)
	}
}

func TestSummaryCountsWhatBecameOfEachOrder(t *testing.T) {
	tool, out, store := newTool(t)
	fixture(t, store)
	js := runOut(t, tool, out, "summary", "--since", "2026-11-01", "--until", "2026-11-30", "--json")
	var got operator.Summary
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatalf("--json does not parse: %v\n%s", err, js)
	}
	want := operator.Summary{
		Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Received: 14, Thanked: 3, Sent: 1, Delivered: 1, Undelivered: 1, NotYetSent: 3,
		Skipped: 3, SkippedByReason: map[string]int{"test_order": 1, "min_total": 2},
		Failed: 2, FailedByCode: map[string]int{"21211": 1, "none": 1},
		Expired: 1, Cancelled: 1, OptedOut: 1,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summary =\n%+v\nwant\n%+v", got, want)
	}

	table := runOut(t, tool, out, "summary", "--since", "2026-11-01", "--source", "shopify", "--shop", shopA)
	for _, s := range []string{"a.myshopify.com", "orders received", "13", "min_total", "Twilio 21211", "no Twilio code", "opted out", "calls completed", "awaiting a call"} {
		if !strings.Contains(table, s) {
			t.Errorf("summary table lacks %q:\n%s", s, table)
		}
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	tool, _, store := newTool(t)
	fixture(t, store)
	for _, tt := range []struct{ line, says string }{
		{"tasks show", "--id is required"},
		{"tasks show --id nope", "tasks list"},
		{"tasks retry", "tasks list --state failed"},
		{"tasks retry --id x --time-zone Mars/Base", "IANA zone"},
		{"tasks retry --id x --window 10-17", "not a time like 10:00"},
		{"tasks retry --id x --window 10:00", "HH:MM-HH:MM"},
		{"tasks retry --id x --expire-after -1h", "positive duration"},
		{"tasks cancel", "--id is required"},
		{"tasks list --since 23/11/2026", "write a day like 2026-11-23"},
		{"tasks list --since 2026-11-23 --until 2026-11-01", "is not after --since"},
		{"tasks list --shop a.myshopify.com", "--shop needs --source"},
		{"tasks list --state lost", "not a task state; use one of"},
		{"summary", "--since is required"},
		{"summary --since yesterday", "write a day like"},
		{"customers erase --source shopify --phone +12125550123", "--shop is required"},
		{"customers erase --source shopify --shop a.myshopify.com", "give the customer's --phone or --email"},
		{"customers erase --source shopify --shop a.myshopify.com --phone 12", "E.164"},
		{"customers erase --source shopify --shop a.myshopify.com --email nobody", "not an email address"},
		{"customers erase --shop a.myshopify.com --phone +12125550123", "--source is required"},
		{"customers forget", "unknown command"},
	} {
		err := tool.Run(context.Background(), strings.Fields(tt.line))
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("%s: %v, want an error saying %q", tt.line, err, tt.says)
		}
	}
}

func TestTaskShowPrintsAStaffCallAndItsBridge(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	const staffPhone = "+12125550181"
	created := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	task := pendingTask("staff-call", created, created.Add(threeDays))
	task.Channel, task.Recipient = thankyou.ChannelStaff, staffPhone
	if _, err := store.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Claim(ctx, task.ID, fixtureRuns, task.DueAt, time.Minute); err != nil {
		t.Fatal(err)
	}
	r := thankyou.Reminder{SID: "SMreminder", MemberID: "ana", Phone: staffPhone, Reminders: 1, FollowUpAt: task.DueAt.Add(4 * time.Hour)}
	if err := store.Remind(ctx, task.ID, fixtureRuns, r, task.DueAt); err != nil {
		t.Fatal(err)
	}
	if err := store.RecordBridge(ctx, task.ID, staffPhone, "CAbridge", task.DueAt.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	o := thankyou.CallOutcome{SID: "CAbridge", Customer: "completed", Duration: 95 * time.Second}
	if _, err := store.RecordCallStatus(ctx, task.ID, "CAbridge", o, task.DueAt.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := runOut(t, tool, out, "tasks", "show", "--id", task.ID)
	for _, s := range []string{"reminded", "staff member", "ana", "1 (handed over 0 times)", "CAbridge", "customer completed", "95s", "+1********81"} {
		if !strings.Contains(got, s) {
			t.Errorf("show lacks %q:\n%s", s, got)
		}
	}
	for _, p := range append(personal, staffPhone, "2125550181") {
		if strings.Contains(got, p) {
			t.Errorf("show prints %q:\n%s", p, got)
		}
	}
}

// TestJSONTimesAreRFC3339: every time of --json output parses as RFC 3339.
func TestJSONTimesAreRFC3339(t *testing.T) {
	tool, out, store := newTool(t)
	ids := fixture(t, store)
	for _, line := range []string{"tasks list --json", "tasks show --json --id " + ids["failed"]} {
		out.Reset()
		if err := run(t, tool, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		var v any
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		n := 0
		var walk func(key string, v any)
		walk = func(key string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, e := range x {
					walk(k, e)
				}
			case []any:
				for _, e := range x {
					walk(key, e)
				}
			case string:
				switch key {
				case "created", "due", "deadline", "at":
					n++
					if _, err := time.Parse(time.RFC3339, x); err != nil {
						t.Errorf("%s: %s %q is not RFC 3339", line, key, x)
					}
				}
			}
		}
		walk("", v)
		if n == 0 {
			t.Errorf("%s: no time in %s", line, out.String())
		}
	}
}

func TestNeedsAttentionListsComplaintsAndShowHasTheConversation(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	happy, unhappy := pendingTask("2001", now.Add(-day), now.Add(day)), pendingTask("2002", now.Add(-day), now.Add(day))
	for _, task := range []thankyou.Task{happy, unhappy} {
		if _, err := store.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	for _, add := range []struct {
		id string
		e  thankyou.Entry
	}{
		{happy.ID, thankyou.Entry{At: now, From: thankyou.SpeakerCustomer, Text: "Love it!"}},
		{unhappy.ID, thankyou.Entry{At: now, From: thankyou.SpeakerCustomer, Text: "It came broken, call me on " + janePhone, Complaint: "broken"}},
		{unhappy.ID, thankyou.Entry{At: now.Add(time.Hour), From: thankyou.SpeakerStaff, Text: "So sorry, a new one is on its way"}},
	} {
		if _, _, err := store.AddEntry(ctx, add.id, add.e, now); err != nil {
			t.Fatal(err)
		}
	}

	got := runOut(t, tool, out, "tasks", "list", "--state", "needs_attention")
	if ids := listedIDs(got, map[string]string{"happy": happy.ID, "unhappy": unhappy.ID}); !slices.Equal(ids, []string{"unhappy"}) {
		t.Errorf("needs_attention lists %v, want the complaint only:\n%s", ids, got)
	}
	if !strings.Contains(got, "REPLIES") || !strings.Contains(got, "2, needs attention") {
		t.Errorf("list lacks the REPLIES column:\n%s", got)
	}
	for _, text := range []string{"broken", "So sorry"} {
		if strings.Contains(got, text) {
			t.Errorf("list shows the conversation's text %q:\n%s", text, got)
		}
	}

	got = runOut(t, tool, out, "tasks", "show", "--id", unhappy.ID)
	for _, s := range []string{"needs attention", "CONVERSATION (UTC)", "customer (complaint)", "It came broken, call me on +1********23",
		"staff", "So sorry, a new one is on its way", "conversation", "from=customer complaint"} {
		if !strings.Contains(got, s) {
			t.Errorf("show lacks %q:\n%s", s, got)
		}
	}
	if err := tool.Run(ctx, []string{"tasks", "list", "--state", "needs_attention", "--upcoming"}); !errors.Is(err, operator.ErrUsage) {
		t.Errorf("--upcoming with needs_attention: %v, want a usage error", err)
	}

	// Dealt with: resolve takes it off the list, the conversation stays.
	if got := runOut(t, tool, out, "tasks", "resolve", "--id", unhappy.ID); !strings.Contains(got, "no longer needs attention") {
		t.Errorf("resolve said %q", got)
	}
	if got := runOut(t, tool, out, "tasks", "list", "--state", "needs_attention"); !strings.Contains(got, "No tasks match.") {
		t.Errorf("after resolve the list is:\n%s", got)
	}
	if got := runOut(t, tool, out, "tasks", "show", "--id", unhappy.ID); !strings.Contains(got, "So sorry") || !strings.Contains(got, "attention cleared") {
		t.Errorf("after resolve show is:\n%s", got)
	}
	if err := tool.Run(ctx, []string{"tasks", "resolve", "--id", "shopify:nope:1"}); err == nil {
		t.Error("resolve of no task succeeded")
	}
}
