package dashboard_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dashboard"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

const (
	janePhone = "+12125550123"
	janeName  = "Jane Doe"
	janeFirst = "Jane"
	janeEmail = "jane@example.com"
	staffAna  = "+12125550181"
	nyWindow  = "10:00-17:00 Mon,Tue,Wed,Thu,Fri"
	shop      = "a.myshopify.com"
	run       = "run"
)

// personal is what no page may show: the customer's number in any form,
// their full name, their email, a staff member's number.
var personal = []string{janePhone, "2125550123", "555-0123", "Doe", janeEmail, staffAna, "2125550181"}

// now is the dashboard's clock: Monday 23 November 2026, 13:00 in New York.
var now = time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC)

func utc(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }

func task(id string, created, due time.Time) thankyou.Task {
	o := thankyou.Order{Source: thankyou.SourceShopify, Shop: shop, ID: id, Number: id, CustomerName: janeName, FirstName: janeFirst,
		Phone: janePhone, Email: janeEmail, Total: "50.00", Currency: "USD", CreatedAt: created, Country: "US", Region: "US-NY"}
	return thankyou.Task{ID: o.TaskID(), Order: o, Channel: thankyou.ChannelSMS, Recipient: janePhone, State: thankyou.StatePending,
		DueAt: due, Deadline: due.Add(72 * time.Hour), TimeZone: "America/New_York", ShopName: "Shop A", Window: thankyou.MustWindow(nyWindow),
		CreatedAt: created, UpdatedAt: created}
}

// fixture is a table as the functions leave it: thank-yous coming up
// (for their window, for Thanksgiving, deferred by the cap), sent,
// delivered, failed and skipped today, one delivered earlier, an open
// staff call and an opt-out.
type fixture struct {
	store *dynamo.Store
	ids   map[string]string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctx := context.Background()
	client, table := dynamotest.NewTable(t)
	store := dynamo.New(client, table, dynamo.Options{})
	f := fixture{store: store, ids: map[string]string{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	create := func(name string, tk thankyou.Task) thankyou.Task {
		t.Helper()
		if ok, err := store.CreateTask(ctx, tk); err != nil || !ok {
			t.Fatalf("create %s: %v %v", name, ok, err)
		}
		f.ids[name] = tk.ID
		return tk
	}
	claimed := func(name string, created, due time.Time) thankyou.Task {
		t.Helper()
		tk := create(name, task(name, created, due))
		if _, err := store.Claim(ctx, tk.ID, run, due, time.Minute); err != nil {
			t.Fatalf("claim %s: %v", name, err)
		}
		return tk
	}
	// Coming up: the evening's order waits for the window (10:00 New York
	// tomorrow); Monday's, three days later, for the day after
	// Thanksgiving; one deferred by the number's cap.
	create("1001", task("1001", utc(23, 23, 0), utc(24, 15, 0)))
	create("1002", task("1002", utc(23, 16, 0), utc(27, 15, 0)))
	capped := task("1003", utc(23, 17, 0), utc(25, 17, 0))
	capped.Reason = contact.Decision{Code: contact.CodeNumberCap, Detail: "1 in 24h"}.Reason()
	create("1003", capped)
	create("1004", task("1004", utc(20, 19, 0), utc(23, 19, 0)))
	// Today.
	d := claimed("2001", utc(20, 15, 0), utc(23, 15, 0))
	must(store.MarkSent(ctx, d.ID, run, "SMdelivered", utc(23, 15, 0)))
	_, err := store.ApplyStatus(ctx, d.ID, "SMdelivered", thankyou.StateDelivered, 0, "", utc(23, 15, 1))
	must(err)
	fl := claimed("2002", utc(20, 16, 0), utc(23, 16, 0))
	must(store.Finish(ctx, fl.ID, run, thankyou.StateFailed, "send refused: http 400: code 21211: The 'To' number "+janePhone+" is not a valid phone number", 21211, "", utc(23, 16, 0)))
	sk := task("2003", utc(23, 14, 0), time.Time{})
	sk.State, sk.Reason, sk.DueAt, sk.Deadline = thankyou.StateSkipped, "test order", time.Time{}, time.Time{}
	create("2003", sk)
	// Earlier this month.
	old := claimed("3001", utc(10, 15, 0), utc(13, 15, 0))
	must(store.MarkSent(ctx, old.ID, run, "SMold", utc(13, 15, 0)))
	// An open staff call, reminded twice, handed over once.
	call := task("4001", utc(20, 15, 0), utc(23, 16, 0))
	call.Channel, call.Recipient = thankyou.ChannelStaff, staffAna
	create("4001", call)
	_, err = store.Claim(ctx, call.ID, run, call.DueAt, time.Minute)
	must(err)
	must(store.Remind(ctx, call.ID, run, thankyou.Reminder{SID: "SMremind", MemberID: "ana", Phone: staffAna, Reminders: 2, Reassigned: 1, FollowUpAt: utc(23, 20, 0)}, utc(23, 16, 0)))
	must(store.AddOptOut(ctx, "+14155550100", "asked by email", utc(23, 17, 0)))
	return f
}

func newServer(t *testing.T, o dashboard.Options) (*dashboard.Server, *httptest.Server) {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return now }
	}
	if o.Zone == nil {
		ny, err := time.LoadLocation("America/New_York")
		if err != nil {
			t.Fatal(err)
		}
		o.Zone = ny
	}
	s, err := dashboard.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// noRedirects is a client that reports redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := noRedirects.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func noPersonalData(t *testing.T, what, body string) {
	t.Helper()
	for _, p := range personal {
		if strings.Contains(body, p) {
			t.Errorf("%s shows personal data %q", what, p)
		}
	}
}

