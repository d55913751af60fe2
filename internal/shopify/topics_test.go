package shopify

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

func TestParseReadsTagsCountryAndCustomerOrders(t *testing.T) {
	tests := []struct {
		name        string
		body        []byte
		wantTags    []string
		wantCountry string
		wantOrders  int
	}{
		{"tags as Shopify writes them", order(`"tags":"vip, wholesale ,, Gift Card"`), []string{"vip", "wholesale", "Gift Card"}, "", 0},
		{"no tags", order(`"tags":""`), nil, "", 0},
		{"null tags", order(`"tags":null`), nil, "", 0},
		{"tags as a list", order(`"tags":["vip"," wholesale ",""]`), []string{"vip", "wholesale"}, "", 0},
		{"shipping country wins over billing",
			order(`"shipping_address":{"country_code":"US"},"billing_address":{"country_code":"GB"}`), nil, "US", 0},
		{"billing country when nothing is shipped", order(`"billing_address":{"country_code":"gb"}`), nil, "GB", 0},
		{"unreadable shipping country falls back to billing",
			order(`"shipping_address":{"country_code":"USA"},"billing_address":{"country_code":"CA"}`), nil, "CA", 0},
		{"no address, no country", order(""), nil, "", 0},
		{"customer's orders_count, this order included", order(`"customer":{"orders_count":3}`), nil, "", 3},
		{"orders_count as a string", order(`"customer":{"orders_count":"1"}`), nil, "", 1},
		{"orders_count absent (newer API versions)", order(`"customer":{"first_name":"Jane"}`), nil, "", 0},
		{"orders_count null", order(`"customer":{"orders_count":null}`), nil, "", 0},
		{"orders_count negative", order(`"customer":{"orders_count":-2}`), nil, "", 0},
		{"orders_count not whole", order(`"customer":{"orders_count":1.5}`), nil, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(deliveryHeader(TopicOrdersCreate, testShop, ""), tt.body)
			if err != nil {
				t.Fatal(err)
			}
			o := d.Order
			if !reflect.DeepEqual(o.Tags, tt.wantTags) || o.Country != tt.wantCountry || o.CustomerOrders != tt.wantOrders {
				t.Errorf("Tags, Country, CustomerOrders = %q, %q, %d; want %q, %q, %d",
					o.Tags, o.Country, o.CustomerOrders, tt.wantTags, tt.wantCountry, tt.wantOrders)
			}
		})
	}
}

// bodyFor returns a valid body of topic for testShop.
func bodyFor(topic string) []byte {
	switch topic {
	case TopicOrdersCreate:
		return order("")
	case TopicOrdersCancelled:
		return order(`"cancelled_at":"2026-11-24T10:15:00-05:00"`)
	case TopicRefundsCreate:
		return []byte(`{"id":930197717,"order_id":450789469}`)
	case TopicShopRedact:
		return []byte(`{"shop_id":1,"shop_domain":"` + testShop + `"}`)
	}
	if topic == TopicCustomersDataRequest {
		return []byte(`{"shop_domain":"` + testShop + `","customer":{"id":191167},"orders_requested":[]}`)
	}
	return []byte(`{"shop_domain":"` + testShop + `","customer":{"id":191167},"orders_to_redact":[]}`)
}

