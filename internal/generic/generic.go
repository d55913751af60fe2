// Package generic is the order source for shops on platforms without a
// source of their own: a small signed JSON webhook that any shop can send
// from any language.
//
// A delivery is a POST to /webhooks/generic whose body is one event about
// one order, described by the JSON Schema in order.schema.json (embedded
// here and the single source of truth for the format), signed with
// HMAC-SHA256 over "<timestamp>.<body>" in the X-Signature-256 header, the
// timestamp travelling in X-Timestamp. README.md documents the format for
// the people who send it, with a worked example.
//
// Nothing here logs, and no error repeats a value from the body: an order
// carries personal data (names, phone numbers, emails).
package generic

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// Header and query parameter names.
const (
	// HeaderSignature carries "sha256=" and the lower-case hex HMAC-SHA256
	// of "<X-Timestamp>.<raw body>" under the shop's secret.
	HeaderSignature = "X-Signature-256"
	// HeaderTimestamp carries the Unix time, in seconds, of the signature.
	HeaderTimestamp = "X-Timestamp"
	// HeaderEventID optionally identifies the event: a delivery re-sent
	// with the same id is a duplicate.
	HeaderEventID = "X-Event-Id"
	// HeaderShop optionally names the shop (the key of its settings).
	HeaderShop = "X-Shop"
	// QueryShop names the shop when HeaderShop is absent.
	QueryShop = "shop"
)

// Events, the body's "event".
const (
	EventOrderCreated   = "order.created"
	EventOrderCancelled = "order.cancelled"
)

// Tolerance is how far X-Timestamp may be from the time a delivery is
// received, either way, before it is refused as replayed or stale.
const Tolerance = 5 * time.Minute

// Skip reasons of an order that has no phone number to thank.
const (
	SkipNoPhone = phone.SkipNoPhone
)

// maxEventID is the longest X-Event-Id accepted.
const maxEventID = 200

// signaturePrefix starts the X-Signature-256 value.
const signaturePrefix = "sha256="

//go:embed order.schema.json
var schemaJSON []byte

