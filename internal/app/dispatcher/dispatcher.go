// Package dispatcher builds the dispatcher's handler. Only the
// dispatcher's binary links it; it links no order source.
package dispatcher

import (
	"context"
	"fmt"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
)

// Start is the dispatcher's start for app.Run: its configuration from
// getenv, its handler from d, and the handler's Handle for lambda.Start.
func Start(ctx context.Context, getenv config.Getenv, d app.Deps) (any, error) {
	build := func(cfg config.DispatcherConfig) (*dispatch.Handler, error) { return New(ctx, cfg, d) }
	return app.Start(getenv, config.LoadDispatcher, build, func(h *dispatch.Handler) any { return h.Handle })
}

// New builds the dispatcher's handler.
func New(ctx context.Context, cfg config.DispatcherConfig, d app.Deps) (*dispatch.Handler, error) {
	closed, err := polite.ParseDates(cfg.ClosedDates)
	if err != nil {
		return nil, fmt.Errorf("CLOSED_DATES: %w", err)
	}
	sender, _, err := d.Twilio(ctx, cfg.Twilio)
	if err != nil {
		return nil, err
	}
	r, err := message.NewRendererIn(cfg.Language, cfg.SMSTemplate, cfg.StaffTemplate)
	if err != nil {
		return nil, err
	}
	store := d.Store(cfg.Common)
	set := settings.Deployment{Window: cfg.Window, Zone: cfg.ShopTimeZone, Closed: closed, StaffWindow: cfg.StaffHours, ShopName: cfg.ShopName}
	return &dispatch.Handler{
		Store:         store,
		Sender:        sender,
		Calls:         store,
		Caller:        sender,
		Caps:          store,
		NumberCap:     contact.Cap(cfg.ContactCap),
		Privacy:       store.PrivacySnapshot(d.Clock()),
		EscalateAfter: cfg.EscalateAfter,
		DigestLead:    cfg.DigestLead,
		Forwards:      store,
		Replies:       &replies.Forwarder{Store: store, Directory: store, StaffPhone: cfg.StaffPhone, Settings: set},
		Settings:      set,
		Renderer:      r,
		Language:      cfg.Language,
		PublicBaseURL: cfg.PublicBaseURL,
		MaxAttempts:   cfg.MaxAttempts,
		Lease:         cfg.Lease,
		Concurrency:   cfg.MaxConcurrency,
		Rate:          cfg.SendRate,
		Now:           d.Clock(),
		EventClock:    cfg.EventClock,
		Logger:        d.Log(config.Dispatcher),
		Metrics:       d.Metrics.For(config.Dispatcher),
	}, nil
}
