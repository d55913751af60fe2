package twiliotest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
)

// maxRingTimeout is Twilio's limit on a call's Timeout, in seconds.
const maxRingTimeout = 600

// Call is a call the server accepted.
type Call struct {
	SID, AccountSID, To, From string
	// URL and Method are where and how the TwiML is fetched when the call
	// is answered (Method "POST" unless the request said "GET").
	URL, Method string
	// StatusCallback, StatusCallbackMethod and StatusCallbackEvents are the
	// request's; Twilio posts only "completed" when no event is named.
	StatusCallback, StatusCallbackMethod string
	StatusCallbackEvents                 []string
	// MachineDetection is "", "Enable" or "DetectMessageEnd".
	MachineDetection string
	// Timeout is the ring timeout in seconds; zero when not given.
	Timeout int
	// Status is "queued", then what AnswerCall made of it: "initiated",
	// "ringing", "in-progress", and at last "completed", "busy",
	// "no-answer", "failed" or "canceled".
	Status string
	// AnsweredBy is "human", "machine_start", "machine_end_beep"... when
	// machine detection was asked for and the call was answered.
	AnsweredBy string
	// Duration is the answered call's length, in whole seconds, a bridged
	// call's (see Dial) included.
	Duration int
	// Created is the call's date_created (whole seconds, UTC).
	Created time.Time
}

// call is the server's record of an accepted call.
type call struct {
	Call
	twiml       string
	dateUpdated time.Time
}

// CallOutcome is what the callee does when AnswerCall plays it. Build one
// with Answered, Machine, Busy, NoAnswer, Failed or Canceled, and add what
// the party a <Dial> calls does with Bridged.
type CallOutcome struct {
	status   string // final status
	machine  bool
	duration time.Duration
	// dialed is what the party a <Dial> in the call's TwiML calls does;
	// nil means Answered(defaultDialedTalk).
	dialed *CallOutcome
}

// defaultDialedTalk is how long a dialled party stays on the line when the
// outcome does not say (see Bridged).
const defaultDialedTalk = 30 * time.Second

// Answered is a person picking up and staying on the line for d. With a
// <Dial> in the call's TwiML, d is the time outside the bridged call: the
// call's duration adds the bridged call's.
func Answered(d time.Duration) CallOutcome {
	return CallOutcome{status: "completed", duration: d}
}

// Machine is an answering machine picking up and recording for d.
func Machine(d time.Duration) CallOutcome {
	return CallOutcome{status: "completed", machine: true, duration: d}
}

// Busy is a line that is busy.
func Busy() CallOutcome { return CallOutcome{status: "busy"} }

// NoAnswer is a phone ringing until the call's timeout.
func NoAnswer() CallOutcome { return CallOutcome{status: "no-answer"} }

// Failed is a call that cannot be put through (an unreachable number).
func Failed() CallOutcome { return CallOutcome{status: "failed"} }

// Canceled is a call hung up by its caller while it rang: for a call
// AnswerCall plays, a call canceled through the API before it was
// answered; for a dialled party (see Bridged), the caller hanging up
// before the dialled phone is picked up.
func Canceled() CallOutcome { return CallOutcome{status: "canceled"} }

// Bridged returns o with what the party dialled by a <Dial> in the call's
// TwiML does: Answered(d) or Machine(d) talk for d (DialCallStatus
// "completed"), Busy, NoAnswer (ringing for the <Dial>'s timeout), Failed
// or Canceled. Without Bridged, a dialled party answers and talks for 30
// seconds. The dialled party's own Bridged is ignored.
func (o CallOutcome) Bridged(dialed CallOutcome) CallOutcome {
	dialed.dialed = nil
	o.dialed = &dialed
	return o
}

// dialedOutcome returns what the party a <Dial> calls does.
func (o CallOutcome) dialedOutcome() CallOutcome {
	if o.dialed == nil {
		return Answered(defaultDialedTalk)
	}
	return *o.dialed
}

// Dial is a <Dial> the server played for a call's TwiML: the call it made
// to the dialled number and what that party did.
type Dial struct {
	// SID is the dialled call's SID (DialCallSid); ParentSID is the call
	// whose TwiML held the <Dial>.
	SID, ParentSID string
	// To is the number dialled: the first <Number> (Twilio rings them all;
	// the server plays the first only), or the <Dial>'s text.
	To string
	// CallerID is the <Dial>'s callerId, or the parent call's From.
	CallerID string
	// Status is the DialCallStatus: "completed", "busy", "no-answer",
	// "failed" or "canceled".
	Status string
	// Duration is the bridged call's length (DialCallDuration), in whole
	// seconds; zero unless the dialled party answered.
	Duration int
	// Action and Method are where and how the <Dial>'s action callback was
	// requested; both "" when the <Dial> had no action.
	Action, Method string
	// ActionTwiML is the action callback's answer. It is checked with
	// CheckTwiML but not played.
	ActionTwiML string
}

