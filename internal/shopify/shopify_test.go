package shopify

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

const (
	testSecret = "local-shopify-webhook-secret"
	testShop   = "thankyou-demo.myshopify.com"
	// fullExample is the project's Shopify orders/create payload, modelled on
	// Shopify's documented example; the fixture generator signs it.
	fullExample = "../../infra/fixtures/story/testdata/shopify-orders-create.json"
	// docsSample is shaped like Shopify's own orders/create sample payload,
	// whose phone numbers are all placeholders.
	docsSample = "testdata/docs-sample.json"
)

// verify runs Verify on a delivery with the local secret.
func verify(h http.Header, body []byte) error {
	return (&Source{}).Verify(webhook.Request{Header: h, Body: body}, [][]byte{[]byte(testSecret)})
}

// parse runs Parse on a delivery for a shop in the United States.
func parse(h http.Header, body []byte) (thankyou.Delivery, error) {
	return (&Source{}).Parse(webhook.Request{Header: h, Body: body}, "US")
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// deliveryHeader is what the order webhook passes on: API Gateway's
// lower-case names, added (so canonicalised) to an http.Header.
func deliveryHeader(topic, shop, hmac string) http.Header {
	h := http.Header{}
	h.Add("content-type", "application/json")
	if topic != "" {
		h.Add("x-shopify-topic", topic)
	}
	if shop != "" {
		h.Add("x-shopify-shop-domain", shop)
	}
	if hmac != "" {
		h.Add("x-shopify-hmac-sha256", hmac)
	}
	return h
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

func TestVerifyAcceptsOnlyBodiesSignedWithTheSecret(t *testing.T) {
	body := readFile(t, fullExample)
	good := Sign([]byte(testSecret), body)
	changed := append([]byte{}, body...)
	changed[len(changed)/2] ^= 0x01

	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   string // error code, "" for success
	}{
		{"valid signature", deliveryHeader("orders/create", testShop, good), body, ""},
		{"lower-case header names kept as sent", http.Header{"x-shopify-hmac-sha256": {good}}, body, ""},
		{"header without X- prefix", http.Header{"Shopify-Hmac-Sha256": {good}}, body, ""},
		{"surrounding spaces ignored", deliveryHeader("", "", " "+good+" "), body, ""},
		{"missing header", deliveryHeader("orders/create", testShop, ""), body, thankyou.EUNAUTHORIZED},
		{"signed with another secret", deliveryHeader("", "", Sign([]byte("another-secret"), body)), body, thankyou.EUNAUTHORIZED},
		{"signature not base64", deliveryHeader("", "", "not base64 at all!"), body, thankyou.EUNAUTHORIZED},
		{"signature of another length", deliveryHeader("", "", base64.StdEncoding.EncodeToString([]byte("short"))), body, thankyou.EUNAUTHORIZED},
		{"body changed by one byte", deliveryHeader("", "", good), changed, thankyou.EUNAUTHORIZED},
		{"body with a byte appended", deliveryHeader("", "", good), append(append([]byte{}, body...), '\n'), thankyou.EUNAUTHORIZED},
		{"hex instead of base64", deliveryHeader("", "", "7a"+strings.Repeat("0", 62)), body, thankyou.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(tt.header, tt.body)
			if got := errorCode(err); got != tt.want {
				t.Fatalf("Verify error code = %q (%v), want %q", got, err, tt.want)
			}
			if err != nil {
				msg := err.Error()
				if strings.Contains(msg, testSecret) || strings.Contains(msg, good) {
					t.Errorf("error %q reveals the secret or the expected signature", msg)
				}
				if !strings.Contains(msg, "X-Shopify-Hmac-Sha256") {
					t.Errorf("error %q does not name the header", msg)
				}
			}
		})
	}
}

