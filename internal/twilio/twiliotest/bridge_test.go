package twiliotest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

const (
	staff    = "+14155550142" // the parent call's To: the staff member
	shopLine = "+14155550111" // the <Dial>'s callerId: the shop's number
)

// app is the application side of a call: it serves TwiML at /twiml (with
// {app} replaced by its URL), answers the Dial action at /dial-done and
// takes status callbacks at /status, recording every request.
type app struct {
	srv *httptest.Server

	mu           sync.Mutex
	twiml        string
	actionTwiML  string
	actionStatus int
	requests     []*http.Request // with ParseForm done
}

func newApp(t *testing.T, twiml string) *app {
	a := &app{twiml: twiml, actionTwiML: `<Response><Say>Thanks, goodbye.</Say><Hangup/></Response>`, actionStatus: http.StatusOK}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("app: request body: %v", err)
		}
		a.mu.Lock()
		a.requests = append(a.requests, r)
		twiml, action, actionStatus := strings.ReplaceAll(a.twiml, "{app}", a.srv.URL), a.actionTwiML, a.actionStatus
		a.mu.Unlock()
		switch r.URL.Path {
		case "/twiml":
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, twiml)
		case "/dial-done":
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(actionStatus)
			io.WriteString(w, action)
		case "/status":
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// at returns the requests made to path.
func (a *app) at(path string) []*http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*http.Request
	for _, r := range a.requests {
		if r.URL.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// paths returns the paths requested, in order.
func (a *app) paths() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]string, len(a.requests))
	for i, r := range a.requests {
		out[i] = r.URL.Path
	}
	return out
}

// startStaffCall creates a call to the staff member whose TwiML and status
// callbacks are a's and returns its SID.
func startStaffCall(t *testing.T, srv *twiliotest.Server, a *app, extra url.Values) string {
	t.Helper()
	form := url.Values{
		"To": {staff}, "From": {sender}, "Url": {a.srv.URL + "/twiml?task=t-1"},
		"StatusCallback": {a.srv.URL + "/status?task=t-1"}, "StatusCallbackEvent": {"answered", "completed"},
	}
	for k, v := range extra {
		form[k] = v
	}
	resp, created := call(t, srv, http.MethodPost, callsPath, form)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create call: %d %v", resp.StatusCode, created)
	}
	return created["sid"].(string)
}

