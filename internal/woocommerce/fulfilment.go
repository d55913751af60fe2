package woocommerce

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
)

// StatusCompleted is the status of an order the shop has fulfilled: a
// completed order is paid (it is thanked) and fulfilled (it starts the
// delay of a shop whose thank-you counts from the fulfilment).
const StatusCompleted = "completed"

// localeKeys are the order meta keys that name the customer's language,
// in the order they are read: WPML's, Polylang's, and the plain one some
// plugins write.
var localeKeys = []string{"wpml_language", "pll_language", "_locale", "locale"}

// metaEntry is one of an order's meta_data.
type metaEntry struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// localeOf is the customer's language from the order's meta_data, as a
// BCP 47 tag; "" when no known key holds a readable one.
func localeOf(p payload) string {
	for _, key := range localeKeys {
		for _, m := range p.MetaData {
			if m.Key != key {
				continue
			}
			var s string
			if json.Unmarshal(m.Value, &s) != nil {
				continue
			}
			if tag, ok := language.Parse(s); ok {
				return tag
			}
		}
	}
	return ""
}

// completedAt is when a completed order was completed (date_completed_gmt,
// else date_modified_gmt); zero when neither is readable.
func completedAt(id string, p payload) time.Time {
	for _, f := range []struct {
		name string
		v    *string
	}{{"date_completed_gmt", p.DateCompletedGMT}, {"date_modified_gmt", p.DateModifiedGMT}} {
		if t, err := gmtTime(id, f.name, f.v); err == nil && !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// familyName is the last name of the address names reads the customer's
// name from, when it has a first name too.
func familyName(p payload) string {
	for _, a := range []address{p.Billing, p.Shipping} {
		if strings.TrimSpace(a.FirstName+a.LastName) == "" {
			continue
		}
		if strings.TrimSpace(a.FirstName) == "" {
			return ""
		}
		return strings.Join(strings.Fields(a.LastName), " ")
	}
	return ""
}
