package twiliohook

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// Calls is what the handler needs of the store for staff replies and calls.
type Calls interface {
	GetTask(ctx context.Context, id string) (thankyou.Task, error)
	StaffByPhone(ctx context.Context, phone string) ([]thankyou.StaffMember, error)
	OpenCalls(ctx context.Context, phone string) ([]thankyou.Task, error)
	CloseCall(ctx context.Context, id, phone string, state thankyou.State, note string, now time.Time) (thankyou.Task, error)
	Snooze(ctx context.Context, id, phone string, due, now time.Time) (thankyou.Task, error)
	RecordBridge(ctx context.Context, id, phone, callSid string, now time.Time) error
	// GetShop reads a stored shop's settings (its staff phone's hours).
	GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error)
	RecordCallStatus(ctx context.Context, id, callSid string, o thankyou.CallOutcome, now time.Time) (thankyou.Task, error)
	FinishVoiceCall(ctx context.Context, id, callSid string, o thankyou.CallOutcome, answered bool, now time.Time) (thankyou.Task, error)
}

// Twilio is what the handler asks of Twilio itself: the click-to-call
// bridge's call to the staff member, and an SMS that is not a reply.
type Twilio interface {
	SendSMS(ctx context.Context, to, body, statusCallback string) (sid string, err error)
	StartCall(ctx context.Context, to, from, twimlURL, statusCallback string, opts twilio.CallOptions) (sid string, err error)
}

// BridgeRingTimeout is how long the bridge lets each phone ring: the staff
// member's, then the customer's.
const BridgeRingTimeout = 30 * time.Second

// staffContext returns the roster entries and open calls of a number; the
// number is a staff number when it has either.
func (h *Handler) staffContext(ctx context.Context, from string) ([]thankyou.StaffMember, []thankyou.Task, error) {
	members, err := h.Calls.StaffByPhone(ctx, from)
	if err != nil {
		return nil, nil, thankyou.WrapError(thankyou.EINTERNAL, "could not look up the staff roster", err)
	}
	calls, err := h.Calls.OpenCalls(ctx, from)
	if err != nil {
		return nil, nil, thankyou.WrapError(thankyou.EINTERNAL, "could not read the open calls", err)
	}
	return members, calls, nil
}

// staffReply answers a staff member's SMS about their open calls.
func (h *Handler) staffReply(ctx context.Context, req events.APIGatewayV2HTTPRequest, from string, members []thankyou.StaffMember, calls []thankyou.Task, cmd inbound.Command, log *slog.Logger) (events.APIGatewayV2HTTPResponse, error) {
	log = log.With("staff", true, "verb", cmd.Verb, "openCalls", len(calls))
	switch cmd.Verb {
	case inbound.Unclear:
		log.InfoContext(ctx, "staff reply not understood: help sent")
		if cmd.Problem != "" {
			return messageTwiML(cmd.Problem + ". " + inbound.StaffHelp), nil
		}
		return messageTwiML(inbound.StaffHelp), nil
	case inbound.List:
		log.InfoContext(ctx, "staff asked for their open calls")
		return messageTwiML(listText(calls)), nil
	case inbound.Reply:
		// staffAnswer found no reply of that order forwarded here.
		log.InfoContext(ctx, "REPLY names no reply forwarded to this number")
		return messageTwiML(fmt.Sprintf("No reply from the customer of order %s was forwarded to you: nothing was sent.", cmd.Order)), nil
	}
	t, ok := pickCall(calls, cmd.Order)
	if !ok {
		log.InfoContext(ctx, "staff reply names no open call")
		if cmd.Order != "" {
			return messageTwiML(fmt.Sprintf("You have no open call for order %s. Reply %s to see yours.", cmd.Order, inbound.WordList)), nil
		}
		return messageTwiML("You have no open calls. Thank you!"), nil
	}
	log = log.With("task", t.ID)
	who := firstName(t)
	num := orderNumber(t)
	now := h.Now()
	switch cmd.Verb {
	case inbound.Done, inbound.Skip:
		state, what := thankyou.StateCalled, "done"
		if cmd.Verb == inbound.Skip {
			state, what = thankyou.StateSkipped, "skipped"
		}
		if _, err := h.Calls.CloseCall(ctx, t.ID, from, state, cmd.Note, now); err != nil {
			return h.staffConflict(ctx, err, num, log)
		}
		if state == thankyou.StateCalled {
			h.Metrics.Count(metrics.CallsCompleted, 1)
		}
		log.InfoContext(ctx, "staff closed the call", "state", state)
		return messageTwiML(fmt.Sprintf("Thanks! Order %s (%s) is marked %s.%s", num, who, what, more(len(calls)-1))), nil
	case inbound.Later:
		due, zone := snoozeUntil(t, h.settingsOf(ctx, t, log), memberFor(members, t), cmd, now)
		if _, err := h.Calls.Snooze(ctx, t.ID, from, due, now); err != nil {
			return h.staffConflict(ctx, err, num, log)
		}
		log.InfoContext(ctx, "staff snoozed the call", "due", due)
		return messageTwiML(fmt.Sprintf("OK, I will remind you about order %s (%s) %s.", num, who, when(due, now, zone))), nil
	case inbound.Call:
		return h.startBridge(ctx, req, from, t, log)
	}
	return messageTwiML(inbound.StaffHelp), nil
}

