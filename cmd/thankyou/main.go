// Command thankyou is the operators' tool: it manages the shops a
// deployment serves, lists, shows, retries and cancels thank-you tasks,
// erases a customer's data and sums up a period, against the local stack or
// AWS. Run `thankyou help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
	fs := flag.NewFlagSet("thankyou", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	table := fs.String("table", os.Getenv("TABLE_NAME"), "")
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) || err == nil && fs.Arg(0) == "help" {
		fmt.Fprint(std.out, operator.Usage)
		return 0
	}
	if err != nil || fs.NArg() == 0 {
		fmt.Fprint(stderr, operator.Usage)
		return 2
	}
	if *table == "" {
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
	tool := &operator.Tool{
		Store:    dynamo.New(dynamodb.NewFromConfig(cfg), *table, dynamo.Options{}),
		Out:      std.out,
		In:       std.in,
		Progress: std.progress,
		Now:      time.Now,
	}
	if err := tool.Run(ctx, fs.Args()); err != nil {
		fmt.Fprintf(stderr, "thankyou: %v\n", err)
		if h := hint(err, *table); h != "" {
			fmt.Fprintf(stderr, "thankyou: %s\n", h)
		}
		if errors.Is(err, operator.ErrUsage) {
			fmt.Fprint(stderr, "\n"+operator.Usage)
			return 2
		}
		return 1
	}
	return 0
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
