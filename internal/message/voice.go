package message

import "strings"

// VoiceText is what the automated thank-you call says to a person who
// answers.
func VoiceText(d Data) string {
	var b strings.Builder
	b.WriteString("Hello")
	if d.FirstName != "" {
		b.WriteString(" " + d.FirstName)
	}
	b.WriteString(". This is " + shopOr(d.ShopName) + ", calling to thank you for your order")
	if d.OrderNumber != "" {
		b.WriteString(" number " + d.OrderNumber)
	}
	b.WriteString(". We really appreciate it, and we hope you enjoy it. Have a wonderful day. Goodbye!")
	return b.String()
}

// VoicemailText is the shorter message the automated call leaves on an
// answering machine.
func VoicemailText(d Data) string {
	var b strings.Builder
	b.WriteString("Hello")
	if d.FirstName != "" {
		b.WriteString(" " + d.FirstName)
	}
	b.WriteString(", this is " + shopOr(d.ShopName) + ". Just a quick call to say thank you for your order. Have a wonderful day!")
	return b.String()
}

func shopOr(name string) string {
	if name == "" {
		return "our shop"
	}
	return name
}