func TestVerifyAcceptsAnyOfTheShopsSecretsWhileOneIsRotated(t *testing.T) {
	body := readFile(t, fullExample)
	oldSecret, newSecret, other := []byte("old-secret"), []byte("new-secret"), []byte("someone-else")
	tests := []struct {
		name    string
		secrets [][]byte
		signed  []byte
		want    string
	}{
		{"signed with the new secret", [][]byte{oldSecret, newSecret}, newSecret, ""},
		{"signed with the old secret", [][]byte{oldSecret, newSecret}, oldSecret, ""},
		{"an empty secret beside a good one", [][]byte{nil, newSecret}, newSecret, ""},
		{"signed with a secret the shop does not have", [][]byte{oldSecret, newSecret}, other, thankyou.EUNAUTHORIZED},
		{"signed with an empty key, shop has secrets", [][]byte{newSecret}, []byte{}, thankyou.EUNAUTHORIZED},
		{"no secrets", nil, newSecret, thankyou.EINTERNAL},
		{"only empty secrets, body signed with an empty key", [][]byte{nil, {}}, []byte{}, thankyou.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := webhook.Request{Header: deliveryHeader("", "", Sign(tt.signed, body)), Body: body}
			err := (&Source{}).Verify(r, tt.secrets)
			if got := errorCode(err); got != tt.want {
				t.Fatalf("Verify error code = %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

func TestShopIDIsTheShopDomainHeaderLowerCased(t *testing.T) {
	tests := []struct {
		name     string
		header   http.Header
		want     string
		wantCode string
	}{
		{"as Shopify sends it", deliveryHeader("orders/create", testShop, ""), testShop, ""},
		{"upper case, canonical header name", http.Header{"X-Shopify-Shop-Domain": {"ThankYou-Demo.MyShopify.com"}}, testShop, ""},
		{"without X- prefix", http.Header{"shopify-shop-domain": {testShop}}, testShop, ""},
		{"surrounding spaces", http.Header{"X-Shopify-Shop-Domain": {"  " + testShop + " "}}, testShop, ""},
		{"missing", deliveryHeader("orders/create", "", ""), "", thankyou.EUNAUTHORIZED},
		{"blank", http.Header{"X-Shopify-Shop-Domain": {"   "}}, "", thankyou.EUNAUTHORIZED},
		{"a path, not a domain", http.Header{"X-Shopify-Shop-Domain": {"shop/../other"}}, "", thankyou.EINVALID},
		{"a key separator", http.Header{"X-Shopify-Shop-Domain": {"a:b.myshopify.com"}}, "", thankyou.EINVALID},
		{"too long", http.Header{"X-Shopify-Shop-Domain": {strings.Repeat("a", 250) + ".myshopify.com"}}, "", thankyou.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := (&Source{}).ShopID(webhook.Request{Header: tt.header})
			if code := errorCode(err); code != tt.wantCode || got != tt.want {
				t.Fatalf("ShopID = %q, code %q (%v); want %q, code %q", got, code, err, tt.want, tt.wantCode)
			}
			if tt.wantCode == thankyou.EUNAUTHORIZED && !strings.Contains(err.Error(), "X-Shopify-Shop-Domain") {
				t.Errorf("error %q does not name the header", err)
			}
		})
	}
}

func TestParseNormalisesTheFullExample(t *testing.T) {
	d, err := parse(deliveryHeader("orders/create", "Thankyou-Demo.myshopify.com", ""), readFile(t, fullExample))
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != thankyou.DeliveryOrderCreated || d.Topic != "orders/create" {
		t.Errorf("Kind, Topic = %q, %q; want %q, %q", d.Kind, d.Topic, thankyou.DeliveryOrderCreated, "orders/create")
	}
	want := thankyou.Order{
		Source:       thankyou.SourceShopify,
		Shop:         testShop,
		ID:           "820982911946154508",
		Number:       "1001",
		CustomerName: "Jane Doe",
		FirstName:    "Jane",
		FamilyName:   "Doe",
		Locale:       "en-US",
		Phone:        "+12125550123",
		Email:        "jane.doe@example.com",
		Total:        "199.65",
		Currency:     "USD",
		CreatedAt:    time.Date(2026, 11, 23, 11, 0, 0, 0, time.FixedZone("", -5*3600)),
		Test:         false,
		Country:      "US",
		Region:       "US-NY",
		Items:        []string{"2 × Hand-thrown Mug (Sea Green)", "Linen Tea Towel Set"},
	}
	got := d.Order
	if !got.CreatedAt.Equal(want.CreatedAt) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt)
	}
	if _, off := got.CreatedAt.Zone(); off != -5*3600 {
		t.Errorf("CreatedAt offset = %ds, want the order's own -05:00", off)
	}
	got.CreatedAt, want.CreatedAt = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Order =\n  %+v\nwant\n  %+v", got, want)
	}
	if id := got.TaskID(); id != "shopify:thankyou-demo.myshopify.com:820982911946154508" {
		t.Errorf("TaskID = %q", id)
	}
}

func TestParseShopifysDocumentedSampleHasNoValidPhone(t *testing.T) {
	// Shopify's one sample order serves every order topic and so carries a
	// cancelled_at; a new order has none (a cancelled one does not fit
	// orders/create).
	sample := strings.Replace(string(readFile(t, docsSample)), `"cancelled_at": "2021-12-31T19:00:00-05:00"`, `"cancelled_at": null`, 1)
	if sample == string(readFile(t, docsSample)) {
		t.Fatal("the sample's cancelled_at was not found")
	}
	d, err := parse(deliveryHeader("orders/create", "jsmith.myshopify.com", ""), []byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	o := d.Order
	if o.ID != "820982911946154508" || o.Number != "1234" || o.CustomerName != "John Smith" || o.FirstName != "John" ||
		o.Email != "jon@example.com" || o.Total != "388.00" || !o.Test {
		t.Errorf("Order = %+v; want id 820982911946154508, number 1234, John Smith, jon@example.com, 388.00, test", o)
	}
	if !reflect.DeepEqual(o.Items, []string{"IPod Nano - 8GB"}) {
		t.Errorf("Items = %q, want the one line item", o.Items)
	}
	// Billing, shipping and default address each carry a placeholder.
	if o.Phone != "" || o.SkipReason.Detail != "no valid phone number (3 found, none valid)" {
		t.Errorf("Phone, SkipReason = %q, %q; want none, 3 found none valid", o.Phone, o.SkipReason)
	}
}

// order builds a minimal orders/create body around the given fields.
func order(fields string) []byte {
	if fields != "" {
		fields = "," + fields
	}
	return []byte(`{"id":450789469,"created_at":"2026-11-23T11:00:00-05:00","total_price":"10.00","currency":"USD","line_items":[]` + fields + `}`)
}

func TestParseFindsTheFirstValidPhone(t *testing.T) {
	tests := []struct {
		name      string
		body      []byte
		wantPhone string
		wantSkip  string
	}{
		{"customer phone", order(`"customer":{"phone":"+12125550123"}`), "+12125550123", ""},
		{"phone from billing only, country GB",
			order(`"billing_address":{"first_name":"Oliver","last_name":"Twist","phone":"020 7946 0018","country_code":"GB"}`),
			"+442079460018", ""},
		{"number with spaces, region from the shipping address",
			order(`"shipping_address":{"phone":" 06 12 34 56 78 ","country_code":"FR"}`), "+33612345678", ""},
		{"national number without address country uses the default country",
			order(`"phone":"(212) 555-0123"`), "+12125550123", ""},
		{"customer's default address comes last",
			order(`"customer":{"default_address":{"phone":"07911 123456","country_code":"GB"}}`), "+447911123456", ""},
		{"invalid customer phone skipped for the order phone",
			order(`"customer":{"phone":"12345"},"phone":"+1 212 555 0199"`), "+12125550199", ""},
		{"customer phone wins over billing",
			order(`"customer":{"phone":"+12125550123"},"billing_address":{"phone":"020 7946 0018","country_code":"GB"}`), "+12125550123", ""},
		{"no phone anywhere", order(`"customer":{"phone":null},"billing_address":{"phone":""},"shipping_address":{"phone":"  "}`),
			"", "no usable phone number"},
		{"no phone and no addresses", order(""), "", "no usable phone number"},
		{"invalid phones only",
			order(`"phone":"12345","shipping_address":{"phone":"555-555-SHIP","country_code":"US"}`),
			"", "no valid phone number (2 found, none valid)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(deliveryHeader("orders/create", testShop, ""), tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if d.Order.Phone != tt.wantPhone || d.Order.SkipReason.Detail != tt.wantSkip {
				t.Errorf("Phone, SkipReason = %q, %q; want %q, %q", d.Order.Phone, d.Order.SkipReason, tt.wantPhone, tt.wantSkip)
			}
		})
	}
}

