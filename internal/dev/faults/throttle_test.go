package faults_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go"

	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/dispatcher"
	"github.com/thankyoucalls/thankyoucalls/internal/app/orderwebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dispatch"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// sdkEnvironment points the AWS SDK's standard configuration, as the
// Lambdas load it (internal/app.AWSDeps), at endpoint with local
// credentials, and clears every setting of the machine's own that would
// change it (profiles, retry mode, attempts).
func sdkEnvironment(t *testing.T, endpoint string) {
	t.Helper()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":   endpoint,
		"AWS_ENDPOINT_URL":            "",
		"AWS_REGION":                  dynamotest.Region,
		"AWS_ACCESS_KEY_ID":           "local",
		"AWS_SECRET_ACCESS_KEY":       "local",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
		"AWS_RETRY_MODE":              "",
		"AWS_MAX_ATTEMPTS":            "",
		"AWS_EC2_METADATA_DISABLED":   "true",
	} {
		t.Setenv(k, v)
	}
}

// shopifyOrder is events/order-webhook/shopify-orders-create.json made into
// order i: its own id, number, customer phone and webhook id, signed.
func shopifyOrder(t *testing.T, i int) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev := loadEvent(t, "order-webhook", "shopify-orders-create.json")
	id := fmt.Sprint(820982911946200000 + i)
	body := strings.NewReplacer(
		"820982911946154508", id,
		`"order_number":1001`, fmt.Sprintf(`"order_number":%d`, 5000+i),
		`"name":"#1001"`, fmt.Sprintf(`"name":"#%d"`, 5000+i),
		"(212) 555-0123", fmt.Sprintf("(212) 555-%04d", 2000+i),
		"+12125550123", recipient(2000+i),
	).Replace(ev.Body)
	if body == ev.Body || !strings.Contains(body, id) {
		t.Fatal("the Shopify fixture no longer has order 1001's id and phone to replace")
	}
	ev = signedShopify(ev, body)
	ev = withHeader(ev, shopify.HeaderWebhookID, fmt.Sprintf("fault-suite-%d", i))
	return withHeader(ev, "X-Shopify-Event-Id", fmt.Sprintf("fault-suite-event-%d", i))
}