// TestEveryPageShowsItsFiguresOnlyWithTheToken: each page answers 200 with
// its figures under the token, and 403 without it, with a wrong one, or
// through a Host that is not this machine (DNS rebinding).
func TestEveryPageShowsItsFiguresOnlyWithTheToken(t *testing.T) {
	f := newFixture(t)
	s, ts := newServer(t, dashboard.Options{Store: f.store})
	for _, tc := range []struct {
		page string
		want []string
	}{
		{"", []string{`id="due"><b>1</b>`, `id="sent"><b>1</b>`, `id="delivered"><b>1</b>`, `id="failed"><b>1</b>`, `id="skipped"><b>1</b>`,
			`id="awaiting"><b>1</b>`, `id="optouts"><b>1</b>`, "Twilio 21211 (invalid &#39;To&#39; number)", "test_order", "<svg", `class="thanked"`}},
		{"upcoming", []string{"#1001", "#1002", "#1003", "#1004", ">delay<", "Tue 24 Nov 10:00 EST", "Fri 27 Nov 10:00 EST", ">window<", ">holiday<", "Thanksgiving", ">cap<", "********23", "Jane", `name="csrf"`}},
		{"staff", []string{"ana", "#4001", "reminded", `data-label="Reminders" class="n">2<`, `data-label="Hand-overs" class="n">1<`}},
		{"task?id=" + url.QueryEscape(f.ids["2002"]), []string{"failed", "21211", "********23", "Jane", `id="retry"`, "created"}},
		{"task?id=" + url.QueryEscape(f.ids["1001"]), []string{"pending", `id="cancel"`}},
		{"optouts", []string{"********00", "asked by email", `name="ref"`}},
		{"static/style.css", []string{"@media (max-width: 640px)"}},
	} {
		t.Run(tc.page, func(t *testing.T) {
			code, body := get(t, ts.URL+s.Path()+tc.page)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", tc.page, code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s lacks %q", tc.page, w)
				}
			}
			noPersonalData(t, tc.page, body)
			for _, u := range []string{ts.URL + "/" + tc.page, ts.URL + "/0123456789abcdef0123456789abcdef/" + tc.page} {
				if code, _ := get(t, u); code != http.StatusForbidden {
					t.Errorf("GET %s without the token: %d, want 403", u, code)
				}
			}
			req, _ := http.NewRequest(http.MethodGet, ts.URL+s.Path()+tc.page, nil)
			req.Host = "attacker.example:80"
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s with Host attacker.example: %d, want 403", tc.page, resp.StatusCode)
			}
		})
	}
	if code, body := get(t, ts.URL+s.Path()+"task?id=shopify:a.myshopify.com:none"); code != http.StatusNotFound || !strings.Contains(body, "No task") {
		t.Errorf("an unknown task: %d", code)
	}
	if code, _ := get(t, ts.URL+s.Path()+"no-such-page"); code != http.StatusNotFound {
		t.Errorf("an unknown page: %d", code)
	}
	if code, _ := get(t, ts.URL+strings.TrimSuffix(s.Path(), "/")); code != http.StatusSeeOther {
		t.Errorf("the root without its slash: %d, want a redirect", code)
	}
}

