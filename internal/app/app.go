// Package app assembles the three functions' handlers from their
// configuration and their outside dependencies. The Lambda mains, the local
// stack and the end-to-end tests all build handlers here, so they are wired
// the same way.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	twclient "github.com/twilio/twilio-go/client"

	"github.com/thankyoucalls/thankyoucalls/internal/boundlog"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/stripe"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twiliohook"
	"github.com/thankyoucalls/thankyoucalls/internal/woocommerce"
)

// Deps are the outside dependencies of the handlers.
type Deps struct {
	DynamoDB *dynamodb.Client
	Secrets  *secret.Resolver
	Logger   *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Metrics receives the handlers' CloudWatch EMF records, each handler
	// with its own Function dimension; nil means no metrics.
	Metrics *metrics.Emitter
}

// AWSDeps builds dependencies from the AWS SDK's standard configuration
// (credentials, region, and endpoints such as AWS_ENDPOINT_URL_DYNAMODB),
// Lambda's structured logger (request id on every line) and metrics as
// EMF records on standard output, which CloudWatch Logs turns into metrics.
func AWSDeps(ctx context.Context) (Deps, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return Deps{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return Deps{
		DynamoDB: dynamodb.NewFromConfig(cfg),
		Secrets:  &secret.Resolver{SSM: ssm.NewFromConfig(cfg), SecretsManager: secretsmanager.NewFromConfig(cfg)},
		Logger:   lambdacontext.NewLogger(),
		Metrics:  metrics.New(os.Stdout, nil),
	}, nil
}

// logger is the functions' logger: every string it logs is bounded
// (boundlog), whatever a sender put in it.
func (d Deps) logger() *slog.Logger {
	return slog.New(boundlog.New(d.Logger.Handler()))
}

func (d Deps) now() func() time.Time {
	if d.Now != nil {
		return d.Now
	}
	return time.Now
}

func (d Deps) store(c config.Common) *dynamo.Store {
	return dynamo.New(d.DynamoDB, c.TableName, dynamo.Options{Retention: c.Retention})
}

func window(w config.Window) (polite.Window, error) {
	pw, err := polite.ParseWindow(w.Start, w.End, w.Days)
	if err != nil {
		return polite.Window{}, fmt.Errorf("send window: %w", err)
	}
	return pw, nil
}

// NewOrderWebhook builds the order webhook's handler.
func NewOrderWebhook(ctx context.Context, cfg config.OrderWebhookConfig, d Deps) (*orderhook.Handler, error) {
	log := d.logger().With("function", config.OrderWebhook)
	store := d.store(cfg.Common)
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
		Now:     d.now(),
		Logger:  log,
		Metrics: d.Metrics.For(config.OrderWebhook),
	}, nil
}

// NewDispatcher builds the dispatcher's handler.
func NewDispatcher(ctx context.Context, cfg config.DispatcherConfig, d Deps) (*dispatch.Handler, error) {
	w, err := window(cfg.Window)
	if err != nil {
		return nil, err
	}
	closed, err := polite.ParseDates(cfg.ClosedDates)
	if err != nil {
		return nil, fmt.Errorf("CLOSED_DATES: %w", err)
	}
	token, err := d.Secrets.Resolve(ctx, cfg.Twilio.AuthToken)
	if err != nil {
		return nil, fmt.Errorf("twilio auth token: %w", err)
	}
	sender, err := newTwilio(cfg.Twilio, token)
	if err != nil {
		return nil, err
	}
	r, err := message.NewRendererIn(cfg.Language, cfg.SMSTemplate, cfg.StaffTemplate)
	if err != nil {
		return nil, err
	}
	staffHours, err := polite.ParseString(cfg.StaffHours)
	if err != nil {
		return nil, fmt.Errorf("staff hours: %w", err)
	}
	store := d.store(cfg.Common)
	return &dispatch.Handler{
		Store:         store,
		Sender:        sender,
		Calls:         store,
		Caller:        sender,
		Caps:          store,
		NumberCap:     contact.Cap(cfg.ContactCap),
		StaffWindow:   staffHours,
		Privacy:       store,
		EscalateAfter: cfg.EscalateAfter,
		DigestLead:    cfg.DigestLead,
		Forwards:      store,
		Replies:       &replies.Forwarder{Store: store, Directory: store, StaffPhone: cfg.StaffPhone, StaffWindow: staffHours, ShopZone: cfg.ShopTimeZone},
		Renderer:      r,
		Language:      cfg.Language,
		ShopName:      cfg.ShopName,
		Window:        w,
		Closed:        closed,
		ShopZone:      cfg.ShopTimeZone,
		PublicBaseURL: cfg.PublicBaseURL,
		MaxAttempts:   cfg.MaxAttempts,
		Lease:         cfg.Lease,
		Concurrency:   cfg.MaxConcurrency,
		Rate:          cfg.SendRate,
		Now:           d.now(),
		EventClock:    cfg.EventClock,
		Logger:        d.logger().With("function", config.Dispatcher),
		Metrics:       d.Metrics.For(config.Dispatcher),
	}, nil
}

// newTwilio builds the Twilio client of a configuration, with its
// resolved auth token.
func newTwilio(c config.TwilioConfig, token string) (*twilio.Client, error) {
	return twilio.New(twilio.Config{
		AccountSID:          c.AccountSID,
		AuthToken:           token,
		From:                c.From,
		MessagingServiceSID: c.MessagingServiceSID,
		BaseURL:             c.BaseURL,
	})
}

// NewTwilioWebhook builds the Twilio webhook's handler.
func NewTwilioWebhook(ctx context.Context, cfg config.TwilioWebhookConfig, d Deps) (*twiliohook.Handler, error) {
	token, err := d.Secrets.Resolve(ctx, cfg.AuthToken)
	if err != nil {
		return nil, fmt.Errorf("twilio auth token: %w", err)
	}
	help := cfg.HelpText
	if help == "" {
		help = inbound.HelpText(cfg.ShopName)
	}
	w, err := window(cfg.Window)
	if err != nil {
		return nil, err
	}
	tw, err := newTwilio(cfg.Twilio, token)
	if err != nil {
		return nil, err
	}
	staffHours, err := polite.ParseString(cfg.StaffHours)
	if err != nil {
		return nil, fmt.Errorf("staff hours: %w", err)
	}
	v := twclient.NewRequestValidator(token)
	store := d.store(cfg.Common)
	return &twiliohook.Handler{
		Store:         store,
		Calls:         store,
		Caps:          store,
		NumberCap:     contact.Cap(cfg.ContactCap),
		StaffWindow:   staffHours,
		Privacy:       store,
		Questions:     store,
		Conversations: store,
		Replies:       &replies.Forwarder{Store: store, Directory: store, StaffPhone: cfg.StaffPhone, StaffWindow: staffHours, ShopZone: cfg.ShopTimeZone},
		Twilio:        tw,
		CallerID:      cfg.Twilio.From,
		ShopName:      cfg.ShopName,
		ShopZone:      cfg.ShopTimeZone,
		Window:        w,
		Validator:     &v,
		PublicBaseURL: cfg.PublicBaseURL,
		HelpText:      help,
		Now:           d.now(),
		Logger:        d.logger().With("function", config.TwilioWebhook),
		Metrics:       d.Metrics.For(config.TwilioWebhook),
	}, nil
}
