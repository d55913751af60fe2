package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
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
		if h.Privacy != nil {
			g.Privacy = h.Privacy
		}
		if h.Caller != nil {
			g.Caller = h.Caller
		}
		h.builtGate = g
	})
	return h.builtGate
}

// customerContact is a contact of kind with the task's customer: their
// number, zones, region and the shop's window, the task's deadline and caps.
func (h *Handler) customerContact(t thankyou.Task, kind contact.Kind, window thankyou.Window, zones []*time.Location) contact.Contact {
	to := t.Recipient
	if t.Channel == thankyou.ChannelStaff {
		to = t.Order.Phone
	}
	hours, rcpt := h.hoursOf(t, window, zones, h.Logger)
	c := contact.Contact{
		Kind: kind, To: to, Zones: rcpt.Zones, Region: rcpt.Region, Country: rcpt.Country,
		Window: window, Closed: hours.Closed,
		VoiceConsent: t.Voice.Consent, Deadline: t.Deadline, Task: t.ID, For: &t,
	}
	if t.CapDays > 0 && t.Order.Phone != "" {
		// The customer at the shop (the store keeps only a hash of it).
		c.CustomerKey = thankyou.TaskID(t.Order.Source, t.Order.Shop, t.Order.Phone)
		c.CustomerCap = time.Duration(t.CapDays) * 24 * time.Hour
	}
	return c
}

// staffContact is a contact of kind with the staff member (or the shop's
// staff phone) a task's call is assigned to.
func (h *Handler) staffContact(t thankyou.Task, kind contact.Kind, to assignee) contact.Contact {
	hours, zone := to.staffHours(h)
	return contact.Contact{
		Kind: kind, To: to.phone, Member: to.member, Zones: []*time.Location{zone}, Window: hours,
		Customer: t.Order.Phone, Deadline: t.Deadline, Task: t.ID, For: &t,
	}
}

// staffHours are the hours and zone of a shop's staff phone assignee:
// its shop's, else the deployment's.
func (a assignee) staffHours(h *Handler) (thankyou.Window, *time.Location) {
	hours, zone := a.hours, a.zone
	if hours == (thankyou.Window{}) {
		hours = h.staffWindow()
	}
	if zone == nil {
		zone = h.zone()
	}
	return hours, zone
}

// shopStaffHours reads the hours and zone of the task's shop's staff
// phone from its stored settings; zero values (the deployment's) for a
// shop configured by environment, or with no hours of its own.
func (h *Handler) shopStaffHours(ctx context.Context, t thankyou.Task) (thankyou.Window, *time.Location, error) {
	if h.Calls == nil {
		return thankyou.Window{}, nil, nil
	}
	sh, err := h.Calls.GetShop(ctx, t.Order.Source, t.Order.Shop)
	if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
		return thankyou.Window{}, nil, nil
	}
	if err != nil {
		return thankyou.Window{}, nil, err
	}
	var zone *time.Location
	if sh.TimeZone != "" {
		if zone, err = time.LoadLocation(sh.TimeZone); err != nil {
			zone = nil
		}
	}
	return sh.StaffHours, zone, nil
}

// staffWindow is the hours of the shop's default staff phone.
func (h *Handler) staffWindow() thankyou.Window {
	if h.StaffWindow == (thankyou.Window{}) {
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