// TestDynamoDBThrottlingIsRetriedAndLosesNothing puts a Throttler in front
// of dynalite that answers 20% of DynamoDB calls with
// ProvisionedThroughputExceededException, and runs the order webhook and
// the dispatcher through it with the DynamoDB client the Lambdas build
// (the SDK's standard configuration and standard retryer). Orders are
// posted, over HTTP, as Shopify posts them: a delivery answered 5xx is
// delivered again. Then the dispatcher runs on its schedule. Every order
// has one task, and every task is sent exactly once.
func TestDynamoDBThrottlingIsRetriedAndLosesNothing(t *testing.T) {
	const fraction, maxDeliveries = 0.2, 10
	// Each throttled call waits for the SDK's backoff (a second on
	// average): the size is kept small.
	n := scaled(t, 100, 10)
	client, table := dynamotest.NewTable(t) // direct, for the checks
	thr, err := faults.NewThrottler(dynamotest.Endpoint(), fraction, seed(t))
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(thr)
	defer front.Close()
	sdkEnvironment(t, front.URL)
	ctx := context.Background()
	// The client as internal/app.AWSDeps builds it for the Lambdas.
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	received := arrival(loadEvent(t, "order-webhook", "shopify-orders-create.json"))
	clock := localstack.NewClock(received)
	deps := app.Deps{DynamoDB: app.NewDynamoDB(awsCfg), Secrets: &secret.Resolver{}, Logger: discard, Now: clock.Now}

	// The orders, posted 16 at a time.
	cfg, err := config.LoadOrderWebhook(env(t, localstack.OrderWebhookID, table, nil))
	if err != nil {
		t.Fatal(err)
	}
	hook, err := orderwebhook.New(ctx, cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(apigw.NewServer(apigw.Route{Key: config.RouteOrderWebhook, Handler: hook.Handle}))
	defer api.Close()
	orders := make([]events.APIGatewayV2HTTPRequest, n)
	for i := range orders {
		orders[i] = shopifyOrder(t, i)
	}
	var (
		answers counter
		wg      sync.WaitGroup
		next    = make(chan int)
	)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				ev := orders[i]
				for try := 1; ; try++ {
					status, body, err := localstack.PostEvent(ctx, api.URL, ev)
					if err != nil {
						t.Errorf("order %d: %v", i, err)
						break
					}
					answers.add(fmt.Sprint(status), 1)
					if status < 300 {
						break
					}
					if status < 500 || try == maxDeliveries {
						t.Errorf("order %d: delivery %d answered %d %s", i, try, status, body)
						break
					}
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	afterOrders := thr.Stats()
	store := dynamo.New(client, table, dynamo.Options{})
	tasks := allTasks(t, store)
	if len(tasks) != n {
		t.Fatalf("table holds %d tasks after %d orders, want %d", len(tasks), n, n)
	}
	var want []thankyou.Task
	for _, task := range tasks {
		if task.State != thankyou.StatePending {
			t.Errorf("task %s = %s (%s), want pending", task.ID, task.State, task.Reason)
		}
		want = append(want, task)
	}

	// The dispatcher, on its schedule, through the same throttled client.
	tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	dcfg, err := config.LoadDispatcher(env(t, localstack.DispatcherID, table, map[string]string{
		// Throttled calls wait for the SDK's backoff (up to seconds): more
		// sends in flight keep the test short.
		"TWILIO_API_BASE_URL": tw.URL(), "SEND_RATE": "1000", "MAX_CONCURRENCY": "16",
	}))
	if err != nil {
		t.Fatal(err)
	}
	h, err := dispatcher.New(ctx, dcfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{client: client, table: table, store: store, clock: clock, twilio: tw}
	clock.Set(dueAt.Add(5 * time.Minute))
	var (
		total            dispatch.Summary
		runs, failedRuns int
	)
	for ticks := 0; ; ticks++ {
		if ticks == maxTicks {
			t.Fatalf("tasks still open after %d ticks", maxTicks)
		}
		s, err := h.Run(ctx)
		runs++
		sum(&total, s)
		if err != nil {
			// A sweep whose query was throttled past the SDK's retries:
			// the Lambda fails and the next tick sweeps again.
			if !isThrottle(err) {
				t.Fatalf("run: %v", err)
			}
			failedRuns++
		}
		if _, open := w.nextDue(t); !open {
			break
		}
		w.advance(t)
	}
	v := w.check(t, want, nil)
	for id, k := range v.duplicates {
		t.Errorf("task %s: Twilio accepted %d messages, want 1", id, k)
	}
	if v.states[thankyou.StateSent] != n {
		t.Errorf("states = %v, want all %d sent", v.states, n)
	}
	st := thr.Stats()
	// The proxy must really have throttled both functions' calls.
	if afterOrders.Throttled == 0 || st.Throttled == afterOrders.Throttled {
		t.Errorf("throttled %d calls during the orders and %d during dispatch, want some in each", afterOrders.Throttled, st.Throttled-afterOrders.Throttled)
	}
	t.Log("summary:" + tabulate(
		[2]any{"orders (each its own customer)", n},
		[2]any{"DynamoDB calls / throttled, order webhook", fmt.Sprintf("%d / %d", afterOrders.Calls, afterOrders.Throttled)},
		[2]any{"DynamoDB calls / throttled, dispatcher", fmt.Sprintf("%d / %d", st.Calls-afterOrders.Calls, st.Throttled-afterOrders.Throttled)},
		[2]any{"webhook answers by status (deliveries)", answers.m},
		[2]any{"dispatcher runs (failed: sweep throttled out)", fmt.Sprintf("%d (%d)", runs, failedRuns)},
		[2]any{"runs: sent / recovered / errors", fmt.Sprintf("%d / %d / %d", total.Sent, total.Recovered, total.Errors)},
		[2]any{"tasks / sent / messages accepted by Twilio", fmt.Sprintf("%d / %d / %d", n, v.states[thankyou.StateSent], v.messages)},
	))
}

// isThrottle reports whether err is DynamoDB's throttling error (after the
// SDK's retries gave up).
func isThrottle(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == faults.ThrottleErrorType
}

// TestThrottledCallLooksLikeDynamoDBsAndTheSDKRetriesIt checks the
// Throttler against the AWS SDK itself: a throttled call is the SDK's
// ProvisionedThroughputExceededException (its checksum accepted), which
// the standard retryer retries, and a call that is not throttled reaches
// dynalite.
func TestThrottledCallLooksLikeDynamoDBsAndTheSDKRetriesIt(t *testing.T) {
	_, table := dynamotest.NewTable(t)
	for _, tc := range []struct {
		fraction  float64
		wantErr   bool
		wantCalls int64
	}{
		{0, false, 1},
		{1, true, 2}, // the standard retryer, held to 2 attempts to keep its backoff short
	} {
		t.Run(fmt.Sprintf("fraction %v", tc.fraction), func(t *testing.T) {
			thr, err := faults.NewThrottler(dynamotest.Endpoint(), tc.fraction, 1)
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(thr)
			defer front.Close()
			c := dynamotest.NewClient(t, func(o *dynamodb.Options) {
				o.BaseEndpoint = aws.String(front.URL) // and the default retryer: standard
				o.RetryMaxAttempts = 2
			})
			_, err = c.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(table)})
			if got := err != nil; got != tc.wantErr {
				t.Fatalf("DescribeTable error = %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				if !isThrottle(err) {
					t.Errorf("error = %v, want %s", err, faults.ThrottleErrorType)
				}
				var ae smithy.APIError
				if errors.As(err, &ae) && !strings.Contains(ae.ErrorMessage(), "provisioned throughput") {
					t.Errorf("message = %q, want DynamoDB's", ae.ErrorMessage())
				}
			}
			if st := thr.Stats(); st.Calls != tc.wantCalls || st.Throttled != int64(tc.fraction)*tc.wantCalls {
				t.Errorf("stats = %+v, want %d calls, %v throttled", st, tc.wantCalls, tc.fraction*float64(tc.wantCalls))
			}
		})
	}
}

// TestThrottlerRefusesABadConfiguration checks NewThrottler's arguments.
func TestThrottlerRefusesABadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		target   string
		fraction float64
	}{
		{"127.0.0.1:8000", 0.1},
		{"ftp://127.0.0.1:8000", 0.1},
		{"http://127.0.0.1:8000", -0.1},
		{"http://127.0.0.1:8000", 1.5},
	} {
		if _, err := faults.NewThrottler(tc.target, tc.fraction, 0); err == nil {
			t.Errorf("NewThrottler(%q, %v) = nil error, want one", tc.target, tc.fraction)
		}
	}
}