func TestEveryDeliveryCarriesItsWebhookIDAndTriggerTime(t *testing.T) {
	topics := []string{TopicOrdersCreate, TopicOrdersCancelled, TopicRefundsCreate, TopicCustomersRedact,
		TopicShopRedact, TopicCustomersDataRequest, "app/uninstalled"}
	times := []struct {
		name, header string
		want         time.Time
	}{
		{"nanoseconds, as Shopify sends it", "2026-11-23T16:00:00.765432109Z", time.Date(2026, 11, 23, 16, 0, 0, 765432109, time.UTC)},
		{"whole seconds with an offset", "2026-11-23T11:00:00-05:00", time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)},
		{"unreadable", "yesterday", time.Time{}},
		{"without a zone", "2026-11-23T16:00:00", time.Time{}},
		{"missing", "", time.Time{}},
	}
	for _, topic := range topics {
		for _, tm := range times {
			t.Run(topic+"/"+tm.name, func(t *testing.T) {
				h := deliveryHeader(topic, testShop, "")
				h.Set("X-Shopify-Webhook-Id", "b54557e4-8a5f-4bf7-9d70-bcd043ab4f2c")
				if tm.header != "" {
					h.Set("X-Shopify-Triggered-At", tm.header)
				}
				d, err := parse(h, bodyFor(topic))
				if err != nil {
					t.Fatal(err)
				}
				if d.EventID != "b54557e4-8a5f-4bf7-9d70-bcd043ab4f2c" {
					t.Errorf("EventID = %q, want the X-Shopify-Webhook-Id", d.EventID)
				}
				if !d.OccurredAt.Equal(tm.want) {
					t.Errorf("OccurredAt = %v, want %v", d.OccurredAt, tm.want)
				}
			})
		}
	}
	t.Run("no webhook id", func(t *testing.T) {
		d, err := parse(deliveryHeader(TopicOrdersCreate, testShop, ""), order(""))
		if err != nil || d.EventID != "" {
			t.Errorf("EventID = %q, %v; want empty", d.EventID, err)
		}
	})
}

func TestCancellationsNameTheTaskTheCreationMade(t *testing.T) {
	tests := []struct {
		name, topic, shop string
		body              []byte
		wantID            string
		wantReason        string
	}{
		{"cancelled for fraud", TopicOrdersCancelled, testShop,
			[]byte(`{"id":450789469,"cancel_reason":"fraud","cancelled_at":"2026-11-24T10:15:00-05:00"}`), "450789469", "cancelled: fraud"},
		{"cancelled without a reason", TopicOrdersCancelled, testShop, []byte(`{"id":450789469,"cancel_reason":null,"cancelled_at":"2026-11-24T10:15:00-05:00"}`), "450789469", "cancelled"},
		{"cancelled with a blank reason", TopicOrdersCancelled, testShop, []byte(`{"id":"450789469","cancel_reason":" ","cancelled_at":"2026-11-24T10:15:00-05:00"}`), "450789469", "cancelled"},
		{"the project's cancellation of order 1001", TopicOrdersCancelled, testShop,
			readFile(t, "../../infra/fixtures/story/testdata/shopify-orders-cancelled.json"), "820982911946154508", "cancelled: customer"},
		{"Shopify's documented order, cancelled by the customer", TopicOrdersCancelled, "jsmith.myshopify.com",
			readFile(t, docsSample), "820982911946154508", "cancelled: customer"},
		{"a partial refund of order 1001", TopicRefundsCreate, testShop,
			readFile(t, "../../infra/fixtures/story/testdata/shopify-refunds-create.json"), "820982911946154508", "refunded"},
		{"Shopify's documented refund", TopicRefundsCreate, "jsmith.myshopify.com",
			readFile(t, "testdata/docs-refunds-create.json"), "820982911946154508", "refunded"},
		{"refund with the order id as a string", TopicRefundsCreate, testShop, []byte(`{"order_id":"9007199254740993"}`), "9007199254740993", "refunded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := parse(deliveryHeader(tt.topic, strings.ToUpper(tt.shop), ""), tt.body)
			if err != nil {
				t.Fatal(err)
			}
			want := thankyou.Order{Source: thankyou.SourceShopify, Shop: tt.shop, ID: tt.wantID}
			if d.Kind != thankyou.DeliveryOrderCancelled || d.Topic != tt.topic || d.Reason != tt.wantReason {
				t.Errorf("Kind, Topic, Reason = %q, %q, %q; want %q, %q, %q",
					d.Kind, d.Topic, d.Reason, thankyou.DeliveryOrderCancelled, tt.topic, tt.wantReason)
			}
			if !reflect.DeepEqual(d.Order, want) {
				t.Errorf("Order = %+v, want %+v", d.Order, want)
			}
			created, err := parse(deliveryHeader(TopicOrdersCreate, tt.shop, ""),
				[]byte(`{"id":`+tt.wantID+`,"created_at":"2026-11-23T11:00:00-05:00","line_items":[]}`))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := d.Order.TaskID(), created.Order.TaskID(); got != want {
				t.Errorf("cancellation names task %s, the creation made %s", got, want)
			}
		})
	}
}

