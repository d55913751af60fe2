package inbound

// Complaint reports whether a customer's reply reads as a complaint (it
// contains one of ComplaintWords) and the entry that decided it, as
// written in the list; the reply itself is never returned.
func Complaint(body string) (Word, bool) {
	if e, _, ok := find(tokens(body), lists().complaint); ok {
		return e.Word, true
	}
	return Word{}, false
}
