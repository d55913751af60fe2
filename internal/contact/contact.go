// Package contact is the one gate every outbound contact goes through
// before Twilio is asked to send or call: the thank-you SMS, the automated
// call and its SMS fallback, staff reminders, their follow-ups and digests,
// both legs of the click-to-call bridge, a customer's reply forwarded to
// staff and the staff member's answer to it.
//
// For one contact at one instant the gate answers send now, defer until a
// time, expire, or refuse, with a typed reason code. It checks, in this
// order: a number to contact, the deadline, consent (the number contacted,
// and for a staff contact the customer it is about; voice only with the
// shop's consent), the hours (polite.Hours.At: the configured window or the
// staff member's shift, narrowed by every legal rule), and, when it sends,
// the caps (per number across the deployment, per customer at the shop),
// each taken with a single-item conditional write so that concurrent sends
// cannot both pass.
//
// The gate wraps the Twilio adapter: it is the only code that calls its
// SendSMS and StartCall (a test lists the callers).
package contact

import (
	"context"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Kind is what a contact is, which decides the rules it is checked against.
type Kind string

// The kinds of contact.
const (
	// KindSMS is the thank-you SMS to the customer (also the SMS that
	// replaces an automated call).
	KindSMS Kind = "sms"
	// KindCall is the automated thank-you call to the customer.
	KindCall Kind = "call"
	// KindCallList is putting a customer on a staff call list: nobody is
	// contacted yet, but only a customer who may be called is listed.
	KindCallList Kind = "call_list"
	// KindStaffReminder is the first reminder to a staff member to call a
	// customer; KindFollowUp is one more, or one to a new assignee.
	KindStaffReminder Kind = "staff_reminder"
	KindFollowUp      Kind = "staff_follow_up"
	// KindDigest is a staff member's end-of-shift list of open calls.
	KindDigest Kind = "staff_digest"
	// KindBridgeStaff is the call to the staff member who replied CALL;
	// KindBridgeCustomer is the bridge's leg to the customer.
	KindBridgeStaff    Kind = "bridge_staff"
	KindBridgeCustomer Kind = "bridge_customer"
	// KindStaffNotice is a message to a staff member about a call they
	// just made (the customer did not answer).
	KindStaffNotice Kind = "staff_notice"
	// KindReplyForward is a customer's reply forwarded to the staff
	// member who owns the call (else the shop's staff phone): that
	// person's consent and hours (their shift, or the shop's staff
	// hours). The customer's opt-out does not stop it: a customer who
	// said STOP and then writes again is still heard by the shop.
	KindReplyForward Kind = "reply_forward"
	// KindReplyAnswer is a staff member's REPLY sent to the customer from
	// the shop's number: the customer's consent (never after STOP) and
	// polite hours, as for the thank-you. It takes no cap slot: it
	// answers a message the customer wrote, which the per-number cap on
	// unsolicited thank-yous is not about, and counting it would keep
	// the shop from answering a complaint for a day after the thank-you.
	KindReplyAnswer Kind = "reply_answer"
)

// Kinds lists every kind, for tests and counts.
var Kinds = []Kind{KindSMS, KindCall, KindCallList, KindStaffReminder, KindFollowUp, KindDigest, KindBridgeStaff, KindBridgeCustomer, KindStaffNotice,
	KindReplyForward, KindReplyAnswer}

// toCustomer reports whether the contact reaches (or lists) the customer,
// whose hours are the law's where they live.
func (k Kind) toCustomer() bool {
	return k == KindSMS || k == KindCall || k == KindCallList || k == KindBridgeCustomer || k == KindReplyAnswer
}

// requested reports whether the staff member asked for the contact just
// now (CALL, and what follows from it): consent applies, hours do not.
func (k Kind) requested() bool {
	return k == KindBridgeStaff || k == KindStaffNotice
}

// capped reports whether the contact counts against the caps: a thank-you
// that reaches the customer (not an answer the customer asked for:
// KindReplyAnswer).
func (k Kind) capped() bool {
	return k == KindSMS || k == KindCall || k == KindBridgeCustomer
}

// Outcome is the gate's answer.
type Outcome string

// The outcomes.
const (
	// Send: make the contact now.
	Send Outcome = "send"
	// Defer: not now; ask again at Decision.At.
	Defer Outcome = "defer"
	// Expire: never; the task ends expired with the reason.
	Expire Outcome = "expire"
	// Refuse: never to this number; the task ends with the code's state
	// (opted_out for a refused consent).
	Refuse Outcome = "refuse"
)

// Code is the reason for a decision, stable for logs, metrics and tests.
type Code string

// The reason codes, in the order the gate checks them.
const (
	// CodeOK: every rule allows the contact now.
	CodeOK Code = "ok"
	// CodeNoNumber: there is no number to contact.
	CodeNoNumber Code = "no_number"
	// CodePastDeadline: the task's deadline has passed.
	CodePastDeadline Code = "past_deadline"
	// CodeOptedOut: the number contacted opted out.
	CodeOptedOut Code = "opted_out"
	// CodeCustomerOptedOut: the customer a staff contact is about opted out.
	CodeCustomerOptedOut Code = "customer_opted_out"
	// CodeNoVoiceConsent: an automated call without the shop's consent.
	CodeNoVoiceConsent Code = "no_voice_consent"
	// CodeOffShift: the staff member is inactive or their hours do not
	// parse: never on duty.
	CodeOffShift Code = "off_shift"
	// CodeOutsideHours: outside the hours now; Decision.Rule says which.
	CodeOutsideHours Code = "outside_hours"
	// CodeNoPoliteTime: the recipient's zones share no polite time.
	CodeNoPoliteTime Code = "no_polite_time"
	// CodeNoTimeBeforeDeadline: the next polite time is after the deadline.
	CodeNoTimeBeforeDeadline Code = "no_time_before_deadline"
	// CodeNumberCap: the number had its contacts for the period.
	CodeNumberCap Code = "number_cap"
	// CodeCustomerCap: the customer was thanked within the shop's cap.
	CodeCustomerCap Code = "customer_cap"
	// CodePrivacyHold: an erasure of the shop's or the customer's data is
	// pending; nothing more is sent for them.
	CodePrivacyHold Code = "privacy_hold"
)

// Codes lists every code, for counts.
var Codes = []Code{CodeOK, CodeNoNumber, CodePastDeadline, CodeOptedOut, CodeCustomerOptedOut, CodeNoVoiceConsent,
	CodeOffShift, CodeOutsideHours, CodeNoPoliteTime, CodeNoTimeBeforeDeadline, CodeNumberCap, CodeCustomerCap, CodePrivacyHold}

// Text is the reason in words, as stored on a task.
func (c Code) Text() string {
	switch c {
	case CodeOK:
		return "allowed"
	case CodeNoNumber:
		return "no number to contact"
	case CodePastDeadline:
		return "not sent by its deadline"
	case CodeOptedOut:
		return "recipient opted out (STOP)"
	case CodeCustomerOptedOut:
		return "customer opted out (STOP)"
	case CodeNoVoiceConsent:
		return "automated calls are off for this shop (no consent)"
	case CodeOffShift:
		return "the staff member is not on duty (inactive or no readable hours)"
	case CodeOutsideHours:
		return "outside the recipient's hours"
	case CodeNoPoliteTime:
		return "no polite time for this number's time zones"
	case CodeNoTimeBeforeDeadline:
		return "no polite time left before its deadline"
	case CodeNumberCap:
		return "this number was contacted as often as allowed in the period"
	case CodeCustomerCap:
		return "thanked within the shop's frequency cap (checked again at send)"
	case CodePrivacyHold:
		return "privacy request pending"
	}
	return string(c)
}

// State is the final task state a decision that ends a task leads to.
func (c Code) State() thankyou.State {
	switch c {
	case CodeOptedOut, CodeCustomerOptedOut:
		return thankyou.StateOptedOut
	case CodeNoVoiceConsent, CodeNoNumber, CodeOffShift:
		return thankyou.StateFailed
	case CodeCustomerCap:
		return thankyou.StateSkipped
	case CodePrivacyHold:
		return thankyou.StateCancelled
	}
	return thankyou.StateExpired
}

// Cap is a limit of Max contacts in any Per.
type Cap struct {
	Max int
	Per time.Duration
}

// DefaultNumberCap is the deployment's default cap per phone number: one
// thank-you contact per 24 hours, across shops.
var DefaultNumberCap = Cap{Max: 1, Per: 24 * time.Hour}

// DefaultStaffWindow is the hours of a shop's default staff phone when
// none are configured: Monday to Friday, 09:00-17:00 in the shop's zone.
var DefaultStaffWindow = thankyou.Window{Start: 9 * time.Hour, End: 17 * time.Hour,
	Days: [7]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}}

