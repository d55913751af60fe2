// Command thankyou is the operators' tool: it manages the shops a
// deployment serves, lists, shows, retries and cancels thank-you tasks,
// erases a customer's data and sums up a period, against the local stack or
// AWS. Run `thankyou help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dashboard"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	std := streams{out: os.Stdout, err: os.Stderr}
	// Confirmations are asked only of a person at a terminal; a progress
	// line only goes to a terminal (never into a file or a pipe).
	if isTerminal(os.Stdin) {
		std.in = os.Stdin
	}
	if isTerminal(os.Stderr) {
		std.progress = os.Stderr
	}
	os.Exit(run(ctx, os.Args[1:], std))
}

// streams are the tool's input and outputs; in and progress may be nil.
type streams struct {
	in                 io.Reader
	out, err, progress io.Writer
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func run(ctx context.Context, args []string, std streams) int {
	stderr := std.err
	line, err := operator.ParseLine(args)
	if err != nil {
		return usageError(stderr, err)
	}
	switch {
	case line.Version:
		fmt.Fprintln(std.out, version())
		return 0
	case line.Help:
		h, err := operator.Help(line.Topic...)
		if err != nil {
			return usageError(stderr, err)
		}
		fmt.Fprint(std.out, h)
		return 0
	}
	// A command line naming no command is understood before any table is
	// looked for.
	if _, err := operator.Help(line.Topic...); err != nil {
		return usageError(stderr, err)
	}
	if len(line.Topic) == 0 {
		return usageError(stderr, &operator.UsageError{Err: errors.New("no command given")})
	}
	table := os.Getenv("TABLE_NAME")
	if line.TableSet {
		table = line.Table
	}
	if table == "" {
		fmt.Fprintln(stderr, "thankyou: no table: pass --table NAME or set TABLE_NAME (the stack's TableName output)")
		return 2
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "thankyou: AWS configuration: %v (set AWS_PROFILE or AWS_REGION; locally AWS_ENDPOINT_URL_DYNAMODB)\n", err)
		return 1
	}
	if cfg.Region == "" {
		fmt.Fprintln(stderr, "thankyou: no AWS region: set AWS_REGION (the stack's region) or AWS_PROFILE; locally any region, e.g. AWS_REGION=us-east-1")
		return 1
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), table, dynamo.Options{})
	tool := &operator.Tool{
		Store:    store,
		Out:      std.out,
		Err:      stderr,
		In:       std.in,
		Progress: std.progress,
		Now:      time.Now,
		Dashboard: func(ctx context.Context, addr string, open bool) error {
			log := slog.New(slog.NewJSONHandler(stderr, nil))
			opts := dashboard.Options{Store: store, Now: time.Now, Log: log,
				Replies: dashboard.StoreReplies{Store: store, Now: time.Now},
				Effect:  dashboard.StoreEffect{Store: store}}
			return dashboard.Serve(ctx, opts, addr, open, std.out)
		},
	}
	if err := tool.RunCommand(ctx, line.Topic, line.Args); err != nil {
		if errors.Is(err, operator.ErrUsage) {
			return usageError(stderr, err)
		}
		fmt.Fprintf(stderr, "thankyou: %v\n", err)
		if h := hint(err, table); h != "" {
			fmt.Fprintf(stderr, "thankyou: %s\n", h)
		}
		return 1
	}
	return 0
}

// usageError prints a command line's mistake and the usage of what it
// was about (a command, a group, or the whole tool), and is exit status 2.
func usageError(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "thankyou: %v\n", err)
	var topic []string
	var ue *operator.UsageError
	if errors.As(err, &ue) && ue.Topic != "" {
		topic = strings.Fields(ue.Topic)
	}
	h, herr := operator.Help(topic...)
	if herr != nil {
		h, _ = operator.Help()
	}
	fmt.Fprint(stderr, "\n"+h)
	return 2
}

// version is the tool's version: the module version and the commit it
// was built from, as the Go toolchain records them.
func version() string {
	v, rev, modified := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	out := "thankyou " + v
	if rev != "" {
		out += " " + rev[:min(12, len(rev))]
		if modified {
			out += "+modified"
		}
	}
	return out + " " + runtime.Version()
}

// hint says what to do about an error that comes from the AWS environment
// rather than from the command.
func hint(err error, table string) string {
	var (
		notFound *types.ResourceNotFoundException
		signing  *v4.SigningError
	)
	switch {
	case errors.As(err, &notFound):
		return fmt.Sprintf("there is no table %q here: pass the stack's TableName output with --table, and check AWS_REGION (locally: make local, then --table thankyou-local)", table)
	case errors.As(err, &signing):
		return "no AWS credentials: set AWS_PROFILE (or run `aws sso login`); locally any AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY will do"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "nothing answers at the DynamoDB endpoint: start the local stack (make local) or unset AWS_ENDPOINT_URL_DYNAMODB to reach AWS"
	}
	return ""
}
