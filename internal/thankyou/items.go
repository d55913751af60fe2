package thankyou

import (
	"fmt"
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

// CleanTitle is an item's title cleaned for messages: CleanText cut to
// MaxItemTitle runes.
func CleanTitle(s string) string { return CleanText(s, MaxItemTitle) }

// CleanText is the one sanitiser of text from outside (an order, a shop's
// settings) that reaches a message a person reads: it drops control and
// bidirectional-control characters, turns each run of white space and line
// breaks into one space, trims, and cuts what is left to max runes, ending
// a cut text with "…". So a name cannot add a line or a paragraph to a
// message, nor grow it without bound. Invalid UTF-8 becomes U+FFFD.
func CleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && !unicode.IsSpace(r) || unicode.Is(unicode.Bidi_Control, r) {
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max < 1 {
		return ""
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

// CheckItems reports whether items keep Order.Items's promise: at most
// MaxItems, each a clean title (CleanTitle: not empty, not padded, at
// most MaxItemTitle runes, valid UTF-8, no control characters) after an
// optional "<quantity> × ". The sources' tests hold every parse to it.
func CheckItems(items []string) error {
	if len(items) > MaxItems {
		return fmt.Errorf("%d items, want at most %d", len(items), MaxItems)
	}
	for _, it := range items {
		title := it
		if n, rest, ok := strings.Cut(it, " × "); ok && strings.Trim(n, "0123456789") == "" {
			title = rest
		}
		if title == "" || title != strings.TrimSpace(title) || utf8.RuneCountInString(title) > MaxItemTitle || !utf8.ValidString(it) ||
			strings.ContainsFunc(it, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) {
			return fmt.Errorf("item %q is empty, padded, too long or holds control characters", it)
		}
	}
	return nil
}
