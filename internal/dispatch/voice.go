package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
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
func (h *Handler) call(ctx context.Context, owner string, t thankyou.Task, window thankyou.Window, zones []*time.Location, lim *limiter, log *slog.Logger) outcome {
	if h.Caller == nil {
		return h.toSMS(ctx, owner, t, "automated calls are not configured: thank-you SMS instead", log)
	}
	if err := lim.wait(ctx); err != nil {
		return h.retry(ctx, owner, t, window, zones, "run ended before calling", 0, 0, log)
	}
	d, sid, err := h.gate().PlaceCall(ctx, h.customerContact(t, contact.KindCall, window, zones), h.now(ctx), "",
		config.TaskURL(h.PublicBaseURL, config.VoicePath, t.ID),
		config.TaskURL(h.PublicBaseURL, config.CallStatusPath, t.ID),
		twilio.CallOptions{MachineDetection: twilio.MachineDetectionMessageEnd, Timeout: RingTimeout})
	switch {
	case err != nil && d.Outcome != contact.Send:
		return h.retry(ctx, owner, t, window, zones, "could not check the contact: "+err.Error(), 0, 0, log)
	case err == nil && d.Outcome != contact.Send:
		return h.act(ctx, owner, t, d, log)
	}
	if err != nil {
		if thankyou.ErrorCode(err) == thankyou.EINVALID {
			// No caller id configured, a number Twilio cannot call: the
			// SMS still thanks the customer.
			return h.toSMS(ctx, owner, t, "automated call not possible ("+thankyou.ErrorMessage(err)+"): thank-you SMS instead", log)
		}
		return h.sendFailed(ctx, owner, t, window, zones, err, log)
	}
	if err := h.Store.MarkSent(ctx, t.ID, owner, sid, h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "call placed, but recording its SID failed", "sid", sid, "error", err)
		return errored
	}
	h.Metrics.Count(metrics.Sent, 1)
	h.noteLastTask(ctx, t, log)
	log.InfoContext(ctx, "automated thank-you call placed", "sid", sid)
	return called
}

// recoverCall handles an automated call whose lease expired mid-call: with
// a recorded SID it is sent; without, the run died while asking Twilio to
// call, and rather than risk calling twice the customer gets the SMS (whose
// own recovery checks Twilio before sending).
func (h *Handler) recoverCall(ctx context.Context, owner string, t thankyou.Task, log *slog.Logger) (outcome, bool) {
	if t.MessageSID != "" {
		return h.finishSent(ctx, owner, t, t.MessageSID, "call placed", log), true
	}
	return h.toSMS(ctx, owner, t, "interrupted while placing the automated call: thank-you SMS instead of calling twice", log), true
}

// toSMS turns a voice task into the thank-you SMS, due now.
func (h *Handler) toSMS(ctx context.Context, owner string, t thankyou.Task, reason string, log *slog.Logger) outcome {
	if h.Calls == nil {
		return h.finish(ctx, owner, t, thankyou.StateFailed, reason, 0, log)
	}
	if err := h.Calls.ToSMS(ctx, t.ID, owner, reason, h.now(ctx)); err != nil {
		log.ErrorContext(ctx, "falling back to the SMS failed", "error", err)
		return errored
	}
	log.InfoContext(ctx, "automated call replaced by the thank-you SMS", "reason", reason)
	return retried
}