func TestBridgedCallPostsTheDialActionLikeTwilio(t *testing.T) {
	const bridgeTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response>` +
		`<Say>Connecting you to your customer.</Say>` +
		`<Dial callerId="` + shopLine + `" action="{app}/dial-done?task=t-1" timeout="20">` +
		`<Number>` + customer + `</Number></Dial></Response>`
	tests := []struct {
		name           string
		how            twiliotest.CallOutcome
		wantStatus     string // DialCallStatus
		wantDuration   string // DialCallDuration; "" for absent
		wantBridged    string
		wantCallLength int // the staff call's CallDuration
	}{
		{"customer answers", twiliotest.Answered(10 * time.Second).Bridged(twiliotest.Answered(45 * time.Second)), "completed", "45", "true", 55},
		{"customer answers by default", twiliotest.Answered(10 * time.Second), "completed", "30", "true", 40},
		{"customer's machine answers", twiliotest.Answered(10 * time.Second).Bridged(twiliotest.Machine(12 * time.Second)), "completed", "12", "true", 22},
		{"customer busy", twiliotest.Answered(10 * time.Second).Bridged(twiliotest.Busy()), "busy", "", "false", 10},
		{"customer does not answer", twiliotest.Answered(10 * time.Second).Bridged(twiliotest.NoAnswer()), "no-answer", "", "false", 30},
		{"customer unreachable", twiliotest.Answered(10 * time.Second).Bridged(twiliotest.Failed()), "failed", "", "false", 10},
		{"staff hangs up while it rings", twiliotest.Answered(10 * time.Second).Bridged(twiliotest.Canceled()), "canceled", "", "false", 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, bridgeTwiML)
			srv := mustServer(t, twiliotest.Options{})
			sid := startStaffCall(t, srv, a, nil)

			if err := srv.AnswerCall(context.Background(), sid, tt.how); err != nil {
				t.Fatalf("AnswerCall: %v", err)
			}
			wantPaths := []string{"/twiml", "/status", "/dial-done", "/status"}
			if got := a.paths(); strings.Join(got, " ") != strings.Join(wantPaths, " ") {
				t.Fatalf("app got requests to %v, want %v", got, wantPaths)
			}

			dials := srv.Dials()
			if len(dials) != 1 {
				t.Fatalf("Dials() = %+v, want one", dials)
			}
			d := dials[0]
			wantDuration := 0
			if tt.wantDuration != "" {
				wantDuration, _ = strconv.Atoi(tt.wantDuration)
			}
			if !callSIDPattern.MatchString(d.SID) || d.SID == sid || d.ParentSID != sid || d.To != customer || d.CallerID != shopLine ||
				d.Status != tt.wantStatus || d.Duration != wantDuration ||
				d.Action != a.srv.URL+"/dial-done?task=t-1" || d.Method != http.MethodPost ||
				d.ActionTwiML != `<Response><Say>Thanks, goodbye.</Say><Hangup/></Response>` {
				t.Errorf("Dial = %+v, want a new CA sid under %s to the customer from the shop's line, %s for %ds, with the action's TwiML",
					d, sid, tt.wantStatus, wantDuration)
			}

			r := a.at("/dial-done")[0]
			target := a.srv.URL + r.URL.RequestURI()
			if r.Method != http.MethodPost {
				t.Errorf("action requested with %s, want POST", r.Method)
			}
			if got, want := r.Header.Get("X-Twilio-Signature"), twiliotest.Sign(authToken, target, r.PostForm); got == "" || got != want {
				t.Errorf("action X-Twilio-Signature = %q, want Sign's %q", got, want)
			}
			if !validSignature(r, target) {
				t.Errorf("action signature does not validate with twilio-go")
			}
			f := r.PostForm
			want := map[string]string{
				"CallSid": sid, "AccountSid": accountSID, "From": sender, "To": staff, "CallStatus": "in-progress",
				"Direction": "outbound-api", "ApiVersion": "2010-04-01",
				"DialCallSid": d.SID, "DialCallStatus": tt.wantStatus, "DialBridged": tt.wantBridged,
			}
			for k, w := range want {
				if g := f.Get(k); g != w {
					t.Errorf("action %s = %q, want %q", k, g, w)
				}
			}
			if _, present := f["DialCallDuration"]; present != (tt.wantDuration != "") || f.Get("DialCallDuration") != tt.wantDuration {
				t.Errorf("action DialCallDuration = %q (present %v), want %q", f.Get("DialCallDuration"), present, tt.wantDuration)
			}

			statuses := a.at("/status")
			end := statuses[len(statuses)-1].PostForm
			if end.Get("CallStatus") != "completed" || end.Get("CallDuration") != strconv.Itoa(tt.wantCallLength) {
				t.Errorf("final status callback %v, want completed with CallDuration %d", end, tt.wantCallLength)
			}
			if c := srv.Calls()[0]; c.Status != "completed" || c.Duration != tt.wantCallLength {
				t.Errorf("staff call ends %s after %ds, want completed after %ds", c.Status, c.Duration, tt.wantCallLength)
			}
		})
	}
}

func TestBridgedCallDefaultsAndGETAction(t *testing.T) {
	// No callerId: the customer sees the staff call's From. The number is
	// the <Dial>'s text, the action is requested with GET, and machine
	// detection's verdict on the staff call rides along.
	a := newApp(t, `<Response><Dial action="{app}/dial-done?task=t-1" method="GET">`+customer+`</Dial></Response>`)
	srv := mustServer(t, twiliotest.Options{})
	sid := startStaffCall(t, srv, a, url.Values{"MachineDetection": {"Enable"}})

	if err := srv.AnswerCall(context.Background(), sid, twiliotest.Answered(5*time.Second).Bridged(twiliotest.Answered(20*time.Second))); err != nil {
		t.Fatalf("AnswerCall: %v", err)
	}
	d := srv.Dials()[0]
	if d.To != customer || d.CallerID != sender || d.Method != http.MethodGet || d.Status != "completed" || d.Duration != 20 {
		t.Errorf("Dial = %+v, want the text number, the call's From as caller ID, GET, completed after 20s", d)
	}
	r := a.at("/dial-done")[0]
	full := a.srv.URL + r.URL.RequestURI()
	if got, want := r.Header.Get("X-Twilio-Signature"), twiliotest.Sign(authToken, full, nil); r.Method != http.MethodGet || got != want {
		t.Errorf("action %s with signature %q, want GET signed %q over the full URL", r.Method, got, want)
	}
	q := r.URL.Query()
	for k, w := range map[string]string{"task": "t-1", "CallSid": sid, "DialCallSid": d.SID, "DialCallStatus": "completed",
		"DialCallDuration": "20", "DialBridged": "true", "AnsweredBy": "human"} {
		if g := q.Get(k); g != w {
			t.Errorf("action query %s = %q, want %q", k, g, w)
		}
	}
	if c := srv.Calls()[0]; c.AnsweredBy != "human" || c.Duration != 25 {
		t.Errorf("staff call answered by %q after %ds, want human after 25s", c.AnsweredBy, c.Duration)
	}
}

func TestAnswerCallChecksTheTwiMLItPlays(t *testing.T) {
	const dialCustomer = `<Dial action="{app}/dial-done"><Number>` + customer + `</Number></Dial>`
	tests := []struct {
		name         string
		twiml        string
		actionTwiML  string
		actionStatus int
		wantDials    int
		wantErr      string // in AnswerCall's error; "" for none
		wantElem     string // the *TwiMLError's Element, when there is one
	}{
		{name: "no dial", twiml: `<Response><Say>Thanks for your order!</Say></Response>`},
		{name: "hangup before the dial", twiml: `<Response><Say>Bye</Say><Hangup/>` + dialCustomer + `</Response>`},
		{name: "redirect before the dial", twiml: `<Response><Redirect>/elsewhere</Redirect>` + dialCustomer + `</Response>`},
		{name: "dial without action", twiml: `<Response><Dial timeout="10">` + customer + `</Dial></Response>`, wantDials: 1},
		{name: "only the first dial", twiml: `<Response>` + dialCustomer + dialCustomer + `</Response>`, wantDials: 1},
		{name: "invalid TwiML", twiml: `<Response><Dial timeout="3">` + customer + `</Dial></Response>`,
			wantErr: "fetched TwiML", wantElem: "Dial"},
		{name: "not XML", twiml: `Thanks!`, wantErr: "fetched TwiML"},
		{name: "action answers invalid TwiML", twiml: `<Response>` + dialCustomer + `</Response>`, actionTwiML: `<Response><Dial/></Response>`,
			wantDials: 1, wantErr: "dial action TwiML", wantElem: "Dial"},
		{name: "action fails", twiml: `<Response>` + dialCustomer + `</Response>`, actionStatus: http.StatusInternalServerError,
			wantDials: 1, wantErr: "dial action: POST answered 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newApp(t, tt.twiml)
			if tt.actionTwiML != "" {
				a.actionTwiML = tt.actionTwiML
			}
			if tt.actionStatus != 0 {
				a.actionStatus = tt.actionStatus
			}
			srv := mustServer(t, twiliotest.Options{})
			sid := startStaffCall(t, srv, a, nil)

			err := srv.AnswerCall(context.Background(), sid, twiliotest.Answered(5*time.Second))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("AnswerCall = %v, want an error with %q", err, tt.wantErr)
			}
			var te *twiliotest.TwiMLError
			if tt.wantElem != "" && (!errors.As(err, &te) || te.Element != tt.wantElem) {
				t.Errorf("AnswerCall = %v, want a *TwiMLError on <%s>", err, tt.wantElem)
			}
			dials := srv.Dials()
			if len(dials) != tt.wantDials {
				t.Fatalf("Dials() = %+v, want %d", dials, tt.wantDials)
			}
			wantActions := 0
			if len(dials) == 1 && dials[0].Action != "" {
				wantActions = 1
			}
			if n := len(a.at("/dial-done")); n != wantActions {
				t.Errorf("action requested %d times for %+v, want %d", n, dials, wantActions)
			}
			if tt.actionTwiML != "" && dials[0].ActionTwiML != tt.actionTwiML {
				t.Errorf("ActionTwiML = %q, want %q", dials[0].ActionTwiML, tt.actionTwiML)
			}
			// The call goes on to its end, as on Twilio.
			if c := srv.Calls()[0]; c.Status != "completed" || srv.CallTwiML(sid) != strings.ReplaceAll(tt.twiml, "{app}", a.srv.URL) {
				t.Errorf("call ends %q with TwiML %q, want completed with the fetched TwiML", c.Status, srv.CallTwiML(sid))
			}
		})
	}
}

func TestBridgedOutcomeNeedsAnAnsweredCall(t *testing.T) {
	// A staff call that is not answered fetches no TwiML and dials no one;
	// a canceled call ends canceled after ringing.
	a := newApp(t, `<Response><Dial>`+customer+`</Dial></Response>`)
	srv := mustServer(t, twiliotest.Options{})
	sid := startStaffCall(t, srv, a, url.Values{"StatusCallbackEvent": {"ringing", "completed"}})

	if err := srv.AnswerCall(context.Background(), sid, twiliotest.Canceled().Bridged(twiliotest.Answered(time.Minute))); err != nil {
		t.Fatalf("AnswerCall: %v", err)
	}
	if got := a.paths(); strings.Join(got, " ") != "/status /status" {
		t.Errorf("app got requests to %v, want two status callbacks", got)
	}
	if st := a.at("/status"); len(st) == 2 && (st[0].PostForm.Get("CallStatus") != "ringing" || st[1].PostForm.Get("CallStatus") != "canceled") {
		t.Errorf("status callbacks %v then %v, want ringing then canceled", st[0].PostForm, st[1].PostForm)
	}
	if n := len(srv.Dials()); n != 0 {
		t.Errorf("%d dials for an unanswered call", n)
	}
	if c := srv.Calls()[0]; c.Status != "canceled" {
		t.Errorf("call status %q, want canceled", c.Status)
	}
}
