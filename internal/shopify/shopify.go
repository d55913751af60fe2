// Package shopify verifies Shopify webhook deliveries and normalises them
// to a thankyou.Delivery: new orders, cancellations and refunds, and
// Shopify's mandatory privacy requests.
//
// The order webhook hands it each delivery as a webhook.Request. ShopID
// reads the shop the delivery names, Verify checks the HMAC signature
// Shopify puts on every delivery against that shop's secrets, Parse reads
// the topic and the payload. Nothing here logs: orders and privacy requests
// carry personal data (names, phone numbers, emails), and errors never
// repeat it.
package shopify

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// Header names as Shopify sends them; each is also accepted in any case and
// without the "X-" prefix.
const (
	HeaderHmac        = "X-Shopify-Hmac-Sha256"
	HeaderTopic       = "X-Shopify-Topic"
	HeaderShopDomain  = "X-Shopify-Shop-Domain"
	HeaderWebhookID   = "X-Shopify-Webhook-Id"
	HeaderTriggeredAt = "X-Shopify-Triggered-At"
)

// Topics this package acts on; any other topic is DeliveryIgnored.
const (
	// TopicOrdersCreate is a new order.
	TopicOrdersCreate = "orders/create"
	// TopicOrdersCancelled is an order cancelled by the shop or the customer.
	TopicOrdersCancelled = "orders/cancelled"
	// TopicRefundsCreate is a refund, full or partial, of an order.
	TopicRefundsCreate = "refunds/create"
	// TopicCustomersRedact asks to erase a customer's data (mandatory).
	TopicCustomersRedact = "customers/redact"
	// TopicShopRedact asks to erase a shop's data, 48 hours after the app
	// was uninstalled (mandatory).
	TopicShopRedact = "shop/redact"
	// TopicCustomersDataRequest asks what is held about a customer
	// (mandatory).
	TopicCustomersDataRequest = "customers/data_request"
)

// SkipNoPhone is the skip reason of an order without any phone number.
const SkipNoPhone = phone.SkipNoPhone

// Source verifies and normalises Shopify webhook deliveries. It holds no
// secrets: the order webhook passes each shop's secrets to Verify and its
// default country to Parse.
type Source struct{}

// Sign returns the X-Shopify-Hmac-Sha256 value Shopify sends for body when
// signing with secret: the base64 of the body's HMAC-SHA256.
func Sign(secret, body []byte) string {
	return base64.StdEncoding.EncodeToString(webhook.HMACSHA256(secret, body))
}

// ShopID returns the shop the delivery says it comes from: the
// X-Shopify-Shop-Domain header, lower-cased ("thankyou-demo.myshopify.com").
// A missing header gives a *thankyou.Error with code EUNAUTHORIZED (Shopify
// sends it on every delivery); one that is not a domain name gives
// EINVALID. The shop is not trusted until Verify passed with its secrets.
func (*Source) ShopID(r webhook.Request) (string, error) {
	raw := r.Get(HeaderShopDomain)
	if raw == "" {
		return "", thankyou.Errorf(thankyou.EUNAUTHORIZED, "missing X-Shopify-Shop-Domain header")
	}
	return shopDomain(raw)
}

// Verify checks that the body was signed by Shopify with one of the shop's
// secrets (any may match while a secret is rotated): the
// X-Shopify-Hmac-Sha256 header must be the base64 of the body's
// HMAC-SHA256. Shopify signs no timestamp, so there is no replay window
// here; X-Shopify-Webhook-Id deduplicates instead. A missing, malformed or
// wrong signature gives a *thankyou.Error with code EUNAUTHORIZED; the
// expected digest is never revealed. No usable secret gives EINTERNAL.
func (*Source) Verify(r webhook.Request, secrets [][]byte) error {
	if !webhook.AnySecret(secrets) {
		return thankyou.Errorf(thankyou.EINTERNAL, "the Shopify webhook secret is not configured")
	}
	return webhook.VerifyBase64Body(r, HeaderHmac, secrets)
}

