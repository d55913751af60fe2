package woocommerce

import (
	"bytes"
	"encoding/base64"
	"errors"
	"path/filepath"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// seedBodies are the project's WooCommerce payloads and a few odd bodies.
func seedBodies(f *testing.F) [][]byte {
	f.Helper()
	paths, err := filepath.Glob("../../infra/fixtures/story/testdata/woocommerce-*.json")
	if err != nil || len(paths) == 0 {
		f.Fatalf("no WooCommerce testdata: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		out = append(out, readFile(f, p))
	}
	return append(out, []byte("webhook_id=7"), []byte(`{"id":5001,"status":"processing"}`), []byte(`[]`), nil)
}

// FuzzVerify checks that Verify never panics, refuses with a coded error,
// and lets nothing through unsigned but a ping, which creates nothing.
func FuzzVerify(f *testing.F) {
	for _, body := range seedBodies(f) {
		f.Add(Sign([]byte(testSecret), body), body)
		f.Add("", body)
		f.Add(Sign([]byte("another secret"), body), body)
	}
	f.Add("%%%", []byte("webhook_id=x"))
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		r := delivery(TopicOrderCreated, testSite, sig, body)
		err := Source{}.Verify(r, secrets("old", testSecret))
		if err != nil {
			if code := errorCode(err); code != thankyou.EUNAUTHORIZED {
				t.Fatalf("Verify = %v, want code %q", err, thankyou.EUNAUTHORIZED)
			}
			if bytes.Contains([]byte(err.Error()), []byte(testSecret)) {
				t.Fatalf("Verify error %q reveals the secret", err)
			}
			return
		}
		raw, decErr := base64.StdEncoding.DecodeString(sig)
		if decErr == nil && webhook.MatchAny(secrets(testSecret), raw, body) {
			return // genuinely signed
		}
		// Accepted without a good signature: it must be a ping, which
		// creates, cancels and reveals nothing.
		d, err := Source{}.Parse(r, "US")
		if err != nil || d.Kind != thankyou.DeliveryIgnored || d.Topic != TopicPing || d.Order.ID != "" {
			t.Fatalf("unsigned body %q accepted and parsed as %+v, %v; want an ignored ping", body, d, err)
		}
	})
}

// FuzzParse checks that Parse never panics, fails only with EINVALID, and
// gives whole deliveries: a created order has an id and exactly one of a
// valid phone or a skip reason; a cancellation has an id and a reason.
func FuzzParse(f *testing.F) {
	for _, body := range seedBodies(f) {
		f.Add(TopicOrderCreated, testSite, body)
		f.Add(TopicOrderUpdated, "https://www.Shop.example.com:8443/", body)
		f.Add("order.deleted", "", body)
	}
	f.Add("", "not a url", []byte(`{"id":"5001","status":"failed"}`))
	f.Fuzz(func(t *testing.T, topic, source string, body []byte) {
		r := delivery(topic, source, "", body)
		d, err := Source{}.Parse(r, "US")
		if err != nil {
			var e *thankyou.Error
			if !errors.As(err, &e) || e.Code != thankyou.EINVALID {
				t.Fatalf("Parse = %v, want a *thankyou.Error with code %q", err, thankyou.EINVALID)
			}
			return
		}
		o := d.Order
		switch d.Kind {
		case thankyou.DeliveryOrderCreated:
			if o.ID == "" || o.Source != thankyou.SourceWooCommerce || o.CreatedAt.IsZero() {
				t.Fatalf("created order without id, source or creation time: %+v", o)
			}
			if (o.Phone == "") == (o.SkipReason.Detail == "") {
				t.Fatalf("phone %q, skip reason %q: want exactly one", o.Phone, o.SkipReason)
			}
			checkItems(t, o.Items)
			checkRegion(t, o.Region)
			if o.Phone != "" {
				if n, err := phone.Normalize(o.Phone, ""); err != nil || n != o.Phone {
					t.Fatalf("phone %q is not E.164: %q, %v", o.Phone, n, err)
				}
			}
		case thankyou.DeliveryOrderCancelled:
			if o.ID == "" || o.Source != thankyou.SourceWooCommerce || d.Reason == "" {
				t.Fatalf("cancellation without id, source or reason: %+v", d)
			}
		case thankyou.DeliveryIgnored:
			if o.ID != "" {
				t.Fatalf("ignored delivery carries order %q", o.ID)
			}
		default:
			t.Fatalf("kind %q", d.Kind)
		}
		if d.Kind != thankyou.DeliveryIgnored {
			shop, err := Source{}.ShopID(r)
			if err != nil || o.Shop != shop {
				t.Fatalf("order shop %q, ShopID %q, %v", o.Shop, shop, err)
			}
		}
	})
}
