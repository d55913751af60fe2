package dispatch

import (
	"context"
	"log/slog"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Forwards is what the dispatcher needs of the store for customers'
// replies waiting for a staff member's hours.
type Forwards interface {
	DueForwards(ctx context.Context, now time.Time, limit int) ([]thankyou.Forward, error)
	ClaimForward(ctx context.Context, f thankyou.Forward, now time.Time, lease time.Duration) (bool, error)
	DoneForward(ctx context.Context, f thankyou.Forward) error
}

// maxForwards bounds the waiting forwards one run sends: the rest wait
// for the next run.
const maxForwards = 100

// forwardLease is how long a claimed forward is held: a run that dies
// before it is done leaves it due again then.
const forwardLease = 5 * time.Minute

// forwards sends the customers' replies whose staff member's hours have
// opened, fs (read at the run's start; err: that read failed), and returns
// how many went. Each is claimed under a lease, sent through the gate by
// the same Forwarder the Twilio webhook uses (which queues it again for
// the next opening when the hours closed meanwhile), and deleted when
// sent or never to be sent.
func (h *Handler) forwards(ctx context.Context, fs []thankyou.Forward, err error, log *slog.Logger) int {
	if h.Forwards == nil || h.Replies == nil {
		return 0
	}
	if err != nil {
		log.ErrorContext(ctx, "reading the waiting forwards failed", "error", err)
		return 0
	}
	fw := *h.Replies
	if fw.Gate == nil {
		fw.Gate = h.gate()
	}
	sent := 0
	for _, f := range fs {
		if h.nearDeadline(ctx) {
			break
		}
		if h.forward(ctx, &fw, f, log.With("task", f.TaskID, "entry", f.Entry)) {
			sent++
		}
	}
	return sent
}

// forward sends one waiting forward and reports whether it went.
func (h *Handler) forward(ctx context.Context, fw *replies.Forwarder, f thankyou.Forward, log *slog.Logger) bool {
	now := h.Now()
	ok, err := h.Forwards.ClaimForward(ctx, f, now, forwardLease)
	if err != nil || !ok {
		if err != nil {
			log.ErrorContext(ctx, "claiming a waiting forward failed", "error", err)
		}
		return false
	}
	t, err := h.Store.GetTask(ctx, f.TaskID)
	if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
		h.doneForward(ctx, f, log)
		return false
	}
	if err != nil {
		log.ErrorContext(ctx, "reading a waiting forward's task failed: tried again after its lease", "error", err)
		return false
	}
	res, err := fw.Forward(ctx, t, f.Entry, now)
	switch {
	case err != nil:
		log.ErrorContext(ctx, "forwarding a reply failed: tried again after its lease", "error", err)
		return false
	case !res.Waiting.IsZero():
		// Queued again (the same item, due at the next opening).
		log.InfoContext(ctx, "reply waits for the staff member's hours", "to", res.To, "at", res.Waiting)
		return false
	case res.Dropped != "":
		log.WarnContext(ctx, "reply not forwarded", "why", res.Dropped)
		h.doneForward(ctx, f, log)
		return false
	}
	log.InfoContext(ctx, "waiting reply forwarded to staff", "to", res.To)
	h.doneForward(ctx, f, log)
	return true
}

func (h *Handler) doneForward(ctx context.Context, f thankyou.Forward, log *slog.Logger) {
	if err := h.Forwards.DoneForward(ctx, f); err != nil {
		log.ErrorContext(ctx, "deleting a done forward failed", "error", err)
	}
}
