package stripe_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/stripe"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

func ExampleSource() {
	secrets := [][]byte{[]byte("whsec_localstripesigningsecret0123456789")}
	body := []byte(`{"id":"evt_1SWqJ4LkdIwHu7ix0Fz3aB1c","object":"event","type":"checkout.session.completed",` +
		`"created":1795453803,"livemode":true,"data":{"object":{"id":"cs_live_a1Pq8","object":"checkout.session",` +
		`"mode":"payment","payment_status":"paid","payment_intent":"pi_3SWqHzLkdIwHu7ix1c7Vd2Xa","created":1795453721,` +
		`"amount_total":1500,"currency":"jpy","client_reference_id":"2001",` +
		`"customer_details":{"name":"Yuki Tanaka","phone":"03-1234-5678","address":{"country":"JP"}}}}}`)
	sent := time.Date(2026, 11, 23, 17, 10, 4, 0, time.UTC)

	h := http.Header{}
	h.Set("Stripe-Signature", stripe.Sign(secrets[0], sent, body))
	r := webhook.Request{Header: h, Body: body, Received: sent.Add(2 * time.Second)}

	src := stripe.Source{}
	if err := src.Verify(r, secrets); err != nil {
		fmt.Println(err)
		return
	}
	d, err := src.Parse(r, "US")
	if err != nil {
		fmt.Println(err)
		return
	}
	o := d.Order
	fmt.Println(d.Kind, d.EventID, o.TaskID())
	fmt.Println(o.Number, o.FirstName, phone.Mask(o.Phone), o.Total, o.Currency)

	// The same delivery captured and replayed ten minutes later.
	r.Received = sent.Add(10 * time.Minute)
	fmt.Println(src.Verify(r, secrets))
	// Output:
	// order_created evt_1SWqJ4LkdIwHu7ix0Fz3aB1c stripe::pi_3SWqHzLkdIwHu7ix1c7Vd2Xa
	// 2001 Yuki +8********78 1500 JPY
	// unauthorized: Stripe-Signature timestamp outside the tolerance (replayed or delayed delivery)
}
