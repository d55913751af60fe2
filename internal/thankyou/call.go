package thankyou

import (
	"net/url"
	"time"
)

// StaffCall is the progress of a staff call (ChannelStaff): who was asked
// to call, how often they were reminded and what they answered.
type StaffCall struct {
	// MemberID is the roster member the call is assigned to; "" when it
	// went to the shop's default staff phone (Task.Recipient).
	MemberID string
	// Reminders is how many reminders the current assignee was sent.
	Reminders int
	// Reassigned is how many times the call was handed to another member
	// after going unanswered.
	Reassigned int
	// RemindedAt is when the last reminder was sent.
	RemindedAt time.Time
	// Note is what the staff member wrote with DONE (or SKIP's reason is
	// Task.Reason). Personal data of a kind: never logged.
	Note string
}

// CallOutcome is what Twilio reported about a call: its status callbacks
// and, for a click-to-call bridge, the <Dial> action's report of the
// customer's leg.
type CallOutcome struct {
	// SID is Twilio's call SID (CA...): the call to the staff member for a
	// bridge, the call to the customer for an automated call.
	SID string
	// Status is that call's last CallStatus: queued, initiated, ringing,
	// in-progress, completed, busy, no-answer, failed or canceled.
	Status string
	// AnsweredBy is Twilio's machine detection verdict ("human",
	// "machine_end_beep", ...), when asked for.
	AnsweredBy string
	// Customer is the customer's leg of a bridge (the <Dial> action's
	// DialCallStatus: completed, answered, busy, no-answer, failed,
	// canceled); "" before it is known and for an automated call.
	Customer string
	// Duration is how long the customer was on the line.
	Duration time.Duration
	// At is when the outcome was last updated.
	At time.Time
}

// Voice is a shop's automated thank-you call (ChannelCall).
type Voice struct {
	// Consent is the shop's statement that its customers agreed to an
	// automated call. Without it no call is made: the customer gets the
	// thank-you SMS instead.
	Consent bool
	// Voice and Language are <Say>'s ("Polly.Joanna", "en-US"); empty for
	// Twilio's defaults.
	Voice, Language string
	// PlayURL is a recorded message (https) played instead of <Say>.
	PlayURL string
}

// Reminder is what the dispatcher records when a staff reminder went out.
type Reminder struct {
	// SID is Twilio's SID of the reminder SMS.
	SID string
	// MemberID and Phone are who it went to ("" MemberID: the shop's
	// default staff phone).
	MemberID, Phone string
	// Reminders is how many reminders this assignee has now been sent;
	// Reassigned how often the call has changed hands.
	Reminders, Reassigned int
	// FollowUpAt is when the call is due again if nobody answers: one more
	// reminder, or reassignment.
	FollowUpAt time.Time
}

// CheckVoice checks a shop's voice settings for its channel: the automated
// call needs the shop's consent, and a recorded message must be an https
// URL. Errors are EINVALID and say what to set.
func CheckVoice(ch Channel, v Voice) error {
	if ch == ChannelCall && !v.Consent {
		return Errorf(EINVALID, "the call channel needs the shop's consent setting on (customers agreed to an automated call)")
	}
	if v.PlayURL != "" {
		u, err := url.Parse(v.PlayURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return Errorf(EINVALID, "the recorded message %q is not an https URL", v.PlayURL)
		}
	}
	return nil
}
