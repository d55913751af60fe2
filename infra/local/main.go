// Command local runs the whole stack on this machine: dynalite (in-memory
// DynamoDB) with the table from template.yaml, a Twilio-compatible server
// that sends nothing anywhere, and the three functions behind a local HTTP
// API on the same routes as API Gateway. With -demo it plays a scripted
// story a newcomer can watch: orders arrive, the dispatcher's clock moves
// forward, thank-yous go out inside polite hours, a customer texts STOP.
//
//	go run ./infra/local -demo     # the story, then exit
//	go run ./infra/local           # serve until Ctrl-C (real clock)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	var o options
	flag.BoolVar(&o.demo, "demo", false, "play the demo story and exit")
	flag.StringVar(&o.apiAddr, "api", "127.0.0.1:3000", "address of the local HTTP API (the functions' routes)")
	flag.StringVar(&o.twilioAddr, "twilio", "127.0.0.1:8001", "address of the local Twilio-compatible server")
	flag.StringVar(&o.dynamoAddr, "dynamodb", "127.0.0.1:8000", "address for dynalite (ignored when AWS_ENDPOINT_URL_DYNAMODB is set)")
	flag.StringVar(&o.envFile, "env", "events/env.json", "function environments (the file sam local uses)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}
