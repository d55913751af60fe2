package localstack_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/localstack"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// post sends an order-webhook fixture of the recorded story to the stack
// when it arrives in the story (the clock is set to it) and checks the
// answer's status code.
func post(t *testing.T, s *localstack.Stack, clock *localstack.Clock, fixture string, want int) string {
	t.Helper()
	ev, err := localstack.LoadHTTPEvent(recorded(t, "order-webhook/"+fixture))
	if err != nil {
		t.Fatal(err)
	}
	clock.Set(time.UnixMilli(ev.RequestContext.TimeEpoch).UTC())
	status, body, err := localstack.PostEvent(context.Background(), s.APIURL, ev)
	if err != nil || status != want {
		t.Fatalf("%s: %d %s, %v; want %d", fixture, status, body, err, want)
	}
	return string(body)
}

// dispatchEachDue runs the dispatcher at each of the tasks' due times in
// turn, as its schedule would.
func dispatchEachDue(t *testing.T, s *localstack.Stack, clock *localstack.Clock, ids ...string) {
	t.Helper()
	ctx := context.Background()
	var dues []time.Time
	for _, id := range ids {
		task, err := s.DynamoDB.GetTask(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if task.State != thankyou.StatePending {
			t.Fatalf("task %s is %s, want pending", id, task.State)
		}
		dues = append(dues, task.DueAt)
	}
	slices.SortFunc(dues, time.Time.Compare)
	for _, due := range dues {
		clock.Set(due)
		if _, err := s.Dispatcher.Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func messageTo(msgs []twiliotest.Message, to string) (twiliotest.Message, bool) {
	for _, m := range msgs {
		if m.To == to {
			return m, true
		}
	}
	return twiliotest.Message{}, false
}

// TestEachCustomerIsThankedInTheirLanguage: a Japanese (Shopify, name
// fields), a Spanish (Stripe, full name only) and a German (WooCommerce,
// WPML) order go through the order webhook, the dispatcher and the local
// Twilio, and each customer reads the thank-you in their language, greeted
// by the right name, within its segment budget.
func TestEachCustomerIsThankedInTheirLanguage(t *testing.T) {
	clock := localstack.NewClock(time.Date(2026, 11, 24, 1, 15, 2, 0, time.UTC))
	logs := &syncBuffer{}
	s := startStack(t, clock, logs, "SHOP_NAME=Kissa")
	orders := []struct {
		fixture, task, phone, want string
	}{
		{"shopify-orders-create-ja.json", "shopify:thankyou-demo.myshopify.com:820982911946154534", "+819012345678",
			"山田様、この度はKissaでご注文（#1004）いただき、誠にありがとうございます。心より感謝申し上げます。"},
		{"woocommerce-order-created-de.json", "woocommerce:shop.example.com:5003", "+4915123456789",
			"Hallo Jürgen, vielen Dank für Ihre Bestellung #5003 bei Kissa! Wir freuen uns sehr darüber."},
		{"stripe-checkout-completed-es.json", "stripe::pi_3SXBcRLkdIwHu7ix1Lm9Qw2E", "+34612345678",
			"¡Hola, Lucía! Muchas gracias por tu pedido #3001 en Kissa. Nos alegra mucho que nos hayas elegido."},
	}
	var ids []string
	for _, o := range orders {
		post(t, s, clock, o.fixture, http.StatusCreated)
		ids = append(ids, o.task)
	}
	dispatchEachDue(t, s, clock, ids...)
	msgs := s.Twilio.Messages()
	if len(msgs) != len(orders) {
		t.Fatalf("Twilio accepted %d messages, want %d", len(msgs), len(orders))
	}
	for _, o := range orders {
		m, ok := messageTo(msgs, o.phone)
		if !ok {
			t.Errorf("%s: nothing sent to %s", o.fixture, o.phone)
			continue
		}
		if m.Body != o.want {
			t.Errorf("%s: sent %q, want %q", o.fixture, m.Body, o.want)
		}
		if segs, enc := message.Segments(m.Body); segs > 2 {
			t.Errorf("%s: %d %s segments", o.fixture, segs, enc)
		}
		task, err := s.DynamoDB.GetTask(context.Background(), o.task)
		if err != nil {
			t.Fatal(err)
		}
		if task.Order.Locale == "" || task.Language == "" {
			t.Errorf("%s: task kept locale %q, language %q", o.fixture, task.Order.Locale, task.Language)
		}
	}
	for _, pii := range []string{"山田", "太郎", "Lucía", "García", "Jürgen", "Müller", "9012345678", "612345678", "15123456789"} {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, pii) {
				t.Errorf("a log line contains %q: %s", pii, line)
			}
		}
	}
}

// TestTheThankYouWaitsForTheDelivery: under TRIGGER=delivery the order's
// thank-you is not sent at the order's time plus the delay, starts with
// the delivery and goes out the delay later; an order whose delivery never
// comes expires at the end of the wait, unsent.
func TestTheThankYouWaitsForTheDelivery(t *testing.T) {
	ctx := context.Background()
	clock := localstack.NewClock(time.Date(2026, 11, 23, 16, 0, 2, 0, time.UTC))
	s := startStack(t, clock, &syncBuffer{}, "TRIGGER=delivery", "FULFILMENT_MAX_WAIT=240h")
	post(t, s, clock, "shopify-orders-create.json", http.StatusCreated)
	post(t, s, clock, "shopify-second-order.json", http.StatusCreated)

	// The order trigger would have sent both on Friday 27th (72 h later is
	// Thanksgiving), at 11:05 in New York and 16:05 in London.
	clock.Set(time.Date(2026, 11, 27, 16, 5, 0, 0, time.UTC))
	if sum, err := s.Dispatcher.Run(ctx); err != nil || sum.Sent != 0 {
		t.Fatalf("run at order+72h = %+v, %v; want nothing sent", sum, err)
	}
	if body := post(t, s, clock, "shopify-fulfillments-create.json", http.StatusOK); !strings.Contains(body, `"ignored"`) {
		t.Errorf("the fulfilment under a delivery trigger: %s", body)
	}
	if body := post(t, s, clock, "shopify-fulfillments-update-delivered.json", http.StatusOK); !strings.Contains(body, `"started"`) {
		t.Fatalf("the delivery: %s", body)
	}
	dispatchEachDue(t, s, clock, order1001)
	msgs := s.Twilio.Messages()
	if len(msgs) != 1 || msgs[0].To != "+12125550123" || !strings.HasPrefix(msgs[0].Body, "Hi Jane, thank you for your order #1001") {
		t.Fatalf("sent %+v, want order 1001's thank-you only", msgs)
	}
	if task, _ := s.DynamoDB.GetTask(ctx, order1001); task.TriggeredAt.IsZero() || task.DueAt.Before(task.TriggeredAt.Add(72*time.Hour)) {
		t.Errorf("order 1001 triggered %v, due %v: want due the delay after its delivery", task.TriggeredAt, task.DueAt)
	}

	// Order 1002's delivery never comes: at the end of its 240 h wait the
	// dispatcher expires it.
	clock.Set(time.Date(2026, 12, 3, 16, 20, 1, 0, time.UTC))
	sum, err := s.Dispatcher.Run(ctx)
	if err != nil || sum.Expired != 1 || sum.Sent != 0 {
		t.Fatalf("run at the end of the wait = %+v, %v; want 1 expired", sum, err)
	}
	task, err := s.DynamoDB.GetTask(ctx, order1002)
	if err != nil {
		t.Fatal(err)
	}
	if task.State != thankyou.StateExpired || !strings.Contains(task.Reason, "no delivery of the order") {
		t.Errorf("order 1002 = %s (%s), want expired for want of a delivery", task.State, task.Reason)
	}
	if n := len(s.Twilio.Messages()); n != 1 {
		t.Errorf("Twilio accepted %d messages, want still 1", n)
	}
}
