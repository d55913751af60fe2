// Package thankyou holds the domain of Thank-you calls: the canonical order
// that every shop platform is normalised to, the thank-you task created for
// it, the task's states and the errors the rest of the code speaks.
//
// It depends on nothing but the standard library; adapters (dynamo, twilio,
// shopify, ...) and handlers depend on it.
package thankyou

import (
	"strconv"
	"strings"
	"time"
)

// Source names the platform an order came from. It is the {source} segment
// of the order webhook's route.
type Source string

// Sources known to the order webhook.
const (
	SourceShopify     Source = "shopify"
	SourceWooCommerce Source = "woocommerce"
	SourceStripe      Source = "stripe"
	SourceGeneric     Source = "generic"
)

// Order is the canonical, platform-neutral order that every source is
// normalised to.
type Order struct {
	Source Source
	// Shop identifies the store within its platform (for Shopify the
	// myshopify.com domain). It may be empty when a deployment serves one shop.
	Shop string
	// ID is the platform's own, stable order identifier.
	ID string
	// Number is the human-facing order number ("1001", "#1001" shown to users).
	Number       string
	CustomerName string
	// FirstName is the customer's given name; FamilyName their family name
	// when the platform gives it in a field of its own ("" when it gives
	// only a full name, which FirstName may then be the first word of).
	FirstName  string
	FamilyName string
	// Locale is the customer's language as the platform gives it, a BCP 47
	// tag ("ja-JP", "es"), normalised by the source; "" when not given.
	Locale string
	// Phone is the customer's number in E.164, or empty when the order has no
	// usable phone number (then SkipReason says why).
	Phone string
	Email string
	// Total is the order total as a decimal string in the currency's
	// major unit ("199.00").
	Total     string
	Currency  string
	CreatedAt time.Time
	// Test is true for the platform's test orders.
	Test bool
	// Tags are the order's tags, as the platform gives them.
	Tags []string
	// Country is the ISO country of the shipping (else billing) address.
	Country string
	// Region is the ISO 3166-2 subdivision of the shipping (else billing)
	// address ("US-FL", "CA-ON"; see Region), "" when unknown. The
	// recipient's state rules, holidays and time zones are read from it.
	Region string
	// CustomerOrders is how many orders the platform says the customer has
	// placed, this one included; 0 when the platform does not say.
	CustomerOrders int
	// Items are the first items ordered, as people read them ("2 × Blue
	// mug"), at most MaxItems; personal data of a kind (what someone
	// bought): kept with the task, never logged.
	Items []string
	// SkipReason is set when the order cannot be thanked (no usable phone,
	// ...). Such an order is still recorded, as a skipped task.
	SkipReason SkipReason
}

// TaskID returns the identifier of the one task that exists for this order:
// the source, the shop and the platform's order id. It is stable across
// webhook retries, which is what makes task creation idempotent.
func (o Order) TaskID() string {
	return TaskID(o.Source, o.Shop, o.ID)
}

// TaskID builds a task identifier from its parts, each escaped with
// KeyPart and joined with ':', so that different parts always make
// different ids.
func TaskID(source Source, shop, orderID string) string {
	return KeyPart(string(source)) + ":" + KeyPart(shop) + ":" + KeyPart(orderID)
}

// keyEscaper escapes the separator of key parts and the escape itself.
var keyEscaper = strings.NewReplacer("%", "%25", ":", "%3A")

// KeyPart escapes one part of a key built from outside input (a shop id,
// an order id): '%' becomes "%25" and ':' "%3A", so parts joined with ':'
// can be told apart again, and no two parts escape alike. A part without
// '%' or ':' (every Shopify, Stripe and plain WooCommerce id) is kept as
// it is, so keys stored before escaping was introduced are found again.
// Keys written before it replaced ':' by '_' instead; see docs/security.md.
func KeyPart(s string) string {
	if !strings.ContainsAny(s, "%:") {
		return s
	}
	return keyEscaper.Replace(s)
}

// Channel is how a thank-you is delivered.
type Channel string

// MaxItems is how many of an order's items are kept for the staff reminder.
const MaxItems = 3

// Channels. ChannelSMS texts the customer; ChannelStaff texts a staff member a
// reminder to call the customer personally; ChannelCall is an automated
// thank-you voice call to the customer (only with the shop's consent).
const (
	ChannelSMS   Channel = "sms"
	ChannelStaff Channel = "staff"
	ChannelCall  Channel = "call"
)

// ParseChannel validates a configured channel name.
func ParseChannel(s string) (Channel, error) {
	switch c := Channel(strings.ToLower(strings.TrimSpace(s))); c {
	case ChannelSMS, ChannelStaff, ChannelCall:
		return c, nil
	}
	return "", Errorf(EINVALID, "unknown channel %q (want %q, %q or %q)", s, ChannelSMS, ChannelStaff, ChannelCall)
}

// State is where a task is in its life.
type State string

