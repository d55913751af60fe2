package thankyou

import (
	"strings"
	"time"
)

// Shop is one shop's settings: where its orders come from, how and when
// its customers are thanked, and which orders are worth thanking.
type Shop struct {
	Source Source
	// ID is the platform's identifier of the shop, as ShopID keeps it
	// (Shopify's myshopify.com domain, WooCommerce's site host, Stripe's
	// account or the key in the webhook URL). Empty matches any shop of the
	// source: the single-shop deployment configured by environment.
	ID   string
	Name string
	// SecretRefs name where the webhook signing secrets are kept (SSM
	// parameter names or Secrets Manager ARNs, or local values); several
	// while a secret is rotated.
	SecretRefs     []string
	TimeZone       string
	DefaultCountry string
	Channel        Channel
	StaffPhone     string
	// StaffHours are the hours of StaffPhone in the shop's zone; the zero
	// Window for the deployment's (STAFF_HOURS).
	StaffHours Window
	// Window is the shop's send window.
	Window Window
	// Closed are the dates on which the shop contacts nobody, written
	// "2026-12-24,2026-12-31" (polite.ParseDates reads them); they add
	// to the public holidays and the law, never replace them.
	Closed      string
	Delay       time.Duration
	ExpireAfter time.Duration
	// Trigger is what Delay counts from ("" is TriggerOrder); MaxWait is
	// how long a task waits for its fulfilment or delivery before it
	// expires (0: DefaultMaxWait).
	Trigger Trigger
	MaxWait time.Duration
	// Language is the shop's language (a BCP 47 tag, "" for the
	// deployment's): the thank-you's for a customer whose order gives no
	// supported language, and the staff reminders'.
	Language string
	Rules    Rules
	// SMSTemplate and StaffTemplate are the shop's own message texts (Go
	// text/template); empty for the deployment's.
	SMSTemplate, StaffTemplate string
	// SMSTemplates and StaffTemplates are the shop's own texts by
	// language (base language code: "es", "ja"); a language without one
	// uses SMSTemplate/StaffTemplate when it is the shop's language, else
	// the built-in text in that language.
	SMSTemplates, StaffTemplates map[string]string
	// Voice is the automated thank-you call (ChannelCall).
	Voice Voice
	// ErasedAt is set when the shop's data was erased on its request:
	// its settings are gone but its secret references, so that a repeated
	// privacy request still verifies and is accepted; nothing else is
	// acted on.
	ErasedAt time.Time
	// Holdout is the share of new customers held out of every thank-you
	// to measure their effect; Salt keys the draw and the customers'
	// hashes (generated once, never shown). See package effect.
	Holdout Share
	Salt    string
}

// Rules decide which orders are thanked. The zero value thanks every order
// with a usable phone number.
type Rules struct {
	// MinTotal is the smallest order total thanked, in the shop's currency,
	// as ParseAmount reads it ("25.00"); empty for no minimum. The edges
	// (configuration, operators' tool) refuse any other text; one stored
	// otherwise makes eligibility skip the order naming the broken rule.
	MinTotal string
	// FirstOrderOnly thanks a customer's first order only: the platform's
	// order count where it sends one, else no earlier task for the customer.
	FirstOrderOnly bool
	// SkipTestOrders skips the platform's test orders.
	SkipTestOrders bool
	// SkipTags skips orders carrying any of these tags (case-insensitive).
	SkipTags []string
	// Countries, when set, thanks only orders shipped to these ISO countries.
	Countries []string
	// FrequencyCapDays thanks a customer at most once in this many days,
	// across orders; 0 for no cap.
	FrequencyCapDays int
}

// Report is what is held about a customer, for a data request: ids,
// states, dates and the names of the personal fields held, never their
// values.
type Report struct {
	Tasks []ReportTask `json:"tasks"`
	// OptedOut are those of the customer's numbers (E.164) on the opt-out
	// list, which an erasure keeps. Personal data: never serialised.
	OptedOut []string `json:"-"`
	// OptedOutCount is len(OptedOut), for answers and logs.
	OptedOutCount int `json:"optedOutNumbers"`
}

// ReportTask is one task in a Report.
type ReportTask struct {
	ID          string    `json:"id"`
	OrderID     string    `json:"orderId"`
	OrderNumber string    `json:"orderNumber,omitempty"`
	State       State     `json:"state"`
	Channel     Channel   `json:"channel,omitempty"`
	CreatedAt   time.Time `json:"createdAt"`
	DueAt       time.Time `json:"dueAt,omitzero"`
	// Fields names the personal fields held: FieldPhone, FieldEmail,
	// FieldName, FieldConversation.
	Fields []string `json:"fields"`
}

// Names of personal fields in a Report.
const (
	FieldPhone = "phone"
	FieldEmail = "email"
	FieldName  = "name"
	// FieldConversation: the customer's replies and the staff's answers.
	FieldConversation = "conversation"
)

// ShopID returns a shop id as it is kept: trimmed, and lower-cased only
// where the platform says its shop ids are case-insensitive — Shopify's
// shop domains, WooCommerce's site hosts (DNS names) and the generic
// source's shop keys. Stripe's ids (acct_1AbC...) are case-sensitive and
// kept exactly as sent. The order webhook's sources and the operators'
// tool both name shops through it, so a shop stored with the tool is the
// shop a delivery names.
func ShopID(source Source, raw string) string {
	id := strings.TrimSpace(raw)
	switch source {
	case SourceShopify, SourceWooCommerce, SourceGeneric:
		return strings.ToLower(id)
	}
	return id
}

// LearntShopID is what the table holds of the one shop id a deployment's
// own shop learnt for a source from its first verified delivery: Found is
// false while none was learnt.
type LearntShopID struct {
	ID    string
	Found bool
}
