package woocommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

const (
	testSecret = "local-woocommerce-webhook-secret"
	testSite   = "https://shop.example.com/"
	testShop   = "shop.example.com"
	// The project's payloads, modelled on the REST API v3 order; the fixture
	// generator signs them.
	createdFile   = "../../infra/fixtures/story/testdata/woocommerce-order-created.json"
	cancelledFile = "../../infra/fixtures/story/testdata/woocommerce-order-cancelled.json"
	pendingFile   = "../../infra/fixtures/story/testdata/woocommerce-order-pending.json"
)

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// delivery is a request as the order webhook passes it on: API Gateway's
// lower-case header names, added (so canonicalised) to an http.Header.
// Empty values are left out.
func delivery(topic, source, sig string, body []byte) webhook.Request {
	h := http.Header{}
	h.Add("content-type", "application/json")
	for k, v := range map[string]string{
		"x-wc-webhook-topic":       topic,
		"x-wc-webhook-source":      source,
		"x-wc-webhook-signature":   sig,
		"x-wc-webhook-delivery-id": "0d3c1e0f7b5a4c2e9f8d6b4a2c0e8f6d",
	} {
		if v != "" {
			h.Add(k, v)
		}
	}
	return webhook.Request{Header: h, Body: body, Received: time.Date(2026, 11, 23, 17, 0, 4, 0, time.UTC)}
}

// signed is a delivery of body signed with the test secret.
func signed(topic string, body []byte) webhook.Request {
	return delivery(topic, testSite, Sign([]byte(testSecret), body), body)
}

func secrets(s ...string) [][]byte {
	var out [][]byte
	for _, v := range s {
		out = append(out, []byte(v))
	}
	return out
}

func errorCode(err error) string {
	var e *thankyou.Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err != nil {
		return "not a *thankyou.Error"
	}
	return ""
}

