// Command twilio-local runs a Twilio-compatible server on loopback (package
// twiliotest) for the local demo, until interrupted. It logs each accepted
// message as a JSON line, with masked numbers.
//
//	go run ./infra/twilio-local -addr 127.0.0.1:8001 -account-sid AC... -auth-token ... -auto-status sent,delivered
//
// -account-sid and -auth-token fall back to TWILIO_ACCOUNT_SID and
// TWILIO_AUTH_TOKEN.
package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/toolmain"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

func main() {
	toolmain.Run("twilio-local", 2, func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Getenv, os.Stdout) })
}

// run parses args, serves until ctx is done, and logs to out.
func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("twilio-local", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8001", "listen address")
	sid := fs.String("account-sid", getenv("TWILIO_ACCOUNT_SID"), "account SID to accept (default $TWILIO_ACCOUNT_SID)")
	token := fs.String("auth-token", getenv("TWILIO_AUTH_TOKEN"), "auth token to accept and sign webhooks with (default $TWILIO_AUTH_TOKEN)")
	auto := fs.String("auto-status", "", "comma-separated statuses posted to each message's StatusCallback, e.g. sent,delivered")
	derived := fs.Bool("derived-sids", false, "give each message the SID the event fixtures name for its task, not a random one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var statuses []string
	for s := range strings.SplitSeq(*auto, ",") {
		if s = strings.TrimSpace(s); s != "" {
			statuses = append(statuses, s)
		}
	}
	log := slog.New(slog.NewJSONHandler(out, nil))
	srv, err := twiliotest.NewServer(twiliotest.Options{
		AccountSID: *sid, AuthToken: *token, Addr: *addr, AutoStatus: statuses, Logger: log, DerivedSIDs: *derived,
	})
	if err != nil {
		return err
	}
	log.Info("local twilio listening", "url", srv.URL(), "auto_status", statuses)
	<-ctx.Done()
	log.Info("local twilio stopping")
	return srv.Close()
}
