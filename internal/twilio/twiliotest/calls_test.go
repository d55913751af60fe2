package twiliotest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

const callsPath = "/2010-04-01/Accounts/" + accountSID + "/Calls.json"

var callSIDPattern = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

// callForm is a valid Create Call request to customer from sender whose
// TwiML and status callback are on hookURL.
func callForm(hookURL string) url.Values {
	return url.Values{
		"To": {customer}, "From": {sender}, "Url": {hookURL + "/twiml?task=t-1"}, "Method": {"POST"},
		"StatusCallback": {hookURL + "/status?task=t-1"}, "StatusCallbackMethod": {"POST"},
		"StatusCallbackEvent": {"initiated", "ringing", "answered", "completed"},
	}
}

func TestCreateCallAnswersLikeTwilio(t *testing.T) {
	now := time.Date(2026, 11, 23, 16, 0, 0, 250e6, time.UTC)
	srv := mustServer(t, twiliotest.Options{Now: func() time.Time { return now }})
	form := callForm("https://example.com")
	form.Set("MachineDetection", "Enable")
	form.Set("Timeout", "25")

	resp, got := call(t, srv, http.MethodPost, callsPath, form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, want 201; body %v", resp.StatusCode, got)
	}
	sid, _ := got["sid"].(string)
	if !callSIDPattern.MatchString(sid) {
		t.Errorf("sid = %q, want CA and 32 hex digits", sid)
	}
	want := map[string]any{
		"account_sid": accountSID, "api_version": "2010-04-01", "answered_by": nil, "direction": "outbound-api",
		"date_created": "Mon, 23 Nov 2026 16:00:00 +0000", "date_updated": "Mon, 23 Nov 2026 16:00:00 +0000",
		"duration": nil, "end_time": nil, "start_time": nil, "from": sender, "to": customer, "price": nil,
		"price_unit": "USD", "sid": sid, "status": "queued",
		"uri": "/2010-04-01/Accounts/" + accountSID + "/Calls/" + sid + ".json",
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, w)
		}
	}

	calls := srv.Calls()
	if len(calls) != 1 {
		t.Fatalf("Calls() has %d calls, want 1", len(calls))
	}
	c := calls[0]
	if c.SID != sid || c.To != customer || c.From != sender || c.URL != "https://example.com/twiml?task=t-1" || c.Method != "POST" ||
		c.StatusCallback != "https://example.com/status?task=t-1" || c.StatusCallbackMethod != "POST" ||
		!slices.Equal(c.StatusCallbackEvents, []string{"initiated", "ringing", "answered", "completed"}) ||
		c.MachineDetection != "Enable" || c.Timeout != 25 || c.Status != "queued" || !c.Created.Equal(now.Truncate(time.Second)) {
		t.Errorf("Calls()[0] = %+v, want the request's fields, status queued", c)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("a call made %d messages", n)
	}
}

