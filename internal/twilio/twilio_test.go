package twilio_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	serviceSID = "MG0123456789abcdef0123456789abcdef"
	sender     = "+14155550100"
	customer   = "+14155550123"
	callback   = "https://example.com/twilio/status?task=t-1"
)

var sidPattern = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

// mustServer starts a local Twilio closed at the end of the test.
func mustServer(tb testing.TB, opts twiliotest.Options) *twiliotest.Server {
	tb.Helper()
	opts.AccountSID, opts.AuthToken = accountSID, authToken
	srv, err := twiliotest.NewServer(opts)
	if err != nil {
		tb.Fatalf("NewServer: %v", err)
	}
	tb.Cleanup(func() { srv.Close() })
	return srv
}

// mustClient builds a Client for srv; edit adjusts the Config.
func mustClient(tb testing.TB, srv *twiliotest.Server, edit func(*twilio.Config)) *twilio.Client {
	tb.Helper()
	cfg := twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: sender, BaseURL: srv.URL()}
	if edit != nil {
		edit(&cfg)
	}
	c, err := twilio.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

func TestSendSMSReachesLocalTwilio(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	c := mustClient(t, srv, nil)

	sid, err := c.SendSMS(context.Background(), customer, "Thank you for your order!", callback)
	if err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	if !sidPattern.MatchString(sid) {
		t.Errorf("sid = %q, want SM and 32 hex digits", sid)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(got))
	}
	want := twiliotest.Message{
		SID: sid, AccountSID: accountSID, To: customer, From: sender,
		Body: "Thank you for your order!", StatusCallback: callback, Status: "queued",
		Created: got[0].Created,
	}
	if got[0] != want {
		t.Errorf("accepted message = %+v, want %+v", got[0], want)
	}
}

func TestSendSMSUsesMessagingServiceWhenSet(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	c := mustClient(t, srv, func(cfg *twilio.Config) { cfg.MessagingServiceSID = serviceSID })

	sid, err := c.SendSMS(context.Background(), customer, "Thanks!", "")
	if err != nil {
		t.Fatalf("SendSMS: %v", err)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server accepted %d messages, want 1", len(got))
	}
	m := got[0]
	if m.SID != sid || m.MessagingServiceSID != serviceSID || m.From != "" || m.StatusCallback != "" || m.Status != "accepted" {
		t.Errorf("accepted message = %+v, want sid %s, messaging service %s, no From, no StatusCallback, status accepted", m, sid, serviceSID)
	}
}

func TestTwilioErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name           string
		fault          *twiliotest.Fault // nil: none
		token          string            // "" = the right one
		timeout        time.Duration
		wantStatus     int
		wantCode       int
		wantTemporary  bool
		wantRetryAfter time.Duration
	}{
		{name: "invalid number", fault: ptr(twiliotest.InvalidNumber()), wantStatus: 400, wantCode: 21211},
		{name: "unsubscribed", fault: ptr(twiliotest.Unsubscribed()), wantStatus: 400, wantCode: 21610},
		{name: "not mobile", fault: ptr(twiliotest.NotMobile()), wantStatus: 400, wantCode: 21614},
		{name: "too many requests", fault: ptr(twiliotest.TooManyRequests(30 * time.Second)), wantStatus: 429, wantCode: 20429, wantTemporary: true, wantRetryAfter: 30 * time.Second},
		{name: "too many requests without Retry-After", fault: ptr(twiliotest.TooManyRequests(0)), wantStatus: 429, wantCode: 20429, wantTemporary: true},
		{name: "server error", fault: ptr(twiliotest.ServerError()), wantStatus: 500, wantCode: 20500, wantTemporary: true},
		{name: "bad gateway with HTML", fault: ptr(twiliotest.BadGatewayHTML()), wantStatus: 502, wantTemporary: true},
		{name: "service unavailable with Retry-After", fault: &twiliotest.Fault{Status: 503, Code: 20503, Message: "Service Unavailable", RetryAfter: 5 * time.Second}, wantStatus: 503, wantCode: 20503, wantTemporary: true, wantRetryAfter: 5 * time.Second},
		{name: "timeout", fault: ptr(twiliotest.Timeout(time.Minute)), timeout: 100 * time.Millisecond, wantTemporary: true},
		{name: "wrong auth token", token: "wrongtoken0123456789abcdef012345", wantStatus: 401, wantCode: 20003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mustServer(t, twiliotest.Options{})
			if tt.fault != nil {
				srv.Inject(*tt.fault)
			}
			c := mustClient(t, srv, func(cfg *twilio.Config) {
				if tt.token != "" {
					cfg.AuthToken = tt.token
				}
				cfg.Timeout = tt.timeout
			})

			sid, err := c.SendSMS(context.Background(), customer, "Thanks!", callback)
			if err == nil {
				t.Fatalf("SendSMS = %q, nil; want an error", sid)
			}
			t.Logf("SendSMS error: %v", err)
			var se *thankyou.SendError
			if !errors.As(err, &se) {
				t.Fatalf("SendSMS error %v (%T) does not wrap a *thankyou.SendError", err, err)
			}
			if se.Status != tt.wantStatus || se.Code != tt.wantCode || se.Temporary != tt.wantTemporary || se.RetryAfter != tt.wantRetryAfter {
				t.Errorf("SendError = {Status %d, Code %d, Temporary %v, RetryAfter %v}, want {Status %d, Code %d, Temporary %v, RetryAfter %v}",
					se.Status, se.Code, se.Temporary, se.RetryAfter, tt.wantStatus, tt.wantCode, tt.wantTemporary, tt.wantRetryAfter)
			}
			if se.Message == "" {
				t.Errorf("SendError has no message")
			}
			if strings.Contains(err.Error(), customer) {
				t.Errorf("error %q shows the phone number in clear", err)
			}
			if got := len(srv.Messages()); got != 0 {
				t.Errorf("server accepted %d messages, want 0", got)
			}
			if got := srv.Requests(); got != 1 {
				t.Errorf("server got %d create requests, want 1 (no retry inside SendSMS)", got)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestSendSMSDoesNotSendWhenContextIsDone(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	c := mustClient(t, srv, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	if _, err := c.SendSMS(ctx, customer, "Thanks!", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("SendSMS error = %v, want context.Canceled", err)
	}
	if _, _, err := c.FindSent(ctx, customer, "", time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("FindSent error = %v, want context.Canceled", err)
	}
	if got := srv.Requests(); got != 0 {
		t.Errorf("server got %d requests, want 0", got)
	}
}

func TestSendSMSStopsWhenContextEndsDuringRequest(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	srv.Inject(twiliotest.Timeout(time.Minute))
	c := mustClient(t, srv, nil) // the default per-request timeout is far longer
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()

	_, err := c.SendSMS(ctx, customer, "Thanks!", "")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("SendSMS error = %v, want context.DeadlineExceeded", err)
	}
	var se *thankyou.SendError
	if !errors.As(err, &se) || !se.Temporary {
		t.Errorf("SendSMS error = %v, want a temporary *thankyou.SendError", err)
	}
}

func TestTimedOutSendIsFoundBeforeSendingAgain(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	// Twilio accepts the message after the client gave up.
	srv.Inject(twiliotest.Timeout(300 * time.Millisecond))
	c := mustClient(t, srv, func(cfg *twilio.Config) { cfg.Timeout = 50 * time.Millisecond })
	since := time.Now()

	_, err := c.SendSMS(context.Background(), customer, "Thanks!", "")
	var se *thankyou.SendError
	if !errors.As(err, &se) || !se.Temporary {
		t.Fatalf("SendSMS error = %v, want a temporary *thankyou.SendError", err)
	}
	waitFor(t, func() bool { return len(srv.Messages()) == 1 })

	c = mustClient(t, srv, nil)
	sid, found, err := c.FindSent(context.Background(), customer, "", since)
	if err != nil || !found || sid != srv.Messages()[0].SID {
		t.Errorf("FindSent = %q, %v, %v; want %q, true, nil", sid, found, err, srv.Messages()[0].SID)
	}
	// With the body: the same text matches, another task's text does not
	// (one staff number receives every reminder).
	if sid, found, err := c.FindSent(context.Background(), customer, "Thanks!", since); err != nil || !found || sid != srv.Messages()[0].SID {
		t.Errorf("FindSent with the same body = %q, %v, %v; want it found", sid, found, err)
	}
	if _, found, err := c.FindSent(context.Background(), customer, "Thanks for order #1002!", since); err != nil || found {
		t.Errorf("FindSent with another body = %v, %v; want not found", found, err)
	}
}

// waitFor polls cond until it holds, failing the test after a long while.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// clock is a settable clock for the local Twilio.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestFindSent(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	other := "+14155550199"
	// Each case sends these messages (to, at) and then looks for customer.
	type sent struct {
		to string
		at time.Time
	}
	tests := []struct {
		name      string
		sent      []sent
		since     time.Time
		wantFound int // index in sent, -1 for none
	}{
		{name: "nothing sent", since: day.Add(16 * time.Hour), wantFound: -1},
		{name: "sent after since", sent: []sent{{customer, day.Add(16*time.Hour + time.Minute)}}, since: day.Add(16 * time.Hour), wantFound: 0},
		{name: "sent exactly at since", sent: []sent{{customer, day.Add(16 * time.Hour)}}, since: day.Add(16 * time.Hour), wantFound: 0},
		{name: "sent in the same second as since", sent: []sent{{customer, day.Add(16*time.Hour + 700*time.Millisecond)}}, since: day.Add(16*time.Hour + 500*time.Millisecond), wantFound: 0},
		{name: "sent earlier the same day", sent: []sent{{customer, day.Add(9 * time.Hour)}}, since: day.Add(16 * time.Hour), wantFound: -1},
		{name: "sent the day before", sent: []sent{{customer, day.Add(-time.Hour)}}, since: day.Add(16 * time.Hour), wantFound: -1},
		{name: "sent to someone else", sent: []sent{{other, day.Add(17 * time.Hour)}}, since: day.Add(16 * time.Hour), wantFound: -1},
		{name: "since late at night, sent after midnight", sent: []sent{{customer, day.Add(24*time.Hour + time.Minute)}}, since: day.Add(23*time.Hour + 59*time.Minute), wantFound: 0},
		{
			name: "among older and other messages",
			sent: []sent{
				{customer, day.Add(-48 * time.Hour)}, {customer, day.Add(8 * time.Hour)},
				{customer, day.Add(16*time.Hour + 5*time.Minute)}, {other, day.Add(16*time.Hour + 6*time.Minute)},
			},
			since: day.Add(16 * time.Hour), wantFound: 2,
		},
		{name: "since in another time zone", sent: []sent{{customer, day.Add(16*time.Hour + time.Minute)}}, since: day.Add(16 * time.Hour).In(time.FixedZone("PST", -8*3600)), wantFound: 0},
	}
	// Each case is played with messages sent at once, and with messages
	// that wait in Twilio's queue (no date_sent yet) when FindSent looks.
	for _, queue := range []time.Duration{0, 72 * time.Hour} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s, queued %s", tt.name, queue), func(t *testing.T) {
				clk := &clock{}
				srv := mustServer(t, twiliotest.Options{Now: clk.Now, Queue: queue})
				c := mustClient(t, srv, nil)
				var sids []string
				for _, s := range tt.sent {
					clk.Set(s.at)
					sid, err := c.SendSMS(context.Background(), s.to, "Thanks!", "")
					if err != nil {
						t.Fatalf("SendSMS: %v", err)
					}
					sids = append(sids, sid)
				}

				sid, found, err := c.FindSent(context.Background(), customer, "", tt.since)
				if err != nil {
					t.Fatalf("FindSent: %v", err)
				}
				wantSID := ""
				if tt.wantFound >= 0 {
					wantSID = sids[tt.wantFound]
				}
				if found != (tt.wantFound >= 0) || sid != wantSID {
					t.Errorf("FindSent = %q, %v; want %q, %v", sid, found, wantSID, tt.wantFound >= 0)
				}
			})
		}
	}
}

