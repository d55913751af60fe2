package generic

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// testdataDir holds the payloads the event fixtures are built from.
const testdataDir = "../../infra/fixtures/story/testdata"

var (
	secret = []byte("test-generic-secret")
	now    = time.Date(2026, 11, 23, 17, 0, 3, 0, time.UTC)
)

func mustNew(t testing.TB) *Source {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// delivery is body signed with key at signedAt and received at now.
func delivery(key []byte, signedAt time.Time, body string) webhook.Request {
	return webhook.Request{
		Header: http.Header{
			"X-Signature-256": {Sign(key, signedAt, []byte(body))},
			"X-Timestamp":     {strconv.FormatInt(signedAt.Unix(), 10)},
		},
		Query:    url.Values{},
		Body:     []byte(body),
		Received: now,
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testdataPayloads returns every generic-*.json payload of testdata.
func testdataPayloads(t testing.TB) [][]byte {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(testdataDir, "generic-*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no generic payloads in %s (%v)", testdataDir, err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

const createdBody = `{"event":"order.created","order":{"id":"A-1","created_at":"2026-11-23T12:00:00-05:00","customer":{"phone":"+12125550188"}}}`

func TestSignIsHMACSHA256OfTimestampDotBody(t *testing.T) {
	body := []byte(`{"event":"order.cancelled","order":{"id":"1"}}`)
	at := time.Unix(1795453202, 0)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("1795453202." + string(body)))
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if got := Sign(secret, at, body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	// The time zone and sub-second part of t do not matter.
	if got := Sign(secret, at.In(time.FixedZone("EST", -5*3600)).Add(999*time.Millisecond), body); got != want {
		t.Errorf("Sign in another zone, mid-second = %s, want %s", got, want)
	}
}

func TestVerifyAcceptsOnlyAFreshSignatureByOneOfTheShopsSecrets(t *testing.T) {
	s := mustNew(t)
	fresh := delivery(secret, now.Add(-time.Second), createdBody)
	with := func(r webhook.Request, f func(*webhook.Request)) webhook.Request {
		r.Header = r.Header.Clone()
		f(&r)
		return r
	}
	set := func(name, value string) func(*webhook.Request) {
		return func(r *webhook.Request) { r.Header.Set(name, value) }
	}
	tests := []struct {
		name    string
		r       webhook.Request
		secrets [][]byte
		want    string // error code, "" for accepted
		wantMsg string // part of the message
	}{
		{"signed with the secret", fresh, [][]byte{secret}, "", ""},
		{"old and new secret while rotating", fresh, [][]byte{[]byte("old"), secret}, "", ""},
		{"an empty secret among them", fresh, [][]byte{nil, secret}, "", ""},
		{"header names in lower case", webhook.Request{Header: http.Header{
			"x-signature-256": fresh.Header["X-Signature-256"], "x-timestamp": fresh.Header["X-Timestamp"]},
			Body: fresh.Body, Received: now}, [][]byte{secret}, "", ""},
		{"header names without X-", webhook.Request{Header: http.Header{
			"Signature-256": fresh.Header["X-Signature-256"], "Timestamp": fresh.Header["X-Timestamp"]},
			Body: fresh.Body, Received: now}, [][]byte{secret}, "", ""},
		{"upper-case hex digits", with(fresh, set("X-Signature-256", "sha256="+strings.ToUpper(strings.TrimPrefix(fresh.Header.Get("X-Signature-256"), "sha256=")))),
			[][]byte{secret}, "", ""},
		{"signed exactly 5 minutes before", delivery(secret, now.Add(-Tolerance), createdBody), [][]byte{secret}, "", ""},
		{"signed exactly 5 minutes ahead (clock skew)", delivery(secret, now.Add(Tolerance), createdBody), [][]byte{secret}, "", ""},

		{"another secret", fresh, [][]byte{[]byte("other")}, thankyou.EUNAUTHORIZED, "X-Signature-256 signature does not match"},
		{"body changed after signing", with(fresh, func(r *webhook.Request) { r.Body = []byte(strings.Replace(createdBody, "A-1", "A-2", 1)) }),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "does not match"},
		{"timestamp changed after signing", with(fresh, set("X-Timestamp", strconv.FormatInt(now.Unix(), 10))),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "does not match"},
		{"replayed 5 minutes and a second later", delivery(secret, now.Add(-Tolerance-time.Second), createdBody),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "X-Timestamp header is more than 5m0s"},
		{"signed 10 minutes in the future", delivery(secret, now.Add(10*time.Minute), createdBody),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "X-Timestamp header is more than 5m0s"},
		{"no signature", with(fresh, func(r *webhook.Request) { r.Header.Del("X-Signature-256") }),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "missing X-Signature-256 header"},
		{"no sha256= prefix", with(fresh, set("X-Signature-256", strings.TrimPrefix(fresh.Header.Get("X-Signature-256"), "sha256="))),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "X-Signature-256 header is not sha256=<64 hex digits>"},
		{"sha1 length", with(fresh, set("X-Signature-256", "sha256="+strings.Repeat("ab", 20))),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "not sha256=<64 hex digits>"},
		{"not hex", with(fresh, set("X-Signature-256", "sha256="+strings.Repeat("zz", 32))),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "not sha256=<64 hex digits>"},
		{"no timestamp", with(fresh, func(r *webhook.Request) { r.Header.Del("X-Timestamp") }),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "missing X-Timestamp header"},
		{"timestamp in milliseconds", with(fresh, set("X-Timestamp", strconv.FormatInt(now.UnixMilli(), 10)+"0")),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "X-Timestamp header is not a Unix time in seconds"},
		{"timestamp as a date", with(fresh, set("X-Timestamp", now.Format(time.RFC3339))),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "X-Timestamp header is not a Unix time in seconds"},
		{"negative timestamp", with(fresh, set("X-Timestamp", "-1795453202")),
			[][]byte{secret}, thankyou.EUNAUTHORIZED, "X-Timestamp header is not a Unix time in seconds"},

		{"no secrets", fresh, nil, thankyou.EINTERNAL, "no generic webhook secret"},
		{"only empty secrets", fresh, [][]byte{{}, nil}, thankyou.EINTERNAL, "no generic webhook secret"},
		{"no receive time", with(fresh, func(r *webhook.Request) { r.Received = time.Time{} }),
			[][]byte{secret}, thankyou.EINTERNAL, "no receive time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Verify(tt.r, tt.secrets)
			if got := thankyou.ErrorCode(err); got != tt.want {
				t.Fatalf("Verify = %v, want code %q", err, tt.want)
			}
			if err == nil {
				return
			}
			msg := thankyou.ErrorMessage(err)
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", msg, tt.wantMsg)
			}
			// Never a secret or the expected digest.
			expected := strings.TrimPrefix(Sign(secret, now, tt.r.Body), "sha256=")
			for _, leak := range []string{string(secret), expected} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q reveals %q", err, leak)
				}
			}
		})
	}
}

func TestShopIDComesFromTheHeaderElseTheQuery(t *testing.T) {
	s := mustNew(t)
	tests := []struct {
		name   string
		header string
		query  string
		want   string
		code   string
	}{
		{"none: a single-shop deployment", "", "", "", ""},
		{"header", "thankyou-demo", "", "thankyou-demo", ""},
		{"header lower-cased", "  ThankYou-Demo.Shop_1 ", "", "thankyou-demo.shop_1", ""},
		{"query", "", "my-shop", "my-shop", ""},
		{"header wins over the query", "from-header", "from-query", "from-header", ""},
		{"one character", "", "a", "a", ""},
		{"100 characters", strings.Repeat("a", 100), "", strings.Repeat("a", 100), ""},
		{"101 characters", strings.Repeat("a", 101), "", "", thankyou.EINVALID},
		{"starts with a dot", ".shop", "", "", thankyou.EINVALID},
		{"a slash", "", "shop/../x", "", thankyou.EINVALID},
		{"a colon (task ids are colon-separated)", "a:b", "", "", thankyou.EINVALID},
		{"a space inside", "my shop", "", "", thankyou.EINVALID},
		{"non-ASCII", "café", "", "", thankyou.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := webhook.Request{Header: http.Header{}, Query: url.Values{}}
			if tt.header != "" {
				r.Header.Set("X-Shop", tt.header)
			}
			if tt.query != "" {
				r.Query.Set("shop", tt.query)
			}
			got, err := s.ShopID(r)
			if code := thankyou.ErrorCode(err); code != tt.code || got != tt.want {
				t.Errorf("ShopID = %q, %v; want %q, code %q", got, err, tt.want, tt.code)
			}
		})
	}
}

