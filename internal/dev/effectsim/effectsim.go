// Package effectsim generates a shop's customers and orders with a known
// true effect of each thank-you channel on repeat purchases, for the demo,
// the bench and the tests of package effect. It is development tooling,
// not part of the service.
package effectsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Shop describes the simulated shop.
type Shop struct {
	Seed      uint64
	Customers int
	// Start is when the first customer's first order is placed; first
	// orders are spread evenly over Months months from it.
	Start  time.Time
	Months int
	// Within is the repeat window the effect is defined over.
	Within time.Duration
	// Holdout is the share held out, by effect.HeldOut under Salt.
	Holdout thankyou.Share
	Salt    string
	// Channels and their true effect: the thanked customers' repeat rate
	// within the window is Base + Lift[channel], the held-out customers'
	// Base. Each customer is reached through one channel, chosen evenly.
	Channels []thankyou.Channel
	Base     float64
	Lift     map[thankyou.Channel]float64
	// Cancelled is the share of extra orders that are cancelled later
	// (they must not count).
	Cancelled float64
}

// Customer is one simulated customer: their identity, the group the real
// assignment put them in, and all their orders, the first one first.
type Customer struct {
	Phone   string
	Email   string
	Channel thankyou.Channel
	HeldOut bool
	Orders  []effect.Order
}

// Demo is the shop of the demo and the bench: 4,000 customers over six
// months from 2026-01-05, a 20% holdout, a 20% base repeat rate within 90
// days and a true lift of 2 points for the SMS, 5 for the automated call
// and 8 for the staff call.
func Demo() Shop {
	return Shop{
		Seed: 7, Customers: 4000, Start: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), Months: 6,
		Within: effect.DefaultWithin, Holdout: 2000, Salt: "demo-salt",
		Channels:  []thankyou.Channel{thankyou.ChannelSMS, thankyou.ChannelCall, thankyou.ChannelStaff},
		Base:      0.20,
		Lift:      map[thankyou.Channel]float64{thankyou.ChannelSMS: 0.02, thankyou.ChannelCall: 0.05, thankyou.ChannelStaff: 0.08},
		Cancelled: 0.05,
	}
}

// Generate draws the shop's customers and their orders.
func Generate(s Shop) []Customer {
	rng := rand.New(rand.NewPCG(s.Seed, 0x7e1f))
	span := time.Duration(s.Months) * 30 * 24 * time.Hour
	out := make([]Customer, 0, s.Customers)
	for i := range s.Customers {
		c := Customer{
			Phone:   fmt.Sprintf("+4420%08d", i),
			Email:   fmt.Sprintf("customer%d@example.com", i),
			Channel: s.Channels[rng.IntN(len(s.Channels))],
		}
		c.HeldOut = effect.HeldOut(s.Salt, c.Channel, effect.CustomerKeys(s.Salt, thankyou.Order{Phone: c.Phone}).Primary(), s.Holdout)
		first := s.Start.Add(time.Duration(rng.Float64() * float64(span))).Truncate(time.Minute)
		c.Orders = append(c.Orders, order(rng, first))
		p := s.Base
		if !c.HeldOut {
			p += s.Lift[c.Channel]
		}
		if rng.Float64() < p {
			// A repeater: the first repeat inside the window, sooner
			// more likely, and maybe more orders after it.
			at := first
			for n := 0; n == 0 || rng.Float64() < 0.3; n++ {
				// Sooner is likelier: an exponential cut at the window's end.
				u := rng.Float64() * (1 - math.Exp(-3))
				gap := time.Duration(-math.Log(1-u) / 3 * float64(s.Within-time.Hour))
				if n > 0 {
					gap = time.Duration(rng.ExpFloat64() * 40 * 24 * float64(time.Hour))
				}
				at = at.Add(gap + time.Minute)
				c.Orders = append(c.Orders, order(rng, at))
			}
		}
		if rng.Float64() < s.Cancelled {
			o := order(rng, first.Add(time.Duration(rng.Float64()*float64(s.Within))))
			o.Cancelled = true
			c.Orders = append(c.Orders, o)
		}
		out = append(out, c)
	}
	return out
}

func order(rng *rand.Rand, at time.Time) effect.Order {
	amount := math.Round(math.Exp(3.8+0.5*rng.NormFloat64())*100) / 100
	return effect.Order{At: at, Amount: amount, Currency: "EUR"}
}

// Links turns the customers into the links the store would hold: the
// first order starts the link, the later ones are its orders.
func Links(cs []Customer) []effect.Link {
	links := make([]effect.Link, 0, len(cs))
	for _, c := range cs {
		links = append(links, effect.Link{Channel: c.Channel, HeldOut: c.HeldOut, First: c.Orders[0].At, Orders: c.Orders[1:]})
	}
	return links
}

// End is when every simulated customer's window has passed.
func (s Shop) End() time.Time {
	return s.Start.Add(time.Duration(s.Months)*30*24*time.Hour + s.Within + 24*time.Hour)
}
