// Command thankyou is the operators' tool: it manages the shops a
// deployment serves, against the local stack or AWS. Run `thankyou help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("thankyou", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	table := fs.String("table", os.Getenv("TABLE_NAME"), "")
	if err := fs.Parse(args); err != nil || fs.NArg() == 0 || fs.Arg(0) == "help" {
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
	tool := &operator.Tool{
		Store: dynamo.New(dynamodb.NewFromConfig(cfg), *table, dynamo.Options{}),
		Out:   stdout,
		Now:   time.Now,
	}
	if err := tool.Run(ctx, fs.Args()); err != nil {
		fmt.Fprintf(stderr, "thankyou: %v\n", err)
		if errors.Is(err, operator.ErrUsage) {
			fmt.Fprint(stderr, "\n"+operator.Usage)
			return 2
		}
		return 1
	}
	return 0
}
