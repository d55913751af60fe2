// Command noop is the smallest aws-lambda-go function: it answers every
// event with "ok" and does nothing else. infra/coldstart builds it next to
// the real functions, so that their cold starts can be compared with the
// runtime's own.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (string, error) { return "ok", nil })
}
