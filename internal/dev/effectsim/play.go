package effectsim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Store is what Play needs of the store: the order webhook's effect calls
// (dynamo.Store has them).
type Store = orderhook.EffectStore

// Played is what playing a shop through the store did.
type Played struct {
	Orders, HeldOut, Repeats, Cancelled int
	// Mismatched counts customers whose group the store drew differently
	// from the simulation (it must be 0: both use effect.HeldOut).
	Mismatched int
}

// Play sends every order of the customers, in the order they were placed,
// through the store's effect calls as the order webhook makes them for a
// shop with s's holdout (each order a task to be thanked, reached through
// its customer's channel), then the cancellations.
func Play(ctx context.Context, store Store, s Shop, shopID string, cs []Customer) (Played, error) {
	type placed struct {
		c, n int
		o    effect.Order
	}
	var all []placed
	for i, c := range cs {
		for n, o := range c.Orders {
			all = append(all, placed{i, n, o})
		}
	}
	slices.SortStableFunc(all, func(a, b placed) int { return a.o.At.Compare(b.o.At) })
	sh := thankyou.Shop{Source: thankyou.SourceGeneric, ID: shopID, Holdout: s.Holdout, Salt: s.Salt}
	var p Played
	var cancelled []thankyou.Order
	for _, pl := range all {
		c := cs[pl.c]
		o := thankyou.Order{
			Source: thankyou.SourceGeneric, Shop: shopID, ID: fmt.Sprintf("C%05d-%d", pl.c, pl.n),
			Phone: c.Phone, Email: c.Email, Total: strconv.FormatFloat(pl.o.Amount, 'f', 2, 64), Currency: pl.o.Currency, CreatedAt: pl.o.At,
		}
		t := thankyou.Task{ID: o.TaskID(), Order: o, Channel: c.Channel, State: thankyou.StatePending, CreatedAt: pl.o.At}
		a, err := store.LinkOrder(ctx, sh, t)
		if err != nil {
			return p, err
		}
		p.Orders++
		if a.Repeat {
			p.Repeats++
		}
		if pl.n == 0 {
			if a.HeldOut {
				p.HeldOut++
			}
			if a.HeldOut != c.HeldOut {
				p.Mismatched++
			}
		}
		if pl.o.Cancelled {
			cancelled = append(cancelled, o)
		}
	}
	for _, o := range cancelled {
		if err := store.MarkOrderCancelled(ctx, o, o.CreatedAt.Add(7*24*time.Hour)); err != nil {
			return p, err
		}
		p.Cancelled++
	}
	return p, nil
}
