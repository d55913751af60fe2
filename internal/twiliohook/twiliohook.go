// Package twiliohook is the Twilio webhook: it checks Twilio's signature,
// applies message status callbacks to their task, handles inbound SMS as
// package inbound reads them (opt-outs and opt-ins from anyone, one
// question for an ambiguous message; from staff numbers, their replies to
// call reminders and their REPLY answers to customers; from customers, a
// reply to their thank-you, recorded on the task and forwarded to staff
// through package replies), serves the TwiML of the
// click-to-call bridge and of the automated thank-you call, and records
// how calls ended. Every answer is TwiML.
package twiliohook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// MaxBody bounds a Twilio webhook body (Twilio's are a few KiB).
const MaxBody = 64 << 10

// Store is what the handler needs of the task store.
type Store interface {
	OptedOut(ctx context.Context, phone string) (bool, error)
	ApplyStatus(ctx context.Context, id, sid string, status thankyou.State, code int, reason string, now time.Time) (thankyou.Task, error)
	SetOptOut(ctx context.Context, phone, keyword string, now time.Time) error
	ClearOptOut(ctx context.Context, phone string, now time.Time) error
}

// Validator checks X-Twilio-Signature; twilio-go's client.RequestValidator
// is one.
type Validator interface {
	Validate(url string, params map[string]string, expectedSignature string) bool
}

// Handler handles POST /twilio/status and POST /twilio/inbound.
type Handler struct {
	Store     Store
	Validator Validator
	// PublicBaseURL is the base of the URL Twilio called, which its
	// signature covers; empty means https://<the request's domain name>.
	PublicBaseURL string
	// HelpText answers HELP.
	HelpText string
	// Questions lets an ambiguous message ("stop" in a longer sentence
	// that is not clearly a revocation) get one question asking to confirm
	// with STOP; nil: it gets no answer.
	Questions Questions
	Now       func() time.Time
	Logger    *slog.Logger
	// Metrics counts recorded delivery statuses and inbound opt-outs and
	// opt-ins (nil: none).
	Metrics *metrics.Emitter

	// Calls and Twilio serve staff replies and calls; nil Calls: inbound
	// SMS are only keywords, and the call routes answer 404.
	Calls  Calls
	Twilio Twilio
	// CallerID is the shop's number (TWILIO_FROM): the caller id the
	// customer sees on a click-to-call bridge.
	CallerID string
	// Settings are the deployment's (its send window, zone, closed dates
	// on which nobody is called or answered, default staff phone's hours,
	// where a snoozed reminder lands, and shop name), for whatever a
	// task's shop does not set.
	Settings settings.Deployment
	// Gate is the contact gate the webhook's contacts go through; nil
	// builds one from Store (opt-outs), Caps, NumberCap and Twilio, which
	// only the gate calls.
	Gate      *contact.Gate
	Caps      contact.Caps
	NumberCap contact.Cap
	// Privacy, when set, holds every contact for a task whose shop's or
	// customer's erasure is pending (the CALL bridge included).
	Privacy contact.Privacy

	// Conversations records customers' replies to their thank-you and
	// the staff's REPLY answers (nil: a reply is logged and dropped);
	// Replies forwards the replies to staff (nil: recorded only).
	Conversations Conversations
	Replies       *replies.Forwarder

	gateOnce  sync.Once
	builtGate *contact.Gate
}

// Questions is what the handler needs of the store to ask a number once
// to confirm an opt-out when its message was ambiguous, and to read its
// "yes" as the answer.
type Questions interface {
	OptedOut(ctx context.Context, phone string) (bool, error)
	ClaimOptOutQuestion(ctx context.Context, phone string, now time.Time) (bool, error)
	AskedOptOutQuestion(ctx context.Context, phone string, now time.Time) (bool, error)
}

// Handle answers one Twilio request.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := h.handle(ctx, req)
	if err != nil {
		apigw.LogError(ctx, h.Logger, req, err)
		return apigw.Error(err), nil
	}
	return resp, nil
}

