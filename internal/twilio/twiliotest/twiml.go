package twiliotest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Twilio's limits on TwiML values.
const (
	minDialTimeout     = 5
	maxDialTimeout     = 600
	defaultDialTimeout = 30
	maxDialTimeLimit   = 86400 // Twilio's longest call: 24 hours
	maxNumbersPerDial  = 10
	maxSayLength       = 4096 // characters
)

// TwiMLError is CheckTwiML's error: what is wrong with a TwiML document,
// and where.
type TwiMLError struct {
	// Line is the line of the document (from 1) where the fault was found.
	Line int
	// Element is the element at fault ("Dial"), or "" for a fault of the
	// document as a whole (not well-formed XML, no <Response>...).
	Element string
	// Attr is the attribute at fault ("timeout"), or "".
	Attr string
	// Reason says what is wrong.
	Reason string
	// Err is the XML syntax error of a document that is not well-formed.
	Err error
}

// Error implements error. Values that may be phone numbers are not quoted.
func (e *TwiMLError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "twiliotest: TwiML line %d: ", e.Line)
	if e.Element != "" {
		fmt.Fprintf(&b, "<%s>", e.Element)
		if e.Attr != "" {
			fmt.Fprintf(&b, " attribute %s", e.Attr)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the XML syntax error, if any.
func (e *TwiMLError) Unwrap() error { return e.Err }

// CheckTwiML reports whether doc is TwiML that Twilio would play: well-formed
// XML (an optional <?xml?> declaration and comments aside) with a single
// <Response> root holding only these verbs and nouns, with only these
// attributes:
//
//	Say      voice, language, loop                        text to say (1 to 4096 characters)
//	Play     loop, digits                                 an absolute http(s) URL, or nothing with digits
//	Pause    length (a positive integer)                  empty
//	Hangup                                                empty
//	Reject   reason (rejected, busy)                      empty
//	Redirect method                                       a URL (relative or absolute http(s))
//	Dial     action, method, timeout (5 to 600), callerId (E.164), answerOnBridge,
//	         hangupOnStar, timeLimit, record, ringTone, trim
//	                                                      1 to 10 <Number>s, or a phone number as text
//	Number   statusCallback, statusCallbackEvent, statusCallbackMethod, sendDigits,
//	         url, method                                  a phone number
//	Message  to, from, action, method                     the text to send
//	Gather   input, action, method, timeout, numDigits, finishOnKey, language,
//	         hints, speechTimeout                         <Say>, <Play> and <Pause> only
//
// Every verb sits directly under <Response>, except that <Say>, <Play> and
// <Pause> may also sit in <Gather>; <Number> sits only in <Dial>. URLs in
// action, url and statusCallback attributes must be absolute http(s) URLs,
// method attributes GET or POST. The error is a *TwiMLError naming the
// element and attribute at fault.
func CheckTwiML(doc string) error {
	_, err := parseTwiML(doc)
	return err
}

// twimlNode is an element of a checked TwiML document.
type twimlNode struct {
	name     string
	attrs    map[string]string
	text     strings.Builder // character data directly inside
	children []*twimlNode
}

// twimlDoc is a checked TwiML document: its <Response>.
type twimlDoc struct {
	response *twimlNode
}

// firstDial returns the <Dial> a call plays when it runs the document, or
// nil: the first <Dial> under <Response>, unless a <Hangup>, <Reject> or
// <Redirect> ends the document before it.
func (d *twimlDoc) firstDial() *twimlNode {
	for _, verb := range d.response.children {
		switch verb.name {
		case "Dial":
			return verb
		case "Hangup", "Reject", "Redirect":
			return nil
		}
	}
	return nil
}

// numbers returns the phone numbers a checked <Dial> dials.
func (n *twimlNode) numbers() []string {
	if len(n.children) == 0 {
		return []string{strings.TrimSpace(n.text.String())}
	}
	out := make([]string, 0, len(n.children))
	for _, c := range n.children {
		out = append(out, strings.TrimSpace(c.text.String()))
	}
	return out
}

// textRule is what an element may hold as character data.
type textRule int

const (
	textNone     textRule = iota // whitespace only
	textRequired                 // some text
	textSay                      // 1 to maxSayLength characters
	textPlay                     // an absolute http(s) URL, or nothing with digits
	textRedirect                 // a URL
	textPhone                    // a phone number
	textDial                     // a phone number unless there are <Number>s
)

// attrCheck returns why an attribute's value is refused, or "".
type attrCheck func(value string) string

// elementSpec is what TwiML allows of an element.
type elementSpec struct {
	attrs    map[string]attrCheck
	children []string
	text     textRule
}

var (
	// phoneTextPattern is a phone number as Twilio takes it in <Dial> and
	// <Number>: E.164, or digits with the usual separators.
	phoneTextPattern = regexp.MustCompile(`^\+?[0-9 ().-]+$`)
	digitsPattern    = regexp.MustCompile(`^[0-9wW*#]+$`)
)

// twimlVerbs are the verbs that sit directly under <Response>.
var twimlVerbs = []string{"Say", "Play", "Pause", "Hangup", "Reject", "Redirect", "Dial", "Message", "Gather"}

// twimlSpecs is TwiML's vocabulary, as CheckTwiML takes it. Read only.
var twimlSpecs = map[string]elementSpec{
	"Response": {children: twimlVerbs},
	"Say": {
		attrs: map[string]attrCheck{"voice": nonEmpty, "language": nonEmpty, "loop": intFrom(0, -1)},
		text:  textSay,
	},
	"Play": {
		attrs: map[string]attrCheck{"loop": intFrom(0, -1), "digits": matches(digitsPattern, "digits 0-9, w, W, * and #")},
		text:  textPlay,
	},
	"Pause":  {attrs: map[string]attrCheck{"length": intFrom(1, -1)}},
	"Hangup": {},
	"Reject": {attrs: map[string]attrCheck{"reason": oneOf("rejected", "busy")}},
	"Redirect": {
		attrs: map[string]attrCheck{"method": httpMethod},
		text:  textRedirect,
	},
	"Dial": {
		attrs: map[string]attrCheck{
			"action":         absoluteURL,
			"method":         httpMethod,
			"timeout":        intFrom(minDialTimeout, maxDialTimeout),
			"callerId":       e164,
			"answerOnBridge": oneOf("true", "false"),
			"hangupOnStar":   oneOf("true", "false"),
			"timeLimit":      intFrom(1, maxDialTimeLimit),
			"record": oneOf("do-not-record", "record-from-answer", "record-from-ringing",
				"record-from-answer-dual", "record-from-ringing-dual", "true", "false"),
			"ringTone": oneOf("at", "au", "bg", "br", "be", "ch", "cl", "cn", "cz", "de", "dk", "ee", "es",
				"fi", "fr", "gr", "hu", "il", "in", "it", "lt", "jp", "mx", "my", "nl", "no", "nz", "ph", "pl",
				"pt", "ru", "se", "sg", "th", "uk", "us", "us-old", "tw", "ve", "za"),
			"trim": oneOf("trim-silence", "do-not-trim"),
		},
		children: []string{"Number"},
		text:     textDial,
	},
	"Number": {
		attrs: map[string]attrCheck{
			"statusCallback":       absoluteURL,
			"statusCallbackEvent":  events,
			"statusCallbackMethod": httpMethod,
			"sendDigits":           matches(digitsPattern, "digits 0-9, w, W, * and #"),
			"url":                  absoluteURL,
			"method":               httpMethod,
		},
		text: textPhone,
	},
	"Message": {
		attrs: map[string]attrCheck{"to": nonEmpty, "from": nonEmpty, "action": absoluteURL, "method": httpMethod},
		text:  textRequired,
	},
	"Gather": {
		attrs: map[string]attrCheck{
			"input":         oneOf("dtmf", "speech", "dtmf speech", "speech dtmf"),
			"action":        absoluteURL,
			"method":        httpMethod,
			"timeout":       intFrom(1, -1),
			"numDigits":     intFrom(1, -1),
			"finishOnKey":   finishOnKey,
			"language":      nonEmpty,
			"hints":         func(string) string { return "" },
			"speechTimeout": speechTimeout,
		},
		children: []string{"Say", "Play", "Pause"},
	},
}

// parseTwiML checks doc (see CheckTwiML) and returns its elements.
func parseTwiML(doc string) (*twimlDoc, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	line := func() int { l, _ := d.InputPos(); return l }
	fail := func(elem, attr, format string, args ...any) error {
		return &TwiMLError{Line: line(), Element: elem, Attr: attr, Reason: fmt.Sprintf(format, args...)}
	}
	var (
		stack []*twimlNode
		root  *twimlNode
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, &TwiMLError{Line: line(), Reason: "not well-formed XML", Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n, err := startElement(t, stack, root != nil, fail)
			if err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if err := checkText(n, fail); err != nil {
				return nil, err
			}
		case xml.CharData:
			if len(stack) == 0 {
				if len(strings.TrimSpace(string(t))) > 0 {
					return nil, fail("", "", "text outside <Response>")
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		case xml.ProcInst:
			if t.Target != "xml" || root != nil {
				return nil, fail("", "", "processing instruction <?%s?> is not TwiML", t.Target)
			}
		case xml.Directive:
			return nil, fail("", "", "<!%s> is not TwiML", firstWord(string(t)))
		case xml.Comment:
		}
	}
	if root == nil {
		return nil, fail("", "", "no <Response> element")
	}
	return &twimlDoc{response: root}, nil
}

// startElement checks an element's name, place and attributes.
func startElement(t xml.StartElement, stack []*twimlNode, seenRoot bool,
	fail func(elem, attr, format string, args ...any) error) (*twimlNode, error) {
	name := t.Name.Local
	spec, known := twimlSpecs[name]
	switch {
	case t.Name.Space != "":
		return nil, fail(name, "", "in name space %q: TwiML elements have none", t.Name.Space)
	case len(stack) == 0 && seenRoot:
		return nil, fail(name, "", "a second root element: a document has one <Response>")
	case len(stack) == 0 && name != "Response":
		return nil, fail(name, "", "the root element must be <Response>")
	case !known:
		return nil, fail(name, "", "unknown TwiML element")
	case len(stack) > 0:
		parent := stack[len(stack)-1]
		if !slices.Contains(twimlSpecs[parent.name].children, name) {
			return nil, fail(name, "", "not allowed inside <%s>%s", parent.name, placeHint(name))
		}
		if parent.name == "Dial" && len(parent.children) == maxNumbersPerDial {
			return nil, fail(name, "", "more than %d in one <Dial>", maxNumbersPerDial)
		}
	}
	n := &twimlNode{name: name, attrs: make(map[string]string, len(t.Attr))}
	for _, a := range t.Attr {
		attr := a.Name.Local
		if a.Name.Space != "" {
			attr = a.Name.Space + ":" + attr
		}
		if _, dup := n.attrs[attr]; dup {
			return nil, fail(name, attr, "attribute given twice")
		}
		check, ok := spec.attrs[attr]
		if !ok {
			return nil, fail(name, attr, "unknown attribute")
		}
		if reason := check(a.Value); reason != "" {
			return nil, fail(name, attr, "%s", reason)
		}
		n.attrs[attr] = a.Value
	}
	return n, nil
}

// placeHint says where an element misplaced in another belongs.
func placeHint(name string) string {
	switch name {
	case "Number":
		return " (<Number> belongs in <Dial>)"
	case "Response":
		return " (<Response> is the root only)"
	}
	return " (verbs belong directly under <Response>)"
}

// checkText checks an ended element's character data and children.
func checkText(n *twimlNode, fail func(elem, attr, format string, args ...any) error) error {
	raw := n.text.String()
	text := strings.TrimSpace(raw)
	switch twimlSpecs[n.name].text {
	case textNone:
		if text != "" {
			return fail(n.name, "", "must hold no text")
		}
	case textRequired:
		if text == "" {
			return fail(n.name, "", "needs text")
		}
	case textSay:
		if text == "" {
			return fail(n.name, "", "needs the text to say")
		}
		if len([]rune(raw)) > maxSayLength {
			return fail(n.name, "", "text longer than %d characters", maxSayLength)
		}
	case textPlay:
		if text == "" {
			if _, ok := n.attrs["digits"]; !ok {
				return fail(n.name, "", "needs the URL of the audio to play, or digits")
			}
			return nil
		}
		if reason := absoluteURL(text); reason != "" {
			return fail(n.name, "", "text %s", reason)
		}
	case textRedirect:
		if text == "" {
			return fail(n.name, "", "needs the URL to redirect to")
		}
		u, err := url.Parse(text)
		if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") || (u.IsAbs() && u.Host == "") {
			return fail(n.name, "", "text %q is not a relative or http(s) URL", text)
		}
	case textPhone:
		if !phoneText(text) {
			return fail(n.name, "", "text is not a phone number")
		}
	case textDial:
		switch {
		case len(n.children) > 0 && text != "":
			return fail(n.name, "", "holds both <Number>s and a number as text")
		case len(n.children) == 0 && text == "":
			return fail(n.name, "", "needs a <Number> or a phone number as text")
		case len(n.children) == 0 && !phoneText(text):
			return fail(n.name, "", "text is not a phone number")
		}
	}
	return nil
}

// phoneText reports whether s is a phone number as <Dial> and <Number>
// take one: E.164, or 7 to 15 digits with spaces, dots, dashes and
// parentheses.
func phoneText(s string) bool {
	if !phoneTextPattern.MatchString(s) {
		return false
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 7 && digits <= 15
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

func nonEmpty(v string) string {
	if strings.TrimSpace(v) == "" {
		return "must not be empty"
	}
	return ""
}

// intFrom accepts a whole number from lo to hi (no upper bound when hi < 0).
func intFrom(lo, hi int) attrCheck {
	return func(v string) string {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || strings.TrimLeft(v, "0123456789") != "":
			return fmt.Sprintf("%q is not a whole number", v)
		case hi < 0 && n < lo:
			return fmt.Sprintf("%d is less than %d", n, lo)
		case hi >= 0 && (n < lo || n > hi):
			return fmt.Sprintf("%d is not from %d to %d", n, lo, hi)
		}
		return ""
	}
}

func oneOf(allowed ...string) attrCheck {
	return func(v string) string {
		if slices.Contains(allowed, v) {
			return ""
		}
		return fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))
	}
}

func matches(p *regexp.Regexp, what string) attrCheck {
	return func(v string) string {
		if p.MatchString(v) {
			return ""
		}
		return fmt.Sprintf("%q is not %s", v, what)
	}
}

func httpMethod(v string) string {
	if v == "GET" || v == "POST" {
		return ""
	}
	return fmt.Sprintf("%q is not GET or POST", v)
}

// absoluteURL accepts an absolute http or https URL with a host.
func absoluteURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q is not an absolute http(s) URL", v)
	}
	return ""
}

// e164 accepts an E.164 phone number. The value is not quoted: it may be
// personal data.
func e164(v string) string {
	if e164Pattern.MatchString(v) {
		return ""
	}
	return "is not an E.164 phone number"
}

// events accepts a space-separated list of call progress events.
func events(v string) string {
	fields := strings.Fields(v)
	if len(fields) == 0 {
		return "must name initiated, ringing, answered or completed"
	}
	for _, f := range fields {
		switch f {
		case "initiated", "ringing", "answered", "completed":
		default:
			return fmt.Sprintf("%q is not initiated, ringing, answered or completed", f)
		}
	}
	return ""
}

func finishOnKey(v string) string {
	if v == "" || (len(v) == 1 && strings.Contains("0123456789#*", v)) {
		return ""
	}
	return fmt.Sprintf("%q is not one key of 0-9, # and *, or empty", v)
}

func speechTimeout(v string) string {
	if v == "auto" {
		return ""
	}
	if intFrom(1, -1)(v) != "" {
		return fmt.Sprintf("%q is not a positive whole number of seconds or auto", v)
	}
	return ""
}
