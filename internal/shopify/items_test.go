package shopify

import (
	"reflect"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestParseKeepsTheFirstItemsAsPeopleReadThem(t *testing.T) {
	tests := []struct {
		name  string
		lines string // the line_items value; "" leaves it out
		want  []string
	}{
		{"one of one", `[{"title":"Blue mug","quantity":1}]`, []string{"Blue mug"}},
		{"several of one", `[{"title":"Blue mug","quantity":2}]`, []string{"2 × Blue mug"}},
		{"quantity as a string", `[{"title":"Blue mug","quantity":"12"}]`, []string{"12 × Blue mug"}},
		{"no quantity: the title alone", `[{"title":"Blue mug"}]`, []string{"Blue mug"}},
		{"quantity zero left out", `[{"title":"Gone","quantity":0},{"title":"Blue mug","quantity":1}]`, []string{"Blue mug"}},
		{"variant in parentheses", `[{"title":"Hand-thrown Mug","variant_title":"Sea Green","quantity":2}]`,
			[]string{"2 × Hand-thrown Mug (Sea Green)"}},
		{"Shopify's Default Title is no variant", `[{"title":"Tea towel","variant_title":"Default Title","quantity":1}]`,
			[]string{"Tea towel"}},
		{"null and blank variants", `[{"title":"A","variant_title":null},{"title":"B","variant_title":"  "}]`, []string{"A", "B"}},
		{"titles trimmed, white space collapsed", `[{"title":"  Blue \t mug\n","variant_title":" Large "}]`, []string{"Blue mug (Large)"}},
		{"title and variant cut together", `[{"title":"Hand-thrown Mug with a Glazed Rim","variant_title":"Sea Green"}]`,
			[]string{"Hand-thrown Mug with a Glazed Rim (Sea…"}},
		{"at most three, in the order given", `[{"title":"A"},{"title":"B","quantity":2},{"title":"C"},{"title":"D"},{"title":"E"}]`,
			[]string{"A", "2 × B", "C"}},
		{"empty titles skipped, not counted", `[{"title":""},{"title":"A"},{"title":"  ","variant_title":"Red"},{"title":null},{"title":"B"},{"title":"C"},{"title":"D"}]`,
			[]string{"A", "B", "C"}},
		{"an element of another shape skipped", `[{"title":5},"mug",null,{"title":"A","quantity":{}},{"title":"B"}]`, []string{"B"}},
		{"no line_items", "", nil},
		{"empty line_items", `[]`, nil},
		{"null line_items", `null`, nil},
		{"line_items not an array: no items, not an error", `{"title":"A"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := `"customer":{"phone":"+12125550123"}`
			if tt.lines != "" {
				fields += `,"line_items":` + tt.lines
			}
			d, err := parse(deliveryHeader("orders/create", testShop, ""), order(fields))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(d.Order.Items, tt.want) {
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
