// Command local runs the whole stack on this machine: dynalite (in-memory
// DynamoDB) with the table from template.yaml, a Twilio-compatible server
// that sends nothing anywhere, and the three functions behind a local HTTP
// API on the same routes as API Gateway. With -demo it plays a scripted
// story a newcomer can watch: orders arrive, the dispatcher's clock moves
// forward, thank-yous go out inside polite hours, a customer texts STOP.
//
//	go run ./infra/local -demo     # the story, then exit (make demo)
//	go run ./infra/local           # serve until Ctrl-C (real clock; make local)
//	go run ./infra/local -services # DynamoDB and the local Twilio only, for sam local invoke (make dynamodb)
//
// An address already in use is one line naming it and the flag that moves
// it, and exit status 1; nothing is left running.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/toolmain"
)

func main() {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "play the demo story and exit")
	flag.BoolVar(&o.services, "services", false, "start only DynamoDB (with the table) and the local Twilio, for sam local invoke")
	flag.StringVar(&o.apiAddr, "api", "127.0.0.1:3000", "address of the local HTTP API (the functions' routes)")
	flag.StringVar(&o.twilioAddr, "twilio", "127.0.0.1:8001", "address of the local Twilio-compatible server")
	flag.StringVar(&o.dynamoAddr, "dynamodb", "127.0.0.1:8000", "address for dynalite (ignored when AWS_ENDPOINT_URL_DYNAMODB is set)")
	flag.StringVar(&o.envFile, "env", "events/env.json", "function environments (the file sam local uses)")
	flag.Parse()

	toolmain.Run("local", 1, func(ctx context.Context) error {
		if err := run(ctx, o, os.Stdout); err != nil {
			return errors.New(explain(err))
		}
		return nil
	})
}

// flagOf names the flag that moves each service's address.
var flagOf = map[string]string{
	localstack.ServiceAPI:      "-api",
	localstack.ServiceTwilio:   "-twilio",
	localstack.ServiceDynamoDB: "-dynamodb",
}

// explain is the one line an error of run prints.
func explain(err error) string {
	var busy *localstack.PortInUseError
	if errors.As(err, &busy) {
		return fmt.Sprintf("port %s (%s) is in use: stop what listens there, or choose another address with %s (e.g. %s 127.0.0.1:0 for any free port)",
			busy.Addr, busy.Service, flagOf[busy.Service], flagOf[busy.Service])
	}
	return err.Error()
}
