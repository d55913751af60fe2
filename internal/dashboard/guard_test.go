package dashboard

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// FuzzGuard: whatever the method, Host, path and form, a request reaches
// the pages only under the token, through a loopback Host, and (a POST)
// with the CSRF token; everything else is refused or redirected.
func FuzzGuard(f *testing.F) {
	const token, csrf = "00112233445566778899aabbccddeeff", "ffeeddccbbaa99887766554433221100"
	for _, seed := range [][4]string{
		{"GET", "127.0.0.1:8080", "/" + token + "/", ""},
		{"POST", "localhost", "/" + token + "/task/cancel", "csrf=" + csrf + "&id=x"},
		{"POST", "[::1]:1", "/" + token + "/task/cancel", "id=x"},
		{"GET", "evil.example", "/" + token + "/upcoming", ""},
		{"GET", "127.0.0.1", "/upcoming", ""},
		{"GET", "127.0.0.1.evil.example", "/" + token, ""},
		{"POST", "127.0.0.1", "/" + token + "/optouts/add", "csrf=" + csrf + "&csrf=x"},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
	}
	s := &Server{token: token, csrf: csrf}
	f.Fuzz(func(t *testing.T, method, host, path, form string) {
		reached := false
		h := s.guard(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
		r := httptest.NewRequest(http.MethodGet, "/", strings.NewReader(form))
		r.Method, r.Host, r.URL.Path = method, host, path
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !reached {
			if w.Code != http.StatusForbidden && w.Code != http.StatusSeeOther && w.Code != http.StatusBadRequest {
				t.Errorf("refused with %d", w.Code)
			}
			return
		}
		name := host
		if hn, _, err := net.SplitHostPort(host); err == nil {
			name = hn
		}
		name = strings.Trim(name, "[]")
		if ip := net.ParseIP(name); !strings.EqualFold(name, "localhost") && (ip == nil || !ip.IsLoopback()) {
			t.Errorf("reached the pages through Host %q", host)
		}
		if !strings.HasPrefix(path, "/"+token+"/") {
			t.Errorf("reached the pages at %q, outside the token", path)
		}
		if method == http.MethodPost {
			if v, err := url.ParseQuery(form); err != nil || v.Get("csrf") != csrf {
				t.Errorf("a POST with form %q reached the pages", form)
			}
		}
	})
}

// TestWhyThenNamesTheRuleThatKeptItFromGoingOutSooner, for a customer in
// New York with the window 10:00-17:00 Monday to Friday.
func TestWhyThenNamesTheRuleThatKeptItFromGoingOutSooner(t *testing.T) {
	d, err := operator.DefaultRetry()
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, time.UTC) }
	task := func(created, due time.Time) thankyou.Task {
		return thankyou.Task{Recipient: "+12125550123", TimeZone: "America/New_York", Window: thankyou.MustWindow("10:00-17:00 Mon,Tue,Wed,Thu,Fri"),
			Order: thankyou.Order{Country: "US", Region: "US-NY"}, CreatedAt: created, DueAt: due, State: thankyou.StatePending}
	}
	capped := task(at(23, 15, 0), at(25, 16, 0))
	capped.Reason = contact.Decision{Code: contact.CodeNumberCap, Detail: "1 in 24h, +12125550123"}.Reason()
	closed := task(at(21, 15, 0), at(25, 15, 0))
	closed.Closed = "2026-11-24"
	for _, tc := range []struct {
		name string
		task thankyou.Task
		rule string
		in   string
	}{
		{"an evening order waits for the window", task(at(23, 23, 0), at(24, 15, 0)), "window", "outside the window"},
		{"a weekend waits for Monday", task(at(20, 23, 0), at(23, 15, 0)), "window", "outside the window"},
		{"Thanksgiving moves it to Friday", task(at(23, 16, 0), at(27, 15, 0)), "holiday", "Thanksgiving"},
		{"a closed date", closed, "closed", "2026-11-24"},
		{"the cap", capped, "cap", "1 in 24h"},
		{"only the delay", task(at(20, 19, 0), at(23, 19, 0)), "delay", "the shop's delay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := whyThen(tc.task, d)
			if w.Rule != tc.rule || !strings.Contains(w.Detail, tc.in) {
				t.Errorf("whyThen = %+v, want rule %q with %q", w, tc.rule, tc.in)
			}
			if strings.Contains(w.Detail, "2125550123") {
				t.Errorf("the reason shows the number: %q", w.Detail)
			}
		})
	}
}

// BenchmarkWhyThenAHolidayWeekend: the Upcoming page explains up to 200
// rows, each a look at the days back to the order.
func BenchmarkWhyThenAHolidayWeekend(b *testing.B) {
	d, err := operator.DefaultRetry()
	if err != nil {
		b.Fatal(err)
	}
	tk := thankyou.Task{Recipient: "+12125550123", TimeZone: "America/New_York", Window: thankyou.MustWindow("10:00-17:00 Mon,Tue,Wed,Thu,Fri"),
		CreatedAt: time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC), DueAt: time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)}
	for b.Loop() {
		whyThen(tk, d)
	}
}
