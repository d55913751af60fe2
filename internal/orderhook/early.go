package orderhook

import (
	"context"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// earlyTask is the dedup read of a new order's task (Store.TaskExists)
// that a cold instance starts while it reads the shop's settings, so that
// its first order waits for one round trip less. It is started only for a
// delivery that verifies under the secrets of the environment's shop, the
// one shop known without a read (Registry.Unread): nothing of a body is
// read before a signature verified, and an unsigned request still costs
// one read. Its answer is used only for the task id that the delivery's
// own checks (verified) arrive at, after Admit, exactly where the read
// would have been made; the task's conditional put stays the dedup.
type earlyTask struct {
	id     string
	cancel context.CancelFunc
	done   chan struct{}
	exists bool
	err    error
}

// startEarlyTask starts the early dedup read of the delivery's task, or
// returns nil: the instance has the shop's settings cached (no read to
// overlap), the delivery does not verify under the environment's shop's
// secrets, or it is not a new order.
func (h *Handler) startEarlyTask(ctx context.Context, name thankyou.Source, src Source, r webhook.Request) *earlyTask {
	shopID, err := src.ShopID(r)
	if err != nil {
		return nil
	}
	env, ok := h.Shops.Unread(name, shopID)
	if !ok || src.Verify(r, env.Secrets) != nil {
		return nil
	}
	d, err := src.Parse(r, env.DefaultCountry)
	if err != nil || d.Kind != thankyou.DeliveryOrderCreated {
		return nil
	}
	e := &earlyTask{id: d.Order.TaskID(), done: make(chan struct{})}
	ctx, e.cancel = context.WithCancel(ctx)
	go func() {
		defer close(e.done)
		e.exists, e.err = h.Store.TaskExists(ctx, e.id)
	}()
	return e
}

// result waits for the early read and returns its answer if it was of
// task id and succeeded (ok); else the caller reads as usual.
func (e *earlyTask) result(id string) (exists, ok bool) {
	if e == nil || e.id != id {
		return false, false
	}
	<-e.done
	return e.exists, e.err == nil
}

// stop cancels the early read if it still runs and waits for its end: no
// request outlives the invocation.
func (e *earlyTask) stop() {
	if e == nil {
		return
	}
	e.cancel()
	<-e.done
}
