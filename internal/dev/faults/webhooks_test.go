package faults_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/infra/fixtures/story"
	"github.com/thankyoucalls/thankyoucalls/internal/apigw"
	"github.com/thankyoucalls/thankyoucalls/internal/app"
	"github.com/thankyoucalls/thankyoucalls/internal/app/orderwebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/app/twiliowebhook"
	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
	"github.com/thankyoucalls/thankyoucalls/internal/stripe"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
	"github.com/thankyoucalls/thankyoucalls/internal/woocommerce"
)

// The local secrets of events/env.json.
const (
	shopifySecret = "local-shopify-webhook-secret"
	wooSecret     = "local-woocommerce-webhook-secret"
	stripeSecret  = "whsec_localstripesigningsecret0123456789"
	genericSecret = "local-generic-webhook-secret"
	publicBaseURL = "http://127.0.0.1:3000"
)

// order1001 is the task of events/order-webhook/shopify-orders-create.json.
const order1001 = "shopify:thankyou-demo.myshopify.com:820982911946154508"

// recordedFile is the path of a fixture of the recorded story
// (story.RefTime), which these tests replay with their own clock.
func recordedFile(t testing.TB, path string) string {
	t.Helper()
	p, err := story.RecordedFile(t.TempDir(), path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loadEvent reads a fixture of the recorded story (a fresh copy each time).
func loadEvent(t testing.TB, dir, name string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev, err := localstack.LoadHTTPEvent(recordedFile(t, dir+"/"+name))
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// arrival is when a fixture's delivery arrives (its requestContext).
func arrival(ev events.APIGatewayV2HTTPRequest) time.Time {
	return time.UnixMilli(ev.RequestContext.TimeEpoch).UTC()
}

// orderWebhook builds the order webhook as its Lambda main does, from
// events/env.json, on client's table.
func orderWebhook(t testing.TB, client *dynamodb.Client, table string, now func() time.Time, override map[string]string) *orderhook.Handler {
	t.Helper()
	cfg, err := config.LoadOrderWebhook(env(t, localstack.OrderWebhookID, table, override))
	if err != nil {
		t.Fatal(err)
	}
	h, err := orderwebhook.New(context.Background(), cfg, app.Deps{
		DynamoDB: client, Secrets: &secret.Resolver{}, Logger: discard, Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestHundredConcurrentIdenticalDeliveriesMakeOneTask posts the same
// Shopify orders/create delivery 100 times at once, over HTTP, to the order
// webhook: one answer is 201, the 99 others 200, and the table holds one
// task.
func TestHundredConcurrentIdenticalDeliveriesMakeOneTask(t *testing.T) {
	const deliveries = 100
	client, table := dynamotest.NewTable(t)
	ev := loadEvent(t, "order-webhook", "shopify-orders-create.json")
	at := arrival(ev)
	h := orderWebhook(t, client, table, func() time.Time { return at }, nil)
	api := httptest.NewServer(apigw.NewServer(apigw.Route{Key: config.RouteOrderWebhook, Handler: h.Handle}))
	defer api.Close()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		answers  = map[string]int{}
		start    = make(chan struct{})
	)
	for range deliveries {
		wg.Go(func() {
			<-start
			status, body, err := localstack.PostEvent(context.Background(), api.URL, ev)
			if err != nil {
				t.Error(err)
				return
			}
			var a orderhook.Answer
			if err := json.Unmarshal(body, &a); err != nil {
				t.Errorf("answer %d is not JSON: %q", status, body)
			}
			mu.Lock()
			statuses[status]++
			answers[a.Status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != deliveries-1 {
		t.Errorf("answers = %v, want one 201 and %d 200", statuses, deliveries-1)
	}
	if answers["created"] != 1 || answers["duplicate"] != deliveries-1 {
		t.Errorf("answer statuses = %v, want one created and %d duplicate", answers, deliveries-1)
	}
	if n := countItems(t, client, table, "TASK#"); n != 1 {
		t.Errorf("table holds %d task items, want 1", n)
	}
	task, err := dynamo.New(client, table, dynamo.Options{}).GetTask(context.Background(), order1001)
	if err != nil {
		t.Fatal(err)
	}
	if task.State != thankyou.StatePending || task.Attempts != 0 {
		t.Errorf("task = %s after %d attempts, want pending and untouched", task.State, task.Attempts)
	}
}

// badRequest is a request a function must refuse with a 4xx JSON error
// and no write.
type badRequest struct {
	name   string
	ev     events.APIGatewayV2HTTPRequest
	status int
	// override changes the function's environment for this request.
	override map[string]string
}

// Event editors; each returns a changed copy.
func withHeader(ev events.APIGatewayV2HTTPRequest, k, v string) events.APIGatewayV2HTTPRequest {
	ev.Headers = maps.Clone(ev.Headers)
	ev.Headers[strings.ToLower(k)] = v
	return ev
}

func withoutHeader(ev events.APIGatewayV2HTTPRequest, k string) events.APIGatewayV2HTTPRequest {
	ev.Headers = maps.Clone(ev.Headers)
	delete(ev.Headers, strings.ToLower(k))
	return ev
}

func withBody(ev events.APIGatewayV2HTTPRequest, body string) events.APIGatewayV2HTTPRequest {
	ev.Body, ev.IsBase64Encoded = body, false
	ev.Headers = maps.Clone(ev.Headers)
	delete(ev.Headers, "content-length")
	return ev
}

func withQuery(ev events.APIGatewayV2HTTPRequest, q string) events.APIGatewayV2HTTPRequest {
	ev.RawQueryString = q
	return ev
}

func signedShopify(ev events.APIGatewayV2HTTPRequest, body string) events.APIGatewayV2HTTPRequest {
	return withHeader(withBody(ev, body), shopify.HeaderHmac, shopify.Sign([]byte(shopifySecret), []byte(body)))
}

func signedWoo(ev events.APIGatewayV2HTTPRequest, body string) events.APIGatewayV2HTTPRequest {
	return withHeader(withBody(ev, body), woocommerce.HeaderSignature, woocommerce.Sign([]byte(wooSecret), []byte(body)))
}

func signedStripe(ev events.APIGatewayV2HTTPRequest, body string) events.APIGatewayV2HTTPRequest {
	return withHeader(withBody(ev, body), stripe.HeaderSignature, stripe.Sign([]byte(stripeSecret), arrival(ev), []byte(body)))
}

func signedGeneric(ev events.APIGatewayV2HTTPRequest, body string) events.APIGatewayV2HTTPRequest {
	ev = withHeader(withBody(ev, body), generic.HeaderSignature, generic.Sign([]byte(genericSecret), arrival(ev), []byte(body)))
	return withHeader(ev, generic.HeaderTimestamp, strconv.FormatInt(arrival(ev).Unix(), 10))
}

// withoutField returns the fixture's JSON body with a top-level field removed.
func withoutField(t *testing.T, ev events.APIGatewayV2HTTPRequest, field string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(ev.Body), &m); err != nil {
		t.Fatal(err)
	}
	delete(m, field)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// twilioEvent is a request Twilio would post to path?query with the form
// params, signed with the local auth token when signed is true.
func twilioEvent(t *testing.T, path, query string, params url.Values, signed bool) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev := loadEvent(t, "twilio-webhook", "status-delivered.json")
	ev.RouteKey, ev.RawPath, ev.RawQueryString = "POST "+path, path, query
	ev.RequestContext.RouteKey, ev.RequestContext.HTTP.Path = ev.RouteKey, path
	ev.QueryStringParameters = nil
	ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(params.Encode())), true
	ev.Headers = maps.Clone(ev.Headers)
	delete(ev.Headers, "content-length")
	delete(ev.Headers, "x-twilio-signature")
	if signed {
		u := publicBaseURL + path
		if query != "" {
			u += "?" + query
		}
		ev.Headers["x-twilio-signature"] = twiliotest.Sign(authToken, u, params)
	}
	return ev
}

// statusParams are the form of a status callback for order 1001's message.
func statusParams() url.Values {
	return url.Values{
		"AccountSid": {accountSID}, "ApiVersion": {"2010-04-01"}, "From": {"+15005550006"}, "To": {"+12125550123"},
		"MessageSid": {"SM0123456789abcdef0123456789abcdef"}, "MessageStatus": {"delivered"},
		"SmsSid": {"SM0123456789abcdef0123456789abcdef"}, "SmsStatus": {"delivered"},
	}
}

func without(v url.Values, k string) url.Values {
	v = maps.Clone(v)
	v.Del(k)
	return v
}

func set(v url.Values, k, val string) url.Values {
	v = maps.Clone(v)
	v.Set(k, val)
	return v
}

// TestEveryBadRequestIsAJSON4xxAndWritesNothing sends both HTTP functions
// every kind of bad request: bad or missing signatures for each source and
// for Twilio, replays, malformed and oversize bodies, bad base64, unknown
// sources and shops, a status callback without its task. Each is answered
// with a 4xx whose JSON body has "error" and "message", and the table is
// left exactly as it was.
func TestEveryBadRequestIsAJSON4xxAndWritesNothing(t *testing.T) {
	shop := func(name string) events.APIGatewayV2HTTPRequest { return loadEvent(t, "order-webhook", name) }
	create := shop("shopify-orders-create.json")
	woo := shop("woocommerce-order-created.json")
	str := shop("stripe-checkout-completed.json")
	gen := shop("generic-order-created.json")
	oversize := withBody(create, `{"id":1,"note":"`+strings.Repeat("x", orderhook.MaxBody)+`"}`)
	notBase64 := create
	notBase64.IsBase64Encoded = true
	unknownSource := create
	unknownSource.PathParameters = map[string]string{"source": "magento"}
	unknownSource.RawPath = "/webhooks/magento"

	orders := []badRequest{
		{name: "shopify: signed with another secret", ev: shop("shopify-bad-signature.json"), status: 401},
		{name: "shopify: no signature", ev: shop("shopify-missing-signature.json"), status: 401},
		{name: "shopify: signature is not base64", ev: withHeader(create, shopify.HeaderHmac, "not base64!"), status: 401},
		{name: "shopify: no shop domain", ev: withoutHeader(create, shopify.HeaderShopDomain), status: 401},
		{name: "shopify: shop domain is not a domain", ev: withHeader(create, shopify.HeaderShopDomain, "not a domain/"), status: 400},
		{name: "shopify: malformed JSON, signed", ev: shop("shopify-malformed.json"), status: 400},
		{name: "shopify: JSON array, signed", ev: signedShopify(create, `[1,2,3]`), status: 400},
		{name: "shopify: empty body, signed", ev: signedShopify(create, ""), status: 400},
		{name: "shopify: order without id, signed", ev: signedShopify(create, withoutField(t, create, "id")), status: 400},
		{name: "shopify: no topic header, signed", ev: withoutHeader(create, shopify.HeaderTopic), status: 400},
		{name: "shopify: redact request for another shop", ev: withHeader(shop("shopify-customers-redact.json"), shopify.HeaderShopDomain, "other-shop.myshopify.com"), status: 400},
		{name: "body over 256 KiB", ev: oversize, status: 400},
		{name: "body marked base64 that is not", ev: notBase64, status: 400},
		{name: "unknown source", ev: unknownSource, status: 404},
		{name: "query string that cannot be parsed", ev: withQuery(create, "shop=%zz"), status: 400},
		{name: "woocommerce: signed with another secret", ev: shop("woocommerce-bad-signature.json"), status: 401},
		{name: "woocommerce: no signature", ev: withoutHeader(woo, woocommerce.HeaderSignature), status: 401},
		{name: "woocommerce: source is not a site URL", ev: withHeader(woo, woocommerce.HeaderSource, "ftp://shop.example.com/"), status: 400},
		{name: "woocommerce: malformed JSON, signed", ev: signedWoo(woo, `{"id":5001,`), status: 400},
		{name: "woocommerce: unknown shop (source not configured)", ev: woo, status: 401, override: map[string]string{"WOOCOMMERCE_WEBHOOK_SECRET": ""}},
		{name: "stripe: signed with another secret", ev: shop("stripe-bad-signature.json"), status: 401},
		{name: "stripe: replayed (signed 10 minutes before)", ev: shop("stripe-replayed.json"), status: 401},
		{name: "stripe: no signature", ev: withoutHeader(str, stripe.HeaderSignature), status: 401},
		{name: "stripe: signature header garbled", ev: withHeader(str, stripe.HeaderSignature, "t=abc,v1=zz"), status: 401},
		{name: "stripe: malformed JSON", ev: signedStripe(str, `{"id":"evt_1",`), status: 400},
		{name: "stripe: not an event, signed", ev: signedStripe(str, `{"id":"cus_1","object":"customer"}`), status: 400},
		{name: "stripe: shop parameter with bad characters", ev: withQuery(str, "shop=bad%20shop%21"), status: 400},
		{name: "generic: signed with another secret", ev: shop("generic-bad-signature.json"), status: 401},
		{name: "generic: replayed (signed 10 minutes before)", ev: shop("generic-replayed.json"), status: 401},
		{name: "generic: does not match the schema, signed", ev: shop("generic-invalid.json"), status: 400},
		{name: "generic: no timestamp", ev: withoutHeader(gen, generic.HeaderTimestamp), status: 401},
		{name: "generic: signature header garbled", ev: withHeader(gen, generic.HeaderSignature, "sha1=abc"), status: 401},
		{name: "generic: malformed JSON, signed", ev: signedGeneric(gen, `{"event":`), status: 400},
		{name: "generic: shop key with bad characters", ev: withHeader(gen, generic.HeaderShop, "Bad Shop!"), status: 400},
	}

	t.Run("order webhook", func(t *testing.T) {
		client, table := dynamotest.NewTable(t)
		var now time.Time
		clock := func() time.Time { return now }
		h := orderWebhook(t, client, table, clock, nil)
		// One order is in the table first, so that a refused delivery that
		// changed it, or wrote beside it, shows.
		now = arrival(create)
		if resp, err := h.Handle(context.Background(), create); err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("first order: %d %v, want 201", resp.StatusCode, err)
		}
		for _, tc := range orders {
			t.Run(tc.name, func(t *testing.T) {
				hh := h
				if tc.override != nil {
					hh = orderWebhook(t, client, table, clock, tc.override)
				}
				now = arrival(tc.ev)
				refused(t, client, table, order1001, tc, hh.Handle)
			})
		}
	})

	t.Run("twilio webhook", func(t *testing.T) {
		client, table := dynamotest.NewTable(t)
		store := dynamo.New(client, table, dynamo.Options{})
		cfg, err := config.LoadTwilioWebhook(env(t, localstack.TwilioWebhookID, table, nil))
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 26, 16, 10, 0, 0, time.UTC)
		h, err := twiliowebhook.New(context.Background(), cfg, app.Deps{
			DynamoDB: client, Secrets: &secret.Resolver{}, Logger: discard, Now: func() time.Time { return now },
		})
		if err != nil {
			t.Fatal(err)
		}
		// Order 1001's task, claimed and sent with no SID recorded: the
		// state a status callback is allowed to repair, so any write shows.
		ctx := context.Background()
		due := now.Add(-10 * time.Minute)
		if _, err := store.CreateTask(ctx, thankyou.Task{
			ID:      order1001,
			Order:   thankyou.Order{Source: thankyou.SourceShopify, Shop: "thankyou-demo.myshopify.com", ID: "820982911946154508", Number: "1001", Phone: "+12125550123"},
			Channel: thankyou.ChannelSMS, Recipient: "+12125550123", State: thankyou.StatePending,
			DueAt: due, Deadline: due.Add(72 * time.Hour), TimeZone: "America/New_York", CreatedAt: due.Add(-72 * time.Hour),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Claim(ctx, order1001, "run-1", due, time.Minute); err != nil {
			t.Fatal(err)
		}
		task := "task=" + url.QueryEscape(order1001)
		inbound := url.Values{"AccountSid": {accountSID}, "From": {"+12125550123"}, "To": {"+15005550006"}, "Body": {"STOP"}, "MessageSid": {"SM1"}}
		tampered := twilioEvent(t, "/twilio/status", task, statusParams(), true)
		tampered.RawQueryString = "task=" + url.QueryEscape("shopify:other-shop.myshopify.com:1")
		changedBody := twilioEvent(t, "/twilio/inbound", "", set(inbound, "Body", "HELP"), true)
		changedBody.Body = base64.StdEncoding.EncodeToString([]byte(inbound.Encode()))
		notForm := twilioEvent(t, "/twilio/inbound", "", inbound, true)
		notForm.Body = base64.StdEncoding.EncodeToString([]byte("Body=%zz&From=%2B12125550123"))
		notBase64 := twilioEvent(t, "/twilio/inbound", "", inbound, true)
		notBase64.Body = "not base64!"
		huge := twilioEvent(t, "/twilio/inbound", "", set(inbound, "Body", strings.Repeat("x", 70<<10)), true)

		for _, tc := range []badRequest{
			{name: "signed with another auth token", ev: loadEvent(t, "twilio-webhook", "bad-signature.json"), status: 403},
			{name: "no signature", ev: twilioEvent(t, "/twilio/status", task, statusParams(), false), status: 403},
			{name: "URL changed after signing", ev: tampered, status: 403},
			{name: "body changed after signing", ev: changedBody, status: 403},
			{name: "malformed form body", ev: notForm, status: 400},
			{name: "body marked base64 that is not", ev: notBase64, status: 400},
			{name: "body over 64 KiB", ev: huge, status: 400},
			{name: "status callback without a task, signed", ev: twilioEvent(t, "/twilio/status", "", statusParams(), true), status: 400},
			{name: "status callback without MessageSid, signed", ev: twilioEvent(t, "/twilio/status", task, without(statusParams(), "MessageSid"), true), status: 400},
			{name: "status callback with a non-numeric ErrorCode, signed", ev: twilioEvent(t, "/twilio/status", task, set(set(statusParams(), "MessageStatus", "undelivered"), "ErrorCode", "3000x"), true), status: 400},
			{name: "status callback for a task that does not exist, signed", ev: twilioEvent(t, "/twilio/status", "task=shopify%3Anobody%3A1", statusParams(), true), status: 404},
			{name: "inbound SMS without a valid From, signed", ev: twilioEvent(t, "/twilio/inbound", "", set(inbound, "From", "not a number"), true), status: 400},
			{name: "unknown route, signed", ev: twilioEvent(t, "/twilio/other", "", inbound, true), status: 404},
		} {
			t.Run(tc.name, func(t *testing.T) { refused(t, client, table, order1001, tc, h.Handle) })
		}
		if out, err := store.OptedOut(ctx, "+12125550123"); err != nil || out {
			t.Errorf("after the refused requests: opted out = %v, %v; want false", out, err)
		}
	})
}

// refused sends tc to handle and checks the answer (tc.status, a JSON body
// with "error" and "message") and that the table did not change: the same
// number of items, and task id's item unchanged.
func refused(t *testing.T, client *dynamodb.Client, table, id string, tc badRequest, handle apigw.HandlerFunc) {
	t.Helper()
	itemsBefore, taskBefore := countItems(t, client, table, ""), rawTask(t, client, table, id)
	resp, err := handle(context.Background(), tc.ev)
	if err != nil {
		t.Fatalf("Handle returned an error (API Gateway would answer 500): %v", err)
	}
	if resp.StatusCode != tc.status {
		t.Errorf("status = %d (%s), want %d", resp.StatusCode, resp.Body, tc.status)
	}
	if resp.StatusCode < 400 || resp.StatusCode > 499 {
		t.Errorf("status = %d, want a 4xx", resp.StatusCode)
	}
	if ct := resp.Headers["Content-Type"]; ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body apigw.ErrorBody
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body.Error == "" || body.Message == "" {
		t.Errorf("body = %q, want JSON with error and message", resp.Body)
	}
	if after := countItems(t, client, table, ""); after != itemsBefore {
		t.Errorf("table holds %d items after the refusal, %d before", after, itemsBefore)
	}
	if after := rawTask(t, client, table, id); after != taskBefore {
		t.Errorf("task %s changed:\n before %s\n after  %s", id, taskBefore, after)
	}
}

// rawTask returns a task's item as JSON ("" when there is none).
func rawTask(t *testing.T, client *dynamodb.Client, table, id string) string {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "TASK#" + id}, "sk": &types.AttributeValueMemberS{Value: "TASK"},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		return ""
	}
	b, err := json.Marshal(out.Item)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
