package shopify

import (
	"encoding/json"
	"testing"
)

// TestRegionIsTheShippingElseTheBillingProvince: the order's region is the
// shipping address's country and province code, else the billing
// address's, else unknown.
func TestRegionIsTheShippingElseTheBillingProvince(t *testing.T) {
	for _, tt := range []struct {
		name              string
		shipping, billing map[string]any
		want              string
	}{
		{"shipping", map[string]any{"country_code": "US", "province_code": "FL"}, map[string]any{"country_code": "US", "province_code": "NY"}, "US-FL"},
		{"no shipping province: billing", map[string]any{"country_code": "US", "province_code": nil}, map[string]any{"country_code": "CA", "province_code": "ON"}, "CA-ON"},
		{"no shipping address: billing", nil, map[string]any{"country_code": "US", "province_code": "tx"}, "US-TX"},
		{"no province anywhere", map[string]any{"country_code": "GB"}, map[string]any{"country_code": "GB"}, ""},
		{"province name, not code", map[string]any{"country_code": "US", "province_code": "Florida"}, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p map[string]any
			if err := json.Unmarshal(readFile(t, fullExample), &p); err != nil {
				t.Fatal(err)
			}
			p["shipping_address"], p["billing_address"] = tt.shipping, tt.billing
			body, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			d, err := parse(deliveryHeader(TopicOrdersCreate, testShop, ""), body)
			if err != nil {
				t.Fatal(err)
			}
			if d.Order.Region != tt.want {
				t.Fatalf("Region = %q, want %q", d.Order.Region, tt.want)
			}
		})
	}
}