// edit returns the order in path with fields set (nil deletes a field;
// "billing.phone" reaches into an address).
func edit(tb testing.TB, path string, fields map[string]any) []byte {
	tb.Helper()
	dec := json.NewDecoder(bytes.NewReader(readFile(tb, path)))
	dec.UseNumber()
	var order map[string]any
	if err := dec.Decode(&order); err != nil {
		tb.Fatal(err)
	}
	for k, v := range fields {
		m, key := order, k
		if parent, child, ok := strings.Cut(k, "."); ok {
			m, key = order[parent].(map[string]any), child
		}
		if v == nil {
			delete(m, key)
		} else {
			m[key] = v
		}
	}
	b, err := json.Marshal(order)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestSignIsBase64HMACSHA256(t *testing.T) {
	// RFC 4231 test case 2, base64-encoded as WooCommerce sends it.
	if got, want := Sign([]byte("Jefe"), []byte("what do ya want for nothing?")), "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="; got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestShopIDIsTheSiteHost(t *testing.T) {
	tests := []struct {
		name   string
		source string
		want   string
		code   string
	}{
		{"home URL", "https://shop.example.com/", "shop.example.com", ""},
		{"upper case", "https://Shop.Example.COM/", "shop.example.com", ""},
		{"www kept", "https://www.shop.example.com/", "www.shop.example.com", ""},
		{"port kept", "http://localhost:8080/", "localhost:8080", ""},
		{"site in a folder", "https://example.com/store/", "example.com", ""},
		{"no trailing slash", "https://shop.example.com", "shop.example.com", ""},
		{"IPv6", "http://[2001:db8::1]:8080/", "[2001:db8::1]:8080", ""},
		{"missing: a single shop matches", "", "", ""},
		{"not a URL", "shop.example.com", "", thankyou.EINVALID},
		{"other scheme", "ftp://shop.example.com/", "", thankyou.EINVALID},
		{"user info", "https://admin@shop.example.com/", "", thankyou.EINVALID},
		{"no host", "https:///path", "", thankyou.EINVALID},
		{"bad characters", "https://shop%20example.com/", "", thankyou.EINVALID},
		{"bad port", "https://shop.example.com:80x/", "", thankyou.EINVALID},
		{"too long", "https://" + strings.Repeat("a", 300) + ".com/", "", thankyou.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Source{}.ShopID(delivery(TopicOrderCreated, tt.source, "", nil))
			if got != tt.want || errorCode(err) != tt.code {
				t.Errorf("ShopID(%q) = %q, %v; want %q, code %q", tt.source, got, err, tt.want, tt.code)
			}
		})
	}
}

func TestShopIDReadsTheHeaderWithoutItsXPrefix(t *testing.T) {
	r := webhook.Request{Header: http.Header{"Wc-Webhook-Source": {"https://shop.example.com/"}}}
	if got, err := (Source{}).ShopID(r); got != testShop || err != nil {
		t.Errorf("ShopID = %q, %v; want %q", got, err, testShop)
	}
}

func TestVerifyAcceptsOnlyBodiesSignedWithAShopSecret(t *testing.T) {
	body := readFile(t, createdFile)
	good := Sign([]byte(testSecret), body)
	changed := bytes.Replace(body, []byte(`"57.26"`), []byte(`"0.01"`), 1)

	tests := []struct {
		name    string
		r       webhook.Request
		secrets [][]byte
		code    string
		message string // part of the error message
	}{
		{"signed with the secret", delivery(TopicOrderCreated, testSite, good, body), secrets(testSecret), "", ""},
		{"old and new secret while rotating", delivery(TopicOrderCreated, testSite, good, body), secrets("old", testSecret), "", ""},
		{"only another secret", delivery(TopicOrderCreated, testSite, good, body), secrets("old"), thankyou.EUNAUTHORIZED, "does not match"},
		{"body changed after signing", delivery(TopicOrderCreated, testSite, good, changed), secrets(testSecret), thankyou.EUNAUTHORIZED, "does not match"},
		{"missing signature", delivery(TopicOrderCreated, testSite, "", body), secrets(testSecret), thankyou.EUNAUTHORIZED, "missing X-WC-Webhook-Signature"},
		{"signature not base64", delivery(TopicOrderCreated, testSite, "not base64!", body), secrets(testSecret), thankyou.EUNAUTHORIZED, "not valid base64"},
		{"hex instead of base64", delivery(TopicOrderCreated, testSite, "5bdcc146bf60754e6a042426089575c7", body), secrets(testSecret), thankyou.EUNAUTHORIZED, "does not match"},
		{"no secret configured", delivery(TopicOrderCreated, testSite, good, body), nil, thankyou.EINTERNAL, "no WooCommerce webhook secret"},
		{"only an empty secret", delivery(TopicOrderCreated, testSite, good, body), secrets(""), thankyou.EINTERNAL, "no WooCommerce webhook secret"},
		{"unsigned form body that is not a ping", delivery("", "", "", []byte("webhook_id=7&status=processing")), secrets(testSecret), thankyou.EUNAUTHORIZED, "missing"},
		{"unsigned order pretending to be a ping", delivery(TopicOrderCreated, testSite, "", append([]byte("webhook_id=7\n"), body...)), secrets(testSecret), thankyou.EUNAUTHORIZED, "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Source{}.Verify(tt.r, tt.secrets)
			if got := errorCode(err); got != tt.code {
				t.Fatalf("Verify = %v, want code %q", err, tt.code)
			}
			if err == nil {
				return
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.message) {
				t.Errorf("Verify error %q does not say %q", msg, tt.message)
			}
			if strings.Contains(msg, testSecret) || strings.Contains(msg, good) {
				t.Errorf("Verify error %q reveals the secret or the expected signature", msg)
			}
		})
	}
}

func TestVerifyFindsTheSignatureWithoutItsXPrefix(t *testing.T) {
	body := readFile(t, createdFile)
	r := webhook.Request{Header: http.Header{"wc-webhook-signature": {Sign([]byte(testSecret), body)}}, Body: body}
	if err := (Source{}).Verify(r, secrets(testSecret)); err != nil {
		t.Errorf("Verify = %v, want nil", err)
	}
}

