// Package twiliotest provides a server on loopback that answers like
// Twilio's REST API for Messages (create, list, fetch) and Calls (create),
// posts signed status callbacks and inbound SMS webhooks like Twilio does,
// plays the callee of a call (AnswerCall: status callbacks, the TwiML
// fetch, checked with CheckTwiML, and the party a <Dial> in it bridges,
// with its Dial action callback), and refuses requests with Twilio's own
// error answers, either because they are invalid or because a test
// injected a fault. The project's tests and local demo use it in place of
// api.twilio.com.
package twiliotest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
)

// apiVersion is the version of Twilio's REST API this server speaks.
const apiVersion = "2010-04-01"

// maxBodyLength is Twilio's limit on a message body, in characters.
const maxBodyLength = 1600

var (
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	e164Pattern       = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	shortCodePattern  = regexp.MustCompile(`^[0-9]{5,6}$`)
	// An alphanumeric sender ID: up to 11 letters, digits and spaces with
	// at least one letter.
	alphaSenderPattern = regexp.MustCompile(`^[A-Za-z0-9 ]{1,11}$`)
)

// Options configures a Server.
type Options struct {
	// AccountSID and AuthToken are the credentials the server accepts
	// (HTTP basic auth) and signs its webhooks with. Both are required.
	AccountSID, AuthToken string
	// Addr is the address to listen on; "" means "127.0.0.1:0".
	Addr string
	// Latency is added to each API answer (for benchmarks).
	Latency time.Duration
	// AutoStatus lists the statuses posted, in order, to a message's
	// StatusCallback right after it is accepted, e.g. "sent", "delivered".
	// Empty means none.
	AutoStatus []string
	// Now is the clock for date_created and the like; nil means time.Now.
	Now func() time.Time
	// Logger, when set, receives a line per accepted message, with masked
	// numbers only.
	Logger *slog.Logger
	// DerivedSIDs gives each message the SID DerivedSID computes from its
	// StatusCallback (which names its task) and how many messages with
	// that callback came before, instead of a random one: the event
	// fixtures can then name the message a task will be sent as.
	DerivedSIDs bool
}

// DerivedSID is the SID of the n-th (from 0) message with the given status
// callback URL, under Options.DerivedSIDs.
func DerivedSID(statusCallback string, n int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("derived-sid:%d:%s", n, statusCallback)))
	return "SM" + hex.EncodeToString(sum[:16])
}

// Message is a message the server accepted.
type Message struct {
	SID, AccountSID, To, From, MessagingServiceSID, Body, StatusCallback string
	// Status is the message's current status: "queued" or "accepted" when
	// created, then whatever status callbacks said.
	Status string
	// Created is the message's date_created (whole seconds, UTC).
	Created time.Time
}

// Fault is an answer the server gives to a Create Message request instead
// of accepting it. See Inject.
type Fault struct {
	// Status is the HTTP status of the answer. Zero means the request is
	// handled normally once Delay has passed (a slow but successful answer).
	Status int
	// Code and Message are Twilio's error code and message. "{To}" in
	// Message is replaced with the request's To parameter, as Twilio quotes
	// the number.
	Code    int
	Message string
	// RetryAfter, when positive, is sent as a Retry-After header (seconds).
	RetryAfter time.Duration
	// HTML answers with an HTML page instead of Twilio's JSON error, as a
	// proxy in front of Twilio does.
	HTML bool
	// Delay holds the answer for this long.
	Delay time.Duration
}

// message is the server's record of an accepted message.
type message struct {
	Message
	dateSent    time.Time
	dateUpdated time.Time
	numSegments int
	errorCode   int
}

// Server is a Twilio-compatible server on loopback. It is safe for
// concurrent use.
type Server struct {
	opts   Options
	now    func() time.Time
	log    *slog.Logger
	srv    *http.Server
	url    string
	client *http.Client // posts webhooks

	done      chan struct{} // closed by Close: waits stop early
	closeOnce sync.Once
	closeErr  error
	callbacks sync.WaitGroup // AutoStatus goroutines

	mu       sync.Mutex
	messages []*message
	bySID    map[string]*message
	faults   []Fault
	requests int

	calls        []*call
	callsBySID   map[string]*call
	callFaults   []Fault
	callRequests int
	dials        []*Dial
}