// TestEveryActionNeedsTheTokenAndItsCSRF: a POST without the CSRF token,
// with a wrong one, or without the URL's token changes nothing and is 403.
func TestEveryActionNeedsTheTokenAndItsCSRF(t *testing.T) {
	f := newFixture(t)
	s, ts := newServer(t, dashboard.Options{Store: f.store})
	for _, tc := range []struct {
		action string
		form   url.Values
	}{
		{"task/cancel", url.Values{"id": {f.ids["1001"]}}},
		{"task/retry", url.Values{"id": {f.ids["2002"]}}},
		{"optouts/add", url.Values{"phone": {"+14155550199"}}},
		{"optouts/remove", url.Values{"ref": {"x"}}},
	} {
		for _, bad := range []struct {
			name, path, csrf string
		}{
			{"no csrf", s.Path(), ""},
			{"wrong csrf", s.Path(), strings.Repeat("0", len(s.CSRF()))},
			{"no token", "/", s.CSRF()},
		} {
			form := url.Values{}
			for k, v := range tc.form {
				form[k] = v
			}
			if bad.csrf != "" {
				form.Set("csrf", bad.csrf)
			}
			if code, _, _ := post(t, ts.URL+bad.path+tc.action, form); code != http.StatusForbidden {
				t.Errorf("POST %s, %s: %d, want 403", tc.action, bad.name, code)
			}
		}
		if code, _ := get(t, ts.URL+s.Path()+tc.action); code == http.StatusOK {
			t.Errorf("GET %s: 200, want it refused (actions are POSTs)", tc.action)
		}
	}
	ctx := context.Background()
	for _, name := range []string{"1001", "2002"} {
		tk, err := f.store.GetTask(ctx, f.ids[name])
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]thankyou.State{"1001": thankyou.StatePending, "2002": thankyou.StateFailed}[name]; tk.State != want {
			t.Errorf("task %s is %s after refused POSTs, want %s", name, tk.State, want)
		}
	}
	if o, found, _ := f.store.GetOptOut(ctx, "+14155550199"); found {
		t.Errorf("a refused POST opted out %v", o)
	}
}