func TestParseNormalisesACreatedOrder(t *testing.T) {
	s := mustNew(t)
	r := delivery(secret, now.Add(-time.Second), string(readTestdata(t, "generic-order-created.json")))
	r.Header.Set("X-Shop", "ThankYou-Demo")
	r.Header.Set("X-Event-Id", "evt-1")
	d, err := s.Parse(r, "GB")
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != thankyou.DeliveryOrderCreated || d.Topic != "order.created" || d.EventID != "evt-1" ||
		!d.OccurredAt.Equal(now.Add(-time.Second)) || d.Reason != "" {
		t.Errorf("delivery = kind %q, topic %q, event id %q, occurred %v, reason %q; want order_created, order.created, evt-1, %v, no reason",
			d.Kind, d.Topic, d.EventID, d.OccurredAt, d.Reason, now.Add(-time.Second))
	}
	want := thankyou.Order{
		Source: thankyou.SourceGeneric, Shop: "thankyou-demo", ID: "G-1001", Number: "1001",
		CustomerName: "Maria Garcia", FirstName: "Maria", FamilyName: "Garcia", Phone: "+12125550188", Email: "maria.garcia@example.com",
		Total: "84.50", Currency: "USD", CreatedAt: time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC),
		Tags: []string{"newsletter", "gift"}, Country: "US", CustomerOrders: 1,
		Items: []string{"2 × Hand-thrown mug, speckled", "Linen tea towel"},
	}
	if got := d.Order; !sameOrder(got, want) {
		t.Errorf("order =\n %+v\nwant\n %+v", got, want)
	}
	if got, want := d.Order.TaskID(), "generic:thankyou-demo:G-1001"; got != want {
		t.Errorf("task id = %q, want %q", got, want)
	}
}

