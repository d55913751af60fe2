package orderhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/stripe"
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

// One signed order resent under other shop ids makes no second task: the
// environment's shop answers to the one id it learnt from its first
// verified delivery, or to SHOP_IDS; any other is refused with nothing
// written.
func TestTheEnvironmentsShopAnswersToItsShopIDsOnly(t *testing.T) {
	t.Run("learnt from the first delivery", func(t *testing.T) {
		f := newFixture(t, nil)
		ev := loadEvent(t, "shopify-orders-create.json")
		if status, body := f.postAt(t, ev); status != http.StatusCreated {
			t.Fatalf("first delivery: %d %v", status, body)
		}
		for _, other := range []string{"a.myshopify.com", "b.myshopify.com", "c.myshopify.com"} {
			before := f.items(t)
			status, body := f.postAt(t, withHeader(ev, "x-shopify-shop-domain", other))
			if status != http.StatusUnauthorized {
				t.Errorf("%s: %d %v, want 401", other, status, body)
			}
			if after := f.items(t); after != before {
				t.Errorf("%s: items %d, then %d", other, before, after)
			}
		}
		if n := f.tasks(t); n != 1 {
			t.Errorf("%d tasks, want 1", n)
		}
	})
	t.Run("SHOP_IDS", func(t *testing.T) {
		f := newFixture(t, map[string]string{"SHOP_IDS": "shopify:shop-b.myshopify.com, generic:thankyou-demo"})
		ev := loadEvent(t, "shopify-orders-create.json") // thankyou-demo.myshopify.com
		if status, body := f.postAt(t, ev); status != http.StatusUnauthorized || f.items(t) != 0 {
			t.Fatalf("a shop id SHOP_IDS does not list: %d %v, %d items; want 401 and nothing written", status, body, f.items(t))
		}
		status, body := f.postAt(t, withHeader(ev, "x-shopify-shop-domain", "shop-b.myshopify.com"))
		if status != http.StatusCreated || body["task"] != "shopify:shop-b.myshopify.com:820982911946154508" {
			t.Errorf("the listed shop id: %d %v, want 201", status, body)
		}
		if status, body := f.postAt(t, loadEvent(t, "generic-order-created.json")); status != http.StatusCreated {
			t.Errorf("another source's listed id: %d %v, want 201", status, body)
		}
	})
}

// A stored shop's bad signature and an unknown shop get the same answer:
// the answer tells nobody which shops exist.
func TestUnknownShopAndBadSignatureAnswerAlike(t *testing.T) {
	t.Setenv("DEMO_SHOP_SECRET", "local-shopify-webhook-secret")
	f := newFixture(t, map[string]string{"SHOPIFY_WEBHOOK_SECRET": ""})
	stored := thankyou.Shop{Source: thankyou.SourceShopify, ID: "thankyou-demo.myshopify.com", Name: "Demo", SecretRefs: []string{"env:DEMO_SHOP_SECRET"},
		TimeZone: "America/New_York", DefaultCountry: "US", Channel: thankyou.ChannelSMS,
		Window: thankyou.MustWindow("10:00-17:00 Mon-Fri"), Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour}
	if err := f.store.PutShop(context.Background(), stored, received); err != nil {
		t.Fatal(err)
	}
	bad := loadEvent(t, "shopify-bad-signature.json")
	answers := map[string]events.APIGatewayV2HTTPResponse{}
	for name, ev := range map[string]events.APIGatewayV2HTTPRequest{
		"stored shop, bad signature":  bad,
		"unknown shop, bad signature": withHeader(bad, "x-shopify-shop-domain", "nobody.myshopify.com"),
		"unknown shop, good signature": withHeader(loadEvent(t, "shopify-orders-create.json"),
			"x-shopify-shop-domain", "nobody.myshopify.com"),
		"stored shop, no signature": loadEvent(t, "shopify-missing-signature.json"),
	} {
		resp, err := f.h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		answers[name] = resp
	}
	want := answers["stored shop, bad signature"]
	if want.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad signature: %d %s", want.StatusCode, want.Body)
	}
	for name, got := range answers {
		if got.StatusCode != want.StatusCode || got.Body != want.Body {
			t.Errorf("%s: %d %s; want the same answer as a bad signature: %d %s", name, got.StatusCode, got.Body, want.StatusCode, want.Body)
		}
	}
	if n := f.items(t); n != 1 {
		t.Errorf("%d items, want only the stored shop", n)
	}
}

