// Command dispatcher is the Lambda function that runs on a schedule and sends the thank-yous that are due.
// It only wires: configuration, dependencies, handler, lambda.Start.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/dispatcher"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDispatcher(os.Getenv)
	if err != nil {
		fail(err)
	}
	deps, err := app.AWSDeps(ctx)
	if err != nil {
		fail(err)
	}
	h, err := dispatcher.New(ctx, cfg, deps)
	if err != nil {
		fail(err)
	}
	lambda.Start(h.Handle)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "{\"level\":\"ERROR\",\"message\":\"dispatcher cannot start\",\"error\":%q}\n", err.Error())
	os.Exit(1)
}
