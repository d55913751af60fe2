package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// localAWS points the SDK's standard settings at endpoint, with dummy
// credentials and no retries, whatever the machine's own AWS settings.
func localAWS(t *testing.T, endpoint string) {
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
	t.Setenv("AWS_REGION", dynamotest.Region)
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("TABLE_NAME", "")
}

func TestToolExitsWithStatusAndAdvice(t *testing.T) {
	_, table := dynamotest.NewTable(t)
	tests := []struct {
		name     string
		endpoint string
		args     []string
		code     int
		stdout   string
		stderr   string
	}{
		{"help", dynamotest.Endpoint(), []string{"help"}, 0, "tasks list --upcoming", ""},
		{"--help", dynamotest.Endpoint(), []string{"--help"}, 0, "customers erase", ""},
		{"no command", dynamotest.Endpoint(), nil, 2, "", "Usage: thankyou"},
		{"no table", dynamotest.Endpoint(), []string{"tasks", "list"}, 2, "", "pass --table NAME or set TABLE_NAME"},
		{"unknown command", dynamotest.Endpoint(), []string{"--table", table, "orders", "list"}, 2, "", "unknown command"},
		{"a table that is not there", dynamotest.Endpoint(), []string{"--table", "no-such-table", "tasks", "list"}, 1, "", `there is no table "no-such-table" here`},
		{"nothing listening", "http://127.0.0.1:1", []string{"--table", table, "shops", "list"}, 1, "", "start the local stack"},
		{"the wiring works", dynamotest.Endpoint(), []string{"--table", table, "tasks", "list"}, 0, "No tasks match.", ""},
		{"summary", dynamotest.Endpoint(), []string{"--table", table, "summary", "--since", "2026-11-01", "--json"}, 0, `"ordersReceived": 0`, ""},
		{"the table after the command", dynamotest.Endpoint(), []string{"tasks", "list", "--table", table, "--state", "failed"}, 0, "No tasks match.", ""},
		{"flags before the command", dynamotest.Endpoint(), []string{"--table=" + table, "--state", "failed", "tasks", "list"}, 0, "No tasks match.", ""},
		{"a bad state is a usage error", dynamotest.Endpoint(), []string{"--table", table, "tasks", "list", "--state", "lost"}, 2, "", "not a task state"},
		{"a minimum total that is not an amount is a usage error", dynamotest.Endpoint(), []string{"--table", table, "shops", "put", "--source", "shopify", "--id", "a", "--name", "A", "--secret-ref", "/thankyou/shops/a", "--min-total", "0x1p4"}, 2, "", "--min-total"},
		{"a bad date is a usage error", dynamotest.Endpoint(), []string{"--table", table, "summary", "--since", "yesterday"}, 2, "", "write a day like"},
		{"an unknown flag is a usage error", dynamotest.Endpoint(), []string{"--table", table, "tasks", "show", "--task", "x"}, 2, "", "tasks show --id TASK_ID"},
		{"a group without its command", dynamotest.Endpoint(), []string{"--table", table, "tasks"}, 2, "", "expected one of `tasks list`"},
		{"--version", dynamotest.Endpoint(), []string{"--version"}, 0, "thankyou ", ""},
		{"the dashboard listens on loopback only", dynamotest.Endpoint(), []string{"--table", table, "dashboard", "--addr", "0.0.0.0:0"}, 1, "", "loopback only"},
		{"the dashboard's flags", dynamotest.Endpoint(), []string{"--table", table, "dashboard", "--port", "80"}, 2, "", "dashboard [--addr 127.0.0.1:0] [--open]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			localAWS(t, tt.endpoint)
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, streams{out: &out, err: &errOut})
			if code != tt.code || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, out.String(), errOut.String(), tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

// TestHelpAtEveryLevelShowsOnlyWhatWasAskedFor: help, --help and -h give
// the whole usage, a group's or one command's, on stdout with status 0;
// a usage error gives only the relevant usage, on stderr with status 2.
func TestHelpAtEveryLevelShowsOnlyWhatWasAskedFor(t *testing.T) {
	localAWS(t, dynamotest.Endpoint())
	tests := []struct {
		args       []string
		code       int
		has, hasNo []string
	}{
		{[]string{"help"}, 0, []string{"tasks list --upcoming", "customers erase", "staff put", "summary --since"}, nil},
		{[]string{"-h"}, 0, []string{"shops put", "summary --since"}, nil},
		{[]string{"tasks", "--help"}, 0, []string{"tasks list", "tasks retry", "STATE is one of"}, []string{"shops put", "customers erase"}},
		{[]string{"help", "tasks"}, 0, []string{"tasks show", "tasks cancel"}, []string{"staff put"}},
		{[]string{"tasks", "list", "--help"}, 0, []string{"tasks list [--source", "--upcoming", "DATE is a day"}, []string{"tasks retry", "shops put"}},
		{[]string{"help", "tasks", "list"}, 0, []string{"tasks list [--source"}, []string{"tasks cancel"}},
		{[]string{"--help", "tasks", "list", "--state", "failed"}, 0, []string{"tasks list [--source"}, []string{"tasks cancel"}},
		{[]string{"summary", "-h"}, 0, []string{"summary --since DATE"}, []string{"tasks list"}},
		{[]string{"shops", "put", "--help"}, 0, []string{"changes only the settings given", "--window HH:MM-HH:MM"}, []string{"tasks list"}},
		{[]string{"staff", "--help"}, 0, []string{"fewest open calls"}, []string{"issue", "does not use the roster"}},
		{[]string{"help", "orders"}, 2, []string{"unknown command", "Usage: thankyou"}, nil},
		{[]string{"--table", "t", "tasks", "show", "--nope"}, 2, []string{"tasks show --id TASK_ID"}, []string{"tasks list", "shops put"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), tt.args, streams{out: &out, err: &errOut})
			text := out.String()
			if tt.code != 0 {
				text = errOut.String()
				if out.Len() != 0 {
					t.Errorf("a usage error wrote to stdout: %q", out.String())
				}
			} else if errOut.Len() != 0 {
				t.Errorf("help wrote to stderr: %q", errOut.String())
			}
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, text)
			}
			for _, s := range tt.has {
				if !strings.Contains(text, s) {
					t.Errorf("output lacks %q:\n%s", s, text)
				}
			}
			for _, s := range tt.hasNo {
				if strings.Contains(text, s) {
					t.Errorf("output has %q, which is not about what was asked:\n%s", s, text)
				}
			}
		})
	}
}

// TestDashboardServesTheTableUntilStopped: `thankyou dashboard` prints its
// address with the key, answers on it, and stops with its context.
func TestDashboardServesTheTableUntilStopped(t *testing.T) {
	_, table := dynamotest.NewTable(t)
	localAWS(t, dynamotest.Endpoint())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--table", table, "dashboard"}, streams{out: &out, err: &errOut}) }()
	addr := regexp.MustCompile(`http://127\.0\.0\.1:\d+/[0-9a-f]{32}/`)
	deadline := time.Now().Add(10 * time.Second)
	for addr.FindString(out.String()) == "" && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	u := addr.FindString(out.String())
	if u == "" {
		t.Fatalf("no address printed: %q %q", out.String(), errOut.String())
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d after stopping: %s", code, errOut.String())
	}
}

// syncBuffer is a buffer written by the tool and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
