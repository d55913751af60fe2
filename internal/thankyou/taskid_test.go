package thankyou

import "testing"

func TestTaskIDsOfDifferentOrdersDiffer(t *testing.T) {
	for _, tc := range []struct {
		a, b [3]string
	}{
		// Two WooCommerce shops: a site on port 8443, and one whose host
		// has an underscore where the other has the port's colon.
		{[3]string{"woocommerce", "victim.example:8443", "5001"}, [3]string{"woocommerce", "victim.example_8443", "5001"}},
		{[3]string{"generic", "shop", "a:b"}, [3]string{"generic", "shop:a", "b"}},
		{[3]string{"generic", "shop", "a%3Ab"}, [3]string{"generic", "shop", "a:b"}},
	} {
		ida, idb := TaskID(Source(tc.a[0]), tc.a[1], tc.a[2]), TaskID(Source(tc.b[0]), tc.b[1], tc.b[2])
		if ida == idb {
			t.Errorf("%q and %q both make task %q", tc.a, tc.b, ida)
		}
	}
}

// Ids without ':' or '%' (every Shopify, Stripe and plain WooCommerce id)
// keep the task ids they always had, so stored tasks are found again.
func TestTaskIDsWithoutSeparatorsAreUnchanged(t *testing.T) {
	for _, tc := range []struct {
		source      Source
		shop, order string
		want        string
	}{
		{SourceShopify, "thankyou-demo.myshopify.com", "820982911946154508", "shopify:thankyou-demo.myshopify.com:820982911946154508"},
		{SourceStripe, "", "pi_3SWqHzLkdIwHu7ix1c7Vd2Xa", "stripe::pi_3SWqHzLkdIwHu7ix1c7Vd2Xa"},
		{SourceWooCommerce, "shop.example.com", "5001", "woocommerce:shop.example.com:5001"},
		{SourceGeneric, "thankyou-demo", "G-1001 #a_b", "generic:thankyou-demo:G-1001 #a_b"},
	} {
		if got := TaskID(tc.source, tc.shop, tc.order); got != tc.want {
			t.Errorf("TaskID = %q, want %q", got, tc.want)
		}
	}
}

// FuzzTaskID checks that the mapping is one to one: two different
// (source, shop, order) give two different ids.
func FuzzTaskID(f *testing.F) {
	f.Add("woocommerce", "victim.example:8443", "1", "woocommerce", "victim.example_8443", "1")
	f.Add("generic", "a", "b:c", "generic", "a:b", "c")
	f.Add("generic", "a%", "3A", "generic", "a", "%3A")
	f.Fuzz(func(t *testing.T, s1, shop1, o1, s2, shop2, o2 string) {
		if s1 == s2 && shop1 == shop2 && o1 == o2 {
			return
		}
		if id := TaskID(Source(s1), shop1, o1); id == TaskID(Source(s2), shop2, o2) {
			t.Fatalf("(%q, %q, %q) and (%q, %q, %q) both make task %q", s1, shop1, o1, s2, shop2, o2, id)
		}
	})
}