func TestParseFallsBackForNamesNumberAndEmail(t *testing.T) {
	tests := []struct {
		name                  string
		body                  []byte
		wantName, wantFirst   string
		wantNumber, wantEmail string
	}{
		{"customer record", order(`"order_number":1001,"email":"a@example.com","customer":{"first_name":" Jane ","last_name":"Doe","email":"c@example.com"}`),
			"Jane Doe", "Jane", "1001", "a@example.com"},
		{"billing first and last name", order(`"name":"#1005","contact_email":"b@example.com","billing_address":{"first_name":"Ana","last_name":"Lima"}`),
			"Ana Lima", "Ana", "1005", "b@example.com"},
		{"billing name only", order(`"customer":{"email":"c@example.com"},"billing_address":{"name":"Mary  Major"}`),
			"Mary Major", "Mary", "", "c@example.com"},
		{"shipping address last", order(`"order_number":"1007","billing_address":{"name":""},"shipping_address":{"first_name":"Kai","last_name":""}`),
			"Kai", "Kai", "1007", ""},
		{"first name from a later source", order(`"customer":{"last_name":"Doe"},"billing_address":{"first_name":"Jane","last_name":"Doe"}`),
			"Doe", "Jane", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(deliveryHeader("orders/create", testShop, ""), tt.body)
			if err != nil {
				t.Fatal(err)
			}
			o := d.Order
			if o.CustomerName != tt.wantName || o.FirstName != tt.wantFirst || o.Number != tt.wantNumber || o.Email != tt.wantEmail {
				t.Errorf("name, first, number, email = %q, %q, %q, %q; want %q, %q, %q, %q",
					o.CustomerName, o.FirstName, o.Number, o.Email, tt.wantName, tt.wantFirst, tt.wantNumber, tt.wantEmail)
			}
		})
	}
}

