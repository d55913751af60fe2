package eligibility_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/eligibility"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

var now = time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC)

// order is an order every rule below lets through.
func order() thankyou.Order {
	return thankyou.Order{
		Source:  thankyou.SourceShopify,
		Shop:    "example.myshopify.com",
		ID:      "1001",
		Phone:   "+14155550123",
		Total:   "25.00",
		Tags:    []string{"vip", " Gift "},
		Country: "US",
	}
}

// strict is a rule set that order() passes exactly at the edge of each rule.
var strict = thankyou.Rules{
	MinTotal:         "25.00",
	FirstOrderOnly:   true,
	SkipTestOrders:   true,
	SkipTags:         []string{"wholesale", "staff"},
	Countries:        []string{"US", "CA"},
	FrequencyCapDays: 30,
}

func TestCheck(t *testing.T) {
	type change func(*thankyou.Order, *thankyou.Rules, *eligibility.History)
	tests := []struct {
		name   string
		change change
		want   string
	}{
		{"an order within every rule is thanked", nil, ""},
		{"zero rules thank anything", func(o *thankyou.Order, r *thankyou.Rules, h *eligibility.History) {
			*r = thankyou.Rules{}
			o.Test, o.Total, o.Country, o.CustomerOrders, o.Tags = true, "0.01", "FR", 9, []string{"wholesale"}
			*h = eligibility.History{Tasks: 5, LastThanked: now}
		}, ""},

		{"test order", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Test = true }, "test order"},
		{"test order thanked when test orders are not skipped", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Test, r.SkipTestOrders = true, false
		}, ""},

		{"skipped tag", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Tags = []string{"wholesale"} }, "order tagged wholesale"},
		{"skipped tag in another case with spaces", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) {
			o.Tags = []string{"vip", "  WholeSale "}
		}, "order tagged wholesale"},
		{"rule tag with spaces", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Tags, r.SkipTags = []string{"Staff"}, []string{" staff "}
		}, "order tagged staff"},
		{"tag that only contains a skipped tag", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) {
			o.Tags = []string{"wholesale-ish", "staffing"}
		}, ""},
		{"empty rule tag skips nothing", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Tags, r.SkipTags = []string{"", " "}, []string{"", " "}
		}, ""},
		{"first skipped tag of the rules is named", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) {
			o.Tags = []string{"staff", "wholesale"}
		}, "order tagged wholesale"},

		{"country not listed", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Country = "FR" }, "ships to FR, not one of US, CA"},
		{"country not the only one listed", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Country, r.Countries = "FR", []string{"us"}
		}, "ships to FR, not US"},
		{"country in lower case", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Country = " ca" }, ""},
		{"rule country in lower case", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Country, r.Countries = "FR", []string{"fr"}
		}, ""},
		{"order without a country", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Country = "" }, ""},
		{"no country rule", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Country, r.Countries = "FR", []string{" "}
		}, ""},

		{"total below the minimum by a cent", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "24.99" }, "order total 24.99 is below the minimum 25.00"},
		{"total equal to the minimum written differently", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "25" }, ""},
		{"total above the minimum by far less than a cent", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, r.MinTotal = "0.30000000000000000001", "0.3"
		}, ""},
		{"total below the minimum by far less than a cent", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, r.MinTotal = "0.29999999999999999999", "0.3"
		}, "order total 0.29999999999999999999 is below the minimum 0.3"},
		{"the sum a float gets wrong", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, r.MinTotal = "0.3", "0.30000000000000001" // equal as float64
		}, "order total 0.3 is below the minimum 0.30000000000000001"},
		{"total without leading digit is not an amount", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, r.MinTotal = ".5", "1"
		}, ""},
		{"total with trailing dot is not an amount", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, r.MinTotal = "3.", "25"
		}, ""},
		{"negative total is not an amount", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "-1.00" }, ""},
		{"yen above the minimum", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, o.Currency, r.MinTotal = "1500", "JPY", "1000"
		}, ""},
		{"yen below the minimum", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, o.Currency, r.MinTotal = "999", "JPY", "1000"
		}, "order total 999 is below the minimum 1000"},
		{"yen with decimals the yen has not", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, o.Currency, r.MinTotal = "999.5", "JPY", "1000"
		}, ""},
		{"dollars equal written with fewer decimals", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, o.Currency, r.MinTotal = "10.5", "USD", "10.50"
		}, ""},
		{"dinars below by a fils", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, o.Currency, r.MinTotal = "5.119", "BHD", "5.12"
		}, "order total 5.119 is below the minimum 5.12"},
		{"total with spaces", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = " 3.00 " }, "order total 3.00 is below the minimum 25.00"},
		{"empty total is not skipped", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "" }, ""},
		{"unparseable total is not skipped", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "1,000.00" }, ""},
		{"exponent is not an amount", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "1e-9" }, ""},
		{"huge exponent is not an amount", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "1e-999999999" }, ""},
		{"fraction is not an amount", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "1/3" }, ""},
		{"hex is not an amount", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "0x1" }, ""},
		{"lone dot is not an amount", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.Total = "." }, ""},
		{"no minimum", func(o *thankyou.Order, r *thankyou.Rules, _ *eligibility.History) {
			o.Total, r.MinTotal = "0.01", ""
		}, ""},

		{"platform counts a second order", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.CustomerOrders = 2 }, "not the customer's first order (2 orders)"},
		{"platform counts a third order", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.CustomerOrders = 3 }, "not the customer's first order (3 orders)"},
		{"platform counts a first order", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) { o.CustomerOrders = 1 }, ""},
		{"platform count wins over the history", func(o *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			o.CustomerOrders, h.Tasks = 1, 4
		}, ""},
		{"history has one earlier task", func(_ *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) { h.Tasks = 1 }, "not the customer's first order (1 earlier order here before)"},
		{"history has earlier tasks", func(_ *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) { h.Tasks = 3 }, "not the customer's first order (3 earlier orders here before)"},
		{"repeat customer thanked when not first-order-only", func(o *thankyou.Order, r *thankyou.Rules, h *eligibility.History) {
			o.CustomerOrders, h.Tasks, r.FirstOrderOnly = 7, 6, false
		}, ""},

		{"thanked 4 days ago", func(_ *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			h.LastThanked = now.Add(-4*24*time.Hour - time.Hour)
		}, "thanked 4 days ago (at most once every 30 days)"},
		{"thanked a second short of the cap", func(_ *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			h.LastThanked = now.Add(-30*24*time.Hour + time.Second)
		}, "thanked 29 days ago (at most once every 30 days)"},
		{"thanked exactly the cap ago", func(_ *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			h.LastThanked = now.Add(-30 * 24 * time.Hour)
		}, ""},
		{"thanked an hour ago", func(_ *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			h.LastThanked = now.Add(-time.Hour)
		}, "thanked less than a day ago (at most once every 30 days)"},
		{"thanked one day ago with a two-day cap", func(_ *thankyou.Order, r *thankyou.Rules, h *eligibility.History) {
			h.LastThanked, r.FrequencyCapDays = now.Add(-25*time.Hour), 2
		}, "thanked 1 day ago (at most once every 2 days)"},
		{"daily cap", func(_ *thankyou.Order, r *thankyou.Rules, h *eligibility.History) {
			h.LastThanked, r.FrequencyCapDays = now.Add(-23*time.Hour), 1
		}, "thanked less than a day ago (at most once a day)"},
		{"thanked in the future by a skewed clock", func(_ *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			h.LastThanked = now.Add(time.Hour)
		}, "thanked less than a day ago (at most once every 30 days)"},
		{"cap too long for a duration", func(_ *thankyou.Order, r *thankyou.Rules, h *eligibility.History) {
			h.LastThanked, r.FrequencyCapDays = now.Add(-100*365*24*time.Hour), 1<<40
		}, fmt.Sprintf("thanked %d days ago (at most once every %d days)", 100*365, 1<<40)},
		{"no cap", func(_ *thankyou.Order, r *thankyou.Rules, h *eligibility.History) {
			h.LastThanked, r.FrequencyCapDays = now, 0
		}, ""},
		{"negative cap is no cap", func(_ *thankyou.Order, r *thankyou.Rules, h *eligibility.History) {
			h.LastThanked, r.FrequencyCapDays = now, -3
		}, ""},

		{"test order is checked before everything", func(o *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			o.Test, o.Tags, o.Country, o.Total, o.CustomerOrders = true, []string{"staff"}, "FR", "1", 3
			h.LastThanked = now
		}, "test order"},
		{"tags before country", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) {
			o.Tags, o.Country, o.Total = []string{"staff"}, "FR", "1"
		}, "order tagged staff"},
		{"country before minimum", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) {
			o.Country, o.Total = "FR", "1"
		}, "ships to FR, not one of US, CA"},
		{"minimum before first order", func(o *thankyou.Order, _ *thankyou.Rules, _ *eligibility.History) {
			o.Total, o.CustomerOrders = "1", 3
		}, "order total 1 is below the minimum 25.00"},
		{"first order before frequency cap", func(o *thankyou.Order, _ *thankyou.Rules, h *eligibility.History) {
			o.CustomerOrders, h.LastThanked = 3, now
		}, "not the customer's first order (3 orders)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, r, h := order(), strict, eligibility.History{}
			r.SkipTags = append([]string(nil), strict.SkipTags...)
			r.Countries = append([]string(nil), strict.Countries...)
			if tt.change != nil {
				tt.change(&o, &r, &h)
			}
			got, err := eligibility.Check(o, r, h, now)
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if got.Detail != tt.want {
				t.Errorf("Check = %q, want %q", got.Detail, tt.want)
			}
			if (got.Code == "") != (tt.want == "") || (got.Code != "" && !got.Code.Known()) {
				t.Errorf("Check = %q with code %q", got.Detail, got.Code)
			}
		})
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("25.00", "25.00", "vip,wholesale", "wholesale", "FR", "US,CA", 0, 0, int64(0), 30, true, true, true)
	f.Add("24.99", "25", "", "", "", "", 3, 2, int64(-86400*4), 30, true, false, true)
	f.Add("1e-999999999", "0x10", " A ,b", "a", "us", "us", -1, -1, int64(3600), -5, false, true, false)
	f.Add(".", "1/3", ",,", ",", "ZZ", ",", 1, 1<<30, int64(1)<<62, 1<<62, true, true, true)
	f.Fuzz(func(t *testing.T, total, minimum, tags, skipTags, country, countries string,
		customerOrders, tasks int, lastOffsetSeconds int64, capDays int, firstOnly, test, skipTest bool) {
		o := thankyou.Order{
			ID:             "1",
			Total:          total,
			Tags:           strings.Split(tags, ","),
			Country:        country,
			CustomerOrders: customerOrders,
			Test:           test,
		}
		r := thankyou.Rules{
			MinTotal:         minimum,
			FirstOrderOnly:   firstOnly,
			SkipTestOrders:   skipTest,
			SkipTags:         strings.Split(skipTags, ","),
			Countries:        strings.Split(countries, ","),
			FrequencyCapDays: capDays,
		}
		h := eligibility.History{Tasks: tasks}
		if lastOffsetSeconds != 0 {
			h.LastThanked = now.Add(-time.Duration(lastOffsetSeconds) * time.Second)
		}
		got, err := eligibility.Check(o, r, h, now)
		if err != nil {
			if _, perr := thankyou.ParseAmount(minimum); perr == nil || strings.TrimSpace(minimum) == "" {
				t.Errorf("Check error %v for minimum %q that is empty or an amount", err, minimum)
			}
			if got.Detail != minimumBroken(minimum) || got.Code != thankyou.SkipRuleError {
				t.Errorf("Check error %v with reason %q: a broken rule must skip the order naming it", err, got)
			}
		}
		if again, _ := eligibility.Check(o, r, h, now); again != got {
			t.Errorf("Check is not deterministic: %q then %q", got, again)
		}
		if skipTest && test && got != thankyou.Skip(thankyou.SkipTestOrder, "test order") {
			t.Errorf("test order with SkipTestOrders: Check = %q, want \"test order\"", got)
		}
		if zero, _ := eligibility.Check(o, thankyou.Rules{}, h, now); !zero.IsZero() {
			t.Errorf("zero rules: Check = %q, want \"\"", zero)
		}
	})
}