// An unsigned body is not read before its signature is checked, and no
// answer or log field carries more than a bounded part of what a sender
// controls: error answers stay under 1 KiB, log fields under 256 bytes.
func TestAnswersAndLogsAreBounded(t *testing.T) {
	huge := strings.Repeat("x", 200<<10)
	unsigned := loadEvent(t, "stripe-checkout-completed.json")
	unsigned.Body = `{"id":"evt_` + huge + `","object":"event"}`
	signed := stripeSigned(t, []byte(`{"id":"evt_`+huge+`","object":"event"}`))
	longShop := withHeader(loadEvent(t, "shopify-orders-create.json"), "x-shopify-shop-domain", strings.Repeat("a", 250)+".myshopify.com")
	longPath := loadEvent(t, "shopify-orders-create.json")
	longPath.PathParameters = map[string]string{"source": huge}
	longTopic := withHeader(loadEvent(t, "shopify-orders-create.json"), "x-shopify-topic", "orders/"+huge)
	for name, tc := range map[string]struct {
		ev     events.APIGatewayV2HTTPRequest
		status int
	}{
		"unsigned Stripe event with a 200 KB id": {unsigned, http.StatusUnauthorized},
		"signed Stripe event with a 200 KB id":   {signed, http.StatusBadRequest},
		"a long shop domain":                     {longShop, http.StatusBadRequest},
		"a 200 KB source":                        {longPath, http.StatusNotFound},
		"a 200 KB topic":                         {longTopic, http.StatusOK},
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			f := newLoggingFixture(t, nil, &logs)
			f.h.Now = func() time.Time { return time.UnixMilli(tc.ev.RequestContext.TimeEpoch).UTC() }
			resp, err := f.h.Handle(context.Background(), tc.ev)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status {
				t.Errorf("status %d (%.200s), want %d", resp.StatusCode, resp.Body, tc.status)
			}
			if resp.StatusCode >= 400 && len(resp.Body) > 1024 {
				t.Errorf("error answer of %d bytes, want at most 1 KiB", len(resp.Body))
			}
			if len(resp.Body) > 2048 {
				t.Errorf("answer of %d bytes echoes what the sender sent", len(resp.Body))
			}
			for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
				var rec map[string]any
				if err := json.Unmarshal(line, &rec); err != nil {
					t.Fatalf("log line is not JSON: %.200s", line)
				}
				checkLogFields(t, "", rec)
			}
			if f.items(t) != 0 {
				t.Errorf("a refused delivery wrote %d items", f.items(t))
			}
		})
	}
}

func checkLogFields(t *testing.T, path string, v any) {
	t.Helper()
	switch v := v.(type) {
	case string:
		if len(v) > 256 {
			t.Errorf("log field %s holds %d bytes, want at most 256", path, len(v))
		}
	case map[string]any:
		for k, x := range v {
			checkLogFields(t, path+"."+k, x)
		}
	case []any:
		for i, x := range v {
			checkLogFields(t, fmt.Sprintf("%s[%d]", path, i), x)
		}
	}
}

// stripeSigned is a Stripe delivery of body, signed with the local
// secret when the fixtures arrive.
func stripeSigned(t *testing.T, body []byte) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev := loadEvent(t, "stripe-checkout-completed.json")
	ev.Body = string(body)
	ev.IsBase64Encoded = false
	arrived := time.UnixMilli(ev.RequestContext.TimeEpoch).UTC()
	return withHeader(ev, "stripe-signature", stripe.Sign([]byte("whsec_localstripesigningsecret0123456789"), arrived, body))
}

