package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

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