// Contact is one contact the gate decides on.
type Contact struct {
	Kind Kind
	// To is the number contacted, in E.164.
	To string
	// Zones and Region place the recipient (a customer: the number's
	// zones narrowed by the order's address; the shop's staff phone: the
	// shop's zone). Window is their configured window: the shop's send
	// window for a customer, the shop's staff hours for its staff phone.
	Zones  []*time.Location
	Region string
	// Country is the ISO 3166-1 country of the number, for its public
	// holidays ("" for staff: their own shift decides).
	Country string
	Window  thankyou.Window
	// Closed are the shop's and the deployment's closed dates: nobody is
	// contacted on them.
	Closed []polite.Date
	// Member is the roster member contacted, whose own shift replaces
	// Window and Zones; nil for a customer or the shop's staff phone.
	Member *thankyou.StaffMember
	// Customer is the customer a staff contact is about: their consent
	// is checked too.
	Customer string
	// VoiceConsent is the shop's consent to automated calls (KindCall).
	VoiceConsent bool
	// Deadline is when the task expires; zero for none.
	Deadline time.Time
	// Task is the task the contact is for: a capped slot is the task's,
	// so a call and its SMS fallback count once.
	Task string
	// For is that task itself (nil: none): a pending erasure of its
	// shop's or customer's data holds every contact for it.
	For *thankyou.Task
	// CustomerKey and CustomerCap are the customer's identity key at the
	// shop and the shop's frequency cap (zero Per: none).
	CustomerKey string
	CustomerCap time.Duration
}