func TestUnsignedPingIsAcceptedAndCreatesNothing(t *testing.T) {
	for _, body := range []string{"webhook_id=7", "webhook_id=12345678901234567890", "webhook_id=7\r\n"} {
		// A ping has no X-WC-Webhook headers at all.
		r := webhook.Request{Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, Body: []byte(body)}
		for _, s := range [][][]byte{secrets(testSecret), nil} {
			if err := (Source{}).Verify(r, s); err != nil {
				t.Errorf("Verify(%q, %d secrets) = %v, want nil", body, len(s), err)
			}
		}
		shop, err := Source{}.ShopID(r)
		if shop != "" || err != nil {
			t.Errorf("ShopID(%q) = %q, %v; want \"\", nil", body, shop, err)
		}
		d, err := Source{}.Parse(r, "US")
		if err != nil || d.Kind != thankyou.DeliveryIgnored || d.Topic != TopicPing || d.Order.ID != "" {
			t.Errorf("Parse(%q) = %+v, %v; want ignored %q without an order", body, d, err, TopicPing)
		}
	}
}

func TestParseMapsOrderStatusesToDeliveries(t *testing.T) {
	tests := []struct {
		topic, status string
		kind          thankyou.DeliveryKind
		reason        string
	}{
		{TopicOrderCreated, "processing", thankyou.DeliveryOrderCreated, ""},
		{TopicOrderCreated, "completed", thankyou.DeliveryOrderCreated, ""},
		{TopicOrderUpdated, "processing", thankyou.DeliveryOrderCreated, ""},
		{TopicOrderUpdated, "Completed", thankyou.DeliveryOrderCreated, ""},
		{TopicOrderUpdated, "wc-processing", thankyou.DeliveryOrderCreated, ""},
		{TopicOrderUpdated, "cancelled", thankyou.DeliveryOrderCancelled, "cancelled"},
		{TopicOrderUpdated, "refunded", thankyou.DeliveryOrderCancelled, "refunded"},
		{TopicOrderUpdated, "failed", thankyou.DeliveryOrderCancelled, "failed"},
		{TopicOrderCreated, "cancelled", thankyou.DeliveryOrderCancelled, "cancelled"},
		{TopicOrderCreated, "pending", thankyou.DeliveryIgnored, "waiting for payment"},
		{TopicOrderUpdated, "on-hold", thankyou.DeliveryIgnored, "waiting for payment"},
		{TopicOrderCreated, "checkout-draft", thankyou.DeliveryIgnored, "waiting for payment"},
		{TopicOrderUpdated, "awaiting-shipment", thankyou.DeliveryIgnored, "waiting for payment"},
	}
	for _, tt := range tests {
		t.Run(tt.topic+" "+tt.status, func(t *testing.T) {
			body := edit(t, createdFile, map[string]any{"status": tt.status})
			d, err := Source{}.Parse(signed(strings.ToUpper(tt.topic), body), "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.kind || !strings.Contains(d.Reason, tt.reason) || d.Topic != tt.topic {
				t.Errorf("kind %q, reason %q, topic %q; want %q, %q, %q", d.Kind, d.Reason, d.Topic, tt.kind, tt.reason, tt.topic)
			}
			if d.EventID != "0d3c1e0f7b5a4c2e9f8d6b4a2c0e8f6d" || !d.OccurredAt.Equal(time.Date(2026, 11, 23, 17, 0, 2, 0, time.UTC)) {
				t.Errorf("event id %q, occurred at %v; want the delivery id and date_modified_gmt", d.EventID, d.OccurredAt)
			}
			switch tt.kind {
			case thankyou.DeliveryOrderCreated, thankyou.DeliveryOrderCancelled:
				if o := d.Order; o.Source != thankyou.SourceWooCommerce || o.Shop != testShop || o.ID != "5001" || o.Number != "5001" {
					t.Errorf("order source %q, shop %q, id %q, number %q; want woocommerce, %s, 5001, 5001", o.Source, o.Shop, o.ID, o.Number, testShop)
				}
			default:
				if d.Order.ID != "" {
					t.Errorf("ignored delivery carries order %q", d.Order.ID)
				}
			}
		})
	}
}

