package twiliotest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "0123456789abcdef0123456789abcdef"
	serviceSID = "MG0123456789abcdef0123456789abcdef"
	sender     = "+14155550100"
	customer   = "+14155550123"
)

var sidPattern = regexp.MustCompile(`^SM[0-9a-f]{32}$`)

func mustServer(t *testing.T, opts twiliotest.Options) *twiliotest.Server {
	t.Helper()
	opts.AccountSID, opts.AuthToken = accountSID, authToken
	srv, err := twiliotest.NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

// call sends an API request with the server's credentials (or user:pass
// when given) and decodes the JSON answer.
func call(t *testing.T, srv *twiliotest.Server, method, path string, form url.Values, userPass ...string) (*http.Response, map[string]any) {
	t.Helper()
	resp, v, err := send(srv, method, path, form, userPass...)
	if err != nil {
		t.Fatal(err)
	}
	return resp, v
}

// send is call for any goroutine.
func send(srv *twiliotest.Server, method, path string, form url.Values, userPass ...string) (*http.Response, map[string]any, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, srv.URL()+path, body)
	if err != nil {
		return nil, nil, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	user, pass := accountSID, authToken
	if len(userPass) == 2 {
		user, pass = userPass[0], userPass[1]
	}
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	var v map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, nil, fmt.Errorf("%s %s: answer %q is not JSON: %w", method, path, raw, err)
		}
	}
	return resp, v, nil
}

const messagesPath = "/2010-04-01/Accounts/" + accountSID + "/Messages.json"

func createForm(to, from, body string) url.Values {
	v := url.Values{"To": {to}, "Body": {body}}
	if from != "" {
		v.Set("From", from)
	}
	return v
}

func TestCreateMessageAnswersLikeTwilio(t *testing.T) {
	now := time.Date(2026, 11, 23, 16, 0, 0, 250e6, time.UTC)
	srv := mustServer(t, twiliotest.Options{Now: func() time.Time { return now }})
	form := createForm(customer, sender, "Thank you for your order!")
	form.Set("StatusCallback", "https://example.com/status?task=1")

	resp, got := call(t, srv, http.MethodPost, messagesPath, form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %v", resp.StatusCode, got)
	}
	sid, _ := got["sid"].(string)
	if !sidPattern.MatchString(sid) {
		t.Errorf("sid = %q, want SM and 32 hex digits", sid)
	}
	want := map[string]any{
		"account_sid":           accountSID,
		"api_version":           "2010-04-01",
		"body":                  "Thank you for your order!",
		"date_created":          "Mon, 23 Nov 2026 16:00:00 +0000",
		"date_sent":             "Mon, 23 Nov 2026 16:00:00 +0000",
		"date_updated":          "Mon, 23 Nov 2026 16:00:00 +0000",
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  sender,
		"messaging_service_sid": nil,
		"num_media":             "0",
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   sid,
		"status":                "queued",
		"subresource_uris":      map[string]any{"media": "/2010-04-01/Accounts/" + accountSID + "/Messages/" + sid + "/Media.json"},
		"to":                    customer,
		"uri":                   "/2010-04-01/Accounts/" + accountSID + "/Messages/" + sid + ".json",
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("answer has %d fields, want %d: %v", len(got), len(want), got)
	}

	msgs := srv.Messages()
	if len(msgs) != 1 || msgs[0].SID != sid || !msgs[0].Created.Equal(now.Truncate(time.Second)) {
		t.Errorf("Messages() = %+v, want the one message %s created at %v", msgs, sid, now.Truncate(time.Second))
	}
}

func TestMessagingServiceMessageIsAccepted(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	form := createForm(customer, "", "Thanks!")
	form.Set("MessagingServiceSid", serviceSID)

	resp, got := call(t, srv, http.MethodPost, messagesPath, form)
	if resp.StatusCode != http.StatusCreated || got["status"] != "accepted" || got["from"] != nil || got["messaging_service_sid"] != serviceSID {
		t.Errorf("answer %d %v, want 201 with status accepted, from null, messaging_service_sid %s", resp.StatusCode, got, serviceSID)
	}
}

