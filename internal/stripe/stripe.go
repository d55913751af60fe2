// Package stripe verifies Stripe webhook deliveries and normalises the
// Checkout events that start, fail and refund an order to a
// thankyou.Delivery.
//
// Verify implements Stripe's documented signature scheme (the
// Stripe-Signature header "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>">", one v1 per active signing secret) and its replay
// window, without Stripe's SDK. ShopID names the connected account of a
// Stripe Connect event, else the shop query parameter of the webhook URL.
// Parse reads the event: a paid Checkout Session becomes an order to thank,
// a failed asynchronous payment or a full refund cancels it.
//
// Nothing here logs: a session carries personal data (names, phone numbers,
// emails), and errors never repeat it.
//
// # Items
//
// Stripe's webhook events carry a Checkout Session without its line items:
// line_items is an includable property, returned only when the session is
// retrieved with expand[]=line_items (or listed with
// GET /v1/checkout/sessions/{id}/line_items). So an order from a Checkout
// event as Stripe sends it has no Items, and a staff reminder shows none.
// Should data.object carry line_items (an expanded session), Items are
// the first thankyou.MaxItems of line_items.data, in their order: each
// description (the product's name) preceded by "<quantity> × " when more
// than one was bought ("2 × T-shirt"), trimmed, stripped of control
// characters and cut to 40 characters ("…"). Line items without a
// description or with a quantity below one are left out, and line_items of
// another shape gives no items rather than an error.
package stripe

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// HeaderSignature is the header Stripe signs every delivery in.
const HeaderSignature = "Stripe-Signature"

// DefaultTolerance is how far the signed timestamp may be from the time the
// delivery was received, as Stripe's libraries default to.
const DefaultTolerance = 5 * time.Minute

// Event types this source acts on.
const (
	EventCheckoutCompleted     = "checkout.session.completed"
	EventAsyncPaymentSucceeded = "checkout.session.async_payment_succeeded"
	EventAsyncPaymentFailed    = "checkout.session.async_payment_failed"
	EventChargeRefunded        = "charge.refunded"
)

// Reasons of cancelled and ignored deliveries.
const (
	reasonWaitingForPayment   = "waiting for payment"
	reasonPaymentFailed       = "payment failed"
	reasonRefunded            = "refunded"
	reasonPartiallyRefunded   = "partially refunded"
	reasonRefundWithoutIntent = "refund of a charge without a payment intent"
	reasonSetupSession        = "setup session: nothing was bought"
	skipNoPhone               = phone.SkipNoPhone
)

// Limits on what a delivery may hold.
const (
	maxSignatures      = 8  // v1 values in one Stripe-Signature header
	maxTimestampDigits = 12 // digits of its t= (Unix seconds)
	maxShopLength      = 255
)

// Source verifies and normalises Stripe webhook deliveries. The zero value
// is ready to use.
type Source struct {
	// Tolerance is how far the signed timestamp may be from the time the
	// delivery was received, either way; DefaultTolerance when zero or
	// negative.
	Tolerance time.Duration
}

// Sign returns the Stripe-Signature value Stripe sends for body signed
// with secret at t: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">".
// The secret is used as given (the "whsec_..." string's bytes).
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := webhook.HMACSHA256(secret, []byte(ts), []byte("."), body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac)
}

func (s Source) tolerance() time.Duration {
	if s.Tolerance <= 0 {
		return DefaultTolerance
	}
	return s.Tolerance
}

// ShopID returns the shop query parameter of the webhook URL, else "": the
// shop whose signing secrets verify the delivery. The body is not read
// before its signature verified; a Stripe Connect event's account, read
// from the signed body by Parse, then names the delivery's shop
// (Delivery.Shop). Ids are kept as written: Stripe's ids are
// case-sensitive. A shop parameter with characters other than letters,
// digits, '.', '-' and '_' gives a *thankyou.Error with code EINVALID.
func (s Source) ShopID(r webhook.Request) (string, error) {
	return queryShop(r)
}

// shopID is the connected account of a Stripe Connect event, else the
// shop query parameter.
func shopID(r webhook.Request, ev event) (string, error) {
	if acct := strings.TrimSpace(ev.Account); acct != "" {
		if !validAccount(acct) {
			return "", thankyou.Errorf(thankyou.EINVALID, "event account is not a Stripe account id (acct_...)")
		}
		return acct, nil
	}
	return queryShop(r)
}

