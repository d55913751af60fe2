package orderhook_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
)

// FuzzHandle sends the order webhook Shopify deliveries with any topic,
// shop header, body and signature. Whatever arrives, the answer is a
// bounded JSON answer, never a server error; a delivery not signed with
// the shop's secret is refused and writes nothing; one that is signed is
// refused or acted on by what its body says, never by its headers alone.
func FuzzHandle(f *testing.F) {
	for _, name := range []string{"shopify-orders-create.json", "shopify-orders-cancelled.json", "shopify-customers-redact.json",
		"shopify-customers-data-request.json", "shopify-shop-redact.json", "shopify-refunds-create.json"} {
		ev := loadEvent(f, name)
		f.Add(ev.Headers["x-shopify-topic"], ev.Headers["x-shopify-shop-domain"], []byte(ev.Body), true)
		f.Add("orders/cancelled", ev.Headers["x-shopify-shop-domain"], []byte(ev.Body), true)
		f.Add(ev.Headers["x-shopify-topic"], "other.myshopify.com", []byte(ev.Body), false)
	}
	f.Add("customers/redact", "thankyou-demo.myshopify.com", []byte(`{"shop_domain":"thankyou-demo.myshopify.com","customer":{"id":1},"orders_requested":[]}`), true)
	fx := newFixture(f, nil)
	secret := []byte("local-shopify-webhook-secret")
	f.Fuzz(func(t *testing.T, topic, shop string, body []byte, sign bool) {
		ev := loadEvent(t, "shopify-orders-create.json")
		ev.Body, ev.IsBase64Encoded = string(body), false
		ev = withHeader(withHeader(ev, "x-shopify-topic", topic), "x-shopify-shop-domain", shop)
		sig := "bm90IHRoZSBzaWduYXR1cmU="
		if sign {
			sig = shopify.Sign(secret, body)
		}
		ev = withHeader(ev, "x-shopify-hmac-sha256", sig)
		before := fx.items(t)
		resp, err := fx.h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("Handle: %v", err)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("server error %d: %s", resp.StatusCode, resp.Body)
		}
		if resp.StatusCode >= 400 && len(resp.Body) > 1024 {
			t.Fatalf("error answer of %d bytes", len(resp.Body))
		}
		if !sign {
			if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("unsigned delivery answered %d: %s", resp.StatusCode, resp.Body)
			}
			if after := fx.items(t); after != before {
				t.Fatalf("unsigned delivery wrote %d items", after-before)
			}
		}
	})
}
