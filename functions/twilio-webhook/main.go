// Command twilio-webhook is the Lambda function that receives Twilio's status callbacks and inbound SMS.
// It only wires: configuration, dependencies, handler, lambda.Start.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/twiliowebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadTwilioWebhook(os.Getenv)
	if err != nil {
		fail(err)
	}
	deps, err := app.AWSDeps(ctx)
	if err != nil {
		fail(err)
	}
	h, err := twiliowebhook.New(ctx, cfg, deps)
	if err != nil {
		fail(err)
	}
	lambda.Start(h.Handle)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "{\"level\":\"ERROR\",\"message\":\"twilio-webhook cannot start\",\"error\":%q}\n", err.Error())
	os.Exit(1)
}
