package thankyou

import "testing"

func TestShopIDLowerCasesOnlyCaseInsensitiveIDs(t *testing.T) {
	for _, tc := range []struct {
		source    Source
		raw, want string
	}{
		{SourceShopify, " Shop-A.MyShopify.com ", "shop-a.myshopify.com"},
		{SourceWooCommerce, "Shop.Example:8443", "shop.example:8443"},
		{SourceGeneric, "Demo", "demo"},
		{SourceStripe, " acct_1AbCdEfGh ", "acct_1AbCdEfGh"},
		{SourceStripe, "Demo_Shop.2", "Demo_Shop.2"},
	} {
		if got := ShopID(tc.source, tc.raw); got != tc.want {
			t.Errorf("ShopID(%s, %q) = %q, want %q", tc.source, tc.raw, got, tc.want)
		}
	}
}
