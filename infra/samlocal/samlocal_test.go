package samlocal

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/infra/lambdaemu"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// The story's order, customer and task (events/README.md).
const (
	order1001 = "shopify:thankyou-demo.myshopify.com:820982911946154508"
	customer  = "+12125550123"
)

// functionOf is the template's logical id of the function each fixture
// directory is for.
var functionOf = map[string]string{
	"order-webhook":  localstack.OrderWebhookID,
	"dispatcher":     localstack.DispatcherID,
	"twilio-webhook": localstack.TwilioWebhookID,
}

// row is one line of the fixtures table: what to play, what it must give.
type row struct{ path, outcome string }

// rows reads the fixtures table of events/README.md, in its order.
func rows(t *testing.T, readme []byte) []row {
	t.Helper()
	var out []row
	for line := range strings.Lines(string(readme)) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		path := strings.Trim(cells[0], "`")
		if !strings.HasSuffix(path, ".json") || path == "env.json" {
			continue
		}
		out = append(out, row{path: path, outcome: cells[len(cells)-1]})
	}
	if len(out) < 50 {
		t.Fatalf("events/README.md lists %d fixtures, want them all", len(out))
	}
	return out
}

// run runs a command from the repository root and fails the test with its
// output if it fails.
func run(t *testing.T, dir string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// function is a built bootstrap and the environment sam local gives it.
type function struct {
	id, bin string
	env     []string
}

// invoke runs the bootstrap for one event, as `sam local invoke` does (a
// fresh process each time), and returns its answer.
func (f function) invoke(t *testing.T, payload []byte) []byte {
	t.Helper()
	api, err := lambdaemu.NewRuntimeAPI(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	cmd := exec.Command(f.bin)
	cmd.Env = append(slices.Clone(f.env), "AWS_LAMBDA_RUNTIME_API="+api.Addr)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	id := fmt.Sprintf("%s-%d", f.id, time.Now().UnixNano())
	inv := lambdaemu.Invocation{ID: id, Payload: payload, Deadline: time.Now().Add(2 * time.Minute),
		ARN: "arn:aws:lambda:us-east-1:123456789012:function:" + f.id}
	select {
	case api.Offers <- inv:
	case err := <-exited:
		exited <- err
		t.Fatalf("%s exited before asking for its event: %v\n%s", f.id, err, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not ask for its event within 30s\n%s", f.id, logs.String())
	}
	select {
	case a := <-api.Answers:
		if a.Kind != "response" || a.ID != id {
			t.Fatalf("%s answered %s %s: %s\n%s", f.id, a.Kind, a.ID, a.Body, logs.String())
		}
		return a.Body
	case err := <-exited:
		exited <- err
		t.Fatalf("%s exited during its event: %v\n%s", f.id, err, logs.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s did not answer within 2 minutes\n%s", f.id, logs.String())
	}
	return nil
}

// samLocalEnv is the environment `sam local invoke --env-vars env.json`
// gives a function: the file's variables, with host.docker.internal (the
// container's way to the host) mapped to the services' loopback addresses,
// and what sam local itself sets.
func samLocalEnv(vars map[string]string, hostPorts map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"AWS_SAM_LOCAL=true", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST"}
	for k, v := range vars {
		for docker, local := range hostPorts {
			v = strings.ReplaceAll(v, docker, local)
		}
		env = append(env, k+"="+v)
	}
	return env
}

// Outcomes: "201 `created`: …" for an HTTP answer; "(summary `due` 0,
// `sent` at least 1)" for a dispatcher run.
var (
	httpOutcome    = regexp.MustCompile("^(\\d{3})(?: `([a-z_]+)`)?")
	summaryOutcome = regexp.MustCompile("`([a-zA-Z]+)` (at least )?(\\d+)")
)

// check compares a function's answer with the fixture's documented outcome.
func check(t *testing.T, r row, answer []byte) {
	t.Helper()
	if strings.HasPrefix(r.path, "dispatcher/") {
		var sum map[string]int
		if err := json.Unmarshal(answer, &sum); err != nil {
			t.Fatalf("%s: summary %s: %v", r.path, answer, err)
		}
		ms := summaryOutcome.FindAllStringSubmatch(r.outcome, -1)
		if len(ms) == 0 {
			t.Fatalf("%s: the outcome %q gives no summary figure to check", r.path, r.outcome)
		}
		for _, m := range ms {
			want, _ := strconv.Atoi(m[3])
			got, ok := sum[m[1]]
			if !ok || m[2] == "" && got != want || m[2] != "" && got < want {
				t.Errorf("%s: summary %s, want `%s` %s%d (%s)", r.path, answer, m[1], m[2], want, r.outcome)
			}
		}
		return
	}
	m := httpOutcome.FindStringSubmatch(r.outcome)
	if m == nil {
		t.Fatalf("%s: the outcome %q starts with no HTTP status", r.path, r.outcome)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(answer, &resp); err != nil {
		t.Fatalf("%s: answer %s: %v", r.path, answer, err)
	}
	if want, _ := strconv.Atoi(m[1]); resp.StatusCode != want {
		t.Errorf("%s: %d %s, want %s", r.path, resp.StatusCode, resp.Body, r.outcome)
	}
	if m[2] != "" {
		var body struct{ Status, Error string }
		_ = json.Unmarshal([]byte(resp.Body), &body)
		if body.Status != m[2] && body.Error != m[2] {
			t.Errorf("%s: %d %s, want %s", r.path, resp.StatusCode, resp.Body, r.outcome)
		}
	}
}

// TestSAMLocalInvokePlaysEveryFixtureAsDocumented is events/README.md's
// promise, kept with the real binaries on today's clock.
func TestSAMLocalInvokePlaysEveryFixtureAsDocumented(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	ctx := context.Background()
	start := time.Now()

	// sam build: the Makefile's build-<LogicalId> targets, for this
	// machine's architecture family; and the operators' tool.
	fns := map[string]*function{}
	for _, id := range []string{localstack.OrderWebhookID, localstack.DispatcherID, localstack.TwilioWebhookID} {
		out := filepath.Join(tmp, "build", id)
		run(t, root, "make", "-s", "--no-print-directory", "build-"+id, "ARTIFACTS_DIR="+out, "LAMBDA_ARCH="+runtime.GOARCH)
		fns[id] = &function{id: id, bin: filepath.Join(out, "bootstrap")}
	}
	thankyouBin := filepath.Join(tmp, "thankyou")
	run(t, root, "go", "build", "-o", thankyouBin, "./cmd/thankyou")

	t.Logf("built in %s", time.Since(start).Round(time.Millisecond))
	// make events, with today's clock, into a directory of the test's own.
	eventsDir := filepath.Join(tmp, "events")
	run(t, root, "make", "-s", "--no-print-directory", "events", "EVENTS="+eventsDir)
	envs, err := localstack.LoadEnvFile(filepath.Join(eventsDir, "env.json"))
	if err != nil {
		t.Fatal(err)
	}

	// make dynamodb: dynalite with the table, and the local Twilio.
	stack, err := localstack.Start(ctx, localstack.Options{
		Env: envs, ServicesOnly: true, DynamoDBAddr: "127.0.0.1:0", TwilioAddr: "127.0.0.1:0",
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Close()
	dynamoHost := strings.TrimPrefix(stack.DynamoDBEndpoint, "http://")
	twilioHost := strings.TrimPrefix(stack.Twilio.URL(), "http://")
	hostPorts := map[string]string{"host.docker.internal:8000": dynamoHost, "host.docker.internal:8001": twilioHost}
	for id, f := range fns {
		vars, ok := envs[id]
		if !ok {
			t.Fatalf("events/env.json has no %s", id)
		}
		f.env = samLocalEnv(vars, hostPorts)
	}
	store := dynamo.New(stack.Client, stack.Table, dynamo.Options{})
	task := func(id string) thankyou.Task {
		t.Helper()
		got, err := store.GetTask(ctx, id)
		if err != nil {
			t.Fatalf("task %s: %v", id, err)
		}
		return got
	}

	readme, err := os.ReadFile(filepath.Join(eventsDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// sid is order 1001's message, as the local Twilio names it.
	sid := twiliotest.DerivedSID(twilio.StatusCallbackURL(envs[localstack.DispatcherID]["PUBLIC_BASE_URL"], order1001), 0)
	for _, r := range rows(t, readme) {
		dir, _, _ := strings.Cut(r.path, "/")
		f, ok := fns[functionOf[dir]]
		if !ok {
			t.Fatalf("%s: no function for %s/", r.path, dir)
		}
		payload, err := os.ReadFile(filepath.Join(eventsDir, filepath.FromSlash(r.path)))
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		answer := f.invoke(t, payload)
		if d := time.Since(began); d > time.Second {
			t.Logf("%s took %s", r.path, d.Round(time.Millisecond))
		}
		check(t, r, answer)

		// The story of the README, step by step.
		switch r.path {
		case "order-webhook/shopify-orders-create.json":
			if got := task(order1001); got.State != thankyou.StatePending || got.Recipient != customer || got.DueAt.Before(time.Now().Add(71*time.Hour)) {
				t.Errorf("after the order: task %s for %s due %s, want pending for %s three days on", got.State, got.Recipient, got.DueAt, customer)
			}
		case "dispatcher/sweep-three-days-later.json":
			// Sent, and left for its status callback (the next fixture) to record.
			if got := task(order1001); got.State != thankyou.StateSending || got.MessageSID != "" {
				t.Errorf("after the sweep: task %s with %q, want sending, for its status callback", got.State, got.MessageSID)
			}
			sent := false
			for _, m := range stack.Twilio.Messages() {
				sent = sent || m.To == customer && strings.Contains(m.Body, "Jane") && m.SID == sid
			}
			if !sent {
				t.Errorf("the local Twilio got no thank-you for Jane as %s: %+v", sid, stack.Twilio.Messages())
			}
		case "twilio-webhook/status-sent.json":
			if got := task(order1001); got.State != thankyou.StateSent || got.MessageSID != sid {
				t.Errorf("after the first status callback: task %s with %q, want sent with %s", got.State, got.MessageSID, sid)
			}
		case "twilio-webhook/status-delivered.json":
			if got := task(order1001); got.State != thankyou.StateDelivered || got.MessageSID != sid {
				t.Errorf("after the status callback: task %s with %q, want delivered with %s", got.State, got.MessageSID, sid)
			}
		case "twilio-webhook/inbound-stop.json":
			if out, err := store.OptedOut(ctx, customer); err != nil || !out {
				t.Errorf("after STOP: opted out %v, %v; want true", out, err)
			}
			// thankyou tasks list, with the line the README gives.
			cmd := exec.Command(thankyouBin, "tasks", "list")
			cmd.Env = append(os.Environ(), "AWS_ENDPOINT_URL_DYNAMODB="+stack.DynamoDBEndpoint, "AWS_REGION=us-east-1",
				"AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "TABLE_NAME="+stack.Table)
			out, err := cmd.CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte(order1001)) || !regexp.MustCompile(regexp.QuoteMeta(order1001)+`\s+delivered`).Match(out) {
				t.Errorf("thankyou tasks list: %v\n%s\nwant order 1001's task delivered", err, out)
			}
		}
	}
	if t.Failed() {
		return
	}
	// Nothing in the story reached a real Twilio or a real DynamoDB: every
	// message the functions sent is the local Twilio's.
	if n := len(stack.Twilio.Messages()); n == 0 {
		t.Error("the local Twilio got no message at all")
	}
}
