package inbound

// The words and phrases of inbound SMS, each spelled once: the matcher,
// the texts that name a word and docs/inbound-words.md all read these.
// Write entries as people write them (accents, apostrophes, upper case):
// they are normalised like a message before matching.

// Lang is the language of an entry: "en", "es", "fr", "pt", "de", or ""
// for a symbol.
type Lang string

// Languages, in the order the documentation lists them.
const (
	English    Lang = "en"
	Spanish    Lang = "es"
	French     Lang = "fr"
	Portuguese Lang = "pt"
	German     Lang = "de"
	Symbol     Lang = ""
)

// Languages lists the languages in documentation order.
var Languages = []Lang{English, Spanish, French, Portuguese, German, Symbol}

// Word is a word or phrase and its language.
type Word struct {
	Text string
	Lang Lang
	// Twilio marks the keywords Twilio's own opt-out handling acts on
	// (it blocks the number and answers itself).
	Twilio bool
	// Anywhere marks an opt-out word that revokes wherever it appears in a
	// message ("how do I unsubscribe?"), also as the start of a longer
	// word ("unsubscribed"): it has no everyday meaning.
	Anywhere bool
}

// The words written in texts that tell people what to reply.
const (
	WordStop  = "STOP"
	WordStart = "START"
	WordHelp  = "HELP"
	WordDone  = "DONE"
	WordLater = "LATER"
	WordSkip  = "SKIP"
	WordCall  = "CALL"
	WordList  = "LIST"
	WordReply = "REPLY"
)

// OptOutWords are single opt-out words. A message that is one of them
// (give or take fillers, punctuation and emoji: "Stop please!!") opts out;
// so does a short message containing one, or one next to a messaging word
// ("cancel these texts"). Elsewhere in a longer message the word is
// ambiguous, unless it is Anywhere or in a NotOptOut phrase.
var OptOutWords = []Word{
	{Text: WordStop, Lang: English, Twilio: true},
	{Text: "STOPALL", Lang: English, Twilio: true, Anywhere: true},
	{Text: "UNSUBSCRIBE", Lang: English, Twilio: true, Anywhere: true},
	{Text: "CANCEL", Lang: English, Twilio: true},
	{Text: "END", Lang: English, Twilio: true},
	{Text: "QUIT", Lang: English, Twilio: true},
	{Text: "OPTOUT", Lang: English, Twilio: true, Anywhere: true},
	{Text: "REVOKE", Lang: English, Twilio: true, Anywhere: true},
	{Text: "UNSUB", Lang: English, Anywhere: true},
	{Text: "REMOVE", Lang: English},
	{Text: "NO MORE", Lang: English},
	{Text: "NO THANKS", Lang: English},
	{Text: "NO THANK YOU", Lang: English},
	{Text: "ENOUGH", Lang: English},
	{Text: "UNSUSCRIBE", Lang: English, Anywhere: true},
	{Text: "UNSUBCRIBE", Lang: English, Anywhere: true},
	{Text: "STPO", Lang: English},
	{Text: "SOTP", Lang: English},
	{Text: "ALTO", Lang: Spanish},
	{Text: "PARAR", Lang: Spanish},
	{Text: "PARE", Lang: Spanish},
	{Text: "BAJA", Lang: Spanish},
	{Text: "NO MÁS", Lang: Spanish},
	{Text: "BASTA", Lang: Spanish},
	{Text: "CANCELAR", Lang: Spanish},
	{Text: "DESUSCRIBIR", Lang: Spanish, Anywhere: true},
	{Text: "DESUSCRIBIRME", Lang: Spanish, Anywhere: true},
	{Text: "DESUSCRÍBEME", Lang: Spanish, Anywhere: true},
	{Text: "ARRÊT", Lang: French},
	{Text: "ARRÊTER", Lang: French},
	{Text: "ARRÊTEZ", Lang: French},
	{Text: "DÉSABONNER", Lang: French, Anywhere: true},
	{Text: "DÉSABONNEZ", Lang: French, Anywhere: true},
	{Text: "DÉSINSCRIRE", Lang: French, Anywhere: true},
	{Text: "DÉSINSCRIVEZ", Lang: French, Anywhere: true},
	{Text: "FIN", Lang: French},
	{Text: "SAIR", Lang: Portuguese},
	{Text: "PARE", Lang: Portuguese},
	{Text: "PAREM", Lang: Portuguese},
	{Text: "CANCELAR", Lang: Portuguese},
	{Text: "DESCADASTRAR", Lang: Portuguese, Anywhere: true},
	{Text: "DESINSCREVER", Lang: Portuguese, Anywhere: true},
	{Text: "STOPP", Lang: German},
	{Text: "ABMELDEN", Lang: German, Anywhere: true},
	{Text: "ABBESTELLEN", Lang: German, Anywhere: true},
	{Text: "AUFHÖREN", Lang: German},
	{Text: "🛑", Lang: Symbol},
}

