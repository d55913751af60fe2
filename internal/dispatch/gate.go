package dispatch

import (
	"context"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
)

// gate is the contact gate every send goes through: Handler.Gate, else
// one built from the handler's store, caps and Twilio adapter, which paces
// every request to Twilio at Rate (right before it, after the admission).
func (h *Handler) gate() *contact.Gate {
	h.gateOnce.Do(func() {
		if h.Gate != nil {
			h.builtGate = h.Gate
			return
		}
		g := &contact.Gate{Consent: h.Store, Caps: h.Caps, NumberCap: h.NumberCap, Sender: h.Sender, Pace: newLimiter(h.Rate).wait, OptOuts: h.Store}
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

// staffContact is a contact of kind with the staff member (or the shop's
// staff phone, in its hours) the task's call is assigned to.
func (j *job) staffContact(kind contact.Kind, to assignee) contact.Contact {
	t := j.t
	return contact.Contact{
		Kind: kind, To: to.phone, Member: to.member, Zones: []*time.Location{j.set.StaffZone}, Window: j.set.StaffHours,
		Customer: t.Order.Phone, Deadline: t.Deadline, Task: t.ID, For: &t,
	}
}

// act carries out a decision that is not Send on a claimed task: defer
// it, or end it with the decision's state and reason.
func (j *job) act(ctx context.Context, d contact.Decision) outcome {
	j.log = j.log.With("gate", d.Code, "rule", d.Rule)
	switch d.Outcome {
	case contact.Defer:
		return j.deferTo(ctx, d.At, d.Reason())
	case contact.Expire, contact.Refuse:
		return j.finish(ctx, d.Code.State(), d.Reason(), 0)
	}
	j.log.ErrorContext(ctx, "the contact gate gave no answer", "outcome", d.Outcome)
	return errored
}
