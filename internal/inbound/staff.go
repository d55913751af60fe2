package inbound

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// A staff member's SMS reply to a call reminder: DONE [order] [note],
// LATER [order] [2h|90m|tomorrow], SKIP [order] [reason], CALL [order],
// LIST. Words are case-insensitive and tolerate punctuation and full-width
// letters ("Done!", "later, 2h", "skip #1001 - wrong number"); anything
// else is Unclear, answered with the reply words.

// Verb is what a reply asks.
type Verb string

// Verbs.
const (
	Done  Verb = "done"  // the call was made; Note says how it went
	Later Verb = "later" // snooze the reminder (Snooze, or Tomorrow)
	Skip  Verb = "skip"  // do not call; Note is the reason
	Call  Verb = "call"  // connect me to the customer (click-to-call)
	List  Verb = "list"  // today's open calls
	// Reply answers a customer's forwarded reply: REPLY <order> <text>;
	// Note is the text for the customer, as written.
	Reply Verb = "reply"
	// Unclear is anything else: answer with the reply words.
	Unclear Verb = "help"
)

// Snooze bounds for LATER.
const (
	DefaultSnooze = time.Hour
	MinSnooze     = 5 * time.Minute
	MaxSnooze     = 7 * 24 * time.Hour
)

// Command is a parsed reply.
type Command struct {
	Verb Verb
	// Order is the order number the reply names ("1001"), or "" for the
	// newest open reminder.
	Order string
	// Note is DONE's note, SKIP's reason or REPLY's answer, as written
	// (trimmed).
	Note string
	// Snooze is LATER's delay; Tomorrow is LATER tomorrow (the next
	// working day's start).
	Snooze   time.Duration
	Tomorrow bool
	// Problem explains an Unclear reply that came from a recognised word with a bad
	// argument ("LATER 99d"), for the help reply.
	Problem string
}

// verbs maps the staff words to their verbs.
var verbs = func() map[string]Verb {
	m := make(map[string]Verb, len(StaffWords))
	for _, w := range StaffWords {
		m[w.Text] = w.Verb
	}
	return m
}()

// Problems of a staff word with a bad argument.
const (
	problemLater = WordLater + " takes a delay like 2h, 90m or tomorrow"
	problemList  = WordList + " takes no words after it"
	problemReply = WordReply + " takes the order number and your answer: " + WordReply + " 1001 So sorry, a new one is on its way"
)

// MaxReply is the longest answer REPLY sends, in characters (Twilio's
// limit for one message body); a longer one is refused, not cut.
const MaxReply = 1600

// ParseCommand reads a staff member's reply. Full-width letters are read
// as their ASCII twins.
func ParseCommand(body string) Command {
	rest := strings.TrimSpace(norm.NFKC.String(body))
	word, rest := nextWord(rest)
	v, ok := verbs[strings.ToUpper(word)]
	if !ok {
		return Command{Verb: Unclear}
	}
	c := Command{Verb: v}
	// An order number may follow the verb: "DONE 1001", "skip #1001".
	if w, after := nextWord(rest); isOrderNumber(w) {
		c.Order = strings.TrimPrefix(w, "#")
		rest = after
	}
	rest = strings.TrimLeftFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
	switch v {
	case Done, Skip:
		c.Note = strings.TrimSpace(rest)
	case Later:
		c.Snooze = DefaultSnooze
		if rest != "" {
			d, tomorrow, ok := parseSnooze(rest)
			if !ok {
				return Command{Verb: Unclear, Problem: problemLater}
			}
			c.Snooze, c.Tomorrow = d, tomorrow
		}
	case List:
		if rest != "" {
			return Command{Verb: Unclear, Problem: problemList}
		}
	case Reply:
		c.Note = replyText(body)
		if c.Order == "" || c.Note == "" || utf8.RuneCountInString(c.Note) > MaxReply {
			return Command{Verb: Unclear, Problem: problemReply}
		}
	}
	return c
}

// replyText is REPLY's answer as the staff member wrote it: the body
// after its first two words (the verb and the order number), trimmed,
// without the compatibility folding the words are read with (a customer
// gets "ｶﾀｶﾅ" as written).
func replyText(body string) string {
	_, rest := nextWord(body)
	_, rest = nextWord(rest)
	rest = strings.TrimLeftFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == ':' || r == '-' || r == ',' })
	return strings.TrimSpace(rest)
}

// nextWord splits off the first word, without the punctuation around it.
func nextWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		i = len(s)
	}
	word, rest = s[:i], s[i:]
	word = strings.TrimFunc(word, func(r rune) bool { return unicode.IsPunct(r) && r != '#' || unicode.IsSymbol(r) })
	return word, rest
}

// isOrderNumber reports whether w names an order: digits, maybe after '#'.
func isOrderNumber(w string) bool {
	w = strings.TrimPrefix(w, "#")
	if w == "" || len(w) > 20 {
		return false
	}
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// parseSnooze reads "2h", "90m", "90 min", "1 hour", "2 hours", "tomorrow".
func parseSnooze(s string) (time.Duration, bool, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.TrimRightFunc(s, unicode.IsPunct)
	if s == "tomorrow" || s == "tmrw" {
		return 0, true, true
	}
	num := strings.TrimRightFunc(s, func(r rune) bool { return !unicode.IsDigit(r) })
	unit := strings.TrimSpace(s[len(num):])
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 || n > 10000 {
		return 0, false, false
	}
	var d time.Duration
	switch unit {
	case "m", "min", "mins", "minute", "minutes":
		d = time.Duration(n) * time.Minute
	case "h", "hr", "hrs", "hour", "hours":
		d = time.Duration(n) * time.Hour
	case "d", "day", "days":
		d = time.Duration(n) * 24 * time.Hour
	default:
		return 0, false, false
	}
	if d < MinSnooze || d > MaxSnooze {
		return 0, false, false
	}
	return d, false, true
}
