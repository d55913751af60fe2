package stripe_test

import (
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/stripe"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

func BenchmarkParse(b *testing.B) {
	body := payload(b, "stripe-checkout-completed.json")
	for b.Loop() {
		if _, err := (stripe.Source{}).Parse(webhook.Request{Body: body, Received: now}, "US"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	body := payload(b, "stripe-checkout-completed.json")
	r := request(secret, now, body)
	for b.Loop() {
		if err := (stripe.Source{}).Verify(r, [][]byte{other, secret}); err != nil {
			b.Fatal(err)
		}
	}
}
