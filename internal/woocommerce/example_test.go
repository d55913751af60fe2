package woocommerce_test

import (
	"fmt"
	"net/http"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
	"github.com/thankyoucalls/thankyoucalls/internal/woocommerce"
)

func ExampleSource() {
	var src woocommerce.Source
	secrets := [][]byte{[]byte("local-woocommerce-webhook-secret")}
	body := []byte(`{"id":5001,"number":"5001","status":"processing","currency":"USD","total":"57.26",` +
		`"date_created_gmt":"2026-11-23T17:00:00","date_modified_gmt":"2026-11-23T17:00:02",` +
		`"billing":{"first_name":"Olivia","last_name":"Martin","country":"US","phone":"(212) 555-0140"}}`)

	h := http.Header{}
	h.Add("x-wc-webhook-topic", "order.created")
	h.Add("x-wc-webhook-source", "https://shop.example.com/")
	h.Add("x-wc-webhook-signature", woocommerce.Sign(secrets[0], body))
	r := webhook.Request{Header: h, Body: body}

	shop, _ := src.ShopID(r)
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
	fmt.Println(shop, d.Kind, o.TaskID())
	fmt.Println(o.Number, o.FirstName, phone.Mask(o.Phone), o.Total, o.Currency, o.CreatedAt)

	// The ping WooCommerce sends when a webhook is activated is unsigned.
	ping := webhook.Request{Header: http.Header{}, Body: []byte("webhook_id=7")}
	d, err = src.Parse(ping, "US")
	fmt.Println(src.Verify(ping, secrets), d.Kind, d.Topic, err)

	h.Set("x-wc-webhook-signature", woocommerce.Sign([]byte("another secret"), body))
	fmt.Println(src.Verify(r, secrets))
	// Output:
	// shop.example.com order_created woocommerce:shop.example.com:5001
	// 5001 Olivia +1********40 57.26 USD 2026-11-23 17:00:00 +0000 UTC
	// <nil> ignored ping <nil>
	// unauthorized: X-WC-Webhook-Signature signature does not match the body
}