// Parse normalises a verified delivery. Every delivery's EventID is its
// X-Shopify-Webhook-Id (the same on each retry of a delivery) and its
// OccurredAt is X-Shopify-Triggered-At (zero when missing or unreadable).
// By topic:
//
//   - orders/create gives DeliveryOrderCreated with the order;
//   - orders/cancelled gives DeliveryOrderCancelled with Reason "cancelled",
//     followed by Shopify's cancel_reason when set ("cancelled: fraud");
//   - refunds/create gives DeliveryOrderCancelled for the refunded order with
//     Reason "refunded". A partial refund cancels the thank-you too: a
//     customer who just asked for money back is not the one to thank;
//   - customers/redact gives DeliveryCustomerRedact, customers/data_request
//     DeliveryDataRequest, both with the Customer, and shop/redact
//     DeliveryShopRedact. These carry shop_domain in the body too, and it
//     must be the header's shop;
//   - any other topic gives DeliveryIgnored; its body is not read.
//
// A cancellation's Order carries only Source, Shop and ID, the same ID the
// creation used, so it names the same task.
//
// A created order's Items are its first line items (at most
// thankyou.MaxItems, in the order given): the title, with the
// variant_title in parentheses unless it is Shopify's "Default Title",
// preceded by "<quantity> × " when more than one was bought ("2 ×
// Hand-thrown Mug (Sea Green)"). Titles are trimmed, stripped of control
// characters and cut to 40 characters ("…"); line items without a title or
// with a quantity below one are left out, and line_items of another shape
// gives no items rather than an error.
//
// defaultCountry is the shop's ISO country ("US") for a phone number written
// without a country code when its address gives no country.
//
// A missing topic or shop header, a body that is not a JSON object, an order
// without a valid id or with an unreadable created_at, a privacy request for
// another shop or without anything naming the customer give a
// *thankyou.Error with code EINVALID naming the problem. An order without a
// valid phone number is not an error: its Phone is empty and SkipReason
// says why.
func (*Source) Parse(r webhook.Request, defaultCountry string) (thankyou.Delivery, error) {
	topic := strings.ToLower(r.Get(HeaderTopic))
	if topic == "" {
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINVALID, "missing X-Shopify-Topic header")
	}
	d := thankyou.Delivery{
		Kind:       thankyou.DeliveryIgnored,
		Topic:      topic,
		EventID:    r.Get(HeaderWebhookID),
		OccurredAt: triggeredAt(r.Get(HeaderTriggeredAt)),
	}
	parse := parserFor(topic)
	if parse == nil {
		return d, nil
	}
	shop, err := shopDomain(r.Get(HeaderShopDomain))
	if err != nil {
		return thankyou.Delivery{}, err
	}
	if err := parse(&d, shop, r.Body, defaultCountry); err != nil {
		return thankyou.Delivery{}, err
	}
	if err := fits(topic, r.Body); err != nil {
		return thankyou.Delivery{}, err
	}
	return d, nil
}

// fits refuses a body that does not have the shape of its topic's payload.
// The topic header is not covered by the signature, so a body signed for
// one topic could be resent under another: an order as a cancellation, a
// data request as an erasure. Each acting topic's payload is told apart
// from the others by the fields Shopify always sends with it:
//
//   - orders/create: an order (line_items, no order_id) not yet cancelled
//     (cancelled_at absent or null);
//   - orders/cancelled: an order (no order_id) with cancelled_at set;
//   - refunds/create: a refund (order_id, no line_items of an order);
//   - customers/redact: shop_domain and customer, and nothing of a data
//     request (orders_requested, data_request);
//   - customers/data_request: shop_domain, customer and orders_requested
//     or data_request, no orders_to_redact;
//   - shop/redact: shop_domain and no customer.
//
// It runs after the topic's parser, which names what is wrong with a body
// that is not even that topic's JSON.
func fits(topic string, body []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return nil
	}
	has := func(k string) bool { _, ok := top[k]; return ok }
	set := func(k string) bool { v, ok := top[k]; return ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) }
	privacy := has("shop_domain")
	order := !privacy && !has("order_id")
	var ok bool
	switch topic {
	case TopicOrdersCreate:
		ok = order && has("line_items") && !set("cancelled_at")
	case TopicOrdersCancelled:
		ok = order && set("cancelled_at")
	case TopicRefundsCreate:
		ok = !privacy && has("order_id") && !has("line_items") && !has("cancelled_at")
	case TopicCustomersRedact:
		ok = privacy && has("customer") && !has("orders_requested") && !has("data_request")
	case TopicCustomersDataRequest:
		ok = privacy && has("customer") && (has("orders_requested") || has("data_request")) && !has("orders_to_redact")
	case TopicShopRedact:
		ok = privacy && !has("customer") && !has("orders_to_redact") && !has("orders_requested") && !has("data_request")
	default:
		ok = true
	}
	if !ok {
		return thankyou.Errorf(thankyou.EINVALID, "body does not fit topic %s: it is not that topic's payload", topic)
	}
	return nil
}

