// Package app is the construction the three functions share: the AWS
// configuration, the DynamoDB store, the Twilio client, the logger, the
// clock and the metrics. Each function's handler is built by its own
// package below this one (app/orderwebhook, app/dispatcher,
// app/twiliowebhook), which only that function's binary links: the
// dispatcher and the Twilio webhook never link an order source. No
// function links the SDK's SSM and Secrets Manager clients (internal/secret
// makes its two calls itself) or a JSON Schema library. The Lambda mains, the local stack and the end-to-end
// tests all build handlers through those packages, so they are wired the
// same way.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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
		DynamoDB: NewDynamoDB(cfg),
		Secrets:  &secret.Resolver{AWS: secret.NewAWSClient(cfg, os.Getenv)},
		Logger:   lambdacontext.NewLogger(),
		Metrics:  metrics.New(os.Stdout, nil),
	}, nil
}

// MaxDynamoDBConns bounds the connections a function holds to DynamoDB,
// all of them kept for the next request. A request beyond it waits for one
// to be free (a DynamoDB request holds one for a few milliseconds). Each
// new connection is a TLS handshake, most of it CPU (about 0.7 ms of a
// full core in Go), and a function of 256 MB has a seventh of a core: the
// dispatcher's run, whose 19 opening queries go at once, would otherwise
// open 19 connections on every run (idle ones are closed after 90 s, and
// runs are 5 minutes apart), where 10 serve them in two rounds.
const MaxDynamoDBConns = 10

// NewDynamoDB is the functions' DynamoDB client: cfg's, with at most
// MaxDynamoDBConns connections.
func NewDynamoDB(cfg aws.Config) *dynamodb.Client {
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.MaxConnsPerHost = MaxDynamoDBConns
		tr.MaxIdleConnsPerHost = MaxDynamoDBConns
	})
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.HTTPClient = hc })
}

// Run is a function's main: it builds the dependencies with AWSDeps and
// hands start's result to lambda.Start; start loads the configuration of
// the function named fn from the environment and builds its handler (each
// function's package below this one has its Start). A failure before
// lambda.Start is written as one JSON line on standard error and exits the
// process with status 1, which Lambda reports as an INIT error.
//
// Run is not generic on purpose: a generic function's dictionary holds
// the types of its parameters, and a function type taking Deps would make
// the linker keep every operation of the DynamoDB client that Deps holds
// (see internal/dynamo's client).
func Run(fn string, start func(context.Context, config.Getenv, Deps) (any, error)) {
	ctx := context.Background()
	h, err := setUp(ctx, start)
	if err != nil {
		fmt.Fprintf(os.Stderr, "{\"level\":\"ERROR\",\"message\":%q,\"error\":%q}\n", fn+" cannot start", err.Error())
		os.Exit(1)
	}
	lambda.Start(h)
}

// Start is the common part of each function's start for Run: the
// configuration load reads from getenv, the handler build makes of it, and
// what handle gives lambda.Start. build closes over the Deps: a type
// parameter's function type that took Deps would be in Start's dictionary
// (see Run).
func Start[C, H any](getenv config.Getenv, load func(config.Getenv) (C, error), build func(C) (H, error), handle func(H) any) (any, error) {
	cfg, err := load(getenv)
	if err != nil {
		return nil, err
	}
	h, err := build(cfg)
	if err != nil {
		return nil, err
	}
	return handle(h), nil
}

// setUp is Run's construction: the dependencies, then the configuration
// and the handler.
func setUp(ctx context.Context, start func(context.Context, config.Getenv, Deps) (any, error)) (any, error) {
	deps, err := AWSDeps(ctx)
	if err != nil {
		return nil, err
	}
	return start(ctx, os.Getenv, deps)
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
