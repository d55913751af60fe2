package thankyou

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxItemTitle is how many runes of an item's title are kept, the ellipsis
// that marks a cut title included.
const MaxItemTitle = 40

// ItemText is one ordered item as people read it: "2 × Blue mug" for a
// quantity above one, the title alone otherwise. The title is cleaned
// (CleanTitle); an empty one gives "".
func ItemText(title string, quantity int64) string {
	t := CleanTitle(title)
	if t == "" {
		return ""
	}
	if quantity > 1 {
		return strconv.FormatInt(quantity, 10) + " × " + t
	}
	return t
}

// CleanTitle drops control and bidirectional-control characters, turns
// each run of white space into one space, trims, and cuts what is left to
// MaxItemTitle runes, ending a cut title with "…".
func CleanTitle(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= MaxItemTitle {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:MaxItemTitle-1])) + "…"
}
