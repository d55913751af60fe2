// Package eligibility decides whether an order may be thanked under a
// shop's rules (thankyou.Rules): test orders, skipped tags, shipping
// countries, a minimum total, first orders only and a frequency cap per
// customer. It returns the reason an order is skipped: a code to count by
// and words a shop owner reads on the task (thankyou.SkipReason).
package eligibility

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// History is what the store knows about a customer's earlier thank-you
// tasks at the shop.
type History struct {
	// Tasks is the number of earlier tasks of the customer (any state).
	Tasks int
	// LastThanked is when the customer's last task was created pending;
	// zero if none was.
	LastThanked time.Time
}

// day is the unit of Rules.FrequencyCapDays.
const day = 24 * time.Hour

// Check returns the zero SkipReason when the order may be thanked under the
// rules, else the reason it is skipped (stored on the task). A rule that cannot be applied
// (a MinTotal that thankyou.ParseAmount refuses) is an error: Check then
// returns it with a reason that names the rule, and the order is to be
// skipped with that reason, never thanked as if the rule were not set. The rules are checked in this
// order, and the first that applies gives the reason: test order, skipped
// tags, shipping country, minimum total, first order only, frequency cap.
//
//   - Tags compare case-insensitively, without surrounding spaces.
//   - Countries compare upper-cased; an order without a country is not
//     skipped by this rule.
//   - The minimum compares amounts exactly (thankyou.Amount.Cmp: 10.5 equals
//     10.50). An order total that thankyou.ParseTotal refuses in the order's
//     currency does not skip the order: a malformed total from a platform is
//     not a reason to leave a customer unthanked.
//   - First order only uses the platform's count of the customer's orders
//     when it sends one (skipped when more than 1), else the customer's
//     earlier tasks in h.
//   - The frequency cap skips an order when the customer was last thanked
//     less than FrequencyCapDays days before now (or after now).
//
// Check does not look at the phone number: an order without one is skipped
// by its source (Order.SkipReason).
func Check(o thankyou.Order, r thankyou.Rules, h History, now time.Time) (thankyou.SkipReason, error) {
	if r.SkipTestOrders && o.Test {
		return thankyou.Skip(thankyou.SkipTestOrder, "test order"), nil
	}
	if tag := skippedTag(o.Tags, r.SkipTags); tag != "" {
		return thankyou.Skip(thankyou.SkipTag, "order tagged "+tag), nil
	}
	if reason := countryReason(o.Country, r.Countries); reason != "" {
		return thankyou.Skip(thankyou.SkipCountry, reason), nil
	}
	if reason, err := minimumReason(o.Total, o.Currency, r.MinTotal); !reason.IsZero() || err != nil {
		return reason, err
	}
	if r.FirstOrderOnly {
		switch {
		case o.CustomerOrders > 1:
			return thankyou.Skip(thankyou.SkipFirstOrder, fmt.Sprintf("not the customer's first order (%d orders)", o.CustomerOrders)), nil
		case o.CustomerOrders <= 0 && h.Tasks > 0:
			return thankyou.Skip(thankyou.SkipFirstOrder, fmt.Sprintf("not the customer's first order (%s here before)", plural(h.Tasks, "earlier order", "earlier orders"))), nil
		}
	}
	if reason := capReason(h.LastThanked, r.FrequencyCapDays, now); reason != "" {
		return thankyou.Skip(thankyou.SkipFrequencyCap, reason), nil
	}
	return thankyou.SkipReason{}, nil
}

// skippedTag returns the first rule tag (trimmed) the order carries, or "".
func skippedTag(tags, skip []string) string {
	for _, s := range skip {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		for _, t := range tags {
			if strings.EqualFold(strings.TrimSpace(t), s) {
				return s
			}
		}
	}
	return ""
}

func countryReason(country string, allowed []string) string {
	country = strings.ToUpper(strings.TrimSpace(country))
	if country == "" {
		return ""
	}
	var list []string
	for _, a := range allowed {
		a = strings.ToUpper(strings.TrimSpace(a))
		if a == "" {
			continue
		}
		if a == country {
			return ""
		}
		list = append(list, a)
	}
	switch len(list) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("ships to %s, not %s", country, list[0])
	}
	return fmt.Sprintf("ships to %s, not one of %s", country, strings.Join(list, ", "))
}

// minimumReason applies the minimum total. A minimum that is not an amount
// is an error, with a reason that says the rule is broken.
func minimumReason(total, currency, minimum string) (thankyou.SkipReason, error) {
	if strings.TrimSpace(minimum) == "" {
		return thankyou.SkipReason{}, nil
	}
	m, err := thankyou.ParseAmount(minimum)
	if err != nil {
		return thankyou.Skip(thankyou.SkipRuleError, fmt.Sprintf("the shop's minimum total rule %q is not an amount (fix it with --min-total)", strings.TrimSpace(minimum))),
			thankyou.WrapError(thankyou.EINVALID, "the shop's minimum total is not an amount", err)
	}
	t, err := thankyou.ParseTotal(total, currency)
	if err != nil {
		return thankyou.SkipReason{}, nil
	}
	if t.Cmp(m) < 0 {
		return thankyou.Skip(thankyou.SkipMinTotal, fmt.Sprintf("order total %s is below the minimum %s", strings.TrimSpace(total), strings.TrimSpace(minimum))), nil
	}
	return thankyou.SkipReason{}, nil
}

func capReason(last time.Time, days int, now time.Time) string {
	if days <= 0 || last.IsZero() {
		return ""
	}
	elapsed := now.Sub(last)
	// days * 24h may not fit in a Duration; such a cap covers every
	// representable elapsed time.
	if int64(days) <= int64(math.MaxInt64/day) && elapsed >= time.Duration(days)*day {
		return ""
	}
	every := "at most once a day"
	if days > 1 {
		every = fmt.Sprintf("at most once every %d days", days)
	}
	ago := "less than a day ago"
	if n := int(elapsed / day); n > 0 {
		ago = plural(n, "day", "days") + " ago"
	}
	return fmt.Sprintf("thanked %s (%s)", ago, every)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
