package thankyou

import (
	"strings"
	"time"
)

// Trigger is the moment a shop's thank-you delay counts from: the order
// (the default), its fulfilment (shipped) or its delivery.
type Trigger string

// Triggers.
const (
	TriggerOrder      Trigger = "order"
	TriggerFulfilment Trigger = "fulfilment"
	TriggerDelivery   Trigger = "delivery"
)

// DefaultMaxWait is how long a task waits for its fulfilment or delivery
// when a shop does not say: then it expires.
const DefaultMaxWait = 30 * 24 * time.Hour

// ParseTrigger validates a configured trigger; "" is TriggerOrder and the
// American spelling "fulfillment" is accepted.
func ParseTrigger(s string) (Trigger, error) {
	switch t := Trigger(strings.ToLower(strings.TrimSpace(s))); t {
	case "", TriggerOrder:
		return TriggerOrder, nil
	case TriggerFulfilment, "fulfillment":
		return TriggerFulfilment, nil
	case TriggerDelivery:
		return TriggerDelivery, nil
	}
	return "", Errorf(EINVALID, "unknown trigger %q (want %q, %q or %q)", s, TriggerOrder, TriggerFulfilment, TriggerDelivery)
}

// Waits reports whether a task under this trigger waits for a later event
// (its fulfilment or delivery) before its delay starts.
func (t Trigger) Waits() bool {
	return t == TriggerFulfilment || t == TriggerDelivery
}

// StartedBy reports whether a delivery of kind k starts the delay of a task
// waiting under this trigger: a fulfilment trigger is started by the
// fulfilment or, when that was never reported, the delivery; a delivery
// trigger by the delivery only.
func (t Trigger) StartedBy(k DeliveryKind) bool {
	switch t {
	case TriggerFulfilment:
		return k == DeliveryOrderFulfilled || k == DeliveryOrderDelivered
	case TriggerDelivery:
		return k == DeliveryOrderDelivered
	}
	return false
}