func ExampleCheck() {
	rules := thankyou.Rules{MinTotal: "25.00", SkipTestOrders: true, FrequencyCapDays: 30}
	o := thankyou.Order{ID: "1001", Phone: "+14155550123", Total: "12.00", Currency: "USD"}
	show := func(r thankyou.SkipReason, err error) {
		fmt.Printf("%q %q %v\n", r.Code, r.Detail, err != nil)
	}
	show(eligibility.Check(o, rules, eligibility.History{}, now))

	o.Total = "40.00"
	h := eligibility.History{Tasks: 1, LastThanked: now.Add(-4 * 24 * time.Hour)}
	show(eligibility.Check(o, rules, h, now))
	show(eligibility.Check(o, rules, eligibility.History{}, now))

	rules.MinTotal = "NaN"
	show(eligibility.Check(o, rules, eligibility.History{}, now))
	// Output:
	// "min_total" "order total 12.00 is below the minimum 25.00" false
	// "frequency_cap" "thanked 4 days ago (at most once every 30 days)" false
	// "" "" false
	// "rule_error" "the shop's minimum total rule \"NaN\" is not an amount (fix it with --min-total)" true
}

func minimumBroken(minimum string) string {
	return fmt.Sprintf("the shop's minimum total rule %q is not an amount (fix it with --min-total)", strings.TrimSpace(minimum))
}

// TestCheckRefusedMinimumIsAnError is the amount edge of the shop's rules:
// a stored minimum that is not an amount skips the order with a reason
// that names the rule, and is an error, never "no minimum".
func TestCheckRefusedMinimumIsAnError(t *testing.T) {
	for _, bad := range []string{"NaN", "Inf", "+Inf", "-Inf", "0x1p4", "1e3", "-5", "lots", ".5", "1,000"} {
		o, r := order(), thankyou.Rules{MinTotal: bad}
		o.Total = "1000000"
		got, err := eligibility.Check(o, r, eligibility.History{}, now)
		if err == nil || thankyou.ErrorCode(err) != thankyou.EINVALID {
			t.Errorf("MinTotal %q: error %v, want EINVALID", bad, err)
		}
		if got != thankyou.Skip(thankyou.SkipRuleError, minimumBroken(bad)) {
			t.Errorf("MinTotal %q: reason %q, want %q", bad, got, minimumBroken(bad))
		}
	}
}
