// Command ddbthrottle runs a DynamoDB throttling proxy on loopback
// (faults.Throttler): it forwards DynamoDB API calls to a DynamoDB-compatible
// endpoint (dynalite, DynamoDB Local) and answers a fraction of them as
// DynamoDB answers a throttled request, with
// ProvisionedThroughputExceededException, so that the functions or the
// operators' tool can be run against a throttled table. It logs a JSON line
// when listening, and the counts when interrupted.
//
//	go run ./infra/ddbthrottle -addr 127.0.0.1:8002 -target http://127.0.0.1:8000 -fraction 0.2
//	AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8002 go run ./cmd/thankyou ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/toolmain"
)

func main() {
	toolmain.Run("ddbthrottle", 2, func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout) })
}

// run parses args, serves until ctx is done, and logs to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ddbthrottle", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8002", "listen address")
	target := fs.String("target", "http://127.0.0.1:8000", "DynamoDB-compatible endpoint to forward to")
	fraction := fs.Float64("fraction", 0.2, "fraction of DynamoDB calls answered ProvisionedThroughputExceededException, 0 to 1")
	seed := fs.Uint64("seed", 0, "seed of the choice of throttled calls (0: random)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	thr, err := faults.NewThrottler(*target, *fraction, *seed)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	log := slog.New(slog.NewJSONHandler(out, nil))
	srv := &http.Server{Handler: thr, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("ddbthrottle listening", "url", "http://"+ln.Addr().String(), "target", *target, "fraction", *fraction)
	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdown)
	st := thr.Stats()
	log.Info("ddbthrottle stopping", "calls", st.Calls, "throttled", st.Throttled)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}
