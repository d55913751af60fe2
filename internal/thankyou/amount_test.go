package thankyou_test

import (
	"math/big"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// refusedAmounts is every form an amount edge must refuse; the
// configuration, the operators' tool and the eligibility rules test it too.
var refusedAmounts = []string{
	"", " ", "NaN", "nan", "Inf", "+Inf", "-Inf", "Infinity", "0x1p4", "0x10", "0b1", "0o7",
	"1e3", "1E3", "2.5e1", "-1", "-0.01", "+1", "1,000", "1 000", "1_000", ".5", "5.", ".",
	"1.2.3", "1/3", "twelve", "١٢", "25.00 USD", "$25", "00000000000000000000000000000000000000000000000000000000000000001",
}

func TestParseAmountRefusesEverythingButPlainDecimals(t *testing.T) {
	for _, s := range refusedAmounts {
		if a, err := thankyou.ParseAmount(s); err == nil {
			t.Errorf("ParseAmount(%q) = %v, want an error", s, a)
		} else if thankyou.ErrorCode(err) != thankyou.EINVALID {
			t.Errorf("ParseAmount(%q) error %v is not EINVALID", s, err)
		}
	}
	for _, tt := range []struct{ in, want string }{
		{"25.00", "25.00"}, {"25", "25"}, {"0", "0"}, {"0.5", "0.5"}, {" 12.30 ", "12.30"},
		{"007.10", "7.10"}, {"0.000", "0.000"}, {"1500", "1500"}, {"5.120", "5.120"},
	} {
		a, err := thankyou.ParseAmount(tt.in)
		if err != nil {
			t.Errorf("ParseAmount(%q): %v", tt.in, err)
			continue
		}
		if a.String() != tt.want {
			t.Errorf("ParseAmount(%q).String() = %q, want %q", tt.in, a.String(), tt.want)
		}
	}
}

func TestAmountCmpAcrossExponents(t *testing.T) {
	for _, tt := range []struct {
		a, acur, b, bcur string
		want             int
	}{
		{"1500", "JPY", "1000", "", 1},
		{"999", "JPY", "1000", "", -1},
		{"10.5", "USD", "10.50", "", 0},
		{"10.50", "USD", "10.5", "USD", 0},
		{"10.49", "USD", "10.5", "", -1},
		{"5.120", "BHD", "5.12", "", 0},
		{"5.121", "BHD", "5.12", "", 1},
		{"1500.00", "JPY", "1500", "", 0},
		{"0", "USD", "0.00", "", 0},
		{"100", "USD", "99.999", "", 1},
		{"0.30000000000000000001", "", "0.3", "", 1},
		{"0.3", "", "0.30000000000000001", "", -1},
	} {
		a, err := thankyou.ParseTotal(tt.a, tt.acur)
		if err != nil {
			t.Fatalf("ParseTotal(%q, %q): %v", tt.a, tt.acur, err)
		}
		b, err := thankyou.ParseTotal(tt.b, tt.bcur)
		if err != nil {
			t.Fatalf("ParseTotal(%q, %q): %v", tt.b, tt.bcur, err)
		}
		if got := a.Cmp(b); got != tt.want {
			t.Errorf("%s %s Cmp %s = %d, want %d", tt.a, tt.acur, tt.b, got, tt.want)
		}
		if got := b.Cmp(a); got != -tt.want {
			t.Errorf("%s Cmp %s %s = %d, want %d", tt.b, tt.a, tt.acur, got, -tt.want)
		}
	}
}

func TestParseTotalKnowsTheCurrencysDecimals(t *testing.T) {
	for _, tt := range []struct {
		total, currency string
		ok              bool
	}{
		{"1500", "JPY", true}, {"1500.00", "JPY", true}, {"1500.5", "JPY", false},
		{"10.50", "USD", true}, {"10.505", "usd", false}, {"10.500", "USD", true},
		{"5.125", "BHD", true}, {"5.1255", "BHD", false},
		{"1.23456", "", true}, {"1.23456", "XYZ", true},
		{"NaN", "USD", false}, {"0x1p4", "JPY", false},
	} {
		_, err := thankyou.ParseTotal(tt.total, tt.currency)
		if (err == nil) != tt.ok {
			t.Errorf("ParseTotal(%q, %q) error = %v, want ok %v", tt.total, tt.currency, err, tt.ok)
		}
	}
	for code, want := range map[string]int{"JPY": 0, "USD": 2, "EUR": 2, "BHD": 3, "KWD": 3, "jpy": 0} {
		if got, ok := thankyou.CurrencyExponent(code); !ok || got != want {
			t.Errorf("CurrencyExponent(%q) = %d, %v, want %d", code, got, ok, want)
		}
	}
	if _, ok := thankyou.CurrencyExponent("dollars"); ok {
		t.Error("CurrencyExponent(\"dollars\") is ok")
	}
}

// FuzzParseAmount checks that an accepted amount is exactly the decimal
// written (by math/big), prints back to text that parses to the same
// value, and that Cmp agrees with math/big.
func FuzzParseAmount(f *testing.F) {
	for _, s := range append([]string{"25.00", "0", "10.5", "1500", "007.10"}, refusedAmounts...) {
		f.Add(s, "10.50")
	}
	f.Fuzz(func(t *testing.T, s, other string) {
		a, err := thankyou.ParseAmount(s)
		if err != nil {
			return
		}
		r, ok := new(big.Rat).SetString(a.String())
		if !ok || r.Sign() < 0 {
			t.Fatalf("ParseAmount(%q).String() = %q is not a non-negative decimal", s, a.String())
		}
		back, err := thankyou.ParseAmount(a.String())
		if err != nil || back.Cmp(a) != 0 || back.String() != a.String() {
			t.Fatalf("ParseAmount(%q) = %q does not parse back: %v, %v", s, a.String(), back, err)
		}
		b, err := thankyou.ParseAmount(other)
		if err != nil {
			return
		}
		rb, _ := new(big.Rat).SetString(b.String())
		if got, want := a.Cmp(b), r.Cmp(rb); got != want {
			t.Fatalf("%q Cmp %q = %d, math/big says %d", s, other, got, want)
		}
	})
}