// callJSON is Twilio's Call resource.
type callJSON struct {
	AccountSID      string            `json:"account_sid"`
	AnsweredBy      *string           `json:"answered_by"`
	APIVersion      string            `json:"api_version"`
	CallerName      *string           `json:"caller_name"`
	DateCreated     string            `json:"date_created"`
	DateUpdated     string            `json:"date_updated"`
	Direction       string            `json:"direction"`
	Duration        *string           `json:"duration"`
	EndTime         *string           `json:"end_time"`
	ForwardedFrom   *string           `json:"forwarded_from"`
	From            string            `json:"from"`
	FromFormatted   string            `json:"from_formatted"`
	GroupSID        *string           `json:"group_sid"`
	ParentCallSID   *string           `json:"parent_call_sid"`
	PhoneNumberSID  *string           `json:"phone_number_sid"`
	Price           *string           `json:"price"`
	PriceUnit       string            `json:"price_unit"`
	QueueTime       string            `json:"queue_time"`
	SID             string            `json:"sid"`
	StartTime       *string           `json:"start_time"`
	Status          string            `json:"status"`
	SubresourceURIs map[string]string `json:"subresource_uris"`
	To              string            `json:"to"`
	ToFormatted     string            `json:"to_formatted"`
	TrunkSID        *string           `json:"trunk_sid"`
	URI             string            `json:"uri"`
}

// Calls returns a copy of the accepted calls, in the order accepted.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = c.Call
		out[i].StatusCallbackEvents = slices.Clone(c.StatusCallbackEvents)
	}
	return out
}

// CallRequests returns the number of Create Call requests received,
// including refused ones.
func (s *Server) CallRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.callRequests
}

// InjectCall queues faults answered to the next authenticated Create Call
// requests, one each, in order. The queue is separate from Inject's. A
// Fault's "{To}" is replaced with the call's To.
func (s *Server) InjectCall(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callFaults = append(s.callFaults, faults...)
}

// Dials returns a copy of the <Dial>s AnswerCall played, in the order
// played.
func (s *Server) Dials() []Dial {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Dial, len(s.dials))
	for i, d := range s.dials {
		out[i] = *d
	}
	return out
}

// CallTwiML returns the TwiML AnswerCall fetched for the call sid, or "".
func (s *Server) CallTwiML(sid string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.callsBySID[sid]; c != nil {
		return c.twiml
	}
	return ""
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	form, ok := s.admit(w, r, &s.callRequests, s.nextCallFault)
	if !ok {
		return
	}
	if status, code, msg := validateCall(form); status != 0 {
		writeError(w, status, code, msg, "")
		return
	}
	c := s.acceptCall(form)
	s.log.Info("call accepted",
		"sid", c.SID, "to", phone.Mask(c.To), "from", phone.Mask(c.From),
		"machine_detection", c.MachineDetection, "status_callback", c.StatusCallback != "")
	s.mu.Lock()
	body := s.callJSONLocked(s.callsBySID[c.SID])
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
}

func (s *Server) nextCallFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.callFaults) == 0 {
		return Fault{}, false
	}
	f := s.callFaults[0]
	s.callFaults = s.callFaults[1:]
	return f, true
}

