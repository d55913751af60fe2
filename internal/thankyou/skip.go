package thankyou

import "strings"

// SkipCode says in one word why an order is not thanked: the metrics'
// Reason dimension and the operators' summary count by it.
type SkipCode string

// Skip codes. A new way of skipping orders gets its own code here.
const (
	SkipNoPhone      SkipCode = "no_phone"      // the order has no phone number
	SkipInvalidPhone SkipCode = "invalid_phone" // none of its numbers is valid
	SkipTestOrder    SkipCode = "test_order"    // a platform's test order
	SkipTag          SkipCode = "tag"           // tagged with a skipped tag
	SkipCountry      SkipCode = "country"       // shipped outside the shop's countries
	SkipMinTotal     SkipCode = "min_total"     // total below the shop's minimum
	SkipFirstOrder   SkipCode = "first_order"   // not the customer's first order
	SkipFrequencyCap SkipCode = "frequency_cap" // customer thanked too recently
	SkipTooOld       SkipCode = "too_old"       // delivered after the thank-you period
	SkipRuleError    SkipCode = "rule_error"    // a shop rule that cannot be applied
	SkipStaff        SkipCode = "staff"         // a staff member answered SKIP
	SkipHeldOut      SkipCode = "held_out"      // in the shop's holdout group: never contacted
	SkipOther        SkipCode = "other"         // a reason stored without a known code
)

// skipCodes are the codes above.
var skipCodes = []SkipCode{SkipNoPhone, SkipInvalidPhone, SkipTestOrder, SkipTag, SkipCountry, SkipMinTotal,
	SkipFirstOrder, SkipFrequencyCap, SkipTooOld, SkipRuleError, SkipStaff, SkipHeldOut, SkipOther}

// SkipCodes returns every skip code.
func SkipCodes() []SkipCode { return append([]SkipCode(nil), skipCodes...) }

// Known reports whether c is one of the skip codes.
func (c SkipCode) Known() bool {
	for _, k := range skipCodes {
		if c == k {
			return true
		}
	}
	return false
}

// SkipReason is why an order is not thanked: a Code to count by and a
// Detail people read, which may quote the order ("order total 12.00 is
// below the minimum 25.00") and is stored as the task's Reason.
type SkipReason struct {
	Code   SkipCode
	Detail string
}

// Skip returns a SkipReason.
func Skip(code SkipCode, detail string) SkipReason { return SkipReason{Code: code, Detail: detail} }

// IsZero reports whether r is no reason: the order is not skipped.
func (r SkipReason) IsZero() bool { return r == SkipReason{} }

// String returns the detail.
func (r SkipReason) String() string { return r.Detail }

// legacySkipPrefixes are the beginnings of the reasons written before
// reasons had codes; StoredSkipCode reads old tasks with them.
var legacySkipPrefixes = []struct {
	prefix string
	code   SkipCode
}{
	{"no usable phone", SkipNoPhone},
	{"no phone", SkipNoPhone},
	{"no valid phone", SkipInvalidPhone},
	{"test order", SkipTestOrder},
	{"order tagged", SkipTag},
	{"ships to", SkipCountry},
	{"order total", SkipMinTotal},
	{"not the customer's first order", SkipFirstOrder},
	{"thanked ", SkipFrequencyCap},
	{"order placed too long ago", SkipTooOld},
}

// StoredSkipCode returns the code of a skipped task as stored: code when
// the task has one, else (a task stored before reasons had codes) the code
// its reason text was written with, SkipOther for any other text. Only the
// store calls it, when it reads a task.
func StoredSkipCode(code, reason string) SkipCode {
	if code != "" {
		return SkipCode(code)
	}
	r := strings.ToLower(strings.TrimSpace(reason))
	for _, p := range legacySkipPrefixes {
		if strings.HasPrefix(r, p.prefix) {
			return p.code
		}
	}
	return SkipOther
}
