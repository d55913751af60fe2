// Command order-webhook is the Lambda function that receives signed shop webhooks and stores one thank-you task per order.
// It only wires: configuration, dependencies, handler, lambda.Start.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/orderwebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadOrderWebhook(os.Getenv)
	if err != nil {
		fail(err)
	}
	deps, err := app.AWSDeps(ctx)
	if err != nil {
		fail(err)
	}
	h, err := orderwebhook.New(ctx, cfg, deps)
	if err != nil {
		fail(err)
	}
	lambda.Start(h.Handle)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "{\"level\":\"ERROR\",\"message\":\"order-webhook cannot start\",\"error\":%q}\n", err.Error())
	os.Exit(1)
}