// shopPattern is what a shop key must look like once lower-cased.
// It is compiled on first use, not when the process starts.
var shopPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,99}$`) })

// Schema returns the JSON Schema of the body (order.schema.json), for
// serving or documenting it. The caller may modify the returned slice.
func Schema() []byte {
	return bytes.Clone(schemaJSON)
}

// Source verifies and normalises generic webhook deliveries. Build it with
// New; it is safe for concurrent use.
type Source struct{}

// New returns a Source. The error is kept for callers written when New
// compiled the schema; it is always nil.
func New() (*Source, error) {
	return &Source{}, nil
}

// Sign returns the X-Signature-256 value of body sent at t under secret:
// "sha256=" and the lower-case hex HMAC-SHA256 of "<unix seconds>.<body>".
// X-Timestamp must then carry t's Unix seconds.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return signaturePrefix + hex.EncodeToString(webhook.HMACSHA256(secret, []byte(ts), []byte("."), body))
}

// ShopID returns the lower-cased shop key of the X-Shop header, else of the
// shop query parameter, else "" (a single-shop deployment). A key that is
// not 1 to 100 of a-z, 0-9, '.', '_' and '-', starting with a letter or
// digit, gives a *thankyou.Error with code EINVALID.
func (s *Source) ShopID(r webhook.Request) (string, error) {
	shop := r.Get(HeaderShop)
	from := HeaderShop + " header"
	if shop == "" {
		shop = strings.TrimSpace(r.Query.Get(QueryShop))
		from = QueryShop + " query parameter"
	}
	if shop == "" {
		return "", nil
	}
	shop = thankyou.ShopID(thankyou.SourceGeneric, shop)
	if !shopPattern().MatchString(shop) {
		return "", thankyou.Errorf(thankyou.EINVALID,
			"%s is not a shop key (1 to 100 of a-z, 0-9, '.', '_', '-', starting with a letter or digit)", from)
	}
	return shop, nil
}

// Verify checks X-Signature-256 against each of the secrets (any may
// match) and that X-Timestamp is within Tolerance of r.Received. A missing,
// malformed or wrong signature or timestamp gives a *thankyou.Error with
// code EUNAUTHORIZED; no usable secret (or no receive time) gives EINTERNAL.
func (s *Source) Verify(r webhook.Request, secrets [][]byte) error {
	if !webhook.AnySecret(secrets) {
		return thankyou.Errorf(thankyou.EINTERNAL, "no generic webhook secret is configured")
	}
	if r.Received.IsZero() {
		return thankyou.Errorf(thankyou.EINTERNAL, "the delivery has no receive time")
	}
	sig := r.Get(HeaderSignature)
	if sig == "" {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "missing %s header", HeaderSignature)
	}
	mac, ok := parseSignature(sig)
	if !ok {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "%s header is not sha256=<64 hex digits>", HeaderSignature)
	}
	raw := r.Get(HeaderTimestamp)
	if raw == "" {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "missing %s header", HeaderTimestamp)
	}
	at, err := parseTimestamp(raw)
	if err != nil {
		return thankyou.WrapError(thankyou.EUNAUTHORIZED,
			fmt.Sprintf("%s header is not a Unix time in seconds", HeaderTimestamp), err)
	}
	if !webhook.MatchAny(secrets, mac, []byte(raw), []byte("."), r.Body) {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED,
			"%s signature does not match the %s header and the body", HeaderSignature, HeaderTimestamp)
	}
	if d := r.Received.Sub(at); d > Tolerance || d < -Tolerance {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED,
			"%s header is more than %v from the time the delivery was received (replayed, or a wrong clock)",
			HeaderTimestamp, Tolerance)
	}
	return nil
}

// parseSignature reads "sha256=" and 64 hex digits (of either case).
func parseSignature(sig string) ([]byte, bool) {
	digest, ok := strings.CutPrefix(sig, signaturePrefix)
	if !ok || len(digest) != 2*sha256.Size {
		return nil, false
	}
	mac, err := hex.DecodeString(digest)
	return mac, err == nil
}

// parseTimestamp reads X-Timestamp: 1 to 12 decimal digits.
func parseTimestamp(raw string) (time.Time, error) {
	if len(raw) > 12 {
		return time.Time{}, errors.New("more than 12 digits")
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return time.Time{}, errors.New("not a whole number of seconds")
		}
	}
	sec, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(sec, 0).UTC(), nil
}

// body is the event as order.schema.json describes it; decoded only after
// the schema accepted it.
type body struct {
	Event  string `json:"event"`
	Order  order  `json:"order"`
	Reason string `json:"reason"`
	// Shop is the shop the signed body names, if it names one.
	Shop string `json:"shop"`
}

type order struct {
	ID                 string      `json:"id"`
	Number             string      `json:"number"`
	CreatedAt          string      `json:"created_at"`
	Total              string      `json:"total"`
	Currency           string      `json:"currency"`
	Test               bool        `json:"test"`
	Tags               []string    `json:"tags"`
	Customer           customer    `json:"customer"`
	ShippingCountry    string      `json:"shipping_country"`
	ShippingRegion     string      `json:"shipping_region"`
	CustomerOrderCount json.Number `json:"customer_order_count"`
	Items              []item      `json:"items"`
	Locale             string      `json:"locale"`
	FulfilledAt        string      `json:"fulfilled_at"`
	DeliveredAt        string      `json:"delivered_at"`
}

// item is one of order.items.
type item struct {
	Name     string      `json:"name"`
	Quantity json.Number `json:"quantity"`
}

type customer struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
}

// Parse normalises a delivery that passed Verify. order.created gives a
// DeliveryOrderCreated with the order, order.cancelled a
// DeliveryOrderCancelled with the order's Source, Shop and ID and the
// reason. EventID is X-Event-Id, OccurredAt the X-Timestamp time. A body
// that names its shop ("shop", signed) makes that shop the order's and the
// Delivery's Shop, whatever X-Shop said; else the order's shop is X-Shop's
// and Delivery.Shop is "".
//
// A created order's Items are the first thankyou.MaxItems of order.items
// with a name, in the order given: "<quantity> × <name>", or the name alone
// for a quantity of one; names are trimmed, stripped of control characters
// and cut to 40 characters ("…").
//
// A body that is not JSON or that order.schema.json rejects, a bad shop
// key, X-Timestamp or X-Event-Id give a *thankyou.Error with code EINVALID
// naming the first problem ("order.id: missing property"). An order
// without a valid phone number is not an error: its Phone is empty and
// SkipReason says why. defaultCountry is the region of a phone number
// written without a country code when the order has no shipping_country.
func (s *Source) Parse(r webhook.Request, defaultCountry string) (thankyou.Delivery, error) {
	if s == nil {
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINTERNAL, "generic source not built with generic.New")
	}
	shop, err := s.ShopID(r)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	occurred, err := parseTimestamp(r.Get(HeaderTimestamp))
	if err != nil {
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINVALID, "%s header is not a Unix time in seconds", HeaderTimestamp)
	}
	eventID := r.Get(HeaderEventID)
	if len(eventID) > maxEventID {
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINVALID, "%s header is longer than %d bytes", HeaderEventID, maxEventID)
	}
	b, err := s.decode(r.Body)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	d := thankyou.Delivery{Topic: b.Event, EventID: eventID, OccurredAt: occurred}
	if b.Shop != "" {
		// Signed: the body's shop is the event's, whatever the route said.
		shop = thankyou.ShopID(thankyou.SourceGeneric, b.Shop)
		d.Shop = shop
	}
	o := thankyou.Order{Source: thankyou.SourceGeneric, Shop: shop, ID: b.Order.ID}
	switch b.Event {
	case EventOrderCancelled:
		d.Kind, d.Order = thankyou.DeliveryOrderCancelled, o
		d.Reason = strings.Join(strings.Fields(b.Reason), " ")
		if d.Reason == "" {
			d.Reason = "cancelled"
		}
		return d, nil
	case EventOrderFulfilled, EventOrderDelivered:
		if err := fulfilment(&d, o, b); err != nil {
			return thankyou.Delivery{}, err
		}
		return d, nil
	case EventOrderCreated:
		d.Kind = thankyou.DeliveryOrderCreated
	default:
		// The schema's enum makes this unreachable.
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINVALID, "event: unknown event")
	}
	created, err := time.Parse(time.RFC3339, strings.ToUpper(b.Order.CreatedAt))
	if err != nil {
		return thankyou.Delivery{}, thankyou.WrapError(thankyou.EINVALID, "order.created_at: not an RFC 3339 date-time", err)
	}
	count, err := orderCount(b.Order.CustomerOrderCount)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	items, err := orderItems(b.Order.Items)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	c := b.Order.Customer
	o.Number = strings.TrimSpace(b.Order.Number)
	if o.Number == "" {
		o.Number = o.ID
	}
	o.FirstName = strings.TrimSpace(c.FirstName)
	o.CustomerName = strings.Join(strings.Fields(c.FirstName+" "+c.LastName), " ")
	if o.FirstName == "" && o.CustomerName != "" {
		o.FirstName = strings.Fields(o.CustomerName)[0]
	}
	o.FamilyName = familyName(c)
	o.Locale, _ = language.Parse(b.Order.Locale)
	o.Email = strings.TrimSpace(c.Email)
	o.Total = b.Order.Total
	o.Currency = strings.ToUpper(b.Order.Currency)
	o.CreatedAt = created
	o.Test = b.Order.Test
	o.Tags = b.Order.Tags
	o.Country = strings.ToUpper(b.Order.ShippingCountry)
	o.Region = thankyou.Region(o.Country, b.Order.ShippingRegion)
	o.CustomerOrders = count
	o.Items = items
	o.Phone, o.SkipReason = phone.FirstValid(defaultCountry, phone.Candidate{Raw: c.Phone, Region: o.Country})
	d.Order = o
	return d, nil
}

// decode checks the body against the schema, then reads it.
func (s *Source) decode(raw []byte) (body, error) {
	var b body
	if len(bytes.TrimSpace(raw)) == 0 {
		return b, thankyou.Errorf(thankyou.EINVALID, "body is empty")
	}
	doc, err := decodeJSON(raw)
	if err != nil {
		return b, thankyou.WrapError(thankyou.EINVALID, "body is not valid JSON", err)
	}
	if problem := checkBody(doc); problem != "" {
		return b, thankyou.WrapError(thankyou.EINVALID, problem, errors.New("body does not match order.schema.json"))
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return b, thankyou.WrapError(thankyou.EINVALID, "body does not match order.schema.json", err)
	}
	return b, nil
}

// orderCount reads customer_order_count, an integer the schema bounded
// (it may be written 3, 3.0 or 3e0).
func orderCount(n json.Number) (int, error) {
	if n == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f < 0 || f > 1e6 || f != float64(int(f)) {
		return 0, thankyou.Errorf(thankyou.EINVALID, "order.customer_order_count: not a whole number from 0 to 1000000")
	}
	return int(f), nil
}