// OptOutPhrases revoke wherever they appear in a message.
var OptOutPhrases = []Word{
	{Text: "opt out", Lang: English},
	{Text: "opt me out", Lang: English},
	{Text: "stop texting", Lang: English},
	{Text: "stop txting", Lang: English},
	{Text: "stop messaging", Lang: English},
	{Text: "stop sending", Lang: English},
	{Text: "stop contacting", Lang: English},
	{Text: "stop calling", Lang: English},
	{Text: "stop getting", Lang: English},
	{Text: "stop receiving", Lang: English},
	{Text: "stop bothering", Lang: English},
	{Text: "stop spamming", Lang: English},
	{Text: "remove me", Lang: English},
	{Text: "remove my number", Lang: English},
	{Text: "delete my number", Lang: English},
	{Text: "take me off", Lang: English},
	{Text: "take my number off", Lang: English},
	{Text: "unsubscribe me", Lang: English},
	{Text: "I revoke", Lang: English},
	{Text: "revoke consent", Lang: English},
	{Text: "withdraw consent", Lang: English},
	{Text: "withdraw my consent", Lang: English},
	{Text: "no more texts", Lang: English},
	{Text: "no more text", Lang: English},
	{Text: "no more messages", Lang: English},
	{Text: "no more sms", Lang: English},
	{Text: "no more calls", Lang: English},
	{Text: "leave me alone", Lang: English},
	{Text: "don't text me", Lang: English},
	{Text: "do not text me", Lang: English},
	{Text: "don't text", Lang: English},
	{Text: "do not text", Lang: English},
	{Text: "don't message me", Lang: English},
	{Text: "do not message me", Lang: English},
	{Text: "don't contact me", Lang: English},
	{Text: "do not contact me", Lang: English},
	{Text: "don't call me", Lang: English},
	{Text: "do not call", Lang: English},
	{Text: "not interested", Lang: English},
	{Text: "wrong number", Lang: English},
	{Text: "lose my number", Lang: English},
	{Text: "don't send me", Lang: English},
	{Text: "do not send me", Lang: English},
	{Text: "don't want any more", Lang: English},
	{Text: "do not want any more", Lang: English},
	{Text: "don't want these", Lang: English},
	{Text: "do not want these", Lang: English},
	{Text: "don't want to receive", Lang: English},
	{Text: "do not want to receive", Lang: English},
	{Text: "no longer wish", Lang: English},
	{Text: "no longer want", Lang: English},
	{Text: "this is spam", Lang: English},
	{Text: "don't call", Lang: English},
	{Text: "never signed up", Lang: English},
	{Text: "didn't sign up", Lang: English},
	{Text: "did not sign up", Lang: English},
	{Text: "no me envíen más", Lang: Spanish},
	{Text: "no me envies más", Lang: Spanish},
	{Text: "no me manden más", Lang: Spanish},
	{Text: "no me escriban", Lang: Spanish},
	{Text: "no me contacten", Lang: Spanish},
	{Text: "no más mensajes", Lang: Spanish},
	{Text: "no quiero más", Lang: Spanish},
	{Text: "no quiero recibir", Lang: Spanish},
	{Text: "dejen de enviar", Lang: Spanish},
	{Text: "dejen de mandar", Lang: Spanish},
	{Text: "dejen de enviarme", Lang: Spanish},
	{Text: "dejen de mandarme", Lang: Spanish},
	{Text: "deja de enviar", Lang: Spanish},
	{Text: "deja de enviarme", Lang: Spanish},
	{Text: "para ya", Lang: Spanish},
	{Text: "para de enviar", Lang: Spanish},
	{Text: "para de mandar", Lang: Spanish},
	{Text: "dar de baja", Lang: Spanish},
	{Text: "darme de baja", Lang: Spanish},
	{Text: "denme de baja", Lang: Spanish},
	{Text: "cancelar suscripción", Lang: Spanish},
	{Text: "borrar mi número", Lang: Spanish},
	{Text: "eliminar mi número", Lang: Spanish},
	{Text: "número equivocado", Lang: Spanish},
	{Text: "ne plus recevoir", Lang: French},
	{Text: "plus recevoir", Lang: French},
	{Text: "ne m'envoyez plus", Lang: French},
	{Text: "ne m'écrivez plus", Lang: French},
	{Text: "arrêtez de m'envoyer", Lang: French},
	{Text: "arrêtez d'envoyer", Lang: French},
	{Text: "arrêter de m'envoyer", Lang: French},
	{Text: "plus de messages", Lang: French},
	{Text: "plus de SMS", Lang: French},
	{Text: "me désabonner", Lang: French},
	{Text: "me désinscrire", Lang: French},
	{Text: "laissez-moi tranquille", Lang: French},
	{Text: "retirez-moi", Lang: French},
	{Text: "supprimez mon numéro", Lang: French},
	{Text: "mauvais numéro", Lang: French},
	{Text: "não quero mais", Lang: Portuguese},
	{Text: "não quero receber", Lang: Portuguese},
	{Text: "não envie mais", Lang: Portuguese},
	{Text: "não enviem mais", Lang: Portuguese},
	{Text: "não me mande mais", Lang: Portuguese},
	{Text: "não mande mais", Lang: Portuguese},
	{Text: "não me envie mais", Lang: Portuguese},
	{Text: "pare de enviar", Lang: Portuguese},
	{Text: "parem de enviar", Lang: Portuguese},
	{Text: "chega de mensagens", Lang: Portuguese},
	{Text: "pare de mandar", Lang: Portuguese},
	{Text: "me tire da lista", Lang: Portuguese},
	{Text: "remover meu número", Lang: Portuguese},
	{Text: "número errado", Lang: Portuguese},
	{Text: "keine SMS mehr", Lang: German},
	{Text: "keine Nachrichten mehr", Lang: German},
	{Text: "keine Werbung", Lang: German},
	{Text: "keine weiteren Nachrichten", Lang: German},
	{Text: "keine weiteren SMS", Lang: German},
	{Text: "nicht mehr schreiben", Lang: German},
	{Text: "nicht mehr kontaktieren", Lang: German},
	{Text: "nicht mehr anrufen", Lang: German},
	{Text: "hört auf", Lang: German},
	{Text: "hör auf", Lang: German},
	{Text: "hören Sie auf", Lang: German},
	{Text: "lassen Sie mich in Ruhe", Lang: German},
	{Text: "löschen Sie meine Nummer", Lang: German},
	{Text: "falsche Nummer", Lang: German},
}

