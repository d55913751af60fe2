package orderhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// at sets the handler's clock to the delivery's own arrival time (its
// requestContext), as replay windows are judged against it.
func (f *fixture) postAt(t *testing.T, ev events.APIGatewayV2HTTPRequest) (int, map[string]string) {
	t.Helper()
	arrived := time.UnixMilli(ev.RequestContext.TimeEpoch).UTC()
	f.h.Now = func() time.Time { return arrived }
	return f.post(t, ev)
}

type step struct {
	fixture string
	status  int
	answer  string // the answer's status field
	task    string // task to check afterwards ("" for none)
	state   thankyou.State
	reason  string // part of the task's reason
}

const (
	wooTask     = "woocommerce:shop.example.com:5001"
	stripeTask  = "stripe::pi_3SWqHzLkdIwHu7ix1c7Vd2Xa"
	stripeTest  = "stripe::pi_3SWqYxLkdIwHu7ix0Mn4Bv5C"
	stripeJPY   = "stripe::pi_3SXAbQLkdIwHu7ix0Yt5Ur6W"
	genericTask = "generic:thankyou-demo:G-1001"
)

// TestEverySourceThanksDedupesRefusesAndCancels plays each platform's
// fixtures in order through the handler, against dynalite: the order is
// thanked, repeats and replays change nothing, bad signatures are refused
// with nothing written, a cancellation before the due time ends the task
// so nothing is ever sent.
func TestEverySourceThanksDedupesRefusesAndCancels(t *testing.T) {
	for name, steps := range map[string][]step{
		"shopify": {
			{"shopify-orders-create.json", 201, "created", order1001, thankyou.StatePending, ""},
			{"shopify-duplicate.json", 200, "duplicate", order1001, thankyou.StatePending, ""},
			{"shopify-orders-create-stale.json", 200, "duplicate", order1001, thankyou.StatePending, ""},
			{"shopify-bad-signature.json", 401, "", "", "", ""},
			{"shopify-missing-signature.json", 401, "", "", "", ""},
			{"shopify-orders-cancelled.json", 200, "cancelled", order1001, thankyou.StateCancelled, "cancelled"},
			{"shopify-refunds-create.json", 200, "cancelled", order1001, thankyou.StateCancelled, "cancelled: customer"}, // idempotent: the first reason stays
		},
		"woocommerce": {
			{"woocommerce-ping.json", 200, "ignored", "", "", ""},
			{"woocommerce-order-created.json", 201, "created", wooTask, thankyou.StatePending, ""},
			{"woocommerce-duplicate.json", 200, "duplicate", wooTask, thankyou.StatePending, ""},
			{"woocommerce-bad-signature.json", 401, "", "", "", ""},
			{"woocommerce-order-pending.json", 200, "ignored", "", "", ""},
			{"woocommerce-order-cancelled.json", 200, "cancelled", wooTask, thankyou.StateCancelled, "cancelled"},
		},
		"stripe": {
			{"stripe-checkout-completed.json", 201, "created", stripeTask, thankyou.StatePending, ""},
			{"stripe-duplicate.json", 200, "duplicate", stripeTask, thankyou.StatePending, ""},
			{"stripe-bad-signature.json", 401, "", "", "", ""},
			{"stripe-replayed.json", 401, "", "", "", ""},
			{"stripe-rotated-secret.json", 201, "created", stripeTest, thankyou.StateSkipped, "test order"},
			{"stripe-async-payment-failed.json", 200, "cancelled", stripeTask, thankyou.StateCancelled, "payment failed"},
			{"stripe-charge-refunded.json", 200, "cancelled", stripeTask, thankyou.StateCancelled, "payment failed"},
			{"stripe-checkout-completed-jpy.json", 201, "created", stripeJPY, thankyou.StatePending, ""},
		},
		"generic": {
			{"generic-order-created.json", 201, "created", genericTask, thankyou.StatePending, ""},
			{"generic-duplicate.json", 200, "duplicate", genericTask, thankyou.StatePending, ""},
			{"generic-bad-signature.json", 401, "", "", "", ""},
			{"generic-replayed.json", 401, "", "", "", ""},
			{"generic-invalid.json", 400, "", "", "", ""},
			{"generic-order-cancelled.json", 200, "cancelled", genericTask, thankyou.StateCancelled, "cancelled by the customer"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, nil)
			for _, s := range steps {
				before := f.items(t)
				status, body := f.postAt(t, loadEvent(t, s.fixture))
				if status != s.status || (s.answer != "" && body["status"] != s.answer) {
					t.Fatalf("%s: %d %v, want %d %q", s.fixture, status, body, s.status, s.answer)
				}
				if status >= 400 {
					if body["error"] == "" || body["message"] == "" {
						t.Errorf("%s: error answer without code and message: %v", s.fixture, body)
					}
					if after := f.items(t); after != before {
						t.Errorf("%s: a refused delivery wrote %d items", s.fixture, after-before)
					}
				}
				if s.task == "" {
					continue
				}
				got, err := f.store.GetTask(context.Background(), s.task)
				if err != nil {
					t.Fatalf("%s: %v", s.fixture, err)
				}
				if got.State != s.state || !strings.Contains(got.Reason, s.reason) {
					t.Errorf("%s: task %s = %s (%q), want %s with %q", s.fixture, s.task, got.State, got.Reason, s.state, s.reason)
				}
			}
			// Nothing cancelled or skipped is ever due.
			due, err := f.store.DueTaskIDs(context.Background(), received.Add(365*24*time.Hour), 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range due {
				task, _ := f.store.GetTask(context.Background(), id)
				if task.State != thankyou.StatePending {
					t.Errorf("task %s in state %s is due", id, task.State)
				}
			}
		})
	}
}

