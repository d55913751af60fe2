// Package orderwebhook builds the order webhook's handler. Only the order
// webhook's binary links it, and with it the order sources (Shopify,
// WooCommerce, Stripe, generic).
package orderwebhook

import (
	"context"
	"fmt"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/stripe"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/woocommerce"
)

// Start is the order webhook's start for app.Run: its configuration from
// getenv, its handler from d, and the handler's Handle for lambda.Start.
func Start(ctx context.Context, getenv config.Getenv, d app.Deps) (any, error) {
	build := func(cfg config.OrderWebhookConfig) (*orderhook.Handler, error) { return New(ctx, cfg, d) }
	return app.Start(getenv, config.LoadOrderWebhook, build, func(h *orderhook.Handler) any { return h.Handle })
}

// New builds the order webhook's handler.
func New(ctx context.Context, cfg config.OrderWebhookConfig, d app.Deps) (*orderhook.Handler, error) {
	log := d.Log(config.OrderWebhook)
	store := d.Store(cfg.Common)
	reg, err := shops.FromConfig(ctx, cfg, d.Secrets, store, store, log)
	if err != nil {
		return nil, err
	}
	gen, err := generic.New()
	if err != nil {
		return nil, fmt.Errorf("generic source: %w", err)
	}
	return &orderhook.Handler{
		Sources: map[thankyou.Source]orderhook.Source{
			thankyou.SourceShopify:     &shopify.Source{},
			thankyou.SourceWooCommerce: woocommerce.Source{},
			thankyou.SourceStripe:      stripe.Source{},
			thankyou.SourceGeneric:     gen,
		},
		Shops:   reg,
		Store:   store,
		Now:     d.Clock(),
		Logger:  log,
		Metrics: d.Metrics.For(config.OrderWebhook),
	}, nil
}
