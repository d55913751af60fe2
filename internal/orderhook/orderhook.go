// Package orderhook is the order webhook: it verifies a shop platform's
// signed delivery, normalises it, and acts on it: exactly one thank-you task
// per new order (due a few days later inside the recipient's polite hours,
// or waiting for the order's fulfilment or delivery when the shop counts
// the delay from it, or recorded as skipped with its reason), a waiting
// task started by that event, a cancelled order's task cancelled, a
// customer's or a shop's personal data erased on request.
package orderhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/boundlog"
	"github.com/thankyoucalls/thankyoucalls/internal/eligibility"
	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// MaxBody is the largest body accepted (256 KiB); larger ones are refused
// before their signature is computed.
const MaxBody = 256 << 10

// Source verifies and normalises one platform's webhook deliveries.
type Source interface {
	// ShopID returns the shop the delivery's route says it comes from
	// ("" when it does not say), from headers or the query only: the body
	// is not read before Verify passed. It is trusted only once Verify
	// passed under that shop's secrets.
	ShopID(r webhook.Request) (string, error)
	// Verify checks the signature with any of the shop's secrets, and the
	// replay window where the platform signs a timestamp.
	Verify(r webhook.Request, secrets [][]byte) error
	// Parse normalises a verified delivery; Delivery.Shop is the shop the
	// signed body names, if it names one.
	Parse(r webhook.Request, defaultCountry string) (thankyou.Delivery, error)
}

// Shops finds the shop a delivery names.
type Shops interface {
	Shop(ctx context.Context, source thankyou.Source, shopID string) (shops.Shop, error)
	// Admit tells whether a verified delivery naming shopID may be acted
	// on for shop (EUNAUTHORIZED when not).
	Admit(ctx context.Context, shop shops.Shop, shopID string) error
}

// Store is what the handler needs of the task store.
type Store interface {
	// CreateTask writes a new task unless one exists for the same id, in
	// which case it returns false and changes nothing.
	CreateTask(ctx context.Context, t thankyou.Task) (created bool, err error)
	// TaskExists tells whether a task is stored under id.
	TaskExists(ctx context.Context, id string) (bool, error)
	CustomerHistory(ctx context.Context, o thankyou.Order) (eligibility.History, error)
	// ReserveThankYou takes the customer's thank-you under the shop's
	// frequency cap with a conditional write; reserved is false (with
	// when the customer was last thanked) when another order has it.
	ReserveThankYou(ctx context.Context, o thankyou.Order, capDays int, now time.Time) (reserved bool, last time.Time, err error)
	CancelTask(ctx context.Context, o thankyou.Order, reason string, now time.Time) (thankyou.Task, error)
	SeenEvent(ctx context.Context, source thankyou.Source, shop, eventID string, now time.Time) (bool, error)
	RecordEvent(ctx context.Context, source thankyou.Source, shop, eventID string, now time.Time) (first bool, err error)
	// RequestErasure records a customer's or a shop's erasure, to be
	// carried out by the dispatcher; from then on nothing is sent for
	// that customer or shop.
	RequestErasure(ctx context.Context, e thankyou.Erasure, now time.Time) error
	CustomerReport(ctx context.Context, source thankyou.Source, shop string, c thankyou.Customer) (thankyou.Report, error)
	EffectStore
	GetTask(ctx context.Context, id string) (thankyou.Task, error)
	// StartAwaiting makes a task awaiting its fulfilment pending, due at
	// due; a task in any other state is returned with an ECONFLICT error.
	StartAwaiting(ctx context.Context, id string, at, due, deadline, now time.Time) (thankyou.Task, error)
}

// Handler handles POST /webhooks/{source}.
type Handler struct {
	Sources map[thankyou.Source]Source
	Shops   Shops
	Store   Store
	Now     func() time.Time
	Logger  *slog.Logger
	// Metrics counts orders received, tasks created, skips, duplicates and
	// cancellations (nil: none).
	Metrics *metrics.Emitter
}