func TestCreateMessageRefusesLikeTwilio(t *testing.T) {
	long := strings.Repeat("a", 1601)
	tests := []struct {
		name       string
		path       string
		form       url.Values
		userPass   []string
		wantStatus int
		wantCode   int
	}{
		{"wrong auth token", messagesPath, createForm(customer, sender, "hi"), []string{accountSID, "nope"}, 401, 20003},
		{"no auth", messagesPath, createForm(customer, sender, "hi"), []string{"", ""}, 401, 20003},
		{"another account in the path", "/2010-04-01/Accounts/AC" + strings.Repeat("f", 32) + "/Messages.json", createForm(customer, sender, "hi"), nil, 401, 20003},
		{"no To", messagesPath, createForm("", sender, "hi"), nil, 400, 21604},
		{"To not E.164", messagesPath, createForm("4155550123", sender, "hi"), nil, 400, 21211},
		{"To too short", messagesPath, createForm("+1234", sender, "hi"), nil, 400, 21211},
		{"no From nor messaging service", messagesPath, createForm(customer, "", "hi"), nil, 400, 21603},
		{"malformed From", messagesPath, createForm(customer, "+1-415-555", "hi"), nil, 400, 21212},
		{"malformed messaging service", messagesPath, url.Values{"To": {customer}, "Body": {"hi"}, "MessagingServiceSid": {"MG1"}}, nil, 400, 21701},
		{"no Body", messagesPath, createForm(customer, sender, ""), nil, 400, 21602},
		{"Body too long", messagesPath, createForm(customer, sender, long), nil, 400, 21617},
		{"bad StatusCallback", messagesPath, url.Values{"To": {customer}, "From": {sender}, "Body": {"hi"}, "StatusCallback": {"not a url"}}, nil, 400, 21609},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mustServer(t, twiliotest.Options{})
			resp, got := call(t, srv, http.MethodPost, tt.path, tt.form, tt.userPass...)
			if resp.StatusCode != tt.wantStatus || got["code"] != float64(tt.wantCode) || got["status"] != float64(tt.wantStatus) {
				t.Errorf("answer %d %v, want %d with code %d", resp.StatusCode, got, tt.wantStatus, tt.wantCode)
			}
			if want := fmt.Sprintf("https://www.twilio.com/docs/errors/%d", tt.wantCode); got["more_info"] != want {
				t.Errorf("more_info = %v, want %s", got["more_info"], want)
			}
			if msg, _ := got["message"].(string); msg == "" {
				t.Errorf("answer has no message: %v", got)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server accepted %d messages, want 0", n)
			}
			if n := srv.Requests(); n != 1 {
				t.Errorf("Requests() = %d, want 1", n)
			}
		})
	}
}

func TestInjectedFaultsAnswerInOrder(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	srv.Inject(
		twiliotest.InvalidNumber(),
		twiliotest.Unsubscribed(),
		twiliotest.NotMobile(),
		twiliotest.TooManyRequests(1500*time.Millisecond),
		twiliotest.ServerError(),
		twiliotest.BadGatewayHTML(),
	)
	tests := []struct {
		wantStatus     int
		wantCode       int
		wantMessage    string
		wantRetryAfter string
	}{
		{400, 21211, "The 'To' number " + customer + " is not a valid phone number.", ""},
		{400, 21610, "Attempt to send to unsubscribed recipient", ""},
		{400, 21614, "'To' number " + customer + " is not a valid mobile number", ""},
		{429, 20429, "Too Many Requests", "2"},
		{500, 20500, "An internal server error has occurred", ""},
		{502, 0, "", ""},
		{201, 0, "", ""}, // faults used up: accepted
	}
	for i, tt := range tests {
		resp, got := call(t, srv, http.MethodPost, messagesPath, createForm(customer, sender, "hi"))
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("request %d: status %d, want %d", i, resp.StatusCode, tt.wantStatus)
		}
		if ra := resp.Header.Get("Retry-After"); ra != tt.wantRetryAfter {
			t.Errorf("request %d: Retry-After %q, want %q", i, ra, tt.wantRetryAfter)
		}
		switch {
		case tt.wantStatus == 502:
			if ct := resp.Header.Get("Content-Type"); ct != "text/html" || got != nil {
				t.Errorf("request %d: Content-Type %q, want an HTML page", i, ct)
			}
		case tt.wantCode != 0:
			if got["code"] != float64(tt.wantCode) || got["message"] != tt.wantMessage || got["status"] != float64(tt.wantStatus) {
				t.Errorf("request %d: answer %v, want code %d, message %q", i, got, tt.wantCode, tt.wantMessage)
			}
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server accepted %d messages, want 1", n)
	}
	if n := srv.Requests(); n != len(tests) {
		t.Errorf("Requests() = %d, want %d", n, len(tests))
	}
}

