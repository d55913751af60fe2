// Package woocommerce verifies WooCommerce webhook deliveries and normalises
// its order topics to a thankyou.Delivery.
//
// A shop sends its orders by adding webhooks under WooCommerce > Settings >
// Advanced > Webhooks with the delivery URL of the order webhook, API
// version WP REST API Integration v3, a secret, and the topics Order created
// and Order updated (an order is usually created before it is paid, and
// becomes paid in an update). Each delivery is a POST of the order as the
// REST API v3 returns it (GET /wp-json/wc/v3/orders/<id>) with these
// headers:
//
//   - X-WC-Webhook-Signature: the base64 of the HMAC-SHA256 of the raw body
//     under the webhook's secret. WooCommerce signs no timestamp, so there is
//     no replay window; a replayed delivery changes nothing because tasks are
//     keyed on the source, the shop and the order id.
//   - X-WC-Webhook-Source: the site's home URL ("https://shop.example.com/");
//     its host, lower-cased and with any port, is the shop's id.
//   - X-WC-Webhook-Topic ("order.created"), X-WC-Webhook-Resource,
//     X-WC-Webhook-Event, X-WC-Webhook-ID (the webhook's number) and
//     X-WC-Webhook-Delivery-ID (a hash that is new for every delivery, even
//     of the same event).
//
// Order dates come in the site's time zone without an offset (date_created)
// and in GMT, also without an offset (date_created_gmt); only the GMT ones
// are read, as UTC.
//
// # Ping
//
// When a webhook is saved as active for the first time, WooCommerce posts
// the form body "webhook_id=<n>" to the delivery URL with none of the
// X-WC-Webhook headers and no signature, and reports any status but 200 to
// the shop owner as a failure. Verify accepts such a body unsigned and Parse
// makes it a DeliveryIgnored with topic "ping": it creates, cancels and
// reveals nothing, so an unsigned ping is harmless. Any other unsigned
// delivery is refused.
//
// # Statuses
//
// Both order.created and order.updated are read by the order's status:
//
//   - processing, completed: the order is paid: DeliveryOrderCreated. The
//     same order comes again with every later update; the store keeps one
//     task per source, shop and order id, so repeats change nothing. A
//     completed order is also fulfilled: its FulfilledAt is
//     date_completed_gmt (else date_modified_gmt).
//   - cancelled, refunded, failed: DeliveryOrderCancelled, with the status as
//     the Reason.
//   - anything else (pending, on-hold, checkout-draft, a plugin's own
//     status): DeliveryIgnored, waiting for payment.
//
// # Items
//
// A created order's Items are its first line_items (at most
// thankyou.MaxItems, in the order given): the name, HTML entities decoded,
// preceded by "<quantity> × " when more than one was bought ("2 ×
// Hand-thrown mug — speckled"). Names are trimmed, stripped of control
// characters and cut to 40 characters ("…"); line items without a name or
// with a quantity below one are left out, and line_items of another shape
// gives no items rather than an error.
//
// # Other topics
//
// Other topics (order.deleted, product.*, customer.*, ...) are
// DeliveryIgnored. WooCommerce orders have no test flag, no tags and no
// customer order count: Test is false, Tags nil and CustomerOrders 0.
//
// Nothing here logs: an order carries personal data (names, phone numbers,
// emails), and errors never repeat it.
package woocommerce

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// Header names WooCommerce sends with every delivery but the ping. Each is
// also found without its "X-" prefix.
const (
	HeaderSignature  = "X-WC-Webhook-Signature"
	HeaderSource     = "X-WC-Webhook-Source"
	HeaderTopic      = "X-WC-Webhook-Topic"
	HeaderDeliveryID = "X-WC-Webhook-Delivery-ID"
)

// Topics this source reads. TopicPing is not a WooCommerce topic but the one
// Parse gives the ping.
const (
	TopicOrderCreated = "order.created"
	TopicOrderUpdated = "order.updated"
	TopicPing         = "ping"
)

// Skip reasons of an order without a usable phone number; the same wording
// as every other source.
const SkipNoPhone = phone.SkipNoPhone

// maxHost is the longest shop host accepted (a DNS name, a port).
const maxHost = 255

// Source verifies and normalises WooCommerce webhook deliveries. It holds no
// secrets: the order webhook passes each shop's secrets to Verify and its
// default country to Parse.
type Source struct{}

// Sign returns the X-WC-Webhook-Signature WooCommerce sends for body when
// the webhook's secret is secret: the base64 of the body's HMAC-SHA256.
func Sign(secret, body []byte) string {
	return base64.StdEncoding.EncodeToString(webhook.HMACSHA256(secret, body))
}

