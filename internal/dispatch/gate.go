package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// gate is the contact gate every send goes through: Handler.Gate, else
// one built from the handler's store, caps and Twilio adapter.
func (h *Handler) gate() *contact.Gate {
	h.gateOnce.Do(func() {
		if h.Gate != nil {
			h.builtGate = h.Gate
			return
		}
		g := &contact.Gate{Consent: h.Store, Caps: h.Caps, NumberCap: h.NumberCap, Sender: h.Sender}
		if h.Caller != nil {
			g.Caller = h.Caller
		}
		h.builtGate = g
	})
	return h.builtGate
}

// customerContact is a contact of kind with the task's customer: their
// number, zones, region and the shop's window, the task's deadline and caps.
func (h *Handler) customerContact(t thankyou.Task, kind contact.Kind, window polite.Window, zones []*time.Location) contact.Contact {
	to := t.Recipient
	if t.Channel == thankyou.ChannelStaff {
		to = t.Order.Phone
	}
	hours, rcpt := h.hoursOf(t, window, zones, h.Logger)
	return contact.Contact{
		Kind: kind, To: to, Zones: rcpt.Zones, Region: rcpt.Region, Country: rcpt.Country,
		Window: window, Closed: hours.Closed,
		VoiceConsent: t.Voice.Consent, Deadline: t.Deadline, Task: t.ID,
	}
}

// staffContact is a contact of kind with the staff member (or the shop's
// staff phone) a task's call is assigned to.
func (h *Handler) staffContact(t thankyou.Task, kind contact.Kind, to assignee) contact.Contact {
	return contact.Contact{
		Kind: kind, To: to.phone, Member: to.member, Zones: []*time.Location{h.zone()}, Window: h.staffWindow(),
		Customer: t.Order.Phone, Deadline: t.Deadline, Task: t.ID,
	}
}

// staffWindow is the hours of the shop's default staff phone.
func (h *Handler) staffWindow() polite.Window {
	if h.StaffWindow == (polite.Window{}) {
		return contact.DefaultStaffWindow
	}
	return h.StaffWindow
}

// act carries out a decision that is not Send on a claimed task: defer
// it, or end it with the decision's state and reason.
func (h *Handler) act(ctx context.Context, owner string, t thankyou.Task, d contact.Decision, log *slog.Logger) outcome {
	log = log.With("gate", d.Code, "rule", d.Rule)
	switch d.Outcome {
	case contact.Defer:
		return h.deferTo(ctx, owner, t, d.At, d.Reason(), log)
	case contact.Expire, contact.Refuse:
		return h.finish(ctx, owner, t, d.Code.State(), d.Reason(), 0, log)
	}
	log.ErrorContext(ctx, "the contact gate gave no answer", "outcome", d.Outcome)
	return errored
}
