// Package message writes the text of the messages: the thank-you SMS to the
// customer and the reminder to a staff member to call the customer, from
// configurable text/template templates or the built-in texts of six
// languages, greeting the customer by the right name for their language,
// and tells how many SMS segments a text costs.
package message

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Default templates, used when the configured template is empty. Both fit in
// one GSM-7 segment for typical names.
const (
	DefaultSMSTemplate = `{{with .FirstName}}Hi {{.}},{{else}}Hi there,{{end}} thank you for your order #{{.OrderNumber}} at {{.ShopName}}! We really appreciate it.`

	DefaultStaffTemplate = `Thank-you call: {{with .CustomerName}}{{.}}{{else}}a customer{{end}}, {{.CustomerPhone}}, order #{{.OrderNumber}}{{with .Total}}, {{.}} {{$.Currency}}{{end}}{{with .OrderedAgo}}, {{.}}{{end}}{{with .Items}}: {{.}}{{end}}. Please call {{with .FirstName}}{{.}}{{else}}them{{end}}{{with .CallUntil}} by {{.}}{{end}}. Reply ` + inbound.ReplyWords + ` {{.OrderNumber}}`
)

// MaxReminderSegments is how many SMS segments a staff reminder may take:
// RenderReminder drops items, then the item list, to stay within it.
const MaxReminderSegments = 2

// Names of the templates as configured (the environment variables), used in
// errors.
const (
	smsName   = "SMS_TEMPLATE"
	staffName = "STAFF_TEMPLATE"
)

// MaxLength is the longest message, in characters, that Twilio accepts.
const MaxLength = 1600

// Data is what a template may use.
type Data struct {
	FirstName     string
	CustomerName  string
	OrderNumber   string
	Total         string
	Currency      string
	ShopName      string
	CustomerPhone string
	// Items are the first items ordered, joined ("2 x Blue mug, Tea towel").
	Items string
	// OrderedAgo says when the order was placed ("today", "3 days ago").
	OrderedAgo string
	// CallUntil is when the customer may be called until today, on the
	// staff member's clock ("17:00"); empty when unknown.
	CallUntil string
	// Language is the message's language (package language; "" is
	// English). FirstName is how a message in it greets the customer (see
	// GreetName), which is why a Japanese FirstName carries its 様.
	Language string
}

// MaxField is the most characters of one text from an order or a shop's
// settings (a name, an order number, a total) that a message shows.
const MaxField = 60

// Clean is how every text from an order or a shop's settings enters a
// message: thankyou.CleanText, the one sanitiser, at MaxField. Line breaks
// and control characters collapse, so a customer's name cannot add a
// paragraph ("SHOP OWNER: call ... instead") to a staff member's reminder.
func Clean(s string) string { return thankyou.CleanText(s, MaxField) }

// DataFor builds a template's Data from a task, in the task's language,
// every text cleaned (Clean). OrderNumber loses a leading "#" (templates
// write their own); CustomerPhone is the customer's number formatted for
// people ("+1 212-555-0123"), or as stored when it does not parse;
// FirstName is the name the customer is greeted by in that language
// (GreetName) and CustomerName their full name in their own name order
// (DisplayName).
func DataFor(t thankyou.Task, shopName string) Data {
	o := t.Order
	return Data{
		Language:      t.Language,
		FirstName:     GreetName(o, t.Language),
		CustomerName:  DisplayName(o),
		OrderNumber:   OrderNumber(o),
		Total:         Clean(o.Total),
		Currency:      Clean(o.Currency),
		ShopName:      Clean(shopName),
		CustomerPhone: Clean(HumanPhone(o.Phone)),
		Items:         JoinItems(o.Items),
	}
}

// maxItem is the most characters of one item: a title
// (thankyou.MaxItemTitle) after its "<quantity> × ".
const maxItem = thankyou.MaxItemTitle + 16

// JoinItems joins items for an SMS, each cleaned (thankyou.CleanText),
// with "x" for "×" (which is not in the GSM-7 alphabet and would halve
// what a segment holds).
func JoinItems(items []string) string {
	clean := make([]string, 0, len(items))
	for _, it := range items {
		if it = thankyou.CleanText(it, maxItem); it != "" {
			clean = append(clean, it)
		}
	}
	return strings.ReplaceAll(strings.Join(clean, ", "), "×", "x")
}