// WooCommerce's topic header is not signed either: the signed order's
// status decides. A cancelled order resent as order.created still only
// cancels; a paid order resent as another topic is ignored, never
// cancelled.
func TestWooCommercesStatusNotItsTopicChoosesTheAction(t *testing.T) {
	f := newFixture(t, nil)
	if status, body := f.postAt(t, loadEvent(t, "woocommerce-order-created.json")); status != http.StatusCreated {
		t.Fatalf("order: %d %v", status, body)
	}
	status, body := f.postAt(t, withHeader(loadEvent(t, "woocommerce-order-created.json"), "x-wc-webhook-topic", "order.deleted"))
	if status != http.StatusOK || body["status"] != "ignored" {
		t.Errorf("the paid order resent as order.deleted: %d %v, want 200 ignored", status, body)
	}
	if got, err := f.store.GetTask(context.Background(), wooTask); err != nil || got.State != thankyou.StatePending {
		t.Fatalf("task = %s, %v; want pending", got.State, err)
	}
	status, body = f.postAt(t, withHeader(loadEvent(t, "woocommerce-order-cancelled.json"), "x-wc-webhook-topic", "order.created"))
	if status != http.StatusOK || body["status"] != "cancelled" {
		t.Errorf("the cancelled order resent as order.created: %d %v, want 200 cancelled (its status decides)", status, body)
	}
}

// A generic event may name its shop in the signed body: then that shop is
// the delivery's, whatever X-Shop says, and its own secret must verify the
// body. One signed order resent under other X-Shop values is one task.
func TestAGenericBodyNamesItsOwnShop(t *testing.T) {
	t.Setenv("SHOP_B_SECRET", "shop-b-secret")
	f := newFixture(t, map[string]string{"SHOP_IDS": "generic:thankyou-demo,generic:a,generic:b"})
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	ev := genericOrder(t, "thankyou-demo", "local-generic-webhook-secret", "S-1", "+12125550166", at)
	ev.Body = strings.Replace(ev.Body, `{"event"`, `{"shop":"thankyou-demo","event"`, 1)
	ev = withHeader(ev, "x-signature-256", generic.Sign([]byte("local-generic-webhook-secret"), at, []byte(ev.Body)))
	for _, route := range []string{"thankyou-demo", "a", "b", ""} {
		status, body := f.postAt(t, withHeader(ev, "x-shop", route))
		if status >= 300 || (body["task"] != "" && body["task"] != "generic:thankyou-demo:S-1") {
			t.Errorf("routed as %q: %d %v, want the body's shop's task", route, status, body)
		}
	}
	if n := f.tasks(t); n != 1 {
		t.Errorf("%d tasks, want 1", n)
	}
	// A stored shop with its own secret: the environment's secret does not
	// speak for it.
	stored := thankyou.Shop{Source: thankyou.SourceGeneric, ID: "shop-b", Name: "B", SecretRefs: []string{"env:SHOP_B_SECRET"},
		TimeZone: "America/New_York", DefaultCountry: "US", Channel: thankyou.ChannelSMS,
		Window: thankyou.MustWindow("10:00-17:00 Mon-Fri"), Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour}
	if err := f.store.PutShop(context.Background(), stored, received); err != nil {
		t.Fatal(err)
	}
	forged := genericOrder(t, "thankyou-demo", "local-generic-webhook-secret", "S-2", "+12125550166", at)
	forged.Body = strings.Replace(forged.Body, `{"event"`, `{"shop":"shop-b","event"`, 1)
	forged = withHeader(forged, "x-signature-256", generic.Sign([]byte("local-generic-webhook-secret"), at, []byte(forged.Body)))
	before := f.items(t)
	if status, body := f.postAt(t, forged); status != http.StatusUnauthorized || f.items(t) != before {
		t.Errorf("a body naming a shop whose secret did not sign it: %d %v, %d items written; want 401 and nothing", status, body, f.items(t)-before)
	}
}
