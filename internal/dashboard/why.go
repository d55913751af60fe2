package dashboard

import (
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Why is why a pending thank-you goes out when it does: the rule that
// kept it from going out earlier.
type Why struct {
	// Rule names it: "cap", "window", "holiday", "state rule",
	// "closed", "legal hours", "delay" (the shop's delay after the order
	// and nothing else), or the contact gate's code for a deferral.
	Rule string
	// Detail says more, personal data masked.
	Detail string
}

// whyThen explains a pending task's due time. A deferral by the contact
// gate is stored as the task's reason (contact.Decision.Reason) and is
// read back by its code's text; otherwise the hours (polite.Hours.At) a
// minute before the due time say which rule was closed then. A task
// whose minute before was open goes out at its creation's delay.
func whyThen(t thankyou.Task, d operator.RetryDefaults) Why {
	if t.Reason != "" {
		for _, c := range contact.Codes {
			text := c.Text()
			if c == contact.CodeOK || !strings.HasPrefix(t.Reason, text) {
				continue
			}
			detail := strings.TrimPrefix(strings.TrimPrefix(t.Reason, text), ": ")
			rule := string(c)
			switch c {
			case contact.CodeNumberCap, contact.CodeCustomerCap:
				rule = "cap"
			case contact.CodeOutsideHours:
				rule = "hours"
			}
			return Why{Rule: rule, Detail: operator.Scrub(orText(detail, text))}
		}
	}
	w := d.Window
	if !t.Window.IsZero() {
		w = t.Window
	}
	closed, _ := polite.ParseDates(t.Closed)
	h := polite.Hours{Window: w, Closed: closed}
	r := polite.Recipient{Phone: t.Recipient, Zones: zonesOf(t, d), Region: t.Order.Region, Country: t.Order.Country}
	// The instant before the due time, then each day before it back to
	// the order, in the middle of the window (where the day-long rules
	// show: holidays, closed dates, a state's days): the weightiest rule
	// met before an open instant is why it is not earlier.
	best := h.At(t.DueAt.Add(-time.Minute), r)
	if !best.Open {
		z := r.Zones[0]
		y, m, day := t.DueAt.In(z).Date()
		mid := w.Start + (w.End-w.Start)/2
		for i := 0; i <= whyDays; i++ {
			at := time.Date(y, m, day-i, 0, 0, 0, 0, z).Add(mid)
			if at.Before(t.CreatedAt) {
				break
			}
			if !at.Before(t.DueAt) {
				continue
			}
			v := h.At(at, r)
			if v.Open {
				break
			}
			if weight(v.Reason) > weight(best.Reason) {
				best = v
			}
		}
	}
	if best.Reason == polite.ReasonOpen {
		return Why{Rule: "delay", Detail: "the shop's delay after the order (" + t.CreatedAt.In(r.Zones[0]).Format("Mon 2 Jan 15:04 MST") + ")"}
	}
	rule := string(best.Reason)
	switch {
	case best.Reason == polite.ReasonLegal:
		rule = "legal hours"
	case strings.HasPrefix(rule, "state:"):
		rule = "state rule"
	}
	return Why{Rule: rule, Detail: operator.Scrub(best.Detail)}
}

// whyDays is how many days before the due time whyThen looks at.
const whyDays = 14

// weight ranks the hours' reasons: the one named is the weightiest met.
func weight(r polite.Reason) int {
	switch {
	case r == polite.ReasonOpen:
		return 0
	case r == polite.ReasonWindow, r == polite.ReasonLegal:
		// The window lies inside the legal hours: a night is the
		// window's, whichever of the two the hours name first.
		return 1
	case r == polite.ReasonClosed:
		return 2
	case r == polite.ReasonHoliday:
		return 3
	}
	return 4 // a state's rule, or no polite time
}

// zonesOf is a task's recipient zones (d's zone when it has none).
func zonesOf(t thankyou.Task, d operator.RetryDefaults) []*time.Location {
	return polite.Zones(strings.Split(t.TimeZone, ","), d.Zone)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