// TestActionsCancelRetryAndOptOutsDoWhatTheToolDoes: with the CSRF token,
// cancel stops a pending thank-you (and refuses a delivered one, saying
// why), retry puts a failed one back, and opt-outs are added and removed.
func TestActionsCancelRetryAndOptOutsDoWhatTheToolDoes(t *testing.T) {
	f := newFixture(t)
	s, ts := newServer(t, dashboard.Options{Store: f.store})
	ctx := context.Background()
	base := ts.URL + s.Path()
	state := func(name string) thankyou.State {
		t.Helper()
		tk, err := f.store.GetTask(ctx, f.ids[name])
		if err != nil {
			t.Fatal(err)
		}
		return tk.State
	}
	code, loc, _ := post(t, base+"task/cancel", url.Values{"csrf": {s.CSRF()}, "id": {f.ids["1001"]}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "done=cancelled") || state("1001") != thankyou.StateCancelled {
		t.Errorf("cancel a pending task: %d %s, state %s", code, loc, state("1001"))
	}
	if code, body := get(t, ts.URL+loc); code != http.StatusOK || !strings.Contains(body, "Cancelled: it will not be sent.") {
		t.Errorf("the page after cancelling: %d, no confirmation", code)
	}
	code, _, body := post(t, base+"task/cancel", url.Values{"csrf": {s.CSRF()}, "id": {f.ids["2001"]}})
	if code != http.StatusConflict || !strings.Contains(body, "only a task not yet sent can be cancelled") || state("2001") != thankyou.StateDelivered {
		t.Errorf("cancel a delivered task: %d, state %s", code, state("2001"))
	}
	code, loc, _ = post(t, base+"task/retry", url.Values{"csrf": {s.CSRF()}, "id": {f.ids["2002"]}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "done=retried") || state("2002") != thankyou.StatePending {
		t.Errorf("retry a failed task: %d %s, state %s", code, loc, state("2002"))
	}
	code, _, body = post(t, base+"task/retry", url.Values{"csrf": {s.CSRF()}, "id": {f.ids["2001"]}})
	if code != http.StatusConflict || !strings.Contains(body, "never sent again") {
		t.Errorf("retry a delivered task: %d", code)
	}
	noPersonalData(t, "the refused retry", body)

	code, loc, _ = post(t, base+"optouts/add", url.Values{"csrf": {s.CSRF()}, "phone": {"(415) 555-0199"}, "country": {"us"}, "reason": {"by phone"}})
	if _, found, _ := f.store.GetOptOut(ctx, "+14155550199"); code != http.StatusSeeOther || !strings.Contains(loc, "done=added") || !found {
		t.Errorf("add an opt-out: %d %s, stored %v", code, loc, found)
	}
	code, _, body = post(t, base+"optouts/add", url.Values{"csrf": {s.CSRF()}, "phone": {"12"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "Not added") {
		t.Errorf("add a number that is none: %d", code)
	}
	_, page := get(t, base+"optouts")
	refs := regexp.MustCompile(`name="ref" value="([0-9a-f]+)"`).FindAllStringSubmatch(page, -1)
	if len(refs) != 2 {
		t.Fatalf("the opt-outs page has %d remove buttons, want 2", len(refs))
	}
	if code, _, body := post(t, base+"optouts/remove", url.Values{"csrf": {s.CSRF()}, "ref": {refs[0][1]}}); code != http.StatusBadRequest || !strings.Contains(body, "Not removed") {
		t.Errorf("remove an opt-out without saying its owner asked: %d", code)
	}
	if list, _ := f.store.ListOptOuts(ctx); len(list) != 2 {
		t.Errorf("a refused removal removed: %d opt-outs left", len(list))
	}
	for _, m := range refs {
		if code, loc, _ := post(t, base+"optouts/remove", url.Values{"csrf": {s.CSRF()}, "ref": {m[1]}, "yes": {"on"}}); code != http.StatusSeeOther || !strings.Contains(loc, "done=removed") {
			t.Errorf("remove an opt-out: %d %s", code, loc)
		}
	}
	if list, err := f.store.ListOptOuts(ctx); err != nil || len(list) != 0 {
		t.Errorf("after removing both: %v %v", list, err)
	}
	if code, loc, _ := post(t, base+"optouts/remove", url.Values{"csrf": {s.CSRF()}, "ref": {refs[0][1]}, "yes": {"on"}}); code != http.StatusSeeOther || !strings.Contains(loc, "done=notfound") {
		t.Errorf("remove one no longer there: %d %s", code, loc)
	}
}

// TestListenRefusesAnythingButLoopback: the dashboard never listens beyond
// this machine.
func TestListenRefusesAnythingButLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "192.168.1.10:0", "example.com:80", "10.0.0.1:8080"} {
		l, err := dashboard.Listen(addr)
		if !errors.Is(err, dashboard.ErrNotLoopback) {
			if l != nil {
				l.Close()
			}
			t.Errorf("Listen(%q): %v, want ErrNotLoopback", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		l, err := dashboard.Listen(addr)
		if err != nil {
			if addr == "[::1]:0" && !errors.Is(err, dashboard.ErrNotLoopback) {
				t.Logf("no IPv6 loopback here: %v", err)
				continue
			}
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		if ip := l.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
			t.Errorf("Listen(%q) listens on %s", addr, ip)
		}
		l.Close()
	}
}

// TestServePrintsTheAddressWithItsTokenAndStops: the printed address opens
// the dashboard; the server stops with its context.
func TestServePrintsTheAddressWithItsTokenAndStops(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- dashboard.Serve(ctx, dashboard.Options{Store: f.store, Now: func() time.Time { return now }}, "127.0.0.1:0", false, pw)
		pw.Close()
	}()
	buf := make([]byte, 512)
	n, _ := pr.Read(buf)
	go io.Copy(io.Discard, pr)
	u := regexp.MustCompile(`http://127\.0\.0\.1:\d+/[0-9a-f]{32}/`).FindString(string(buf[:n]))
	if u == "" {
		t.Fatalf("Serve printed no address: %q", buf[:n])
	}
	if code, _ := get(t, u); code != http.StatusOK {
		t.Errorf("GET %s: %d", u, code)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop with its context")
	}
}

type replies []dashboard.Conversation

func (r replies) Conversations(context.Context) ([]dashboard.Conversation, error) { return r, nil }

type effect struct {
	r  dashboard.EffectReport
	ok bool
}

func (e effect) EffectReport(context.Context, time.Time) (dashboard.EffectReport, bool, error) {
	return e.r, e.ok, nil
}

// TestRepliesAndEffectAppearOnlyWithTheirData: without a source the pages
// are not linked and answer 404; with one, replies needing attention come
// first, numbers masked; the effect page draws its chart and verdict.
func TestRepliesAndEffectAppearOnlyWithTheirData(t *testing.T) {
	f := newFixture(t)
	s, ts := newServer(t, dashboard.Options{Store: f.store})
	_, today := get(t, ts.URL+s.Path())
	if strings.Contains(today, ">Replies<") || strings.Contains(today, ">Effect<") {
		t.Error("the navigation links pages that have no data")
	}
	for _, p := range []string{"replies", "effect"} {
		if code, _ := get(t, ts.URL+s.Path()+p); code != http.StatusNotFound {
			t.Errorf("GET %s without its data: %d, want 404", p, code)
		}
	}
	r := replies{
		{TaskID: f.ids["2001"], FirstName: "Ann", Phone: "+14155550111", Messages: []dashboard.Reply{{At: utc(23, 16, 0), Inbound: true, Text: "thanks!"}}},
		{TaskID: f.ids["3001"], FirstName: janeFirst, Phone: janePhone, NeedsAttention: true, Messages: []dashboard.Reply{{At: utc(23, 15, 0), Inbound: true, Text: "my parcel never came, call " + janePhone}}},
	}
	e := effect{ok: true, r: dashboard.EffectReport{Verdict: "Thanked customers ordered again more often.", Points: []dashboard.EffectPoint{{"Oct", 0.2, 0.1}, {"Nov", 0.25, 0.12}}}}
	s, ts = newServer(t, dashboard.Options{Store: f.store, Replies: r, Effect: e})
	code, body := get(t, ts.URL+s.Path()+"replies")
	if code != http.StatusOK || !strings.Contains(body, ">Replies<") {
		t.Fatalf("replies: %d", code)
	}
	if i, j := strings.Index(body, "my parcel never came"), strings.Index(body, "thanks!"); i < 0 || j < 0 || i > j {
		t.Errorf("the conversation needing attention is not first (%d, %d)", i, j)
	}
	noPersonalData(t, "replies", body)
	code, body = get(t, ts.URL+s.Path()+"effect")
	if code != http.StatusOK || !strings.Contains(body, "Thanked customers ordered again more often.") || !strings.Contains(body, "<polyline") {
		t.Errorf("effect: %d", code)
	}
	if !strings.Contains(body, ">Replies<") || !strings.Contains(body, ">Effect<") {
		t.Error("the navigation does not link the pages that have data")
	}
	e.ok = false
	s, ts = newServer(t, dashboard.Options{Store: f.store, Effect: e})
	if code, body := get(t, ts.URL+s.Path()+"effect"); code != http.StatusOK || !strings.Contains(body, "No effect report yet.") {
		t.Errorf("effect without a report: %d", code)
	}
}

// TestRepliesAndEffectPagesReadTheStore: the Replies page shows a task's
// conversation (complaints first, numbers masked), and the Effect page the
// report of a shop with a holdout, from the links the order webhook keeps.
func TestRepliesAndEffectPagesReadTheStore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.store.AddEntry(ctx, f.ids["1001"], thankyou.Entry{At: now, From: thankyou.SpeakerCustomer, Text: "The mug came broken", Complaint: "broken"}, now); err != nil {
		t.Fatal(err)
	}
	// A shop measuring its effect: half its new customers held out.
	shop := thankyou.Shop{Source: thankyou.SourceShopify, ID: "measured.myshopify.com", Name: "Measured", Holdout: 5000, Salt: "a-test-salt"}
	first := now.Add(-200 * 24 * time.Hour)
	for i := range 60 {
		task := thankyou.Task{ID: fmt.Sprintf("shopify:measured.myshopify.com:%d", i), Channel: thankyou.ChannelSMS, State: thankyou.StatePending,
			Order: thankyou.Order{Source: thankyou.SourceShopify, Shop: shop.ID, ID: fmt.Sprint(i), CreatedAt: first, Phone: fmt.Sprintf("+1212555%04d", i), Total: "10.00", Currency: "USD"}}
		if _, err := f.store.LinkOrder(ctx, shop, task); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.PutShop(ctx, shop, now); err != nil {
		t.Fatal(err)
	}
	o := dashboard.Options{Store: f.store, Now: func() time.Time { return now },
		Replies: dashboard.StoreReplies{Store: f.store, Now: func() time.Time { return now.Add(time.Hour) }},
		Effect:  dashboard.StoreEffect{Store: f.store}}
	s, ts := newServer(t, o)
	for page, want := range map[string][]string{
		"replies": {"Jane", "The mug came broken"},
		"effect":  {"Measured: ", "per 100"},
	} {
		code, body := get(t, ts.URL+s.Path()+page)
		if code != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", page, code, body)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s lacks %q", page, w)
			}
		}
		noPersonalData(t, page, body)
	}
}
