// Package app is the construction the three functions share: the AWS
// configuration, the DynamoDB store, the Twilio client, the logger, the
// clock and the metrics. Each function's handler is built by its own
// package below this one (app/orderwebhook, app/dispatcher,
// app/twiliowebhook), which only that function's binary links: the
// dispatcher and the Twilio webhook never link an order source or a JSON
// Schema library. The Lambda mains, the local stack and the end-to-end
// tests all build handlers through those packages, so they are wired the
// same way.
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

	"github.com/thankyoucalls/thankyoucalls/internal/boundlog"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
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

// Log is the logger of the function named fn: every string it logs is
// bounded (boundlog), whatever a sender put in it.
func (d Deps) Log(fn string) *slog.Logger {
	return slog.New(boundlog.New(d.Logger.Handler())).With("function", fn)
}

// Clock is the handlers' clock: Now, else time.Now.
func (d Deps) Clock() func() time.Time {
	if d.Now != nil {
		return d.Now
	}
	return time.Now
}

// Store is the table of a configuration, with its retention.
func (d Deps) Store(c config.Common) *dynamo.Store {
	return dynamo.New(d.DynamoDB, c.TableName, dynamo.Options{Retention: c.Retention})
}

// Twilio builds the Twilio client of a configuration and returns it with
// its auth token, resolved from SSM or Secrets Manager when it names a
// parameter or a secret.
func (d Deps) Twilio(ctx context.Context, c config.TwilioConfig) (*twilio.Client, string, error) {
	token, err := d.Secrets.Resolve(ctx, c.AuthToken)
	if err != nil {
		return nil, "", fmt.Errorf("twilio auth token: %w", err)
	}
	tw, err := twilio.New(twilio.Config{
		AccountSID:          c.AccountSID,
		AuthToken:           token,
		From:                c.From,
		MessagingServiceSID: c.MessagingServiceSID,
		BaseURL:             c.BaseURL,
	})
	if err != nil {
		return nil, "", err
	}
	return tw, token, nil
}