func TestTimeoutFaultAcceptsTheMessageLate(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	srv.Inject(twiliotest.Timeout(200 * time.Millisecond))
	client := &http.Client{Timeout: 20 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+messagesPath, strings.NewReader(createForm(customer, sender, "hi").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(accountSID, authToken)

	if resp, err := client.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("request answered %d before the client's timeout, want no answer", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server accepted %d messages after the delay, want 1", n)
	}
}

func TestCloseCutsInjectedDelaysShort(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	srv.Inject(twiliotest.Timeout(time.Hour))
	answered := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+messagesPath, strings.NewReader(createForm(customer, sender, "hi").Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(accountSID, authToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	for srv.Requests() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if got := <-answered; got != http.StatusServiceUnavailable {
		t.Errorf("delayed request answered %d, want 503", got)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server accepted %d messages, want 0", n)
	}
}

func TestListMessagesFiltersAndPages(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	srv := mustServer(t, twiliotest.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	other := "+14155550199"
	// One message a day from Nov 20 to Nov 24 to customer, and one to other.
	var sids []string
	for day := range 5 {
		mu.Lock()
		now = time.Date(2026, 11, 20+day, 12, 0, 0, 0, time.UTC)
		mu.Unlock()
		_, got := call(t, srv, http.MethodPost, messagesPath, createForm(customer, sender, fmt.Sprint("day ", day)))
		sids = append(sids, got["sid"].(string))
		call(t, srv, http.MethodPost, messagesPath, createForm(other, sender, "other"))
	}

	list := func(q url.Values) (int, map[string]any, []string) {
		resp, got := call(t, srv, http.MethodGet, messagesPath+"?"+q.Encode(), nil)
		var ids []string
		msgs, _ := got["messages"].([]any)
		for _, m := range msgs {
			ids = append(ids, m.(map[string]any)["sid"].(string))
		}
		return resp.StatusCode, got, ids
	}
	tests := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"by To, newest first", url.Values{"To": {customer}}, []string{sids[4], sids[3], sids[2], sids[1], sids[0]}},
		{"sent on or after a day", url.Values{"To": {customer}, "DateSent>": {"2026-11-23"}}, []string{sids[4], sids[3]}},
		{"sent on or after, as twilio-go writes it", url.Values{"To": {customer}, "DateSent>": {"2026-11-23T00:00:00Z"}}, []string{sids[4], sids[3]}},
		{"sent on or before a day", url.Values{"To": {customer}, "DateSent<": {"2026-11-21"}}, []string{sids[1], sids[0]}},
		{"sent on a day", url.Values{"To": {customer}, "DateSent": {"2026-11-22"}}, []string{sids[2]}},
		{"nobody", url.Values{"To": {"+14155550111"}}, nil},
	}
	for _, tt := range tests {
		status, _, got := list(tt.query)
		if status != http.StatusOK || !slices.Equal(got, tt.want) {
			t.Errorf("%s: %d %v, want 200 %v", tt.name, status, got, tt.want)
		}
	}

	// Paging through next_page_uri gives every message once, newest first.
	var all []string
	q := url.Values{"To": {customer}, "PageSize": {"2"}}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatalf("paging did not end")
		}
		status, got, ids := list(q)
		if status != http.StatusOK || got["page_size"] != float64(2) || got["page"] != float64(pages) {
			t.Fatalf("page %d: %d %v", pages, status, got)
		}
		all = append(all, ids...)
		next, _ := got["next_page_uri"].(string)
		if next == "" {
			break
		}
		u, err := url.Parse(next)
		if err != nil {
			t.Fatal(err)
		}
		if u.Query().Get("PageToken") == "" {
			t.Errorf("next_page_uri %q has no PageToken", next)
		}
		q = u.Query()
	}
	if want := []string{sids[4], sids[3], sids[2], sids[1], sids[0]}; !slices.Equal(all, want) {
		t.Errorf("paged through %v, want %v", all, want)
	}

	if status, got, _ := list(url.Values{"DateSent>": {"next tuesday"}}); status != http.StatusBadRequest {
		t.Errorf("bad DateSent: %d %v, want 400", status, got)
	}
	if status, got, _ := list(url.Values{"PageSize": {"1001"}}); status != http.StatusBadRequest {
		t.Errorf("PageSize 1001: %d %v, want 400", status, got)
	}
}

func TestFetchMessage(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	_, created := call(t, srv, http.MethodPost, messagesPath, createForm(customer, sender, "hi"))
	sid := created["sid"].(string)
	base := "/2010-04-01/Accounts/" + accountSID + "/Messages/"

	resp, got := call(t, srv, http.MethodGet, base+sid+".json", nil)
	if resp.StatusCode != http.StatusOK || got["sid"] != sid || got["to"] != customer {
		t.Errorf("fetch %s: %d %v, want 200 with that message", sid, resp.StatusCode, got)
	}
	resp, got = call(t, srv, http.MethodGet, base+"SM"+strings.Repeat("0", 32)+".json", nil)
	if resp.StatusCode != http.StatusNotFound || got["code"] != float64(20404) {
		t.Errorf("fetch unknown: %d %v, want 404 code 20404", resp.StatusCode, got)
	}
	resp, _ = call(t, srv, http.MethodGet, base+sid+".json", nil, accountSID, "wrong")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("fetch with a wrong token: %d, want 401", resp.StatusCode)
	}
}

