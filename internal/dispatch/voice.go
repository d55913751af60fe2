package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// RingTimeout is how long the automated call lets the customer's phone
// ring before Twilio reports no-answer (and the SMS goes instead).
const RingTimeout = 30 * time.Second

// call places the automated thank-you call of a task whose shop consented:
// Twilio fetches its TwiML from the Twilio webhook when the call is
// answered (by a person: the message; by a machine, after the beep: a
// shorter voicemail), and reports its end there, which records the call or
// turns the task into the thank-you SMS (once).
func (j *job) call(ctx context.Context) outcome {
	h, t, log := j.h, j.t, j.log
	if h.Caller == nil {
		return j.toSMS(ctx, "automated calls are not configured: thank-you SMS instead")
	}
	d, sid, err := h.gate().PlaceCall(ctx, j.customer(contact.KindCall), h.now(ctx), "",
		twilio.CallbackURL(h.PublicBaseURL, twilio.VoicePath, t.ID),
		twilio.CallbackURL(h.PublicBaseURL, twilio.CallStatusPath, t.ID),
		twilio.CallOptions{MachineDetection: twilio.MachineDetectionMessageEnd, Timeout: RingTimeout})
	switch {
	case errors.Is(err, contact.ErrNotSent):
		// The run ended while the call waited for its turn: none was placed.
		return j.retry(ctx, "run ended before calling", 0, 0)
	case err != nil && d.Outcome != contact.Send:
		return j.retry(ctx, "could not check the contact: "+err.Error(), 0, 0)
	case err == nil && d.Outcome != contact.Send:
		return j.act(ctx, d)
	}
	if err != nil {
		if thankyou.ErrorCode(err) == thankyou.EINVALID {
			// No caller id configured, a number Twilio cannot call: the
			// SMS still thanks the customer.
			return j.toSMS(ctx, "automated call not possible ("+thankyou.ErrorMessage(err)+"): thank-you SMS instead")
		}
		return j.sendFailed(ctx, err)
	}
	if err := h.Store.MarkSent(ctx, t.ID, j.owner, sid, h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "call placed, but recording its SID failed", "sid", sid, "error", err)
		return errored
	}
	h.Metrics.Count(metrics.Sent, 1)
	log.InfoContext(ctx, "automated thank-you call placed", "sid", sid)
	return called
}

// recoverCall handles an automated call whose lease expired mid-call: with
// a recorded SID it is sent; without, the run died while asking Twilio to
// call, and rather than risk calling twice the customer gets the SMS (whose
// own recovery checks Twilio before sending).
func (j *job) recoverCall(ctx context.Context) (outcome, bool) {
	if j.t.MessageSID != "" {
		return j.finishSent(ctx, j.t.MessageSID, "call placed"), true
	}
	return j.toSMS(ctx, "interrupted while placing the automated call: thank-you SMS instead of calling twice"), true
}

// toSMS turns a voice task into the thank-you SMS, due now.
func (j *job) toSMS(ctx context.Context, reason string) outcome {
	h, t, log := j.h, j.t, j.log
	if h.Calls == nil {
		return j.finish(ctx, thankyou.StateFailed, reason, 0)
	}
	if err := h.Calls.ToSMS(ctx, t.ID, j.owner, reason, h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "falling back to the SMS failed", "error", err)
		return errored
	}
	log.InfoContext(ctx, "automated call replaced by the thank-you SMS", "reason", reason)
	return retried
}