// ShopID returns the host of the X-WC-Webhook-Source header (the site's
// home URL), lower-cased, with its port if it has one:
// "https://Shop.Example.com:8443/" gives "shop.example.com:8443". A missing
// header (a ping has none) gives "". A value that is not an http or https
// URL with a host gives a *thankyou.Error with code EINVALID. The shop is
// not trusted until Verify passed with its secrets.
func (Source) ShopID(r webhook.Request) (string, error) {
	raw := r.Get(HeaderSource)
	if raw == "" {
		return "", nil
	}
	bad := thankyou.Errorf(thankyou.EINVALID, "%s header is not a site URL", HeaderSource)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || u.Host == "" {
		return "", bad
	}
	host := thankyou.ShopID(thankyou.SourceWooCommerce, u.Host)
	if len(host) > maxHost || !validHost(strings.ToLower(u.Hostname())) {
		return "", bad
	}
	return host, nil
}

// validHost accepts a DNS name (ASCII letters, digits, '-', '_', '.', or
// the UTF-8 of an internationalised name) or an IP address.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	if strings.Contains(h, ":") {
		return net.ParseIP(h) != nil
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c >= 0x80) {
			return false
		}
	}
	return true
}

// Verify accepts a delivery whose X-WC-Webhook-Signature is the base64
// HMAC-SHA256 of the body under any of the secrets (several while a secret
// is rotated), and a ping (see the package doc) without a signature. A
// missing, malformed or wrong signature gives a *thankyou.Error with code
// EUNAUTHORIZED naming the header; the expected digest is never revealed.
// No usable secret gives EINTERNAL (a ping needs none).
//
// WooCommerce signs with the secret as saved in its settings, after
// decoding HTML entities; secrets of letters and digits (WooCommerce's own
// generated ones are) are the same on both sides.
func (Source) Verify(r webhook.Request, secrets [][]byte) error {
	if isPing(r.Body) {
		return nil
	}
	if !webhook.AnySecret(secrets) {
		return thankyou.Errorf(thankyou.EINTERNAL, "no WooCommerce webhook secret is configured for the shop")
	}
	return webhook.VerifyBase64Body(r, HeaderSignature, secrets)
}

// isPing reports whether body is WooCommerce's ping: exactly the form
// "webhook_id=<digits>".
func isPing(body []byte) bool {
	const prefix = "webhook_id="
	b := bytes.TrimSpace(body)
	if !bytes.HasPrefix(b, []byte(prefix)) {
		return false
	}
	digits := b[len(prefix):]
	if len(digits) == 0 || len(digits) > 20 {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Parse normalises a verified delivery, as the package doc describes: a ping
// and topics other than order.created and order.updated are
// DeliveryIgnored; an order is created, cancelled or ignored by its status.
// defaultCountry is the shop's ISO country for phone numbers when the
// address gives none.
//
// A missing topic, a malformed X-WC-Webhook-Source, a body that is not a
// JSON object, an order without a valid id or status, or an unreadable
// date give a *thankyou.Error with code EINVALID naming the problem. An
// order without a valid phone number is not an error: its Phone is empty
// and SkipReason says why.
func (s Source) Parse(r webhook.Request, defaultCountry string) (thankyou.Delivery, error) {
	if isPing(r.Body) {
		return thankyou.Delivery{Kind: thankyou.DeliveryIgnored, Topic: TopicPing}, nil
	}
	topic := strings.ToLower(r.Get(HeaderTopic))
	if topic == "" {
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINVALID, "missing %s header", HeaderTopic)
	}
	shop, err := s.ShopID(r)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	d := thankyou.Delivery{Kind: thankyou.DeliveryIgnored, Topic: topic, EventID: r.Get(HeaderDeliveryID)}
	if topic != TopicOrderCreated && topic != TopicOrderUpdated {
		return d, nil
	}
	p, err := decode(r.Body)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	id, err := orderID(p.ID)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	if d.OccurredAt, err = gmtTime(id, "date_modified_gmt", p.DateModifiedGMT); err != nil {
		return thankyou.Delivery{}, err
	}
	status := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(p.Status)), "wc-")
	number := strings.TrimSpace(p.Number.Text)
	if number == "" {
		number = id
	}
	switch status {
	case "":
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINVALID, "order %s has no status", id)
	case "processing", "completed":
		o, err := toOrder(shop, id, number, p, defaultCountry)
		if err != nil {
			return thankyou.Delivery{}, err
		}
		d.Kind, d.Order = thankyou.DeliveryOrderCreated, o
		if status == StatusCompleted {
			d.FulfilledAt = completedAt(id, p)
		}
	case "cancelled", "refunded", "failed":
		d.Kind, d.Reason = thankyou.DeliveryOrderCancelled, status
		d.Order = thankyou.Order{Source: thankyou.SourceWooCommerce, Shop: shop, ID: id, Number: number}
	default:
		if len(status) > 40 {
			status = status[:40]
		}
		d.Reason = fmt.Sprintf("order %s is %q: waiting for payment", id, status)
	}
	return d, nil
}

// payload is the part of the REST API v3 order this source reads.
type payload struct {
	ID              webhook.Scalar                `json:"id"`
	Number          webhook.Scalar                `json:"number"`
	Status          string                        `json:"status"`
	Currency        string                        `json:"currency"`
	Total           webhook.Scalar                `json:"total"`
	DateCreatedGMT  *string                       `json:"date_created_gmt"`
	DateModifiedGMT *string                       `json:"date_modified_gmt"`
	Billing         address                       `json:"billing"`
	Shipping        address                       `json:"shipping"`
	LineItems       webhook.LenientList[lineItem] `json:"line_items"`
	// DateCompletedGMT and MetaData serve the fulfilment and the
	// customer's language (fulfilment.go).
	DateCompletedGMT *string                        `json:"date_completed_gmt"`
	MetaData         webhook.LenientList[metaEntry] `json:"meta_data"`
}

