package woocommerce

import (
	"slices"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestParseKeepsTheFirstItemsAsPeopleReadThem(t *testing.T) {
	item := func(name any, qty any) map[string]any {
		m := map[string]any{"id": 311, "product_id": 87, "total": "48.00"}
		if name != nil {
			m["name"] = name
		}
		if qty != nil {
			m["quantity"] = qty
		}
		return m
	}
	tests := []struct {
		name  string
		lines any // the line_items value; nil leaves it out
		want  []string
	}{
		{"one of one", []any{item("Blue mug", 1)}, []string{"Blue mug"}},
		{"several of one", []any{item("Blue mug", 2)}, []string{"2 × Blue mug"}},
		{"quantity as a string", []any{item("Blue mug", "4")}, []string{"4 × Blue mug"}},
		{"no quantity: the name alone", []any{item("Blue mug", nil)}, []string{"Blue mug"}},
		{"quantity zero or negative left out", []any{item("Gone", 0), item("Back", -1), item("Blue mug", 1)}, []string{"Blue mug"}},
		{"HTML entities decoded", []any{item("Tea &amp; biscuits &#8211; tin", 1)}, []string{"Tea & biscuits – tin"}},
		{"entities decoded, then cleaned", []any{item("Blue&#8238;&#x9;&#x202e;mug&#x2066;", 2)}, []string{"2 × Blue mug"}},
		{"at most three, in the order given", []any{item("A", 1), item("B", 5), item("C", 1), item("D", 1)}, []string{"A", "5 × B", "C"}},
		{"empty names skipped, not counted", []any{item("", 2), item("A", 1), item(" ", 1), item(nil, 1), item("B", 1), item("C", 1), item("D", 1)},
			[]string{"A", "B", "C"}},
		{"an element of another shape skipped", []any{item(7, 1), "mug", nil, item("A", true), item("B", 1)}, []string{"B"}},
		{"no line_items", nil, nil},
		{"empty line_items", []any{}, nil},
		{"line_items an object: no items, not an error", map[string]any{"name": "A"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := map[string]any{"line_items": nil}
			if tt.lines != nil {
				fields["line_items"] = tt.lines
			}
			d, err := Source{}.Parse(signed(TopicOrderCreated, edit(t, createdFile, fields)), "US")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.Order.Items, tt.want) {
				t.Errorf("Items = %q, want %q", d.Order.Items, tt.want)
			}
			checkItems(t, d.Order.Items)
		})
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