func TestFindSentReportsRefusals(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	c := mustClient(t, srv, func(cfg *twilio.Config) { cfg.AuthToken = "wrongtoken0123456789abcdef012345" })

	_, found, err := c.FindSent(context.Background(), customer, "", time.Now())
	var se *thankyou.SendError
	if !errors.As(err, &se) || se.Status != 401 || se.Code != 20003 || se.Temporary || found {
		t.Errorf("FindSent = found %v, error %v; want a final 401 20003 *thankyou.SendError", found, err)
	}
	if err != nil && strings.Contains(err.Error(), customer) {
		t.Errorf("error %q shows the phone number in clear", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	valid := twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: sender}
	tests := []struct {
		name string
		edit func(*twilio.Config)
	}{
		{"no account SID", func(c *twilio.Config) { c.AccountSID = "" }},
		{"account SID without AC", func(c *twilio.Config) { c.AccountSID = "XX0123456789abcdef0123456789abcdef" }},
		{"account SID not hex", func(c *twilio.Config) { c.AccountSID = "ACnothex" }},
		{"no auth token", func(c *twilio.Config) { c.AuthToken = "" }},
		{"auth token with symbols", func(c *twilio.Config) { c.AuthToken = "abc$def" }},
		{"neither From nor messaging service", func(c *twilio.Config) { c.From = "" }},
		{"malformed messaging service", func(c *twilio.Config) { c.MessagingServiceSID = "MG123" }},
		{"base URL without host", func(c *twilio.Config) { c.BaseURL = "http://" }},
		{"base URL not http", func(c *twilio.Config) { c.BaseURL = "ftp://127.0.0.1:8001" }},
		{"base URL unparseable", func(c *twilio.Config) { c.BaseURL = "http://[::1" }},
		{"base URL with a path", func(c *twilio.Config) { c.BaseURL = "http://127.0.0.1:8001/twilio" }},
		{"negative timeout", func(c *twilio.Config) { c.Timeout = -time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid
			tt.edit(&cfg)
			_, err := twilio.New(cfg)
			if got := thankyou.ErrorCode(err); got != thankyou.EINVALID {
				t.Errorf("New error = %v (code %q), want code %q", err, got, thankyou.EINVALID)
			}
		})
	}
	for _, cfg := range []twilio.Config{valid, {AccountSID: accountSID, AuthToken: authToken, MessagingServiceSID: serviceSID, BaseURL: "http://127.0.0.1:8001/"}} {
		if _, err := twilio.New(cfg); err != nil {
			t.Errorf("New(%+v) = %v, want nil", cfg, err)
		}
	}
}

func TestConcurrentSendsEachGetTheirOwnAnswer(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	const n = 40
	// Half the requests are refused with distinct Retry-After values: each
	// caller must see the one its own request got.
	for i := 1; i <= n/2; i++ {
		srv.Inject(twiliotest.TooManyRequests(time.Duration(i) * time.Second))
	}
	c := mustClient(t, srv, nil)

	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		sids        []string
		retryAfters []time.Duration
	)
	for i := range n {
		wg.Go(func() {
			sid, err := c.SendSMS(context.Background(), fmt.Sprintf("+1415555%04d", i), "Thanks!", "")
			mu.Lock()
			defer mu.Unlock()
			var se *thankyou.SendError
			switch {
			case err == nil:
				sids = append(sids, sid)
			case errors.As(err, &se) && se.Status == 429:
				retryAfters = append(retryAfters, se.RetryAfter)
			default:
				t.Errorf("SendSMS: %v", err)
			}
		})
	}
	wg.Wait()

	slices.Sort(retryAfters)
	var want []time.Duration
	for i := 1; i <= n/2; i++ {
		want = append(want, time.Duration(i)*time.Second)
	}
	if !slices.Equal(retryAfters, want) {
		t.Errorf("Retry-After values seen = %v, want each of %v once", retryAfters, want)
	}
	accepted := srv.Messages()
	if len(sids) != n/2 || len(accepted) != n/2 {
		t.Fatalf("%d sends succeeded and the server accepted %d, want %d and %d", len(sids), len(accepted), n/2, n/2)
	}
	for _, m := range accepted {
		if !slices.Contains(sids, m.SID) {
			t.Errorf("accepted message %s was not returned to any caller", m.SID)
		}
	}
	if got := srv.Requests(); got != n {
		t.Errorf("server got %d requests, want %d", got, n)
	}
}

func BenchmarkSendSMS(b *testing.B) {
	srv := mustServer(b, twiliotest.Options{})
	c := mustClient(b, srv, nil)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SendSMS(ctx, customer, "Thank you for your order!", callback); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSendSMSParallel(b *testing.B) {
	srv := mustServer(b, twiliotest.Options{Latency: 5 * time.Millisecond})
	c := mustClient(b, srv, nil)
	ctx := context.Background()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.SendSMS(ctx, customer, "Thank you for your order!", callback); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