func TestCancellationsWithoutAnOrderAreRefused(t *testing.T) {
	tests := []struct {
		name, topic, body, wantMsg string
	}{
		{"cancellation without id", TopicOrdersCancelled, `{"cancel_reason":"fraud"}`, "order id is missing"},
		{"cancellation with a GraphQL id", TopicOrdersCancelled, `{"id":"gid://shopify/Order/1"}`, "order id is not a positive whole number"},
		{"cancellation reason not a string", TopicOrdersCancelled, `{"id":1,"cancel_reason":7}`, "order field cancel_reason is a JSON number"},
		{"refund without order_id", TopicRefundsCreate, `{"id":930197717}`, "refund order_id is missing"},
		{"refund of order 0", TopicRefundsCreate, `{"order_id":0}`, "refund order_id is not a positive whole number"},
		{"refund order_id an object", TopicRefundsCreate, `{"order_id":{"id":1}}`, "refund field order_id is a JSON object"},
		{"refund body an array", TopicRefundsCreate, `[{"order_id":1}]`, "body is a JSON array, not an object"},
		{"refund body truncated", TopicRefundsCreate, `{"order_id":1`, "body is not valid JSON"},
		{"cancellation without shop", TopicOrdersCancelled, `{"id":1}`, "missing X-Shopify-Shop-Domain header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			shop := testShop
			if strings.Contains(tt.name, "without shop") {
				shop = ""
			}
			_, err := parse(deliveryHeader(tt.topic, shop, ""), []byte(tt.body))
			if got := errorCode(err); got != thankyou.EINVALID {
				t.Fatalf("code = %q (%v), want %q", got, err, thankyou.EINVALID)
			}
			if msg := thankyou.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestPrivacyRequestsNameTheCustomer(t *testing.T) {
	const fixtures = "../../infra/fixtures/story/testdata/"
	janeDoe := thankyou.Customer{PlatformID: "207119551284732956", Phones: []string{"+12125550123"},
		Emails: []string{"jane.doe@example.com"}, OrderIDs: []string{"820982911946154508"}}
	// Shopify's documented samples carry a placeholder phone (555-625-1199).
	johnSmith := thankyou.Customer{PlatformID: "191167", Emails: []string{"john@example.com"},
		OrderIDs: []string{"299938", "280263", "220458"}}
	tests := []struct {
		name, topic, shop string
		body              []byte
		defaultCountry    string
		wantKind          thankyou.DeliveryKind
		want              thankyou.Customer
	}{
		{"the project's customers/redact", TopicCustomersRedact, testShop, readFile(t, fixtures+"shopify-customers-redact.json"),
			"US", thankyou.DeliveryCustomerRedact, janeDoe},
		{"the project's customers/data_request", TopicCustomersDataRequest, testShop, readFile(t, fixtures+"shopify-customers-data-request.json"),
			"US", thankyou.DeliveryDataRequest, janeDoe},
		{"the project's shop/redact", TopicShopRedact, testShop, readFile(t, fixtures+"shopify-shop-redact.json"),
			"US", thankyou.DeliveryShopRedact, thankyou.Customer{}},
		{"Shopify's documented customers/redact", TopicCustomersRedact, "jsmith.myshopify.com", readFile(t, "testdata/docs-customers-redact.json"),
			"US", thankyou.DeliveryCustomerRedact, johnSmith},
		{"Shopify's documented customers/data_request", TopicCustomersDataRequest, "jsmith.myshopify.com",
			readFile(t, "testdata/docs-customers-data-request.json"), "US", thankyou.DeliveryDataRequest, johnSmith},
		{"Shopify's documented shop/redact", TopicShopRedact, "jsmith.myshopify.com", readFile(t, "testdata/docs-shop-redact.json"),
			"US", thankyou.DeliveryShopRedact, thankyou.Customer{}},
		{"national phone read in the shop's country", TopicCustomersRedact, testShop,
			[]byte(`{"shop_domain":"` + testShop + `","customer":{"phone":"07911 123456"}}`),
			"GB", thankyou.DeliveryCustomerRedact, thankyou.Customer{Phones: []string{"+447911123456"}}},
		{"email only", TopicCustomersRedact, testShop,
			[]byte(`{"shop_domain":"` + testShop + `","customer":{"id":null,"email":" jane.doe@example.com "}}`),
			"US", thankyou.DeliveryCustomerRedact, thankyou.Customer{Emails: []string{"jane.doe@example.com"}}},
		{"orders only", TopicCustomersDataRequest, testShop,
			[]byte(`{"shop_domain":"` + testShop + `","customer":{},"orders_requested":["820982911946154508"]}`),
			"US", thankyou.DeliveryDataRequest, thankyou.Customer{OrderIDs: []string{"820982911946154508"}}},
		{"orders_to_redact without orders is a redaction", TopicCustomersRedact, testShop,
			[]byte(`{"shop_domain":"` + testShop + `","customer":{"id":5},"orders_to_redact":[]}`),
			"US", thankyou.DeliveryCustomerRedact, thankyou.Customer{PlatformID: "5"}},
		{"shop_domain in the body in another case", TopicShopRedact, testShop,
			[]byte(`{"shop_domain":"ThankYou-Demo.myshopify.com"}`), "US", thankyou.DeliveryShopRedact, thankyou.Customer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := webhook.Request{Header: deliveryHeader(tt.topic, tt.shop, ""), Body: tt.body}
			d, err := (&Source{}).Parse(r, tt.defaultCountry)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.wantKind || d.Topic != tt.topic {
				t.Errorf("Kind, Topic = %q, %q; want %q, %q", d.Kind, d.Topic, tt.wantKind, tt.topic)
			}
			if !reflect.DeepEqual(d.Customer, tt.want) {
				t.Errorf("Customer = %+v, want %+v", d.Customer, tt.want)
			}
			if !reflect.DeepEqual(d.Order, thankyou.Order{}) {
				t.Errorf("Order = %+v, want none", d.Order)
			}
		})
	}
}

func TestPrivacyRequestsForAnotherShopOrNoCustomerAreRefused(t *testing.T) {
	tests := []struct {
		name, topic, body, wantMsg string
	}{
		{"customers/redact for another shop", TopicCustomersRedact,
			`{"shop_domain":"other.myshopify.com","customer":{"id":1}}`, "shop_domain is not the X-Shopify-Shop-Domain header's shop"},
		{"data request for another shop", TopicCustomersDataRequest,
			`{"shop_domain":"other.myshopify.com","customer":{"id":1}}`, "shop_domain is not the X-Shopify-Shop-Domain header's shop"},
		{"shop/redact for another shop", TopicShopRedact, `{"shop_domain":"other.myshopify.com"}`, "shop_domain is not the X-Shopify-Shop-Domain header's shop"},
		{"shop/redact without shop_domain", TopicShopRedact, `{"shop_id":954889}`, "privacy request has no shop_domain"},
		{"customers/redact with a null shop_domain", TopicCustomersRedact, `{"shop_domain":null,"customer":{"id":1}}`, "privacy request has no shop_domain"},
		{"shop_domain not a string", TopicShopRedact, `{"shop_domain":7}`, "privacy request field shop_domain is a JSON number"},
		{"no customer", TopicCustomersRedact, `{"shop_domain":"` + testShop + `","orders_to_redact":[1]}`, "privacy request has no customer"},
		{"customer with nothing to find them by", TopicCustomersRedact, `{"shop_domain":"` + testShop + `","customer":{"id":null,"email":""}}`,
			"names no customer id, email, valid phone number or order"},
		{"customer with only a placeholder phone", TopicCustomersDataRequest, `{"shop_domain":"` + testShop + `","customer":{"phone":"555-625-1199"}}`,
			"names no customer id, email, valid phone number or order"},
		{"customer id not a number", TopicCustomersRedact, `{"shop_domain":"` + testShop + `","customer":{"id":"gid://shopify/Customer/1"}}`,
			"customer id is not a positive whole number"},
		{"an order to redact that is not an id", TopicCustomersRedact, `{"shop_domain":"` + testShop + `","customer":{"id":1},"orders_to_redact":[1,"#1001"]}`,
			"orders_to_redact[1] is not a positive whole number"},
		{"an order requested that is not an id", TopicCustomersDataRequest, `{"shop_domain":"` + testShop + `","customer":{"id":1},"orders_requested":[0]}`,
			"orders_requested[0] is not a positive whole number"},
		{"orders_to_redact not a list", TopicCustomersRedact, `{"shop_domain":"` + testShop + `","customer":{"id":1},"orders_to_redact":1}`,
			"privacy request field orders_to_redact is a JSON number"},
		{"empty body", TopicShopRedact, ``, "body is empty"},
		{"a data request sent as a redaction", TopicCustomersRedact, `{"shop_domain":"` + testShop + `","customer":{"id":5},"orders_requested":[1]}`,
			"does not fit topic customers/redact"},
		{"a redaction sent as a data request", TopicCustomersDataRequest, `{"shop_domain":"` + testShop + `","customer":{"id":5},"orders_to_redact":[1]}`,
			"does not fit topic customers/data_request"},
		{"a customer's redaction sent as the shop's", TopicShopRedact, `{"shop_domain":"` + testShop + `","customer":{"id":5},"orders_to_redact":[1]}`,
			"does not fit topic shop/redact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(deliveryHeader(tt.topic, testShop, ""), []byte(tt.body))
			if got := errorCode(err); got != thankyou.EINVALID {
				t.Fatalf("code = %q (%v), want %q", got, err, thankyou.EINVALID)
			}
			if msg := thankyou.ErrorMessage(err); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.wantMsg)
			}
			for _, secret := range []string{"jane", "555-625-1199", "@example.com"} {
				if strings.Contains(strings.ToLower(err.Error()), secret) {
					t.Errorf("error %q repeats personal data", err)
				}
			}
		})
	}
}