// validateCall checks a Create Call request as Twilio does (phone numbers
// only: no client: or sip: endpoints) and returns the refusal's HTTP
// status, code and message, or status 0.
func validateCall(form url.Values) (status, code int, msg string) {
	to, from, twiml := form.Get("To"), form.Get("From"), form.Get("Url")
	switch {
	case to == "":
		return http.StatusBadRequest, 21201, "No 'To' number is specified"
	case !e164Pattern.MatchString(to):
		return http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", to)
	case from == "":
		return http.StatusBadRequest, 21213, "No 'From' number is specified"
	case !e164Pattern.MatchString(from):
		return http.StatusBadRequest, 21212, fmt.Sprintf("Invalid 'From' Phone Number: %s", from)
	case twiml == "":
		return http.StatusBadRequest, 21205, "Url parameter is required"
	case !validCallback(twiml):
		return http.StatusBadRequest, 21205, fmt.Sprintf("Url is not a valid URL: %s", twiml)
	case !validMethod(form.Get("Method")):
		return http.StatusBadRequest, 21207, "Method must be GET or POST"
	}
	if cb := form.Get("StatusCallback"); cb != "" && !validCallback(cb) {
		return http.StatusBadRequest, 21609, fmt.Sprintf("The StatusCallback URL %s is not a valid URL.", cb)
	}
	if !validMethod(form.Get("StatusCallbackMethod")) {
		return http.StatusBadRequest, 21207, "StatusCallbackMethod must be GET or POST"
	}
	for _, e := range form["StatusCallbackEvent"] {
		switch e {
		case "initiated", "ringing", "answered", "completed":
		default:
			return http.StatusBadRequest, 21626, fmt.Sprintf("Invalid StatusCallbackEvent %q", e)
		}
	}
	switch form.Get("MachineDetection") {
	case "", "Enable", "DetectMessageEnd":
	default:
		return http.StatusBadRequest, 21208, "MachineDetection must be Enable or DetectMessageEnd"
	}
	if t := form.Get("Timeout"); t != "" {
		if n, err := strconv.Atoi(t); err != nil || n < 0 || n > maxRingTimeout {
			return http.StatusBadRequest, 21210, fmt.Sprintf("Timeout must be a number of seconds from 0 to %d", maxRingTimeout)
		}
	}
	return 0, 0, ""
}

func validMethod(m string) bool {
	return m == "" || strings.EqualFold(m, http.MethodGet) || strings.EqualFold(m, http.MethodPost)
}

