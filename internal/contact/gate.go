package contact

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/staff"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// Sender is the Twilio adapter's SMS method; refusals are errors wrapping
// *thankyou.SendError.
type Sender interface {
	SendSMS(ctx context.Context, to, body, statusCallback string) (sid string, err error)
}

// Caller is the Twilio adapter's call method.
type Caller interface {
	StartCall(ctx context.Context, to, from, twimlURL, statusCallback string, opts twilio.CallOptions) (sid string, err error)
}

// Gate decides every outbound contact and makes the allowed ones. Build
// one per handler; it is safe for concurrent use.
type Gate struct {
	// Consent reads opt-outs. It is required.
	Consent Consent
	// Caps keeps the caps' counts; nil counts nothing (no caps).
	Caps Caps
	// Privacy holds every contact for a task whose shop's or customer's
	// erasure is pending, from the moment the request is recorded (nil:
	// no erasure requests are kept, as in tests of other rules).
	Privacy Privacy
	// NumberCap caps thank-you contacts per number across the deployment;
	// zero means DefaultNumberCap. A state's legal cap (LegalCap), when
	// lower, wins.
	NumberCap Cap
	// LegalCap is the legal cap for a recipient (ok false: none known);
	// the gate never allows more than it. Nil means StateCap: the caps of
	// the US state rules (polite.LegalCap), which configuration cannot
	// lift.
	LegalCap func(r polite.Recipient) (Cap, bool)
	// Sender and Caller are the Twilio adapter.
	Sender Sender
	Caller Caller
	// Observe, when set, sees every decision (counts, tests).
	Observe func(Contact, Decision)
	// Pace, when set, is waited on after a contact is admitted and right
	// before the adapter's request (SendText, PlaceCall): a send rate is
	// kept at the moment Twilio is asked, however long the admission's
	// write took. When it returns an error (the caller's context ended
	// while it waited) nothing is sent: the decision is Send and the error
	// wraps ErrNotSent and Pace's. The contact's slots under the caps stay
	// taken by its task, which keeps them when it is admitted again.
	Pace func(ctx context.Context) error
	// OptOuts records the opt-out of a number Twilio refuses a contact to
	// because it unsubscribed from the sender (a STOP this service did not
	// see), so that nothing else, a call included, goes to it (nil: not
	// recorded).
	OptOuts OptOutRecorder
}

// OptOutRecorder records that phone opted out, with keyword.
type OptOutRecorder interface {
	SetOptOut(ctx context.Context, phone, keyword string, now time.Time) error
}

// ErrNotSent is the error of a contact admitted but not made because the
// wait for its turn (Gate.Pace) ended first: nothing reached Twilio.
var ErrNotSent = errors.New("contact gate: admitted, not sent")

// Check decides c at now on everything but the caps, and takes nothing:
// for a question such as "may this customer be put on a call list?" or
// "may the customer be called now?". An error means a rule could not be
// read (the caller retries later); the decision is then zero.
func (g *Gate) Check(ctx context.Context, c Contact, now time.Time) (Decision, error) {
	d, err := g.check(ctx, c, now)
	if err != nil {
		return Decision{}, err
	}
	g.observe(c, d)
	return d, nil
}

// Admit decides c at now and, when it may be made, takes its slots under
// the caps: after Admit says Send, the caller makes the contact by other
// means than the adapter (the bridge's <Dial> of the customer).
//
// A capped contact (a thank-you) is admitted by the number's one write
// (Caps.AdmitNumber), which also checks the number's opt-out and records
// where a reply from it goes: the gate reads that opt-out itself only when
// the contact is not sent now (so that it is refused, not deferred) or
// when the shop's customer cap is taken first.
func (g *Gate) Admit(ctx context.Context, c Contact, now time.Time) (Decision, error) {
	d, err := g.admit(ctx, c, now)
	if err != nil {
		return Decision{}, err
	}
	g.observe(c, d)
	return d, nil
}

func (g *Gate) admit(ctx context.Context, c Contact, now time.Time) (Decision, error) {
	if g.Caps == nil || !c.Kind.capped() || c.customerCapped() {
		d, err := g.check(ctx, c, now)
		if err != nil || d.Outcome != Send {
			return d, err
		}
		return g.take(ctx, c, now, d)
	}
	d, done, err := g.first(ctx, c, now)
	if err != nil || done {
		return d, err
	}
	if d = g.last(c, now); d.Outcome != Send {
		return g.consent(ctx, c, d)
	}
	return g.take(ctx, c, now, d)
}