func TestParseKeepsOrderIDsExact(t *testing.T) {
	tests := []struct {
		name, id, want string
	}{
		{"documented id", `820982911946154508`, "820982911946154508"},
		{"2^53+1 would round as a float64", `9007199254740993`, "9007199254740993"},
		{"largest int64", `9223372036854775807`, "9223372036854775807"},
		{"largest uint64", `18446744073709551615`, "18446744073709551615"},
		{"id as a string", `"820982911946154508"`, "820982911946154508"},
		{"small id", `450789469`, "450789469"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(`{"id":` + tt.id + `,"created_at":"2026-11-23T11:00:00-05:00","line_items":[]}`)
			d, err := parse(deliveryHeader("orders/create", testShop, ""), body)
			if err != nil {
				t.Fatal(err)
			}
			if d.Order.ID != tt.want {
				t.Errorf("ID = %q, want %q", d.Order.ID, tt.want)
			}
		})
	}
}

func TestParseIgnoresOtherTopics(t *testing.T) {
	for _, topic := range []string{"orders/updated", "orders/paid", "app/uninstalled"} {
		t.Run(topic, func(t *testing.T) {
			// The body is not read for a topic that is not acted on.
			d, err := parse(deliveryHeader(topic, "", ""), []byte("not json"))
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != thankyou.DeliveryIgnored || d.Topic != topic {
				t.Errorf("Kind, Topic = %q, %q; want %q, %q", d.Kind, d.Topic, thankyou.DeliveryIgnored, topic)
			}
			if !reflect.DeepEqual(d.Order, thankyou.Order{}) {
				t.Errorf("Order = %+v, want none", d.Order)
			}
		})
	}
}

