package woocommerce

import (
	"encoding/json"
	"testing"
)

// TestRegionIsTheShippingElseTheBillingState: the order's region is the
// shipping address's country and state, else the billing address's.
func TestRegionIsTheShippingElseTheBillingState(t *testing.T) {
	for _, tt := range []struct {
		name                         string
		shipCountry, shipState       string
		billCountry, billState, want string
	}{
		{"shipping", "US", "FL", "US", "NY", "US-FL"},
		{"no shipping state: billing", "US", "", "CA", "ON", "CA-ON"},
		{"nothing", "", "", "GB", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var p map[string]any
			if err := json.Unmarshal(readFile(t, createdFile), &p); err != nil {
				t.Fatal(err)
			}
			ship, bill := p["shipping"].(map[string]any), p["billing"].(map[string]any)
			ship["country"], ship["state"], bill["country"], bill["state"] = tt.shipCountry, tt.shipState, tt.billCountry, tt.billState
			body, err := json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Source{}.Parse(signed(TopicOrderCreated, body), "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Order.Region != tt.want {
				t.Fatalf("Region = %q, want %q", d.Order.Region, tt.want)
			}
		})
	}
}