// hook records webhooks posted to it.
type hook struct {
	mu       sync.Mutex
	requests []*http.Request // with ParseForm done
	status   int
	received chan struct{}
	srv      *httptest.Server
}

func newHook(t *testing.T, status int) *hook {
	h := &hook{status: status, received: make(chan struct{}, 100)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		h.mu.Lock()
		h.requests = append(h.requests, r)
		h.mu.Unlock()
		w.WriteHeader(h.status)
		io.WriteString(w, "<Response/>")
		h.received <- struct{}{}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) all() []*http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.requests)
}

// validSignature checks r's X-Twilio-Signature with twilio-go's validator.
func validSignature(r *http.Request, fullURL string) bool {
	params := make(map[string]string)
	for k, v := range r.PostForm {
		params[k] = v[0]
	}
	v := twclient.NewRequestValidator(authToken)
	return v.Validate(fullURL, params, r.Header.Get("X-Twilio-Signature"))
}

func TestStatusCallbackIsSignedLikeTwilio(t *testing.T) {
	h := newHook(t, http.StatusNoContent)
	srv := mustServer(t, twiliotest.Options{})
	cbURL := h.srv.URL + "/twilio/status?task=t-1"
	form := createForm(customer, sender, "hi")
	form.Set("StatusCallback", cbURL)
	_, created := call(t, srv, http.MethodPost, messagesPath, form)
	sid := created["sid"].(string)

	code, err := srv.SendStatus(context.Background(), sid, "undelivered", 30003)
	if err != nil || code != http.StatusNoContent {
		t.Fatalf("SendStatus = %d, %v; want 204, nil", code, err)
	}
	reqs := h.all()
	if len(reqs) != 1 {
		t.Fatalf("hook got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if !validSignature(r, cbURL) {
		t.Errorf("X-Twilio-Signature %q does not validate with twilio-go", r.Header.Get("X-Twilio-Signature"))
	}
	if r.URL.Query().Get("task") != "t-1" {
		t.Errorf("callback URL query = %q, want task=t-1", r.URL.RawQuery)
	}
	want := map[string]string{
		"AccountSid": accountSID, "ApiVersion": "2010-04-01", "MessageSid": sid, "SmsSid": sid,
		"MessageStatus": "undelivered", "SmsStatus": "undelivered", "To": customer, "From": sender, "ErrorCode": "30003",
	}
	for k, w := range want {
		if g := r.PostForm.Get(k); g != w {
			t.Errorf("%s = %q, want %q", k, g, w)
		}
	}
	if got := srv.Messages()[0].Status; got != "undelivered" {
		t.Errorf("message status = %q, want undelivered", got)
	}
	// A tampered parameter no longer validates.
	r.PostForm.Set("MessageStatus", "delivered")
	if validSignature(r, cbURL) {
		t.Errorf("signature still validates after MessageStatus changed")
	}

	if _, err := srv.SendStatus(context.Background(), "SM"+strings.Repeat("0", 32), "sent", 0); err == nil {
		t.Errorf("SendStatus for an unknown message = nil error, want one")
	}
}

func TestAutoStatusCallbacksArriveInOrder(t *testing.T) {
	h := newHook(t, http.StatusOK)
	statuses := []string{"sending", "sent", "delivered"}
	srv := mustServer(t, twiliotest.Options{AutoStatus: statuses})
	const n = 5
	var sids []string
	for i := range n {
		form := createForm(customer, sender, "hi")
		form.Set("StatusCallback", fmt.Sprintf("%s/status?n=%d", h.srv.URL, i))
		_, got := call(t, srv, http.MethodPost, messagesPath, form)
		sids = append(sids, got["sid"].(string))
	}
	// A message without a StatusCallback gets none.
	call(t, srv, http.MethodPost, messagesPath, createForm(customer, sender, "no callback"))

	if err := srv.Close(); err != nil { // waits for the callbacks
		t.Fatalf("Close: %v", err)
	}
	got := make(map[string][]string)
	for _, r := range h.all() {
		if !validSignature(r, h.srv.URL+r.URL.RequestURI()) {
			t.Errorf("callback for %s is not validly signed", r.PostForm.Get("MessageSid"))
		}
		sid := r.PostForm.Get("MessageSid")
		got[sid] = append(got[sid], r.PostForm.Get("MessageStatus"))
	}
	if len(got) != n {
		t.Errorf("callbacks came for %d messages, want %d", len(got), n)
	}
	for _, sid := range sids {
		if !slices.Equal(got[sid], statuses) {
			t.Errorf("callbacks for %s: %v, want %v", sid, got[sid], statuses)
		}
	}
	for _, m := range srv.Messages() {
		if m.StatusCallback != "" && m.Status != "delivered" {
			t.Errorf("message %s ends %q, want delivered", m.SID, m.Status)
		}
	}
}

func TestSendInboundCarriesTwilioParameters(t *testing.T) {
	h := newHook(t, http.StatusOK)
	srv := mustServer(t, twiliotest.Options{})
	tests := []struct {
		body        string
		wantOptOut  string
		wantPresent bool
	}{
		{"Thanks, got it!", "", false},
		{"STOP", "STOP", true},
		{" stop ", "STOP", true},
		{"Unsubscribe", "STOP", true},
		{"START", "START", true},
		{"help", "HELP", true},
		{"stop sending me texts please", "", false},
	}
	for i, tt := range tests {
		target := fmt.Sprintf("%s/twilio/inbound?i=%d", h.srv.URL, i)
		code, answer, err := srv.SendInbound(context.Background(), target, customer, sender, tt.body)
		if err != nil || code != http.StatusOK || string(answer) != "<Response/>" {
			t.Fatalf("SendInbound(%q) = %d, %q, %v", tt.body, code, answer, err)
		}
		r := h.all()[i]
		if !validSignature(r, target) {
			t.Errorf("%q: inbound webhook is not validly signed", tt.body)
		}
		f := r.PostForm
		if !sidPattern.MatchString(f.Get("MessageSid")) || f.Get("SmsSid") != f.Get("MessageSid") || f.Get("SmsMessageSid") != f.Get("MessageSid") {
			t.Errorf("%q: MessageSid %q SmsSid %q SmsMessageSid %q", tt.body, f.Get("MessageSid"), f.Get("SmsSid"), f.Get("SmsMessageSid"))
		}
		want := map[string]string{
			"AccountSid": accountSID, "From": customer, "To": sender, "Body": tt.body, "NumMedia": "0",
			"NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01", "FromCountry": "US", "ToCountry": "US",
		}
		for k, w := range want {
			if g := f.Get(k); g != w {
				t.Errorf("%q: %s = %q, want %q", tt.body, k, g, w)
			}
		}
		if _, present := f["OptOutType"]; present != tt.wantPresent || f.Get("OptOutType") != tt.wantOptOut {
			t.Errorf("%q: OptOutType = %q (present %v), want %q (present %v)", tt.body, f.Get("OptOutType"), present, tt.wantOptOut, tt.wantPresent)
		}
	}
}

func TestSignMatchesTwilioValidator(t *testing.T) {
	// The test vector of twilio-go's own request validator tests.
	params := url.Values{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"}, "Caller": {"+14158675309"},
		"From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
	const u = "https://mycompany.com/myapp.php?foo=1&bar=2"
	if got, want := twiliotest.Sign("12345", u, params), "vOEb5UThFn24KEfnOFLQY2AE5FY="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
	v := twclient.NewRequestValidator(authToken)
	flat := map[string]string{"a": "1", "b": "x y", "Body": "héllo &=?"}
	form := url.Values{}
	for k, val := range flat {
		form.Set(k, val)
	}
	for _, target := range []string{"https://example.com/hook", "http://127.0.0.1:8080/hook?x=1"} {
		if sig := twiliotest.Sign(authToken, target, form); !v.Validate(target, flat, sig) {
			t.Errorf("Sign(%q) = %q does not validate with twilio-go", target, sig)
		}
	}
}

func TestNewServerNeedsCredentials(t *testing.T) {
	for _, opts := range []twiliotest.Options{{AuthToken: authToken}, {AccountSID: accountSID}} {
		if srv, err := twiliotest.NewServer(opts); err == nil {
			srv.Close()
			t.Errorf("NewServer(%+v) = nil error, want one", opts)
		}
	}
}

func TestServerIsSafeForConcurrentUse(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if i%4 == 0 {
				srv.Inject(twiliotest.ServerError())
			}
			if _, _, err := send(srv, http.MethodPost, messagesPath, createForm(customer, sender, "hi")); err != nil {
				t.Error(err)
			}
			if _, _, err := send(srv, http.MethodGet, messagesPath+"?To=%2B14155550123", nil); err != nil {
				t.Error(err)
			}
			_ = srv.Messages()
			_ = srv.Requests()
		})
	}
	wg.Wait()
	if got, want := srv.Requests(), 20; got != want {
		t.Errorf("Requests() = %d, want %d", got, want)
	}
	if got, want := len(srv.Messages()), 15; got != want {
		t.Errorf("accepted %d messages, want %d (20 minus 5 injected errors)", got, want)
	}
}