// Decision is the gate's answer for one contact at one instant.
type Decision struct {
	Outcome Outcome
	Code    Code
	// Rule is the hours rule that closed the instant (CodeOutsideHours).
	Rule polite.Reason
	// At is when to ask again (Defer), or the instant the hours open
	// next for a refused check that reports it.
	At time.Time
	// Until is when the hours close, for a Send.
	Until time.Time
	// Detail says more, for people.
	Detail string
}

// Reason is the decision in words, as stored on a task.
func (d Decision) Reason() string {
	if d.Detail != "" {
		return d.Code.Text() + ": " + d.Detail
	}
	return d.Code.Text()
}

// Consent tells whether a number opted out.
type Consent interface {
	OptedOut(ctx context.Context, phone string) (bool, error)
}

// Privacy tells whether an erasure request holds a task's contacts.
type Privacy interface {
	PrivacyHold(ctx context.Context, t thankyou.Task) (bool, error)
}

// Caps keeps the caps' counts with single-item conditional writes.
//
// TakeSlot takes one of max slots under key for owner at now, each held
// for per (an owner that holds a live slot keeps it: taken again is ok).
// When all are held, ok is false and free is when the first frees.
//
// AdmitNumber admits a capped contact to phone for task: unless phone
// opted out, it takes one of the number cap's max slots (each held for
// per) for task, as TakeSlot does, and records that a message from phone
// is a reply to task, in one write on the number's item, where its
// opt-out is. When not ok, optedOut says the number opted out, else free
// is when a slot frees.
type Caps interface {
	TakeSlot(ctx context.Context, key, owner string, max int, per time.Duration, now time.Time) (ok bool, free time.Time, err error)
	AdmitNumber(ctx context.Context, phone, task string, max int, per time.Duration, now time.Time) (ok, optedOut bool, free time.Time, err error)
}

// CustomerCapKey is the Caps key of a customer's frequency cap at a shop
// (key is their identity key there).
func CustomerCapKey(key string) string { return "customer:" + key }

// customerCapped reports whether the shop's frequency cap applies to c.
func (c Contact) customerCapped() bool { return c.CustomerCap > 0 && c.CustomerKey != "" }
