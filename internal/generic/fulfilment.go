package generic

import (
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Events that start the delay of a shop counting it from the fulfilment or
// the delivery.
const (
	EventOrderFulfilled = "order.fulfilled"
	EventOrderDelivered = "order.delivered"
)

// fulfilment fills d for an order.fulfilled or order.delivered event,
// whose body the schema checked: the order's id and the event's own time
// (order.fulfilled_at or order.delivered_at, which the schema requires).
func fulfilment(d *thankyou.Delivery, o thankyou.Order, b body) error {
	field, raw, kind := "order.fulfilled_at", b.Order.FulfilledAt, thankyou.DeliveryOrderFulfilled
	if b.Event == EventOrderDelivered {
		field, raw, kind = "order.delivered_at", b.Order.DeliveredAt, thankyou.DeliveryOrderDelivered
	}
	at, err := time.Parse(time.RFC3339, strings.ToUpper(raw))
	if err != nil {
		return thankyou.WrapError(thankyou.EINVALID, field+": not an RFC 3339 date-time", err)
	}
	d.Kind, d.Order, d.FulfilledAt = kind, o, at
	return nil
}

// familyName is the customer's last_name when first_name is given too
// (else the full name is all there is).
func familyName(c customer) string {
	if strings.TrimSpace(c.FirstName) == "" {
		return ""
	}
	return strings.Join(strings.Fields(c.LastName), " ")
}