// staffConflict answers a reply whose call closed meanwhile.
func (h *Handler) staffConflict(ctx context.Context, err error, num string, log *slog.Logger) (events.APIGatewayV2HTTPResponse, error) {
	if c := thankyou.ErrorCode(err); c == thankyou.ECONFLICT || c == thankyou.ENOTFOUND {
		log.InfoContext(ctx, "staff reply on a call that is no longer open", "why", thankyou.ErrorMessage(err))
		return messageTwiML(fmt.Sprintf("Order %s is no longer open for you. Reply %s to see your calls.", num, inbound.WordList)), nil
	}
	return events.APIGatewayV2HTTPResponse{}, thankyou.WrapError(thankyou.EINTERNAL, "could not record the staff reply", err)
}

// startBridge asks Twilio to call the staff member; when they answer,
// Twilio fetches the bridge TwiML, which dials the customer with the shop's
// number as caller id.
func (h *Handler) startBridge(ctx context.Context, req events.APIGatewayV2HTTPRequest, from string, t thankyou.Task, log *slog.Logger) (events.APIGatewayV2HTTPResponse, error) {
	if h.Twilio == nil {
		return messageTwiML("Click-to-call is not set up for this shop: please call the customer from your phone."), nil
	}
	// The customer's consent and hours now, before anyone is dialled.
	now := h.Now()
	d, err := h.gate().Check(ctx, h.bridgeCustomer(t), now)
	if err != nil {
		log.ErrorContext(ctx, "checking the customer before the bridge failed", "error", err)
		return messageTwiML("Sorry, the call could not be started. Try CALL again in a minute."), nil
	}
	if d.Outcome != contact.Send {
		return h.callRefused(ctx, from, t, d, now, log)
	}
	base := h.baseURL(req)
	staffLeg := contact.Contact{Kind: contact.KindBridgeStaff, To: from, Customer: t.Order.Phone, Task: t.ID, For: &t}
	d, sid, err := h.gate().PlaceCall(ctx, staffLeg, now, "", config.TaskURL(base, config.BridgePath, t.ID),
		config.TaskURL(base, config.CallStatusPath, t.ID), twilio.CallOptions{Timeout: BridgeRingTimeout})
	if err == nil && d.Outcome != contact.Send {
		log.InfoContext(ctx, "the staff leg of the bridge is not allowed: nothing dialled", "gate", d.Code)
		if d.Code == contact.CodeOptedOut {
			return messageTwiML("You opted out of messages from this number: reply START to use CALL again."), nil
		}
		return h.callRefused(ctx, from, t, d, now, log)
	}
	if err != nil {
		log.ErrorContext(ctx, "starting the click-to-call bridge failed", "error", err)
		return messageTwiML("Sorry, the call could not be started. Try " + inbound.WordCall + " again in a minute, or call the customer from your phone."), nil
	}
	if err := h.Calls.RecordBridge(ctx, t.ID, from, sid, h.Now()); err != nil {
		log.ErrorContext(ctx, "bridge started but not recorded", "sid", sid, "error", err)
	}
	log.InfoContext(ctx, "click-to-call bridge started", "sid", sid)
	return messageTwiML(fmt.Sprintf("Calling you now: answer to be connected to %s (order %s). They will see the shop's number.", firstName(t), orderNumber(t))), nil
}