func TestParseRejectsWhatIsNotAnOrder(t *testing.T) {
	created := `"created_at":"2026-11-23T11:00:00-05:00","line_items":[]`
	tests := []struct {
		name    string
		header  http.Header
		body    string
		wantMsg string
	}{
		{"malformed JSON", nil, `{"id":450789469,"created_at":`, "body is not valid JSON: unexpected end of JSON input at offset"},
		{"syntax error", nil, `{"id":450789469,}`, "body is not valid JSON"},
		{"empty body", nil, ``, "body is empty"},
		{"array", nil, `[{"id":450789469}]`, "body is a JSON array, not an object"},
		{"string", nil, `"order"`, "body is a JSON string, not an object"},
		{"null", nil, `null`, "body is a JSON null, not an object"},
		{"missing id", nil, `{` + created + `}`, "order id is missing"},
		{"null id", nil, `{"id":null,` + created + `}`, "order id is missing"},
		{"zero id", nil, `{"id":0,` + created + `}`, "order id is not a positive whole number"},
		{"negative id", nil, `{"id":-5,` + created + `}`, "order id is not a positive whole number"},
		{"fractional id", nil, `{"id":1.5,` + created + `}`, "order id is not a positive whole number"},
		{"id over 64 bits", nil, `{"id":18446744073709551616,` + created + `}`, "order id is not a positive whole number"},
		{"id not digits", nil, `{"id":"gid://shopify/Order/1",` + created + `}`, "order id is not a positive whole number"},
		{"id is an object", nil, `{"id":{"n":1},` + created + `}`, "order field id is a JSON object"},
		{"tags is a number", nil, `{"id":1,` + created + `,"tags":5}`, "order field tags is a JSON number"},
		{"customer is a string", nil, `{"id":1,` + created + `,"customer":"Jane"}`, "order field customer is a JSON string"},
		{"missing created_at", nil, `{"id":1,"line_items":[]}`, "order 1 has no created_at"},
		{"created_at without offset", nil, `{"id":1,"created_at":"2026-11-23 11:00:00","line_items":[]}`, "order 1 created_at is not an RFC 3339 time"},
		{"missing topic", deliveryHeader("", testShop, ""), `{"id":1,` + created + `}`, "missing X-Shopify-Topic header"},
		{"missing shop domain", deliveryHeader("orders/create", "", ""), `{"id":1,` + created + `}`, "missing X-Shopify-Shop-Domain header"},
		{"shop domain not a domain", deliveryHeader("orders/create", "shop:evil/../x", ""), `{"id":1,` + created + `}`, "X-Shopify-Shop-Domain header is not a domain name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = deliveryHeader("orders/create", testShop, "")
			}
			_, err := parse(h, []byte(tt.body))
			if got := errorCode(err); got != thankyou.EINVALID {
				t.Fatalf("code = %q (%v), want %q", got, err, thankyou.EINVALID)
			}
			if msg := thankyou.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestParseReadsHeadersWithoutXPrefixAndInAnyCase(t *testing.T) {
	body := order(`"customer":{"phone":"+12125550123"}`)
	for name, h := range map[string]http.Header{
		"without X-": {"Shopify-Topic": {"orders/create"}, "Shopify-Shop-Domain": {testShop}},
		"lower case": {"x-shopify-topic": {"orders/create"}, "x-shopify-shop-domain": {testShop}},
		"upper case": {"X-SHOPIFY-TOPIC": {"ORDERS/CREATE"}, "X-SHOPIFY-SHOP-DOMAIN": {strings.ToUpper(testShop)}},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := parse(h, body)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != thankyou.DeliveryOrderCreated || d.Order.Shop != testShop {
				t.Errorf("Kind, Shop = %q, %q; want %q, %q", d.Kind, d.Order.Shop, thankyou.DeliveryOrderCreated, testShop)
			}
		})
	}
}

// fixtureDelivery is one order-webhook fixture from events/.
type fixtureDelivery struct {
	name   string
	header http.Header
	body   []byte
}

func fixtureDeliveries(tb testing.TB) []fixtureDelivery {
	tb.Helper()
	paths, err := filepath.Glob("../../events/order-webhook/*.json")
	if err != nil {
		tb.Fatal(err)
	}
	var out []fixtureDelivery
	for _, p := range paths {
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(readFile(tb, p), &ev); err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		body := []byte(ev.Body)
		if ev.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
				tb.Fatalf("%s: %v", p, err)
			}
		}
		h := http.Header{}
		for k, v := range ev.Headers {
			h.Add(k, v)
		}
		out = append(out, fixtureDelivery{filepath.Base(p), h, body})
	}
	return out
}

func seedBodies(tb testing.TB) [][]byte {
	bodies := [][]byte{readFile(tb, fullExample), readFile(tb, docsSample)}
	for _, d := range fixtureDeliveries(tb) {
		bodies = append(bodies, d.body)
	}
	return bodies
}