// NewServer starts a server listening on opts.Addr.
func NewServer(opts Options) (*Server, error) {
	if opts.AccountSID == "" || opts.AuthToken == "" {
		return nil, errors.New("twiliotest: AccountSID and AuthToken are required")
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	opts.AutoStatus = append([]string(nil), opts.AutoStatus...)
	s := &Server{
		opts:   opts,
		now:    opts.Now,
		log:    opts.Logger,
		client: &http.Client{Timeout: 10 * time.Second},
		done:   make(chan struct{}),
		bySID:  make(map[string]*message),

		callsBySID: make(map[string]*call),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("twiliotest: listen on %s: %w", opts.Addr, err)
	}
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("twiliotest: serve", "err", err)
		}
	}()
	return s, nil
}

// URL returns the server's base URL, e.g. "http://127.0.0.1:41234", to use
// in place of "https://api.twilio.com".
func (s *Server) URL() string { return s.url }

// Close stops the server. It waits for requests in flight (cutting injected
// delays short) and for AutoStatus callbacks still being posted.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.closeErr = s.srv.Shutdown(ctx)
		s.callbacks.Wait()
	})
	return s.closeErr
}

// Messages returns a copy of the accepted messages, in the order accepted.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = m.Message
	}
	return out
}

// Requests returns the number of Create Message requests received,
// including refused ones.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Inject queues faults answered to the next authenticated Create Message
// requests, one each, in order.
func (s *Server) Inject(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	const base = "/2010-04-01/Accounts/{AccountSid}/Messages"
	mux.HandleFunc("POST "+base+".json", s.createMessage)
	mux.HandleFunc("GET "+base+".json", s.listMessages)
	mux.HandleFunc("GET "+base+"/{file}", s.fetchMessage)
	mux.HandleFunc("POST /2010-04-01/Accounts/{AccountSid}/Calls.json", s.createCall)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 20404,
			fmt.Sprintf("The requested resource %s was not found", r.URL.Path), "")
	})
	return mux
}

// authorized answers 401 like Twilio unless the request carries the
// server's credentials and names its account in the path.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if ok && user == s.opts.AccountSID && pass == s.opts.AuthToken && r.PathValue("AccountSid") == s.opts.AccountSID {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="Twilio API"`)
	writeError(w, http.StatusUnauthorized, 20003, "Authenticate", "Your AccountSid or AuthToken was incorrect.")
	return false
}

// sleep waits d, or less if the server is closing; it reports whether d
// passed in full.
func (s *Server) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.done:
		return false
	}
}

// admit does what every create request goes through before validation:
// counts it, waits the configured latency, checks auth, parses the form and
// serves the next injected fault. ok is false when the answer was written.
func (s *Server) admit(w http.ResponseWriter, r *http.Request, count *int, nextFault func() (Fault, bool)) (url.Values, bool) {
	s.mu.Lock()
	*count++
	s.mu.Unlock()
	if !s.sleep(s.opts.Latency) {
		writeError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable", "")
		return nil, false
	}
	if !s.authorized(w, r) {
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, 20001, "Unable to parse the request body", "")
		return nil, false
	}
	form := r.PostForm
	if f, ok := nextFault(); ok {
		if !s.sleep(f.Delay) {
			writeError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable", "")
			return nil, false
		}
		if f.Status != 0 {
			writeFault(w, f, form.Get("To"))
			return nil, false
		}
	}
	return form, true
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	form, ok := s.admit(w, r, &s.requests, s.nextFault)
	if !ok {
		return
	}
	if status, code, msg := validateCreate(form); status != 0 {
		writeError(w, status, code, msg, "")
		return
	}
	m := s.accept(form)
	s.log.Info("message accepted",
		"sid", m.SID, "to", phone.Mask(m.To), "from", phone.Mask(m.From),
		"messaging_service_sid", m.MessagingServiceSID, "status", m.Status,
		"body_chars", len([]rune(m.Body)), "status_callback", m.StatusCallback != "")
	writeJSON(w, http.StatusCreated, s.renderMessage(m))
	if m.StatusCallback != "" && len(s.opts.AutoStatus) > 0 {
		s.callbacks.Add(1)
		go s.autoStatus(m.SID)
	}
}

func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

