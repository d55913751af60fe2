// Package inbound reads every inbound SMS in one place and says what it is:
// an opt-out (Twilio's keywords, ARRET, plain-language revocations in
// English, Spanish, French, Portuguese and German), an opt-in, a request
// for help, an ambiguous message that may be a revocation (answered once
// with a question asking to confirm with STOP), a staff member's reply to a
// call reminder (DONE, LATER, SKIP, CALL, LIST) or answer to a customer
// (REPLY), or other text; and whether a customer's reply is a complaint.
//
// Every word it knows is spelled once, in words.go; the texts that tell
// people what to reply are built from the same constants (texts.go), and
// docs/inbound-words.md is generated from the lists by a test.
//
// Since 11 April 2025, 47 CFR 64.1200(a)(10) requires honouring any
// reasonable revocation of consent, so Read errs towards revocation: a
// short message with an opt-out word opts out; only a longer message whose
// opt-out word is not clearly about the texts is ambiguous.
package inbound

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Kind is what an inbound SMS is.
type Kind string

// Kinds.
const (
	Other     Kind = "other"     // chatter: nothing to do
	OptOut    Kind = "opt-out"   // revokes consent: send nothing more
	OptIn     Kind = "opt-in"    // opts back in (START)
	Help      Kind = "help"      // asks for the help text
	Ambiguous Kind = "ambiguous" // may be a revocation: ask once to confirm with STOP
	Staff     Kind = "staff"     // a staff reply word (meaningful from staff numbers)
)

// Rule says why a message is an opt-out or ambiguous.
type Rule string

// Rules.
const (
	RuleAlone     Rule = "alone"                    // the message is an opt-out word (give or take fillers)
	RulePhrase    Rule = "phrase"                   // it contains an opt-out phrase
	RuleAnywhere  Rule = "anywhere"                 // it contains a word that revokes anywhere
	RuleMessaging Rule = "next to a messaging word" // an opt-out word near "texts", "messages"...
	RuleShort     Rule = "short message"            // an opt-out word in a message of at most ShortMessage words
	RuleAskFirst  Rule = "ask first"                // an opt-out word in an AskFirst phrase ("cancel my order")
	RuleInText    Rule = "in a longer message"      // an opt-out word in a longer message
	RuleYes       Rule = "yes to the question"      // a yes from a number asked to confirm (ReadAnswer)
)

// ShortMessage is the most words (fillers aside) a message may have for an
// opt-out word in it to opt out whatever the other words are: "ugh stop",
// "Stop! Who is this?", "cancel my subscription".
const ShortMessage = 3

// Message is what Read makes of an inbound SMS.
type Message struct {
	Kind Kind
	// Word is the list entry that decided an opt-out, an opt-in, help or
	// an ambiguous message, as written in the lists ("STOP", "ARRÊT",
	// "stop texting"); "" otherwise. It never contains the message itself.
	Word string
	Lang Lang
	Rule Rule
	// Command is the message read as a staff reply (Verb Unclear when it
	// is none), whatever the Kind: from a staff number, any message that is
	// not an opt-out or opt-in is answered as a staff reply.
	Command Command
}

// Read says what an inbound SMS body is.
func Read(body string) Message {
	cmd := ParseCommand(body)
	// "SKIP 1001 she said stop texting" is a staff note: customers do not
	// write a staff word followed by an order number.
	if cmd.Verb != Unclear && cmd.Order != "" {
		return Message{Kind: Staff, Command: cmd}
	}
	m := read(tokens(body))
	m.Command = cmd
	if m.Kind == Other && cmd.Verb != Unclear {
		m.Kind = Staff
	}
	return m
}

// ReadAnswer reads a message from a number that was asked to confirm an
// opt-out (ConfirmText): a yes word as the whole message, fillers aside
// ("yes please", "Sí"), is an opt-out; anything else reads as Read reads
// it. Only Read's answer is needed for a number that was not asked.
func ReadAnswer(body string) Message {
	if w, ok := lists().yes[strings.Join(withoutFillers(tokens(body)), "")]; ok {
		m := decided(OptOut, w, RuleYes)
		m.Command = ParseCommand(body)
		return m
	}
	return Read(body)
}

func read(toks []string) Message {
	if len(toks) == 0 {
		return Message{Kind: Other}
	}
	content := withoutFillers(toks)
	whole, all := strings.Join(content, ""), strings.Join(toks, "")
	if w, ok := lists().alone[whole]; ok {
		return decided(OptOut, w, RuleAlone)
	}
	if w, ok := lists().optIn[all]; ok {
		return decided(OptIn, w, RuleAlone)
	}
	if w, ok := lists().help[whole]; ok {
		return decided(Help, w, RuleAlone)
	}
	if w, _, ok := find(toks, lists().phrases); ok {
		return decided(OptOut, w.Word, RulePhrase)
	}
	benign := spans(toks, lists().notOptOut)
	askFirst := spans(toks, lists().askFirst)
	var candidate, ask *Word
	for _, w := range lists().words {
		for _, at := range w.at(toks) {
			switch {
			case covered(benign, at, len(w.toks)):
				continue
			case w.Anywhere:
				return decided(OptOut, w.Word, RuleAnywhere)
			case covered(askFirst, at, len(w.toks)):
				if ask == nil {
					ask = &w.Word
				}
			case near(toks, at, len(w.toks), lists().messaging):
				return decided(OptOut, w.Word, RuleMessaging)
			case candidate == nil:
				candidate = &w.Word
			}
		}
	}
	switch {
	case candidate != nil && len(content) <= ShortMessage:
		return decided(OptOut, *candidate, RuleShort)
	case ask != nil:
		// "cancel my order" is ambiguous however short.
		return decided(Ambiguous, *ask, RuleAskFirst)
	case candidate != nil:
		return decided(Ambiguous, *candidate, RuleInText)
	}
	return Message{Kind: Other}
}