func (h *Handler) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	body, err := apigw.Body(req, MaxBody)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINVALID, "body is not form-encoded", err)
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = v[0]
	}
	sig := apigw.Header(req).Get("X-Twilio-Signature")
	if sig == "" || !h.Validator.Validate(h.publicURL(req), params, sig) {
		return events.APIGatewayV2HTTPResponse{}, thankyou.Errorf(thankyou.EFORBIDDEN, "missing or invalid X-Twilio-Signature")
	}
	switch routeKey(req) {
	case config.RouteTwilioStatus:
		return h.status(ctx, req, params)
	case config.RouteTwilioInbound:
		return h.inbound(ctx, req, params)
	case config.RouteTwilioCallStatus:
		return h.callStatus(ctx, req, params)
	case config.RouteTwilioVoice:
		return h.voice(ctx, req, params)
	case config.RouteTwilioBridge:
		return h.bridge(ctx, req, params)
	case config.RouteTwilioDial:
		return h.dial(ctx, req, params)
	default:
		return events.APIGatewayV2HTTPResponse{}, thankyou.Errorf(thankyou.ENOTFOUND, "no such route")
	}
}

func routeKey(req events.APIGatewayV2HTTPRequest) string {
	if req.RouteKey != "" && req.RouteKey != "$default" {
		return req.RouteKey
	}
	return req.RequestContext.HTTP.Method + " " + req.RawPath
}

// baseURL is the public base URL of the API: PublicBaseURL, else the
// request's own domain.
func (h *Handler) baseURL(req events.APIGatewayV2HTTPRequest) string {
	if h.PublicBaseURL != "" {
		return h.PublicBaseURL
	}
	return "https://" + req.RequestContext.DomainName
}

// publicURL rebuilds the URL Twilio requested, which its signature covers.
func (h *Handler) publicURL(req events.APIGatewayV2HTTPRequest) string {
	u := h.baseURL(req) + req.RawPath
	if req.RawQueryString != "" {
		u += "?" + req.RawQueryString
	}
	return u
}

func (h *Handler) status(ctx context.Context, req events.APIGatewayV2HTTPRequest, p map[string]string) (events.APIGatewayV2HTTPResponse, error) {
	taskID, err := taskParam(req)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	sid, raw := p["MessageSid"], p["MessageStatus"]
	if sid == "" || raw == "" {
		return events.APIGatewayV2HTTPResponse{}, thankyou.Errorf(thankyou.EINVALID, "status callback without MessageSid or MessageStatus")
	}
	log := h.Logger.With("task", taskID, "sid", sid, "status", raw)
	status, err := twilio.ParseMessageStatus(raw)
	if err != nil {
		// A status Twilio added since: nothing this service can record.
		log.WarnContext(ctx, "status callback: unknown status, nothing to record", "error", err)
		return emptyTwiML(), nil
	}
	state, ok := status.State()
	if !ok {
		log.DebugContext(ctx, "status callback: interim status, nothing to record")
		return emptyTwiML(), nil
	}
	code, err := twilio.ParseErrorCode(p["ErrorCode"])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINVALID, "status callback with an unreadable ErrorCode", err)
	}
	if code.OptedOut() {
		// The number unsubscribed from the sender (a STOP this service did
		// not see): nothing else, a call included, goes to it.
		if to, err := phone.Normalize(p["To"], ""); err != nil {
			log.WarnContext(ctx, "status callback: Twilio reports an opt-out of an unreadable number", "error", err)
		} else if err := h.Store.SetOptOut(ctx, to, code.Reason(), h.Now()); err != nil {
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("record the opt-out Twilio reported: %w", err)
		}
	}
	t, err := h.Store.ApplyStatus(ctx, taskID, sid, state, int(code), code.Reason(), h.Now())
	switch {
	case thankyou.ErrorCode(err) == thankyou.ECONFLICT:
		// Out of order, repeated, or for another message: nothing to change.
		log.InfoContext(ctx, "status callback ignored", "why", thankyou.ErrorMessage(err))
		return emptyTwiML(), nil
	case err != nil:
		return events.APIGatewayV2HTTPResponse{}, err
	}
	log.InfoContext(ctx, "status recorded", "state", t.State, "code", int(code))
	if metric, dims, ok := metrics.StatusEnded(state, int(code)); ok {
		h.Metrics.Count(metric, 1, dims...)
	}
	return emptyTwiML(), nil
}

