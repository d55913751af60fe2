package polite

import "time"

// Recipient is the person one contact reaches, as far as their hours go.
type Recipient struct {
	// Phone is the number contacted, in E.164.
	Phone string
	// Zones are the time zones the number (or the person) is in. No zones
	// means UTC; nil zones are ignored.
	Zones []*time.Location
	// Region is the ISO 3166-2 code of the order's shipping or billing
	// address ("US-FL"), or "" when unknown.
	Region string
}

// Reason says which rule decided a Verdict.
type Reason string

// The reasons a contact may not be made at an instant.
const (
	// ReasonOpen: the instant is inside every rule.
	ReasonOpen Reason = ""
	// ReasonWindow: outside the configured window (shop's or staff shift).
	ReasonWindow Reason = "window"
	// ReasonNoPoliteTime: the rules leave no polite instant in the
	// recipient's zones within the search horizon.
	ReasonNoPoliteTime Reason = "no_polite_time"
)

// Hours are the hours in which one kind of contact may be made: the
// configured window, narrowed by the legal hours and every other rule that
// applies to the recipient.
type Hours struct {
	// Window is the configured window (the shop's, or a staff member's
	// shift). It is clamped to the legal hours.
	Window Window
}

// Verdict is what Hours answers for one recipient at one instant.
type Verdict struct {
	// Open is true when the instant is inside every rule.
	Open bool
	// Until, when Open, is when the hours close (the earliest over the
	// recipient's zones).
	Until time.Time
	// Next, when not Open, is the earliest instant inside every rule; zero
	// with ReasonNoPoliteTime.
	Next time.Time
	// Reason is the rule that closed the instant (ReasonOpen when Open).
	Reason Reason
	// Detail says more for people, e.g. which zone or rule.
	Detail string
}

// At tells whether a contact to r may be made at t, and if not, when it may.
func (h Hours) At(t time.Time, r Recipient) Verdict {
	zones := usable(r.Zones)
	w := h.Window.clamped()
	if w.empty() {
		return Verdict{Reason: ReasonNoPoliteTime, Detail: "the window is never open"}
	}
	if w.contains(t, zones) {
		until, _ := w.Until(t, zones)
		return Verdict{Open: true, Until: until}
	}
	next, ok := w.next(t, zones)
	if !ok {
		return Verdict{Reason: ReasonNoPoliteTime, Detail: "no time inside the window in every zone of " + ZoneNames(zones)}
	}
	return Verdict{Next: next, Reason: ReasonWindow}
}
