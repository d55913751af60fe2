package inbound_test

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
)

// kinds in the order the confusion matrix prints them.
var kinds = []inbound.Kind{inbound.OptOut, inbound.Ambiguous, inbound.OptIn, inbound.Help, inbound.Staff, inbound.Other}

type sample struct {
	line int
	want inbound.Kind
	body string
}

func loadCorpus(t testing.TB) []sample {
	t.Helper()
	f, err := os.Open("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		kind, body, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("corpus.txt:%d: no tab between the kind and the message", n)
		}
		out = append(out, sample{n, inbound.Kind(kind), body})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCorpus reads every message of the corpus, prints the confusion matrix
// and fails on any missed revocation, any message read as an opt-out that
// is none, and any other misreading.
func TestCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	matrix := map[[2]inbound.Kind]int{}
	revocations, others := 0, 0
	for _, s := range corpus {
		if !contains(kinds, s.want) {
			t.Fatalf("corpus.txt:%d: unknown kind %q", s.line, s.want)
		}
		if s.want == inbound.OptOut {
			revocations++
		} else {
			others++
		}
		got := inbound.Read(s.body)
		matrix[[2]inbound.Kind{s.want, got.Kind}]++
		switch {
		case s.want == inbound.OptOut && got.Kind != inbound.OptOut:
			t.Errorf("corpus.txt:%d: MISSED REVOCATION %q read as %s", s.line, s.body, got.Kind)
		case s.want != inbound.OptOut && got.Kind == inbound.OptOut:
			t.Errorf("corpus.txt:%d: %q (%s) read as an opt-out (%q, %s)", s.line, s.body, s.want, got.Word, got.Rule)
		case got.Kind != s.want:
			t.Errorf("corpus.txt:%d: %q read as %s, want %s", s.line, s.body, got.Kind, s.want)
		}
	}
	if revocations < 30 || others < 30 {
		t.Errorf("corpus has %d revocations and %d other messages; want at least 30 of each", revocations, others)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "confusion matrix (rows: labelled, columns: read) over %d messages\n%-10s", len(corpus), "")
	for _, k := range kinds {
		fmt.Fprintf(&b, "%10s", k)
	}
	for _, want := range kinds {
		fmt.Fprintf(&b, "\n%-10s", want)
		for _, got := range kinds {
			fmt.Fprintf(&b, "%10d", matrix[[2]inbound.Kind{want, got}])
		}
	}
	t.Log(b.String())
}

func contains(ks []inbound.Kind, k inbound.Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func TestEveryListedOptOutOptsOutAlone(t *testing.T) {
	for _, ws := range [][]inbound.Word{inbound.OptOutWords, inbound.OptOutPhrases} {
		for _, w := range ws {
			for _, body := range []string{w.Text, strings.ToLower(w.Text) + "!", strings.ToUpper(w.Text) + " please", fullWidth(w.Text)} {
				if got := inbound.Read(body); got.Kind != inbound.OptOut {
					t.Errorf("Read(%q) = %s, want opt-out", body, got.Kind)
				}
			}
		}
	}
}

func TestTwiliosKeywordsAreRecognised(t *testing.T) {
	for _, tc := range []struct {
		words []inbound.Word
		want  inbound.Kind
	}{
		{inbound.OptOutWords, inbound.OptOut},
		{inbound.OptInWords, inbound.OptIn},
		{inbound.HelpWords, inbound.Help},
	} {
		n := 0
		for _, w := range tc.words {
			if !w.Twilio {
				continue
			}
			n++
			if got := inbound.Read(w.Text); got.Kind != tc.want || got.Word != w.Text {
				t.Errorf("Read(%q) = %s %q, want %s %q", w.Text, got.Kind, got.Word, tc.want, w.Text)
			}
		}
		if n == 0 {
			t.Errorf("no Twilio keyword of kind %s", tc.want)
		}
	}
}

func TestOptInMustBeTheWholeMessage(t *testing.T) {
	for _, body := range []string{"Yes please send me more", "start over", "yes, stop"} {
		if got := inbound.Read(body); got.Kind == inbound.OptIn {
			t.Errorf("Read(%q) = opt-in; opting back in must be unmistakable", body)
		}
	}
}

func TestReadSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		body string
		want inbound.Message
	}{
		{"Stop.", inbound.Message{Kind: inbound.OptOut, Word: "STOP", Lang: inbound.English, Rule: inbound.RuleAlone}},
		{"Arrêt", inbound.Message{Kind: inbound.OptOut, Word: "ARRÊT", Lang: inbound.French, Rule: inbound.RuleAlone}},
		{"please stop texting me", inbound.Message{Kind: inbound.OptOut, Word: "stop texting", Lang: inbound.English, Rule: inbound.RulePhrase}},
		{"how do I unsubscribe from this list?", inbound.Message{Kind: inbound.OptOut, Word: "UNSUBSCRIBE", Lang: inbound.English, Rule: inbound.RuleAnywhere}},
		{"the texts have to end", inbound.Message{Kind: inbound.OptOut, Word: "END", Lang: inbound.English, Rule: inbound.RuleMessaging}},
		{"ugh stop", inbound.Message{Kind: inbound.OptOut, Word: "STOP", Lang: inbound.English, Rule: inbound.RuleShort}},
		{"cancel my order", inbound.Message{Kind: inbound.Ambiguous, Word: "CANCEL", Lang: inbound.English, Rule: inbound.RuleAskFirst}},
		{"we had to stop for lunch on the way home", inbound.Message{Kind: inbound.Ambiguous, Word: "STOP", Lang: inbound.English, Rule: inbound.RuleInText}},
		{"Can I stop by the shop?", inbound.Message{Kind: inbound.Other}},
	} {
		got := inbound.Read(tc.body)
		got.Command = inbound.Command{}
		if got != tc.want {
			t.Errorf("Read(%q) = %+v, want %+v", tc.body, got, tc.want)
		}
	}
}

