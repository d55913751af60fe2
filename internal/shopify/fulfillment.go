package shopify

import (
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// Fulfillment topics: a shop whose thank-you counts from the fulfilment or
// the delivery subscribes to both.
const (
	// TopicFulfillmentsCreate is a fulfilment of (part of) an order: it
	// was shipped, or handed over.
	TopicFulfillmentsCreate = "fulfillments/create"
	// TopicFulfillmentsUpdate is a change of a fulfilment, among them its
	// shipment_status becoming "delivered".
	TopicFulfillmentsUpdate = "fulfillments/update"
)

// fulfillment is the part of Shopify's fulfillment resource read here.
type fulfillment struct {
	ID             webhook.Scalar `json:"id"`
	OrderID        webhook.Scalar `json:"order_id"`
	Status         *string        `json:"status"`
	ShipmentStatus *string        `json:"shipment_status"`
	CreatedAt      *string        `json:"created_at"`
	UpdatedAt      *string        `json:"updated_at"`
}

// parseFulfillment reads a fulfillments/create or fulfillments/update
// body, a fulfillment resource: it must carry its own id, its order's
// order_id and a status (an order's body, or anything else, is refused).
//
//   - A fulfilment whose status is not "success" (pending, open,
//     cancelled, error, failure) is DeliveryIgnored: nothing was shipped.
//   - shipment_status "delivered" gives DeliveryOrderDelivered at
//     updated_at (Shopify sends no delivery time of its own), else
//     created_at.
//   - Otherwise DeliveryOrderFulfilled at created_at.
//
// The Order carries Source, Shop and the order's ID, naming the same task
// as the order's creation.
func parseFulfillment(d *thankyou.Delivery, shop string, body []byte, _ string) error {
	var p fulfillment
	if err := decode(body, &p, "fulfillment"); err != nil {
		return err
	}
	if _, err := wholeID(p.ID, "fulfillment id"); err != nil {
		return err
	}
	orderID, err := wholeID(p.OrderID, "fulfillment order_id")
	if err != nil {
		return err
	}
	if p.Status == nil {
		return thankyou.Errorf(thankyou.EINVALID, "fulfillment has no status")
	}
	created, err := optionalTime(p.CreatedAt, "fulfillment created_at")
	if err != nil {
		return err
	}
	updated, err := optionalTime(p.UpdatedAt, "fulfillment updated_at")
	if err != nil {
		return err
	}
	d.Order = thankyou.Order{Source: thankyou.SourceShopify, Shop: shop, ID: orderID}
	status := strings.ToLower(strings.TrimSpace(*p.Status))
	if status != "success" {
		d.Reason = "fulfillment is not successful: nothing was shipped"
		return nil
	}
	if p.ShipmentStatus != nil && strings.EqualFold(strings.TrimSpace(*p.ShipmentStatus), "delivered") {
		d.Kind, d.FulfilledAt = thankyou.DeliveryOrderDelivered, updated
		if d.FulfilledAt.IsZero() {
			d.FulfilledAt = created
		}
		return nil
	}
	d.Kind, d.FulfilledAt = thankyou.DeliveryOrderFulfilled, created
	return nil
}

// optionalTime reads an RFC 3339 time that may be absent or null.
func optionalTime(v *string, field string) (time.Time, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(*v))
	if err != nil {
		return time.Time{}, thankyou.WrapError(thankyou.EINVALID, field+" is not an RFC 3339 time", err)
	}
	return t, nil
}

// localeOf is the order's customer_locale, normalised ("" when absent or
// unreadable: the shop's language applies).
func localeOf(p payload) string {
	tag, _ := language.Parse(p.CustomerLocale)
	return tag
}

// familyName is the customer's last name from the same record names takes
// the first name from: the customer, else the billing address, else the
// shipping address; "" when that record has no separate last name.
func familyName(p payload) string {
	c := customer(p)
	type parts struct{ first, last string }
	sources := []parts{{c.FirstName, c.LastName}}
	for _, a := range []*address{p.Billing, p.Shipping} {
		if a != nil {
			sources = append(sources, parts{a.FirstName, a.LastName})
		}
	}
	for _, s := range sources {
		if strings.TrimSpace(s.first) != "" {
			return strings.TrimSpace(s.last)
		}
	}
	return ""
}
