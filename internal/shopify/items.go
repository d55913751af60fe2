package shopify

import (
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// lineItem is the part of an order's line item read here.
type lineItem struct {
	Title        string         `json:"title"`
	VariantTitle string         `json:"variant_title"`
	Quantity     webhook.Scalar `json:"quantity"`
}

// defaultVariant is the variant_title of a product without variants.
const defaultVariant = "Default Title"

// items returns the order's first thankyou.MaxItems items as people read
// them: the title, the variant in parentheses when the product has
// variants ("2 × Hand-thrown Mug (Sea Green)"). Line items without a
// title, or with a quantity below one, are left out.
func items(lines []lineItem) []string {
	return webhook.Items(lines, func(li lineItem) (string, webhook.Scalar) {
		if thankyou.CleanTitle(li.Title) == "" {
			return "", li.Quantity
		}
		title := li.Title
		if v := thankyou.CleanTitle(li.VariantTitle); v != "" && v != defaultVariant {
			title += " (" + v + ")"
		}
		return title, li.Quantity
	})
}