func sameOrder(a, b thankyou.Order) bool {
	if !slices.Equal(a.Tags, b.Tags) || !slices.Equal(a.Items, b.Items) || !a.CreatedAt.Equal(b.CreatedAt) {
		return false
	}
	a.Tags, b.Tags = nil, nil
	a.Items, b.Items = nil, nil
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func TestParseReadsEachField(t *testing.T) {
	s := mustNew(t)
	order := func(fields string) string {
		return `{"event":"order.created","order":{"id":"A-1","created_at":"2026-11-23T17:00:00Z"` + fields + `}}`
	}
	tests := []struct {
		name           string
		body           string
		defaultCountry string
		check          func(o thankyou.Order) bool
		want           string
	}{
		{"number defaults to the id", order(``), "US",
			func(o thankyou.Order) bool { return o.Number == "A-1" }, "Number A-1"},
		{"national number read as the shipping country's", order(`,"shipping_country":"gb","customer":{"phone":"07911 123456"}`), "US",
			func(o thankyou.Order) bool { return o.Phone == "+447911123456" && o.Country == "GB" }, "Phone +447911123456, Country GB"},
		{"national number read as the default country's without a shipping country", order(`,"customer":{"phone":"212-555-0188"}`), "US",
			func(o thankyou.Order) bool { return o.Phone == "+12125550188" && o.Country == "" }, "Phone +12125550188"},
		{"an international number ignores the shipping country", order(`,"shipping_country":"DE","customer":{"phone":"+44 7911 123456"}`), "US",
			func(o thankyou.Order) bool { return o.Phone == "+447911123456" }, "Phone +447911123456"},
		{"shipping region with its country", order(`,"shipping_country":"us","shipping_region":"fl"`), "US",
			func(o thankyou.Order) bool { return o.Region == "US-FL" }, "Region US-FL"},
		{"shipping region written in full", order(`,"shipping_country":"CA","shipping_region":"CA-ON"`), "US",
			func(o thankyou.Order) bool { return o.Region == "CA-ON" }, "Region CA-ON"},
		{"shipping region without a country is unknown", order(`,"shipping_region":"FL"`), "US",
			func(o thankyou.Order) bool { return o.Region == "" }, "Region empty"},
		{"no phone", order(`,"customer":{"first_name":"Sam"}`), "US",
			func(o thankyou.Order) bool { return o.Phone == "" && o.SkipReason.Detail == "no usable phone number" }, "skip: no usable phone number"},
		{"blank phone", order(`,"customer":{"phone":"  "}`), "US",
			func(o thankyou.Order) bool { return o.Phone == "" && o.SkipReason.Detail == "no usable phone number" }, "skip: no usable phone number"},
		{"invalid phone", order(`,"customer":{"phone":"12345"}`), "US",
			func(o thankyou.Order) bool {
				return o.Phone == "" && o.SkipReason.Detail == "no valid phone number (1 found, none valid)"
			}, "skip: no valid phone number (1 found, none valid)"},
		{"currency upper-cased", order(`,"currency":"eur","total":"10"`), "US",
			func(o thankyou.Order) bool { return o.Currency == "EUR" && o.Total == "10" }, "Currency EUR, Total 10"},
		{"test order", order(`,"test":true`), "US",
			func(o thankyou.Order) bool { return o.Test }, "Test true"},
		{"order count written as 3.0", order(`,"customer_order_count":3.0`), "US",
			func(o thankyou.Order) bool { return o.CustomerOrders == 3 }, "CustomerOrders 3"},
		{"order count absent", order(``), "US",
			func(o thankyou.Order) bool { return o.CustomerOrders == 0 }, "CustomerOrders 0"},
		{"first name alone", order(`,"customer":{"first_name":" Ann "}`), "US",
			func(o thankyou.Order) bool { return o.FirstName == "Ann" && o.CustomerName == "Ann" }, "FirstName Ann, CustomerName Ann"},
		{"last name alone", order(`,"customer":{"last_name":"Van  Dyke"}`), "US",
			func(o thankyou.Order) bool { return o.FirstName == "Van" && o.CustomerName == "Van Dyke" }, "FirstName Van, CustomerName Van Dyke"},
		{"lower-case t and z in created_at", `{"event":"order.created","order":{"id":"A-1","created_at":"2026-11-23t17:00:00z"}}`, "US",
			func(o thankyou.Order) bool { return o.CreatedAt.Equal(time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC)) }, "CreatedAt 17:00 UTC"},
		{"unknown properties are ignored", order(`,"note":"gift wrap","customer":{"phone":"+12125550188","vip":true}`), "US",
			func(o thankyou.Order) bool { return o.Phone == "+12125550188" }, "Phone +12125550188"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := s.Parse(delivery(secret, now, tt.body), tt.defaultCountry)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(d.Order) {
				t.Errorf("order = %+v, want %s", d.Order, tt.want)
			}
		})
	}
}

