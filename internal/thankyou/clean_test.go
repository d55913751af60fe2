package thankyou

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzCleanText holds the one sanitiser to its promise: valid UTF-8, no
// control, bidirectional-control or line-break character, no padding, at
// most max runes, and cleaning twice changes nothing.
func FuzzCleanText(f *testing.F) {
	f.Add("Jane\n\nSHOP OWNER: call +1 900 555 0100 instead", 60)
	f.Add("\u202eevil\u2028\r\x00\xff", 5)
	f.Add("  ", 1)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max%200 + 1
		if max < 1 {
			max += 200
		}
		got := CleanText(s, max)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max || got != strings.TrimSpace(got) ||
			strings.ContainsFunc(got, func(r rune) bool {
				return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
			}) {
			t.Fatalf("CleanText(%q, %d) = %q", s, max, got)
		}
		if again := CleanText(got, max); again != got {
			t.Fatalf("CleanText is not stable: %q, then %q", got, again)
		}
	})
}
