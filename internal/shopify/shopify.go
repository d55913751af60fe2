// Package shopify verifies Shopify webhook deliveries and normalises the
// orders/create payload to a thankyou.Order.
//
// The order webhook hands it the delivery's headers and raw body; Verify
// checks the HMAC signature Shopify puts on every delivery, Parse reads the
// topic, the shop and the order. Nothing here logs: an order carries personal
// data (names, phone numbers, emails), and errors never repeat it.
package shopify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Header names, without the "X-" prefix; each is also accepted with it.
const (
	HeaderHmac       = "Shopify-Hmac-Sha256"
	HeaderTopic      = "Shopify-Topic"
	HeaderShopDomain = "Shopify-Shop-Domain"
	HeaderWebhookID  = "Shopify-Webhook-Id"
)

// TopicOrdersCreate is the topic of a new order.
const TopicOrdersCreate = "orders/create"

// SkipNoPhone is the skip reason of an order without any phone number.
const SkipNoPhone = "no usable phone number"

// Source verifies and normalises Shopify webhook deliveries.
type Source struct {
	// Secret is the app's webhook signing secret (the client secret, or the
	// secret shown under Settings > Notifications > Webhooks).
	Secret []byte
	// DefaultCountry is the ISO country ("US") assumed for a phone number
	// written without a country code when its address gives no country.
	DefaultCountry string
}

// Sign returns the X-Shopify-Hmac-Sha256 value Shopify sends for body when
// signing with secret: the base64 of the body's HMAC-SHA256.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks that body was signed by Shopify with s.Secret: the
// X-Shopify-Hmac-Sha256 header must be the base64 of the body's HMAC-SHA256.
// A missing, malformed or wrong signature gives a *thankyou.Error with code
// EUNAUTHORIZED; the expected digest is never revealed.
func (s *Source) Verify(h http.Header, body []byte) error {
	if len(s.Secret) == 0 {
		return thankyou.Errorf(thankyou.EINTERNAL, "the Shopify webhook secret is not configured")
	}
	sig := strings.TrimSpace(header(h, HeaderHmac))
	if sig == "" {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "missing X-Shopify-Hmac-Sha256 header")
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "X-Shopify-Hmac-Sha256 header is not valid base64")
	}
	m := hmac.New(sha256.New, s.Secret)
	m.Write(body)
	if !hmac.Equal(got, m.Sum(nil)) {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "X-Shopify-Hmac-Sha256 signature does not match the body")
	}
	return nil
}

// Parse normalises a verified delivery. The topic orders/create gives a
// DeliveryOrderCreated with the order; any other topic is DeliveryIgnored.
// A missing topic or shop header, a body that is not a JSON object, an order
// without a valid id or with an unreadable created_at give a
// *thankyou.Error with code EINVALID naming the problem.
//
// An order without a valid phone number is not an error: its Phone is empty
// and SkipReason says why.
func (s *Source) Parse(h http.Header, body []byte) (thankyou.Delivery, error) {
	topic := strings.ToLower(strings.TrimSpace(header(h, HeaderTopic)))
	if topic == "" {
		return thankyou.Delivery{}, thankyou.Errorf(thankyou.EINVALID, "missing X-Shopify-Topic header")
	}
	if topic != TopicOrdersCreate {
		return thankyou.Delivery{Kind: thankyou.DeliveryIgnored, Topic: topic}, nil
	}
	shop, err := shopDomain(header(h, HeaderShopDomain))
	if err != nil {
		return thankyou.Delivery{}, err
	}
	p, err := decode(body)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	o, err := s.order(shop, p)
	if err != nil {
		return thankyou.Delivery{}, err
	}
	return thankyou.Delivery{Kind: thankyou.DeliveryOrderCreated, Topic: topic, Order: o}, nil
}

// header returns the first value of X-<name> or <name>, matching names
// case-insensitively even in a map that was not built with canonical keys.
func header(h http.Header, name string) string {
	for _, n := range []string{"X-" + name, name} {
		if v := h.Values(n); len(v) > 0 {
			return v[0]
		}
	}
	for k, v := range h {
		if len(v) > 0 && (strings.EqualFold(k, "X-"+name) || strings.EqualFold(k, name)) {
			return v[0]
		}
	}
	return ""
}