// topicParser fills d from the body of a delivery for shop.
type topicParser func(d *thankyou.Delivery, shop string, body []byte, defaultCountry string) error

// parserFor returns the parser of a topic acted on, nil for any other.
func parserFor(topic string) topicParser {
	switch topic {
	case TopicOrdersCreate:
		return parseOrderCreated
	case TopicOrdersCancelled:
		return parseOrderCancelled
	case TopicRefundsCreate:
		return parseRefund
	case TopicCustomersRedact, TopicShopRedact, TopicCustomersDataRequest:
		return parsePrivacy
	case TopicFulfillmentsCreate, TopicFulfillmentsUpdate:
		return parseFulfillment
	}
	return nil
}

// triggeredAt reads X-Shopify-Triggered-At (RFC 3339, usually with
// nanoseconds); anything unreadable is the zero time.
func triggeredAt(raw string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}
	}
	return t
}

// shopDomain validates and lower-cases the X-Shopify-Shop-Domain header.
func shopDomain(raw string) (string, error) {
	shop := thankyou.ShopID(thankyou.SourceShopify, raw)
	if shop == "" {
		return "", thankyou.Errorf(thankyou.EINVALID, "missing X-Shopify-Shop-Domain header")
	}
	if len(shop) > 255 {
		return "", thankyou.Errorf(thankyou.EINVALID, "X-Shopify-Shop-Domain header is too long")
	}
	for i := 0; i < len(shop); i++ {
		c := shop[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "", thankyou.Errorf(thankyou.EINVALID, "X-Shopify-Shop-Domain header is not a domain name")
		}
	}
	return shop, nil
}

func parseOrderCreated(d *thankyou.Delivery, shop string, body []byte, defaultCountry string) error {
	var p payload
	if err := decode(body, &p, "order"); err != nil {
		return err
	}
	o, err := toOrder(shop, p, defaultCountry)
	if err != nil {
		return err
	}
	d.Kind, d.Order = thankyou.DeliveryOrderCreated, o
	return nil
}

// cancelled is the part of an orders/cancelled payload (the whole order)
// read here.
type cancelled struct {
	ID           webhook.Scalar `json:"id"`
	CancelReason string         `json:"cancel_reason"`
}

func parseOrderCancelled(d *thankyou.Delivery, shop string, body []byte, _ string) error {
	var p cancelled
	if err := decode(body, &p, "order"); err != nil {
		return err
	}
	id, err := wholeID(p.ID, "order id")
	if err != nil {
		return err
	}
	d.Kind = thankyou.DeliveryOrderCancelled
	d.Order = thankyou.Order{Source: thankyou.SourceShopify, Shop: shop, ID: id}
	d.Reason = "cancelled"
	if why := strings.TrimSpace(p.CancelReason); why != "" {
		d.Reason += ": " + why
	}
	return nil
}

// refund is the part of a refunds/create payload read here.
type refund struct {
	OrderID webhook.Scalar `json:"order_id"`
}

func parseRefund(d *thankyou.Delivery, shop string, body []byte, _ string) error {
	var p refund
	if err := decode(body, &p, "refund"); err != nil {
		return err
	}
	id, err := wholeID(p.OrderID, "refund order_id")
	if err != nil {
		return err
	}
	d.Kind = thankyou.DeliveryOrderCancelled
	d.Order = thankyou.Order{Source: thankyou.SourceShopify, Shop: shop, ID: id}
	d.Reason = "refunded"
	return nil
}

// privacy is a mandatory privacy request: customers/redact,
// customers/data_request or shop/redact.
type privacy struct {
	ShopDomain *string `json:"shop_domain"`
	Customer   *struct {
		ID    webhook.Scalar `json:"id"`
		Email string         `json:"email"`
		Phone string         `json:"phone"`
	} `json:"customer"`
	OrdersToRedact  []webhook.Scalar `json:"orders_to_redact"`
	OrdersRequested []webhook.Scalar `json:"orders_requested"`
}