func TestAFillerIsNoOtherWord(t *testing.T) {
	for _, f := range inbound.Fillers {
		for _, ws := range [][]inbound.Word{inbound.OptOutWords, inbound.OptInWords, inbound.YesWords, inbound.HelpWords} {
			for _, w := range ws {
				if inbound.Normalize(f.Text) == inbound.Normalize(w.Text) {
					t.Errorf("filler %q (%s) is also the word %q (%s): it would be ignored", f.Text, f.Lang, w.Text, w.Lang)
				}
			}
		}
	}
}

func TestAYesAnswersTheQuestion(t *testing.T) {
	for _, tc := range []struct {
		body string
		want inbound.Kind
	}{
		{"Yes", inbound.OptOut},
		{"yes please!", inbound.OptOut},
		{"Sí", inbound.OptOut},
		{"oui merci", inbound.OptOut},
		{"JA", inbound.OptOut},
		{"STOP", inbound.OptOut},
		{"Yes I loved the mug", inbound.Other},
		{"cancel my order", inbound.Ambiguous},
	} {
		if got := inbound.ReadAnswer(tc.body); got.Kind != tc.want {
			t.Errorf("ReadAnswer(%q) = %s, want %s", tc.body, got.Kind, tc.want)
		}
	}
	if got := inbound.Read("Yes"); got.Kind != inbound.OptIn {
		t.Errorf("Read(Yes) = %s, want opt-in: without a question, YES is Twilio's opt-in", got.Kind)
	}
}

func TestStaffRepliesKeepTheirCommand(t *testing.T) {
	got := inbound.Read("skip #1001 - she said stop texting")
	want := inbound.Command{Verb: inbound.Skip, Order: "1001", Note: "she said stop texting"}
	if got.Kind != inbound.Staff || got.Command != want {
		t.Errorf("Read = %s %+v, want staff %+v", got.Kind, got.Command, want)
	}
	// From a staff number, any message that is not an opt-out is answered
	// as a staff reply: the command is read whatever the kind.
	if got := inbound.Read("help"); got.Kind != inbound.Help || got.Command.Verb != inbound.Unclear {
		t.Errorf("Read(help) = %s %s, want help, unclear", got.Kind, got.Command.Verb)
	}
	if got := inbound.Read("ＬＩＳＴ"); got.Kind != inbound.Staff || got.Command.Verb != inbound.List {
		t.Errorf("Read(full-width LIST) = %s %s, want staff list", got.Kind, got.Command.Verb)
	}
}

// fullWidth writes ASCII letters, digits and punctuation as their
// full-width forms (U+FF01–U+FF5E) and spaces as ideographic spaces.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ':
			return '\u3000'
		case r > ' ' && r < 0x7f:
			return r - '!' + '！'
		}
		return r
	}, s)
}

// same is what must not change when a message changes only in case or
// width (the note of a staff command keeps the case it was written in).
func same(a, b inbound.Message) bool {
	a.Command.Note, b.Command.Note = "", ""
	a.Command.Problem, b.Command.Problem = "", ""
	return a == b
}

func FuzzRead(f *testing.F) {
	for _, s := range loadCorpus(f) {
		f.Add(s.body)
	}
	for _, s := range []string{"\x00\xff", "ß", "İ", "ſtop", "s\u0301top", "🛑\ufe0f", "don''t text me", strings.Repeat("stop ", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		m := inbound.Read(body)
		if !contains(kinds, m.Kind) {
			t.Fatalf("Read(%q) = kind %q", body, m.Kind)
		}
		if a := inbound.ReadAnswer(body); a.Kind != inbound.OptOut && a != m {
			t.Errorf("ReadAnswer(%q) = %+v differs from Read's %+v without opting out", body, a, m)
		}
		if again := inbound.Read(body); again != m {
			t.Fatalf("Read(%q) is not deterministic: %+v then %+v", body, m, again)
		}
		if (m.Word == "") != (m.Kind == inbound.Other || m.Kind == inbound.Staff) {
			t.Errorf("Read(%q) = %s with word %q", body, m.Kind, m.Word)
		}
		if m.Word != "" && !listed(m.Word) {
			t.Errorf("Read(%q) word %q is not a list entry", body, m.Word)
		}
		// A change of case is only a change of case when it can be undone
		// (upper-casing U+0345 makes a letter of a combining mark).
		up, lo := strings.ToUpper(body), strings.ToLower(body)
		if reversible := strings.ToLower(up); reversible == lo {
			for _, variant := range []string{up, lo} {
				if got := inbound.Read(variant); !same(got, m) {
					t.Errorf("case changes the reading of %q: %+v, then for %q %+v", body, m, variant, got)
				}
			}
		}
		if got := inbound.Read(fullWidth(body)); !same(got, m) {
			t.Errorf("full width changes the reading of %q: %+v, then %+v", body, m, got)
		}
	})
}

// listed reports whether w is an entry of one of the lists.
func listed(w string) bool {
	for _, ws := range [][]inbound.Word{inbound.OptOutWords, inbound.OptOutPhrases, inbound.OptInWords, inbound.HelpWords} {
		for _, x := range ws {
			if x.Text == w {
				return true
			}
		}
	}
	return false
}

// BenchmarkRead reads the longest SMS Twilio accepts (1,600 characters).
func BenchmarkRead(b *testing.B) {
	body := strings.Repeat("Can I stop by the shop on Sunday? ", 48)[:1600]
	for b.Loop() {
		inbound.Read(body)
	}
}