func (h *Handler) inbound(ctx context.Context, req events.APIGatewayV2HTTPRequest, p map[string]string) (events.APIGatewayV2HTTPResponse, error) {
	from, err := phone.Normalize(p["From"], "")
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINVALID, "inbound message has no valid From number", err)
	}
	msg, err := h.read(ctx, from, p["Body"])
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	word := msg.Word
	log := h.Logger.With("from", phone.Mask(from), "keyword", word, "kind", msg.Kind, "rule", msg.Rule)
	switch {
	case msg.Kind == inbound.OptOut:
		if err := h.Store.SetOptOut(ctx, from, word, h.Now()); err != nil {
			return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not record the opt-out", err)
		}
		h.Metrics.Count(metrics.OptedOut, 1)
		log.InfoContext(ctx, "opted out")
		if err := h.staffStopped(ctx, from, log); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		// Twilio itself confirms opt-outs on its numbers: no second reply.
		return emptyTwiML(), nil
	case msg.Kind == inbound.OptIn:
		if err := h.Store.ClearOptOut(ctx, from, h.Now()); err != nil {
			return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not record the opt-in", err)
		}
		h.Metrics.Count(metrics.OptedIn, 1)
		log.InfoContext(ctx, "opted in again")
		return emptyTwiML(), nil
	}
	// REPLY 1001 ... from the number a reply of order 1001 was forwarded
	// to answers that customer.
	if msg.Command.Verb == inbound.Reply {
		resp, handled, err := h.staffAnswer(ctx, from, msg.Command, log)
		if err != nil || handled {
			return resp, err
		}
	}
	if h.Calls != nil {
		// Staff replies come from numbers with a roster entry or open
		// calls; anyone else gets nothing about any call.
		members, calls, err := h.staffContext(ctx, from)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if len(members) > 0 || len(calls) > 0 {
			h.Metrics.Count(metrics.StaffReplies, 1)
			return h.staffReply(ctx, req, from, members, calls, msg.Command, log)
		}
	}
	switch msg.Kind {
	case inbound.Help:
		log.InfoContext(ctx, "help requested")
		return messageTwiML(h.HelpText), nil
	case inbound.Ambiguous:
		// A message that may revoke is also the shop's to read ("cancel
		// my order, it came broken"): recorded and forwarded, and the
		// customer gets the one question.
		if _, err := h.customerReply(ctx, from, p["Body"], p["MessageSid"], log); err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		return h.confirmOptOut(ctx, from, log)
	default:
		handled, err := h.customerReply(ctx, from, p["Body"], p["MessageSid"], log)
		if err != nil {
			return events.APIGatewayV2HTTPResponse{}, err
		}
		if !handled {
			log.InfoContext(ctx, "inbound message with no keyword", "length", len(p["Body"]))
		}
		return emptyTwiML(), nil
	}
}

// read reads an inbound SMS; from a number asked to confirm an opt-out, a
// "yes" is the answer: an opt-out.
func (h *Handler) read(ctx context.Context, from, body string) (inbound.Message, error) {
	msg := inbound.Read(body)
	if msg.Kind == inbound.OptOut || h.Questions == nil {
		return msg, nil
	}
	answer := inbound.ReadAnswer(body)
	if answer.Kind != inbound.OptOut {
		return msg, nil
	}
	asked, err := h.Questions.AskedOptOutQuestion(ctx, from, h.Now())
	if err != nil {
		return inbound.Message{}, thankyou.WrapError(thankyou.EINTERNAL, "could not check the opt-out question", err)
	}
	if asked {
		return answer, nil
	}
	return msg, nil
}

// confirmOptOut answers a message that may be a revocation with the one
// question asking to confirm with STOP: never to a number that has opted
// out, and at most once per number within the store's question window
// (longer than a task lives, so never twice about one task).
func (h *Handler) confirmOptOut(ctx context.Context, from string, log *slog.Logger) (events.APIGatewayV2HTTPResponse, error) {
	if h.Questions == nil {
		log.InfoContext(ctx, "ambiguous message: no question configured")
		return emptyTwiML(), nil
	}
	out, err := h.Questions.OptedOut(ctx, from)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not check the opt-out", err)
	}
	if out {
		log.InfoContext(ctx, "ambiguous message from an opted-out number: no answer")
		return emptyTwiML(), nil
	}
	first, err := h.Questions.ClaimOptOutQuestion(ctx, from, h.Now())
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not record the opt-out question", err)
	}
	if !first {
		log.InfoContext(ctx, "ambiguous message: the number was already asked to confirm")
		return emptyTwiML(), nil
	}
	log.InfoContext(ctx, "ambiguous message: asked to confirm with "+inbound.WordStop)
	return messageTwiML(inbound.ConfirmText(h.Settings.ShopName)), nil
}

func emptyTwiML() events.APIGatewayV2HTTPResponse { return twiml() }

func messageTwiML(text string) events.APIGatewayV2HTTPResponse {
	return twiml(twilio.Message{Text: text})
}

// twiml answers with the TwiML document of verbs.
func twiml(verbs ...twilio.Verb) events.APIGatewayV2HTTPResponse {
	return apigw.XML(http.StatusOK, twilio.TwiML(verbs...))
}