// NotOptOut are everyday phrases around an opt-out word that are not a
// revocation ("Can I stop by the shop?"): the word in them counts for
// nothing. An opt-out phrase in the same message still revokes.
var NotOptOut = []Word{
	{Text: "stop by", Lang: English},
	{Text: "stop in", Lang: English},
	{Text: "stop at", Lang: English},
	{Text: "stop being", Lang: English},
	{Text: "don't stop", Lang: English},
	{Text: "never stop", Lang: English},
	{Text: "can't stop", Lang: English},
	{Text: "couldn't stop", Lang: English},
	{Text: "bus stop", Lang: English},
	{Text: "end of", Lang: English},
	{Text: "the end", Lang: English},
	{Text: "end up", Lang: English},
	{Text: "quit my", Lang: English},
	{Text: "no thanks needed", Lang: English},
	{Text: "get enough", Lang: English},
	{Text: "not enough", Lang: English},
	{Text: "good enough", Lang: English},
	{Text: "big enough", Lang: English},
	{Text: "long enough", Lang: English},
	{Text: "soon enough", Lang: English},
	{Text: "muy alto", Lang: Spanish},
	{Text: "más alto", Lang: Spanish},
	{Text: "à la fin", Lang: French},
	{Text: "fin de semaine", Lang: French},
	{Text: "sans arrêt", Lang: French},
	{Text: "sair de casa", Lang: Portuguese},
}