func TestOtherTopicsAreIgnoredWithoutReadingTheBody(t *testing.T) {
	for _, topic := range []string{"orders/updated", "orders/paid", "app/uninstalled", "refunds/update", "customers/create"} {
		t.Run(topic, func(t *testing.T) {
			h := http.Header{"X-Shopify-Topic": {topic}, "X-Shopify-Webhook-Id": {"w-1"}}
			d, err := parse(h, []byte("not json"))
			if err != nil {
				t.Fatal(err)
			}
			if want := (thankyou.Delivery{Kind: thankyou.DeliveryIgnored, Topic: topic, EventID: "w-1"}); !reflect.DeepEqual(d, want) {
				t.Errorf("Delivery = %+v, want %+v", d, want)
			}
		})
	}
}

// The topic header is not signed: a signed body resent under another topic
// must not choose another action. Each of the project's signed bodies is
// refused under every acting topic it does not fit.
func TestABodyThatDoesNotFitItsTopicIsRefused(t *testing.T) {
	const fixtures = "../../infra/fixtures/testdata/"
	bodies := map[string]string{
		TopicOrdersCreate:         "shopify-orders-create.json",
		TopicOrdersCancelled:      "shopify-orders-cancelled.json",
		TopicRefundsCreate:        "shopify-refunds-create.json",
		TopicCustomersRedact:      "shopify-customers-redact.json",
		TopicCustomersDataRequest: "shopify-customers-data-request.json",
		TopicShopRedact:           "shopify-shop-redact.json",
	}
	for fitting, file := range bodies {
		body := readFile(t, fixtures+file)
		for topic := range bodies {
			t.Run(file+" as "+topic, func(t *testing.T) {
				d, err := parse(deliveryHeader(topic, testShop, ""), body)
				if topic == fitting {
					if err != nil || d.Kind == thankyou.DeliveryIgnored {
						t.Fatalf("its own topic: %+v, %v", d.Kind, err)
					}
					return
				}
				if got := errorCode(err); got != thankyou.EINVALID {
					t.Fatalf("kind %q, code %q (%v); want the body refused as not fitting %s", d.Kind, got, err, topic)
				}
			})
		}
	}
}
