package twiliohook

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// gate is the contact gate the webhook's own contacts go through (the
// bridge's two legs, the note to staff after it): Handler.Gate, else one
// built from the store's opt-outs, Caps and the Twilio adapter.
func (h *Handler) gate() *contact.Gate {
	h.gateOnce.Do(func() {
		if h.Gate != nil {
			h.builtGate = h.Gate
			return
		}
		g := &contact.Gate{Consent: h.Store, Caps: h.Caps, NumberCap: h.NumberCap}
		if h.Privacy != nil {
			g.Privacy = h.Privacy
		}
		if h.Twilio != nil {
			g.Sender, g.Caller = h.Twilio, h.Twilio
		}
		h.builtGate = g
	})
	return h.builtGate
}

// customer is the customer's side of t's settings (nothing read).
func (h *Handler) customer(t thankyou.Task) settings.Task {
	return h.Settings.Of(t, nil)
}

// settingsOf resolves t's settings with its stored shop (the staff
// phone's hours): a shop that cannot be read gets the deployment's.
func (h *Handler) settingsOf(ctx context.Context, t thankyou.Task, log *slog.Logger) settings.Task {
	s, err := h.Settings.Read(ctx, h.Calls, t)
	if err != nil {
		log.WarnContext(ctx, "reading the task's shop failed: the deployment's staff hours apply", "error", err)
	}
	if s.Unreadable != nil {
		log.WarnContext(ctx, "unreadable settings replaced by the deployment's", "error", s.Unreadable)
	}
	return s
}

// bridgeCustomer is the bridge's leg to the task's customer, within the
// thank-you's deadline.
func (h *Handler) bridgeCustomer(t thankyou.Task) contact.Contact {
	return h.customer(t).Customer(t, contact.KindBridgeCustomer)
}

// callRefused answers a CALL the gate did not allow for the customer:
// nothing is dialled. An opted-out customer's call closes opted_out;
// outside their hours the staff member is told when they may be called.
func (h *Handler) callRefused(ctx context.Context, from string, t thankyou.Task, d contact.Decision, now time.Time, log *slog.Logger) (events.APIGatewayV2HTTPResponse, error) {
	who, num := firstName(t), orderNumber(t)
	log = log.With("gate", d.Code, "rule", d.Rule)
	switch {
	case d.Code == contact.CodeOptedOut || d.Code == contact.CodeCustomerOptedOut:
		if _, err := h.Calls.CloseCall(ctx, t.ID, from, thankyou.StateOptedOut, d.Reason(), now); err != nil {
			return h.staffConflict(ctx, err, num, log)
		}
		log.InfoContext(ctx, "CALL for a customer who opted out: nothing dialled, the call is closed")
		return messageTwiML(fmt.Sprintf("%s (order %s) has opted out of contact: nothing was dialled and the call is closed.", who, num)), nil
	case d.Code == contact.CodePrivacyHold:
		if _, err := h.Calls.CloseCall(ctx, t.ID, from, thankyou.StateSkipped, d.Reason(), now); err != nil {
			return h.staffConflict(ctx, err, num, log)
		}
		log.InfoContext(ctx, "CALL for a customer whose data is being erased: nothing dialled, the call is closed")
		return messageTwiML(fmt.Sprintf("Order %s: the customer's data is being erased at their or the shop's request, so nothing was dialled and the call is closed.", num)), nil
	case d.Outcome == contact.Defer && d.Code == contact.CodeOutsideHours:
		log.InfoContext(ctx, "CALL outside the customer's hours: nothing dialled", "next", d.At)
		return messageTwiML(OutsideHoursText(who, now, d.At, h.customer(t).Zones[0])), nil
	default:
		log.InfoContext(ctx, "CALL not allowed: nothing dialled", "why", d.Reason())
		return messageTwiML(fmt.Sprintf("%s (order %s) cannot be called now: %s. Reply LATER %s or SKIP %s.", who, num, d.Reason(), num, num)), nil
	}
}

// OutsideHoursText tells a staff member that the customer may not be
// called now and from when, on the customer's clock in zone: "It is 02:10
// for Jane; Jane can be called from 08:00 their time. Reply LATER or SKIP."
func OutsideHoursText(who string, now, next time.Time, zone *time.Location) string {
	n, x := now.In(zone), next.In(zone)
	from := x.Format("15:04")
	if y1, m1, d1 := n.Date(); x.Day() != d1 || x.Month() != m1 || x.Year() != y1 {
		from = x.Format("Mon 15:04")
	}
	return fmt.Sprintf("It is %s for %s; %s can be called from %s their time. Reply LATER or SKIP.", n.Format("15:04"), who, who, from)
}

// staffStopped carries out a STOP from a staff number (a roster member or
// the shop's staff phone): it opts them out of reminders only. Their open
// calls are made due now, so the dispatcher's next run hands each to the
// next member on duty (an opted-out number is never assigned); the
// customers' tasks go on and never end opted_out because of it.
func (h *Handler) staffStopped(ctx context.Context, from string, log *slog.Logger) error {
	if h.Calls == nil {
		return nil
	}
	members, calls, err := h.staffContext(ctx, from)
	if err != nil {
		return err
	}
	if len(members) == 0 && len(calls) == 0 {
		return nil
	}
	now := h.Now()
	moved := 0
	for _, t := range calls {
		if t.State != thankyou.StateReminded {
			continue // pending or being sent: the dispatcher sees the opt-out when it claims it
		}
		if _, err := h.Calls.Snooze(ctx, t.ID, from, now, now); err != nil {
			if c := thankyou.ErrorCode(err); c == thankyou.ECONFLICT || c == thankyou.ENOTFOUND {
				continue // closed meanwhile
			}
			return thankyou.WrapError(thankyou.EINTERNAL, "could not hand on the staff member's calls", err)
		}
		moved++
	}
	log.InfoContext(ctx, "staff member opted out of reminders: open calls handed on", "roster", len(members), "calls", moved)
	return nil
}