func TestCancellationFindsTheTaskTheCreationMade(t *testing.T) {
	created, err := Source{}.Parse(signed(TopicOrderCreated, readFile(t, createdFile)), "US")
	if err != nil {
		t.Fatal(err)
	}
	cancelled, err := Source{}.Parse(signed(TopicOrderUpdated, readFile(t, cancelledFile)), "US")
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Kind != thankyou.DeliveryOrderCancelled || cancelled.Reason != "cancelled" {
		t.Errorf("cancelled: kind %q, reason %q", cancelled.Kind, cancelled.Reason)
	}
	if got, want := cancelled.Order.TaskID(), created.Order.TaskID(); got != want {
		t.Errorf("cancellation task %q, creation task %q: want the same", got, want)
	}
	if cancelled.Order.Phone != "" || cancelled.Order.Email != "" || cancelled.Order.CustomerName != "" {
		t.Error("a cancellation carries personal data it does not need")
	}
	if want := time.Date(2026, 11, 24, 14, 30, 0, 0, time.UTC); !cancelled.OccurredAt.Equal(want) {
		t.Errorf("OccurredAt = %v, want %v", cancelled.OccurredAt, want)
	}
}

func TestPendingOrderWaitsForPayment(t *testing.T) {
	d, err := Source{}.Parse(signed(TopicOrderCreated, readFile(t, pendingFile)), "US")
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != thankyou.DeliveryIgnored || d.Reason != `order 5002 is "pending": waiting for payment` {
		t.Errorf("kind %q, reason %q; want ignored, waiting for payment", d.Kind, d.Reason)
	}
}

func TestParseNormalisesThePaidOrder(t *testing.T) {
	d, err := Source{}.Parse(signed(TopicOrderCreated, readFile(t, createdFile)), "GB")
	if err != nil {
		t.Fatal(err)
	}
	want := thankyou.Order{
		Source:       thankyou.SourceWooCommerce,
		Shop:         testShop,
		ID:           "5001",
		Number:       "5001",
		CustomerName: "Olivia Martin",
		FirstName:    "Olivia",
		Phone:        "+12125550140", // the billing country (US) wins over the shop's GB
		Email:        "olivia.martin@example.com",
		Total:        "57.26",
		Currency:     "USD",
		CreatedAt:    time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC),
		Country:      "US",
		Region:       "US-NY",
	}
	got := d.Order
	if got.Source != want.Source || got.Shop != want.Shop || got.ID != want.ID || got.Number != want.Number ||
		got.CustomerName != want.CustomerName || got.FirstName != want.FirstName || got.Phone != want.Phone ||
		got.Email != want.Email || got.Total != want.Total || got.Currency != want.Currency ||
		!got.CreatedAt.Equal(want.CreatedAt) || got.CreatedAt.Location() != time.UTC || got.Country != want.Country ||
		got.Region != want.Region || got.Test || got.Tags != nil || got.CustomerOrders != 0 || got.SkipReason.Detail != "" {
		t.Errorf("order =\n%+v\nwant\n%+v", got, want)
	}
	if want := []string{"2 × Hand-thrown mug — speckled"}; !slices.Equal(got.Items, want) {
		t.Errorf("Items = %q, want %q", got.Items, want)
	}
	if got.TaskID() != "woocommerce:shop.example.com:5001" {
		t.Errorf("TaskID = %q", got.TaskID())
	}
}

