package generic_test

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// A shop signs an order.created event; the order webhook verifies it with
// the shop's secrets and normalises it.
func Example() {
	secret := []byte("local-generic-webhook-secret")
	sent := time.Date(2026, 11, 23, 17, 0, 2, 0, time.UTC)
	body := []byte(`{"event":"order.created","order":{"id":"G-1001","number":"1001",` +
		`"created_at":"2026-11-23T12:00:00-05:00","total":"84.50","currency":"USD",` +
		`"customer":{"first_name":"Maria","last_name":"Garcia","phone":"(212) 555-0188"},"shipping_country":"US",` +
		`"items":[{"name":"Hand-thrown mug, speckled","quantity":2},{"name":"Linen tea towel"}]}}`)

	// The sender's side.
	h := http.Header{}
	h.Set(generic.HeaderTimestamp, strconv.FormatInt(sent.Unix(), 10))
	h.Set(generic.HeaderSignature, generic.Sign(secret, sent, body))
	h.Set(generic.HeaderEventID, "G-1001-created")
	h.Set(generic.HeaderShop, "thankyou-demo")

	// The receiver's side.
	src, err := generic.New()
	if err != nil {
		panic(err)
	}
	r := webhook.Request{Header: h, Body: body, Received: sent.Add(time.Second)}
	if err := src.Verify(r, [][]byte{secret}); err != nil {
		fmt.Println(err)
		return
	}
	d, err := src.Parse(r, "US")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Kind, d.EventID, d.OccurredAt.Format(time.RFC3339))
	fmt.Println(d.Order.TaskID(), d.Order.Number, d.Order.FirstName, d.Order.Phone, d.Order.Total, d.Order.Currency)
	fmt.Printf("%q\n", d.Order.Items)

	// The same delivery replayed ten minutes later.
	r.Received = sent.Add(10 * time.Minute)
	fmt.Println(src.Verify(r, [][]byte{secret}))
	// Output:
	// order_created G-1001-created 2026-11-23T17:00:02Z
	// generic:thankyou-demo:G-1001 1001 Maria +12125550188 84.50 USD
	// ["2 × Hand-thrown mug, speckled" "Linen tea towel"]
	// unauthorized: X-Timestamp header is more than 5m0s from the time the delivery was received (replayed, or a wrong clock)
}

func ExampleSign() {
	body := []byte(`{"event":"order.cancelled","order":{"id":"G-1001"}}`)
	fmt.Println(generic.Sign([]byte("local-generic-webhook-secret"), time.Unix(1795510802, 0), body))
	// Output: sha256=b1a5fcafd939e6db50b6d5aeaefa38c10f3cc08160a7a51b93f97974c95d5be0
}
