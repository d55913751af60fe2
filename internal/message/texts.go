package message

import (
	"strconv"
	"sync"
	"text/template"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/language"
)

// texts are the built-in texts of one language: the thank-you SMS and the
// staff reminder (templates over Data, which shops may replace), what the
// automated call says (templates over Data), and the words of Ago.
type texts struct {
	sms, staff       string
	voice, voicemail string
	ago              agoWords
}

// agoWords say how long ago an order was placed, in one language.
type agoWords struct {
	today, yesterday string
	days, weeks      func(n int) string
}

// builtin holds the built-in texts by language. Each was written in its
// language (not translated word for word) and kept within the segment
// budget that message_test checks: the thank-you SMS in one segment in
// GSM-7 or two in UCS-2, the reminder in MaxReminderSegments in GSM-7 or
// three in UCS-2 (its items dropped), with typical names. The staff reply words (DONE, LATER, SKIP, CALL) stay
// as they are, spelled by package inbound: they are what the Twilio
// webhook reads.
var builtin = map[string]texts{
	language.English: {
		sms:       DefaultSMSTemplate,
		staff:     DefaultStaffTemplate,
		voice:     `Hello{{with .FirstName}} {{.}}{{end}}. This is {{with .ShopName}}{{.}}{{else}}our shop{{end}}, calling to thank you for your order{{with .OrderNumber}} number {{.}}{{end}}. We really appreciate it, and we hope you enjoy it. Have a wonderful day. Goodbye!`,
		voicemail: `Hello{{with .FirstName}} {{.}}{{end}}, this is {{with .ShopName}}{{.}}{{else}}our shop{{end}}. Just a quick call to say thank you for your order. Have a wonderful day!`,
		ago: agoWords{"today", "yesterday",
			func(n int) string { return strconv.Itoa(n) + " days ago" },
			func(n int) string { return strconv.Itoa(n) + " weeks ago" }},
	},
	language.Spanish: {
		sms:       `{{with .FirstName}}¡Hola, {{.}}!{{else}}¡Hola!{{end}} Muchas gracias por tu pedido #{{.OrderNumber}} en {{.ShopName}}. Nos alegra mucho que nos hayas elegido.`,
		staff:     `Llamada de agradecimiento: {{with .CustomerName}}{{.}}{{else}}un cliente{{end}}, {{.CustomerPhone}}, pedido #{{.OrderNumber}}{{with .Total}}, {{.}} {{$.Currency}}{{end}}{{with .OrderedAgo}}, {{.}}{{end}}{{with .Items}}: {{.}}{{end}}. Llama a {{with .FirstName}}{{.}}{{else}}la persona{{end}}{{with .CallUntil}} antes de las {{.}}{{end}}. Responde ` + staffWords(" o ") + ` {{.OrderNumber}}`,
		voice:     `Hola{{with .FirstName}}, {{.}}{{end}}. Te llamamos de {{with .ShopName}}{{.}}{{else}}nuestra tienda{{end}} para darte las gracias por tu pedido{{with .OrderNumber}} número {{.}}{{end}}. Nos hace mucha ilusión y esperamos que lo disfrutes. ¡Que tengas un día estupendo! Hasta pronto.`,
		voicemail: `Hola{{with .FirstName}}, {{.}}{{end}}, te llamamos de {{with .ShopName}}{{.}}{{else}}nuestra tienda{{end}}. Solo queríamos darte las gracias por tu pedido. ¡Que tengas un día estupendo!`,
		ago: agoWords{"hoy", "ayer",
			func(n int) string { return "hace " + strconv.Itoa(n) + " días" },
			func(n int) string { return "hace " + strconv.Itoa(n) + " semanas" }},
	},
	language.French: {
		sms:       `{{with .FirstName}}Bonjour {{.}},{{else}}Bonjour,{{end}} un grand merci pour votre commande {{.OrderNumber}} chez {{.ShopName}} ! Toute l'équipe vous remercie de votre confiance.`,
		staff:     `Appel de remerciement : {{with .CustomerName}}{{.}}{{else}}un client{{end}}, {{.CustomerPhone}}, commande {{.OrderNumber}}{{with .Total}}, {{.}} {{$.Currency}}{{end}}{{with .OrderedAgo}}, {{.}}{{end}}{{with .Items}} : {{.}}{{end}}. Merci d'appeler {{with .FirstName}}{{.}}{{else}}le client{{end}}{{with .CallUntil}} avant {{.}}{{end}}. Répondez ` + staffWords(" ou ") + ` {{.OrderNumber}}`,
		voice:     `Bonjour{{with .FirstName}} {{.}}{{end}}. Ici {{with .ShopName}}{{.}}{{else}}votre boutique{{end}} : nous vous appelons simplement pour vous remercier de votre commande{{with .OrderNumber}} numéro {{.}}{{end}}. Nous espérons qu'elle vous plaira. Très bonne journée, au revoir !`,
		voicemail: `Bonjour{{with .FirstName}} {{.}}{{end}}, ici {{with .ShopName}}{{.}}{{else}}votre boutique{{end}}. Un petit appel pour vous remercier de votre commande. Très bonne journée !`,
		ago: agoWords{"aujourd'hui", "hier",
			func(n int) string { return "il y a " + strconv.Itoa(n) + " jours" },
			func(n int) string { return "il y a " + strconv.Itoa(n) + " semaines" }},
	},
	language.German: {
		sms:       `{{with .FirstName}}Hallo {{.}},{{else}}Hallo,{{end}} vielen Dank für Ihre Bestellung #{{.OrderNumber}} bei {{.ShopName}}! Wir freuen uns sehr darüber.`,
		staff:     `Dankesanruf: {{with .CustomerName}}{{.}}{{else}}ein Kunde{{end}}, {{.CustomerPhone}}, Bestellung #{{.OrderNumber}}{{with .Total}}, {{.}} {{$.Currency}}{{end}}{{with .OrderedAgo}}, {{.}}{{end}}{{with .Items}}: {{.}}{{end}}. Bitte {{with .FirstName}}{{.}}{{else}}die Person{{end}}{{with .CallUntil}} bis {{.}} Uhr{{end}} anrufen. Antworte ` + staffWords(" oder ") + ` {{.OrderNumber}}`,
		voice:     `Hallo{{with .FirstName}} {{.}}{{end}}, hier ist {{with .ShopName}}{{.}}{{else}}Ihr Shop{{end}}. Wir rufen an, um uns herzlich für Ihre Bestellung{{with .OrderNumber}} Nummer {{.}}{{end}} zu bedanken. Wir hoffen, sie gefällt Ihnen. Einen schönen Tag noch, auf Wiederhören!`,
		voicemail: `Hallo{{with .FirstName}} {{.}}{{end}}, hier ist {{with .ShopName}}{{.}}{{else}}Ihr Shop{{end}}. Wir wollten uns nur kurz für Ihre Bestellung bedanken. Einen schönen Tag noch!`,
		ago: agoWords{"heute", "gestern",
			func(n int) string { return "vor " + strconv.Itoa(n) + " Tagen" },
			func(n int) string { return "vor " + strconv.Itoa(n) + " Wochen" }},
	},
	language.Portuguese: {
		sms:       `{{with .FirstName}}Olá, {{.}}!{{else}}Olá!{{end}} Agradecemos muito pelo seu pedido #{{.OrderNumber}} na loja {{.ShopName}}. Esperamos que goste!`,
		staff:     `Ligação de agradecimento: {{with .CustomerName}}{{.}}{{else}}um cliente{{end}}, {{.CustomerPhone}}, pedido #{{.OrderNumber}}{{with .Total}}, {{.}} {{$.Currency}}{{end}}{{with .OrderedAgo}}, {{.}}{{end}}{{with .Items}}: {{.}}{{end}}. Ligue para {{with .FirstName}}{{.}}{{else}}a pessoa{{end}}{{with .CallUntil}} até {{.}}{{end}}. Responda ` + staffWords(" ou ") + ` {{.OrderNumber}}`,
		voice:     `Olá{{with .FirstName}}, {{.}}{{end}}! Aqui é da loja {{with .ShopName}}{{.}}{{else}}onde você comprou{{end}}. Estamos ligando para agradecer pelo seu pedido{{with .OrderNumber}} número {{.}}{{end}}. Esperamos que você goste muito. Tenha um ótimo dia. Tchau!`,
		voicemail: `Olá{{with .FirstName}}, {{.}}{{end}}, aqui é da loja {{with .ShopName}}{{.}}{{else}}onde você comprou{{end}}. Só queríamos agradecer pelo seu pedido. Tenha um ótimo dia!`,
		ago: agoWords{"hoje", "ontem",
			func(n int) string { return "há " + strconv.Itoa(n) + " dias" },
			func(n int) string { return "há " + strconv.Itoa(n) + " semanas" }},
	},
	language.Japanese: {
		sms:       `{{with .FirstName}}{{.}}、{{end}}この度は{{.ShopName}}でご注文（#{{.OrderNumber}}）いただき、誠にありがとうございます。心より感謝申し上げます。`,
		staff:     `お礼の電話: {{with .CustomerName}}{{.}}{{else}}お客様{{end}} {{.CustomerPhone}} 注文#{{.OrderNumber}}{{with .Total}} {{.}}{{$.Currency}}{{end}}{{with .OrderedAgo}} {{.}}{{end}}{{with .Items}}（{{.}}）{{end}}。{{with .CallUntil}}{{.}}までに{{end}}{{with .FirstName}}{{.}}{{else}}お客様{{end}}へお電話ください。返信: ` + inbound.WordDone + "/" + inbound.WordLater + "/" + inbound.WordSkip + "/" + inbound.WordCall + ` {{.OrderNumber}}`,
		voice:     `{{with .FirstName}}{{.}}、{{end}}こんにちは。{{with .ShopName}}{{.}}{{else}}当店{{end}}でございます。この度は{{with .OrderNumber}}ご注文番号{{.}}の{{end}}ご注文、誠にありがとうございました。お品物を気に入っていただけましたら幸いです。それでは失礼いたします。`,
		voicemail: `{{with .FirstName}}{{.}}、{{end}}{{with .ShopName}}{{.}}{{else}}当店{{end}}でございます。ご注文のお礼をお伝えしたく、お電話いたしました。ありがとうございました。`,
		ago: agoWords{"本日", "昨日",
			func(n int) string { return strconv.Itoa(n) + "日前" },
			func(n int) string { return strconv.Itoa(n) + "週間前" }},
	},
}