// AskFirst are phrases around an opt-out word that may or may not revoke
// consent to texts ("cancel my order"): the message is ambiguous however
// short it is, and gets one question asking to confirm with STOP.
var AskFirst = []Word{
	{Text: "cancel my order", Lang: English},
	{Text: "cancel the order", Lang: English},
	{Text: "cancel order", Lang: English},
	{Text: "cancelar mi pedido", Lang: Spanish},
	{Text: "cancelar el pedido", Lang: Spanish},
	{Text: "cancelar pedido", Lang: Spanish},
	{Text: "cancelar meu pedido", Lang: Portuguese},
	{Text: "cancelar o pedido", Lang: Portuguese},
}

// Messaging words: an opt-out word within three words of one revokes
// ("cancel these texts", "the messages need to stop").
var Messaging = []Word{
	{Text: "text", Lang: English},
	{Text: "texts", Lang: English},
	{Text: "texting", Lang: English},
	{Text: "txt", Lang: English},
	{Text: "txts", Lang: English},
	{Text: "message", Lang: English},
	{Text: "messages", Lang: English},
	{Text: "messaging", Lang: English},
	{Text: "msg", Lang: English},
	{Text: "msgs", Lang: English},
	{Text: "sms", Lang: English},
	{Text: "spam", Lang: English},
	{Text: "reminders", Lang: English},
	{Text: "notifications", Lang: English},
	{Text: "calls", Lang: English},
	{Text: "mensaje", Lang: Spanish},
	{Text: "mensajes", Lang: Spanish},
	{Text: "textos", Lang: Spanish},
	{Text: "llamadas", Lang: Spanish},
	{Text: "mensagem", Lang: Portuguese},
	{Text: "mensagens", Lang: Portuguese},
	{Text: "Nachricht", Lang: German},
	{Text: "Nachrichten", Lang: German},
}

// Fillers are left out when deciding whether a message is an opt-out word
// on its own ("stop it please", "ARRÊT svp") or short.
var Fillers = []Word{
	{Text: "please", Lang: English},
	{Text: "pls", Lang: English},
	{Text: "plz", Lang: English},
	{Text: "thanks", Lang: English},
	{Text: "thank", Lang: English},
	{Text: "thx", Lang: English},
	{Text: "you", Lang: English},
	{Text: "it", Lang: English},
	{Text: "this", Lang: English},
	{Text: "now", Lang: English},
	{Text: "already", Lang: English},
	{Text: "just", Lang: English},
	{Text: "ok", Lang: English},
	{Text: "okay", Lang: English},
	{Text: "all", Lang: English},
	{Text: "por", Lang: Spanish},
	{Text: "favor", Lang: Spanish},
	{Text: "porfa", Lang: Spanish},
	{Text: "gracias", Lang: Spanish},
	{Text: "ya", Lang: Spanish},
	{Text: "svp", Lang: French},
	{Text: "stp", Lang: French},
	{Text: "merci", Lang: French},
	{Text: "s'il", Lang: French},
	{Text: "vous", Lang: French},
	{Text: "plaît", Lang: French},
	{Text: "obrigado", Lang: Portuguese},
	{Text: "obrigada", Lang: Portuguese},
	{Text: "bitte", Lang: German},
	{Text: "danke", Lang: German},
	{Text: "jetzt", Lang: German},
	{Text: "sofort", Lang: German},
}

// OptInWords opt a number back in. They count only as the whole message
// (case, accents, width and punctuation aside): opting back in must be
// unmistakable. They are Twilio's opt-in keywords.
var OptInWords = []Word{
	{Text: WordStart, Lang: English, Twilio: true},
	{Text: "UNSTOP", Lang: English, Twilio: true},
	{Text: "YES", Lang: English, Twilio: true},
}

// YesWords answer the question an ambiguous message gets ("To stop all
// texts..., reply STOP"): from a number asked within the question window,
// one of them as the whole message (fillers aside) opts out (ReadAnswer).
var YesWords = []Word{
	{Text: "YES", Lang: English},
	{Text: "Y", Lang: English},
	{Text: "YEP", Lang: English},
	{Text: "YEAH", Lang: English},
	{Text: "SÍ", Lang: Spanish},
	{Text: "OUI", Lang: French},
	{Text: "SIM", Lang: Portuguese},
	{Text: "JA", Lang: German},
}

