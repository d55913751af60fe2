// Package twiliowebhook builds the Twilio webhook's handler. Only the
// Twilio webhook's binary links it; it links no order source.
package twiliowebhook

import (
	"context"
	"fmt"

	twclient "github.com/twilio/twilio-go/client"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/twiliohook"
)

// Start is the Twilio webhook's start for app.Run: its configuration from
// getenv, its handler from d, and the handler's Handle for lambda.Start.
func Start(ctx context.Context, getenv config.Getenv, d app.Deps) (any, error) {
	build := func(cfg config.TwilioWebhookConfig) (*twiliohook.Handler, error) { return New(ctx, cfg, d) }
	return app.Start(getenv, config.LoadTwilioWebhook, build, func(h *twiliohook.Handler) any { return h.Handle })
}

// New builds the Twilio webhook's handler.
func New(ctx context.Context, cfg config.TwilioWebhookConfig, d app.Deps) (*twiliohook.Handler, error) {
	tc := cfg.Twilio
	tc.AuthToken = cfg.AuthToken // the token that signs Twilio's callbacks
	tw, token, err := d.Twilio(ctx, tc)
	if err != nil {
		return nil, err
	}
	help := cfg.HelpText
	if help == "" {
		help = inbound.HelpText(cfg.ShopName)
	}
	closed, err := polite.ParseDates(cfg.ClosedDates)
	if err != nil {
		return nil, fmt.Errorf("CLOSED_DATES: %w", err)
	}
	v := twclient.NewRequestValidator(token)
	store := d.Store(cfg.Common)
	set := settings.Deployment{Window: cfg.Window, Zone: cfg.ShopTimeZone, Closed: closed, StaffWindow: cfg.StaffHours, ShopName: cfg.ShopName}
	return &twiliohook.Handler{
		Store:         store,
		Calls:         store,
		Caps:          store,
		NumberCap:     contact.Cap(cfg.ContactCap),
		Privacy:       store,
		Questions:     store,
		Conversations: store,
		Replies:       &replies.Forwarder{Store: store, Directory: store, StaffPhone: cfg.StaffPhone, Settings: set},
		Settings:      set,
		Twilio:        tw,
		CallerID:      cfg.Twilio.From,
		Validator:     &v,
		PublicBaseURL: cfg.PublicBaseURL,
		HelpText:      help,
		Now:           d.Clock(),
		Logger:        d.Log(config.TwilioWebhook),
		Metrics:       d.Metrics.For(config.TwilioWebhook),
	}, nil
}
