package thankyou_test

import (
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestStoredSkipCodeKeepsAStoredCodeAndReadsOldReasons(t *testing.T) {
	for _, tt := range []struct {
		code, reason string
		want         thankyou.SkipCode
	}{
		{"min_total", "anything at all", thankyou.SkipMinTotal},
		{"rule_error", "order total rule broken", thankyou.SkipRuleError},
		{"", "order total 12.00 is below the minimum 25.00", thankyou.SkipMinTotal},
		{"", "  Test order", thankyou.SkipTestOrder},
		{"", "no valid phone number (2 found, none valid)", thankyou.SkipInvalidPhone},
		{"", "no usable phone number", thankyou.SkipNoPhone},
		{"", "order placed too long ago to thank (96h0m0s ago)", thankyou.SkipTooOld},
		{"", "thanked recently (another order of the customer has the thank-you)", thankyou.SkipFrequencyCap},
		{"", "", thankyou.SkipOther},
		{"", "skipped by staff", thankyou.SkipOther},
	} {
		if got := thankyou.StoredSkipCode(tt.code, tt.reason); got != tt.want {
			t.Errorf("StoredSkipCode(%q, %q) = %q, want %q", tt.code, tt.reason, got, tt.want)
		}
	}
	for _, c := range thankyou.SkipCodes() {
		if !c.Known() {
			t.Errorf("%q is not Known", c)
		}
	}
	if thankyou.SkipCode("order total").Known() || thankyou.SkipCode("").Known() {
		t.Error("text or nothing is a known code")
	}
}
