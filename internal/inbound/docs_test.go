package inbound_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
)

var update = flag.Bool("update", false, "rewrite docs/inbound-words.md from the lists")

const docPath = "../../docs/inbound-words.md"

// TestDocsListEveryWord keeps docs/inbound-words.md what the lists say:
// it renders the page from them and compares. Run with -update to rewrite
// the page after changing a list.
func TestDocsListEveryWord(t *testing.T) {
	want := renderDocs()
	if *update {
		if err := os.MkdirAll(filepath.Dir(docPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(docPath, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(docPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is not what the lists say: run go test ./internal/inbound -run TestDocsListEveryWord -update", docPath)
	}
	// Every word of every list is on the page.
	for _, ws := range [][]inbound.Word{inbound.OptOutWords, inbound.OptOutPhrases, inbound.NotOptOut, inbound.AskFirst,
		inbound.Messaging, inbound.Fillers, inbound.OptInWords, inbound.YesWords, inbound.HelpWords} {
		for _, w := range ws {
			if !bytes.Contains(got, []byte(w.Text)) {
				t.Errorf("%s does not name %q", docPath, w.Text)
			}
		}
	}
}

var langNames = map[inbound.Lang]string{
	inbound.English: "English", inbound.Spanish: "Spanish", inbound.French: "French",
	inbound.Portuguese: "Portuguese", inbound.German: "German", inbound.Symbol: "Symbols",
}

// verbMeanings says what each staff verb does, for the page.
var verbMeanings = map[inbound.Verb]string{
	inbound.Done:  "the call was made; words after it are the note",
	inbound.Later: "remind me later: after " + hours(inbound.DefaultSnooze.Hours()) + ", or the delay given (`2h`, `90m`, `tomorrow`), at the next time on duty when the customer may be called too",
	inbound.Skip:  "do not call; words after it are the reason",
	inbound.Call:  "connect me to the customer now (click-to-call)",
	inbound.List:  "list my open calls",
	inbound.Reply: "answer a customer's forwarded reply: `REPLY 1001 your text` goes to the customer from the shop's number (see conversations.md)",
}

func renderDocs() []byte {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("# Inbound SMS: what each reply does")
	p("")
	p("<!-- Generated from internal/inbound/words.go by TestDocsListEveryWord: change the lists there, then run")
	p("     go test ./internal/inbound -run TestDocsListEveryWord -update -->")
	p("")
	p("Every SMS sent to the shop's number is read in one place, the `internal/inbound` package. It decides whether")
	p("the message is an opt-out, an opt-in, a request for help, an ambiguous message that may be an opt-out, a staff")
	p("member's reply to a call reminder, or other text. This page lists every word and phrase it knows.")
	p("")
	p("## Why it errs towards opting out")
	p("")
	p("Since 11 April 2025, 47 CFR 64.1200(a)(10) requires honouring any reasonable way of revoking consent to texts,")
	p("not only the keywords STOP, QUIT, END, REVOKE, OPT OUT, CANCEL and UNSUBSCRIBE. So a short message with an")
	p("opt-out word in it opts out, whatever else it says. Only a longer message whose opt-out word is not clearly about")
	p("the texts is treated as ambiguous. A message to someone who said stop is the worst mistake this service can make;")
	p("one thank-you too few is not.")
	p("")
	p("## How a message is read")
	p("")
	p("Before matching, the message is normalised. Full-width letters become ordinary ones (ＳＴＯＰ is STOP).")
	p("Accents are dropped (ARRÊT and ARRET are the same word). Case is ignored. Apostrophes inside words are dropped")
	p("(don't and dont are the same word). Punctuation, emoji and spaces only separate words. The stop sign %s is a word of its own.", symbolWords())
	p("The rules below are tried in order, and the first one that matches decides:")
	p("")
	p("1. A staff word followed by an order number (`SKIP 1001 she said stop texting`) is a **staff** reply.")
	p("2. If the whole message is an opt-out word or phrase, it is an **opt-out**. Fillers (`please`, `svp`, `bitte`...)")
	p("   and repeats (`stop stop stop`) are ignored, and so is the spacing (`S T O P`, `stop all`, `opt-out`).")
	p("3. If the whole message is an opt-in word, it is an **opt-in**. Nothing may be added to it, not even `please`:")
	p("   opting back in must be unmistakable.")
	p("4. If the whole message is a help word (fillers aside), it is **help**.")
	p("5. A message that contains an opt-out phrase anywhere is an **opt-out**.")
	p("6. A message that contains an opt-out word marked *anywhere* is an **opt-out**. Such a word has no everyday meaning;")
	p("   it also counts as the start of a longer word (`unsubscribed`).")
	p("7. An opt-out word inside a *not an opt-out* phrase (`Can I stop by the shop?`) counts for nothing.")
	p("8. An opt-out word with a messaging word (`texts`, `mensajes`...) at most 3 words away is an **opt-out**")
	p("   (`cancel these texts`, `the messages need to stop`).")
	p("9. An opt-out word in a message of at most %d words, fillers aside, is an **opt-out** (`ugh stop`, `Stop! Who is this?`).", inbound.ShortMessage)
	p("10. An opt-out word inside an *ask first* phrase (`cancel my order`) makes the message **ambiguous**, however short it is.")
	p("11. An opt-out word anywhere else in a longer message makes it **ambiguous**.")
	p("12. A message that starts with a staff word is a **staff** reply. Anything else is **other**.")
	p("")
	p("## What happens then")
	p("")
	p("| Kind | What the service does |")
	p("|---|---|")
	p("| opt-out | The number is opted out at once, recorded with the word or phrase that decided it, and is not contacted again. The service sends no reply of its own: Twilio confirms its own keywords (marked *Twilio* below), and the other words and phrases get no confirmation. |")
	p("| opt-in | The opt-out is cleared. |")
	p("| help | The help text is sent back: `HELP_TEXT`, or the built-in text shown below. From a staff number, the staff reply words are sent instead. |")
	p("| ambiguous | The sender gets one question, shown below. A number that has opted out never gets it. A number gets it at most once every %[1]s. A thank-you lasts only a few days (its due time plus `EXPIRE_AFTER`, 72 hours by default), so no number is asked twice about the same thank-you. If the sender answers STOP, or one of the yes words below on its own while the question is less than %[1]s old, the number is opted out. A message from a staff number is answered as a staff reply instead. |", days(dynamo.OptOutQuestionWindow.Hours()))
	p("| staff | From a number that is on the staff roster or has open calls, the reply is handled as shown below. From any other number, nothing happens. |")
	p("| other | Nothing happens. The text of the message is never logged. |")
	p("")
	p("The question sent for an ambiguous message (the shop's name goes where `<shop name>` is):")
	p("")
	p("> %s", inbound.ConfirmText("<shop name>"))
	p("")
	p("The built-in help text:")
	p("")
	p("> %s", inbound.HelpText("<shop name>"))
	p("")
	p("## Opt-out words")
	p("")
	p("If the whole message is one of these words, it opts out. So does a short message that contains one. Words marked")
	p("*Twilio* are Twilio's own opt-out keywords; Twilio also blocks the number on its side. Words marked *anywhere*")
	p("opt out wherever they appear in a message.")
	p("")
	for _, l := range inbound.Languages {
		var cells []string
		for _, w := range inbound.OptOutWords {
			if w.Lang != l {
				continue
			}
			c := "`" + w.Text + "`"
			var marks []string
			if w.Twilio {
				marks = append(marks, "Twilio")
			}
			if w.Anywhere {
				marks = append(marks, "anywhere")
			}
			if len(marks) > 0 {
				c += " (*" + strings.Join(marks, ", ") + "*)"
			}
			cells = append(cells, c)
		}
		if len(cells) > 0 {
			p("- **%s**: %s", langNames[l], strings.Join(cells, ", "))
		}
	}
	section := func(title, intro string, ws []inbound.Word) {
		p("")
		p("## %s", title)
		p("")
		p("%s", intro)
		p("")
		byLang(p, ws)
	}
	section("Opt-out phrases", "These phrases opt out wherever they appear in a message.", inbound.OptOutPhrases)
	section("Not an opt-out", "An opt-out word inside one of these everyday phrases counts for nothing. An opt-out phrase elsewhere in the same message still opts out.", inbound.NotOptOut)
	section("Ask first", "An opt-out word inside one of these phrases may or may not be meant as an opt-out, so the message is ambiguous however short it is.", inbound.AskFirst)
	section("Messaging words", "An opt-out word at most 3 words away from one of these words opts out.", inbound.Messaging)
	section("Fillers", "These words are ignored when deciding whether a message is an opt-out word on its own, or a short message.", inbound.Fillers)
	section("Opt-in words", "Each of these opts a number back in, but only if it is the whole message. They are Twilio's opt-in keywords.", inbound.OptInWords)
	section("Yes words", "From a number that was asked the question above, one of these words as the whole message (fillers aside) is an opt-out. From any other number, `YES` is an opt-in word.", inbound.YesWords)
	section("Help words", "Each of these asks for the help text if it is the whole message (fillers aside).", inbound.HelpWords)
	p("")
	p("## Staff words")
	p("")
	p("A staff member's reply to a call reminder starts with one of these words. An order number may follow the word")
	p("(`DONE 1001`, `skip #1001`); without one, the reply is about the newest reminder. Case, punctuation and full-width")
	p("letters are tolerated. A reply from a staff number that is not a command, an opt-out or an opt-in gets the")
	p("reply words back:")
	p("")
	p("> %s", inbound.StaffHelp)
	p("")
	p("Opt-out words come before staff words, whoever sends them. So a staff note that quotes a customer without an")
	p("order number (`done, she said stop texting`) opts out the staff member's own number. With the order number")
	p("after the word (`DONE 1001 she said stop texting`), it is read as a staff reply.")
	p("")
	p("| Word | Meaning |")
	p("|---|---|")
	for _, w := range inbound.StaffWords {
		p("| `%s` | %s |", w.Text, verbMeanings[w.Verb])
	}
	return []byte(b.String())
}

func byLang(p func(string, ...any), ws []inbound.Word) {
	for _, l := range inbound.Languages {
		var cells []string
		for _, w := range ws {
			if w.Lang == l {
				cells = append(cells, "`"+w.Text+"`")
			}
		}
		if len(cells) > 0 {
			p("- **%s**: %s", langNames[l], strings.Join(cells, ", "))
		}
	}
}

func symbolWords() string {
	var s []string
	for _, w := range inbound.OptOutWords {
		if w.Lang == inbound.Symbol {
			s = append(s, w.Text)
		}
	}
	return strings.Join(s, " ")
}

func days(hours float64) string { return fmt.Sprintf("%.0f days", hours/24) }

func hours(h float64) string {
	if h == 1 {
		return "1 hour"
	}
	return fmt.Sprintf("%g hours", h)
}

// TestConversationsDocListsEveryComplaintWord: docs/conversations.md
// lists the complaint words as the list spells them.
func TestConversationsDocListsEveryComplaintWord(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "conversations.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range inbound.ComplaintWords {
		if !strings.Contains(string(doc), "`"+w.Text+"`") {
			t.Errorf("docs/conversations.md does not list the complaint word %q", w.Text)
		}
	}
}