func decided(k Kind, w Word, r Rule) Message {
	return Message{Kind: k, Word: w.Text, Lang: w.Lang, Rule: r}
}

// Normalize is how Read sees a text before splitting it into words:
// compatibility-decomposed (full-width ＳＴＯＰ is STOP), without accents,
// lower case.
func Normalize(s string) string {
	s = norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// symbols are the characters that are words of their own: those of the
// Symbol entries of OptOutWords.
var symbols = func() []rune {
	var rs []rune
	for _, w := range OptOutWords {
		if w.Lang == Symbol {
			rs = append(rs, []rune(w.Text)...)
		}
	}
	return rs
}()

// tokens splits a text into normalised words: letters and digits, with
// apostrophes inside words dropped (don't → dont, m'envoyez → menvoyez);
// punctuation, emoji and spaces separate words.
func tokens(s string) []string {
	var toks []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range Normalize(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			cur.WriteRune(r)
		case r == '\'' || r == '’' || r == 'ʼ' || r == '`':
		case slices.Contains(symbols, r):
			flush()
			toks = append(toks, string(r))
		default:
			flush()
		}
	}
	flush()
	return toks
}

// withoutFillers drops fillers and repeats ("stop stop stop").
func withoutFillers(toks []string) []string {
	var out []string
	for _, t := range toks {
		if _, filler := lists().fillers[t]; filler {
			continue
		}
		if len(out) > 0 && out[len(out)-1] == t {
			continue
		}
		out = append(out, t)
	}
	return out
}

// entry is a list word split into normalised words.
type entry struct {
	Word
	toks []string
}

// at returns where e's words start in toks. A one-word Anywhere entry
// also matches the start of a word ("unsubscribed").
func (e entry) at(toks []string) []int {
	var out []int
	for i := 0; i+len(e.toks) <= len(toks); i++ {
		if slices.Equal(toks[i:i+len(e.toks)], e.toks) ||
			e.Anywhere && len(e.toks) == 1 && strings.HasPrefix(toks[i], e.toks[0]) {
			out = append(out, i)
		}
	}
	return out
}

// find returns the first entry found in toks and where.
func find(toks []string, es []entry) (entry, int, bool) {
	for _, e := range es {
		if at := e.at(toks); len(at) > 0 {
			return e, at[0], true
		}
	}
	return entry{}, 0, false
}

type span struct{ from, to int } // toks[from:to]

// spans returns where the entries occur in toks.
func spans(toks []string, es []entry) []span {
	var out []span
	for _, e := range es {
		for _, at := range e.at(toks) {
			out = append(out, span{at, at + len(e.toks)})
		}
	}
	return out
}

// covered reports whether toks[at:at+n] lies inside one of the spans.
func covered(ss []span, at, n int) bool {
	return slices.ContainsFunc(ss, func(s span) bool { return s.from <= at && at+n <= s.to })
}

// messagingDistance is how many words away a messaging word may be from an
// opt-out word ("stop all of these texts").
const messagingDistance = 3

// near reports whether a messaging word is within messagingDistance words
// of toks[at:at+n].
func near(toks []string, at, n int, messaging map[string]Word) bool {
	lo, hi := max(0, at-messagingDistance), min(len(toks), at+n+messagingDistance)
	for i := lo; i < hi; i++ {
		if i >= at && i < at+n {
			continue
		}
		if _, ok := messaging[toks[i]]; ok {
			return true
		}
	}
	return false
}

// index is the lists, normalised once.
type index struct {
	alone     map[string]Word // joined words of OptOutWords and OptOutPhrases
	optIn     map[string]Word
	help      map[string]Word
	yes       map[string]Word
	fillers   map[string]Word
	messaging map[string]Word
	words     []entry // OptOutWords
	phrases   []entry // OptOutPhrases
	notOptOut []entry
	askFirst  []entry
	complaint []entry // ComplaintWords
}

// lists is the index of the word lists, built on first use: a function
// that never reads an inbound message (the dispatcher, a status callback)
// does not pay for it at start.
var lists = sync.OnceValue(newIndex)

func newIndex() index {
	ix := index{
		alone:     joined(OptOutWords, OptOutPhrases),
		optIn:     joined(OptInWords),
		help:      joined(HelpWords),
		yes:       joined(YesWords),
		fillers:   joined(Fillers),
		messaging: joined(Messaging),
		words:     entries(OptOutWords),
		phrases:   entries(OptOutPhrases),
		notOptOut: entries(NotOptOut),
		askFirst:  entries(AskFirst),
		complaint: entries(ComplaintWords),
	}
	return ix
}

func entries(ws []Word) []entry {
	out := make([]entry, 0, len(ws))
	for _, w := range ws {
		out = append(out, entry{Word: w, toks: tokens(w.Text)})
	}
	return out
}

// joined maps each word's normalised words, joined, to the word; the first
// of two entries that join alike wins.
func joined(lists ...[]Word) map[string]Word {
	m := map[string]Word{}
	for _, ws := range lists {
		for _, w := range ws {
			k := strings.Join(tokens(w.Text), "")
			if _, dup := m[k]; !dup {
				m[k] = w
			}
		}
	}
	return m
}
