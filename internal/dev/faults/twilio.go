package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// TwilioFault is a way a Create Message request to Twilio fails.
type TwilioFault string

// The faults FlakyTwilio injects. Each is what Twilio, or the network in
// front of it, really does.
const (
	// TooManyRequests is 429 with Twilio's code 20429 and a Retry-After.
	TooManyRequests TwilioFault = "429 too many requests"
	// ServerError is 500 with Twilio's code 20500.
	ServerError TwilioFault = "500 server error"
	// BadGatewayHTML is 502 with a load balancer's HTML page.
	BadGatewayHTML TwilioFault = "502 HTML page"
	// Unavailable is 503 with Twilio's code 20503 and a Retry-After.
	Unavailable TwilioFault = "503 unavailable"
	// TimeoutAccepted forwards the request, so Twilio accepts the message,
	// and withholds the answer until the client gives up (or Hold passes):
	// the client cannot know that the message went out.
	TimeoutAccepted TwilioFault = "timeout, message accepted"
	// TimeoutLost never forwards the request and answers nothing until the
	// client gives up (or Hold passes, then 504).
	TimeoutLost TwilioFault = "timeout, request lost"
)

// AllTwilioFaults lists every TwilioFault.
func AllTwilioFaults() []TwilioFault {
	return []TwilioFault{TooManyRequests, ServerError, BadGatewayHTML, Unavailable, TimeoutAccepted, TimeoutLost}
}

// FlakyTwilioOptions configure a FlakyTwilio.
type FlakyTwilioOptions struct {
	// Fraction is the probability, in [0, 1], that a Create Message request
	// fails.
	Fraction float64
	// Faults are chosen from uniformly; empty means AllTwilioFaults().
	Faults []TwilioFault
	// ListFraction is the probability, in [0, 1], that a List Messages
	// request (how a sender checks what Twilio already accepted) fails
	// with ServerError.
	ListFraction float64
	// Hold is how long a timeout holds the request when the client does not
	// give up first; zero means 30 seconds.
	Hold time.Duration
	// Seed makes the choices reproducible for a given order of requests;
	// 0 picks a random seed.
	Seed uint64
}

// FaultEvent is one fault FlakyTwilio injected.
type FaultEvent struct {
	Fault TwilioFault
	// To and StatusCallback are the request's parameters (kept in memory
	// only: To is personal data).
	To, StatusCallback string
	// List is true for a failed List Messages request.
	List bool
}

// FlakyTwilio is an HTTP reverse proxy in front of a Twilio-compatible
// server (package twiliotest, or anything speaking Twilio's Messages API).
// It fails a fraction of Create Message requests with one of its faults,
// fails a fraction of List Messages requests with a 500, and forwards
// everything else unchanged. It is safe for concurrent use.
type FlakyTwilio struct {
	opts  FlakyTwilioOptions
	proxy *httputil.ReverseProxy

	mu     sync.Mutex
	rng    *mrand.Rand
	events []FaultEvent
}

// NewFlakyTwilio returns a FlakyTwilio that forwards to target, the base URL
// of a Twilio-compatible server.
func NewFlakyTwilio(target string, opts FlakyTwilioOptions) (*FlakyTwilio, error) {
	u, err := parseTarget(target)
	if err != nil {
		return nil, fmt.Errorf("flaky twilio: %w", err)
	}
	if err := checkFraction(opts.Fraction); err != nil {
		return nil, fmt.Errorf("flaky twilio: %w", err)
	}
	if err := checkFraction(opts.ListFraction); err != nil {
		return nil, fmt.Errorf("flaky twilio: list: %w", err)
	}
	if len(opts.Faults) == 0 {
		opts.Faults = AllTwilioFaults()
	}
	opts.Faults = append([]TwilioFault(nil), opts.Faults...)
	for _, f := range opts.Faults {
		if !knownFault(f) {
			return nil, fmt.Errorf("flaky twilio: unknown fault %q", f)
		}
	}
	if opts.Hold <= 0 {
		opts.Hold = 30 * time.Second
	}
	return &FlakyTwilio{
		opts: opts,
		rng:  newRand(opts.Seed),
		proxy: &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u) },
			// A client that gave up (its timeout, a crash) is no error here.
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				if r.Context().Err() == nil {
					http.Error(w, "flaky twilio: target unreachable: "+err.Error(), http.StatusBadGateway)
				}
			},
		},
	}, nil
}

