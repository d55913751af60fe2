// Command order-webhook is the Lambda function that receives signed shop webhooks and stores one thank-you task per order.
// It only wires: app.Run loads its configuration, builds its handler and starts Lambda.
package main

import (
	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/orderwebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

func main() {
	app.Run(config.OrderWebhook, orderwebhook.Start)
}