func parsePrivacy(d *thankyou.Delivery, shop string, body []byte, defaultCountry string) error {
	var p privacy
	if err := decode(body, &p, "privacy request"); err != nil {
		return err
	}
	if p.ShopDomain == nil || strings.TrimSpace(*p.ShopDomain) == "" {
		return thankyou.Errorf(thankyou.EINVALID, "privacy request has no shop_domain")
	}
	if thankyou.ShopID(thankyou.SourceShopify, *p.ShopDomain) != shop {
		return thankyou.Errorf(thankyou.EINVALID, "privacy request shop_domain is not the X-Shopify-Shop-Domain header's shop")
	}
	if d.Topic == TopicShopRedact {
		d.Kind = thankyou.DeliveryShopRedact
		return nil
	}
	field, orders := "orders_to_redact", p.OrdersToRedact
	d.Kind = thankyou.DeliveryCustomerRedact
	if d.Topic == TopicCustomersDataRequest {
		field, orders = "orders_requested", p.OrdersRequested
		d.Kind = thankyou.DeliveryDataRequest
	}
	if p.Customer == nil {
		return thankyou.Errorf(thankyou.EINVALID, "privacy request has no customer")
	}
	var c thankyou.Customer
	if strings.TrimSpace(p.Customer.ID.Text) != "" {
		id, err := wholeID(p.Customer.ID, "customer id")
		if err != nil {
			return err
		}
		c.PlatformID = id
	}
	if e := strings.TrimSpace(p.Customer.Email); e != "" {
		c.Emails = []string{e}
	}
	if raw := strings.TrimSpace(p.Customer.Phone); raw != "" {
		if n, err := phone.Normalize(raw, defaultCountry); err == nil {
			c.Phones = []string{n}
		}
	}
	for i, o := range orders {
		id, err := wholeID(o, fmt.Sprintf("%s[%d]", field, i))
		if err != nil {
			return err
		}
		c.OrderIDs = append(c.OrderIDs, id)
	}
	if c.PlatformID == "" && len(c.Emails) == 0 && len(c.Phones) == 0 && len(c.OrderIDs) == 0 {
		// An empty Customer must not reach a store that matches on "any of".
		return thankyou.Errorf(thankyou.EINVALID, "privacy request names no customer id, email, valid phone number or order")
	}
	d.Customer = c
	return nil
}

// payload is the part of Shopify's order resource this service reads.
type payload struct {
	ID           webhook.Scalar                `json:"id"`
	OrderNumber  webhook.Scalar                `json:"order_number"`
	Name         string                        `json:"name"`
	Email        string                        `json:"email"`
	ContactEmail string                        `json:"contact_email"`
	Phone        string                        `json:"phone"`
	CreatedAt    *string                       `json:"created_at"`
	Currency     string                        `json:"currency"`
	TotalPrice   webhook.Scalar                `json:"total_price"`
	Test         bool                          `json:"test"`
	Tags         tags                          `json:"tags"`
	Customer     *person                       `json:"customer"`
	Billing      *address                      `json:"billing_address"`
	Shipping     *address                      `json:"shipping_address"`
	LineItems    webhook.LenientList[lineItem] `json:"line_items"`
	// CustomerLocale is the language the customer shopped in ("ja").
	CustomerLocale string `json:"customer_locale"`
}

type person struct {
	Email          string         `json:"email"`
	FirstName      string         `json:"first_name"`
	LastName       string         `json:"last_name"`
	Phone          string         `json:"phone"`
	OrdersCount    webhook.Scalar `json:"orders_count"`
	DefaultAddress *address       `json:"default_address"`
}

type address struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	CountryCode string `json:"country_code"`
	// ProvinceCode is the state or province ("FL", "ON").
	ProvinceCode string `json:"province_code"`
}

// decode reads the body into v, naming what is wrong with it; what names
// the payload ("order", "refund") in messages.
func decode(body []byte, v any, what string) error {
	return webhook.DecodeObject(body, v, "body", what, "Shopify "+what)
}

// toOrder builds the canonical order from a decoded payload.
func toOrder(shop string, p payload, defaultCountry string) (thankyou.Order, error) {
	id, err := wholeID(p.ID, "order id")
	if err != nil {
		return thankyou.Order{}, err
	}
	if p.CreatedAt == nil || strings.TrimSpace(*p.CreatedAt) == "" {
		return thankyou.Order{}, thankyou.Errorf(thankyou.EINVALID, "order %s has no created_at", id)
	}
	created, err := time.Parse(time.RFC3339, strings.TrimSpace(*p.CreatedAt))
	if err != nil {
		return thankyou.Order{}, thankyou.WrapError(thankyou.EINVALID,
			fmt.Sprintf("order %s created_at is not an RFC 3339 time", id), err)
	}
	o := thankyou.Order{
		Source:    thankyou.SourceShopify,
		Shop:      shop,
		ID:        id,
		Number:    strings.TrimSpace(p.OrderNumber.Text),
		Email:     first(p.Email, p.ContactEmail, customer(p).Email),
		Total:     strings.TrimSpace(p.TotalPrice.Text),
		Currency:  strings.TrimSpace(p.Currency),
		CreatedAt: created,
		Test:      p.Test,
		Tags:      p.Tags.list,
		Country:   country(p.Shipping, p.Billing),
		Region:    region(p.Shipping, p.Billing),
		Items:     items(p.LineItems),
	}
	if n, err := strconv.Atoi(strings.TrimSpace(customer(p).OrdersCount.Text)); err == nil && n > 0 {
		o.CustomerOrders = n
	}
	if o.Number == "" {
		o.Number = strings.TrimPrefix(strings.TrimSpace(p.Name), "#")
	}
	o.CustomerName, o.FirstName = names(p)
	o.FamilyName, o.Locale = familyName(p), localeOf(p)
	o.Phone, o.SkipReason = phoneOf(p, defaultCountry)
	return o, nil
}