// shopDomain validates and lower-cases the X-Shopify-Shop-Domain header.
func shopDomain(raw string) (string, error) {
	shop := strings.ToLower(strings.TrimSpace(raw))
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

// payload is the part of Shopify's order resource this service reads.
type payload struct {
	ID           scalar   `json:"id"`
	OrderNumber  scalar   `json:"order_number"`
	Name         string   `json:"name"`
	Email        string   `json:"email"`
	ContactEmail string   `json:"contact_email"`
	Phone        string   `json:"phone"`
	CreatedAt    *string  `json:"created_at"`
	Currency     string   `json:"currency"`
	TotalPrice   scalar   `json:"total_price"`
	Test         bool     `json:"test"`
	Customer     *person  `json:"customer"`
	Billing      *address `json:"billing_address"`
	Shipping     *address `json:"shipping_address"`
}

type person struct {
	Email          string   `json:"email"`
	FirstName      string   `json:"first_name"`
	LastName       string   `json:"last_name"`
	Phone          string   `json:"phone"`
	DefaultAddress *address `json:"default_address"`
}

type address struct {
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	Name        string `json:"name"`
	Phone       string `json:"phone"`
	CountryCode string `json:"country_code"`
}

// scalar is a JSON number or string kept exactly as written (no float
// rounding of 64-bit ids); null leaves it empty.
type scalar struct {
	text string
}

func (v *scalar) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0:
		return errors.New("empty JSON value")
	case bytes.Equal(b, []byte("null")):
		*v = scalar{}
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = scalar{text: s}
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*v = scalar{text: string(b)}
	default:
		return &json.UnmarshalTypeError{Value: jsonKind(b[0]), Type: reflect.TypeFor[string]()}
	}
	return nil
}

// decode reads the body into a payload, naming what is wrong with it.
func decode(body []byte) (payload, error) {
	var p payload
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 {
		return p, thankyou.Errorf(thankyou.EINVALID, "body is empty")
	}
	err := json.Unmarshal(body, &p)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return p, thankyou.Errorf(thankyou.EINVALID, "body is not valid JSON: %s at offset %d",
			strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset)
	}
	if trimmed[0] != '{' {
		return p, thankyou.Errorf(thankyou.EINVALID, "body is a JSON %s, not an object", jsonKind(trimmed[0]))
	}
	if err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			return p, thankyou.Errorf(thankyou.EINVALID, "order field %s is a JSON %s, which is not allowed there", typ.Field, typ.Value)
		}
		return p, thankyou.WrapError(thankyou.EINVALID, "body is not a valid Shopify order", err)
	}
	return p, nil
}

func jsonKind(first byte) string {
	switch first {
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	case '{':
		return "object"
	}
	return "number"
}

// order builds the canonical order from a decoded payload.
func (s *Source) order(shop string, p payload) (thankyou.Order, error) {
	id, err := orderID(p.ID)
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
		Number:    strings.TrimSpace(p.OrderNumber.text),
		Email:     first(p.Email, p.ContactEmail, customer(p).Email),
		Total:     strings.TrimSpace(p.TotalPrice.text),
		Currency:  strings.TrimSpace(p.Currency),
		CreatedAt: created,
		Test:      p.Test,
	}
	if o.Number == "" {
		o.Number = strings.TrimPrefix(strings.TrimSpace(p.Name), "#")
	}
	o.CustomerName, o.FirstName = names(p)
	o.Phone, o.SkipReason = s.phone(p)
	return o, nil
}

// orderID validates the order id: a positive whole number up to 64 bits,
// as a JSON number or a string of digits.
func orderID(v scalar) (string, error) {
	s := strings.TrimSpace(v.text)
	if s == "" {
		return "", thankyou.Errorf(thankyou.EINVALID, "order has no id")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 {
		return "", thankyou.Errorf(thankyou.EINVALID, "order id is not a positive whole number of at most 64 bits")
	}
	return strconv.FormatUint(n, 10), nil
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
func (s *Source) phone(p payload) (e164, skip string) {
	type candidate struct{ raw, region string }
	c := customer(p)
	cands := []candidate{{c.Phone, ""}, {p.Phone, ""}}
	for _, a := range []*address{p.Billing, p.Shipping, c.DefaultAddress} {
		if a != nil {
			cands = append(cands, candidate{a.Phone, a.CountryCode})
		}
	}
	found := 0
	for _, cand := range cands {
		if strings.TrimSpace(cand.raw) == "" {
			continue
		}
		found++
		region := strings.TrimSpace(cand.region)
		if region == "" {
			region = s.DefaultCountry
		}
		if n, err := phone.Normalize(cand.raw, region); err == nil {
			return n, ""
		}
	}
	if found == 0 {
		return "", SkipNoPhone
	}
	return "", fmt.Sprintf("no valid phone number (%d found, none valid)", found)
}

func first(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
