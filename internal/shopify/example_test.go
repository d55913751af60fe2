package shopify_test

import (
	"fmt"
	"net/http"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/shopify"
)

func ExampleSource() {
	src := &shopify.Source{Secret: []byte("local-shopify-webhook-secret"), DefaultCountry: "US"}
	body := []byte(`{"id":820982911946154508,"order_number":1001,"created_at":"2026-11-23T11:00:00-05:00",` +
		`"total_price":"199.65","currency":"USD","customer":{"first_name":"Jane","last_name":"Doe"},` +
		`"billing_address":{"phone":"(212) 555-0123","country_code":"US"}}`)

	h := http.Header{}
	h.Add("x-shopify-topic", "orders/create")
	h.Add("x-shopify-shop-domain", "thankyou-demo.myshopify.com")
	h.Add("x-shopify-hmac-sha256", shopify.Sign(src.Secret, body))

	if err := src.Verify(h, body); err != nil {
		fmt.Println(err)
		return
	}
	d, err := src.Parse(h, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	o := d.Order
	fmt.Println(d.Kind, o.TaskID())
	fmt.Println(o.Number, o.FirstName, phone.Mask(o.Phone), o.Total, o.Currency)

	h.Set("x-shopify-hmac-sha256", shopify.Sign([]byte("another secret"), body))
	fmt.Println(src.Verify(h, body))
	// Output:
	// order_created shopify:thankyou-demo.myshopify.com:820982911946154508
	// 1001 Jane +1********23 199.65 USD
	// unauthorized: X-Shopify-Hmac-Sha256 signature does not match the body
}