func queryShop(r webhook.Request) (string, error) {
	shop := strings.TrimSpace(r.Query.Get("shop"))
	if shop == "" {
		return "", nil
	}
	if len(shop) > maxShopLength {
		return "", thankyou.Errorf(thankyou.EINVALID, "shop query parameter is longer than %d characters", maxShopLength)
	}
	for _, c := range []byte(shop) {
		if !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return "", thankyou.Errorf(thankyou.EINVALID, "shop query parameter may hold only letters, digits, '.', '-' and '_'")
		}
	}
	return shop, nil
}

func validAccount(acct string) bool {
	rest, ok := strings.CutPrefix(acct, "acct_")
	if !ok || rest == "" || len(acct) > maxShopLength {
		return false
	}
	for _, c := range []byte(rest) {
		if !isAlnum(c) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Verify checks the Stripe-Signature header: some v1 signature in it must
// be the HMAC-SHA256, under one of secrets, of the signed timestamp, a '.'
// and the raw body (Stripe sends one v1 per active secret while a secret is
// rolled; other schemes such as v0 are ignored), and the signed timestamp
// must be within the tolerance of r.Received. A missing, malformed, wrong
// or stale signature gives a *thankyou.Error with code EUNAUTHORIZED; no
// usable secret, or a request without a receive time, gives EINTERNAL.
func (s Source) Verify(r webhook.Request, secrets [][]byte) error {
	if !webhook.AnySecret(secrets) {
		return thankyou.Errorf(thankyou.EINTERNAL, "no Stripe webhook signing secret is configured for the shop")
	}
	if r.Received.IsZero() {
		return thankyou.Errorf(thankyou.EINTERNAL, "the delivery has no receive time to check the Stripe-Signature timestamp against")
	}
	raw := r.Get(HeaderSignature)
	if raw == "" {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "missing Stripe-Signature header")
	}
	h, err := parseSignature(raw)
	if err != nil {
		return err
	}
	matched := false
	for _, sig := range h.v1 {
		if webhook.MatchAny(secrets, sig, []byte(h.t), []byte("."), r.Body) {
			matched = true
		}
	}
	if !matched {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "Stripe-Signature has no v1 signature of the body under the shop's signing secrets")
	}
	if d, tol := r.Received.Sub(h.at), s.tolerance(); d > tol || d < -tol {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "Stripe-Signature timestamp outside the tolerance (replayed or delayed delivery)")
	}
	return nil
}

// signature is a parsed Stripe-Signature header.
type signature struct {
	t  string // the timestamp exactly as signed
	at time.Time
	v1 [][]byte
}

// parseSignature reads "t=...,v1=...,v1=...,v0=...": exactly one t of
// decimal digits, at least one v1 of 64 hex digits (others are skipped, as
// Stripe's libraries do), any other scheme ignored.
func parseSignature(raw string) (signature, error) {
	bad := func(format string, args ...any) error {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "Stripe-Signature header "+format, args...)
	}
	var h signature
	v1s := 0
	for i, item := range strings.Split(raw, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok || k == "" {
			return h, bad("element %d is not scheme=value", i+1)
		}
		switch k {
		case "t":
			if h.t != "" {
				return h, bad("has more than one timestamp (t=)")
			}
			if v == "" || len(v) > maxTimestampDigits || strings.Trim(v, "0123456789") != "" {
				return h, bad("timestamp (t=) is not a Unix time in seconds")
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return h, bad("timestamp (t=) is not a Unix time in seconds")
			}
			h.t, h.at = v, time.Unix(n, 0)
		case "v1":
			v1s++
			if v1s > maxSignatures {
				return h, bad("has more than %d v1 signatures", maxSignatures)
			}
			if sig, err := hex.DecodeString(v); err == nil && len(sig) == 32 {
				h.v1 = append(h.v1, sig)
			}
		}
	}
	switch {
	case h.t == "":
		return h, bad("has no timestamp (t=)")
	case v1s == 0:
		return h, bad("has no v1 signature")
	case len(h.v1) == 0:
		return h, bad("v1 signature is not 64 hex digits")
	}
	return h, nil
}