func TestStripeAmountsKeepTheCurrencysOwnExponent(t *testing.T) {
	f := newFixture(t, nil)
	f.postAt(t, loadEvent(t, "stripe-checkout-completed.json"))
	f.postAt(t, loadEvent(t, "stripe-checkout-completed-jpy.json"))
	for id, want := range map[string]string{stripeTask: "199.65 USD", stripeJPY: "1500 JPY"} {
		got, err := f.store.GetTask(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.Order.Total + " " + got.Order.Currency; s != want {
			t.Errorf("%s total = %s, want %s", id, s, want)
		}
	}
}

func TestCancellationAfterTheThankYouWasSentChangesNothing(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.postAt(t, loadEvent(t, "shopify-orders-create.json"))
	task, err := f.store.GetTask(ctx, order1001)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Claim(ctx, order1001, "run-1", task.DueAt, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := f.store.MarkSent(ctx, order1001, "run-1", "SM0123456789abcdef0123456789abcdef", task.DueAt); err != nil {
		t.Fatal(err)
	}
	status, body := f.postAt(t, loadEvent(t, "shopify-orders-cancelled.json"))
	if status != http.StatusOK || body["status"] != "already_sent" {
		t.Errorf("cancel after send: %d %v, want 200 already_sent", status, body)
	}
	if got, _ := f.store.GetTask(ctx, order1001); got.State != thankyou.StateSent || got.MessageSID == "" {
		t.Errorf("task = %s, want still sent with its SID", got.State)
	}
}

func TestCancellationBeforeCreationMeansTheOrderIsNeverThanked(t *testing.T) {
	f := newFixture(t, nil)
	// The platform delivered the cancellation first.
	if status, body := f.postAt(t, loadEvent(t, "shopify-orders-cancelled.json")); status != 200 {
		t.Fatalf("cancel: %d %v", status, body)
	}
	status, body := f.postAt(t, loadEvent(t, "shopify-orders-create.json"))
	if status != http.StatusOK || body["status"] != "duplicate" {
		t.Errorf("create after cancel: %d %v, want 200 duplicate", status, body)
	}
	if got, _ := f.store.GetTask(context.Background(), order1001); got.State != thankyou.StateCancelled {
		t.Errorf("task = %s, want cancelled", got.State)
	}
}

func TestCustomerRedactRemovesTheirDataFromEveryItem(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.postAt(t, loadEvent(t, "shopify-orders-create.json")) // Jane Doe
	f.postAt(t, loadEvent(t, "shopify-second-order.json"))  // Amelia Clarke, who stays

	status, body := f.postAt(t, loadEvent(t, "shopify-customers-data-request.json"))
	if status != http.StatusOK || body["status"] != "reported" {
		t.Fatalf("data request: %d %v", status, body)
	}
	status, body = f.postAt(t, loadEvent(t, "shopify-customers-redact.json"))
	if status != http.StatusOK || body["status"] != "accepted" {
		t.Fatalf("redact: %d %v", status, body)
	}
	// Accepted at once, carried out by the dispatcher's next run.
	if n, err := f.store.CarryOutPrivacyRequests(ctx, received); err != nil || n != 1 {
		t.Fatalf("carrying out the request: %d, %v", n, err)
	}
	// Read every item of the table back.
	out, err := f.client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(f.table)})
	if err != nil {
		t.Fatal(err)
	}
	var items []map[string]any
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(items)
	if err != nil {
		t.Fatal(err)
	}
	all := string(raw)
	if !strings.Contains(all, order1001) {
		t.Fatalf("the scan did not read the tasks back: %s", all)
	}
	for _, pii := range []string{"2125550123", "Jane", "Doe", "jane.doe@example.com"} {
		if strings.Contains(all, pii) {
			t.Errorf("an item still holds %q after customers/redact", pii)
		}
	}
	if !strings.Contains(all, "7911123456") {
		t.Error("the other customer's data was erased too")
	}
	got, err := f.store.GetTask(ctx, order1001)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != thankyou.StateCancelled || got.Recipient != "" {
		t.Errorf("erased task = %s to %q, want cancelled with no recipient (nothing is sent)", got.State, got.Recipient)
	}
}