func TestParseReadsTheOrderFields(t *testing.T) {
	tests := []struct {
		name    string
		fields  map[string]any
		country string // the shop's default
		check   func(thankyou.Order) bool
	}{
		{"number differs from id", map[string]any{"number": "WC-5001-A"}, "US",
			func(o thankyou.Order) bool { return o.ID == "5001" && o.Number == "WC-5001-A" }},
		{"number missing: the id", map[string]any{"number": nil}, "US",
			func(o thankyou.Order) bool { return o.Number == "5001" }},
		{"id as a string", map[string]any{"id": "5001"}, "US",
			func(o thankyou.Order) bool { return o.ID == "5001" }},
		{"date with an offset", map[string]any{"date_created_gmt": "2026-11-23T12:00:00-05:00"}, "US",
			func(o thankyou.Order) bool {
				return o.CreatedAt.Equal(time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)) && o.CreatedAt.Location() == time.UTC
			}},
		{"fractional seconds", map[string]any{"date_created_gmt": "2026-11-23T17:00:00.250"}, "US",
			func(o thankyou.Order) bool {
				return o.CreatedAt.Equal(time.Date(2026, 11, 23, 17, 0, 0, 250e6, time.UTC))
			}},
		{"lower-case currency", map[string]any{"currency": "eur"}, "US",
			func(o thankyou.Order) bool { return o.Currency == "EUR" }},
		{"shipping country wins", map[string]any{"shipping.country": "ca"}, "US",
			func(o thankyou.Order) bool { return o.Country == "CA" }},
		{"billing country when shipping has none", map[string]any{"shipping.country": ""}, "GB",
			func(o thankyou.Order) bool { return o.Country == "US" }},
		{"no billing names: shipping's", map[string]any{"billing.first_name": "", "billing.last_name": "", "shipping.first_name": "Liv", "shipping.last_name": "M."}, "US",
			func(o thankyou.Order) bool { return o.CustomerName == "Liv M." && o.FirstName == "Liv" }},
		{"last name only", map[string]any{"billing.first_name": " ", "billing.last_name": "Martin"}, "US",
			func(o thankyou.Order) bool { return o.CustomerName == "Martin" && o.FirstName == "Martin" }},
		{"no names", map[string]any{"billing.first_name": "", "billing.last_name": "", "shipping.first_name": "", "shipping.last_name": ""}, "US",
			func(o thankyou.Order) bool { return o.CustomerName == "" && o.FirstName == "" }},
		{"total as a number", map[string]any{"total": json.Number("57.26")}, "US",
			func(o thankyou.Order) bool { return o.Total == "57.26" }},
		{"billing as PHP's empty array", map[string]any{"billing": []any{}}, "US",
			func(o thankyou.Order) bool {
				return o.Email == "" && o.CustomerName == "Olivia Martin" && o.SkipReason.Detail == SkipNoPhone
			}},
		{"shipping null", map[string]any{"shipping": nil}, "US",
			func(o thankyou.Order) bool { return o.Country == "US" && o.Phone == "+12125550140" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Source{}.Parse(signed(TopicOrderCreated, edit(t, createdFile, tt.fields)), tt.country)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(d.Order) {
				t.Errorf("order = %+v", d.Order)
			}
		})
	}
}

func TestParseFindsTheCustomersPhone(t *testing.T) {
	tests := []struct {
		name            string
		billing         string
		billingCountry  string
		shipping        string
		shippingCountry string
		shopCountry     string
		want, skip      string
	}{
		{"billing phone, its country", "(212) 555-0140", "US", "", "US", "GB", "+12125550140", ""},
		{"billing phone abroad", "07911 123456", "GB", "", "GB", "US", "+447911123456", ""},
		{"no address country: the shop's", "07911 123456", "", "", "", "GB", "+447911123456", ""},
		{"shipping phone when billing has none", "", "US", "+44 7911 123456", "GB", "US", "+447911123456", ""},
		{"shipping phone read with the shipping country", "", "US", "07911 123456", "GB", "US", "+447911123456", ""},
		{"shipping phone when billing is invalid", "12", "US", "212-555-0140", "US", "US", "+12125550140", ""},
		{"billing wins over shipping", "212-555-0140", "US", "+44 7911 123456", "GB", "US", "+12125550140", ""},
		{"none", "", "US", "", "US", "US", "", SkipNoPhone},
		{"blank", "  ", "US", "", "US", "US", "", SkipNoPhone},
		{"one invalid", "555", "US", "", "US", "US", "", "no valid phone number (1 found, none valid)"},
		{"two invalid", "555", "US", "0000", "US", "US", "", "no valid phone number (2 found, none valid)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := edit(t, createdFile, map[string]any{
				"billing.phone": tt.billing, "billing.country": tt.billingCountry,
				"shipping.phone": tt.shipping, "shipping.country": tt.shippingCountry,
			})
			d, err := Source{}.Parse(signed(TopicOrderCreated, body), tt.shopCountry)
			if err != nil {
				t.Fatal(err)
			}
			if d.Order.Phone != tt.want || d.Order.SkipReason.Detail != tt.skip {
				t.Errorf("phone %q, skip %q; want %q, %q", d.Order.Phone, d.Order.SkipReason, tt.want, tt.skip)
			}
		})
	}
}