func TestCreateCallRefusesLikeTwilio(t *testing.T) {
	with := func(key, value string) url.Values {
		f := callForm("https://example.com")
		if value == "" {
			f.Del(key)
		} else {
			f.Set(key, value)
		}
		return f
	}
	tests := []struct {
		name       string
		path       string
		form       url.Values
		userPass   []string
		wantStatus int
		wantCode   int
	}{
		{"wrong auth token", callsPath, with("", ""), []string{accountSID, "nope"}, 401, 20003},
		{"another account in the path", "/2010-04-01/Accounts/AC" + strings.Repeat("f", 32) + "/Calls.json", with("", ""), nil, 401, 20003},
		{"no To", callsPath, with("To", ""), nil, 400, 21201},
		{"To not E.164", callsPath, with("To", "4155550123"), nil, 400, 21211},
		{"To a client endpoint", callsPath, with("To", "client:jane"), nil, 400, 21211},
		{"no From", callsPath, with("From", ""), nil, 400, 21213},
		{"From not E.164", callsPath, with("From", "Shop"), nil, 400, 21212},
		{"no Url", callsPath, with("Url", ""), nil, 400, 21205},
		{"Url not a URL", callsPath, with("Url", "twiml.xml"), nil, 400, 21205},
		{"Method PUT", callsPath, with("Method", "PUT"), nil, 400, 21207},
		{"bad StatusCallback", callsPath, with("StatusCallback", "not a url"), nil, 400, 21609},
		{"unknown event", callsPath, with("StatusCallbackEvent", "hungup"), nil, 400, 21626},
		{"unknown machine detection", callsPath, with("MachineDetection", "Always"), nil, 400, 21208},
		{"Timeout over 600", callsPath, with("Timeout", "601"), nil, 400, 21210},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mustServer(t, twiliotest.Options{})
			resp, got := call(t, srv, http.MethodPost, tt.path, tt.form, tt.userPass...)
			if resp.StatusCode != tt.wantStatus || got["code"] != float64(tt.wantCode) {
				t.Errorf("answer %d %v, want %d with code %d", resp.StatusCode, got, tt.wantStatus, tt.wantCode)
			}
			if msg, _ := got["message"].(string); msg == "" {
				t.Errorf("answer has no message: %v", got)
			}
			if n := len(srv.Calls()); n != 0 {
				t.Errorf("server accepted %d calls, want 0", n)
			}
		})
	}
}

func TestInjectedCallFaultsAnswerInOrderAndSpareMessages(t *testing.T) {
	srv := mustServer(t, twiliotest.Options{})
	srv.InjectCall(twiliotest.TooManyRequests(10*time.Second), twiliotest.ServerError())

	// Messages do not take call faults.
	if resp, got := call(t, srv, http.MethodPost, messagesPath, createForm(customer, sender, "hi")); resp.StatusCode != http.StatusCreated {
		t.Errorf("message: %d %v, want 201", resp.StatusCode, got)
	}
	for i, want := range []int{429, 500, 201} {
		resp, got := call(t, srv, http.MethodPost, callsPath, callForm("https://example.com"))
		if resp.StatusCode != want {
			t.Errorf("call %d: %d %v, want %d", i, resp.StatusCode, got, want)
		}
		if i == 0 && resp.Header.Get("Retry-After") != "10" {
			t.Errorf("429 Retry-After = %q, want 10", resp.Header.Get("Retry-After"))
		}
	}
	if got, want := srv.CallRequests(), 3; got != want {
		t.Errorf("CallRequests() = %d, want %d", got, want)
	}
	if got, want := len(srv.Calls()), 1; got != want {
		t.Errorf("accepted %d calls, want %d", got, want)
	}
}

