package orderhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/infra/fixtures/story"
	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/orderwebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

const (
	order1001 = "shopify:thankyou-demo.myshopify.com:820982911946154508"
	order1002 = "shopify:thankyou-demo.myshopify.com:820982911946154521"
	order1003 = "shopify:thankyou-demo.myshopify.com:820982911946154515"
)

// received is when the fixtures' deliveries arrive: 23 Nov 2026, 16:00:02 UTC.
var received = time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC)

type fixture struct {
	// coldStart builds the handler again on the same table, as a new
	// Lambda instance would: nothing cached.
	coldStart func()
	h         *orderhook.Handler
	store     *dynamo.Store
	client    *dynamodb.Client
	table     string
}

// newFixture builds the order webhook exactly as its Lambda main does, from
// events/env.json (the local secret), against a fresh dynalite table.
func newFixture(t testing.TB, override map[string]string) *fixture {
	t.Helper()
	return newLoggingFixture(t, override, io.Discard)
}

// newLoggingFixture is newFixture with the handler's JSON log written to w.
func newLoggingFixture(t testing.TB, override map[string]string, w io.Writer) *fixture {
	t.Helper()
	client, table := dynamotest.NewTable(t)
	return fixtureOn(t, client, table, override, w)
}

// fixtureOn is newLoggingFixture on a table that exists, through client.
func fixtureOn(t testing.TB, client *dynamodb.Client, table string, override map[string]string, w io.Writer) *fixture {
	t.Helper()
	env, err := localstack.LoadEnvFile(filepath.Join("..", "..", "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(k string) string {
		if k == "TABLE_NAME" {
			return table
		}
		if v, ok := override[k]; ok {
			return v
		}
		return env[localstack.OrderWebhookID][k]
	}
	cfg, err := config.LoadOrderWebhook(get)
	if err != nil {
		t.Fatal(err)
	}
	deps := app.Deps{
		DynamoDB: client,
		Secrets:  &secret.Resolver{},
		Logger:   slog.New(slog.NewJSONHandler(w, nil)),
		Now:      func() time.Time { return received },
	}
	h, err := orderwebhook.New(context.Background(), cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{h: h, store: dynamo.New(client, table, dynamo.Options{}), client: client, table: table}
	f.coldStart = func() {
		t.Helper()
		if f.h, err = orderwebhook.New(context.Background(), cfg, deps); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func loadEvent(t testing.TB, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := story.Recorded("order-webhook/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ev
}

func (f *fixture) post(t *testing.T, ev events.APIGatewayV2HTTPRequest) (int, map[string]string) {
	t.Helper()
	resp, err := f.h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatalf("Handle returned an error (API Gateway would answer 500): %v", err)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &raw); err != nil {
		t.Fatalf("answer is not JSON: %q", resp.Body)
	}
	body := make(map[string]string, len(raw))
	for k, v := range raw {
		if s, ok := v.(string); ok {
			body[k] = s
		} else {
			b, _ := json.Marshal(v)
			body[k] = string(b)
		}
	}
	return resp.StatusCode, body
}

// tasks counts the task items in the table.
func (f *fixture) tasks(t *testing.T) int {
	t.Helper()
	out, err := f.client.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:                 aws.String(f.table),
		Select:                    types.SelectCount,
		FilterExpression:          aws.String("begins_with(pk, :task)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":task": &types.AttributeValueMemberS{Value: "TASK#"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// items counts every item in the table.
func (f *fixture) items(t *testing.T) int {
	t.Helper()
	out, err := f.client.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(f.table), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

func (f *fixture) rawItem(t *testing.T, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := f.client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(f.table),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "TASK#" + id}, "sk": &types.AttributeValueMemberS{Value: "TASK"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func TestSignedShopifyOrderCreatesOneTaskDueInTheCustomersHours(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	london, _ := time.LoadLocation("Europe/London")
	for _, tc := range []struct {
		fixture, task, recipient, zone string
		due                            time.Time
	}{
		// Placed Monday 11:00 in New York: 72 h later is Thursday 11:00
		// there, inside 10–17, but Thanksgiving: due Friday at 10:00.
		{"shopify-orders-create.json", order1001, "+12125550123", "America/New_York", time.Date(2026, 11, 27, 10, 0, 0, 0, ny)},
		{"shopify-orders-create-base64.json", order1001, "+12125550123", "America/New_York", time.Date(2026, 11, 27, 10, 0, 0, 0, ny)},
		// A London customer (billing phone 07911 123456, GB) is thanked in London's hours.
		{"shopify-second-order.json", order1002, "+447911123456", "Europe/London", time.Time{}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			f := newFixture(t, nil)
			status, body := f.post(t, loadEvent(t, tc.fixture))
			if status != http.StatusCreated || body["status"] != "created" || body["task"] != tc.task {
				t.Fatalf("answer = %d %v, want 201 created %s", status, body, tc.task)
			}
			if n := f.tasks(t); n != 1 {
				t.Errorf("table holds %d tasks, want 1", n)
			}
			got, err := f.store.GetTask(context.Background(), tc.task)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != thankyou.StatePending || got.Recipient != tc.recipient || !strings.Contains(got.TimeZone, tc.zone) {
				t.Errorf("task = %s to %s in %q, want pending to %s in %s", got.State, got.Recipient, got.TimeZone, tc.recipient, tc.zone)
			}
			if !tc.due.IsZero() && !got.DueAt.Equal(tc.due) {
				t.Errorf("due = %s, want %s", got.DueAt.In(ny), tc.due)
			}
			local := got.DueAt.In(london)
			if tc.zone == "Europe/London" && (local.Hour() < 10 || local.Hour() >= 17 || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday) {
				t.Errorf("due %s is outside London's Mon–Fri 10:00–17:00", local)
			}
			// The delay counts from the order, or from its receipt when the
			// shop's clock is ahead of ours.
			placed := got.Order.CreatedAt
			if placed.After(received) {
				placed = received
			}
			if want := placed.Add(72 * time.Hour); got.DueAt.Before(want) {
				t.Errorf("due %s is before order time + 72h (%s)", got.DueAt, want)
			}
			if want := got.DueAt.Add(72 * time.Hour); !got.Deadline.Equal(want) {
				t.Errorf("deadline = %s, want due + EXPIRE_AFTER = %s", got.Deadline, want)
			}
		})
	}
}

func TestDuplicateDeliveryChangesNothing(t *testing.T) {
	f := newFixture(t, nil)
	if status, _ := f.post(t, loadEvent(t, "shopify-orders-create.json")); status != http.StatusCreated {
		t.Fatalf("first delivery: %d, want 201", status)
	}
	before := f.rawItem(t, order1001)
	for _, fx := range []string{"shopify-duplicate.json", "shopify-orders-create.json", "shopify-orders-create-base64.json"} {
		status, body := f.post(t, loadEvent(t, fx))
		if status != http.StatusOK || body["status"] != "duplicate" {
			t.Errorf("%s: %d %v, want 200 duplicate", fx, status, body)
		}
	}
	if n := f.tasks(t); n != 1 {
		t.Errorf("table holds %d tasks, want 1", n)
	}
	after := f.rawItem(t, order1001)
	if len(before) != len(after) {
		t.Fatalf("item changed: %d attributes, then %d", len(before), len(after))
	}
	for k, v := range before {
		if !equalAV(v, after[k]) {
			t.Errorf("attribute %s changed by a repeated delivery", k)
		}
	}
}

func equalAV(a, b types.AttributeValue) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestFiftyConcurrentIdenticalDeliveriesCreateOneTask(t *testing.T) {
	f := newFixture(t, nil)
	ev := loadEvent(t, "shopify-orders-create.json")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
	)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := f.h.Handle(context.Background(), ev)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			statuses[resp.StatusCode]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != 49 {
		t.Errorf("answers = %v, want one 201 and 49 200", statuses)
	}
	if n := f.tasks(t); n != 1 {
		t.Errorf("table holds %d tasks, want 1", n)
	}
}

func TestRejectedDeliveriesAnswerAJSONErrorAndWriteNothing(t *testing.T) {
	oversize := loadEvent(t, "shopify-orders-create.json")
	oversize.Body = `{"id":1,"note":"` + strings.Repeat("x", 300<<10) + `"}`
	unknown := loadEvent(t, "shopify-orders-create.json")
	unknown.PathParameters = map[string]string{"source": "magento"}
	notBase64 := loadEvent(t, "shopify-orders-create.json")
	notBase64.IsBase64Encoded = true
	for _, tc := range []struct {
		name   string
		ev     events.APIGatewayV2HTTPRequest
		status int
		code   string
		says   string
	}{
		{"bad signature", loadEvent(t, "shopify-bad-signature.json"), 401, thankyou.EUNAUTHORIZED, "signature"},
		{"missing signature", loadEvent(t, "shopify-missing-signature.json"), 401, thankyou.EUNAUTHORIZED, "signature"},
		{"malformed JSON", loadEvent(t, "shopify-malformed.json"), 400, thankyou.EINVALID, "JSON"},
		{"body over 256 KiB", oversize, 400, thankyou.ETOOLARGE, "256 KiB"},
		{"body marked base64 that is not", notBase64, 400, thankyou.EINVALID, "base64"},
		{"unknown source", unknown, 404, thankyou.ENOTFOUND, "magento"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			status, body := f.post(t, tc.ev)
			if status != tc.status || body["error"] != tc.code {
				t.Errorf("answer = %d %v, want %d with error %q", status, body, tc.status, tc.code)
			}
			if !strings.Contains(strings.ToLower(body["message"]), strings.ToLower(tc.says)) {
				t.Errorf("message %q does not name the problem (%q)", body["message"], tc.says)
			}
			if n := f.items(t); n != 0 {
				t.Errorf("table holds %d items, want 0", n)
			}
		})
	}
}

func TestOrderWithoutPhoneIsRecordedAsSkippedWithItsReason(t *testing.T) {
	f := newFixture(t, nil)
	status, body := f.post(t, loadEvent(t, "shopify-no-phone.json"))
	if status != http.StatusCreated || body["state"] != string(thankyou.StateSkipped) || body["reason"] == "" {
		t.Fatalf("answer = %d %v, want 201 with state skipped and a reason", status, body)
	}
	got, err := f.store.GetTask(context.Background(), order1003)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != thankyou.StateSkipped || got.Reason != "no usable phone number" || got.ExpiresAt.IsZero() {
		t.Errorf("task = %s (%q) expires %s, want skipped, no usable phone number, with a retention expiry", got.State, got.Reason, got.ExpiresAt)
	}
	due, err := f.store.DueTaskIDs(context.Background(), received.Add(365*24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 0 {
		t.Errorf("a skipped task is in the due index: %v", due)
	}
}

func TestOtherTopicIsAcknowledgedAndNothingIsStored(t *testing.T) {
	f := newFixture(t, nil)
	status, body := f.post(t, loadEvent(t, "shopify-other-topic.json"))
	if status != http.StatusOK || body["status"] != "ignored" {
		t.Errorf("answer = %d %v, want 200 ignored", status, body)
	}
	if n := f.items(t); n != 0 {
		t.Errorf("table holds %d items, want 0", n)
	}
}

func TestStaffChannelTaskGoesToTheStaffMemberInTheCustomersHours(t *testing.T) {
	f := newFixture(t, map[string]string{"CHANNEL": "staff", "STAFF_PHONE": "+12125550199"})
	if status, _ := f.post(t, loadEvent(t, "shopify-orders-create.json")); status != http.StatusCreated {
		t.Fatalf("status %d, want 201", status)
	}
	got, err := f.store.GetTask(context.Background(), order1001)
	if err != nil {
		t.Fatal(err)
	}
	if got.Channel != thankyou.ChannelStaff || got.Recipient != "+12125550199" || got.Order.Phone != "+12125550123" {
		t.Errorf("task channel %s to %s for customer %s, want staff to +12125550199 for +12125550123", got.Channel, got.Recipient, got.Order.Phone)
	}
}

func TestLateDeliveryIsNeverDueInThePastAndAStaleOneIsNotThanked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after time.Duration
		state thankyou.State
	}{
		// Delivered four days after the order (delay 72h, expiry 72h): due
		// from now on, inside the window.
		{"four days late", 4 * 24 * time.Hour, thankyou.StatePending},
		// Delivered ten days after: past the whole thank-you period.
		{"ten days late", 10 * 24 * time.Hour, thankyou.StateSkipped},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			later := received.Add(tc.after)
			f.h.Now = func() time.Time { return later }
			if status, _ := f.post(t, loadEvent(t, "shopify-orders-create.json")); status != http.StatusCreated {
				t.Fatalf("status %d, want 201", status)
			}
			got, err := f.store.GetTask(context.Background(), order1001)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tc.state {
				t.Fatalf("task = %s (%q), want %s", got.State, got.Reason, tc.state)
			}
			if tc.state == thankyou.StatePending && got.DueAt.Before(later) {
				t.Errorf("due %s is before the delivery arrived (%s)", got.DueAt, later)
			}
			if tc.state == thankyou.StateSkipped && !strings.Contains(got.Reason, "too long ago") {
				t.Errorf("reason %q does not say the order is too old", got.Reason)
			}
		})
	}
}