// Ago says how long before now t was, in words a staff member reads at a
// glance: "today", "yesterday", "3 days ago", "2 weeks ago". A zero t, or
// one after now, is "". AgoIn says it in another language.
func Ago(t, now time.Time, loc *time.Location) string {
	return AgoIn(language.English, t, now, loc)
}

// HumanPhone formats an E.164 number in the international format
// ("+1 212-555-0123"), or returns it as it is when it does not parse.
func HumanPhone(e164 string) string {
	if e164 == "" {
		return ""
	}
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return phonenumbers.Format(n, phonenumbers.INTERNATIONAL)
}

// sampleData is what NewRenderer renders each template with to catch errors
// at startup rather than at the first send.
func sampleData() Data {
	return Data{
		FirstName:     "Ada",
		CustomerName:  "Ada Lovelace",
		OrderNumber:   "1001",
		Total:         "49.90",
		Currency:      "USD",
		ShopName:      "Example Shop",
		CustomerPhone: "+1 212-555-0123",
		Items:         "2 x Blue mug, Tea towel",
		OrderedAgo:    "3 days ago",
		CallUntil:     "17:00",
	}
}

// Renderer renders the customer SMS and the staff reminder. It is safe for
// concurrent use.
type Renderer struct {
	sms   *template.Template
	staff *template.Template
}

// NewRenderer parses the customer SMS and the staff reminder templates
// (text/template over Data); an empty string selects the built-in English
// one. NewRendererIn does the same with another language's built-in texts.
// Each template must parse, and render without error both with every field
// set (to a non-empty message) and with every field empty, so that unknown
// fields are caught at startup. Errors are *thankyou.Error with code EINVALID
// naming the template (SMS_TEMPLATE or STAFF_TEMPLATE) and what is wrong.
func NewRenderer(smsTemplate, staffTemplate string) (*Renderer, error) {
	return NewRendererIn(language.English, smsTemplate, staffTemplate)
}

// NewRendererIn is NewRenderer whose empty templates select the built-in
// texts of lang (English for a language without).
func NewRendererIn(lang, smsTemplate, staffTemplate string) (*Renderer, error) {
	defSMS, defStaff := DefaultTemplates(lang)
	if strings.TrimSpace(smsTemplate) == "" {
		smsTemplate = defSMS
	}
	if strings.TrimSpace(staffTemplate) == "" {
		staffTemplate = defStaff
	}
	sms, err := parseTemplate(smsName, smsTemplate)
	if err != nil {
		return nil, err
	}
	staff, err := parseTemplate(staffName, staffTemplate)
	if err != nil {
		return nil, err
	}
	return &Renderer{sms: sms, staff: staff}, nil
}

// parseTemplate parses and trial-renders one template.
func parseTemplate(name, text string) (*template.Template, error) {
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, thankyou.WrapError(thankyou.EINVALID, fmt.Sprintf("%s does not parse: %v", name, err), err)
	}
	for _, t := range tmpl.Templates() {
		if t.Tree == nil {
			continue
		}
		if what := loops(t.Tree.Root); what != "" {
			return nil, thankyou.Errorf(thankyou.EINVALID, "%s uses %s, which is not supported in messages", name, what)
		}
	}
	if _, err := execute(tmpl, name, sampleData()); err != nil {
		return nil, thankyou.WrapError(thankyou.EINVALID, fmt.Sprintf("%s does not render: %v", name, err), err)
	}
	// With every field empty, the message may be empty, but the template
	// must still run: this reaches the {{else}} branches.
	if _, err := execute(tmpl, name, Data{}); err != nil && !errors.Is(err, errEmpty) {
		return nil, thankyou.WrapError(thankyou.EINVALID, fmt.Sprintf("%s does not render with empty fields: %v", name, err), err)
	}
	return tmpl, nil
}

// loops returns "range" or "template" if the tree under n has such an
// action, else "". Without them a template runs in time linear in its size:
// range can loop over a large integer and template calls can recurse or
// fan out exponentially, and a message needs neither.
func loops(n parse.Node) string {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return ""
		}
		for _, c := range n.Nodes {
			if what := loops(c); what != "" {
				return what
			}
		}
	case *parse.RangeNode:
		return "range"
	case *parse.TemplateNode:
		return "template"
	case *parse.IfNode:
		return cmp.Or(loops(n.List), loops(n.ElseList))
	case *parse.WithNode:
		return cmp.Or(loops(n.List), loops(n.ElseList))
	}
	return ""
}

var errEmpty = errors.New("message is empty")