// Task states. Pending, Sending and Reminded are open (the task is in the
// due index); Sent may still move to Delivered, Undelivered or Failed
// through Twilio's status callbacks (and a voice call's Sent to Called, or
// back to Pending for its SMS fallback); the others are final.
// The moves between them, and each state's properties, are the table in
// states.go.
const (
	StatePending     State = "pending"     // waiting for its due time
	StateSending     State = "sending"     // claimed by a dispatcher under a lease
	StateSent        State = "sent"        // accepted by Twilio (SID recorded)
	StateDelivered   State = "delivered"   // Twilio reported delivery
	StateUndelivered State = "undelivered" // Twilio reported it could not deliver
	StateFailed      State = "failed"      // refused, or out of attempts
	StateSkipped     State = "skipped"     // never to be sent (no phone, ...)
	StateOptedOut    State = "opted_out"   // the recipient texted STOP
	StateExpired     State = "expired"     // too late to be polite
	StateCancelled   State = "cancelled"   // the order was cancelled or refunded
	// StateHeldOut is an order of a customer in the shop's holdout group:
	// never contacted, kept to measure what the thank-yous do.
	StateHeldOut State = "held_out"
	// StateReminded is a staff call whose reminder went out: it waits for
	// the staff member's reply, and is due again for a follow-up (a
	// snoozed reminder, or escalation) at DueAt.
	StateReminded State = "reminded"
	// StateCalled is a customer who was called: a staff member replied
	// DONE, or the automated call was answered (by a person or voicemail).
	StateCalled State = "called"
)

// StateAwaitingFulfilment is a task whose shop counts the delay from the
// order's fulfilment or delivery: it waits for that event (see Trigger),
// then becomes pending. It sits in the due index at its Deadline, the end
// of the wait, when the dispatcher expires it unsent.
const StateAwaitingFulfilment State = "awaiting_fulfilment"

// Task is the one thank-you for one order.
type Task struct {
	ID      string
	Order   Order
	Channel Channel
	// Recipient is the E.164 number the message goes to: the customer for
	// ChannelSMS, the staff member for ChannelStaff.
	Recipient string
	State     State
	// Reason explains a skipped, failed, expired or opted-out task, or the
	// last retryable error of a pending one.
	Reason string
	// SkipCode is a skipped task's reason in one word (its Reason is the
	// SkipReason's Detail); the metrics and the summary count by it.
	SkipCode SkipCode
	// DueAt is when the task may be sent (UTC), already inside the polite
	// window of the customer's time zone.
	DueAt time.Time
	// Deadline is the latest time the task may still be sent; after it the
	// task expires instead of going out late.
	Deadline time.Time
	// TimeZone is the IANA zone (or zones, comma separated) used for the
	// customer's local time.
	TimeZone string
	// ShopName and Window are the shop's name for messages and its send
	// window, as they were when the task was created; empty (the zero
	// Window) means the dispatcher's configured ones.
	ShopName string
	Window   Window
	// Closed are the shop's closed dates ("2026-12-24,2026-12-31"), as
	// they were when the task was created: nobody is contacted on them.
	Closed string
	// CapDays is the shop's frequency cap when the task was created (0:
	// none): checked again when the thank-you is sent.
	CapDays int
	// Template is the shop's own text/template for this task's channel;
	// empty for the dispatcher's configured one.
	Template string
	// Language is the language of the task's message (see package
	// language): the customer's for a thank-you SMS or call, the shop's
	// for a staff reminder; "" for the dispatcher's default.
	Language string
	// Trigger is what the task's delay counts from; a task created under
	// TriggerFulfilment or TriggerDelivery is StateAwaitingFulfilment
	// until that event arrives ("" is TriggerOrder).
	Trigger Trigger
	// TriggeredAt is when that event happened (zero under TriggerOrder).
	TriggeredAt time.Time
	Attempts    int
	// LeaseOwner and LeaseExpiresAt are set while a dispatcher holds the
	// task in StateSending.
	LeaseOwner     string
	LeaseExpiresAt time.Time
	// MessageSID is Twilio's SID of the message, once Twilio accepted it.
	MessageSID string
	// ErrorCode is Twilio's error code of the last failure, if any.
	ErrorCode int
	// CancelRequested is set when the order was cancelled while a
	// dispatcher held the task: the dispatcher checks it before sending.
	CancelRequested bool
	// CancelReason is the cancellation's reason when CancelRequested.
	CancelReason string
	// Staff is the staff call's progress (ChannelStaff).
	Staff StaffCall
	// Call is the last Twilio call made for the task: the click-to-call
	// bridge of a staff call, or the automated call of ChannelCall.
	Call CallOutcome
	// Voice is the shop's automated-call settings (ChannelCall), as they
	// were when the task was created.
	Voice Voice
	// VoiceFallback is set when an automated call failed or was not
	// answered and the task became the thank-you SMS (once).
	VoiceFallback bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// ExpiresAt is when the item's personal data is deleted (DynamoDB TTL);
	// zero while the task is open.
	ExpiresAt time.Time
	// Conversation is the customer's replies and the staff's answers,
	// oldest first (personal data: never logged).
	Conversation []Entry
	// NeedsAttention is set when a reply read as a complaint (see
	// NeedsAttention, the name).
	NeedsAttention bool
}