func TestAnswerCallPlaysTheCalleeLikeTwilio(t *testing.T) {
	tests := []struct {
		name             string
		machineDetection string
		how              twiliotest.CallOutcome
		wantStatuses     []string // status callbacks' CallStatus, in order
		wantTwiML        bool
		wantAnsweredBy   string
		wantDuration     string
	}{
		{"answered", "", twiliotest.Answered(42 * time.Second), []string{"initiated", "ringing", "in-progress", "completed"}, true, "", "42"},
		{"answered by a person, detection on", "Enable", twiliotest.Answered(10 * time.Second), []string{"initiated", "ringing", "in-progress", "completed"}, true, "human", "10"},
		{"machine, detection on", "Enable", twiliotest.Machine(20 * time.Second), []string{"initiated", "ringing", "in-progress", "completed"}, true, "machine_start", "20"},
		{"machine, message end", "DetectMessageEnd", twiliotest.Machine(30 * time.Second), []string{"initiated", "ringing", "in-progress", "completed"}, true, "machine_end_beep", "30"},
		{"busy", "", twiliotest.Busy(), []string{"initiated", "busy"}, false, "", ""},
		{"no answer", "Enable", twiliotest.NoAnswer(), []string{"initiated", "ringing", "no-answer"}, false, "", ""},
		{"failed", "", twiliotest.Failed(), []string{"initiated", "failed"}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHook(t, http.StatusOK)
			srv := mustServer(t, twiliotest.Options{})
			form := callForm(h.srv.URL)
			if tt.machineDetection != "" {
				form.Set("MachineDetection", tt.machineDetection)
			}
			_, created := call(t, srv, http.MethodPost, callsPath, form)
			sid := created["sid"].(string)

			if err := srv.AnswerCall(context.Background(), sid, tt.how); err != nil {
				t.Fatalf("AnswerCall: %v", err)
			}
			var statuses []string
			twimlFetches := 0
			for _, r := range h.all() {
				full := h.srv.URL + r.URL.RequestURI()
				if !validSignature(r, full) {
					t.Errorf("%s %s is not validly signed", r.Method, r.URL.Path)
				}
				if r.Method != http.MethodPost || r.URL.Query().Get("task") != "t-1" {
					t.Errorf("request %s %s, want POST with task=t-1", r.Method, r.URL)
				}
				f := r.PostForm
				for k, w := range map[string]string{"AccountSid": accountSID, "CallSid": sid, "From": sender, "To": customer, "Direction": "outbound-api", "ApiVersion": "2010-04-01"} {
					if g := f.Get(k); g != w {
						t.Errorf("%s: %s = %q, want %q", r.URL.Path, k, g, w)
					}
				}
				status := f.Get("CallStatus")
				wantAnsweredBy := ""
				if status == "in-progress" || status == "completed" {
					wantAnsweredBy = tt.wantAnsweredBy // known once answered
				}
				if _, present := f["AnsweredBy"]; present != (wantAnsweredBy != "") || f.Get("AnsweredBy") != wantAnsweredBy {
					t.Errorf("%s %s: AnsweredBy = %q (present %v), want %q", r.URL.Path, status, f.Get("AnsweredBy"), present, wantAnsweredBy)
				}
				switch r.URL.Path {
				case "/twiml":
					twimlFetches++
					if status != "in-progress" {
						t.Errorf("TwiML fetched with CallStatus %q, want in-progress", status)
					}
				case "/status":
					statuses = append(statuses, status)
					if status == "completed" && f.Get("CallDuration") != tt.wantDuration {
						t.Errorf("CallDuration = %q, want %q", f.Get("CallDuration"), tt.wantDuration)
					}
				default:
					t.Errorf("unexpected request to %s", r.URL.Path)
				}
			}
			if !slices.Equal(statuses, tt.wantStatuses) {
				t.Errorf("status callbacks %v, want %v", statuses, tt.wantStatuses)
			}
			wantFetches, wantTwiML := 0, ""
			if tt.wantTwiML {
				wantFetches, wantTwiML = 1, "<Response/>"
			}
			if twimlFetches != wantFetches || srv.CallTwiML(sid) != wantTwiML {
				t.Errorf("TwiML fetched %d times, CallTwiML = %q; want %d, %q", twimlFetches, srv.CallTwiML(sid), wantFetches, wantTwiML)
			}
			c := srv.Calls()[0]
			if final := tt.wantStatuses[len(tt.wantStatuses)-1]; c.Status != final || c.AnsweredBy != tt.wantAnsweredBy {
				t.Errorf("call ends %q answered by %q, want %q by %q", c.Status, c.AnsweredBy, final, tt.wantAnsweredBy)
			}
			if err := srv.AnswerCall(context.Background(), sid, tt.how); err == nil {
				t.Errorf("second AnswerCall = nil error, want one")
			}
		})
	}
}

