package stripe_test

import "testing"

func TestTheCheckoutLocaleIsTheCustomersLanguage(t *testing.T) {
	for _, tc := range []struct {
		locale any
		want   string
	}{
		{"ja", "ja"}, {"pt-BR", "pt-BR"}, {"es-419", "es-419"}, {"auto", ""}, {"AUTO", ""}, {nil, ""}, {"??", ""},
	} {
		body := edit(t, "stripe-checkout-completed.json", func(_, obj map[string]any) { obj["locale"] = tc.locale })
		d, err := parse(t, body, "", "US")
		if err != nil {
			t.Fatal(err)
		}
		if d.Order.Locale != tc.want {
			t.Errorf("locale %v: Locale = %q, want %q", tc.locale, d.Order.Locale, tc.want)
		}
	}
}