func knownFault(f TwilioFault) bool {
	for _, k := range AllTwilioFaults() {
		if f == k {
			return true
		}
	}
	return false
}

// Events returns the faults injected so far, in order.
func (f *FlakyTwilio) Events() []FaultEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]FaultEvent(nil), f.events...)
}

// Counts returns how many of each fault were injected into Create Message
// requests (failed List Messages requests are in Events only).
func (f *FlakyTwilio) Counts() map[TwilioFault]int {
	out := map[TwilioFault]int{}
	for _, e := range f.Events() {
		if !e.List {
			out[e.Fault]++
		}
	}
	return out
}

// choose decides whether a request fails, and how.
func (f *FlakyTwilio) choose() (TwilioFault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.opts.Fraction <= 0 || f.rng.Float64() >= f.opts.Fraction {
		return "", false
	}
	return f.opts.Faults[f.rng.IntN(len(f.opts.Faults))], true
}

func (f *FlakyTwilio) retryAfter() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return 1 + f.rng.IntN(120)
}

// listFails decides whether a List Messages request fails.
func (f *FlakyTwilio) listFails() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opts.ListFraction > 0 && f.rng.Float64() < f.opts.ListFraction
}

// ServeHTTP fails or forwards one request.
func (f *FlakyTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		f.proxy.ServeHTTP(w, r)
		return
	}
	if r.Method == http.MethodGet {
		if !f.listFails() {
			f.proxy.ServeHTTP(w, r)
			return
		}
		f.mu.Lock()
		f.events = append(f.events, FaultEvent{Fault: ServerError, To: r.URL.Query().Get("To"), List: true})
		f.mu.Unlock()
		writeTwilioError(w, http.StatusInternalServerError, 20500, "An internal server error has occurred")
		return
	}
	if r.Method != http.MethodPost {
		f.proxy.ServeHTTP(w, r)
		return
	}
	fault, ok := f.choose()
	if !ok {
		f.proxy.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "flaky twilio: read request: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	form, _ := url.ParseQuery(string(body))
	f.mu.Lock()
	f.events = append(f.events, FaultEvent{Fault: fault, To: form.Get("To"), StatusCallback: form.Get("StatusCallback")})
	f.mu.Unlock()

	switch fault {
	case TooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter()))
		writeTwilioError(w, http.StatusTooManyRequests, 20429, "Too Many Requests")
	case ServerError:
		writeTwilioError(w, http.StatusInternalServerError, 20500, "An internal server error has occurred")
	case Unavailable:
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfter()))
		writeTwilioError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable")
	case BadGatewayHTML:
		writeHTML(w, http.StatusBadGateway)
	case TimeoutAccepted:
		rec := httptest.NewRecorder()
		f.proxy.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
		if !f.hold(r) {
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	case TimeoutLost:
		if f.hold(r) {
			writeHTML(w, http.StatusGatewayTimeout)
		}
	}
}

// hold waits for Hold, or until the client gives up; it reports whether
// Hold passed with the client still waiting.
func (f *FlakyTwilio) hold(r *http.Request) bool {
	t := time.NewTimer(f.opts.Hold)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeTwilioError(w http.ResponseWriter, status, code int, msg string) {
	b, _ := json.Marshal(map[string]any{
		"code": code, "message": msg, "status": status,
		"more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code),
	})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeHTML(w http.ResponseWriter, status int) {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n</body>\r\n</html>\r\n", text, text)
}
