package orderhook_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// withHeader returns ev with one header replaced, as an attacker who
// captured a signed delivery could resend it: headers outside the
// signature change, the signed body does not.
func withHeader(ev events.APIGatewayV2HTTPRequest, name, value string) events.APIGatewayV2HTTPRequest {
	h := make(map[string]string, len(ev.Headers))
	for k, v := range ev.Headers {
		h[k] = v
	}
	h[name] = value
	ev.Headers = h
	return ev
}

// A signed body resent under another topic is refused with nothing
// changed: an order does not cancel its task, a data request does not
// erase the customer, a customer's erasure does not erase the shop.
func TestAnUnsignedTopicDoesNotChooseTheAction(t *testing.T) {
	f := newFixture(t, nil)
	if status, body := f.postAt(t, loadEvent(t, "shopify-orders-create.json")); status != http.StatusCreated {
		t.Fatalf("order: %d %v", status, body)
	}
	for _, tc := range []struct{ fixture, topic string }{
		{"shopify-orders-create.json", "orders/cancelled"},
		{"shopify-orders-create.json", "refunds/create"},
		{"shopify-customers-data-request.json", "customers/redact"},
		{"shopify-customers-data-request.json", "shop/redact"},
		{"shopify-customers-redact.json", "shop/redact"},
		{"shopify-orders-cancelled.json", "orders/create"},
	} {
		t.Run(tc.fixture+" as "+tc.topic, func(t *testing.T) {
			before := f.items(t)
			ev := withHeader(loadEvent(t, tc.fixture), "x-shopify-topic", tc.topic)
			ev = withHeader(ev, "x-shopify-webhook-id", "forged-"+tc.topic)
			status, body := f.postAt(t, ev)
			if status != http.StatusBadRequest {
				t.Errorf("answer = %d %v, want 400 (the body does not fit the topic)", status, body)
			}
			if after := f.items(t); after != before {
				t.Errorf("items %d, then %d", before, after)
			}
			got, err := f.store.GetTask(context.Background(), order1001)
			if err != nil || got.State != thankyou.StatePending || got.Recipient == "" {
				t.Errorf("task = %s to %q (%v), want still pending with its recipient", got.State, got.Recipient, err)
			}
		})
	}
}

// The webhook id is not signed either: a signed body resent with the id of
// another event does not make that event look handled already.
func TestAnUnsignedWebhookIDDoesNotSilenceAnotherEvent(t *testing.T) {
	f := newFixture(t, nil)
	first := loadEvent(t, "shopify-orders-create.json")
	if status, body := f.postAt(t, first); status != http.StatusCreated {
		t.Fatalf("order: %d %v", status, body)
	}
	// The second order arrives with the first one's webhook id (replayed
	// first by someone who read it): it is still a new event.
	second := withHeader(loadEvent(t, "shopify-second-order.json"), "x-shopify-webhook-id", first.Headers["x-shopify-webhook-id"])
	status, body := f.postAt(t, second)
	if status != http.StatusCreated || body["task"] != order1002 {
		t.Fatalf("second order under the first one's webhook id: %d %v, want 201 for %s", status, body, order1002)
	}
}