func FuzzVerify(f *testing.F) {
	for _, d := range fixtureDeliveries(f) {
		f.Add(d.body, d.header.Get("X-Shopify-Hmac-Sha256"))
	}
	for _, b := range seedBodies(f) {
		f.Add(b, Sign([]byte(testSecret), b))
		f.Add(b, "")
	}
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		err := verify(http.Header{"X-Shopify-Hmac-Sha256": {sig}}, body)
		if err != nil {
			if got := errorCode(err); got != thankyou.EUNAUTHORIZED {
				t.Fatalf("Verify error code = %q (%v), want %q", got, err, thankyou.EUNAUTHORIZED)
			}
		} else {
			got, decErr := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
			want, _ := base64.StdEncoding.DecodeString(Sign([]byte(testSecret), body))
			if decErr != nil || string(got) != string(want) {
				t.Fatalf("Verify accepted signature %q that is not the body's HMAC", sig)
			}
		}
		good := Sign([]byte(testSecret), body)
		if err := verify(http.Header{"X-Shopify-Hmac-Sha256": {good}}, body); err != nil {
			t.Fatalf("Verify refused the body's own signature: %v", err)
		}
		if err := verify(http.Header{"X-Shopify-Hmac-Sha256": {good}}, append(body, 'x')); err == nil {
			t.Fatal("Verify accepted a signature after the body changed")
		}
	})
}

// topicSamples are payloads of every topic acted on, with their topic and
// shop: the project's fixtures and Shopify's documented samples.
func topicSamples() []struct{ topic, shop, path string } {
	const fixtures = "../../infra/fixtures/story/testdata/"
	return []struct{ topic, shop, path string }{
		{TopicOrdersCreate, testShop, fullExample},
		{TopicOrdersCreate, "jsmith.myshopify.com", docsSample},
		{TopicOrdersCancelled, testShop, fixtures + "shopify-orders-cancelled.json"},
		{TopicOrdersCancelled, "jsmith.myshopify.com", docsSample},
		{TopicRefundsCreate, testShop, fixtures + "shopify-refunds-create.json"},
		{TopicRefundsCreate, "jsmith.myshopify.com", "testdata/docs-refunds-create.json"},
		{TopicCustomersRedact, testShop, fixtures + "shopify-customers-redact.json"},
		{TopicCustomersRedact, "jsmith.myshopify.com", "testdata/docs-customers-redact.json"},
		{TopicCustomersDataRequest, testShop, fixtures + "shopify-customers-data-request.json"},
		{TopicCustomersDataRequest, "jsmith.myshopify.com", "testdata/docs-customers-data-request.json"},
		{TopicShopRedact, testShop, fixtures + "shopify-shop-redact.json"},
		{TopicShopRedact, "jsmith.myshopify.com", "testdata/docs-shop-redact.json"},
	}
}