func TestCancellationFindsTheTaskOfTheCreation(t *testing.T) {
	s := mustNew(t)
	created := delivery(secret, now, string(readTestdata(t, "generic-order-created.json")))
	created.Header.Set("X-Shop", "thankyou-demo")
	c, err := s.Parse(created, "US")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		body       string
		wantReason string
	}{
		{"with a reason", string(readTestdata(t, "generic-order-cancelled.json")), "cancelled by the customer"},
		{"without a reason", `{"event":"order.cancelled","order":{"id":"G-1001"}}`, "cancelled"},
		{"blank reason", `{"event":"order.cancelled","order":{"id":"G-1001"},"reason":"  "}`, "cancelled"},
		{"with the whole order", `{"event":"order.cancelled","order":{"id":"G-1001","total":"84.50"},"reason":"refunded"}`, "refunded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := delivery(secret, now, tt.body)
			r.Query.Set("shop", "thankyou-demo") // the shop in the query this time
			d, err := s.Parse(r, "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != thankyou.DeliveryOrderCancelled || d.Topic != "order.cancelled" || d.Reason != tt.wantReason {
				t.Errorf("kind %q, topic %q, reason %q; want order_cancelled, order.cancelled, %q", d.Kind, d.Topic, d.Reason, tt.wantReason)
			}
			if got, want := d.Order.TaskID(), c.Order.TaskID(); got != want {
				t.Errorf("cancellation task id = %q, want the creation's %q", got, want)
			}
		})
	}
}