// SendError is how a message sender reports that a message was not
// accepted. Temporary errors (429, 5xx, timeouts) are retried later;
// others are final.
type SendError struct {
	// Status is the HTTP status of the answer, 0 for a transport error.
	Status int
	// Code is the provider's error code (Twilio's 21211, 21610, ...), 0 if none.
	Code      int
	Message   string
	Temporary bool
	// RetryAfter is how long the provider asked us to wait, if it said.
	RetryAfter time.Duration
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("send refused")
	if e.Status != 0 {
		b.WriteString(": http ")
		b.WriteString(strconv.Itoa(e.Status))
	}
	if e.Code != 0 {
		b.WriteString(": code ")
		b.WriteString(strconv.Itoa(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Temporary {
		b.WriteString(" (temporary)")
	}
	return b.String()
}

// DeliveryKind says what a verified webhook delivery asks for.
type DeliveryKind string

// Delivery kinds.
const (
	// DeliveryOrderCreated carries a new order to thank.
	DeliveryOrderCreated DeliveryKind = "order_created"
	// DeliveryOrderCancelled cancels the thank-you of an order (cancelled,
	// refunded or failed payment): Order carries Source, Shop and ID.
	DeliveryOrderCancelled DeliveryKind = "order_cancelled"
	// DeliveryCustomerRedact asks to erase a customer's personal data.
	DeliveryCustomerRedact DeliveryKind = "customer_redact"
	// DeliveryShopRedact asks to erase everything held for a shop.
	DeliveryShopRedact DeliveryKind = "shop_redact"
	// DeliveryDataRequest asks what is held about a customer.
	DeliveryDataRequest DeliveryKind = "data_request"
	// DeliveryOrderFulfilled says an order was fulfilled (shipped):
	// Order carries Source, Shop and ID, FulfilledAt when.
	DeliveryOrderFulfilled DeliveryKind = "order_fulfilled"
	// DeliveryOrderDelivered says an order reached the customer: Order
	// carries Source, Shop and ID, FulfilledAt when.
	DeliveryOrderDelivered DeliveryKind = "order_delivered"
	// DeliveryIgnored is a valid delivery of a topic this service does not
	// act on (or a platform's ping); it is acknowledged (200) so the
	// platform does not retry it.
	DeliveryIgnored DeliveryKind = "ignored"
)

// Delivery is what a source made of one verified webhook delivery.
type Delivery struct {
	Kind DeliveryKind
	// Topic is the platform's own event name ("orders/create"), for logs.
	Topic string
	// EventID identifies this event at the platform (Shopify's
	// X-Shopify-Webhook-Id, Stripe's event id, ...), for deduplication.
	// Empty when the platform sends none.
	EventID string
	// OccurredAt is when the platform says the event happened (Shopify's
	// X-Shopify-Triggered-At, Stripe's created, the generic timestamp);
	// zero when unknown.
	OccurredAt time.Time
	// Order is set for DeliveryOrderCreated and DeliveryOrderCancelled
	// (for a cancellation at least Source, Shop and ID).
	Order Order
	// Reason says why an order was cancelled ("refunded", "cancelled: fraud").
	Reason string
	// Customer names the customer of a privacy request.
	Customer Customer
	// FulfilledAt is when the order was fulfilled or delivered, as the
	// signed body says (DeliveryOrderFulfilled, DeliveryOrderDelivered, and
	// a DeliveryOrderCreated of an order that comes already fulfilled);
	// zero when the body gives no time, or for an order not fulfilled.
	FulfilledAt time.Time
	// Shop is the shop the signed body names (Stripe Connect's account),
	// "" when the body names none: the delivery is then the shop its
	// unsigned route names, once the signature verified under that shop's
	// secrets.
	Shop string
}

// Erasure is a request to erase a customer's data at a shop
// (DeliveryCustomerRedact, with the Customer) or all of a shop's data
// (DeliveryShopRedact).
type Erasure struct {
	Source   Source
	Shop     string
	Kind     DeliveryKind
	Customer Customer
}

// Customer identifies a customer for privacy requests: any of these may be
// set; phones are E.164.
type Customer struct {
	PlatformID string
	Phones     []string
	Emails     []string
	// OrderIDs are the platform's ids of the customer's orders, when the
	// platform lists them (Shopify's orders_to_redact).
	OrderIDs []string
}

// Claim is a task a dispatcher has just claimed under a lease.
type Claim struct {
	Task Task
	// Recovered is true when the claim took over an expired lease of a task
	// that was left in StateSending (a dispatcher died). If the task has no
	// MessageSID, Twilio may still have accepted the message: check before
	// sending again.
	Recovered bool
	// PreviousClaimAt is when the expired lease was taken (Recovered only):
	// a message accepted by Twilio for this task was created after it.
	PreviousClaimAt time.Time
	// Waited is true when the claim took a task still awaiting its
	// fulfilment or delivery at the end of its wait (its Deadline): it is
	// to be expired, never sent.
	Waited bool
}