// acceptCall records a valid Create Call request.
func (s *Server) acceptCall(form url.Values) Call {
	now := s.now().UTC().Truncate(time.Second)
	timeout, _ := strconv.Atoi(form.Get("Timeout"))
	c := &call{
		Call: Call{
			SID:                  newSID("CA"),
			AccountSID:           s.opts.AccountSID,
			To:                   form.Get("To"),
			From:                 form.Get("From"),
			URL:                  form.Get("Url"),
			Method:               methodOrPost(form.Get("Method")),
			StatusCallback:       form.Get("StatusCallback"),
			StatusCallbackMethod: methodOrPost(form.Get("StatusCallbackMethod")),
			StatusCallbackEvents: slices.Clone(form["StatusCallbackEvent"]),
			MachineDetection:     form.Get("MachineDetection"),
			Timeout:              timeout,
			Status:               "queued",
			Created:              now,
		},
		dateUpdated: now,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.callsBySID[c.SID] = c
	return c.Call
}

func methodOrPost(m string) string {
	if strings.EqualFold(m, http.MethodGet) {
		return http.MethodGet
	}
	return http.MethodPost
}

// callJSONLocked renders c; s.mu must be held.
func (s *Server) callJSONLocked(c *call) callJSON {
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Calls/%s", c.AccountSID, c.SID)
	out := callJSON{
		AccountSID:    c.AccountSID,
		APIVersion:    apiVersion,
		DateCreated:   twilioTime(c.Created),
		DateUpdated:   twilioTime(c.dateUpdated),
		Direction:     "outbound-api",
		From:          c.From,
		FromFormatted: c.From,
		PriceUnit:     "USD",
		QueueTime:     "0",
		SID:           c.SID,
		Status:        c.Status,
		To:            c.To,
		ToFormatted:   c.To,
		URI:           uri + ".json",
		SubresourceURIs: map[string]string{
			"notifications":                      uri + "/Notifications.json",
			"recordings":                         uri + "/Recordings.json",
			"payments":                           uri + "/Payments.json",
			"events":                             uri + "/Events.json",
			"siprec":                             uri + "/Siprec.json",
			"streams":                            uri + "/Streams.json",
			"user_defined_message_subscriptions": uri + "/UserDefinedMessageSubscriptions.json",
			"user_defined_messages":              uri + "/UserDefinedMessages.json",
		},
	}
	if c.AnsweredBy != "" {
		out.AnsweredBy = &c.AnsweredBy
	}
	if c.Status == "completed" {
		d := strconv.Itoa(c.Duration)
		out.Duration = &d
	}
	return out
}

// AnswerCall plays the callee of the accepted call sid, as Twilio's
// progress through the call would go, and returns once every request is
// answered:
//
//   - "initiated", then "ringing" (except for Busy and Failed) are posted
//     to the StatusCallback when the call asked for those events;
//   - for Answered and Machine, the TwiML is fetched from the call's URL
//     with its Method (CallStatus "in-progress", and AnsweredBy when
//     machine detection was asked for), kept for CallTwiML and checked
//     with CheckTwiML, then "in-progress" is posted if the call asked for
//     "answered";
//   - if the TwiML holds a <Dial> the call reaches (the first one, unless
//     a <Hangup>, <Reject> or <Redirect> comes before it), its first
//     number is dialled and plays the outcome's Bridged party, recorded
//     for Dials; if the <Dial> has an action, Twilio's Dial action
//     callback is requested from it with the <Dial>'s method (CallSid,
//     CallStatus "in-progress", DialCallSid, DialCallStatus, DialBridged,
//     DialCallDuration when the dialled party answered, and the other
//     parameters of a voice webhook), and its answer is kept in the Dial
//     and checked with CheckTwiML. The call's duration grows by the
//     bridged call's, or by the <Dial>'s timeout (30 seconds unless set)
//     when the dialled party does not answer. Nothing else of the TwiML
//     is played;
//   - the final status ("completed" with CallDuration, "busy", "no-answer",
//     "failed" or "canceled") is posted if the call asked for "completed"
//     or named no event.
//
// Every request is signed with X-Twilio-Signature. A call can be answered
// once. The error reports an unknown or already answered call, a TwiML
// fetch or Dial action that failed or was not answered 2xx, TwiML that
// CheckTwiML refuses, and status callbacks that failed or were not
// answered 2xx; the call goes on to its end after such failures.
func (s *Server) AnswerCall(ctx context.Context, sid string, how CallOutcome) error {
	if how.status == "" {
		return fmt.Errorf("twiliotest: answer call %s: zero CallOutcome", sid)
	}
	s.mu.Lock()
	c := s.callsBySID[sid]
	if c == nil || c.Status != "queued" {
		s.mu.Unlock()
		if c == nil {
			return fmt.Errorf("twiliotest: answer call %s: no such call", sid)
		}
		return fmt.Errorf("twiliotest: answer call %s: already answered (%s)", sid, c.Status)
	}
	c.Status = "initiated"
	snap := c.Call
	s.mu.Unlock()

	answered := how.status == "completed"
	if answered && snap.MachineDetection != "" {
		switch {
		case !how.machine:
			snap.AnsweredBy = "human"
		case snap.MachineDetection == "DetectMessageEnd":
			snap.AnsweredBy = "machine_end_beep"
		default:
			snap.AnsweredBy = "machine_start"
		}
	}
	if answered {
		snap.Duration = int(how.duration / time.Second)
	}

	var errs []error
	seq := 0
	progress := func(event, status string) {
		s.setCall(sid, func(c *call) {
			c.Status = status
			if status != "initiated" && status != "ringing" {
				c.AnsweredBy = snap.AnsweredBy
			}
			if status == "completed" {
				c.Duration = snap.Duration
			}
		})
		if snap.StatusCallback == "" || !wants(snap.StatusCallbackEvents, event) {
			return
		}
		params := callParams(snap, status)
		params.Set("CallbackSource", "call-progress-events")
		params.Set("SequenceNumber", strconv.Itoa(seq))
		params.Set("Timestamp", twilioTime(s.now()))
		if status == "completed" {
			params.Set("CallDuration", strconv.Itoa(snap.Duration))
		}
		seq++
		if err := s.request(ctx, snap.StatusCallbackMethod, snap.StatusCallback, params, nil); err != nil {
			errs = append(errs, fmt.Errorf("status callback %s: %w", status, err))
		}
	}

	progress("initiated", "initiated")
	if how.status != "busy" && how.status != "failed" {
		progress("ringing", "ringing")
	}
	if answered {
		s.setCall(sid, func(c *call) { c.Status = "in-progress"; c.AnsweredBy = snap.AnsweredBy })
		var twiml []byte
		err := s.request(ctx, snap.Method, snap.URL, callParams(snap, "in-progress"), &twiml)
		s.setCall(sid, func(c *call) { c.twiml = string(twiml) })
		var dial *twimlNode
		if err != nil {
			errs = append(errs, fmt.Errorf("fetch TwiML: %w", err))
		} else if doc, err := parseTwiML(string(twiml)); err != nil {
			errs = append(errs, fmt.Errorf("fetched TwiML: %w", err))
		} else {
			dial = doc.firstDial()
		}
		progress("answered", "in-progress")
		if dial != nil {
			added, err := s.playDial(ctx, snap, dial, how.dialedOutcome())
			snap.Duration += added
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	progress("completed", how.status)
	s.log.Info("call ended", "sid", sid, "status", how.status, "answered_by", snap.AnsweredBy)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("twiliotest: answer call %s: %w", sid, err)
	}
	return nil
}

// playDial plays the party a checked <Dial> calls for parent as dialed
// does, records the Dial and requests its action callback. It returns the
// seconds the <Dial> added to parent's duration.
func (s *Server) playDial(ctx context.Context, parent Call, dial *twimlNode, dialed CallOutcome) (int, error) {
	d := &Dial{
		SID:       newSID("CA"),
		ParentSID: parent.SID,
		To:        dial.numbers()[0],
		CallerID:  dial.attrs["callerId"],
		Status:    dialed.status,
		Action:    dial.attrs["action"],
	}
	if d.CallerID == "" {
		d.CallerID = parent.From
	}
	if d.Action != "" {
		d.Method = methodOrPost(dial.attrs["method"])
	}
	added := 0
	switch dialed.status {
	case "completed":
		d.Duration = int(dialed.duration / time.Second)
		added = d.Duration
	case "no-answer":
		added = defaultDialTimeout
		if t, err := strconv.Atoi(dial.attrs["timeout"]); err == nil {
			added = t // checked: 5 to 600
		}
	}
	s.mu.Lock()
	s.dials = append(s.dials, d)
	s.mu.Unlock()
	s.log.Info("dial played", "parent_sid", d.ParentSID, "dial_sid", d.SID, "to", phone.Mask(d.To),
		"caller_id", phone.Mask(d.CallerID), "status", d.Status, "duration", d.Duration, "action", d.Action != "")
	if d.Action == "" {
		return added, nil
	}

	params := callParams(parent, "in-progress")
	params.Set("DialCallSid", d.SID)
	params.Set("DialCallStatus", d.Status)
	params.Set("DialBridged", strconv.FormatBool(d.Status == "completed"))
	if d.Status == "completed" {
		params.Set("DialCallDuration", strconv.Itoa(d.Duration))
	}
	var answer []byte
	err := s.request(ctx, d.Method, d.Action, params, &answer)
	s.mu.Lock()
	d.ActionTwiML = string(answer)
	s.mu.Unlock()
	if err != nil {
		return added, fmt.Errorf("dial action: %w", err)
	}
	if err := CheckTwiML(string(answer)); err != nil {
		return added, fmt.Errorf("dial action TwiML: %w", err)
	}
	return added, nil
}

// wants reports whether a call that asked for events gets event: Twilio
// sends only "completed" when none was named.
func wants(events []string, event string) bool {
	if len(events) == 0 {
		return event == "completed"
	}
	return slices.Contains(events, event)
}

// callParams are the parameters of Twilio's voice webhooks for c.
func callParams(c Call, status string) url.Values {
	params := url.Values{
		"AccountSid":  {c.AccountSID},
		"ApiVersion":  {apiVersion},
		"CallSid":     {c.SID},
		"CallStatus":  {status},
		"Called":      {c.To},
		"Caller":      {c.From},
		"Direction":   {"outbound-api"},
		"From":        {c.From},
		"To":          {c.To},
		"FromCountry": {country(c.From)},
		"ToCountry":   {country(c.To)},
	}
	if c.AnsweredBy != "" && status != "initiated" && status != "ringing" {
		params.Set("AnsweredBy", c.AnsweredBy)
	}
	return params
}

func (s *Server) setCall(sid string, edit func(*call)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.callsBySID[sid]
	edit(c)
	c.dateUpdated = s.now().UTC().Truncate(time.Second)
}

// request sends a signed voice webhook with method (GET: params in the
// query, signed as part of the URL), stores the answer's body in *body when
// body is not nil, and reports a failure or an answer other than 2xx.
func (s *Server) request(ctx context.Context, method, target string, params url.Values, body *[]byte) error {
	var (
		code   int
		answer []byte
		err    error
	)
	if method == http.MethodGet {
		code, answer, err = s.get(ctx, target, params)
	} else {
		code, answer, err = s.post(ctx, target, params)
	}
	if body != nil {
		*body = answer
	}
	if err != nil {
		return err
	}
	if code < 200 || code > 299 {
		return fmt.Errorf("%s answered %d", method, code)
	}
	return nil
}

// get sends a signed GET webhook with params added to target's query.
func (s *Server) get(ctx context.Context, target string, params url.Values) (int, []byte, error) {
	u, err := url.Parse(target)
	if err != nil {
		return 0, nil, err
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	full := u.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, full, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Sign(s.opts.AuthToken, full, nil))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, answer, err
}
