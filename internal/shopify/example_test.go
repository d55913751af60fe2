package shopify_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

func ExampleSource() {
	src := &shopify.Source{}
	secrets := [][]byte{[]byte("local-shopify-webhook-secret")}
	body := []byte(`{"id":820982911946154508,"order_number":1001,"created_at":"2026-11-23T11:00:00-05:00",` +
		`"total_price":"199.65","currency":"USD","customer":{"first_name":"Jane","last_name":"Doe"},` +
		`"billing_address":{"phone":"(212) 555-0123","country_code":"US"},"line_items":[]}`)

	h := http.Header{}
	h.Add("x-shopify-topic", "orders/create")
	h.Add("x-shopify-shop-domain", "thankyou-demo.myshopify.com")
	h.Add("x-shopify-hmac-sha256", shopify.Sign(secrets[0], body))

	r := webhook.Request{Header: h, Body: body}
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
	fmt.Println(d.Kind, o.TaskID())
	fmt.Println(o.Number, o.FirstName, phone.Mask(o.Phone), o.Total, o.Currency)

	h.Set("x-shopify-hmac-sha256", shopify.Sign([]byte("another secret"), body))
	fmt.Println(src.Verify(r, secrets))
	// Output:
	// order_created shopify:thankyou-demo.myshopify.com:820982911946154508
	// 1001 Jane +1********23 199.65 USD
	// unauthorized: X-Shopify-Hmac-Sha256 signature does not match the body
}

func ExampleSource_Parse() {
	src := &shopify.Source{}
	deliver := func(topic, body string) {
		h := http.Header{}
		h.Add("x-shopify-topic", topic)
		h.Add("x-shopify-shop-domain", "thankyou-demo.myshopify.com")
		h.Add("x-shopify-webhook-id", "b54557e4-8a5f-4bf7-9d70-bcd043ab4f2c")
		h.Add("x-shopify-triggered-at", "2026-11-24T15:15:00.765432109Z")
		d, err := src.Parse(webhook.Request{Header: h, Body: []byte(body)}, "US")
		if err != nil {
			fmt.Println(err)
			return
		}
		switch d.Kind {
		case thankyou.DeliveryOrderCancelled:
			fmt.Println(d.Kind, d.Order.TaskID(), d.Reason, d.OccurredAt.Format(time.Kitchen))
		case thankyou.DeliveryCustomerRedact:
			c := d.Customer
			fmt.Println(d.Kind, c.PlatformID, phone.Mask(c.Phones[0]), c.OrderIDs)
		default:
			fmt.Println(d.Kind, d.Topic, d.EventID)
		}
	}
	deliver("orders/cancelled", `{"id":820982911946154508,"cancel_reason":"fraud","cancelled_at":"2026-11-24T10:15:00-05:00"}`)
	deliver("refunds/create", `{"id":930197717,"order_id":820982911946154508}`)
	deliver("customers/redact", `{"shop_domain":"thankyou-demo.myshopify.com",`+
		`"customer":{"id":207119551284732956,"phone":"(212) 555-0123"},"orders_to_redact":[820982911946154508]}`)
	deliver("customers/redact", `{"shop_domain":"another-shop.myshopify.com","customer":{"id":1}}`)
	deliver("orders/updated", `not read`)
	// Output:
	// order_cancelled shopify:thankyou-demo.myshopify.com:820982911946154508 cancelled: fraud 3:15PM
	// order_cancelled shopify:thankyou-demo.myshopify.com:820982911946154508 refunded 3:15PM
	// customer_redact 207119551284732956 +1********23 [820982911946154508]
	// invalid: privacy request shop_domain is not the X-Shopify-Shop-Domain header's shop
	// ignored orders/updated b54557e4-8a5f-4bf7-9d70-bcd043ab4f2c
}