func TestAnswerCallWithoutEventsPostsOnlyTheEnd(t *testing.T) {
	h := newHook(t, http.StatusOK)
	srv := mustServer(t, twiliotest.Options{})
	form := callForm(h.srv.URL)
	form.Del("StatusCallbackEvent")
	form.Set("Method", "GET")
	_, created := call(t, srv, http.MethodPost, callsPath, form)
	sid := created["sid"].(string)

	if err := srv.AnswerCall(context.Background(), sid, twiliotest.Answered(5*time.Second)); err != nil {
		t.Fatalf("AnswerCall: %v", err)
	}
	reqs := h.all()
	if len(reqs) != 2 {
		t.Fatalf("hook got %d requests, want the TwiML fetch and the completed callback", len(reqs))
	}
	get := reqs[0]
	if get.Method != http.MethodGet || get.URL.Path != "/twiml" || get.URL.Query().Get("CallSid") != sid || get.URL.Query().Get("task") != "t-1" {
		t.Errorf("TwiML fetch %s %s, want GET /twiml with CallSid and task in the query", get.Method, get.URL)
	}
	if !validSignature(get, h.srv.URL+get.URL.RequestURI()) {
		t.Errorf("GET TwiML fetch is not validly signed")
	}
	if end := reqs[1]; end.PostForm.Get("CallStatus") != "completed" || end.PostForm.Get("CallDuration") != "5" {
		t.Errorf("last callback %v, want completed with CallDuration 5", end.PostForm)
	}
}

func TestAnswerCallReportsFailingWebhooks(t *testing.T) {
	h := newHook(t, http.StatusInternalServerError)
	srv := mustServer(t, twiliotest.Options{})
	_, created := call(t, srv, http.MethodPost, callsPath, callForm(h.srv.URL))
	sid := created["sid"].(string)

	err := srv.AnswerCall(context.Background(), sid, twiliotest.Answered(time.Second))
	if err == nil || !strings.Contains(err.Error(), "TwiML") || !strings.Contains(err.Error(), "status callback") {
		t.Errorf("AnswerCall error = %v, want the failed TwiML fetch and callbacks", err)
	}
	// The call still goes on to its end, as on Twilio.
	if got := srv.Calls()[0].Status; got != "completed" {
		t.Errorf("call status = %q, want completed", got)
	}
	if err := srv.AnswerCall(context.Background(), "CA"+strings.Repeat("0", 32), twiliotest.Busy()); err == nil {
		t.Errorf("AnswerCall for an unknown call = nil error, want one")
	}
	if err := srv.AnswerCall(context.Background(), sid, twiliotest.CallOutcome{}); err == nil {
		t.Errorf("AnswerCall with a zero outcome = nil error, want one")
	}
}

// FuzzCreateCall posts arbitrary Create Call parameters: the server answers
// 201 or a 400 Twilio error, never anything else, and accepts only E.164
// numbers and a TwiML URL.
func FuzzCreateCall(f *testing.F) {
	f.Add("+14155550123", "+14155550100", "https://example.com/twiml", "POST", "Enable", "30", "completed")
	f.Add("client:jane", "sip:shop@example.com", "", "", "", "", "")
	f.Add("+1", "Shop", "ftp://x", "PUT", "Always", "601", "hungup")
	f.Add("+14155550123", "+14155550100", "http://under_score.example/t", "get", "DetectMessageEnd", "-1", "ringing")
	srv, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	e164 := regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	f.Fuzz(func(t *testing.T, to, from, twimlURL, method, machine, timeout, event string) {
		form := url.Values{"To": {to}, "From": {from}, "Url": {twimlURL}, "Method": {method},
			"MachineDetection": {machine}, "Timeout": {timeout}, "StatusCallbackEvent": {event}}
		resp, got, err := send(srv, http.MethodPost, callsPath, form)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("answer %d %v, want 201 or 400", resp.StatusCode, got)
		}
		if resp.StatusCode == http.StatusCreated && (!e164.MatchString(to) || !e164.MatchString(from) || twimlURL == "") {
			t.Errorf("accepted To %q From %q Url %q", to, from, twimlURL)
		}
	})
}