// Parse normalises a verified delivery. A Stripe Connect event's Shop is
// its connected account (signed), the shop of its order; any other
// event's order is the shop of the query parameter, and its Shop is "".
//   - checkout.session.completed with payment_status "paid" or
//     "no_payment_required" gives DeliveryOrderCreated; "unpaid" (an
//     asynchronous payment method, not paid yet) and setup-mode sessions
//     give DeliveryIgnored;
//   - checkout.session.async_payment_succeeded gives DeliveryOrderCreated;
//   - checkout.session.async_payment_failed gives DeliveryOrderCancelled,
//     reason "payment failed";
//   - charge.refunded of a fully refunded charge gives
//     DeliveryOrderCancelled for its payment intent, reason "refunded"
//     (a partial refund is ignored);
//   - any other event gives DeliveryIgnored.
//
// A created order's Items come from data.object.line_items, which Stripe
// includes only in an expanded session: see the package doc.
//
// The order's ID is the session's payment intent ("pi_...", what a refund
// names) else the session id, so that every event of one payment finds the
// same task. defaultCountry is the region of a phone number written without
// a country code when the customer's address gives none. A body that is not
// a Stripe event, or an event without an id, a type or a readable object,
// gives a *thankyou.Error with code EINVALID naming the problem. An order
// without a valid phone number is not an error: its Phone is empty and
// SkipReason says why.
func (s Source) Parse(r webhook.Request, defaultCountry string) (thankyou.Delivery, error) {
	ev, err := decodeEvent(r.Body)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	shop, err := shopID(r, ev)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	d := thankyou.Delivery{Kind: thankyou.DeliveryIgnored, Topic: ev.Type, EventID: ev.ID}
	if ev.Account != "" {
		d.Shop = shop
	}
	if ev.Created > 0 {
		d.OccurredAt = time.Unix(ev.Created, 0).UTC()
	}
	switch ev.Type {
	case EventCheckoutCompleted, EventAsyncPaymentSucceeded, EventAsyncPaymentFailed:
		cs, err := decodeObject[session](ev, "checkout.session")
		if err != nil {
			return thankyou.Delivery{}, err
		}
		id, err := cs.orderID()
		if err != nil {
			return thankyou.Delivery{}, err
		}
		if ev.Type == EventAsyncPaymentFailed {
			d.Kind, d.Reason = thankyou.DeliveryOrderCancelled, reasonPaymentFailed
			d.Order = thankyou.Order{Source: thankyou.SourceStripe, Shop: shop, ID: id, Test: test(cs.Livemode, ev.Livemode)}
			return d, nil
		}
		if ev.Type == EventCheckoutCompleted {
			if reason, thank := cs.ready(); !thank {
				d.Reason = reason
				return d, nil
			}
		}
		o, err := cs.order(shop, id, ev, defaultCountry)
		if err != nil {
			return thankyou.Delivery{}, err
		}
		d.Kind, d.Order = thankyou.DeliveryOrderCreated, o
		return d, nil
	case EventChargeRefunded:
		ch, err := decodeObject[charge](ev, "charge")
		if err != nil {
			return thankyou.Delivery{}, err
		}
		pi := strings.TrimSpace(ch.PaymentIntent.id)
		switch {
		case pi == "":
			d.Reason = reasonRefundWithoutIntent
		case !ch.fullyRefunded():
			d.Reason = reasonPartiallyRefunded
		default:
			d.Kind, d.Reason = thankyou.DeliveryOrderCancelled, reasonRefunded
			d.Order = thankyou.Order{Source: thankyou.SourceStripe, Shop: shop, ID: pi, Test: test(ch.Livemode, ev.Livemode)}
		}
		return d, nil
	}
	return d, nil
}

// event is the part of Stripe's Event object this source reads.
type event struct {
	ID       string `json:"id"`
	Object   string `json:"object"`
	Type     string `json:"type"`
	Account  string `json:"account"`
	Created  int64  `json:"created"`
	Livemode bool   `json:"livemode"`
	Data     *struct {
		Object json.RawMessage `json:"object"`
	} `json:"data"`
}

