// Package dynamotest runs tests against a real DynamoDB-compatible server:
// dynalite, in memory, from the repository's pinned local infrastructure
// (infra/node_modules), or an endpoint the test command already started.
//
// A package that uses it starts the server once in TestMain:
//
//	func TestMain(m *testing.M) { dynamotest.Main(m) }
//
// and each test makes its own table from template.yaml with NewTable.
package dynamotest

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
)

// EndpointEnv names the variable with the endpoint of a DynamoDB-compatible
// server that is already running. When it is set, Main starts none.
const EndpointEnv = "THANKYOU_TEST_DYNAMODB_ENDPOINT"

// Region is the region test clients use.
const Region = "us-east-1"

// endpoint is the server in use; set once by Main before any test runs.
var endpoint string

// Main runs the package's tests (m.Run) with a DynamoDB endpoint and exits
// with their result: the one in THANKYOU_TEST_DYNAMODB_ENDPOINT, else a
// dynalite it starts on a free loopback port and stops afterwards.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if ep := os.Getenv(EndpointEnv); ep != "" {
		endpoint = ep
		return m.Run()
	}
	srv, err := startDynalite()
	if err != nil {
		fmt.Fprintf(os.Stderr, "dynamotest: %v\n", err)
		return 1
	}
	defer srv.stop()
	endpoint = srv.endpoint
	return m.Run()
}

// Endpoint returns the endpoint in use; it is valid once Main has started.
func Endpoint() string { return endpoint }

// NewClient returns a DynamoDB client for the endpoint in use, with static
// credentials and region us-east-1. optFns change its options further (see
// CountRequests).
func NewClient(t testing.TB, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	t.Helper()
	if endpoint == "" {
		t.Fatal("dynamotest: no endpoint: call dynamotest.Main from TestMain")
	}
	opts := dynamodb.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(endpoint),
	}
	return dynamodb.New(opts, optFns...)
}

// NewTable creates a table with a unique name from template.yaml's table
// resource (through dynamo.CreateTable) and deletes it when the test ends.
// It returns a client and the table name.
func NewTable(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	c := NewClient(t)
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		t.Fatalf("dynamotest: %v", err)
	}
	name := tableName(t.Name())
	in, err := tpl.CreateTableInput(name)
	if err != nil {
		t.Fatalf("dynamotest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := dynamo.CreateTable(ctx, c, in, tpl.TTLAttribute()); err != nil {
		t.Fatalf("dynamotest: %v", err)
	}
	t.Cleanup(func() {
		// t.Context() is already cancelled when cleanups run.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)}); err != nil {
			t.Errorf("dynamotest: delete table %s: %v", name, err)
		}
	})
	return c, name
}

// tableName makes a unique, valid table name ([a-zA-Z0-9_.-], 3 to 255
// characters) that starts with the test's name.
func tableName(test string) string {
	clean := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return '_'
	}, test)
	if len(clean) > 200 {
		clean = clean[:200]
	}
	return clean + "-" + rand.Text()[:12]
}

// CountRequests adds to o a middleware that counts every request the client
// sends (each retry too) and returns the counter. Use it as an option:
//
//	var n *atomic.Int64
//	c := dynamotest.NewClient(b, func(o *dynamodb.Options) { n = dynamotest.CountRequests(o) })
func CountRequests(o *dynamodb.Options) *atomic.Int64 {
	n := new(atomic.Int64)
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		// Finalize runs once per attempt, inside the retry loop.
		return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("dynamotestCountRequests",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				n.Add(1)
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	})
	return n
}

// dynaliteBin returns the path of the pinned dynalite, found from this
// source file's place in the repository.
func dynaliteBin() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the repository (runtime.Caller failed)")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..", "..")
	bin := filepath.Join(root, "infra", "node_modules", ".bin", "dynalite")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("dynalite not found at %s: run `npm ci --prefix infra` in the repository root (or set %s to a running DynamoDB-compatible endpoint)", bin, EndpointEnv)
	}
	return bin, nil
}

// server is a dynalite process.
type server struct {
	cmd      *exec.Cmd
	endpoint string
	exited   chan struct{}
}

// startDynalite starts dynalite on a free loopback port and waits until it
// answers. A port taken between choosing and binding is retried.
func startDynalite() (*server, error) {
	bin, err := dynaliteBin()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 {
		srv, err := tryStart(bin)
		if err == nil {
			return srv, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func tryStart(bin string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
	cmd.SysProcAttr = sysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start dynalite: %w", err)
	}
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dynalite (is node installed?): %w", err)
	}
	srv := &server{cmd: cmd, endpoint: "http://127.0.0.1:" + strconv.Itoa(port), exited: make(chan struct{})}
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "listening") {
				close(listening)
				signalled = true
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	go func() {
		cmd.Wait()
		close(srv.exited)
	}()
	select {
	case <-listening:
	case <-srv.exited:
		return nil, fmt.Errorf("dynalite exited at start: %s", strings.TrimSpace(stderr.String()))
	case <-time.After(30 * time.Second):
		srv.stop()
		return nil, errors.New("dynalite did not start within 30s")
	}
	if err := srv.waitReady(10 * time.Second); err != nil {
		srv.stop()
		return nil, err
	}
	return srv, nil
}

// waitReady waits until the server answers a DynamoDB request.
func (s *server) waitReady(timeout time.Duration) error {
	c := dynamodb.New(dynamodb.Options{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(s.endpoint),
	})
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dynalite at %s does not answer: %w", s.endpoint, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills dynalite's process group and waits for it to exit.
func (s *server) stop() {
	killGroup(s.cmd)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// limitedWriter keeps the first n bytes written to it and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}
