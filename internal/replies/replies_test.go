package replies_test

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestForwardSaysWhoRepliedAndHowToAnswer(t *testing.T) {
	task := thankyou.Task{Order: thankyou.Order{Number: "#1001", CustomerName: "Jane Doe", FirstName: "Jane"}}
	at := time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		e    thankyou.Entry
		want string
	}{
		{"thanks", thankyou.Entry{At: at, Text: "Love the mug!"},
			"Jane (order #1001) replied: Love the mug!\nAnswer with REPLY 1001 and your text."},
		{"complaint first", thankyou.Entry{At: at, Text: "It arrived broken", Complaint: "broken"},
			"Needs attention: Jane (order #1001) replied: It arrived broken\nAnswer with REPLY 1001 and your text."},
		{"lines and controls", thankyou.Entry{At: at, Text: "line one\nline\u202e two\x07"},
			"Jane (order #1001) replied: line one line two\nAnswer with REPLY 1001 and your text."},
	} {
		if got := replies.Text(task, tc.e); got != tc.want {
			t.Errorf("%s: Text = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestLongRepliesAreQuotedInPart(t *testing.T) {
	long := strings.Repeat("é", replies.MaxQuoted)
	q := replies.Quote(long)
	if !utf8.ValidString(q) || len(q) > replies.MaxQuoted+len("…") || !strings.HasSuffix(q, "…") {
		t.Errorf("Quote of %d bytes = %d bytes, valid %v", len(long), len(q), utf8.ValidString(q))
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range []string{"Love the mug!", "a\nb", "\u202eevil", strings.Repeat("ü", 700), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := replies.Quote(s)
		if len(q) > replies.MaxQuoted+len("…") {
			t.Fatalf("Quote(%q) is %d bytes", s, len(q))
		}
		if strings.ContainsAny(q, "\n\r\t\u202e\u2066") {
			t.Fatalf("Quote(%q) = %q keeps a line break or a direction character", s, q)
		}
		if utf8.ValidString(s) && !utf8.ValidString(q) {
			t.Fatalf("Quote(%q) = %q cut a character", s, q)
		}
	})
}