// SendText admits c at now and, when allowed, sends body to c.To when its
// turn comes (Pace). When the decision is not Send nothing is sent and sid
// is "". A send error wraps the adapter's (a *thankyou.SendError for a
// refusal), or ErrNotSent.
func (g *Gate) SendText(ctx context.Context, c Contact, now time.Time, body, statusCallback string) (Decision, string, error) {
	d, err := g.Admit(ctx, c, now)
	if err != nil || d.Outcome != Send {
		return d, "", err
	}
	if err := g.pace(ctx); err != nil {
		return d, "", err
	}
	sid, err := g.Sender.SendSMS(ctx, c.To, body, statusCallback)
	return d, sid, g.refused(ctx, c.To, now, err)
}

// PlaceCall admits c at now and, when allowed, asks Twilio to call c.To
// when its turn comes (Pace; see twilio.Client.StartCall).
func (g *Gate) PlaceCall(ctx context.Context, c Contact, now time.Time, from, twimlURL, statusCallback string, opts twilio.CallOptions) (Decision, string, error) {
	d, err := g.Admit(ctx, c, now)
	if err != nil || d.Outcome != Send {
		return d, "", err
	}
	if err := g.pace(ctx); err != nil {
		return d, "", err
	}
	sid, err := g.Caller.StartCall(ctx, c.To, from, twimlURL, statusCallback, opts)
	return d, sid, g.refused(ctx, c.To, now, err)
}

// refused returns the adapter's error err of a contact to phone, after
// recording the number's opt-out (OptOuts) when Twilio refused it as
// unsubscribed; a failure to record it is joined to err.
func (g *Gate) refused(ctx context.Context, phone string, now time.Time, err error) error {
	var se *thankyou.SendError
	if err == nil || g.OptOuts == nil || !errors.As(err, &se) || !twilio.ErrorCode(se.Code).OptedOut() {
		return err
	}
	if rerr := g.OptOuts.SetOptOut(ctx, phone, twilio.ErrorCode(se.Code).Reason(), now); rerr != nil {
		return errors.Join(err, fmt.Errorf("contact gate: record the opt-out Twilio reported: %w", rerr))
	}
	return err
}

// pace waits for the contact's turn (Pace), if any.
func (g *Gate) pace(ctx context.Context) error {
	if g.Pace == nil {
		return nil
	}
	if err := g.Pace(ctx); err != nil {
		return fmt.Errorf("%w: %w", ErrNotSent, err)
	}
	return nil
}

// OptedOut reports whether phone may not be contacted at all (it opted
// out): the consent rule alone, for choosing whom to ask, such as the next
// staff member to take a call.
func (g *Gate) OptedOut(ctx context.Context, phone string) (bool, error) {
	return g.Consent.OptedOut(ctx, phone)
}

func (g *Gate) observe(c Contact, d Decision) {
	if g.Observe != nil {
		g.Observe(c, d)
	}
}

// check applies the rules in order: number, deadline, consent, hours.
func (g *Gate) check(ctx context.Context, c Contact, now time.Time) (Decision, error) {
	d, done, err := g.first(ctx, c, now)
	if err != nil || done {
		return d, err
	}
	return g.consent(ctx, c, g.last(c, now))
}

// first applies the rules before the consent of the number contacted:
// number, privacy hold, deadline, the customer's consent for a staff
// contact. done says one decided.
func (g *Gate) first(ctx context.Context, c Contact, now time.Time) (d Decision, done bool, err error) {
	if c.To == "" {
		return Decision{Outcome: Refuse, Code: CodeNoNumber}, true, nil
	}
	if g.Privacy != nil && c.For != nil {
		held, err := g.Privacy.PrivacyHold(ctx, *c.For)
		if err != nil {
			return Decision{}, true, fmt.Errorf("contact gate: privacy hold: %w", err)
		}
		if held {
			return Decision{Outcome: Refuse, Code: CodePrivacyHold}, true, nil
		}
	}
	if !c.Deadline.IsZero() && now.After(c.Deadline) {
		return Decision{Outcome: Expire, Code: CodePastDeadline, Detail: c.Deadline.UTC().Format(time.RFC3339)}, true, nil
	}
	if c.Customer != "" && c.Customer != c.To {
		out, err := g.Consent.OptedOut(ctx, c.Customer)
		if err != nil {
			return Decision{}, true, fmt.Errorf("contact gate: customer's opt-out %s: %w", phone.Mask(c.Customer), err)
		}
		if out {
			return Decision{Outcome: Refuse, Code: CodeCustomerOptedOut}, true, nil
		}
	}
	return Decision{}, false, nil
}

// consent is the consent of the number contacted, which comes before
// the rules that decided d (last): a number that opted out is refused.
func (g *Gate) consent(ctx context.Context, c Contact, d Decision) (Decision, error) {
	out, err := g.Consent.OptedOut(ctx, c.To)
	if err != nil {
		return Decision{}, fmt.Errorf("contact gate: opt-out %s: %w", phone.Mask(c.To), err)
	}
	if out {
		return Decision{Outcome: Refuse, Code: CodeOptedOut}, nil
	}
	return d, nil
}