// session is the part of a Checkout Session this source reads.
type session struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Mode              string            `json:"mode"`
	PaymentStatus     string            `json:"payment_status"`
	PaymentIntent     expandable        `json:"payment_intent"`
	ClientReferenceID string            `json:"client_reference_id"`
	Metadata          map[string]string `json:"metadata"`
	Created           int64             `json:"created"`
	Livemode          *bool             `json:"livemode"`
	Currency          string            `json:"currency"`
	AmountTotal       *int64            `json:"amount_total"`
	CustomerEmail     string            `json:"customer_email"`
	CustomerDetails   *customerDetails  `json:"customer_details"`
	// Locale is the language the Checkout page was shown in (locale.go).
	Locale               string `json:"locale"`
	CollectedInformation *struct {
		ShippingDetails *shippingDetails `json:"shipping_details"`
	} `json:"collected_information"`
	// ShippingDetails is where API versions before 2025-03-31.basil put
	// the shipping address.
	ShippingDetails *shippingDetails `json:"shipping_details"`
	// LineItems is only there when the session was expanded (see
	// lineItems).
	LineItems *lineItems `json:"line_items"`
}

type customerDetails struct {
	Name    string   `json:"name"`
	Email   string   `json:"email"`
	Phone   string   `json:"phone"`
	Address *address `json:"address"`
}

type shippingDetails struct {
	Name    string   `json:"name"`
	Address *address `json:"address"`
}

type address struct {
	Country string `json:"country"`
	// State is the state, county, province or region ("FL", "ON").
	State string `json:"state"`
}

// charge is the part of a Charge this source reads.
type charge struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	PaymentIntent  expandable `json:"payment_intent"`
	Amount         int64      `json:"amount"`
	AmountRefunded int64      `json:"amount_refunded"`
	Refunded       bool       `json:"refunded"`
	Livemode       *bool      `json:"livemode"`
}

// fullyRefunded reports whether nothing of the charge is left: Stripe sets
// refunded only then, and sends charge.refunded for partial refunds too.
func (c charge) fullyRefunded() bool {
	return c.Refunded || c.Amount > 0 && c.AmountRefunded >= c.Amount
}

// expandable is a Stripe reference: an id, or the expanded object with
// its id; null leaves it empty.
type expandable struct{ id string }

func (e *expandable) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*e = expandable{}
		return nil
	case len(b) > 0 && b[0] == '{':
		var obj struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		*e = expandable{id: obj.ID}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*e = expandable{id: s}
	return nil
}

// decodeEvent reads the body as a Stripe event with an id and a type.
func decodeEvent(body []byte) (event, error) {
	var ev event
	if err := decodeJSON(body, &ev, "event", "body"); err != nil {
		return ev, err
	}
	if ev.Object != "" && ev.Object != "event" {
		return ev, thankyou.Errorf(thankyou.EINVALID, "body is a Stripe %q, not a snapshot event (object \"event\")", ev.Object)
	}
	if strings.TrimSpace(ev.ID) == "" {
		return ev, thankyou.Errorf(thankyou.EINVALID, "event has no id")
	}
	if strings.TrimSpace(ev.Type) == "" {
		return ev, thankyou.Errorf(thankyou.EINVALID, "event %s has no type", ev.ID)
	}
	if ev.Created < 0 {
		return ev, thankyou.Errorf(thankyou.EINVALID, "event %s created is before 1970", ev.ID)
	}
	return ev, nil
}

// decodeObject reads the event's data.object, which must be a kind
// (its "object" field) when it says.
func decodeObject[T interface{ object() string }](ev event, kind string) (T, error) {
	var v T
	if ev.Data == nil || len(ev.Data.Object) == 0 {
		return v, thankyou.Errorf(thankyou.EINVALID, "event %s has no data.object", ev.ID)
	}
	if err := decodeJSON(ev.Data.Object, &v, "data.object", "event "+ev.ID+" data.object"); err != nil {
		return v, err
	}
	if o := v.object(); o != "" && o != kind {
		return v, thankyou.Errorf(thankyou.EINVALID, "event %s (%s) carries a %q, not a %s", ev.ID, ev.Type, o, kind)
	}
	return v, nil
}

func (s session) object() string { return s.Object }
func (c charge) object() string  { return c.Object }

