package stripe

import (
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
)

// localeOf is the Checkout session's locale (the language the customer
// paid in: "ja", "pt-BR"), as a BCP 47 tag; "" for "auto" (Stripe chose
// from the browser and does not say what), absent or unreadable.
func localeOf(raw string) string {
	if strings.EqualFold(strings.TrimSpace(raw), "auto") {
		return ""
	}
	tag, _ := language.Parse(raw)
	return tag
}
