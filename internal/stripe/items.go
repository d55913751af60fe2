package stripe

import (
	"encoding/json"

	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// lineItems is a Checkout Session's line_items, a list object
// ({"object":"list","data":[...]}) that Stripe includes only when the
// session is retrieved with expand[]=line_items: never in a webhook event
// as Stripe sends it. It is read leniently: a value of another shape, or a
// line item that does not decode, gives no item rather than an error.
type lineItems struct {
	data []lineItem
}

// lineItem is the part of a Checkout Session line item read here. Its
// quantity is null for some prices: the description alone is then shown.
type lineItem struct {
	Description string         `json:"description"`
	Quantity    webhook.Scalar `json:"quantity"`
}

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (l *lineItems) UnmarshalJSON(b []byte) error {
	*l = lineItems{}
	var list struct {
		Data webhook.LenientList[lineItem] `json:"data"`
	}
	if json.Unmarshal(b, &list) == nil {
		l.data = list.Data
	}
	return nil
}

// items returns the session's first thankyou.MaxItems items as people
// read them ("2 × T-shirt"): each line item's description (the product's
// name), with its quantity. Line items without a description, or with a
// quantity below one, are left out; no line_items gives no items.
func (l *lineItems) items() []string {
	if l == nil {
		return nil
	}
	return webhook.Items(l.data, func(li lineItem) (string, webhook.Scalar) {
		return li.Description, li.Quantity
	})
}