// validateCreate checks a Create Message request as Twilio does and
// returns the refusal's HTTP status, code and message, or status 0.
func validateCreate(form url.Values) (status, code int, msg string) {
	to, from, service, body := form.Get("To"), form.Get("From"), form.Get("MessagingServiceSid"), form.Get("Body")
	switch {
	case to == "":
		return http.StatusBadRequest, 21604, "A 'To' phone number is required."
	case !e164Pattern.MatchString(to):
		return http.StatusBadRequest, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to)
	case from == "" && service == "":
		return http.StatusBadRequest, 21603, "A 'From' phone number is required."
	case service != "" && !serviceSIDPattern.MatchString(service):
		return http.StatusBadRequest, 21701, fmt.Sprintf("The Messaging Service Sid %s is invalid.", service)
	case from != "" && !validSender(from):
		return http.StatusBadRequest, 21212, fmt.Sprintf("The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.", from)
	case body == "" && form.Get("MediaUrl") == "" && form.Get("ContentSid") == "":
		return http.StatusBadRequest, 21602, "Message body is required."
	case len([]rune(body)) > maxBodyLength:
		return http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit."
	}
	if cb := form.Get("StatusCallback"); cb != "" && !validCallback(cb) {
		return http.StatusBadRequest, 21609, fmt.Sprintf("The StatusCallback URL %s is not a valid URL.", cb)
	}
	return 0, 0, ""
}

func validSender(from string) bool {
	if e164Pattern.MatchString(from) || shortCodePattern.MatchString(from) {
		return true
	}
	return alphaSenderPattern.MatchString(from) && strings.ContainsAny(strings.ToLower(from), "abcdefghijklmnopqrstuvwxyz")
}

func validCallback(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.Contains(u.Hostname(), "_")
}

// accept records a valid Create Message request.
func (s *Server) accept(form url.Values) Message {
	now := s.now().UTC().Truncate(time.Second)
	m := &message{
		Message: Message{
			SID:                 newSID("SM"),
			AccountSID:          s.opts.AccountSID,
			To:                  form.Get("To"),
			From:                form.Get("From"),
			MessagingServiceSID: form.Get("MessagingServiceSid"),
			Body:                form.Get("Body"),
			StatusCallback:      form.Get("StatusCallback"),
			Status:              "queued",
			Created:             now,
		},
		// Twilio's own examples carry date_sent from the moment a message
		// is queued; List Messages filters on it.
		dateSent:    now,
		dateUpdated: now,
		numSegments: segments(form.Get("Body")),
	}
	if m.MessagingServiceSID != "" && m.From == "" {
		// Twilio picks the sender later, from the service's pool.
		m.Status = "accepted"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.DerivedSIDs {
		n := 0
		for _, prev := range s.messages {
			if prev.StatusCallback == m.StatusCallback {
				n++
			}
		}
		m.SID = DerivedSID(m.StatusCallback, n)
	}
	s.messages = append(s.messages, m)
	s.bySID[m.SID] = m
	return m.Message
}

func (s *Server) autoStatus(sid string) {
	defer s.callbacks.Done()
	for _, status := range s.opts.AutoStatus {
		code, err := s.SendStatus(context.Background(), sid, status, 0)
		if err != nil {
			s.log.Warn("status callback failed", "sid", sid, "status", status, "err", err)
			continue
		}
		s.log.Info("status callback posted", "sid", sid, "status", status, "answer", code)
	}
}

func (s *Server) fetchMessage(w http.ResponseWriter, r *http.Request) {
	if !s.sleep(s.opts.Latency) {
		writeError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable", "")
		return
	}
	if !s.authorized(w, r) {
		return
	}
	sid, ok := strings.CutSuffix(r.PathValue("file"), ".json")
	s.mu.Lock()
	m := s.bySID[sid]
	var body messageJSON
	if m != nil {
		body = s.messageJSONLocked(m)
	}
	s.mu.Unlock()
	if !ok || m == nil {
		writeError(w, http.StatusNotFound, 20404, fmt.Sprintf("The requested resource %s was not found", r.URL.Path), "")
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// newSID returns a Twilio-style SID: a two-letter prefix and 32 hex digits.
func newSID(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails.
	return prefix + hex.EncodeToString(b[:])
}

// twilioTime formats t as Twilio does: "Mon, 23 Nov 2026 16:00:00 +0000".
func twilioTime(t time.Time) string {
	return t.UTC().Format(time.RFC1123Z)
}

// errorJSON is Twilio's error answer.
type errorJSON struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
}

func writeError(w http.ResponseWriter, status, code int, msg, detail string) {
	writeJSON(w, status, errorJSON{
		Code:     code,
		Message:  msg,
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		Status:   status,
		Detail:   detail,
	})
}

func writeFault(w http.ResponseWriter, f Fault, to string) {
	if f.RetryAfter > 0 {
		secs := int64((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
	}
	if f.HTML {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		text := fmt.Sprintf("%d %s", f.Status, http.StatusText(f.Status))
		fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n</body>\r\n</html>\r\n", text, text)
		return
	}
	writeError(w, f.Status, f.Code, strings.ReplaceAll(f.Message, "{To}", to), "")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
