// Command twilio-webhook is the Lambda function that receives Twilio's status callbacks and inbound SMS.
// It only wires: app.Run loads its configuration, builds its handler and starts Lambda.
package main

import (
	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/twiliowebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

func main() {
	app.Run(config.TwilioWebhook, twiliowebhook.Start)
}