// textsIn returns the built-in texts of a language, English for one
// without.
func textsIn(lang string) texts {
	if t, ok := builtin[lang]; ok {
		return t
	}
	return builtin[language.English]
}

// DefaultTemplates returns the built-in thank-you SMS and staff reminder
// templates of a language (English for one without built-in texts).
func DefaultTemplates(lang string) (sms, staff string) {
	t := textsIn(lang)
	return t.sms, t.staff
}

// voiceTemplates are the parsed voice and voicemail texts by language,
// parsed on first use (not at a cold start).
var voiceTemplates = sync.OnceValue(func() map[string][2]*template.Template {
	m := map[string][2]*template.Template{}
	for lang, t := range builtin {
		m[lang] = [2]*template.Template{
			template.Must(template.New("voice").Option("missingkey=error").Parse(t.voice)),
			template.Must(template.New("voicemail").Option("missingkey=error").Parse(t.voicemail)),
		}
	}
	return m
})

// speak renders the voice (0) or voicemail (1) text of d's language.
func speak(d Data, which int) string {
	ts, ok := voiceTemplates()[d.Language]
	if !ok {
		ts = voiceTemplates()[language.English]
	}
	s, err := execute(ts[which], ts[which].Name(), d)
	if err != nil {
		// The built-in texts render with any Data (tested); this is
		// unreachable short of a broken build.
		panic("message: built-in voice text does not render: " + err.Error())
	}
	return s
}

// AgoIn is Ago in a language: "hace 3 días", "3日前".
func AgoIn(lang string, t, now time.Time, loc *time.Location) string {
	if t.IsZero() || t.After(now) {
		return ""
	}
	if loc == nil {
		loc = time.UTC
	}
	y1, m1, d1 := t.In(loc).Date()
	y2, m2, d2 := now.In(loc).Date()
	days := int(time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)) / (24 * time.Hour))
	w := textsIn(lang).ago
	switch {
	case days <= 0:
		return w.today
	case days == 1:
		return w.yesterday
	case days < 14:
		return w.days(days)
	default:
		return w.weeks(days / 7)
	}
}

// staffWords lists the staff reply words for a reminder in another
// language, "DONE, LATER, SKIP" then or and CALL (" o ", " ou ").
func staffWords(or string) string {
	return inbound.WordDone + ", " + inbound.WordLater + ", " + inbound.WordSkip + or + inbound.WordCall
}
