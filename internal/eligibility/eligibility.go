// Package eligibility decides whether an order may be thanked under a
// shop's rules (thankyou.Rules): test orders, skipped tags, shipping
// countries, a minimum total, first orders only and a frequency cap per
// customer. It returns the reason an order is skipped, in words a shop
// owner reads on the task.
package eligibility

import (
	"fmt"
	"math"
	"math/big"
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

// maxAmountLen bounds the length of an amount Check parses: totals are
// short, and a bound keeps a hostile payload from costing anything.
const maxAmountLen = 64

// Check returns "" when the order may be thanked under the rules, else the
// reason it is skipped (stored on the task). The rules are checked in this
// order, and the first that applies gives the reason: test order, skipped
// tags, shipping country, minimum total, first order only, frequency cap.
//
//   - Tags compare case-insensitively, without surrounding spaces.
//   - Countries compare upper-cased; an order without a country is not
//     skipped by this rule.
//   - The minimum compares decimals exactly. An order total (or a MinTotal)
//     that is not a plain decimal ("199.00", "12", ".5") does not skip the
//     order: a malformed amount is not a reason to leave a customer unthanked.
//   - First order only uses the platform's count of the customer's orders
//     when it sends one (skipped when more than 1), else the customer's
//     earlier tasks in h.
//   - The frequency cap skips an order when the customer was last thanked
//     less than FrequencyCapDays days before now (or after now).
//
// Check does not look at the phone number: an order without one is skipped
// by its source (Order.SkipReason).
func Check(o thankyou.Order, r thankyou.Rules, h History, now time.Time) string {
	if r.SkipTestOrders && o.Test {
		return "test order"
	}
	if tag := skippedTag(o.Tags, r.SkipTags); tag != "" {
		return "order tagged " + tag
	}
	if reason := countryReason(o.Country, r.Countries); reason != "" {
		return reason
	}
	if reason := minimumReason(o.Total, r.MinTotal); reason != "" {
		return reason
	}
	if r.FirstOrderOnly {
		switch {
		case o.CustomerOrders > 1:
			return fmt.Sprintf("not the customer's first order (%d orders)", o.CustomerOrders)
		case o.CustomerOrders <= 0 && h.Tasks > 0:
			return fmt.Sprintf("not the customer's first order (%s here before)", plural(h.Tasks, "earlier order", "earlier orders"))
		}
	}
	if reason := capReason(h.LastThanked, r.FrequencyCapDays, now); reason != "" {
		return reason
	}
	return ""
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

func minimumReason(total, minimum string) string {
	total, minimum = strings.TrimSpace(total), strings.TrimSpace(minimum)
	if minimum == "" {
		return ""
	}
	m, ok := parseAmount(minimum)
	if !ok {
		return ""
	}
	t, ok := parseAmount(total)
	if !ok {
		return ""
	}
	if t.Cmp(m) < 0 {
		return fmt.Sprintf("order total %s is below the minimum %s", total, minimum)
	}
	return ""
}

// parseAmount parses a plain decimal: an optional sign, digits and an
// optional fraction ("199.00", "-5", ".5", "12."). Exponents, fractions
// ("1/3"), base prefixes and separators are refused: big.Rat would accept
// some of them, and an exponent like 1e999999999 would make it allocate
// without bound.
func parseAmount(s string) (*big.Rat, bool) {
	if s == "" || len(s) > maxAmountLen {
		return nil, false
	}
	digits, dot := 0, false
	for i, c := range []byte(s) {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case (c == '+' || c == '-') && i == 0:
		default:
			return nil, false
		}
	}
	if digits == 0 {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
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