// Answer is the JSON body of a successful answer.
type Answer struct {
	// Status is "created", "duplicate", "cancelled", "cancel_requested",
	// "started" (a fulfilment or delivery started a waiting task's delay),
	// "already_<state>", "accepted" (an erasure request), "reported" or
	// "ignored".
	Status string `json:"status"`
	TaskID string `json:"task,omitempty"`
	State  string `json:"state,omitempty"`
	DueAt  string `json:"due,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Report lists what is held about a customer (ids, states, field names;
	// no personal values).
	Report *thankyou.Report `json:"report,omitempty"`
}

// Handle answers one webhook delivery: 201 with a new task; 200 for a
// repeated delivery, a cancellation, a privacy request or an ignored topic;
// 401 for a bad signature or an unknown shop; 400 for a malformed or
// oversize body; 404 for a source that is not configured.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	ans, err := h.handle(ctx, req)
	if err != nil {
		apigw.LogError(ctx, h.Logger, req, err)
		return apigw.Error(err), nil
	}
	status := http.StatusOK
	if ans.Status == "created" {
		status = http.StatusCreated
	}
	return apigw.JSON(status, ans), nil
}

func (h *Handler) handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (Answer, error) {
	name := thankyou.Source(req.PathParameters["source"])
	src, ok := h.Sources[name]
	if !ok {
		return Answer{}, thankyou.Errorf(thankyou.ENOTFOUND, "unknown order source %q", name)
	}
	body, err := apigw.Body(req, MaxBody)
	if err != nil {
		return Answer{}, err
	}
	query, err := url.ParseQuery(req.RawQueryString)
	if err != nil {
		return Answer{}, thankyou.WrapError(thankyou.EINVALID, "query string cannot be parsed", err)
	}
	now := h.Now()
	r := webhook.Request{Header: apigw.Header(req), Query: query, Body: body, Received: now}
	shopID, shop, d, err := h.verified(ctx, name, src, r)
	if err != nil {
		return Answer{}, err
	}
	log := h.Logger.With("source", name, "topic", d.Topic, "event", d.EventID)
	if d.Kind == thankyou.DeliveryIgnored {
		log.InfoContext(ctx, "delivery ignored")
		return Answer{Status: "ignored", Reason: ignoredReason(d)}, nil
	}
	if err := h.Shops.Admit(ctx, shop, shopID); err != nil {
		return Answer{}, refused(ctx, log, err)
	}
	if !shop.ErasedAt.IsZero() && d.Kind != thankyou.DeliveryCustomerRedact && d.Kind != thankyou.DeliveryShopRedact && d.Kind != thankyou.DeliveryDataRequest {
		// The shop asked for its data to be erased: only its privacy
		// requests are still accepted.
		log.InfoContext(ctx, "delivery for an erased shop ignored")
		return Answer{Status: "ignored", Reason: "the shop's data was erased on its request"}, nil
	}
	if d.Kind == thankyou.DeliveryOrderCreated {
		h.Metrics.Count(metrics.OrdersReceived, 1, metrics.Source(string(name)))
	}
	// A platform's retry of an event already handled is answered at once,
	// with one read and no write. A new order's task is its own record:
	// its conditional write is the dedup of both the order id and the
	// event, so a retry finds the task. Other events are recorded only
	// after they were handled, so a delivery that failed half-way is
	// handled again on the platform's retry (every action below is
	// idempotent).
	eventID := EventKey(d.EventID, body)
	var seen bool
	if d.Kind == thankyou.DeliveryOrderCreated {
		seen, err = h.Store.TaskExists(ctx, d.Order.TaskID())
	} else {
		seen, err = h.Store.SeenEvent(ctx, name, shopID, eventID, now)
	}
	if err != nil {
		return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not check the event", err)
	}
	if seen && d.Kind == thankyou.DeliveryOrderCreated && !d.FulfilledAt.IsZero() {
		// The order was created before; this delivery says it is now
		// fulfilled (WooCommerce's completed): it may start the task's
		// delay. Starting is one conditional write, so a repeat of this
		// delivery changes nothing.
		f := thankyou.Delivery{Kind: thankyou.DeliveryOrderFulfilled, Order: d.Order, FulfilledAt: d.FulfilledAt}
		return h.fulfilled(ctx, shop, f, now, log)
	}
	if seen {
		if d.Kind == thankyou.DeliveryOrderCreated {
			h.Metrics.Count(metrics.Duplicates, 1, metrics.Source(string(name)))
			log.InfoContext(ctx, "repeated delivery: task already exists", "task", d.Order.TaskID())
			return Answer{Status: "duplicate", TaskID: d.Order.TaskID(), Reason: "event already received"}, nil
		}
		log.InfoContext(ctx, "repeated event: already handled")
		return Answer{Status: "duplicate", Reason: "event already received"}, nil
	}
	var ans Answer
	switch d.Kind {
	case thankyou.DeliveryOrderCreated:
		ans, err = h.create(ctx, shop, d.Order, now, log)
		if err == nil && !d.FulfilledAt.IsZero() {
			// An order that comes already fulfilled (WooCommerce's
			// completed) also starts a task waiting for its fulfilment.
			f := thankyou.Delivery{Kind: thankyou.DeliveryOrderFulfilled, Order: d.Order, FulfilledAt: d.FulfilledAt}
			var started Answer
			if started, err = h.fulfilled(ctx, shop, f, now, log); err == nil && started.Status == "started" {
				if ans.Status == "created" {
					// Created and started at once: still a creation.
					started.Status = ans.Status
				}
				ans = started
			}
		}
	case thankyou.DeliveryOrderCancelled:
		if ans, err = h.cancel(ctx, d, now, log); err == nil {
			err = h.uncount(ctx, shop, d.Order, now)
		}
	case thankyou.DeliveryOrderFulfilled, thankyou.DeliveryOrderDelivered:
		ans, err = h.fulfilled(ctx, shop, d, now, log)
	case thankyou.DeliveryCustomerRedact, thankyou.DeliveryShopRedact:
		// One durable write, answered at once; the dispatcher carries it
		// out on its schedule until it is done.
		err = h.Store.RequestErasure(ctx, thankyou.Erasure{Source: name, Shop: shopID, Kind: d.Kind, Customer: d.Customer}, now)
		ans = Answer{Status: "accepted", Reason: "erasure recorded: nothing more is sent, and the data is erased on the dispatcher's next runs"}
		log.InfoContext(ctx, "erasure request recorded", "kind", d.Kind)
	case thankyou.DeliveryDataRequest:
		var rep thankyou.Report
		rep, err = h.Store.CustomerReport(ctx, name, shopID, d.Customer)
		ans = Answer{Status: "reported", Report: &rep}
		log.InfoContext(ctx, "customer data request answered", "tasks", len(rep.Tasks))
	default:
		return Answer{}, thankyou.Errorf(thankyou.EINTERNAL, "source %s returned unknown delivery kind %q", name, d.Kind)
	}
	if err != nil {
		return Answer{}, err
	}
	if d.Kind == thankyou.DeliveryOrderCreated {
		return ans, nil // the task is the record
	}
	if _, err := h.Store.RecordEvent(ctx, name, shopID, eventID, now); err != nil {
		// Handled, but not remembered: a retry is handled again, harmlessly.
		log.WarnContext(ctx, "could not record the event", "error", err)
	}
	return ans, nil
}

// errRefused is the one answer to a delivery that is not acted on for want
// of trust: a missing or wrong signature, an unknown shop, a shop id the
// deployment's shop does not answer to. One answer for all, so that the
// answer tells nobody which shops exist.
var errRefused = thankyou.Errorf(thankyou.EUNAUTHORIZED, "the signature does not verify for the shop the delivery names")

// refused logs why a delivery was refused and returns the answer: the one
// errRefused for a refusal, err itself for anything else (a failure to
// read, a configuration error).
func refused(ctx context.Context, log *slog.Logger, err error) error {
	if thankyou.ErrorCode(err) != thankyou.EUNAUTHORIZED {
		return err
	}
	log.InfoContext(ctx, "delivery refused", "why", thankyou.ErrorMessage(err))
	return errRefused
}

// verified finds the shop a delivery names and checks its signature, then
// reads it: nothing of the body is read before its signature verified.
// The unsigned route (a header, the query) names the shop whose secrets
// verify the body; when the signed body names a shop of its own (Stripe
// Connect's account), that shop is the delivery's, and its secrets must
// verify the body too. An unsigned request costs at most one read (the
// route's shop, cached); an unknown shop is answered like a bad signature,
// after as much work.
func (h *Handler) verified(ctx context.Context, name thankyou.Source, src Source, r webhook.Request) (string, shops.Shop, thankyou.Delivery, error) {
	log := h.Logger.With("source", name)
	shopID, err := src.ShopID(r)
	if err != nil {
		return "", shops.Shop{}, thankyou.Delivery{}, refused(ctx, log, err)
	}
	shop, err := h.Shops.Shop(ctx, name, shopID)
	if thankyou.ErrorCode(err) == thankyou.EUNAUTHORIZED {
		// A platform's unsigned ping (WooCommerce's, when a webhook is
		// saved) names no shop; it creates nothing, so it is acknowledged.
		if src.Verify(r, nil) == nil {
			if d, perr := src.Parse(r, ""); perr == nil && d.Kind == thankyou.DeliveryIgnored {
				return shopID, shop, d, nil
			}
		}
		// As much work as a known shop's bad signature.
		_ = src.Verify(r, [][]byte{unknownShopSecret[:]})
		return "", shops.Shop{}, thankyou.Delivery{}, refused(ctx, log, err)
	}
	if err != nil {
		return "", shops.Shop{}, thankyou.Delivery{}, err
	}
	if err := src.Verify(r, shop.Secrets); err != nil {
		return "", shops.Shop{}, thankyou.Delivery{}, refused(ctx, log, err)
	}
	d, err := src.Parse(r, shop.DefaultCountry)
	if err != nil {
		return "", shops.Shop{}, thankyou.Delivery{}, err
	}
	if d.Shop == "" || d.Shop == shopID {
		return shopID, shop, d, nil
	}
	// The signed body names its shop: that one, under its own secrets.
	own, err := h.Shops.Shop(ctx, name, d.Shop)
	if err != nil {
		return "", shops.Shop{}, thankyou.Delivery{}, refused(ctx, log, err)
	}
	if err := src.Verify(r, own.Secrets); err != nil {
		return "", shops.Shop{}, thankyou.Delivery{}, refused(ctx, log, err)
	}
	if own.DefaultCountry != shop.DefaultCountry {
		if d, err = src.Parse(r, own.DefaultCountry); err != nil {
			return "", shops.Shop{}, thankyou.Delivery{}, err
		}
	}
	return d.Shop, own, d, nil
}

// unknownShopSecret is what a delivery for an unknown shop is checked
// against, so that it costs the same as a known shop's bad signature.
var unknownShopSecret = [32]byte{'u', 'n', 'k', 'n', 'o', 'w', 'n'}

func (h *Handler) create(ctx context.Context, shop shops.Shop, o thankyou.Order, now time.Time, log *slog.Logger) (Answer, error) {
	t := TaskFor(shop, o, now)
	if t.State == thankyou.StatePending || t.State == thankyou.StateAwaitingFulfilment {
		var hist eligibility.History
		// The customer's history costs a read; only two rules need it.
		if shop.Rules.FrequencyCapDays > 0 || (shop.Rules.FirstOrderOnly && o.CustomerOrders == 0) {
			var err error
			if hist, err = h.Store.CustomerHistory(ctx, o); err != nil {
				return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not read the customer's history", err)
			}
		}
		reason, err := eligibility.Check(o, shop.Rules, hist, now)
		if err != nil {
			// A shop rule that cannot be applied skips the order with a
			// reason naming it, never thanks as if it were not set.
			log.ErrorContext(ctx, "shop rule cannot be applied: order skipped", "err", err)
		}
		if !reason.IsZero() {
			t = skipped(t, reason)
		}
	}
	if (t.State == thankyou.StatePending || t.State == thankyou.StateAwaitingFulfilment) && shop.Rules.FrequencyCapDays > 0 {
		// The history read above is advice: the cap holds by this
		// conditional write, so two orders handled at once are not
		// both thanked (a task awaiting its trigger holds the slot too).
		reserved, last, err := h.Store.ReserveThankYou(ctx, o, shop.Rules.FrequencyCapDays, now)
		if err != nil {
			return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not reserve the customer's thank-you", err)
		}
		if !reserved {
			reason, _ := eligibility.Check(o, shop.Rules, eligibility.History{LastThanked: last}, now)
			if reason.IsZero() {
				reason = thankyou.Skip(thankyou.SkipFrequencyCap, "thanked recently (another order of the customer has the thank-you)")
			}
			t = skipped(t, reason)
		}
	}
	t, err := h.measure(ctx, shop, t)
	if err != nil {
		return Answer{}, err
	}
	created, err := h.Store.CreateTask(ctx, t)
	if err != nil {
		return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not store the task", err)
	}
	log = log.With("task", t.ID, "state", t.State)
	if !created {
		h.Metrics.Count(metrics.Duplicates, 1, metrics.Source(string(o.Source)))
		log.InfoContext(ctx, "repeated delivery: task already exists")
		return Answer{Status: "duplicate", TaskID: t.ID}, nil
	}
	ans := Answer{Status: "created", TaskID: t.ID, State: string(t.State), Reason: t.Reason}
	if t.State == thankyou.StateAwaitingFulfilment {
		h.Metrics.Count(metrics.TasksCreated, 1, metrics.Source(string(o.Source)))
		log.InfoContext(ctx, "task created, awaiting the order's "+string(t.Trigger), "until", t.Deadline.Format(time.RFC3339),
			"channel", t.Channel, "language", t.Language, "recipient", phone.Mask(t.Recipient))
		return ans, nil
	}
	if t.State == thankyou.StatePending {
		h.Metrics.Count(metrics.TasksCreated, 1, metrics.Source(string(o.Source)))
		ans.DueAt = t.DueAt.Format(time.RFC3339)
		log.InfoContext(ctx, "task created", "due", ans.DueAt, "zone", t.TimeZone, "channel", t.Channel, "recipient", phone.Mask(t.Recipient))
	} else if t.State == thankyou.StateHeldOut {
		h.Metrics.Count(metrics.HeldOut, 1, metrics.Source(string(o.Source)))
		log.InfoContext(ctx, "order held out", "reason", t.Reason)
	} else if t.State == thankyou.StateExpired {
		h.Metrics.Count(metrics.Expired, 1, metrics.Source(string(o.Source)))
		log.InfoContext(ctx, "task expired at once", "reason", t.Reason, "zone", t.TimeZone)
	} else {
		h.Metrics.Count(metrics.OrdersSkipped, 1, metrics.Reason(t.SkipCode))
		log.InfoContext(ctx, "order recorded as skipped", "reason", t.Reason)
	}
	return ans, nil
}

func (h *Handler) cancel(ctx context.Context, d thankyou.Delivery, now time.Time, log *slog.Logger) (Answer, error) {
	t, err := h.Store.CancelTask(ctx, d.Order, d.Reason, now)
	id := d.Order.TaskID()
	log = log.With("task", id)
	switch {
	case thankyou.ErrorCode(err) == thankyou.ECONFLICT:
		log.WarnContext(ctx, "cancelled while being sent: the dispatcher checks before sending")
		return Answer{Status: "cancel_requested", TaskID: id, Reason: thankyou.ErrorMessage(err)}, nil
	case err != nil:
		return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not cancel the task", err)
	case t.State == thankyou.StateCancelled:
		h.Metrics.Count(metrics.OrdersCancelled, 1, metrics.Source(string(d.Order.Source)))
		log.InfoContext(ctx, "task cancelled", "reason", d.Reason)
		return Answer{Status: "cancelled", TaskID: id, State: string(t.State), Reason: t.Reason}, nil
	default:
		log.InfoContext(ctx, "cancellation after the task ended: nothing to do", "state", t.State)
		return Answer{Status: "already_" + string(t.State), TaskID: id, State: string(t.State)}, nil
	}
}

// fulfilled starts the delay of the order's task when it was waiting for
// this event: due at the event's time plus the shop's delay, inside the
// customer's polite hours (Schedule, as for a new order). A task that is
// not waiting (already started, cancelled, under the order trigger) is
// left as it is, and an order without a task is acknowledged.
func (h *Handler) fulfilled(ctx context.Context, shop shops.Shop, d thankyou.Delivery, now time.Time, log *slog.Logger) (Answer, error) {
	id := d.Order.TaskID()
	log = log.With("task", id)
	t, err := h.Store.GetTask(ctx, id)
	switch {
	case thankyou.ErrorCode(err) == thankyou.ENOTFOUND:
		log.InfoContext(ctx, "fulfilment of an order without a thank-you task: nothing to do")
		return Answer{Status: "ignored", TaskID: id, Reason: "no thank-you task for this order"}, nil
	case err != nil:
		return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not read the task", err)
	case t.State != thankyou.StateAwaitingFulfilment:
		log.InfoContext(ctx, "fulfilment of a task that is not waiting for it: nothing to do", "state", t.State)
		return Answer{Status: "already_" + string(t.State), TaskID: id, State: string(t.State)}, nil
	case !t.Trigger.StartedBy(d.Kind):
		log.InfoContext(ctx, "the task waits for another event", "trigger", t.Trigger, "kind", d.Kind)
		return Answer{Status: "ignored", TaskID: id, State: string(t.State), Reason: "the thank-you waits for the order's " + string(t.Trigger)}, nil
	}
	at := d.FulfilledAt
	if at.IsZero() || at.After(now) {
		at = now
	}
	// When the recipient has no polite time left, the task is started
	// anyway, due at its delay's end: the dispatcher ends it expired with
	// the reason.
	due, deadline, _ := Schedule(shop, recipientOf(shop, t.Order), at, now)
	t, err = h.Store.StartAwaiting(ctx, id, at.UTC().Truncate(time.Second), due, deadline, now)
	switch {
	case thankyou.ErrorCode(err) == thankyou.ECONFLICT:
		log.InfoContext(ctx, "the task changed meanwhile: nothing to do", "state", t.State)
		return Answer{Status: "already_" + string(t.State), TaskID: id, State: string(t.State)}, nil
	case err != nil:
		return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not start the task", err)
	}
	log.InfoContext(ctx, "the order's "+string(t.Trigger)+" started the thank-you's delay", "due", due.Format(time.RFC3339))
	return Answer{Status: "started", TaskID: id, State: string(t.State), DueAt: due.Format(time.RFC3339)}, nil
}

// EventKey is what a delivery is deduplicated by: the platform's event id
// with a digest of the signed body. Most platforms send the event id in an
// unsigned header, so the id alone would let a replayed body, sent under
// the id of an event still to come, make that event look handled. A
// platform's retry repeats both the id and the body. An empty id (the
// platform sends none) stays empty: such deliveries are not deduplicated.
func EventKey(eventID string, body []byte) string {
	if eventID == "" {
		return ""
	}
	sum := sha256.Sum256(body)
	return eventID + "#" + hex.EncodeToString(sum[:12])
}

func ignoredReason(d thankyou.Delivery) string {
	if d.Reason != "" {
		return d.Reason
	}
	return "topic " + boundlog.Clip(d.Topic, 64) + " is not acted on"
}

// TaskFor builds the task for a new order at a shop: its recipient, its
// language and template, its due time in the customer's polite hours and
// its deadline, or a skipped task with the reason it cannot be sent. Under
// a shop's fulfilment or delivery trigger the task is
// StateAwaitingFulfilment instead, until the end of its wait (its
// Deadline: the order's time plus the shop's MaxWait).
func TaskFor(shop shops.Shop, o thankyou.Order, now time.Time) thankyou.Task {
	now = now.UTC()
	t := thankyou.Task{
		ID:        o.TaskID(),
		Order:     o,
		Channel:   shop.Channel,
		ShopName:  shop.Name,
		Window:    shop.Window,
		CapDays:   shop.Rules.FrequencyCapDays,
		State:     thankyou.StatePending,
		CreatedAt: now,
		UpdatedAt: now,
	}
	if !o.SkipReason.IsZero() {
		return skipped(t, o.SkipReason)
	}
	placed := o.CreatedAt
	if placed.IsZero() || placed.After(now) {
		placed = now
	}
	// A delivery that arrives after the order's whole thank-you period
	// (a stale retry, a late backfill) is not thanked late.
	latest := placed.Add(shop.Delay + shop.ExpireAfter)
	if shop.Trigger.Waits() {
		latest = placed.Add(maxWait(shop))
	}
	if now.After(latest) {
		return skipped(t, thankyou.Skip(thankyou.SkipTooOld, "order placed too long ago to thank ("+now.Sub(placed).Round(time.Hour).String()+" ago)"))
	}
	// The customer's language, else the shop's; a staff reminder is in
	// the shop's language, which its staff read.
	t.Language = language.Choose(o.Locale, shop.Language)
	switch shop.Channel {
	case thankyou.ChannelStaff:
		t.Language = language.Choose(shop.Language)
		t.Recipient, t.Template = shop.StaffPhone, templateFor(shop, shop.StaffTemplates, shop.StaffTemplate, t.Language)
	case thankyou.ChannelCall:
		// The SMS template serves the SMS that replaces a call (no
		// consent, or not answered).
		t.Recipient, t.Template, t.Voice = o.Phone, templateFor(shop, shop.SMSTemplates, shop.SMSTemplate, t.Language), voiceIn(shop.Voice, t.Language)
	default:
		t.Recipient, t.Template = o.Phone, templateFor(shop, shop.SMSTemplates, shop.SMSTemplate, t.Language)
	}
	r := recipientOf(shop, o)
	t.TimeZone = polite.ZoneNames(r.Zones)
	t.Closed = polite.FormatDates(shop.Closed)
	if shop.Trigger.Waits() {
		t.State, t.Trigger = thankyou.StateAwaitingFulfilment, shop.Trigger
		t.Deadline = latest.UTC().Truncate(time.Second)
		return t
	}
	due, deadline, ok := Schedule(shop, r, placed, now)
	if !ok {
		// Never polite: ended at once, with the reason, not retried.
		t.State, t.Reason, t.Recipient = thankyou.StateExpired, polite.NoPoliteTimeText, ""
		return t
	}
	t.DueAt, t.Deadline = due, deadline
	return t
}

// recipientOf is whom a thank-you of an order is timed for: the customer,
// in their zones narrowed with the order's address (the hours are theirs
// whoever is contacted).
func recipientOf(shop shops.Shop, o thankyou.Order) polite.Recipient {
	zones := polite.RecipientZones(phone.TimeZones(o.Phone), o.Region, shop.Zone)
	return polite.Recipient{Phone: o.Phone, Zones: zones, Region: o.Region, Country: o.Country}
}

// Schedule is when a thank-you whose delay counts from start is due: the
// shop's delay after start (never before now: a delivery retried after
// the delay is not due in the past), moved into the recipient's polite
// hours (polite.Hours: window, law, holidays, closed dates); and its
// deadline, the shop's ExpireAfter later. ok is false when no polite time
// is left for the recipient; due is then the delay's end.
func Schedule(shop shops.Shop, r polite.Recipient, start, now time.Time) (due, deadline time.Time, ok bool) {
	from := start.Add(shop.Delay)
	if from.Before(now) {
		from = now
	}
	due, _, ok = shop.Hours().Due(from, r)
	if !ok {
		due = from
	}
	due = ceilSecond(due)
	return due, due.Add(shop.ExpireAfter), ok
}

// maxWait is how long a task of the shop waits for its trigger.
func maxWait(shop shops.Shop) time.Duration {
	if shop.MaxWait > 0 {
		return shop.MaxWait
	}
	return thankyou.DefaultMaxWait
}

// templateFor is the shop's own template of a channel for a language: the
// one written for that language, else its plain one when the language is
// the shop's own, else "" (the built-in text in that language).
func templateFor(shop shops.Shop, byLanguage map[string]string, plain, lang string) string {
	if s := byLanguage[lang]; s != "" {
		return s
	}
	if lang == language.Choose(shop.Language) {
		return plain
	}
	return ""
}

// voiceIn is the shop's voice settings for a call in lang: its own when
// its <Say> language is lang (or unset and lang is the shop's), else
// Twilio's default voice of lang, since a voice speaks one language.
func voiceIn(v thankyou.Voice, lang string) thankyou.Voice {
	if language.Match(v.Language) == lang || v.Language == "" && lang == language.English {
		return v
	}
	v.Voice, v.Language = "", language.SayLanguage(lang)
	return v
}

// ceilSecond rounds t up to a whole second (UTC): rounding a polite
// instant down could leave it just before the hours open.
func ceilSecond(t time.Time) time.Time {
	if r := t.Truncate(time.Second); !r.Equal(t) {
		return r.Add(time.Second).UTC()
	}
	return t.UTC()
}

func skipped(t thankyou.Task, reason thankyou.SkipReason) thankyou.Task {
	t.State, t.Reason, t.SkipCode = thankyou.StateSkipped, reason.Detail, reason.Code
	t.Recipient, t.DueAt, t.Deadline, t.TimeZone = "", time.Time{}, time.Time{}, ""
	return t
}