func TestShopRedactErasesTheShop(t *testing.T) {
	t.Setenv("DEMO_SHOP_SECRET", "local-shopify-webhook-secret")
	f := newFixture(t, nil)
	stored := thankyou.Shop{Source: thankyou.SourceShopify, ID: "thankyou-demo.myshopify.com", Name: "Demo", SecretRefs: []string{"env:DEMO_SHOP_SECRET"},
		TimeZone: "America/New_York", DefaultCountry: "US", Channel: thankyou.ChannelStaff, StaffPhone: "+12125550199",
		Window: thankyou.MustWindow("10:00-17:00 Mon-Fri"), Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour}
	if err := f.store.PutShop(context.Background(), stored, received); err != nil {
		t.Fatal(err)
	}
	ana := thankyou.StaffMember{Source: stored.Source, ShopID: stored.ID, ID: "ana", Name: "Ana", Phone: "+12125550101",
		TimeZone: "America/New_York", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri"), Active: true}
	if err := f.store.PutStaff(context.Background(), ana, received); err != nil {
		t.Fatal(err)
	}
	if status, body := f.postAt(t, loadEvent(t, "shopify-orders-create.json")); status != 201 {
		t.Fatalf("order for the stored shop: %d %v", status, body)
	}
	f.postAt(t, loadEvent(t, "generic-order-created.json")) // another source's shop stays
	status, body := f.postAt(t, loadEvent(t, "shopify-shop-redact.json"))
	if status != http.StatusOK || body["status"] != "accepted" {
		t.Fatalf("shop redact: %d %v", status, body)
	}
	if n, err := f.store.CarryOutPrivacyRequests(context.Background(), received); err != nil || n != 1 {
		t.Fatalf("carrying out the request: %d, %v", n, err)
	}
	if _, err := f.store.GetTask(context.Background(), order1001); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("the shop's task is still there: %v", err)
	}
	if _, err := f.store.GetTask(context.Background(), genericTask); err != nil {
		t.Errorf("another shop's task was erased: %v", err)
	}
	left, err := f.store.GetShop(context.Background(), stored.Source, stored.ID)
	if err != nil || left.ErasedAt.IsZero() || left.Name != "" || left.StaffPhone != "" || len(left.SecretRefs) != 1 {
		t.Errorf("the shop's stored settings = %+v, %v; want only its secret references and when it was erased", left, err)
	}
	// Shopify repeats the request (its first answer was lost): accepted
	// again, after the settings are gone, by any instance. An order is not
	// acted on.
	f.coldStart()
	if status, body := f.postAt(t, loadEvent(t, "shopify-shop-redact.json")); status != http.StatusOK || body["status"] != "accepted" {
		t.Errorf("the repeated shop/redact: %d %v, want 200 accepted", status, body)
	}
	if status, body := f.postAt(t, loadEvent(t, "shopify-second-order.json")); status != http.StatusOK || body["status"] != "ignored" {
		t.Errorf("an order for the erased shop: %d %v, want 200 ignored", status, body)
	}
	if _, err := f.store.GetTask(context.Background(), order1002); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("an order for the erased shop made a task: %v", err)
	}
	if roster, err := f.store.ListStaff(context.Background(), stored.Source, stored.ID); err != nil || len(roster) != 0 {
		t.Errorf("the shop's staff roster (phones) is still there: %d members, %v", len(roster), err)
	}
}