// HelpWords ask for the help text, as the whole message.
var HelpWords = []Word{
	{Text: WordHelp, Lang: English, Twilio: true},
	{Text: "INFO", Lang: English, Twilio: true},
	{Text: "AYUDA", Lang: Spanish},
	{Text: "AIDE", Lang: French},
	{Text: "AJUDA", Lang: Portuguese},
	{Text: "HILFE", Lang: German},
}

// StaffWords are the first words of a staff member's reply to a call
// reminder, with the verb each means.
var StaffWords = []struct {
	Text string
	Verb Verb
}{
	{WordDone, Done}, {"CALLED", Done}, {"OK", Done},
	{WordLater, Later}, {"SNOOZE", Later},
	{WordSkip, Skip},
	{WordCall, Call},
	{WordList, List},
	{WordReply, Reply},
}

// ComplaintWords mark a customer's reply as a complaint: the task needs
// attention and the forward to staff says so first. A word or phrase
// anywhere in the reply counts (matched on whole words, accents and case
// ignored), so the list errs towards attention: "nothing was broken"
// is flagged too, which costs a look, where a missed complaint costs a
// customer.
var ComplaintWords = []Word{
	{Text: "broken", Lang: English}, {Text: "broke", Lang: English}, {Text: "damaged", Lang: English},
	{Text: "cracked", Lang: English}, {Text: "defective", Lang: English}, {Text: "faulty", Lang: English},
	{Text: "refund", Lang: English}, {Text: "wrong", Lang: English}, {Text: "late", Lang: English},
	{Text: "missing", Lang: English}, {Text: "never arrived", Lang: English}, {Text: "not arrived", Lang: English},
	{Text: "hasn't arrived", Lang: English}, {Text: "not received", Lang: English}, {Text: "never received", Lang: English},
	{Text: "where is my order", Lang: English}, {Text: "complaint", Lang: English}, {Text: "disappointed", Lang: English},
	{Text: "roto", Lang: Spanish}, {Text: "rota", Lang: Spanish}, {Text: "dañado", Lang: Spanish}, {Text: "dañada", Lang: Spanish},
	{Text: "defectuoso", Lang: Spanish}, {Text: "reembolso", Lang: Spanish}, {Text: "equivocado", Lang: Spanish},
	{Text: "incorrecto", Lang: Spanish}, {Text: "retraso", Lang: Spanish}, {Text: "llegó tarde", Lang: Spanish},
	{Text: "no ha llegado", Lang: Spanish}, {Text: "no llegó", Lang: Spanish}, {Text: "queja", Lang: Spanish},
	{Text: "devolución", Lang: Spanish},
	{Text: "cassé", Lang: French}, {Text: "cassée", Lang: French}, {Text: "endommagé", Lang: French}, {Text: "abîmé", Lang: French},
	{Text: "défectueux", Lang: French}, {Text: "remboursement", Lang: French}, {Text: "erreur", Lang: French},
	{Text: "mauvais article", Lang: French}, {Text: "en retard", Lang: French}, {Text: "pas reçu", Lang: French},
	{Text: "jamais reçu", Lang: French}, {Text: "plainte", Lang: French}, {Text: "réclamation", Lang: French},
	{Text: "quebrado", Lang: Portuguese}, {Text: "quebrada", Lang: Portuguese}, {Text: "danificado", Lang: Portuguese},
	{Text: "defeituoso", Lang: Portuguese}, {Text: "reembolso", Lang: Portuguese}, {Text: "errado", Lang: Portuguese},
	{Text: "atrasado", Lang: Portuguese}, {Text: "atraso", Lang: Portuguese}, {Text: "não chegou", Lang: Portuguese},
	{Text: "nunca chegou", Lang: Portuguese}, {Text: "reclamação", Lang: Portuguese}, {Text: "devolução", Lang: Portuguese},
	{Text: "kaputt", Lang: German}, {Text: "defekt", Lang: German}, {Text: "beschädigt", Lang: German},
	{Text: "erstattung", Lang: German}, {Text: "rückerstattung", Lang: German}, {Text: "falsch", Lang: German},
	{Text: "verspätet", Lang: German}, {Text: "zu spät", Lang: German}, {Text: "nicht angekommen", Lang: German},
	{Text: "nie angekommen", Lang: German}, {Text: "beschwerde", Lang: German}, {Text: "reklamation", Lang: German},
}