func FuzzParse(f *testing.F) {
	const triggered = "2026-11-23T16:00:00.765432109Z"
	for _, d := range fixtureDeliveries(f) {
		f.Add(d.header.Get("X-Shopify-Topic"), d.header.Get("X-Shopify-Shop-Domain"), d.header.Get("X-Shopify-Triggered-At"), d.body)
	}
	for _, b := range seedBodies(f) {
		f.Add(TopicOrdersCreate, testShop, triggered, b)
	}
	for _, s := range topicSamples() {
		f.Add(s.topic, s.shop, triggered, readFile(f, s.path))
		f.Add(s.topic, "other.myshopify.com", "", readFile(f, s.path))
	}
	f.Add(TopicOrdersCreate, testShop, "not a time", []byte(`{"id":"18446744073709551615","created_at":"2026-01-01T00:00:00Z","line_items":[]}`))
	f.Add(TopicOrdersCreate, "", "", []byte(`[]`))
	f.Add(TopicCustomersRedact, testShop, triggered, []byte(`{"shop_domain":"`+testShop+`","customer":{"phone":"12"}}`))
	f.Add(TopicRefundsCreate, testShop, triggered, []byte(`{"order_id":null}`))
	f.Fuzz(func(t *testing.T, topic, shop, triggeredAt string, body []byte) {
		h := http.Header{"X-Shopify-Topic": {topic}, "X-Shopify-Shop-Domain": {shop},
			"X-Shopify-Triggered-At": {triggeredAt}, "X-Shopify-Webhook-Id": {"b54557e4-8a5f-4bf7-9d70-bcd043ab4f2c"}}
		d, err := parse(h, body)
		if err != nil {
			if got := errorCode(err); got != thankyou.EINVALID {
				t.Fatalf("Parse error code = %q (%v), want %q", got, err, thankyou.EINVALID)
			}
			return
		}
		if d.EventID != "b54557e4-8a5f-4bf7-9d70-bcd043ab4f2c" {
			t.Fatalf("EventID = %q, want the X-Shopify-Webhook-Id", d.EventID)
		}
		if want, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(triggeredAt)); err == nil && !d.OccurredAt.Equal(want) ||
			err != nil && !d.OccurredAt.IsZero() {
			t.Fatalf("OccurredAt = %v from X-Shopify-Triggered-At %q", d.OccurredAt, triggeredAt)
		}
		handled := parserFor(d.Topic) != nil
		if (d.Kind == thankyou.DeliveryIgnored) == handled && !ignoredFulfillment(d) {
			t.Fatalf("topic %q gave Kind %q", d.Topic, d.Kind)
		}
		if d.Kind != thankyou.DeliveryIgnored && (d.Topic != strings.ToLower(strings.TrimSpace(topic))) {
			t.Fatalf("Topic = %q from header %q", d.Topic, topic)
		}
		switch d.Kind {
		case thankyou.DeliveryIgnored:
		case thankyou.DeliveryOrderCreated:
			o := d.Order
			if o.ID == "" || o.Shop == "" || o.Source != thankyou.SourceShopify {
				t.Fatalf("order without ID, Shop or Source: %+v", o)
			}
			if (o.Phone == "") == (o.SkipReason.Detail == "") {
				t.Fatalf("Phone %q and SkipReason %q: want exactly one", o.Phone, o.SkipReason)
			}
			if o.Phone != "" && !strings.HasPrefix(o.Phone, "+") {
				t.Fatalf("Phone %q is not E.164", o.Phone)
			}
			if o.CreatedAt.IsZero() {
				t.Fatal("order without CreatedAt")
			}
			if o.CustomerOrders < 0 || o.Country != "" && len(o.Country) != 2 {
				t.Fatalf("CustomerOrders %d, Country %q", o.CustomerOrders, o.Country)
			}
			checkItems(t, o.Items)
			checkRegion(t, o.Region)
			for _, tag := range o.Tags {
				if tag == "" || tag != strings.TrimSpace(tag) || strings.Contains(tag, ",") {
					t.Fatalf("tag %q is empty, padded or holds a comma", tag)
				}
			}
		case thankyou.DeliveryOrderCancelled:
			want := thankyou.Order{Source: thankyou.SourceShopify, Shop: d.Order.Shop, ID: d.Order.ID}
			if d.Order.ID == "" || d.Order.Shop == "" || !reflect.DeepEqual(d.Order, want) {
				t.Fatalf("cancellation order %+v, want only Source, Shop and ID", d.Order)
			}
			if d.Reason != "refunded" && d.Reason != "cancelled" && !strings.HasPrefix(d.Reason, "cancelled: ") {
				t.Fatalf("Reason = %q", d.Reason)
			}
		case thankyou.DeliveryCustomerRedact, thankyou.DeliveryDataRequest:
			c := d.Customer
			if c.PlatformID == "" && len(c.Emails)+len(c.Phones)+len(c.OrderIDs) == 0 {
				t.Fatal("privacy request with an empty Customer")
			}
			for _, p := range c.Phones {
				if !strings.HasPrefix(p, "+") {
					t.Fatalf("phone %q is not E.164", p)
				}
			}
			for _, id := range append(c.OrderIDs, c.PlatformID) {
				if strings.Trim(id, "0123456789") != "" {
					t.Fatalf("id %q is not a whole number", id)
				}
			}
		case thankyou.DeliveryShopRedact:
			if d.Topic != TopicShopRedact {
				t.Fatalf("shop redact from topic %q", d.Topic)
			}
		case thankyou.DeliveryOrderFulfilled, thankyou.DeliveryOrderDelivered:
			if d.Order.ID == "" || d.Order.Source != thankyou.SourceShopify {
				t.Fatalf("fulfilment of order %+v", d.Order)
			}
		default:
			t.Fatalf("unknown Kind %q", d.Kind)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	body := readFile(b, fullExample)
	h := deliveryHeader("orders/create", testShop, Sign([]byte(testSecret), body))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := parse(h, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	body := readFile(b, fullExample)
	h := deliveryHeader("orders/create", testShop, Sign([]byte(testSecret), body))
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}
