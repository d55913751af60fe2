package woocommerce

import (
	"html"

	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// lineItem is the part of an order's line item read here.
type lineItem struct {
	Name     string         `json:"name"`
	Quantity webhook.Scalar `json:"quantity"`
}

// items returns the order's first thankyou.MaxItems items as people read
// them ("2 × Hand-thrown mug — speckled"). WordPress may store a name with
// HTML entities ("Tea &amp; biscuits"): they are decoded. Line items
// without a name, or with a quantity below one, are left out.
func items(lines []lineItem) []string {
	return webhook.Items(lines, func(li lineItem) (string, webhook.Scalar) {
		return html.UnescapeString(li.Name), li.Quantity
	})
}