// limitedWriter fails once more than max bytes are written, which stops the
// template's execution.
type limitedWriter struct {
	b   strings.Builder
	max int
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > w.max {
		return 0, fmt.Errorf("message longer than %d characters", MaxLength)
	}
	return w.b.Write(p)
}

// execute renders tmpl with d, trimmed; an empty or overlong message is an
// error.
func execute(tmpl *template.Template, name string, d Data) (string, error) {
	w := &limitedWriter{max: MaxLength * utf8.UTFMax}
	if err := tmpl.Execute(w, d); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	s := strings.TrimSpace(w.b.String())
	if s == "" {
		return "", fmt.Errorf("render %s: %w", name, errEmpty)
	}
	if n := utf8.RuneCountInString(s); n > MaxLength {
		return "", fmt.Errorf("render %s: message of %d characters is longer than %d", name, n, MaxLength)
	}
	return s, nil
}

// Render renders the message for a channel: the customer text for
// thankyou.ChannelSMS, the staff reminder for thankyou.ChannelStaff. The
// result is trimmed; an empty or overlong (over MaxLength characters) result
// is an error.
func (r *Renderer) Render(ch thankyou.Channel, d Data) (string, error) {
	switch ch {
	case thankyou.ChannelSMS:
		return execute(r.sms, smsName, d)
	case thankyou.ChannelStaff:
		return execute(r.staff, staffName, d)
	}
	return "", thankyou.Errorf(thankyou.EINVALID, "no message template for channel %q", ch)
}

// RenderReminder renders the staff reminder with d, whose Items are set
// from items, dropping the last items (then the list) until the reminder
// fits in MaxReminderSegments SMS segments. If even without items it does
// not fit (a shop's long template, very long names), it is returned as it
// is: Twilio sends long messages as several segments.
func (r *Renderer) RenderReminder(d Data, items []string) (string, error) {
	var body string
	for n := len(items); n >= 0; n-- {
		d.Items = JoinItems(items[:n])
		var err error
		if body, err = execute(r.staff, staffName, d); err != nil {
			return "", err
		}
		if segs, _ := Segments(body); segs <= MaxReminderSegments {
			return body, nil
		}
	}
	return body, nil
}

// Encodings of an SMS body.
const (
	GSM7 = "GSM-7"
	UCS2 = "UCS-2"
)

// gsmBasic is the GSM 03.38 default alphabet (without the escape code).
const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtension is the GSM 03.38 extension table: each costs an escape and
// the character, two septets.
const gsmExtension = "\f^{}\\[~]|€"

// gsmSeptets returns how many septets r takes in GSM-7, 0 if it has none.
func gsmSeptets(r rune) int {
	if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == ' ' {
		return 1 // the common case
	}
	if strings.ContainsRune(gsmBasic, r) {
		return 1
	}
	if strings.ContainsRune(gsmExtension, r) {
		return 2
	}
	return 0
}

// Segment sizes: a single message, and each part of a concatenated one
// (the rest of the 140 bytes holds the concatenation header).
const (
	gsmSingle  = 160
	gsmPart    = 153
	ucs2Single = 70
	ucs2Part   = 67
)

// Segments returns how many SMS segments body needs and its encoding, GSM7
// or UCS2. In GSM-7 a character of the basic set takes one septet and one of
// the extension table two; a message of up to 160 septets is one segment,
// a longer one is cut into parts of at most 153 septets without splitting a
// two-septet character. Any other character makes the body UCS-2, counted in
// UTF-16 code units: up to 70 in one segment, else parts of at most 67
// without splitting a surrogate pair. An empty body is 0 segments.
func Segments(body string) (count int, encoding string) {
	if body == "" {
		return 0, GSM7
	}
	gsm := true
	for _, r := range body {
		if gsmSeptets(r) == 0 {
			gsm = false
			break
		}
	}
	size, single, part := gsmSeptets, gsmSingle, gsmPart
	encoding = GSM7
	if !gsm {
		size, single, part = ucs2Units, ucs2Single, ucs2Part
		encoding = UCS2
	}
	total := 0
	for _, r := range body {
		total += size(r)
	}
	if total <= single {
		return 1, encoding
	}
	count, used := 1, 0
	for _, r := range body {
		n := size(r)
		if used+n > part {
			count++
			used = 0
		}
		used += n
	}
	return count, encoding
}

// ucs2Units returns how many UTF-16 code units r takes (invalid UTF-8 reads
// as U+FFFD, one unit).
func ucs2Units(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}