func TestSchemaAcceptsTheDocumentedShapeAndNamesTheFirstProblem(t *testing.T) {
	s := mustNew(t)
	tests := []struct {
		name string
		body string
		want string // message, "" when accepted
	}{
		{"minimal created", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z"}}`, ""},
		{"minimal cancelled", `{"event":"order.cancelled","order":{"id":"1"}}`, ""},
		{"every field", string(readTestdata(t, "generic-order-created.json")), ""},
		{"offset time", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T12:00:00.123-05:00"}}`, ""},
		{"whole-number total", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","total":"100"}}`, ""},
		{"empty tags", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","tags":[]}}`, ""},

		{"no order.id", string(readTestdata(t, "generic-invalid.json")), "order.id: missing property"},
		{"empty object", `{}`, "event, order: missing properties"},
		{"no event", `{"order":{"id":"1"}}`, "event: missing property"},
		{"unknown event", `{"event":"order.updated","order":{"id":"1"}}`, "event: must be one of order.created, order.cancelled, order.fulfilled, order.delivered"},
		{"created without created_at", `{"event":"order.created","order":{"id":"1"}}`, "order.created_at: missing property"},
		{"created without id or created_at", `{"event":"order.created","order":{}}`, "order.id: missing property"},
		{"numeric id", `{"event":"order.cancelled","order":{"id":1001}}`, "order.id: got number, want string"},
		{"empty id", `{"event":"order.cancelled","order":{"id":""}}`, "order.id: is shorter than 1 characters"},
		{"id with a trailing space", `{"event":"order.cancelled","order":{"id":"1 "}}`, `order.id: does not match the pattern ^\S(.*\S)?$`},
		{"id with a line break", `{"event":"order.cancelled","order":{"id":"1\n2"}}`, `order.id: does not match the pattern ^\S(.*\S)?$`},
		{"id too long", `{"event":"order.cancelled","order":{"id":"` + strings.Repeat("x", 101) + `"}}`, "order.id: is longer than 100 characters"},
		{"order is a string", `{"event":"order.cancelled","order":"1"}`, "order: got string, want object"},
		{"body is an array", `[{"event":"order.cancelled"}]`, "body: got array, want object"},
		{"created_at without a zone", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00"}}`, "order.created_at: is not a valid date-time"},
		{"created_at a date only", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23"}}`, "order.created_at: is not a valid date-time"},
		{"created_at month 13", `{"event":"order.created","order":{"id":"1","created_at":"2026-13-23T17:00:00Z"}}`, "order.created_at: is not a valid date-time"},
		{"total as a number", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","total":199.65}}`, "order.total: got number, want string"},
		{"total with a comma", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","total":"199,65"}}`, "order.total: does not match the pattern ^[0-9]{1,15}(\\.[0-9]{1,6})?$"},
		{"total with a currency sign", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","total":"$10"}}`, "order.total: does not match the pattern ^[0-9]{1,15}(\\.[0-9]{1,6})?$"},
		{"currency name", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","currency":"dollar"}}`, "order.currency: does not match the pattern ^[A-Za-z]{3}$"},
		{"test as a string", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","test":"false"}}`, "order.test: got string, want boolean"},
		{"a tag that is a number", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","tags":["a",2]}}`, "order.tags[1]: got number, want string"},
		{"country name", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","shipping_country":"USA"}}`, "order.shipping_country: does not match the pattern ^[A-Za-z]{2}$"},
		{"region name", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","shipping_region":"Florida"}}`, "order.shipping_region: does not match the pattern ^([A-Za-z]{2}-)?[A-Za-z0-9]{1,3}$"},
		{"phone as a number", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","customer":{"phone":12125550188}}}`, "order.customer.phone: got number, want string"},
		{"phone too long", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","customer":{"phone":"` + strings.Repeat("1", 65) + `"}}}`, "order.customer.phone: is longer than 64 characters"},
		{"negative order count", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","customer_order_count":-1}}`, "order.customer_order_count: is less than 0"},
		{"fractional order count", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","customer_order_count":1.5}}`, "order.customer_order_count: got number, want integer"},
		{"huge order count", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","customer_order_count":1e300}}`, "order.customer_order_count: is more than 1000000"},
		{"reason as an object", `{"event":"order.cancelled","order":{"id":"1"},"reason":{}}`, "reason: got object, want string"},
		{"items", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug","quantity":2},{"name":""}]}}`, ""},
		{"empty items", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[]}}`, ""},
		{"items as an object", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":{"name":"Mug"}}}`, "order.items: got object, want array"},
		{"items as a string", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":"2 mugs"}}`, "order.items: got string, want array"},
		{"items null", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":null}}`, "order.items: got null, want array"},
		{"an item that is a string", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":["Mug"]}}`, "order.items[0]: got string, want object"},
		{"an item without a name", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug"},{"quantity":2}]}}`, "order.items[1].name: missing property"},
		{"an item name that is a number", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":42}]}}`, "order.items[0].name: got number, want string"},
		{"an item name null", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":null}]}}`, "order.items[0].name: got null, want string"},
		{"an item name too long", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"` + strings.Repeat("m", 1001) + `"}]}}`, "order.items[0].name: is longer than 1000 characters"},
		{"quantity zero", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug","quantity":0}]}}`, "order.items[0].quantity: is less than 1"},
		{"quantity negative", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug","quantity":-2}]}}`, "order.items[0].quantity: is less than 1"},
		{"quantity fractional", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug","quantity":1.5}]}}`, "order.items[0].quantity: got number, want integer"},
		{"quantity a string", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug","quantity":"2"}]}}`, "order.items[0].quantity: got string, want integer"},
		{"quantity null", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug","quantity":null}]}}`, "order.items[0].quantity: got null, want integer"},
		{"quantity huge", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":"Mug","quantity":1e300}]}}`, "order.items[0].quantity: is more than 1000000000"},
		{"more than 1000 items", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[` +
			strings.TrimSuffix(strings.Repeat(`{"name":"m"},`, 1001), ",") + `]}}`, "order.items: has more than 1000 items"},
		{"a bad item past the third is still refused", `{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[` +
			`{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d","quantity":0}]}}`, "order.items[3].quantity: is less than 1"},
		{"several problems: the first in the body", `{"event":"order.created","order":{"id":"1","created_at":"x","total":"y","tags":[1]}}`, "order.created_at: is not a valid date-time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Several runs: the validator visits properties in map order.
			for range 5 {
				_, err := s.Parse(delivery(secret, now, tt.body), "US")
				if tt.want == "" {
					if err != nil {
						t.Fatalf("Parse = %v, want accepted", err)
					}
					return
				}
				if code, msg := thankyou.ErrorCode(err), thankyou.ErrorMessage(err); code != thankyou.EINVALID || msg != tt.want {
					t.Fatalf("Parse = code %q, message %q; want %q, %q", code, msg, thankyou.EINVALID, tt.want)
				}
			}
		})
	}
}

func TestParseRefusesWhatIsNotAnEvent(t *testing.T) {
	s := mustNew(t)
	good := delivery(secret, now, createdBody)
	with := func(f func(*webhook.Request)) webhook.Request {
		r := good
		r.Header, r.Query = good.Header.Clone(), url.Values{}
		f(&r)
		return r
	}
	tests := []struct {
		name string
		r    webhook.Request
		want string
	}{
		{"empty body", with(func(r *webhook.Request) { r.Body = nil }), "body is empty"},
		{"truncated JSON", with(func(r *webhook.Request) { r.Body = []byte(createdBody[:40]) }), "body is not valid JSON"},
		{"two JSON values", with(func(r *webhook.Request) { r.Body = []byte(createdBody + createdBody) }), "body is not valid JSON"},
		{"bad shop key", with(func(r *webhook.Request) { r.Header.Set("X-Shop", "no spaces") }), "X-Shop header is not a shop key"},
		{"bad shop key in the query", with(func(r *webhook.Request) { r.Query.Set("shop", "a/b") }), "shop query parameter is not a shop key"},
		{"no timestamp", with(func(r *webhook.Request) { r.Header.Del("X-Timestamp") }), "X-Timestamp header is not a Unix time in seconds"},
		{"event id too long", with(func(r *webhook.Request) { r.Header.Set("X-Event-Id", strings.Repeat("e", 201)) }), "X-Event-Id header is longer than 200 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Parse(tt.r, "US")
			if code, msg := thankyou.ErrorCode(err), thankyou.ErrorMessage(err); code != thankyou.EINVALID || !strings.HasPrefix(msg, tt.want) {
				t.Errorf("Parse = %v; want code %q, message starting %q", err, thankyou.EINVALID, tt.want)
			}
		})
	}
}

func TestErrorsNeverRepeatTheCustomersData(t *testing.T) {
	s := mustNew(t)
	for _, body := range []string{
		`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","customer":{"phone":"+1 212 555 0188 ext 1234567890123456789012345678901234567890123456"}}}`,
		`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","customer":{"email":"` + strings.Repeat("maria", 70) + `@example.com"}}}`,
		`{"event":"order.created","order":{"id":"maria.garcia@example.com ","created_at":"2026-11-23T17:00:00Z"}}`,
		`{"event":"order.created","order":{"id":"1","created_at":"Maria Garcia"}}`,
	} {
		_, err := s.Parse(delivery(secret, now, body), "US")
		if err == nil {
			t.Fatalf("Parse(%s) accepted", body)
		}
		for _, pii := range []string{"555", "maria", "Maria", "example.com"} {
			if strings.Contains(err.Error(), pii) {
				t.Errorf("error %q repeats %q", err, pii)
			}
		}
	}
}

func TestNilSourceParseIsAnInternalError(t *testing.T) {
	var s *Source
	_, err := s.Parse(delivery(secret, now, createdBody), "US")
	if got := thankyou.ErrorCode(err); got != thankyou.EINTERNAL {
		t.Errorf("Parse on a nil Source = %v, want code %q", err, thankyou.EINTERNAL)
	}
}

func TestSchemaIsTheEmbeddedFile(t *testing.T) {
	file, err := os.ReadFile("order.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	got := Schema()
	if !bytes.Equal(got, file) {
		t.Error("Schema() differs from order.schema.json")
	}
	got[0] = 'x'
	if !bytes.Equal(Schema(), file) {
		t.Error("changing Schema()'s result changed the schema")
	}
}

func TestEveryPayloadInTestdataIsAcceptedOrRefusedAsItsNameSays(t *testing.T) {
	s := mustNew(t)
	names := []string{"generic-order-created.json", "generic-order-cancelled.json", "generic-invalid.json",
		"generic-order-fulfilled.json", "generic-order-delivered.json"}
	for _, name := range names {
		_, err := s.Parse(delivery(secret, now, string(readTestdata(t, name))), "US")
		wantInvalid := strings.Contains(name, "invalid")
		if (err != nil) != wantInvalid {
			t.Errorf("%s: Parse = %v, want invalid %v", name, err, wantInvalid)
		}
	}
	if got := len(testdataPayloads(t)); got != len(names) {
		t.Errorf("%d generic payloads in testdata, this test names %d", got, len(names))
	}
}

func BenchmarkParse(b *testing.B) {
	s := mustNew(b)
	r := delivery(secret, now, string(readTestdata(b, "generic-order-created.json")))
	for b.Loop() {
		if _, err := s.Parse(r, "US"); err != nil {
			b.Fatal(err)
		}
	}
}