// wholeID validates an id: a positive whole number up to 64 bits, as a
// JSON number or a string of digits. field names it in messages.
func wholeID(v webhook.Scalar, field string) (string, error) {
	s := strings.TrimSpace(v.Text)
	if s == "" {
		return "", thankyou.Errorf(thankyou.EINVALID, "%s is missing", field)
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return "", thankyou.Errorf(thankyou.EINVALID, "%s is not a positive whole number of at most 64 bits", field)
	}
	return strconv.FormatUint(n, 10), nil
}

// country returns the ISO country code of the first address that has a
// valid one, upper-cased; "" when none has.
func country(addrs ...*address) string {
	for _, a := range addrs {
		if a == nil {
			continue
		}
		c := strings.ToUpper(strings.TrimSpace(a.CountryCode))
		if len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z' {
			return c
		}
	}
	return ""
}

// region returns the ISO 3166-2 subdivision of the first address that has
// a valid country and province code ("US-FL"); "" when none has.
func region(addrs ...*address) string {
	for _, a := range addrs {
		if a == nil {
			continue
		}
		if r := thankyou.Region(a.CountryCode, a.ProvinceCode); r != "" {
			return r
		}
	}
	return ""
}

// tags is Shopify's "tags": one comma-separated string ("vip, wholesale").
// A JSON array of strings is accepted too; null or "" is no tags.
type tags struct {
	list []string
}

func (t *tags) UnmarshalJSON(b []byte) error {
	var parts []string
	switch {
	case bytes.Equal(b, []byte("null")):
	case len(b) > 0 && b[0] == '[':
		if err := json.Unmarshal(b, &parts); err != nil {
			return err
		}
	default:
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		parts = strings.Split(s, ",")
	}
	t.list = nil
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			t.list = append(t.list, p)
		}
	}
	return nil
}

func customer(p payload) person {
	if p.Customer == nil {
		return person{}
	}
	return *p.Customer
}

// names returns the customer's full and first name, from the customer
// record, else the billing address, else the shipping address.
func names(p payload) (full, firstName string) {
	c := customer(p)
	type parts struct{ first, last, name string }
	sources := []parts{{c.FirstName, c.LastName, ""}}
	for _, a := range []*address{p.Billing, p.Shipping} {
		if a != nil {
			sources = append(sources, parts{a.FirstName, a.LastName, a.Name})
		}
	}
	for _, s := range sources {
		n := strings.Join(strings.Fields(s.first+" "+s.last), " ")
		if n == "" {
			n = strings.Join(strings.Fields(s.name), " ")
		}
		if n == "" {
			continue
		}
		if full == "" {
			full = n
		}
		if firstName == "" {
			if f := strings.TrimSpace(s.first); f != "" {
				firstName = f
			}
		}
	}
	if firstName == "" && full != "" {
		firstName = strings.Fields(full)[0]
	}
	return full, firstName
}

// phone returns the first valid number in E.164 from the customer, the
// order, the billing address, the shipping address and the customer's
// default address, in that order; or "" and the reason there is none.
func phoneOf(p payload, defaultCountry string) (e164 string, skip thankyou.SkipReason) {
	c := customer(p)
	cands := []phone.Candidate{{Raw: c.Phone}, {Raw: p.Phone}}
	for _, a := range []*address{p.Billing, p.Shipping, c.DefaultAddress} {
		if a != nil {
			cands = append(cands, phone.Candidate{Raw: a.Phone, Region: a.CountryCode})
		}
	}
	return phone.FirstValid(defaultCountry, cands...)
}

func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
