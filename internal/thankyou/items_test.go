package thankyou_test

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestItemTextReadsAsPeopleDo(t *testing.T) {
	tests := []struct {
		name     string
		title    string
		quantity int64
		want     string
	}{
		{"one of one: the title alone", "Blue mug", 1, "Blue mug"},
		{"several of one", "Blue mug", 2, "2 × Blue mug"},
		{"large quantity written in full", "Screw", 1_000_000_000, "1000000000 × Screw"},
		{"quantity zero: the title alone", "Blue mug", 0, "Blue mug"},
		{"negative quantity: the title alone", "Blue mug", -3, "Blue mug"},
		{"empty title", "", 2, ""},
		{"blank title", " \t\r\n ", 2, ""},
		{"only control characters", "\u0000\u0007\u202e", 1, ""},
		{"trimmed, white space collapsed", "  Blue \t\r\n mug ", 3, "3 × Blue mug"},
		{"no-break and other Unicode spaces collapsed", "Blue\u00a0\u2003mug", 1, "Blue mug"},
		{"control characters removed", "Blue\u0000 mug\u001b\u0007", 1, "Blue mug"},
		{"control characters removed inside a word", "T-\u0000shirt", 1, "T-shirt"},
		{"bidi controls removed", "\u2066Blue mug\u202e\u200f", 1, "Blue mug"},
		{"other formatting characters kept", "Café\u200d", 1, "Café\u200d"},
		{"exactly 40 runes kept whole", strings.Repeat("x", 40), 1, strings.Repeat("x", 40)},
		{"41 runes cut, the ellipsis counted", strings.Repeat("x", 41), 1, strings.Repeat("x", 39) + "…"},
		{"long title cut to 40 runes", strings.Repeat("Very long product name ", 3), 2,
			"2 × Very long product name Very long produc…"},
		{"cut at a space: no space before the ellipsis", strings.Repeat("a", 38) + " and the rest of the title", 1,
			strings.Repeat("a", 38) + "…"},
		{"length counted after white space is collapsed", "Blue" + strings.Repeat(" ", 50) + "mug", 1, "Blue mug"},
		{"length counted after control characters are removed", strings.Repeat("x\u0000", 40), 1, strings.Repeat("x", 40)},
		{"multi-byte runes counted as one", strings.Repeat("日", 41), 1, strings.Repeat("日", 39) + "…"},
		{"combining accents counted as runes", strings.Repeat("e\u0301", 25), 1, strings.Repeat("e\u0301", 19) + "e…"},
		{"invalid UTF-8 replaced", "Blue \xff mug", 1, "Blue \ufffd mug"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := thankyou.ItemText(tt.title, tt.quantity); got != tt.want {
				t.Errorf("ItemText(%q, %d) = %q, want %q", tt.title, tt.quantity, got, tt.want)
			}
		})
	}
}

func TestCleanTitleIsWhatItemTextShows(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  Sea \n Green ", "Sea Green"},
		{"Default Title", "Default Title"},
		{"\u202eLarge\u0000", "Large"},
		{strings.Repeat("é", 45), strings.Repeat("é", 39) + "…"},
	}
	for _, tt := range tests {
		if got := thankyou.CleanTitle(tt.in); got != tt.want {
			t.Errorf("CleanTitle(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := thankyou.ItemText(tt.in, 1); got != tt.want {
			t.Errorf("ItemText(%q, 1) = %q, want the clean title %q", tt.in, got, tt.want)
		}
	}
}

// FuzzItemText checks what Order.Items promises of each item: valid
// UTF-8, a title that is not empty or padded, of at most MaxItemTitle
// runes, without control or bidi characters and cleaned once and for all,
// and a count before it only for a quantity above one.
func FuzzItemText(f *testing.F) {
	f.Add("  Blue \t mug\u202e\u0000", int64(2))
	f.Add(strings.Repeat("Very long product name ", 3), int64(1))
	f.Add(strings.Repeat("日", 41), int64(-1))
	f.Add("Blue \xff mug", int64(0))
	f.Add("", int64(5))
	f.Fuzz(func(t *testing.T, title string, quantity int64) {
		got := thankyou.ItemText(title, quantity)
		clean := thankyou.CleanTitle(title)
		want := clean
		if clean != "" && quantity > 1 {
			want = strconv.FormatInt(quantity, 10) + " × " + clean
		}
		if got != want {
			t.Fatalf("ItemText(%q, %d) = %q, want %q", title, quantity, got, want)
		}
		if !utf8.ValidString(clean) || clean != strings.TrimSpace(clean) || utf8.RuneCountInString(clean) > thankyou.MaxItemTitle ||
			strings.ContainsFunc(clean, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }) {
			t.Fatalf("CleanTitle(%q) = %q: invalid, padded, too long or holds control characters", title, clean)
		}
		if again := thankyou.CleanTitle(clean); again != clean {
			t.Fatalf("CleanTitle(%q) = %q, cleaned again %q", title, clean, again)
		}
	})
}