// address is a billing or shipping address. Shipping has a phone since
// WooCommerce 5.6 and never an email.
type address struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Country   string `json:"country"`
	// State is the state or province code ("FL", "ON").
	State string `json:"state"`
}

// UnmarshalJSON reads an address object, and also PHP's empty array ([])
// and null, as an empty address.
func (a *address) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte("[]")) {
		*a = address{}
		return nil
	}
	type plain address
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*a = address(p)
	return nil
}

// decode reads the body into a payload, naming what is wrong with it.
func decode(body []byte) (payload, error) {
	var p payload
	err := webhook.DecodeObject(body, &p, "body", "order", "WooCommerce order")
	return p, err
}

// orderID validates the order id: a positive whole number up to 64 bits,
// as a JSON number or a string of digits.
func orderID(v webhook.Scalar) (string, error) {
	s := strings.TrimSpace(v.Text)
	if s == "" {
		return "", thankyou.Errorf(thankyou.EINVALID, "order has no id")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return "", thankyou.Errorf(thankyou.EINVALID, "order id is not a positive whole number of at most 64 bits")
	}
	return strconv.FormatUint(n, 10), nil
}

// gmtTime reads one of WooCommerce's *_gmt dates ("2026-11-23T17:00:00",
// no offset) as UTC; an RFC 3339 time with an offset is also accepted.
// A missing or empty date gives the zero time.
func gmtTime(id, field string, v *string) (time.Time, error) {
	if v == nil || strings.TrimSpace(*v) == "" {
		return time.Time{}, nil
	}
	s := strings.TrimSpace(*v)
	for _, layout := range []string{"2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, thankyou.Errorf(thankyou.EINVALID, "order %s %s is not a date and time", id, field)
}

// toOrder builds the canonical order of a paid order.
func toOrder(shop, id, number string, p payload, defaultCountry string) (thankyou.Order, error) {
	created, err := gmtTime(id, "date_created_gmt", p.DateCreatedGMT)
	if err != nil {
		return thankyou.Order{}, err
	}
	if created.IsZero() {
		return thankyou.Order{}, thankyou.Errorf(thankyou.EINVALID, "order %s has no date_created_gmt", id)
	}
	total := strings.TrimSpace(p.Total.Text)
	if total != "" {
		if _, err := thankyou.ParseAmount(total); err != nil {
			return thankyou.Order{}, thankyou.WrapError(thankyou.EINVALID, fmt.Sprintf("order %s total is not a decimal number", id), err)
		}
	}
	o := thankyou.Order{
		Source:    thankyou.SourceWooCommerce,
		Shop:      shop,
		ID:        id,
		Number:    number,
		Email:     strings.TrimSpace(p.Billing.Email),
		Total:     total,
		Currency:  strings.ToUpper(strings.TrimSpace(p.Currency)),
		CreatedAt: created,
		Country:   country(p.Shipping.Country),
		Items:     items(p.LineItems),
	}
	if o.Country == "" {
		o.Country = country(p.Billing.Country)
	}
	o.Region = thankyou.Region(p.Shipping.Country, p.Shipping.State)
	if o.Region == "" {
		o.Region = thankyou.Region(p.Billing.Country, p.Billing.State)
	}
	o.CustomerName, o.FirstName = names(p)
	o.FamilyName, o.Locale = familyName(p), localeOf(p)
	o.Phone, o.SkipReason = phoneOf(p, defaultCountry)
	return o, nil
}

// country returns an address's country as an upper-case ISO code, or ""
// when it is not two letters.
func country(c string) string {
	c = strings.ToUpper(strings.TrimSpace(c))
	if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
		return ""
	}
	return c
}

// names returns the customer's full and first name from the billing
// address, else the shipping address.
func names(p payload) (full, firstName string) {
	for _, a := range []address{p.Billing, p.Shipping} {
		full = strings.Join(strings.Fields(a.FirstName+" "+a.LastName), " ")
		if full == "" {
			continue
		}
		firstName = strings.Join(strings.Fields(a.FirstName), " ")
		if firstName == "" {
			firstName = strings.Fields(full)[0]
		}
		return full, firstName
	}
	return "", ""
}

// phoneOf returns the billing phone, else the shipping phone, in E.164,
// each read with its address's country (else defaultCountry) for numbers
// without a country code; or "" and the reason there is none.
func phoneOf(p payload, defaultCountry string) (e164 string, skip thankyou.SkipReason) {
	return phone.FirstValid(defaultCountry,
		phone.Candidate{Raw: p.Billing.Phone, Region: country(p.Billing.Country)},
		phone.Candidate{Raw: p.Shipping.Phone, Region: country(p.Shipping.Country)})
}
