package inbound

// Texts that tell people what to reply, built from the word constants so
// that a word is spelled once.

// ReplyWords names the words of a reminder reply: "DONE, LATER, SKIP or
// CALL".
const ReplyWords = WordDone + ", " + WordLater + ", " + WordSkip + " or " + WordCall

// StaffHelp answers a staff reply that is no command.
const StaffHelp = "Reply " + WordDone + " [order] [note], " + WordLater + " [order] [2h|tomorrow], " +
	WordSkip + " [order] [reason], " + WordCall + " [order] to be connected, or " + WordList + "."

// HelpText is the built-in answer to HELP, naming the shop.
func HelpText(shop string) string {
	return shop + ": thank-you messages for your order. Reply " + WordStop + " to opt out, " + WordStart + " to opt back in."
}

// ConfirmText is the one question an ambiguous message gets: how to stop
// the texts, phrased so that it needs no answer otherwise (a "yes" would
// read as an opt-in).
func ConfirmText(shop string) string {
	if shop == "" {
		shop = "us"
	}
	return "To stop all texts from " + shop + ", reply " + WordStop + ". If you did not mean that, no reply is needed."
}
