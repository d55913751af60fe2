package localstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/infra/fixtures/story"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

const (
	order1001 = "shopify:thankyou-demo.myshopify.com:820982911946154508"
	order1002 = "shopify:thankyou-demo.myshopify.com:820982911946154521"
	order1003 = "shopify:thankyou-demo.myshopify.com:820982911946154515"
)

// syncBuffer collects every log line of the stack.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func root(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", ".."}, parts...)...)
}

// recorded is the path of a fixture of the recorded story (story.RefTime),
// which these tests replay with their own clock.
func recorded(t testing.TB, path string) string {
	t.Helper()
	p, err := story.RecordedFile(t.TempDir(), path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// startStack starts the local stack on a fresh table, with events/env.json
// and the overrides given (each "NAME=value").
func startStack(t *testing.T, clock *localstack.Clock, logs *syncBuffer, overrides ...string) *localstack.Stack {
	t.Helper()
	env, err := localstack.LoadEnvFile(root("events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, table := dynamotest.NewTable(t) // a fresh, uniquely named table
	override := map[string]string{"TABLE_NAME": table}
	for _, o := range overrides {
		k, v, _ := strings.Cut(o, "=")
		override[k] = v
	}
	s, err := localstack.Start(context.Background(), localstack.Options{
		Env:              env,
		Override:         override,
		DynamoDBEndpoint: dynamotest.Endpoint(),
		APIAddr:          "127.0.0.1:0",
		TwilioAddr:       "127.0.0.1:0",
		Now:              clock.Now,
		Logger:           slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSignedOrderBecomesOneDeliveredThankYou runs the product's main path
// through real HTTP on loopback: Shopify's deliveries (fixtures), the
// scheduled dispatcher (the fixture's event time), the local Twilio
// server's signed status callbacks and a customer's STOP.
func TestSignedOrderBecomesOneDeliveredThankYou(t *testing.T) {
	ctx := context.Background()
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	logs := &syncBuffer{}
	s := startStack(t, clock, logs)

	for _, tc := range []struct {
		fixture string
		status  int
	}{
		{"shopify-orders-create.json", http.StatusCreated},
		{"shopify-duplicate.json", http.StatusOK},
		{"shopify-second-order.json", http.StatusCreated},
		{"shopify-no-phone.json", http.StatusCreated},
		{"shopify-bad-signature.json", http.StatusUnauthorized},
		{"shopify-missing-signature.json", http.StatusUnauthorized},
		{"shopify-malformed.json", http.StatusBadRequest},
		{"shopify-other-topic.json", http.StatusOK},
	} {
		ev, err := localstack.LoadHTTPEvent(recorded(t, "order-webhook/"+tc.fixture))
		if err != nil {
			t.Fatal(err)
		}
		status, body, err := localstack.PostEvent(ctx, s.APIURL, ev)
		if err != nil {
			t.Fatal(err)
		}
		if status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.fixture, status, body, tc.status)
		}
	}

	// The next day the London customer texts STOP.
	clock.Advance(24 * time.Hour)
	status, _, err := s.Twilio.SendInbound(ctx, s.APIURL+"/twilio/inbound", "+447911123456", "+15005550006", "STOP")
	if err != nil || status != http.StatusOK {
		t.Fatalf("STOP: %d, %v", status, err)
	}

	// The schedule fires (the fixture's event, at its own time).
	b, err := story.Recorded("dispatcher/sweep-three-days-later.json")
	if err != nil {
		t.Fatal(err)
	}
	var tick events.EventBridgeEvent
	if err := json.Unmarshal(b, &tick); err != nil {
		t.Fatal(err)
	}
	// The fixture's tick is Thursday 26 November, 72 h after the order:
	// Thanksgiving, when nobody is contacted. The same tick a day later
	// finds order 1001 due (Friday 10:00 in New York).
	tick.Time = tick.Time.Add(24 * time.Hour)
	clock.Set(tick.Time)
	sum, err := s.Dispatcher.Handle(ctx, tick)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Sent != 1 || sum.OptedOut != 1 {
		t.Errorf("dispatcher run = %+v, want 1 sent and 1 opted out", sum)
	}
	msgs := s.Twilio.Messages()
	if len(msgs) != 1 {
		t.Fatalf("Twilio accepted %d messages, want 1", len(msgs))
	}
	if msgs[0].To != "+12125550123" || !strings.HasPrefix(msgs[0].Body, "Hi Jane, thank you for your order #1001") {
		t.Errorf("message to %s: %q", msgs[0].To, msgs[0].Body)
	}

	// The local Twilio reports sent, then delivered, to the Twilio webhook.
	waitFor(t, "the delivered callback", func() bool {
		task, err := s.DynamoDB.GetTask(ctx, order1001)
		return err == nil && task.State == thankyou.StateDelivered
	})

	clock.Advance(5 * time.Minute)
	if sum, err := s.Dispatcher.Handle(ctx, tick); err != nil || sum.Sent != 0 {
		t.Errorf("second run = %+v, %v; want nothing sent", sum, err)
	}
	if n := s.Twilio.Requests(); n != 1 {
		t.Errorf("Twilio got %d create requests, want 1", n)
	}

	for id, want := range map[string]thankyou.State{
		order1001: thankyou.StateDelivered,
		order1002: thankyou.StateOptedOut,
		order1003: thankyou.StateSkipped,
	} {
		task, err := s.DynamoDB.GetTask(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.State != want {
			t.Errorf("task %s = %s (%s), want %s", id, task.State, task.Reason, want)
		}
	}

	// Personal data never appears in clear in any log line.
	all := logs.String()
	if !strings.Contains(all, "thank-you sent") {
		t.Fatalf("logs were not collected:\n%s", all)
	}
	for _, pii := range []string{"2125550123", "7911123456", "07911", "Jane", "Doe", "Amelia", "Clarke", "Sam Lee", "@example.com"} {
		for _, line := range strings.Split(all, "\n") {
			if strings.Contains(line, pii) {
				t.Errorf("a log line contains %q: %s", pii, line)
			}
		}
	}
}

// TestTakenAddressFailsTheStartCleanly: a taken API or Twilio address is a
// PortInUseError naming it, without a panic, and the stack's other parts
// are stopped (the Twilio address is free again).
func TestTakenAddressFailsTheStartCleanly(t *testing.T) {
	env, err := localstack.LoadEnvFile(root("events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, service := range []string{localstack.ServiceAPI, localstack.ServiceTwilio} {
		t.Run(service, func(t *testing.T) {
			busy, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			free, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			freeAddr := free.Addr().String()
			free.Close()
			o := localstack.Options{Env: env, DynamoDBEndpoint: dynamotest.Endpoint(),
				APIAddr: freeAddr, TwilioAddr: busy.Addr().String(),
				Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
			if service == localstack.ServiceAPI {
				o.APIAddr, o.TwilioAddr = busy.Addr().String(), freeAddr
			}
			_, table := dynamotest.NewTable(t)
			o.Override = map[string]string{"TABLE_NAME": table}
			s, err := localstack.Start(context.Background(), o)
			var inUse *localstack.PortInUseError
			if s != nil || !errors.As(err, &inUse) || inUse.Service != service || inUse.Addr != busy.Addr().String() {
				t.Fatalf("Start = %v, %v; want a PortInUseError for %s at %s", s, err, service, busy.Addr())
			}
			if c, err := net.DialTimeout("tcp", freeAddr, 200*time.Millisecond); err == nil {
				c.Close()
				t.Errorf("%s still answers after the failed start", freeAddr)
			}
		})
	}
}