// snoozeUntil is when a LATER reply's reminder for task t comes back:
// after the delay (or tomorrow, on the staff member's clock), at the first
// moment the dispatcher may send it: the staff member m on duty (the shop's
// staff phone's hours when m is nil) and the customer inside the task's
// hours, both as resolved in set. It returns the staff member's zone too.
func snoozeUntil(t thankyou.Task, set settings.Task, m *thankyou.StaffMember, cmd inbound.Command, now time.Time) (time.Time, *time.Location) {
	zone := set.StaffZoneOf(m)
	at := now.Add(cmd.Snooze)
	if cmd.Tomorrow {
		y, mo, d := now.In(zone).Date()
		at = time.Date(y, mo, d+1, 0, 0, 0, 0, zone)
	}
	return set.NextReminder(t, m, at).UTC().Truncate(time.Second), zone
}

// when says a snooze time on the staff member's clock (zone): "at 14:30",
// or "on Tue at 09:00" for another day.
func when(due, now time.Time, zone *time.Location) string {
	d, n := due.In(zone), now.In(zone)
	if d.YearDay() == n.YearDay() && d.Year() == n.Year() {
		return "at " + d.Format("15:04")
	}
	return "on " + d.Format("Mon") + " at " + d.Format("15:04")
}

// memberFor finds the roster entry a call is assigned to.
func memberFor(members []thankyou.StaffMember, t thankyou.Task) *thankyou.StaffMember {
	i := slices.IndexFunc(members, func(m thankyou.StaffMember) bool {
		return m.ID == t.Staff.MemberID && m.Source == t.Order.Source && m.ShopID == t.Order.Shop
	})
	if i < 0 {
		return nil
	}
	return &members[i]
}

// pickCall picks the call a reply is about: the one with order number
// order, else the newest reminder (calls come newest first).
func pickCall(calls []thankyou.Task, order string) (thankyou.Task, bool) {
	if len(calls) == 0 {
		return thankyou.Task{}, false
	}
	if order == "" {
		return calls[0], true
	}
	for _, t := range calls {
		if orderNumber(t) == order {
			return t, true
		}
	}
	return thankyou.Task{}, false
}

// maxListed bounds the calls LIST names in its one-segment-ish answer.
const maxListed = 5

// listText answers LIST: the open calls, newest first, with the numbers
// to call (the answer goes only to the staff member they are assigned to).
func listText(calls []thankyou.Task) string {
	if len(calls) == 0 {
		return "You have no open calls. Thank you!"
	}
	return message.CallList("", calls, maxListed, true) + "\nReply " + inbound.ReplyWords + " with the order number."
}

func more(n int) string {
	switch {
	case n <= 0:
		return ""
	case n == 1:
		return " 1 more open call: reply " + inbound.WordList + "."
	default:
		return fmt.Sprintf(" %d more open calls: reply %s.", n, inbound.WordList)
	}
}

func orderNumber(t thankyou.Task) string { return message.OrderNumber(t.Order) }

func firstName(t thankyou.Task) string { return message.FirstName(t.Order) }
