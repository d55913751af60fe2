package shopify

import (
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// ignoredFulfillment reports whether d is a fulfilment topic's delivery
// that was read and left alone (nothing shipped): the one case where a
// topic with a parser gives DeliveryIgnored.
func ignoredFulfillment(d thankyou.Delivery) bool {
	return d.Kind == thankyou.DeliveryIgnored && (d.Topic == TopicFulfillmentsCreate || d.Topic == TopicFulfillmentsUpdate)
}

func TestFulfillmentsStartTheirOrdersThankYou(t *testing.T) {
	const (
		created = `"created_at":"2026-11-25T09:30:00-05:00"`
		updated = `"updated_at":"2026-11-27T14:10:00-05:00"`
	)
	createdAt := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	updatedAt := time.Date(2026, 11, 27, 19, 10, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, topic, body string
		kind              thankyou.DeliveryKind
		at                time.Time
	}{
		{"shipped", TopicFulfillmentsCreate, `{"id":255858046,"order_id":820982911946154508,"status":"success","shipment_status":null,` + created + `,` + updated + `}`,
			thankyou.DeliveryOrderFulfilled, createdAt},
		{"in transit", TopicFulfillmentsUpdate, `{"id":255858046,"order_id":"820982911946154508","status":"success","shipment_status":"in_transit",` + created + `,` + updated + `}`,
			thankyou.DeliveryOrderFulfilled, createdAt},
		{"delivered", TopicFulfillmentsUpdate, `{"id":255858046,"order_id":820982911946154508,"status":"success","shipment_status":"delivered",` + created + `,` + updated + `}`,
			thankyou.DeliveryOrderDelivered, updatedAt},
		{"delivered at once (local pickup)", TopicFulfillmentsCreate, `{"id":255858046,"order_id":820982911946154508,"status":"success","shipment_status":"DELIVERED",` + created + `}`,
			thankyou.DeliveryOrderDelivered, createdAt},
		{"no times", TopicFulfillmentsCreate, `{"id":255858046,"order_id":820982911946154508,"status":"success"}`,
			thankyou.DeliveryOrderFulfilled, time.Time{}},
		{"cancelled fulfilment", TopicFulfillmentsUpdate, `{"id":255858046,"order_id":820982911946154508,"status":"cancelled","shipment_status":"delivered"}`,
			thankyou.DeliveryIgnored, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parse(deliveryHeader(tc.topic, testShop, ""), []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tc.kind || !d.FulfilledAt.Equal(tc.at) {
				t.Errorf("Kind, FulfilledAt = %q, %v; want %q, %v", d.Kind, d.FulfilledAt, tc.kind, tc.at)
			}
			want := thankyou.Order{Source: thankyou.SourceShopify, Shop: testShop, ID: "820982911946154508"}
			if d.Order.TaskID() != want.TaskID() {
				t.Errorf("task %q, want the order's %q", d.Order.TaskID(), want.TaskID())
			}
		})
	}
}

func TestAFulfillmentBodyMustBeAFulfillment(t *testing.T) {
	for name, body := range map[string]string{
		"an order":              string(order("")),
		"no order_id":           `{"id":255858046,"status":"success"}`,
		"no id":                 `{"order_id":820982911946154508,"status":"success"}`,
		"no status":             `{"id":255858046,"order_id":820982911946154508}`,
		"order_id not a number": `{"id":255858046,"order_id":"#1001","status":"success"}`,
		"unreadable created_at": `{"id":255858046,"order_id":820982911946154508,"status":"success","created_at":"yesterday"}`,
		"not an object":         `[]`,
	} {
		t.Run(name, func(t *testing.T) {
			for _, topic := range []string{TopicFulfillmentsCreate, TopicFulfillmentsUpdate} {
				if _, err := parse(deliveryHeader(topic, testShop, ""), []byte(body)); errorCode(err) != thankyou.EINVALID {
					t.Errorf("%s: err = %v, want EINVALID", topic, err)
				}
			}
		})
	}
}

func TestOrdersCarryTheCustomersLocaleAndFamilyName(t *testing.T) {
	for _, tc := range []struct {
		name, fields          string
		locale, first, family string
	}{
		{"japanese customer", `"customer_locale":"ja","customer":{"first_name":"太郎","last_name":"山田"}`, "ja", "太郎", "山田"},
		{"underscore locale", `"customer_locale":"pt_BR","billing_address":{"first_name":"João","last_name":"Silva"}`, "pt-BR", "João", "Silva"},
		{"unreadable locale", `"customer_locale":"??","customer":{"first_name":"Jane"}`, "", "Jane", ""},
		{"only an address name", `"billing_address":{"name":"山田 太郎"}`, "", "山田", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := parse(deliveryHeader(TopicOrdersCreate, testShop, ""), order(tc.fields))
			if err != nil {
				t.Fatal(err)
			}
			o := d.Order
			if o.Locale != tc.locale || o.FirstName != tc.first || o.FamilyName != tc.family {
				t.Errorf("Locale, FirstName, FamilyName = %q, %q, %q; want %q, %q, %q", o.Locale, o.FirstName, o.FamilyName, tc.locale, tc.first, tc.family)
			}
		})
	}
}

// FuzzParseFulfillment: any fulfilment body gives a fulfilment or delivery
// of a valid order id, an ignored delivery, or an EINVALID error.
func FuzzParseFulfillment(f *testing.F) {
	for _, name := range []string{"shopify-fulfillments-create.json", "shopify-fulfillments-update-delivered.json"} {
		b := readFile(f, "../../infra/fixtures/story/testdata/"+name)
		f.Add(TopicFulfillmentsCreate, b)
		f.Add(TopicFulfillmentsUpdate, b)
	}
	f.Add(TopicFulfillmentsUpdate, []byte(`{"id":1,"order_id":"18446744073709551615","status":"success","shipment_status":"delivered","updated_at":null}`))
	f.Add(TopicFulfillmentsCreate, []byte(`{"id":1,"order_id":2,"status":null}`))
	f.Fuzz(func(t *testing.T, topic string, body []byte) {
		d, err := parse(deliveryHeader(topic, testShop, ""), body)
		if err != nil {
			if errorCode(err) != thankyou.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			return
		}
		switch d.Kind {
		case thankyou.DeliveryOrderFulfilled, thankyou.DeliveryOrderDelivered:
			if d.Order.ID == "" || d.Order.Shop != testShop || d.Order.Source != thankyou.SourceShopify {
				t.Fatalf("fulfilment of order %+v", d.Order)
			}
		case thankyou.DeliveryIgnored:
		default:
			if topic == TopicFulfillmentsCreate || topic == TopicFulfillmentsUpdate {
				t.Fatalf("a fulfilment topic gave %q", d.Kind)
			}
		}
	})
}
