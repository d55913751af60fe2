package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/thankyoucalls/thankyoucalls/internal/dashboard"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// ScreenshotsEnv names a directory where the browser test keeps its
// screenshots (docs/dashboard-today.png is today-1280.png); without it
// they go to a temporary directory.
const ScreenshotsEnv = "DASHBOARD_SCREENSHOTS"

// chromium finds a Chromium to drive: $CHROMIUM, else Debian's chromium
// or a Chrome on the PATH; "" when there is none.
func chromium() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// demoDashboard plays the demo story on a local stack, adds two thank-yous
// still to come (the demo's all went out), and serves the dashboard over
// it on loopback. It returns the dashboard's root URL, the store and the
// two pending tasks' ids.
func demoDashboard(t *testing.T) (string, *dynamo.Store, []string) {
	t.Helper()
	t.Chdir("../..")
	env, err := localstack.LoadEnvFile("events/env.json")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	clock := localstack.NewClock(demoStart)
	stack, err := localstack.Start(ctx, localstack.Options{
		Env: env, DynamoDBAddr: "127.0.0.1:0", APIAddr: "127.0.0.1:0", TwilioAddr: "127.0.0.1:0",
		Now: clock.Now, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stack.Close)
	if err := demo(ctx, stack, clock, env, io.Discard); err != nil {
		t.Fatalf("the demo: %v", err)
	}
	// Two more orders of the demo's first customer, due tomorrow at 10:00
	// in New York.
	var first thankyou.Task
	if first, err = stack.DynamoDB.GetTask(ctx, "shopify:thankyou-demo.myshopify.com:820982911946154508"); err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	y, m, d := clock.Now().In(ny).AddDate(0, 0, 1).Date()
	due := time.Date(y, m, d, 10, 0, 0, 0, ny).UTC()
	var ids []string
	for _, n := range []string{"2001", "2002"} {
		tk := first
		tk.Order.ID, tk.Order.Number, tk.Order.CreatedAt = "99"+n, n, clock.Now()
		tk.ID, tk.State, tk.Reason, tk.MessageSID, tk.Attempts = tk.Order.TaskID(), thankyou.StatePending, "", "", 0
		tk.DueAt, tk.Deadline, tk.CreatedAt, tk.UpdatedAt, tk.ExpiresAt = due, due.Add(72*time.Hour), clock.Now(), clock.Now(), time.Time{}
		if ok, err := stack.DynamoDB.CreateTask(ctx, tk); err != nil || !ok {
			t.Fatalf("create %s: %v %v", tk.ID, ok, err)
		}
		ids = append(ids, tk.ID)
	}

	s, err := dashboard.New(dashboard.Options{Store: stack.DynamoDB, Now: clock.Now, Zone: ny,
		Replies: dashboard.StoreReplies{Store: stack.DynamoDB, Now: clock.Now}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := dashboard.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String() + s.Path(), stack.DynamoDB, ids
}

// TestDashboardInChromium drives headless Chromium over the demo's data:
// every page loads with no console error and holds the demo's figures, at
// 1280 and 375 pixels wide (screenshots checked for size and content);
// cancelling through the form works with its CSRF token and fails without
// it; without the URL's token nothing is shown.
func TestDashboardInChromium(t *testing.T) {
	bin := chromium()
	if bin == "" {
		t.Skip("Chromium not found: the browser tests need it (Debian: apt-get install -y chromium; or set CHROMIUM to its path); .ci/run installs it")
	}
	base, store, pending := demoDashboard(t)
	shots := os.Getenv(ScreenshotsEnv)
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.Headless, chromedp.NoSandbox, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true), chromedp.Flag("mute-audio", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()

	// The console's errors (and the browser log's: a refused resource, a
	// Content-Security-Policy violation) are collected all along.
	var mu sync.Mutex
	var consoleErrors []string
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start Chromium (%s): %v", bin, err)
	}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || m.Type == chromedp.ConsoleWarning {
				mu.Lock()
				consoleErrors = append(consoleErrors, fmt.Sprintf("%s: %s (%s)", m.Type, m.Text, m.URL))
				mu.Unlock()
			}
		}
	}()
	takeErrors := func() []string {
		time.Sleep(100 * time.Millisecond) // let the last events arrive
		mu.Lock()
		defer mu.Unlock()
		errs := consoleErrors
		consoleErrors = nil
		return errs
	}

	counts := stateCounts(t, store)
	task := "task?id=" + url.QueryEscape("shopify:thankyou-demo.myshopify.com:820982911946154508")
	pages := []struct {
		name, path string
		want       []string
	}{
		{"today", "", []string{"Today", `id="chart"`,
			fmt.Sprintf(`<i class="thanked"></i>thanked <b>%d</b>`, counts[thankyou.StateDelivered]+counts[thankyou.StateSent]+counts[thankyou.StateUndelivered]+counts[thankyou.StateCalled]),
			fmt.Sprintf(`<i class="skipped"></i>skipped <b>%d</b>`, counts[thankyou.StateSkipped]),
			fmt.Sprintf(`<i class="optedout"></i>opted out <b>%d</b>`, counts[thankyou.StateOptedOut]),
			fmt.Sprintf(`<i class="cancelled"></i>cancelled <b>%d</b>`, counts[thankyou.StateCancelled]),
			`id="called"><b>1</b>`, `id="optouts"><b>0</b><span>opt-outs today (1 in all)`}},
		{"upcoming", "upcoming", []string{"#2001", "#2002", "10:00 EST", "America/New_York", "Jane", "********23"}},
		{"staff", "staff", []string{"Done today", "#1004", "No open calls."}},
		{"task", task, []string{"delivered", "#1001", "********23", "History", "created"}},
		{"optouts", "optouts", []string{"*********56", "STOP", `id="add-optout"`}},
		{"replies", "replies", []string{"Jane", "lid of the mug arrived broken", "A new lid is on its way"}},
	}
	for _, p := range pages {
		for _, width := range []int64{1280, 375} {
			var dom string
			var shot []byte
			err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800), chromedp.Navigate(base+p.path))
			if err == nil {
				dom, err = chromedp.Run(ctx, chromedp.OuterHTML("html"))
			}
			var scrollWidth int64
			if err == nil {
				// Readable on a phone: nothing wider than the screen.
				scrollWidth, err = chromedp.Run(ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
			}
			if err == nil && scrollWidth > width {
				t.Errorf("%s at %d px is %d px wide: it scrolls sideways", p.name, width, scrollWidth)
			}
			if err == nil {
				shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
			}
			if err != nil {
				t.Fatalf("%s at %d px: %v", p.name, width, err)
			}
			for _, w := range p.want {
				if !strings.Contains(dom, w) {
					t.Errorf("%s at %d px: the DOM lacks %q", p.name, width, w)
				}
			}
			for _, personal := range []string{"+12125550123", "2125550123", "Doe", "@example.com", "+447911123456"} {
				if strings.Contains(dom, personal) {
					t.Errorf("%s shows personal data %q", p.name, personal)
				}
			}
			if errs := takeErrors(); len(errs) > 0 {
				t.Errorf("%s at %d px: console errors:\n%s", p.name, width, strings.Join(errs, "\n"))
			}
			file := filepath.Join(shots, fmt.Sprintf("%s-%d.png", p.name, width))
			if err := os.WriteFile(file, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			checkScreenshot(t, file, shot, int(width))
		}
	}

	// Cancel through the form, with its CSRF token: the page confirms and
	// the task is cancelled.
	state := func(id string) thankyou.State {
		tk, err := store.GetTask(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return tk.State
	}
	var flash string
	err := chromedp.Do(ctx, chromedp.EmulateViewport(375, 800), chromedp.Navigate(base+"task?id="+url.QueryEscape(pending[0])),
		chromedp.Click("#cancel button"), chromedp.WaitVisible(".flash"))
	if err == nil {
		flash, err = chromedp.Run(ctx, chromedp.Text(".flash"))
	}
	if err != nil || !strings.Contains(flash, "Cancelled") || state(pending[0]) != thankyou.StateCancelled {
		t.Errorf("cancel through the form: %v, %q, state %s", err, flash, state(pending[0]))
	}
	if errs := takeErrors(); len(errs) > 0 {
		t.Errorf("cancelling: console errors:\n%s", strings.Join(errs, "\n"))
	}
	// The same form without its CSRF token is refused and changes nothing.
	var body string
	err = chromedp.Do(ctx, chromedp.Navigate(base+"task?id="+url.QueryEscape(pending[1])),
		chromedp.SetAttributeValue(`#cancel input[name="csrf"]`, "value", ""), chromedp.Click("#cancel button"),
		chromedp.WaitVisible("body"), chromedp.Sleep(200*time.Millisecond))
	if err == nil {
		body, err = chromedp.Run(ctx, chromedp.Text("body"))
	}
	if err != nil || !strings.Contains(body, "CSRF token is missing or wrong") || state(pending[1]) != thankyou.StatePending {
		t.Errorf("cancel without the CSRF token: %v, %q, state %s", err, body, state(pending[1]))
	}
	// Without the URL's token: nothing but the refusal.
	u, _ := url.Parse(base)
	err = chromedp.Do(ctx, chromedp.Navigate(u.Scheme+"://"+u.Host+"/upcoming"), chromedp.WaitVisible("body"))
	if err == nil {
		body, err = chromedp.Run(ctx, chromedp.Text("body"))
	}
	if err != nil || !strings.Contains(body, "forbidden") || strings.Contains(body, "#2002") {
		t.Errorf("without the token: %v, %q", err, body)
	}
	takeErrors() // the two refusals' 403s are logged, as they should be
}

// stateCounts counts the table's tasks by state.
func stateCounts(t *testing.T, store *dynamo.Store) map[thankyou.State]int {
	t.Helper()
	counts := map[thankyou.State]int{}
	err := store.ListTasks(t.Context(), dynamo.TaskFilter{}, func(tk thankyou.Task) error {
		counts[tk.State]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return counts
}

// checkScreenshot checks that a screenshot is a PNG as wide as the
// viewport, of a real page's height, and not blank: many colours, and a
// good share of pixels that are not the background's.
func checkScreenshot(t *testing.T, file string, b []byte, width int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Errorf("%s: not a PNG: %v", file, err)
		return
	}
	r := img.Bounds()
	if r.Dx() != width || r.Dy() < 400 || len(b) < 10_000 {
		t.Errorf("%s: %dx%d px, %d bytes: want %d px wide, 400 px high and 10 kB at least", file, r.Dx(), r.Dy(), len(b), width)
	}
	colours := map[uint32]bool{}
	bg := pixel(img, r.Max.X-1, r.Max.Y-1)
	other, n := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			c := pixel(img, x, y)
			colours[c] = true
			if c != bg {
				other++
			}
			n++
		}
	}
	if len(colours) < 16 || other*100 < n*5 {
		t.Errorf("%s looks blank: %d colours, %d%% of pixels not the background", file, len(colours), other*100/max(n, 1))
	}
}

func pixel(img image.Image, x, y int) uint32 {
	r, g, b, _ := img.At(x, y).RGBA()
	return r>>8<<16 | g>>8<<8 | b>>8
}