// decodeJSON unmarshals a JSON object into v, naming what is wrong.
// prefix is prepended to field names, what names the value in messages.
func decodeJSON(b []byte, v any, prefix, what string) error {
	return webhook.DecodeObject(b, v, what, prefix, "Stripe "+prefix)
}

// orderID is the payment intent, else the session id.
func (s session) orderID() (string, error) {
	if pi := strings.TrimSpace(s.PaymentIntent.id); pi != "" {
		return pi, nil
	}
	if id := strings.TrimSpace(s.ID); id != "" {
		return id, nil
	}
	return "", thankyou.Errorf(thankyou.EINVALID, "checkout session has no id")
}

// ready says whether a completed session is an order to thank now, and if
// not, why.
func (s session) ready() (reason string, thank bool) {
	if s.Mode == "setup" {
		return reasonSetupSession, false
	}
	switch s.PaymentStatus {
	case "paid", "no_payment_required":
		return "", true
	case "unpaid":
		return reasonWaitingForPayment, false
	case "":
		return "checkout session has no payment_status", false
	}
	return fmt.Sprintf("payment status %q", s.PaymentStatus), false
}

// order builds the canonical order from a session.
func (s session) order(shop, id string, ev event, defaultCountry string) (thankyou.Order, error) {
	created := s.Created
	if created <= 0 {
		created = ev.Created
	}
	if created <= 0 {
		return thankyou.Order{}, thankyou.Errorf(thankyou.EINVALID, "checkout session %s has no created time", id)
	}
	currency := strings.ToUpper(strings.TrimSpace(s.Currency))
	total := ""
	if s.AmountTotal != nil {
		if currency == "" {
			return thankyou.Order{}, thankyou.Errorf(thankyou.EINVALID, "checkout session %s has an amount_total but no currency", id)
		}
		total = MajorUnits(*s.AmountTotal, currency)
	}
	cd := customerDetails{}
	if s.CustomerDetails != nil {
		cd = *s.CustomerDetails
	}
	ship := s.ShippingDetails
	if s.CollectedInformation != nil && s.CollectedInformation.ShippingDetails != nil {
		ship = s.CollectedInformation.ShippingDetails
	}
	o := thankyou.Order{
		Source:    thankyou.SourceStripe,
		Shop:      shop,
		ID:        id,
		Number:    first(s.Metadata["order_number"], s.ClientReferenceID, s.ID, id),
		Email:     first(cd.Email, s.CustomerEmail),
		Total:     total,
		Currency:  currency,
		CreatedAt: time.Unix(created, 0).UTC(),
		Test:      test(s.Livemode, ev.Livemode),
		Country:   strings.ToUpper(first(country(ship), country(&shippingDetails{Address: cd.Address}))),
		Region:    first(region(ship), region(&shippingDetails{Address: cd.Address})),
		Items:     s.LineItems.items(),
	}
	name := strings.Join(strings.Fields(cd.Name), " ")
	if name == "" && ship != nil {
		name = strings.Join(strings.Fields(ship.Name), " ")
	}
	o.CustomerName = name
	if f := strings.Fields(name); len(f) > 0 {
		o.FirstName = f[0]
	}
	o.Locale = localeOf(s.Locale)
	region := first(country(&shippingDetails{Address: cd.Address}), defaultCountry)
	o.Phone, o.SkipReason = phoneNumber(cd.Phone, region)
	return o, nil
}

func country(s *shippingDetails) string {
	if s == nil || s.Address == nil {
		return ""
	}
	return strings.TrimSpace(s.Address.Country)
}

// region returns the ISO 3166-2 subdivision of the address ("US-FL"), or
// "" when it has no valid country and state.
func region(s *shippingDetails) string {
	if s == nil || s.Address == nil {
		return ""
	}
	return thankyou.Region(s.Address.Country, s.Address.State)
}

// phoneNumber returns raw in E.164, or "" and the reason there is none.
func phoneNumber(raw, region string) (e164 string, skip thankyou.SkipReason) {
	return phone.FirstValid(region, phone.Candidate{Raw: raw})
}

// test is !livemode, the object's own when it says, else the event's.
func test(objectLivemode *bool, eventLivemode bool) bool {
	if objectLivemode != nil {
		return !*objectLivemode
	}
	return !eventLivemode
}

func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