// genericOrder builds a signed generic order.created delivery.
func genericOrder(t *testing.T, shop, secret, id, phone string, at time.Time) events.APIGatewayV2HTTPRequest {
	t.Helper()
	body := fmt.Sprintf(`{"event":"order.created","order":{"id":%q,"number":%q,"created_at":%q,"total":"30.00","currency":"USD",`+
		`"customer":{"first_name":"Pat","last_name":"Lee","phone":%q},"shipping_country":"US"}}`, id, id, at.Format(time.RFC3339), phone)
	return events.APIGatewayV2HTTPRequest{
		RouteKey:       "POST /webhooks/{source}",
		RawPath:        "/webhooks/generic",
		PathParameters: map[string]string{"source": "generic"},
		Headers: map[string]string{
			"content-type":    "application/json",
			"x-shop":          shop,
			"x-timestamp":     fmt.Sprint(at.Unix()),
			"x-signature-256": generic.Sign([]byte(secret), at, []byte(body)),
			"x-event-id":      "evt-" + shop + "-" + id,
		},
		Body:           body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{TimeEpoch: at.UnixMilli()},
	}
}

func TestFrequencyCapThanksACustomerOnceAcrossOrders(t *testing.T) {
	f := newFixture(t, map[string]string{"FREQUENCY_CAP_DAYS": "30"})
	t0 := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	secret := "local-generic-webhook-secret"
	if status, body := f.postAt(t, genericOrder(t, "thankyou-demo", secret, "F-1", "+12125550166", t0)); status != 201 || body["state"] != "pending" {
		t.Fatalf("first order: %d %v", status, body)
	}
	status, body := f.postAt(t, genericOrder(t, "thankyou-demo", secret, "F-2", "(212) 555-0166", t0.Add(5*24*time.Hour)))
	if status != 201 || body["state"] != "skipped" || !strings.Contains(body["reason"], "30 days") {
		t.Errorf("second order five days later: %d %v, want skipped under the 30-day cap", status, body)
	}
	status, body = f.postAt(t, genericOrder(t, "thankyou-demo", secret, "F-3", "+12125550166", t0.Add(31*24*time.Hour)))
	if status != 201 || body["state"] != "pending" {
		t.Errorf("third order 31 days later: %d %v, want thanked again", status, body)
	}
}

