package orderhook

import (
	"context"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// EffectStore is what measuring a shop's thank-yous needs of the store
// (see package effect).
type EffectStore interface {
	// LinkOrder finds or draws the customer's group and links the order
	// to their first thanked or held-out one.
	LinkOrder(ctx context.Context, shop thankyou.Shop, t thankyou.Task) (effect.Assignment, error)
	// MarkOrderCancelled leaves a cancelled or refunded order out of the
	// figures.
	MarkOrderCancelled(ctx context.Context, o thankyou.Order, now time.Time) error
}

// measured reports whether a shop measures what its thank-yous do: only
// such shops pay for the effect's reads and writes.
func measured(shop shops.Shop) bool { return shop.Holdout > 0 && shop.Salt != "" }

// measure places a new order of a measured shop in its customer's group
// before its task is written: a task to be thanked for a held-out
// customer becomes held out (final, never in the due index, never
// contacted); a later order is linked as a repeat.
func (h *Handler) measure(ctx context.Context, shop shops.Shop, t thankyou.Task) (thankyou.Task, error) {
	if !measured(shop) {
		return t, nil
	}
	a, err := h.Store.LinkOrder(ctx, shop.Shop, t)
	if err != nil {
		return t, thankyou.WrapError(thankyou.EINTERNAL, "could not link the order to its customer's group", err)
	}
	if a.Repeat {
		h.Metrics.Count(metrics.RepeatOrder, 1, metrics.Source(string(t.Order.Source)))
	}
	if a.HeldOut && effect.ToBeThanked(t.State) {
		t = skipped(t, thankyou.Skip(thankyou.SkipHeldOut, a.HeldOutReason()))
		t.State = thankyou.StateHeldOut
	}
	return t, nil
}

// uncount leaves a cancelled or refunded order of a measured shop out of
// its figures.
func (h *Handler) uncount(ctx context.Context, shop shops.Shop, o thankyou.Order, now time.Time) error {
	if !measured(shop) {
		return nil
	}
	if err := h.Store.MarkOrderCancelled(ctx, o, now); err != nil {
		return thankyou.WrapError(thankyou.EINTERNAL, "could not leave the cancelled order out of the figures", err)
	}
	return nil
}