func TestParseIgnoresOtherTopics(t *testing.T) {
	for _, topic := range []string{"order.deleted", "order.restored", "product.updated", "customer.created", "action.woocommerce_add_to_cart"} {
		d, err := Source{}.Parse(signed(topic, []byte(`{"id":5001}`)), "US")
		if err != nil || d.Kind != thankyou.DeliveryIgnored || d.Topic != topic || d.Order.ID != "" {
			t.Errorf("%s: %+v, %v; want ignored", topic, d, err)
		}
	}
}

func TestParseRejectsMalformedDeliveries(t *testing.T) {
	order := readFile(t, createdFile)
	tests := []struct {
		name    string
		r       webhook.Request
		message string
	}{
		{"missing topic", signed("", order), "missing X-WC-Webhook-Topic"},
		{"source not a URL", delivery(TopicOrderCreated, "shop.example.com", "", order), "X-WC-Webhook-Source header is not a site URL"},
		{"empty body", signed(TopicOrderCreated, nil), "body is empty"},
		{"truncated JSON", signed(TopicOrderCreated, order[:len(order)/3]), "not valid JSON"},
		{"JSON array", signed(TopicOrderCreated, []byte(`[{"id":5001}]`)), "JSON array, not an object"},
		{"form body", signed(TopicOrderCreated, []byte(`id=5001&status=processing`)), "not valid JSON"},
		{"no id", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"id": nil})), "order has no id"},
		{"id zero", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"id": 0})), "positive whole number"},
		{"id negative", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"id": -5001})), "positive whole number"},
		{"id fractional", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"id": 5001.5})), "positive whole number"},
		{"id too big", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"id": json.Number("18446744073709551616")})), "positive whole number"},
		{"id an object", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"id": map[string]any{}})), "order field id is a JSON object"},
		{"no status", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"status": nil})), "order 5001 has no status"},
		{"status a number", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"status": 3})), "order field status is a JSON number"},
		{"billing a string", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"billing": "Olivia"})), "order field billing is a JSON string"},
		{"phone a number", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"billing.phone": 2125550140})), "order field billing.phone is a JSON number"},
		{"no creation date", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"date_created_gmt": nil})), "order 5001 has no date_created_gmt"},
		{"creation date unreadable", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"date_created_gmt": "23/11/2026 17:00"})), "order 5001 date_created_gmt is not a date and time"},
		{"modification date unreadable", signed(TopicOrderUpdated, edit(t, cancelledFile, map[string]any{"date_modified_gmt": "yesterday"})), "order 5001 date_modified_gmt is not a date and time"},
		{"total not a number", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"total": "57,26"})), "order 5001 total is not a decimal number"},
		{"total NaN", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"total": "NaN"})), "order 5001 total is not a decimal number"},
		{"total Inf", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"total": "Inf"})), "order 5001 total is not a decimal number"},
		{"total -Inf", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"total": "-Inf"})), "order 5001 total is not a decimal number"},
		{"total 0x1p4", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"total": "0x1p4"})), "order 5001 total is not a decimal number"},
		{"total 1e3", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"total": "1e3"})), "order 5001 total is not a decimal number"},
		{"total -57.26", signed(TopicOrderCreated, edit(t, createdFile, map[string]any{"total": "-57.26"})), "order 5001 total is not a decimal number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Source{}.Parse(tt.r, "US")
			if errorCode(err) != thankyou.EINVALID {
				t.Fatalf("Parse = %+v, %v; want code %q", d, err, thankyou.EINVALID)
			}
			if msg := thankyou.ErrorMessage(err); !strings.Contains(msg, tt.message) {
				t.Errorf("message %q, want it to say %q", msg, tt.message)
			}
			if strings.Contains(err.Error(), "Olivia") || strings.Contains(err.Error(), "555") {
				t.Errorf("error %q repeats personal data", err)
			}
		})
	}
}

// source is orderhook.Source as issue 4 declares it, repeated here so this
// package's tests do not depend on the handler's.
type source interface {
	ShopID(r webhook.Request) (string, error)
	Verify(r webhook.Request, secrets [][]byte) error
	Parse(r webhook.Request, defaultCountry string) (thankyou.Delivery, error)
}

var (
	_ source = Source{}
	_ source = &Source{}
)
