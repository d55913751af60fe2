// Package orderhook is the order webhook: it verifies a shop platform's
// signed delivery, normalises the order and stores exactly one thank-you task
// for it, due a few days later inside the recipient's polite hours.
package orderhook

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// MaxBody is the largest body accepted (256 KiB); larger ones are refused
// before their signature is computed.
const MaxBody = 256 << 10

// Source verifies and normalises one platform's webhook deliveries.
type Source interface {
	// Verify checks the delivery's signature over the raw body; a missing or
	// bad one is an EUNAUTHORIZED error.
	Verify(h http.Header, body []byte) error
	// Parse normalises a verified delivery; bad input is an EINVALID error.
	Parse(h http.Header, body []byte) (thankyou.Delivery, error)
}

// Store is what the handler needs of the task store.
type Store interface {
	// CreateTask writes a new task unless one exists for the same id, in
	// which case it returns false and changes nothing.
	CreateTask(ctx context.Context, t thankyou.Task) (created bool, err error)
}

// Handler handles POST /webhooks/{source}.
type Handler struct {
	Sources map[thankyou.Source]Source
	Store   Store
	// Window is the send window; Delay the time from order to thank-you;
	// ExpireAfter how long after its due time a task may still go out.
	Window      polite.Window
	Delay       time.Duration
	ExpireAfter time.Duration
	// ShopZone is used when the recipient's number gives no time zone.
	ShopZone   *time.Location
	Channel    thankyou.Channel
	StaffPhone string
	Now        func() time.Time
	Logger     *slog.Logger
}

// Answer is the JSON body of a successful answer.
type Answer struct {
	// Status is "created", "duplicate" or "ignored".
	Status string `json:"status"`
	TaskID string `json:"task,omitempty"`
	State  string `json:"state,omitempty"`
	DueAt  string `json:"due,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Handle answers one webhook delivery: 201 with the new task, 200 for a
// repeated delivery or an ignored topic, 401 for a bad signature, 400 for a
// malformed or oversize body, 404 for an unknown source.
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
	hdr := apigw.Header(req)
	if err := src.Verify(hdr, body); err != nil {
		return Answer{}, err
	}
	d, err := src.Parse(hdr, body)
	if err != nil {
		return Answer{}, err
	}
	switch d.Kind {
	case thankyou.DeliveryOrderCreated:
		return h.create(ctx, d.Order)
	case thankyou.DeliveryIgnored:
		h.Logger.InfoContext(ctx, "delivery ignored", "source", name, "topic", d.Topic)
		return Answer{Status: "ignored", Reason: "topic " + d.Topic + " is not acted on"}, nil
	default:
		return Answer{}, thankyou.Errorf(thankyou.EINTERNAL, "source %s returned unknown delivery kind %q", name, d.Kind)
	}
}

func (h *Handler) create(ctx context.Context, o thankyou.Order) (Answer, error) {
	t := h.TaskFor(o)
	created, err := h.Store.CreateTask(ctx, t)
	if err != nil {
		return Answer{}, thankyou.WrapError(thankyou.EINTERNAL, "could not store the task", err)
	}
	log := h.Logger.With("task", t.ID, "source", o.Source, "state", t.State)
	if !created {
		log.InfoContext(ctx, "repeated delivery: task already exists")
		return Answer{Status: "duplicate", TaskID: t.ID}, nil
	}
	ans := Answer{Status: "created", TaskID: t.ID, State: string(t.State), Reason: t.Reason}
	if t.State == thankyou.StatePending {
		ans.DueAt = t.DueAt.Format(time.RFC3339)
		log.InfoContext(ctx, "task created", "due", ans.DueAt, "zone", t.TimeZone, "channel", t.Channel, "recipient", phone.Mask(t.Recipient))
	} else {
		log.InfoContext(ctx, "order recorded as skipped", "reason", t.Reason)
	}
	return ans, nil
}

// TaskFor builds the task for a new order: its recipient, its due time in
// the customer's polite hours and its deadline, or a skipped task with the
// reason it cannot be sent.
func (h *Handler) TaskFor(o thankyou.Order) thankyou.Task {
	now := h.Now().UTC()
	t := thankyou.Task{
		ID:        o.TaskID(),
		Order:     o,
		Channel:   h.Channel,
		State:     thankyou.StatePending,
		CreatedAt: now,
		UpdatedAt: now,
	}
	if o.SkipReason != "" {
		t.State, t.Reason = thankyou.StateSkipped, o.SkipReason
		return t
	}
	switch h.Channel {
	case thankyou.ChannelStaff:
		t.Recipient = h.StaffPhone
	default:
		t.Recipient = o.Phone
	}
	zoneNames := phone.TimeZones(o.Phone)
	zones := polite.Zones(zoneNames, h.ShopZone)
	t.TimeZone = polite.ZoneNames(zones)
	placed := o.CreatedAt
	if placed.IsZero() || placed.After(now) {
		placed = now
	}
	// A delivery retried long after the order must not produce a due time in
	// the past that then goes out at once outside the intended delay.
	from := placed.Add(h.Delay)
	if from.Before(now) {
		from = now
	}
	t.DueAt = h.Window.Next(from, zones).UTC().Truncate(time.Second)
	t.Deadline = t.DueAt.Add(h.ExpireAfter)
	return t
}
