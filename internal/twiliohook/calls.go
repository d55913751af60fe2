package twiliohook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// taskParam reads the ?task= every call route carries.
func taskParam(req events.APIGatewayV2HTTPRequest) (string, error) {
	id, ok := twilio.CallbackTask(req.RawQueryString)
	if !ok {
		return "", thankyou.Errorf(thankyou.EINVALID, "callback URL has no task parameter")
	}
	return id, nil
}

// callTask reads the task a call callback names; it must be a call the
// task made (its bridge, or its automated call). ok is false, with the
// TwiML to answer, when it is not (a stale or foreign call).
func (h *Handler) callTask(ctx context.Context, req events.APIGatewayV2HTTPRequest, p map[string]string) (thankyou.Task, string, error) {
	id, err := taskParam(req)
	if err != nil {
		return thankyou.Task{}, "", err
	}
	sid := p["CallSid"]
	if sid == "" {
		return thankyou.Task{}, "", thankyou.Errorf(thankyou.EINVALID, "call callback without CallSid")
	}
	if h.Calls == nil {
		return thankyou.Task{}, "", thankyou.Errorf(thankyou.ENOTFOUND, "calls are not configured")
	}
	t, err := h.Calls.GetTask(ctx, id)
	if err != nil {
		return thankyou.Task{}, "", err
	}
	if sid != t.Call.SID && sid != t.MessageSID {
		return thankyou.Task{}, "", thankyou.Errorf(thankyou.ECONFLICT, "call %s is not this task's", sid)
	}
	return t, sid, nil
}

// unknownCall answers a callback about a call that is no task's (stale,
// or another's: callTask's ENOTFOUND and ECONFLICT) with answer, and logs
// it; any other error is the request's error.
func (h *Handler) unknownCall(ctx context.Context, what string, err error, answer events.APIGatewayV2HTTPResponse) (events.APIGatewayV2HTTPResponse, error) {
	if c := thankyou.ErrorCode(err); c != thankyou.ECONFLICT && c != thankyou.ENOTFOUND {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	h.Logger.InfoContext(ctx, what+" for an unknown call: answered without acting", "why", thankyou.ErrorMessage(err))
	return answer, nil
}

// bridge serves the click-to-call TwiML, fetched when the staff member
// answers: a word on who is called, then <Dial> to the customer with the
// shop's number as caller id; the <Dial> action reports the customer's leg.
func (h *Handler) bridge(ctx context.Context, req events.APIGatewayV2HTTPRequest, p map[string]string) (events.APIGatewayV2HTTPResponse, error) {
	t, sid, err := h.callTask(ctx, req, p)
	if err != nil {
		return h.unknownCall(ctx, "bridge TwiML", err, sayTwiML("This call is no longer needed. Goodbye."))
	}
	log := h.Logger.With("task", t.ID, "sid", sid)
	// Open for the staff member: waiting for a reply, being followed up,
	// or put back by the dispatcher after a Twilio error.
	if t.Staff.RemindedAt.IsZero() || !t.State.Open() || t.Order.Phone == "" {
		log.InfoContext(ctx, "bridge TwiML for a call that is closed: hanging up", "state", t.State)
		return sayTwiML("This thank-you call is already closed. Goodbye."), nil
	}
	if h.CallerID == "" {
		return events.APIGatewayV2HTTPResponse{}, thankyou.Errorf(thankyou.EINTERNAL, "no caller id configured (TWILIO_FROM) for the bridge")
	}
	// The customer's leg goes through the gate as the staff leg did:
	// consent, hours and the caps, taken now that the customer is dialled.
	d, err := h.gate().Admit(ctx, h.bridgeCustomer(t), h.Now())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not check the customer's leg", err)
	}
	if d.Outcome != contact.Send {
		log.InfoContext(ctx, "bridge: the customer may not be called now: hanging up", "gate", d.Code, "rule", d.Rule)
		return sayTwiML(fmt.Sprintf("%s cannot be called now: %s. Goodbye.", firstName(t), d.Reason())), nil
	}
	// The customer sees the shop's number: a text back to it is a reply
	// to this call, forwarded to the staff member who made it. The
	// admission of the customer's leg recorded that route (the number's
	// cap slot and route are one write).
	log.InfoContext(ctx, "bridging the staff member to the customer")
	return twiml(
		twilio.Say{Text: fmt.Sprintf("Connecting you to %s, order %s.", firstName(t), orderNumber(t))},
		twilio.Dial{CallerID: h.CallerID, Action: twilio.CallbackURL(h.baseURL(req), twilio.DialPath, t.ID), Timeout: BridgeRingTimeout, Number: t.Order.Phone},
	), nil
}

