package thankyou

import "strings"

// Region returns the ISO 3166-2 code of an address's subdivision ("US-FL",
// "CA-ON") from its ISO country ("US") and its state or province as the
// platforms write it ("FL", "fl", or already "US-FL"); "" when either is
// missing or malformed. It is what Order.Region holds.
func Region(country, subdivision string) string {
	country = strings.ToUpper(strings.TrimSpace(country))
	sub := strings.ToUpper(strings.TrimSpace(subdivision))
	if len(country) != 2 || !letters(country) {
		return ""
	}
	sub = strings.TrimPrefix(sub, country+"-")
	if len(sub) < 1 || len(sub) > 3 {
		return ""
	}
	for _, c := range sub {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return ""
		}
	}
	return country + "-" + sub
}

func letters(s string) bool {
	for _, c := range s {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}

// CheckRegion is the invariant every source's Order.Region holds (their
// fuzzers check it): empty, or an ISO 3166-2 code as Region writes it.
func CheckRegion(r string) error {
	if r == "" {
		return nil
	}
	if country, sub, ok := strings.Cut(r, "-"); !ok || Region(country, sub) != r {
		return Errorf(EINVALID, "region %q is not an ISO 3166-2 code like US-FL", r)
	}
	return nil
}