// last applies the rules after consent: the shop's voice consent, then
// the hours.
func (g *Gate) last(c Contact, now time.Time) Decision {
	if c.Kind == KindCall && !c.VoiceConsent {
		return Decision{Outcome: Refuse, Code: CodeNoVoiceConsent}
	}
	return g.hours(c, now)
}

// hours asks polite.Hours, the one hours check, with the recipient's
// window: a roster member's shift, else c.Window.
func (g *Gate) hours(c Contact, now time.Time) Decision {
	if c.Kind.requested() {
		return Decision{Outcome: Send, Code: CodeOK}
	}
	w, zones := c.Window, c.Zones
	if c.Member != nil {
		sw, loc, ok := staff.Shift(*c.Member)
		if !ok || !c.Member.Active {
			return Decision{Outcome: Refuse, Code: CodeOffShift}
		}
		w, zones = sw, []*time.Location{loc}
	}
	// A customer's hours are the law's where they live; staff (a roster
	// member or the shop's phone) are timed by their shift alone, within
	// the federal hours, and the shop's closed dates.
	rcpt := polite.Recipient{Zones: zones}
	if c.Kind.toCustomer() {
		rcpt = polite.Recipient{Phone: c.To, Zones: zones, Region: c.Region, Country: c.Country}
	}
	v := polite.Hours{Window: w, Closed: c.Closed}.At(now, rcpt)
	switch {
	case v.Open:
		return Decision{Outcome: Send, Code: CodeOK, Until: v.Until}
	case v.Reason == polite.ReasonNoPoliteTime || v.Next.IsZero():
		return Decision{Outcome: Expire, Code: CodeNoPoliteTime, Rule: v.Reason, Detail: v.Detail}
	case !c.Deadline.IsZero() && v.Next.After(c.Deadline):
		return Decision{Outcome: Expire, Code: CodeNoTimeBeforeDeadline, Rule: v.Reason, At: v.Next, Detail: v.Detail}
	}
	return Decision{Outcome: Defer, Code: CodeOutsideHours, Rule: v.Reason, At: v.Next, Detail: v.Detail}
}

// take takes c's slots under the caps: the customer's frequency cap at
// the shop first (a refusal), then the number's cap on the number's item,
// whose write also refuses a number that opted out (a deferral until a
// slot frees, or a refusal).
func (g *Gate) take(ctx context.Context, c Contact, now time.Time, d Decision) (Decision, error) {
	if g.Caps == nil || !c.Kind.capped() {
		return d, nil
	}
	if c.customerCapped() {
		ok, _, err := g.Caps.TakeSlot(ctx, CustomerCapKey(c.CustomerKey), c.Task, 1, c.CustomerCap, now)
		if err != nil {
			return Decision{}, fmt.Errorf("contact gate: customer cap: %w", err)
		}
		if !ok {
			return Decision{Outcome: Refuse, Code: CodeCustomerCap}, nil
		}
	}
	limit := g.numberCap(c)
	ok, optedOut, free, err := g.Caps.AdmitNumber(ctx, c.To, c.Task, limit.Max, limit.Per, now)
	if err != nil {
		return Decision{}, fmt.Errorf("contact gate: number cap %s: %w", phone.Mask(c.To), err)
	}
	switch {
	case ok:
		return d, nil
	case optedOut:
		return Decision{Outcome: Refuse, Code: CodeOptedOut}, nil
	}
	detail := fmt.Sprintf("%d per %s", limit.Max, limit.Per)
	if !c.Deadline.IsZero() && free.After(c.Deadline) {
		return Decision{Outcome: Expire, Code: CodeNumberCap, At: free, Detail: detail}, nil
	}
	return Decision{Outcome: Defer, Code: CodeNumberCap, At: free, Detail: detail}, nil
}

// StateCap is the legal cap of the recipient's US state rules (a number
// of contacts per 24 hours), when one applies.
func StateCap(r polite.Recipient) (Cap, bool) {
	n := polite.LegalCap(r)
	return Cap{Max: n, Per: 24 * time.Hour}, n > 0
}

// numberCap is the configured cap, never above the recipient's legal cap.
func (g *Gate) numberCap(c Contact) Cap {
	limit := g.NumberCap
	if limit.Max <= 0 || limit.Per <= 0 {
		limit = DefaultNumberCap
	}
	legalCap := g.LegalCap
	if legalCap == nil {
		legalCap = StateCap
	}
	if legal, ok := legalCap(polite.Recipient{Phone: c.To, Zones: c.Zones, Region: c.Region, Country: c.Country}); ok && legal.Max > 0 {
		// Fewer contacts over a period at least as long is stricter.
		limit.Max = min(limit.Max, legal.Max)
		limit.Per = max(limit.Per, legal.Per)
	}
	return limit
}
