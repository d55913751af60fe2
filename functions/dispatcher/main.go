// Command dispatcher is the Lambda function that runs on a schedule and sends the thank-yous that are due.
// It only wires: app.Run loads its configuration, builds its handler and starts Lambda.
package main

import (
	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/dispatcher"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

func main() {
	app.Run(config.Dispatcher, dispatcher.Start)
}
