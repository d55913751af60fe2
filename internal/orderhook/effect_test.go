package orderhook_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/effect"
	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

const effectShop = "effect-shop"

// genericCancel builds a signed generic order.cancelled delivery.
func genericCancel(shop, secret, id string, at time.Time) events.APIGatewayV2HTTPRequest {
	body := fmt.Sprintf(`{"event":"order.cancelled","order":{"id":%q},"reason":"refunded"}`, id)
	return events.APIGatewayV2HTTPRequest{
		RouteKey:       "POST /webhooks/{source}",
		RawPath:        "/webhooks/generic",
		PathParameters: map[string]string{"source": "generic"},
		Headers: map[string]string{
			"content-type": "application/json", "x-shop": shop, "x-timestamp": fmt.Sprint(at.Unix()),
			"x-signature-256": generic.Sign([]byte(secret), at, []byte(body)), "x-event-id": "evt-cancel-" + id,
		},
		Body:           body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{TimeEpoch: at.UnixMilli()},
	}
}

// TestHeldOutCustomersAreNeverContactedAndTheirRepeatsCount plays two
// orders of forty customers through the handler of a shop holding half
// its customers out: a held-out customer's orders are recorded held_out
// and never due; every customer keeps their group; the later orders are
// linked as repeats, and a refunded one leaves the figures.
func TestHeldOutCustomersAreNeverContactedAndTheirRepeatsCount(t *testing.T) {
	const secret = "secret-of-the-effect-shop"
	t.Setenv("EFFECT_SHOP_SECRET", secret)
	f := newFixture(t, map[string]string{"GENERIC_WEBHOOK_SECRET": ""})
	ctx := context.Background()
	salt, err := effect.NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	sh := thankyou.Shop{Source: thankyou.SourceGeneric, ID: effectShop, Name: "Effect", SecretRefs: []string{"env:EFFECT_SHOP_SECRET"},
		TimeZone: "America/New_York", DefaultCountry: "US", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("09:00-20:00 Mon-Sun"),
		Delay: 24 * time.Hour, ExpireAfter: 72 * time.Hour, Holdout: 5000, Salt: salt}
	if err := f.store.PutShop(ctx, sh, received); err != nil {
		t.Fatal(err)
	}
	var emf bytes.Buffer
	f.h.Metrics = metrics.New(&emf, nil)
	t0 := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	const customers = 40
	held := map[int]bool{}
	for round, at := range []time.Time{t0, t0.Add(2 * time.Hour)} {
		for i := range customers {
			id := fmt.Sprintf("R%d-%02d", round, i)
			status, body := f.postAt(t, genericOrder(t, effectShop, secret, id, fmt.Sprintf("+1212555%04d", i), at))
			if status != http.StatusCreated {
				t.Fatalf("order %s: %d %v", id, status, body)
			}
			isHeld := body["state"] == string(thankyou.StateHeldOut)
			if round == 0 {
				held[i] = isHeld
				if !isHeld && body["state"] != string(thankyou.StatePending) {
					t.Fatalf("order %s: %v, want pending or held out", id, body)
				}
			} else if isHeld != held[i] {
				t.Errorf("customer %d changed group on their second order: %v", i, body)
			}
			if isHeld && !strings.Contains(body["reason"], "50% holdout") {
				t.Errorf("order %s: held out with reason %q", id, body["reason"])
			}
		}
	}
	n := 0
	for _, h := range held {
		if h {
			n++
		}
	}
	if n == 0 || n == customers {
		t.Fatalf("%d of %d customers held out under 50%%", n, customers)
	}
	due, err := f.store.DueTaskIDs(ctx, t0.Add(365*24*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * (customers - n); len(due) != want {
		t.Errorf("%d tasks due, want %d (the thanked customers' orders alone)", len(due), want)
	}
	for _, id := range due {
		task, err := f.store.GetTask(ctx, id)
		if err != nil || task.State != thankyou.StatePending {
			t.Errorf("due task %s: %+v, %v", id, task.State, err)
		}
	}
	if got, want := strings.Count(emf.String(), `"HeldOut":1`), 2*n; got != want {
		t.Errorf("%d HeldOut counts in the EMF records, want %d", got, want)
	}
	if got := strings.Count(emf.String(), `"RepeatOrder":1`); got != customers {
		t.Errorf("%d RepeatOrder counts in the EMF records, want %d", got, customers)
	}
	// A held-out customer's test order: never contacted, and no purchase.
	hi := 0
	for !held[hi] {
		hi++
	}
	at := t0.Add(3 * time.Hour)
	test := genericOrder(t, effectShop, secret, "T-1", fmt.Sprintf("+1212555%04d", hi), at)
	test.Body = strings.Replace(test.Body, `"shipping_country":"US"`, `"shipping_country":"US","test":true`, 1)
	test.Headers["x-signature-256"] = generic.Sign([]byte(secret), at, []byte(test.Body))
	if status, body := f.postAt(t, test); status != http.StatusCreated || body["state"] != string(thankyou.StateHeldOut) {
		t.Fatalf("test order of held-out customer %d: %d %v, want held out", hi, status, body)
	}
	if got := strings.Count(emf.String(), `"RepeatOrder":1`); got != customers {
		t.Errorf("the test order was counted as a repeat")
	}
	// The first customer's repeat is refunded.
	if status, body := f.postAt(t, genericCancel(effectShop, secret, "R1-00", t0.Add(3*time.Hour))); status != http.StatusOK {
		t.Fatalf("cancel: %d %v", status, body)
	}
	links, err := f.store.EffectLinks(ctx, effectShop)
	if err != nil {
		t.Fatal(err)
	}
	rep := effect.Build(links, effect.Options{Since: t0.Add(-time.Hour), Now: t0.Add(100 * 24 * time.Hour), Resamples: 10})
	var counted, repeaters int
	for _, g := range rep.Groups {
		counted += g.Customers
		repeaters += g.Repeaters
	}
	if counted != customers || repeaters != customers-1 {
		t.Errorf("%d customers, %d repeaters; want %d and %d (the refunded repeat left out)", counted, repeaters, customers, customers-1)
	}
}