// TestDerivedSIDsNameEachTasksMessages: under DerivedSIDs a message's SID
// depends only on its status callback and how many came before with it.
func TestDerivedSIDsNameEachTasksMessages(t *testing.T) {
	srv, err := twiliotest.NewServer(twiliotest.Options{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "tok", DerivedSIDs: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	send := func(callback string) string {
		t.Helper()
		form := url.Values{"To": {"+12125550123"}, "From": {"+15005550006"}, "Body": {"hi"}, "StatusCallback": {callback}}
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json", strings.NewReader(form.Encode()))
		req.SetBasicAuth("AC0123456789abcdef0123456789abcdef", "tok")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m struct{ SID string }
		if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("create message: %d %v", resp.StatusCode, err)
		}
		return m.SID
	}
	a, b := "http://127.0.0.1:3000/twilio/status?task=a", "http://127.0.0.1:3000/twilio/status?task=b"
	for _, tc := range []struct{ callback, want string }{
		{b, twiliotest.DerivedSID(b, 0)}, {a, twiliotest.DerivedSID(a, 0)}, {a, twiliotest.DerivedSID(a, 1)},
	} {
		if got := send(tc.callback); got != tc.want {
			t.Errorf("SID for %s = %s, want %s", tc.callback, got, tc.want)
		}
	}
	if twiliotest.DerivedSID(a, 0) == twiliotest.DerivedSID(a, 1) || twiliotest.DerivedSID(a, 0) == twiliotest.DerivedSID(b, 0) {
		t.Error("derived SIDs collide")
	}
}
