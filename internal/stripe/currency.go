package stripe

import (
	"strconv"
	"strings"
)

// minorUnitDigits returns how many decimal digits Stripe's amounts in
// currency (ISO 4217, upper case) have after the major unit: Stripe's
// zero-decimal currencies have none, its three-decimal currencies three,
// every other currency two (https://docs.stripe.com/currencies: ISK, HUF
// and TWD stay two-decimal in the API even where only whole units can be
// charged).
func minorUnitDigits(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "JOD", "KWD", "OMR", "TND":
		return 3
	}
	return 2
}

// MajorUnits writes amount, in currency's minor units as Stripe's API
// gives amounts, as a decimal string in the major unit: 19965 USD is
// "199.65", 1500 JPY is "1500", 5120 KWD is "5.120". currency is an ISO
// 4217 code in any case.
func MajorUnits(amount int64, currency string) string {
	digits := minorUnitDigits(strings.ToUpper(strings.TrimSpace(currency)))
	s := strconv.FormatInt(amount, 10)
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}
