package generic

import (
	"slices"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestParseKeepsTheFirstItemsAsPeopleReadThem(t *testing.T) {
	s := mustNew(t)
	tests := []struct {
		name  string
		items string // the order.items value; "" leaves it out
		want  []string
	}{
		{"one of one", `[{"name":"Blue mug","quantity":1}]`, []string{"Blue mug"}},
		{"several of one", `[{"name":"Blue mug","quantity":2}]`, []string{"2 × Blue mug"}},
		{"no quantity: one", `[{"name":"Blue mug"}]`, []string{"Blue mug"}},
		{"quantity written 3.0", `[{"name":"Blue mug","quantity":3.0}]`, []string{"3 × Blue mug"}},
		{"largest quantity", `[{"name":"Screw","quantity":1000000000}]`, []string{"1000000000 × Screw"}},
		{"at most three, in the order given", `[{"name":"A"},{"name":"B","quantity":4},{"name":"C"},{"name":"D"}]`, []string{"A", "4 × B", "C"}},
		{"empty names skipped, not counted", `[{"name":""},{"name":"A"},{"name":" \n "},{"name":"B"},{"name":"C"},{"name":"D"}]`, []string{"A", "B", "C"}},
		{"other item properties ignored", `[{"name":"A","sku":"MUG-1","price":"12.00"}]`, []string{"A"}},
		{"no items", "", nil},
		{"empty items", `[]`, nil},
		{"only empty names", `[{"name":""},{"name":"  "}]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields := ""
			if tt.items != "" {
				fields = `,"items":` + tt.items
			}
			body := `{"event":"order.created","order":{"id":"A-1","created_at":"2026-11-23T17:00:00Z"` + fields + `}}`
			d, err := s.Parse(delivery(secret, now, body), "US")
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

func TestCancellationIgnoresItems(t *testing.T) {
	s := mustNew(t)
	d, err := s.Parse(delivery(secret, now, `{"event":"order.cancelled","order":{"id":"A-1","items":[{"name":"Mug","quantity":2}]}}`), "US")
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != thankyou.DeliveryOrderCancelled || d.Order.Items != nil {
		t.Errorf("kind %q, items %q; want a cancellation without items", d.Kind, d.Order.Items)
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