// dial takes the bridge's <Dial> action: how the customer's leg ended. A
// connected call closes the staff call as done; otherwise the staff member
// hears, and gets by SMS, that the customer did not answer, with LATER and
// SKIP to choose from.
func (h *Handler) dial(ctx context.Context, req events.APIGatewayV2HTTPRequest, p map[string]string) (events.APIGatewayV2HTTPResponse, error) {
	t, sid, err := h.callTask(ctx, req, p)
	if err != nil {
		return h.unknownCall(ctx, "dial action", err, sayTwiML("Goodbye."))
	}
	status, err := twilio.ParseCallStatus(p["DialCallStatus"])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINVALID, "dial action without a DialCallStatus", err)
	}
	secs := 0
	if v := p["DialCallDuration"]; v != "" {
		if secs, err = strconv.Atoi(v); err != nil || secs < 0 {
			return events.APIGatewayV2HTTPResponse{}, thankyou.Errorf(thankyou.EINVALID, "DialCallDuration %q is not a number of seconds", v)
		}
	}
	log := h.Logger.With("task", t.ID, "sid", sid, "customerLeg", status, "seconds", secs)
	now := h.Now()
	o := thankyou.CallOutcome{SID: sid, Customer: string(status), Duration: time.Duration(secs) * time.Second}
	if _, err := h.Calls.RecordCallStatus(ctx, t.ID, sid, o, now); err != nil && thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not record the call", err)
	}
	if status.Answered() {
		note := "connected by click-to-call for " + (time.Duration(secs) * time.Second).String()
		switch _, err := h.Calls.CloseCall(ctx, t.ID, t.Recipient, thankyou.StateCalled, note, now); {
		case err == nil:
			h.Metrics.Count(metrics.CallsCompleted, 1)
			log.InfoContext(ctx, "bridged call completed: the call is done")
		case thankyou.ErrorCode(err) == thankyou.ECONFLICT:
			log.InfoContext(ctx, "bridged call completed; the call was already closed")
		default:
			return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not close the call", err)
		}
		return sayTwiML("Thank you! The call is recorded as done."), nil
	}
	who, num := firstName(t), orderNumber(t)
	text := fmt.Sprintf("%s did not answer (%s). Reply %s %s to try again later, or %s %s [reason].", who, status.Words(), inbound.WordLater, num, inbound.WordSkip, num)
	if h.Twilio != nil && t.Recipient != "" {
		notice := contact.Contact{Kind: contact.KindStaffNotice, To: t.Recipient, Task: t.ID, For: &t}
		if d, _, err := h.gate().SendText(ctx, notice, now, text, ""); err != nil || d.Outcome != contact.Send {
			log.ErrorContext(ctx, "could not text the staff member that the customer did not answer", "error", err, "gate", d.Code)
		}
	}
	log.InfoContext(ctx, "bridged call: the customer did not answer")
	return sayTwiML(fmt.Sprintf("%s did not answer. Text %s or %s to the shop's number. Goodbye.", who, inbound.WordLater, inbound.WordSkip)), nil
}

