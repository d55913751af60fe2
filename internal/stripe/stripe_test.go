package stripe_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/stripe"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// fixtureDir holds the Stripe payloads the events/ fixtures are built from.
const fixtureDir = "../../infra/fixtures/story/testdata"

var (
	secret = []byte("whsec_localstripesigningsecret0123456789")
	other  = []byte("whsec_anotherstripesigningsecret98765432")
	now    = time.Date(2026, 11, 23, 17, 10, 4, 0, time.UTC)
)

// The order webhook's Source interface, as issue 4 declares it.
var _ interface {
	ShopID(r webhook.Request) (string, error)
	Verify(r webhook.Request, secrets [][]byte) error
	Parse(r webhook.Request, defaultCountry string) (thankyou.Delivery, error)
} = stripe.Source{}

// payload reads a Stripe testdata payload as Stripe sends it.
func payload(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// edit decodes a testdata payload, lets f change the event and its
// data.object, and encodes it again.
func edit(t testing.TB, name string, f func(ev, obj map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(payload(t, name), &ev); err != nil {
		t.Fatal(err)
	}
	f(ev, ev["data"].(map[string]any)["object"].(map[string]any))
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// request is a delivery of body signed with key at signed, received at now.
func request(key []byte, signed time.Time, body []byte) webhook.Request {
	h := http.Header{}
	h.Set("Stripe-Signature", stripe.Sign(key, signed, body))
	return webhook.Request{Header: h, Body: body, Received: now}
}

func withHeader(value string, body []byte) webhook.Request {
	return webhook.Request{Header: http.Header{"Stripe-Signature": {value}}, Body: body, Received: now}
}

// v1 is the hex v1 signature of body signed with key at signed.
func v1(key []byte, signed time.Time, body []byte) string {
	_, v, _ := strings.Cut(stripe.Sign(key, signed, body), ",v1=")
	return v
}

func TestSignFollowsStripesDocumentedScheme(t *testing.T) {
	// HMAC-SHA256 under the secret string of "<t>.<raw body>", in hex;
	// the digest was computed with openssl dgst -sha256 -hmac.
	body := []byte(`{"id":"evt_test_webhook","object":"event"}`)
	got := stripe.Sign([]byte("whsec_test_secret"), time.Unix(1492774577, 0), body)
	want := "t=1492774577,v1=88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerifyAcceptsOnlyGenuineSignatures(t *testing.T) {
	body := payload(t, "stripe-checkout-completed.json")
	ts := strconv.FormatInt(now.Unix(), 10)
	ours, theirs := v1(secret, now, body), v1(other, now, body)
	tests := []struct {
		name     string
		r        webhook.Request
		secrets  [][]byte
		wantCode string
		wantMsg  string // part of the message
	}{
		{"signed with the shop's secret", request(secret, now, body), [][]byte{secret}, "", ""},
		{"signed with the new secret while the old one is still configured", request(secret, now, body), [][]byte{other, secret}, "", ""},
		{"two v1 values during rotation, the second ours", withHeader("t="+ts+",v1="+theirs+",v1="+ours, body), [][]byte{secret}, "", ""},
		{"two v1 values during rotation, the first ours", withHeader("t="+ts+",v1="+ours+",v1="+theirs, body), [][]byte{secret}, "", ""},
		{"v0 and unknown schemes ignored", withHeader("t="+ts+",v0="+theirs+",v1="+ours+",v9=x", body), [][]byte{secret}, "", ""},
		{"v1 in upper-case hex", withHeader("t="+ts+",v1="+strings.ToUpper(ours), body), [][]byte{secret}, "", ""},
		{"spaces after commas", withHeader("t="+ts+", v1="+ours, body), [][]byte{secret}, "", ""},
		{"an unreadable v1 beside a good one", withHeader("t="+ts+",v1=zz,v1="+ours, body), [][]byte{secret}, "", ""},
		{"header name in lower case", webhook.Request{Header: http.Header{"stripe-signature": {"t=" + ts + ",v1=" + ours}}, Body: body, Received: now},
			[][]byte{secret}, "", ""},
		{"missing header", webhook.Request{Header: http.Header{}, Body: body, Received: now}, [][]byte{secret},
			thankyou.EUNAUTHORIZED, "missing Stripe-Signature header"},
		{"another secret", request(other, now, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "no v1 signature of the body"},
		{"body changed after signing", webhook.Request{Header: request(secret, now, body).Header, Body: append(bytes.Clone(body), ' '), Received: now},
			[][]byte{secret},
			thankyou.EUNAUTHORIZED, "no v1 signature of the body"},
		{"timestamp changed after signing", withHeader("t="+strconv.FormatInt(now.Unix()+1, 10)+",v1="+ours, body), [][]byte{secret},
			thankyou.EUNAUTHORIZED, "no v1 signature of the body"},
		{"timestamp with a leading zero is not the signed one", withHeader("t=0"+ts+",v1="+ours, body), [][]byte{secret},
			thankyou.EUNAUTHORIZED, "no v1 signature of the body"},
		{"no timestamp", withHeader("v1="+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "has no timestamp (t=)"},
		{"two timestamps", withHeader("t="+ts+",t="+ts+",v1="+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "more than one timestamp"},
		{"timestamp not a number", withHeader("t=soon,v1="+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "not a Unix time in seconds"},
		{"negative timestamp", withHeader("t=-"+ts+",v1="+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "not a Unix time in seconds"},
		{"timestamp with a plus sign", withHeader("t=+"+ts+",v1="+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "not a Unix time in seconds"},
		{"timestamp in milliseconds beyond any date", withHeader("t=1795453804000000,v1="+ours, body), [][]byte{secret},
			thankyou.EUNAUTHORIZED, "not a Unix time in seconds"},
		{"empty timestamp", withHeader("t=,v1="+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "not a Unix time in seconds"},
		{"only a v0 signature", withHeader("t="+ts+",v0="+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "has no v1 signature"},
		{"v1 not hex", withHeader("t="+ts+",v1=not-hex", body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "not 64 hex digits"},
		{"v1 too short", withHeader("t="+ts+",v1="+ours[:62], body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "not 64 hex digits"},
		{"element without =", withHeader("t="+ts+","+ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "element 2 is not scheme=value"},
		{"trailing comma", withHeader("t="+ts+",v1="+ours+",", body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "element 3 is not scheme=value"},
		{"a bare signature, as other platforms send", withHeader(ours, body), [][]byte{secret}, thankyou.EUNAUTHORIZED, "element 1 is not scheme=value"},
		{"more v1 values than any rotation has", withHeader("t="+ts+strings.Repeat(",v1="+theirs, 8)+",v1="+ours, body), [][]byte{secret},
			thankyou.EUNAUTHORIZED, "more than 8 v1 signatures"},
		{"no secret configured", request(secret, now, body), nil, thankyou.EINTERNAL, "no Stripe webhook signing secret"},
		{"only an empty secret", request(secret, now, body), [][]byte{{}}, thankyou.EINTERNAL, "no Stripe webhook signing secret"},
		{"no receive time", webhook.Request{Header: request(secret, now, body).Header, Body: body}, [][]byte{secret},
			thankyou.EINTERNAL, "no receive time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := stripe.Source{}.Verify(tt.r, tt.secrets)
			if got := thankyou.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("Verify = %v, want code %q", err, tt.wantCode)
			}
			if err == nil {
				return
			}
			var e *thankyou.Error
			if !errors.As(err, &e) {
				t.Fatalf("Verify error %v is not a *thankyou.Error", err)
			}
			if !strings.Contains(e.Message, tt.wantMsg) {
				t.Errorf("message %q does not say %q", e.Message, tt.wantMsg)
			}
			for _, leak := range []string{string(secret), string(other), ours, theirs} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("error %q reveals a secret or a digest", err)
				}
			}
		})
	}
}

func TestVerifyRejectsDeliveriesOutsideTheTolerance(t *testing.T) {
	body := payload(t, "stripe-checkout-completed.json")
	tests := []struct {
		name      string
		tolerance time.Duration
		age       time.Duration // how long before Received it was signed
		want      string
	}{
		{"signed as it arrived", 0, 0, ""},
		{"exactly the default 5 minutes old", 0, 5 * time.Minute, ""},
		{"a second more than 5 minutes old: replayed", 0, 5*time.Minute + time.Second, thankyou.EUNAUTHORIZED},
		{"10 minutes old: replayed", 0, 10 * time.Minute, thankyou.EUNAUTHORIZED},
		{"exactly 5 minutes in the future (clock skew)", 0, -5 * time.Minute, ""},
		{"more than 5 minutes in the future", 0, -5*time.Minute - time.Second, thankyou.EUNAUTHORIZED},
		{"negative tolerance means the default", -time.Minute, 5 * time.Minute, ""},
		{"a wider tolerance lets a delayed delivery in", 10 * time.Minute, 10 * time.Minute, ""},
		{"but not beyond it", 10 * time.Minute, 10*time.Minute + time.Second, thankyou.EUNAUTHORIZED},
		{"a narrower tolerance", 30 * time.Second, 31 * time.Second, thankyou.EUNAUTHORIZED},
		{"signed at the epoch", 0, now.Sub(time.Unix(0, 0)), thankyou.EUNAUTHORIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := stripe.Source{Tolerance: tt.tolerance}.Verify(request(secret, now.Add(-tt.age), body), [][]byte{secret})
			if got := thankyou.ErrorCode(err); got != tt.want {
				t.Fatalf("Verify = %v, want code %q", err, tt.want)
			}
			if err != nil && thankyou.ErrorMessage(err) != "Stripe-Signature timestamp outside the tolerance (replayed or delayed delivery)" {
				t.Errorf("message = %q, want the tolerance message", thankyou.ErrorMessage(err))
			}
		})
	}
	// A timestamp far in the future must not overflow the comparison.
	r := withHeader("t=999999999999,v1="+v1(secret, time.Unix(999999999999, 0), body), body)
	if got := thankyou.ErrorCode(stripe.Source{}.Verify(r, [][]byte{secret})); got != thankyou.EUNAUTHORIZED {
		t.Errorf("year-33658 timestamp: code %q, want %q", got, thankyou.EUNAUTHORIZED)
	}
}

// ShopID is the route's shop (the query parameter) and reads no body: the
// body is read only once its signature verified. The signed body's
// connected account then names the delivery's shop (Delivery.Shop).
func TestShopIDIsTheShopParameterAndTheSignedAccountNamesTheShop(t *testing.T) {
	body := payload(t, "stripe-checkout-completed.json")
	connect := edit(t, "stripe-checkout-completed.json", func(ev, _ map[string]any) { ev["account"] = "acct_1SWqAbCdEfGhIjKl" })
	tests := []struct {
		name     string
		body     []byte
		query    string
		want     string // ShopID
		wantShop string // Parse's Delivery.Shop, and the order's shop
		wantCode string // of ShopID, else of Parse
	}{
		{"one account, no parameter", body, "", "", "", ""},
		{"shop parameter", body, "shop=thankyou-demo", "thankyou-demo", "", ""},
		{"shop parameter kept as written", body, "shop=Demo_Shop.2", "Demo_Shop.2", "", ""},
		{"connected account", connect, "", "", "acct_1SWqAbCdEfGhIjKl", ""},
		{"connected account wins over the parameter", connect, "shop=thankyou-demo", "thankyou-demo", "acct_1SWqAbCdEfGhIjKl", ""},
		{"account that is not an account id", edit(t, "stripe-checkout-completed.json", func(ev, _ map[string]any) { ev["account"] = "cus_123" }),
			"", "", "", thankyou.EINVALID},
		{"account with punctuation", edit(t, "stripe-checkout-completed.json", func(ev, _ map[string]any) { ev["account"] = "acct_1/../x" }),
			"", "", "", thankyou.EINVALID},
		{"shop parameter with a slash", body, "shop=a%2Fb", "", "", thankyou.EINVALID},
		{"shop parameter too long", body, "shop=" + strings.Repeat("a", 256), "", "", thankyou.EINVALID},
		{"body not JSON is not read by ShopID", []byte("account=acct_1"), "", "", "", thankyou.EINVALID},
		{"body without an event id is not read by ShopID", []byte(`{"type":"charge.refunded","account":"acct_1"}`), "", "", "", thankyou.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := stripe.Source{}.ShopID(webhook.Request{Body: tt.body, Query: q, Received: now})
			if err != nil {
				if code := thankyou.ErrorCode(err); code != tt.wantCode {
					t.Fatalf("ShopID = %q, %v; want code %q", got, err, tt.wantCode)
				}
				return
			}
			if got != tt.want {
				t.Errorf("ShopID = %q, want %q", got, tt.want)
			}
			d, err := parse(t, tt.body, tt.query, "US")
			if code := thankyou.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("Parse: %v; want code %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			orderShop := tt.wantShop
			if orderShop == "" {
				orderShop = tt.want
			}
			if d.Shop != tt.wantShop || d.Order.Shop != orderShop {
				t.Errorf("Delivery.Shop, Order.Shop = %q, %q; want %q, %q", d.Shop, d.Order.Shop, tt.wantShop, orderShop)
			}
		})
	}
}

func parse(t *testing.T, body []byte, query, defaultCountry string) (thankyou.Delivery, error) {
	t.Helper()
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	return stripe.Source{}.Parse(webhook.Request{Body: body, Query: q, Received: now}, defaultCountry)
}

func TestPaidCheckoutBecomesAnOrderToThank(t *testing.T) {
	d, err := parse(t, payload(t, "stripe-checkout-completed.json"), "", "GB")
	if err != nil {
		t.Fatal(err)
	}
	want := thankyou.Delivery{
		Kind: thankyou.DeliveryOrderCreated, Topic: "checkout.session.completed",
		EventID: "evt_1SWqJ4LkdIwHu7ix0Fz3aB1c", OccurredAt: time.Date(2026, 11, 23, 17, 10, 3, 0, time.UTC),
		Order: thankyou.Order{
			Source: thankyou.SourceStripe, Shop: "", ID: "pi_3SWqHzLkdIwHu7ix1c7Vd2Xa", Number: "1042",
			CustomerName: "Jordan Smith", FirstName: "Jordan", Phone: "+12125550177", Email: "jordan.smith@example.com",
			Total: "199.65", Currency: "USD", CreatedAt: time.Date(2026, 11, 23, 17, 8, 41, 0, time.UTC),
			Test: false, Country: "US", Region: "US-NY",
		},
	}
	if !equalDelivery(d, want) {
		t.Errorf("Parse =\n %+v\nwant\n %+v", d, want)
	}
}

func equalDelivery(a, b thankyou.Delivery) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func TestZeroDecimalCheckoutKeepsItsWholeAmount(t *testing.T) {
	d, err := parse(t, payload(t, "stripe-checkout-completed-jpy.json"), "", "US")
	if err != nil {
		t.Fatal(err)
	}
	o := d.Order
	if d.Kind != thankyou.DeliveryOrderCreated || o.Total != "1500" || o.Currency != "JPY" || o.Phone != "+81312345678" ||
		o.Country != "JP" || o.Number != "2001" || o.ID != "pi_3SXAbQLkdIwHu7ix0Yt5Ur6W" || o.FirstName != "Yuki" {
		t.Errorf("JPY order = %+v (kind %s)", o, d.Kind)
	}
}

func TestCancellationsFindTheTaskTheCheckoutCreated(t *testing.T) {
	created, err := parse(t, payload(t, "stripe-checkout-completed.json"), "", "US")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		file, reason string
	}{
		{"stripe-async-payment-failed.json", "payment failed"},
		{"stripe-charge-refunded.json", "refunded"},
	} {
		d, err := parse(t, payload(t, tt.file), "", "US")
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if d.Kind != thankyou.DeliveryOrderCancelled || d.Reason != tt.reason {
			t.Errorf("%s: kind %q, reason %q; want %q, %q", tt.file, d.Kind, d.Reason, thankyou.DeliveryOrderCancelled, tt.reason)
		}
		if got, want := d.Order.TaskID(), created.Order.TaskID(); got != want {
			t.Errorf("%s cancels task %s, want %s", tt.file, got, want)
		}
		if d.EventID == "" || d.EventID == created.EventID || d.OccurredAt.IsZero() {
			t.Errorf("%s: event id %q, occurred %v; want its own event", tt.file, d.EventID, d.OccurredAt)
		}
	}
	// Through a connected account, both find the account's task.
	connect := func(name string) []byte {
		return edit(t, name, func(ev, _ map[string]any) { ev["account"] = "acct_1SWqAbCdEfGhIjKl" })
	}
	c, err := parse(t, connect("stripe-checkout-completed.json"), "", "US")
	if err != nil {
		t.Fatal(err)
	}
	r, err := parse(t, connect("stripe-charge-refunded.json"), "", "US")
	if err != nil {
		t.Fatal(err)
	}
	if c.Order.Shop != "acct_1SWqAbCdEfGhIjKl" || r.Order.TaskID() != c.Order.TaskID() {
		t.Errorf("connected account: created %s, refund cancels %s", c.Order.TaskID(), r.Order.TaskID())
	}
}

func TestParseSaysWhatEachEventAsks(t *testing.T) {
	completed := "stripe-checkout-completed.json"
	tests := []struct {
		name       string
		body       []byte
		wantKind   thankyou.DeliveryKind
		wantReason string
		wantID     string
	}{
		{"paid", payload(t, completed), thankyou.DeliveryOrderCreated, "", "pi_3SWqHzLkdIwHu7ix1c7Vd2Xa"},
		{"nothing to pay (a free order)", edit(t, completed, set("payment_status", "no_payment_required")),
			thankyou.DeliveryOrderCreated, "", "pi_3SWqHzLkdIwHu7ix1c7Vd2Xa"},
		{"unpaid: an asynchronous payment not made yet", edit(t, completed, set("payment_status", "unpaid")),
			thankyou.DeliveryIgnored, "waiting for payment", ""},
		{"a payment status Stripe may add later", edit(t, completed, set("payment_status", "pending_review")),
			thankyou.DeliveryIgnored, `payment status "pending_review"`, ""},
		{"setup mode: a saved card, nothing bought", edit(t, completed, func(_, obj map[string]any) {
			obj["mode"], obj["payment_status"], obj["payment_intent"] = "setup", "no_payment_required", nil
		}), thankyou.DeliveryIgnored, "setup session: nothing was bought", ""},
		{"asynchronous payment succeeded", edit(t, completed, func(ev, _ map[string]any) { ev["type"] = "checkout.session.async_payment_succeeded" }),
			thankyou.DeliveryOrderCreated, "", "pi_3SWqHzLkdIwHu7ix1c7Vd2Xa"},
		{"asynchronous payment failed", payload(t, "stripe-async-payment-failed.json"),
			thankyou.DeliveryOrderCancelled, "payment failed", "pi_3SWqHzLkdIwHu7ix1c7Vd2Xa"},
		{"subscription without a payment intent: the session is the order", edit(t, completed, func(_, obj map[string]any) {
			obj["mode"], obj["payment_intent"], obj["subscription"] = "subscription", nil, "sub_1SWq"
		}), thankyou.DeliveryOrderCreated, "", "cs_live_a1Pq8VdK2mX7rT4nB9wE3yH6jL0sF5gU2cZ8vN1kR4tY7pM3qW6eD9hJ2bG5xA"},
		{"payment intent expanded", edit(t, completed, set("payment_intent", map[string]any{"id": "pi_expanded", "object": "payment_intent"})),
			thankyou.DeliveryOrderCreated, "", "pi_expanded"},
		{"full refund", payload(t, "stripe-charge-refunded.json"), thankyou.DeliveryOrderCancelled, "refunded", "pi_3SWqHzLkdIwHu7ix1c7Vd2Xa"},
		{"partial refund", edit(t, "stripe-charge-refunded.json", func(_, obj map[string]any) {
			obj["amount_refunded"], obj["refunded"] = 1465, false
		}), thankyou.DeliveryIgnored, "partially refunded", ""},
		{"refund of a charge made without a payment intent", edit(t, "stripe-charge-refunded.json", set("payment_intent", nil)),
			thankyou.DeliveryIgnored, "refund of a charge without a payment intent", ""},
		{"another event", edit(t, completed, func(ev, obj map[string]any) { ev["type"], obj["object"] = "payment_intent.succeeded", "payment_intent" }),
			thankyou.DeliveryIgnored, "", ""},
		{"an event whose object is not read", []byte(`{"id":"evt_1","object":"event","type":"customer.created","created":1795453803}`),
			thankyou.DeliveryIgnored, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(t, tt.body, "", "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.wantKind || d.Reason != tt.wantReason || d.Order.ID != tt.wantID {
				t.Errorf("kind %q, reason %q, order %q; want %q, %q, %q", d.Kind, d.Reason, d.Order.ID, tt.wantKind, tt.wantReason, tt.wantID)
			}
			if d.Kind != thankyou.DeliveryIgnored && d.Order.Source != thankyou.SourceStripe {
				t.Errorf("order source %q, want stripe", d.Order.Source)
			}
			if d.EventID == "" || d.Topic == "" {
				t.Errorf("event id %q, topic %q; want both", d.EventID, d.Topic)
			}
		})
	}
}

func TestOrderFieldsComeFromTheSession(t *testing.T) {
	completed := "stripe-checkout-completed.json"
	details := func(f func(cd map[string]any)) func(ev, obj map[string]any) {
		return func(_, obj map[string]any) { f(obj["customer_details"].(map[string]any)) }
	}
	tests := []struct {
		name           string
		body           []byte
		defaultCountry string
		check          func(o thankyou.Order) bool
	}{
		{"number from metadata.order_number", payload(t, completed), "US",
			func(o thankyou.Order) bool { return o.Number == "1042" }},
		{"number from client_reference_id without metadata", edit(t, completed, func(_, obj map[string]any) { obj["metadata"] = map[string]any{} }), "US",
			func(o thankyou.Order) bool { return o.Number == "cart_8f2c1a" }},
		{"number is the session id without either", edit(t, completed, func(_, obj map[string]any) {
			obj["metadata"], obj["client_reference_id"] = nil, nil
		}), "US", func(o thankyou.Order) bool {
			return o.Number == "cs_live_a1Pq8VdK2mX7rT4nB9wE3yH6jL0sF5gU2cZ8vN1kR4tY7pM3qW6eD9hJ2bG5xA"
		}},
		{"national number read in the address's country", edit(t, completed, details(func(cd map[string]any) {
			cd["phone"], cd["address"].(map[string]any)["country"] = "03-1234-5678", "JP"
		})), "US", func(o thankyou.Order) bool { return o.Phone == "+81312345678" && o.SkipReason.Detail == "" }},
		{"national number read in the shop's country without an address", edit(t, completed, details(func(cd map[string]any) {
			cd["phone"], cd["address"] = "07911 123456", nil
		})), "GB", func(o thankyou.Order) bool { return o.Phone == "+447911123456" && o.Country == "US" }},
		{"no phone", edit(t, completed, details(func(cd map[string]any) { cd["phone"] = nil })), "US",
			func(o thankyou.Order) bool { return o.Phone == "" && o.SkipReason.Detail == "no usable phone number" }},
		{"an invalid phone", edit(t, completed, details(func(cd map[string]any) { cd["phone"] = "12345" })), "US",
			func(o thankyou.Order) bool {
				return o.Phone == "" && o.SkipReason.Detail == "no valid phone number (1 found, none valid)"
			}},
		{"no customer details at all", edit(t, completed, func(_, obj map[string]any) { obj["customer_details"] = nil }), "US",
			func(o thankyou.Order) bool {
				return o.Phone == "" && o.SkipReason.Detail == "no usable phone number" && o.Email == "" && o.CustomerName == "Jordan Smith"
			}},
		{"email from customer_email when the details have none", edit(t, completed, func(_, obj map[string]any) {
			obj["customer_email"] = "prefilled@example.com"
			obj["customer_details"].(map[string]any)["email"] = nil
		}), "US", func(o thankyou.Order) bool { return o.Email == "prefilled@example.com" }},
		{"country from the shipping address over the billing one", edit(t, completed, func(_, obj map[string]any) {
			obj["collected_information"].(map[string]any)["shipping_details"].(map[string]any)["address"].(map[string]any)["country"] = "ca"
		}), "US", func(o thankyou.Order) bool { return o.Country == "CA" }},
		{"country from shipping_details of API versions before basil", edit(t, completed, func(_, obj map[string]any) {
			obj["collected_information"] = nil
			obj["shipping_details"] = map[string]any{"name": "Jordan Smith", "address": map[string]any{"country": "MX"}}
		}), "US", func(o thankyou.Order) bool { return o.Country == "MX" }},
		{"country from the customer without shipping", edit(t, completed, func(_, obj map[string]any) {
			obj["collected_information"] = nil
			obj["customer_details"].(map[string]any)["address"].(map[string]any)["country"] = "FR"
		}), "US", func(o thankyou.Order) bool { return o.Country == "FR" }},
		{"test mode", payload(t, "stripe-rotated-secret.json"), "US",
			func(o thankyou.Order) bool { return o.Test && o.Total == "45.00" && o.Phone == "+13105550142" }},
		{"three-decimal currency", edit(t, completed, func(_, obj map[string]any) { obj["currency"], obj["amount_total"] = "kwd", 5120 }), "US",
			func(o thankyou.Order) bool { return o.Total == "5.120" && o.Currency == "KWD" }},
		{"no amount_total", edit(t, completed, set("amount_total", nil)), "US",
			func(o thankyou.Order) bool { return o.Total == "" && o.Currency == "USD" }},
		{"created from the event when the session has none", edit(t, completed, func(_, obj map[string]any) { delete(obj, "created") }), "US",
			func(o thankyou.Order) bool { return o.CreatedAt.Equal(time.Date(2026, 11, 23, 17, 10, 3, 0, time.UTC)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(t, tt.body, "", tt.defaultCountry)
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(d.Order) {
				t.Errorf("order = %+v", d.Order)
			}
		})
	}
}

func set(key string, v any) func(ev, obj map[string]any) {
	return func(_, obj map[string]any) { obj[key] = v }
}

func TestParseRejectsWhatIsNotAStripeEvent(t *testing.T) {
	completed := "stripe-checkout-completed.json"
	tests := []struct {
		name    string
		body    []byte
		query   string
		wantMsg string
	}{
		{"empty body", nil, "", "body is empty"},
		{"not JSON", []byte("{"), "", "not valid JSON"},
		{"an array", []byte(`[{"id":"evt_1"}]`), "", "JSON array, not an object"},
		{"no id", edit(t, completed, func(ev, _ map[string]any) { delete(ev, "id") }), "", "event has no id"},
		{"no type", edit(t, completed, func(ev, _ map[string]any) { ev["type"] = "" }), "", "has no type"},
		{"a thin event", []byte(`{"id":"evt_1","object":"v2.core.event","type":"v1.checkout.session.completed"}`), "", `"v2.core.event", not a snapshot event`},
		{"created before 1970", edit(t, completed, func(ev, _ map[string]any) { ev["created"] = -1 }), "", "before 1970"},
		{"created not a whole number", edit(t, completed, func(ev, _ map[string]any) { ev["created"] = 1.5 }), "", "field created is a JSON number"},
		{"no data", edit(t, completed, func(ev, _ map[string]any) { delete(ev, "data") }), "", "has no data.object"},
		{"data.object null", []byte(`{"id":"evt_1","type":"checkout.session.completed","data":{"object":null}}`), "", "data.object is a JSON null"},
		{"a checkout event carrying another object", edit(t, completed, set("object", "payment_intent")), "",
			`carries a "payment_intent", not a checkout.session`},
		{"a refund event carrying a session", edit(t, completed, func(ev, _ map[string]any) { ev["type"] = "charge.refunded" }), "",
			`carries a "checkout.session", not a charge`},
		{"amount_total a string", edit(t, completed, set("amount_total", "199.65")), "", "data.object field amount_total is a JSON string"},
		{"metadata not strings", edit(t, completed, set("metadata", map[string]any{"order_number": 1042})), "", "data.object field metadata is a JSON number"},
		{"an amount without a currency", edit(t, completed, set("currency", nil)), "", "amount_total but no currency"},
		{"no created time anywhere", edit(t, completed, func(ev, obj map[string]any) { delete(ev, "created"); delete(obj, "created") }), "",
			"has no created time"},
		{"a session without an id or a payment intent", edit(t, completed, func(_, obj map[string]any) {
			delete(obj, "id")
			obj["payment_intent"] = nil
		}), "", "checkout session has no id"},
		{"a bad shop parameter", payload(t, completed), "shop=%3Cscript%3E", "shop query parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(t, tt.body, tt.query, "US")
			if thankyou.ErrorCode(err) != thankyou.EINVALID {
				t.Fatalf("Parse = %+v, %v; want code %q", d, err, thankyou.EINVALID)
			}
			if msg := thankyou.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not say %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestMajorUnitsUsesTheCurrencysExponent(t *testing.T) {
	tests := []struct {
		amount   int64
		currency string
		want     string
	}{
		{19965, "USD", "199.65"},
		{19965, "usd", "199.65"},
		{5, "USD", "0.05"},
		{50, "EUR", "0.50"},
		{0, "USD", "0.00"},
		{-5, "USD", "-0.05"},
		{-19965, "GBP", "-199.65"},
		{1500, "JPY", "1500"},
		{1500, "jpy", "1500"},
		{0, "JPY", "0"},
		{50000, "KRW", "50000"},
		{5120, "KWD", "5.120"},
		{5, "KWD", "0.005"},
		{1000, "BHD", "1.000"},
		{123456, "TND", "123.456"},
		{500, "ISK", "5.00"}, // two-decimal in Stripe's API, whole krónur only
		{500, "HUF", "5.00"},
		{9223372036854775807, "USD", "92233720368547758.07"},
		{-9223372036854775808, "USD", "-92233720368547758.08"},
		{100, "", "1.00"},
	}
	for _, tt := range tests {
		if got := stripe.MajorUnits(tt.amount, tt.currency); got != tt.want {
			t.Errorf("MajorUnits(%d, %q) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
	// Every currency Stripe documents as zero- or three-decimal.
	for _, c := range strings.Fields("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF") {
		if got := stripe.MajorUnits(1234, c); got != "1234" {
			t.Errorf("zero-decimal %s: MajorUnits(1234) = %q, want 1234", c, got)
		}
	}
	for _, c := range strings.Fields("BHD JOD KWD OMR TND") {
		if got := stripe.MajorUnits(1234, c); got != "1.234" {
			t.Errorf("three-decimal %s: MajorUnits(1234) = %q, want 1.234", c, got)
		}
	}
}

// seeds are the Stripe testdata payloads.
func seeds(f *testing.F) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "stripe-*.json"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no Stripe testdata in %s (%v)", fixtureDir, err)
	}
	var out [][]byte
	for _, p := range paths {
		out = append(out, payload(f, filepath.Base(p)))
	}
	return out
}

func FuzzVerify(f *testing.F) {
	for _, body := range seeds(f) {
		f.Add(stripe.Sign(secret, now, body), body, int64(0))
		f.Add(stripe.Sign(secret, now, body), body, int64(600))
		f.Add("t="+strconv.FormatInt(now.Unix(), 10)+",v1="+v1(other, now, body)+",v1="+v1(secret, now, body)+",v0=00", body, int64(-30))
	}
	f.Add("t=1,v1=", []byte("{}"), int64(0))
	f.Add("", []byte(nil), int64(0))
	f.Fuzz(func(t *testing.T, header string, body []byte, lateSeconds int64) {
		r := webhook.Request{Header: http.Header{"Stripe-Signature": {header}}, Body: body, Received: now.Add(time.Duration(lateSeconds) * time.Second)}
		err := stripe.Source{}.Verify(r, [][]byte{secret, other})
		if err == nil {
			// A delivery that passes must carry a genuine v1 for its t.
			ts, sigs := "", []string{}
			for _, el := range strings.Split(header, ",") {
				switch k, v, _ := strings.Cut(strings.TrimSpace(el), "="); k {
				case "t":
					ts = v
				case "v1":
					sigs = append(sigs, v)
				}
			}
			genuine := false
			for _, key := range [][]byte{secret, other} {
				want := hex.EncodeToString(webhook.HMACSHA256(key, []byte(ts), []byte("."), body))
				for _, sig := range sigs {
					genuine = genuine || strings.EqualFold(sig, want) // hex in either case
				}
			}
			if !genuine {
				t.Fatalf("Verify passed %q without a genuine signature", header)
			}
			return
		}
		if code := thankyou.ErrorCode(err); code != thankyou.EUNAUTHORIZED {
			t.Fatalf("Verify = %v, want code %q", err, thankyou.EUNAUTHORIZED)
		}
		if strings.Contains(err.Error(), string(secret)) || strings.Contains(err.Error(), string(other)) {
			t.Fatalf("error %q reveals a secret", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	for _, body := range seeds(f) {
		f.Add(body, "", "US")
	}
	f.Add([]byte(`{"id":"evt_1","type":"charge.refunded","account":"acct_1","data":{"object":{"object":"charge","payment_intent":{"id":"pi_1"},"refunded":true}}}`), "shop=x", "")
	f.Add([]byte(`{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs_1","payment_status":"paid","amount_total":-1,"currency":"kwd"}}}`), "", "JP")
	f.Add([]byte(`{"id":"evt_1","type":"checkout.session.completed","created":1,"data":{"object":{"id":"cs_1","payment_status":"paid",`+
		`"line_items":{"object":"list","data":[{"description":" A\u0000 ","quantity":2},{"description":"B","quantity":null},{"description":"","quantity":1},{"description":"C"},{"description":"D"}]}}}}`), "", "US")
	f.Fuzz(func(t *testing.T, body []byte, query, defaultCountry string) {
		q, _ := url.ParseQuery(query)
		d, err := stripe.Source{}.Parse(webhook.Request{Body: body, Query: q, Received: now}, defaultCountry)
		if err != nil {
			var e *thankyou.Error
			if !errors.As(err, &e) || e.Code != thankyou.EINVALID {
				t.Fatalf("Parse error %v is not a *thankyou.Error with code %q", err, thankyou.EINVALID)
			}
			return
		}
		if d.EventID == "" || d.Topic == "" {
			t.Fatalf("delivery without an event id or topic: %+v", d)
		}
		switch d.Kind {
		case thankyou.DeliveryOrderCreated:
			o := d.Order
			if o.ID == "" || o.Source != thankyou.SourceStripe || o.CreatedAt.IsZero() {
				t.Fatalf("created order without an id, source or time: %+v", o)
			}
			if (o.Phone == "") == (o.SkipReason.Detail == "") {
				t.Fatalf("order has phone %q and skip reason %q; want exactly one", o.Phone, o.SkipReason)
			}
			checkItems(t, o.Items)
			checkRegion(t, o.Region)
		case thankyou.DeliveryOrderCancelled:
			if d.Order.ID == "" || d.Order.Source != thankyou.SourceStripe || d.Reason == "" {
				t.Fatalf("cancellation without an order id, source or reason: %+v", d)
			}
		case thankyou.DeliveryIgnored:
		default:
			t.Fatalf("unexpected kind %q", d.Kind)
		}
		// The order's shop is the signed account when there is one
		// (Delivery.Shop), else the route's shop.
		shop, err := (stripe.Source{}).ShopID(webhook.Request{Body: body, Query: q})
		if d.Shop != "" {
			shop = d.Shop
		}
		if err != nil || shop != d.Order.Shop && d.Kind != thankyou.DeliveryIgnored {
			t.Fatalf("ShopID = %q, %v; Delivery.Shop %q; Parse's order shop %q", shop, err, d.Shop, d.Order.Shop)
		}
	})
}
