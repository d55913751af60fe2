package thankyou

import (
	"strings"

	"golang.org/x/text/currency"
)

// maxAmountLen bounds the text ParseAmount reads: totals are short, and a
// bound keeps a hostile payload from costing anything.
const maxAmountLen = 64

// Amount is an exact, non-negative decimal amount of money in a currency's
// major unit ("25.00" dollars, "1500" yen, "5.120" dinars), as written:
// String gives back the digits after the point that were written, and Cmp
// compares values exactly whatever the number of decimals (10.5 equals
// 10.50). The zero value is 0. Compare Amounts with Cmp, not ==.
type Amount struct {
	whole string // digits without leading zeros ("" for 0)
	frac  string // digits after the point without trailing zeros
	scale int    // digits written after the point
}

// ParseAmount parses the one accepted form of an amount: decimal digits,
// optionally a point and more digits ("25", "25.00", "0.5"), surrounding
// spaces ignored. Everything else is refused with an EINVALID error: a
// sign, an exponent ("1e3"), hex ("0x1p4"), NaN and Inf, separators
// ("1,000"), a bare or leading or trailing point (".5", "5."), and text
// longer than 64 characters. It is the one parser of amounts: the
// configuration, the operators' tool and the eligibility rules use it.
func ParseAmount(s string) (Amount, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Amount{}, Errorf(EINVALID, "the amount is empty")
	}
	if len(t) > maxAmountLen {
		return Amount{}, Errorf(EINVALID, "the amount is longer than %d characters", maxAmountLen)
	}
	whole, frac, dot := strings.Cut(t, ".")
	if !digits(whole) || (dot && !digits(frac)) {
		return Amount{}, Errorf(EINVALID, "%q is not an amount like 25.00 (digits and an optional decimal point; no sign, exponent or separators)", t)
	}
	return Amount{
		whole: strings.TrimLeft(whole, "0"),
		frac:  strings.TrimRight(frac, "0"),
		scale: len(frac),
	}, nil
}

// ParseTotal parses an order total in an ISO 4217 currency with
// ParseAmount, and also refuses a total with more significant decimals
// than the currency has (JPY 0, USD 2, BHD 3): "1500.5" is not a yen
// amount, while "1500.00" is. An unknown or empty currency limits nothing.
func ParseTotal(s, currencyCode string) (Amount, error) {
	a, err := ParseAmount(s)
	if err != nil {
		return Amount{}, err
	}
	if exp, ok := CurrencyExponent(currencyCode); ok && len(a.frac) > exp {
		return Amount{}, Errorf(EINVALID, "%q has more decimals than %s has (%d)", strings.TrimSpace(s), strings.ToUpper(strings.TrimSpace(currencyCode)), exp)
	}
	return a, nil
}

// CurrencyExponent returns the number of decimals of an ISO 4217 currency
// code (any case): 0 for JPY, 2 for USD, 3 for BHD; ok is false for a code
// that is not a known currency.
func CurrencyExponent(code string) (exp int, ok bool) {
	u, err := currency.ParseISO(strings.TrimSpace(code))
	if err != nil {
		return 0, false
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale, true
}

// Cmp compares a and b exactly: -1 if a < b, 0 if they are equal (10.5
// and 10.50), +1 if a > b.
func (a Amount) Cmp(b Amount) int {
	if c := compareLen(len(a.whole), len(b.whole)); c != 0 {
		return c
	}
	if c := strings.Compare(a.whole, b.whole); c != 0 {
		return c
	}
	// Fractions without trailing zeros compare as strings: "5" > "49".
	return strings.Compare(a.frac, b.frac)
}

// String returns the amount with the decimals it was written with, without
// leading zeros: "25.00", "1500", "0.5".
func (a Amount) String() string {
	w := a.whole
	if w == "" {
		w = "0"
	}
	if a.scale == 0 {
		return w
	}
	return w + "." + a.frac + strings.Repeat("0", a.scale-len(a.frac))
}

func compareLen(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// digits reports whether s is one or more ASCII decimal digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