// callStatus takes a call's status callbacks: the staff leg of a bridge
// (recorded on the task), or the automated call of a ChannelCall task
// (answered: called; else the thank-you SMS instead, once).
func (h *Handler) callStatus(ctx context.Context, req events.APIGatewayV2HTTPRequest, p map[string]string) (events.APIGatewayV2HTTPResponse, error) {
	t, sid, err := h.callTask(ctx, req, p)
	if err != nil {
		return h.unknownCall(ctx, "call status", err, emptyTwiML())
	}
	status, err := twilio.ParseCallStatus(p["CallStatus"])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINVALID, "call status callback without a CallStatus", err)
	}
	secs := 0
	if v := p["CallDuration"]; v != "" {
		if secs, err = strconv.Atoi(v); err != nil || secs < 0 {
			return events.APIGatewayV2HTTPResponse{}, thankyou.Errorf(thankyou.EINVALID, "CallDuration %q is not a number of seconds", v)
		}
	}
	log := h.Logger.With("task", t.ID, "sid", sid, "callStatus", status)
	now := h.Now()
	o := thankyou.CallOutcome{SID: sid, Status: string(status), AnsweredBy: string(answeredBy(ctx, p, log))}
	if t.Channel != thankyou.ChannelCall || sid != t.MessageSID {
		// The staff leg of a bridge: what the customer did comes with the
		// <Dial> action.
		if _, err := h.Calls.RecordCallStatus(ctx, t.ID, sid, o, now); err != nil && thankyou.ErrorCode(err) != thankyou.ECONFLICT {
			return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not record the call status", err)
		}
		log.InfoContext(ctx, "bridge call status recorded")
		return emptyTwiML(), nil
	}
	if !status.Final() {
		log.DebugContext(ctx, "automated call in progress")
		return emptyTwiML(), nil
	}
	o.Duration = time.Duration(secs) * time.Second
	answered := status.Answered()
	got, err := h.Calls.FinishVoiceCall(ctx, t.ID, sid, o, answered, now)
	switch {
	case thankyou.ErrorCode(err) == thankyou.ECONFLICT:
		log.InfoContext(ctx, "call status ignored", "why", thankyou.ErrorMessage(err))
		return emptyTwiML(), nil
	case err != nil:
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not record the call", err)
	}
	if answered {
		h.Metrics.Count(metrics.CallsCompleted, 1)
		log.InfoContext(ctx, "automated call answered", "answeredBy", o.AnsweredBy, "seconds", secs, "state", got.State)
	} else {
		h.Metrics.Count(metrics.VoiceFallbacks, 1)
		log.InfoContext(ctx, "automated call not answered: the thank-you SMS goes instead", "state", got.State)
	}
	return emptyTwiML(), nil
}

// voice serves the automated call's TwiML: the thank-you for a person,
// the shorter voicemail after an answering machine's beep; <Play> of the
// shop's recording instead of <Say> when it has one.
func (h *Handler) voice(ctx context.Context, req events.APIGatewayV2HTTPRequest, p map[string]string) (events.APIGatewayV2HTTPResponse, error) {
	t, sid, err := h.callTask(ctx, req, p)
	if err != nil {
		return h.unknownCall(ctx, "voice TwiML", err, hangupTwiML())
	}
	if t.Channel != thankyou.ChannelCall || sid != t.MessageSID {
		return hangupTwiML(), nil
	}
	log := h.Logger.With("task", t.ID, "sid", sid)
	by := answeredBy(ctx, p, log)
	log.InfoContext(ctx, "automated call answered", "answeredBy", by)
	return apigw.XML(http.StatusOK, VoiceTwiML(t, h.shopName(t), by.Machine())), nil
}

// answeredBy reads a call callback's AnsweredBy; a verdict Twilio added
// since is logged and read as unknown (a person, as far as the call goes).
func answeredBy(ctx context.Context, p map[string]string, log *slog.Logger) twilio.AnsweredBy {
	by, err := twilio.ParseAnsweredBy(p["AnsweredBy"])
	if err != nil {
		log.WarnContext(ctx, "call answered by an unknown verdict", "error", err)
	}
	return by
}

// VoiceTwiML is the automated thank-you call's TwiML for a task: <Play> of
// the shop's recording, else <Say> with its voice and language; the shorter
// voicemail when a machine answered.
func VoiceTwiML(t thankyou.Task, shopName string, machine bool) string {
	if t.Voice.PlayURL != "" {
		return twilio.TwiML(twilio.Play{URL: t.Voice.PlayURL}, twilio.Hangup{})
	}
	d := message.DataFor(t, shopName)
	text := message.VoiceText(d)
	if machine {
		text = message.VoicemailText(d)
	}
	return twilio.TwiML(twilio.Say{Voice: t.Voice.Voice, Language: t.Voice.Language, Text: text}, twilio.Hangup{})
}

func (h *Handler) shopName(t thankyou.Task) string {
	if t.ShopName != "" {
		return t.ShopName
	}
	return h.Settings.ShopName
}

// sayTwiML says text and hangs up.
func sayTwiML(text string) events.APIGatewayV2HTTPResponse {
	return twiml(twilio.Say{Text: text}, twilio.Hangup{})
}

func hangupTwiML() events.APIGatewayV2HTTPResponse { return twiml(twilio.Hangup{}) }
