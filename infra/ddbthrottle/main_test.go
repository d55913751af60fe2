package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// start runs the command with args until the test ends and returns its
// URL and a function that stops it and returns its last log line.
func start(t *testing.T, args ...string) (string, func() map[string]any) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), pw)
		pw.Close()
	}()
	lines := make(chan map[string]any, 10)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			var v map[string]any
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Errorf("log line %q is not JSON: %v", sc.Text(), err)
			}
			lines <- v
		}
	}()
	first, ok := <-lines
	if !ok {
		cancel()
		t.Fatalf("ddbthrottle did not start: %v", <-done)
	}
	base, _ := first["url"].(string)
	stopped := false
	stop := func() map[string]any {
		t.Helper()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run = %v, want nil after interrupt", err)
		}
		stopped = true
		var last map[string]any
		for v := range lines {
			last = v
		}
		return last
	}
	t.Cleanup(func() {
		if !stopped {
			stop()
		}
	})
	return base, stop
}

func client(t *testing.T, endpoint string) *dynamodb.Client {
	return dynamotest.NewClient(t, func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.RetryMaxAttempts = 1 // see every answer, not the SDK's retries
	})
}

func TestEveryCallIsThrottledAtFractionOneAndCounted(t *testing.T) {
	base, stop := start(t, "-target", dynamotest.Endpoint(), "-fraction", "1")
	for range 3 {
		_, err := client(t, base).ListTables(context.Background(), &dynamodb.ListTablesInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != faults.ThrottleErrorType {
			t.Fatalf("ListTables error = %v, want %s", err, faults.ThrottleErrorType)
		}
	}
	last := stop()
	if last["msg"] != "ddbthrottle stopping" || last["calls"] != 3.0 || last["throttled"] != 3.0 {
		t.Errorf("last log line = %v, want stopping with 3 calls, 3 throttled", last)
	}
}

func TestNoCallIsThrottledAtFractionZero(t *testing.T) {
	_, table := dynamotest.NewTable(t)
	base, stop := start(t, "-target", dynamotest.Endpoint(), "-fraction", "0")
	out, err := client(t, base).DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTable through ddbthrottle: %v", err)
	}
	if got := aws.ToString(out.Table.TableName); got != table {
		t.Errorf("table = %q, want %q", got, table)
	}
	if last := stop(); last["calls"] != 1.0 || last["throttled"] != 0.0 {
		t.Errorf("last log line = %v, want 1 call, 0 throttled", last)
	}
}

func TestRunRefusesABadConfiguration(t *testing.T) {
	for _, args := range [][]string{
		{"-fraction", "1.5"},
		{"-fraction", "-0.1"},
		{"-target", "not a url"},
		{"-addr", "127.0.0.1:0", "extra"},
		{"-no-such-flag"},
	} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run(%q) = nil, want an error", args)
		}
	}
}
