package message

import (
	"fmt"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// VoiceText is what the automated thank-you call says to a person who
// answers, in d's language.
func VoiceText(d Data) string { return speak(d, 0) }

// VoicemailText is the shorter message the automated call leaves on an
// answering machine, in d's language.
func VoicemailText(d Data) string { return speak(d, 1) }

// CallList lists a staff member's open calls for an SMS: lead and the
// count ("End of day: 2 open thank-you calls:"), then one line per call,
// at most max ("#1001 Jane Doe", with the customer's number when
// withPhone), and "...and 3 more" for the rest.
func CallList(lead string, calls []thankyou.Task, max int, withPhone bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d open thank-you call", lead, len(calls))
	if len(calls) != 1 {
		b.WriteString("s")
	}
	b.WriteString(":")
	for i, t := range calls {
		if i == max {
			fmt.Fprintf(&b, "\n...and %d more", len(calls)-i)
			break
		}
		b.WriteString("\n#" + OrderNumber(t.Order) + " " + FullName(t.Order))
		if withPhone && t.Order.Phone != "" {
			b.WriteString(" " + HumanPhone(t.Order.Phone))
		}
	}
	return b.String()
}

// OrderNumber is an order's number as messages write it after "#" or
// "order ": cleaned (Clean), without its own leading "#".
func OrderNumber(o thankyou.Order) string {
	return strings.TrimSpace(strings.TrimPrefix(Clean(o.Number), "#"))
}

// FullName is the customer's full name (DisplayName, cleaned), or "the
// customer".
func FullName(o thankyou.Order) string {
	if n := DisplayName(o); n != "" {
		return n
	}
	return "the customer"
}

// FirstName is how a staff member calls the customer: their first name,
// else their full name, else "the customer"; cleaned (Clean).
func FirstName(o thankyou.Order) string {
	if n := Clean(o.FirstName); n != "" {
		return n
	}
	return FullName(o)
}