// TestTwoShopsKeepTheirOwnSecretsAndWindows stores two shops' settings in
// the table; each delivery is judged by its own shop's secret, and due in
// its own shop's window. No environment shop is configured for the source,
// so an unknown shop is refused.
func TestTwoShopsKeepTheirOwnSecretsAndWindows(t *testing.T) {
	t.Setenv("SHOP_A_SECRET", "secret-of-shop-a")
	t.Setenv("SHOP_B_SECRET", "secret-of-shop-b")
	f := newFixture(t, map[string]string{"GENERIC_WEBHOOK_SECRET": ""})
	ctx := context.Background()
	for _, sh := range []thankyou.Shop{
		{Source: thankyou.SourceGeneric, ID: "shop-a", Name: "Shop A", SecretRefs: []string{"env:SHOP_A_SECRET"}, TimeZone: "America/New_York",
			DefaultCountry: "US", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("09:00-12:00 Sat-Sun"), Delay: 24 * time.Hour, ExpireAfter: 72 * time.Hour,
			SMSTemplate: "Thanks {{.FirstName}}, from all of us at {{.ShopName}}"},
		{Source: thankyou.SourceGeneric, ID: "shop-b", Name: "Shop B", SecretRefs: []string{"env:SHOP_B_SECRET"}, TimeZone: "America/New_York",
			DefaultCountry: "US", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("14:00-16:00 Mon-Fri"), Delay: 24 * time.Hour, ExpireAfter: 72 * time.Hour},
	} {
		if err := f.store.PutShop(ctx, sh, received); err != nil {
			t.Fatal(err)
		}
	}
	ny, _ := time.LoadLocation("America/New_York")
	placed := time.Date(2026, 11, 23, 11, 0, 0, 0, ny) // Monday
	for _, tc := range []struct {
		shop, secret, id string
		status           int
		check            func(local time.Time) bool
	}{
		{"shop-a", "secret-of-shop-a", "A-1", 201, func(l time.Time) bool {
			return (l.Weekday() == time.Saturday || l.Weekday() == time.Sunday) && l.Hour() >= 9 && l.Hour() < 12
		}},
		{"shop-b", "secret-of-shop-b", "B-1", 201, func(l time.Time) bool {
			return l.Weekday() >= time.Monday && l.Weekday() <= time.Friday && l.Hour() >= 14 && l.Hour() < 16
		}},
		{"shop-b", "secret-of-shop-a", "B-2", 401, nil}, // shop A's secret for shop B
		{"shop-c", "secret-of-shop-a", "C-1", 401, nil}, // an unknown shop
	} {
		before := f.items(t)
		status, body := f.postAt(t, genericOrder(t, tc.shop, tc.secret, tc.id, "+12125550177", placed))
		if status != tc.status {
			t.Errorf("%s signed with %s: %d %v, want %d", tc.shop, tc.secret, status, body, tc.status)
			continue
		}
		if tc.check == nil {
			if after := f.items(t); after != before {
				t.Errorf("%s: a refused delivery wrote %d items", tc.shop, after-before)
			}
			continue
		}
		task, err := f.store.GetTask(ctx, thankyou.TaskID(thankyou.SourceGeneric, tc.shop, tc.id))
		if err != nil {
			t.Fatal(err)
		}
		if local := task.DueAt.In(ny); !tc.check(local) {
			t.Errorf("%s: due %s, outside its own window", tc.shop, local.Format("Mon 15:04"))
		}
		if tc.shop == "shop-a" && (task.Template == "" || task.ShopName != "Shop A") {
			t.Errorf("shop A's task has template %q and shop name %q, want its shop's", task.Template, task.ShopName)
		}
	}
}

// TestConcurrentOrdersOfOneCustomerUnderACapThankOnce sends two orders of
// one customer at the same instant, many times over, under a 30-day cap:
// the conditional write at intake lets exactly one be thanked each time,
// whether it is due at once (the order trigger) or awaits its fulfilment.
func TestConcurrentOrdersOfOneCustomerUnderACapThankOnce(t *testing.T) {
	for trigger, thanked := range map[string]string{"order": "pending", "fulfilment": "awaiting_fulfilment"} {
		t.Run(trigger, func(t *testing.T) {
			f := newFixture(t, map[string]string{"FREQUENCY_CAP_DAYS": "30", "TRIGGER": trigger})
			t0 := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
			f.h.Now = func() time.Time { return t0 }
			secret := "local-generic-webhook-secret"
			for round := range 10 {
				phone := fmt.Sprintf("+1212555%04d", 300+round)
				var wg sync.WaitGroup
				states := make([]string, 2)
				for i := range states {
					wg.Go(func() {
						ev := genericOrder(t, "thankyou-demo", secret, fmt.Sprintf("C-%d-%d", round, i), phone, t0)
						resp, err := f.h.Handle(context.Background(), ev)
						if err != nil || resp.StatusCode != 201 {
							t.Errorf("order %d: %v %d %s", i, err, resp.StatusCode, resp.Body)
							return
						}
						var body struct{ State, Reason string }
						if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
							t.Error(err)
						}
						states[i] = body.State
					})
				}
				wg.Wait()
				n := 0
				for _, s := range states {
					if s == thanked {
						n++
					}
				}
				if n != 1 {
					t.Fatalf("round %d: states %v, want exactly one order %s", round, states, thanked)
				}
			}
		})
	}
}
