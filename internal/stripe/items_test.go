package stripe_test

import (
	"slices"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// lineItem is a Checkout Session line item as an expanded session lists it.
func lineItem(description any, quantity any) map[string]any {
	return map[string]any{
		"id": "li_1SWqHzLkdIwHu7ix", "object": "item", "amount_total": 1099, "currency": "usd",
		"description": description, "quantity": quantity,
		"price": map[string]any{"id": "price_1SWq", "object": "price", "unit_amount": 1099},
	}
}

// expanded is the line_items list object of an expanded session.
func expanded(items ...any) map[string]any {
	return map[string]any{"object": "list", "data": items, "has_more": false, "url": "/v1/checkout/sessions/cs_1/line_items"}
}

func TestItemsComeFromAnExpandedSessionOnly(t *testing.T) {
	completed := "stripe-checkout-completed.json"
	tests := []struct {
		name  string
		lines any // data.object.line_items; nil leaves it out, as Stripe sends events
		want  []string
	}{
		{"as Stripe sends the event: no line_items, no items", nil, nil},
		{"one of one", expanded(lineItem("T-shirt", 1)), []string{"T-shirt"}},
		{"several of one", expanded(lineItem("T-shirt", 2)), []string{"2 × T-shirt"}},
		{"null quantity: the description alone", expanded(lineItem("Donation", nil)), []string{"Donation"}},
		{"quantity zero left out", expanded(lineItem("Gone", 0), lineItem("T-shirt", 1)), []string{"T-shirt"}},
		{"at most three, in the order given", expanded(lineItem("A", 1), lineItem("B", 2), lineItem("C", 1), lineItem("D", 9)),
			[]string{"A", "2 × B", "C"}},
		{"empty and null descriptions skipped, not counted",
			expanded(lineItem("", 1), lineItem(nil, 2), lineItem("A", 1), lineItem("  ", 1), lineItem("B", 1), lineItem("C", 1), lineItem("D", 1)),
			[]string{"A", "B", "C"}},
		{"a line item of another shape skipped", expanded(lineItem(12, 1), "li_1", nil, lineItem("A", "many"), lineItem("B", 1)), []string{"A", "B"}},
		{"empty list", expanded(), nil},
		{"null line_items", "null", nil},
		{"line_items an array, not a list object: no items, not an error", []any{lineItem("A", 1)}, nil},
		{"line_items an id string: no items, not an error", "li_1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := edit(t, completed, func(_, obj map[string]any) {
				switch tt.lines {
				case nil:
					delete(obj, "line_items")
				case "null":
					obj["line_items"] = nil
				default:
					obj["line_items"] = tt.lines
				}
			})
			d, err := parse(t, body, "", "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != thankyou.DeliveryOrderCreated {
				t.Fatalf("kind %q, want %q", d.Kind, thankyou.DeliveryOrderCreated)
			}
			if !slices.Equal(d.Order.Items, tt.want) {
				t.Errorf("Items = %q, want %q", d.Order.Items, tt.want)
			}
			checkItems(t, d.Order.Items)
		})
	}
}

func TestAsyncPaymentSucceededReadsItemsToo(t *testing.T) {
	body := edit(t, "stripe-checkout-completed.json", func(ev, obj map[string]any) {
		ev["type"] = "checkout.session.async_payment_succeeded"
		obj["line_items"] = expanded(lineItem("T-shirt", 2))
	})
	d, err := parse(t, body, "", "US")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"2 × T-shirt"}; !slices.Equal(d.Order.Items, want) {
		t.Errorf("Items = %q, want %q", d.Order.Items, want)
	}
}

func checkItems(t *testing.T, items []string) {
	t.Helper()
	if err := thankyou.CheckItems(items); err != nil {
		t.Fatal(err)
	}
}

// checkRegion holds a parsed order's region to thankyou.CheckRegion.
func checkRegion(t *testing.T, region string) {
	t.Helper()
	if err := thankyou.CheckRegion(region); err != nil {
		t.Fatal(err)
	}
}
