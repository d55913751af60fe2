package twiliotest_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

func TestCheckTwiMLAcceptsTwilioVerbs(t *testing.T) {
	docs := map[string]string{
		"empty response":                       `<Response/>`,
		"declaration, comments and whitespace": "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- thank-you call -->\n<Response>\n  <!-- say it -->\n  <Say>Thanks!</Say>\n</Response>\n",
		"say with attributes":                  `<Response><Say voice="Polly.Joanna" language="en-US" loop="2">Thank you for your order &amp; see you soon.</Say></Response>`,
		"say looping forever":                  `<Response><Say loop="0">Hello</Say></Response>`,
		"play, pause, hangup":                  `<Response><Play loop="1">https://example.com/thanks.mp3</Play><Pause length="2"/><Hangup/></Response>`,
		"play digits only":                     `<Response><Play digits="ww1234#"/></Response>`,
		"reject busy":                          `<Response><Reject reason="busy"/></Response>`,
		"redirect relative":                    `<Response><Redirect method="GET">/twiml/next?task=t-1</Redirect></Response>`,
		"redirect absolute":                    `<Response><Redirect>https://example.com/next</Redirect></Response>`,
		"bridge to a number": `<Response><Say>Connecting you to your customer.</Say>` +
			`<Dial callerId="+14155550111" action="https://example.com/dial?task=t-1&amp;x=1" method="POST" timeout="20" ` +
			`answerOnBridge="true" hangupOnStar="false" timeLimit="600" record="record-from-answer-dual" ringTone="us" trim="do-not-trim">` +
			`<Number statusCallback="https://example.com/leg" statusCallbackEvent="initiated ringing answered completed" ` +
			`statusCallbackMethod="GET" sendDigits="ww12" url="https://example.com/whisper" method="POST">+14155550123</Number>` +
			`</Dial></Response>`,
		"dial a number as text": `<Response><Dial timeout="5">415-123-4567</Dial></Response>`,
		"dial ten numbers":      `<Response><Dial>` + strings.Repeat(`<Number>+14155550123</Number>`, 10) + `</Dial></Response>`,
		"gather with prompts": `<Response><Gather input="dtmf speech" action="https://example.com/gather" method="POST" timeout="5" ` +
			`numDigits="1" finishOnKey="#" language="en-GB" hints="yes, no" speechTimeout="auto">` +
			`<Say>Press 1 to talk to us.</Say><Play>http://example.com/beep.wav</Play><Pause length="1"/></Gather>` +
			`<Say>We did not get that.</Say></Response>`,
		"gather without finish key": `<Response><Gather finishOnKey="" speechTimeout="3"/></Response>`,
		"message":                   `<Response><Message to="+14155550123" from="+14155550100" action="https://example.com/sms" method="GET">Thanks!</Message></Response>`,
		"cdata say":                 `<Response><Say><![CDATA[Fish & chips]]></Say></Response>`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			if err := twiliotest.CheckTwiML(doc); err != nil {
				t.Errorf("CheckTwiML(%s) = %v, want nil", doc, err)
			}
		})
	}
}

func TestCheckTwiMLRefusesWhatTwilioWouldNotPlay(t *testing.T) {
	dial := func(attrs, inner string) string {
		return `<Response><Dial ` + attrs + `>` + inner + `</Dial></Response>`
	}
	const number = `<Number>+14155550123</Number>`
	tests := []struct {
		name     string
		doc      string
		wantElem string // the TwiMLError's Element
		wantAttr string // and Attr
		wantXML  bool   // whether it wraps an XML syntax error
	}{
		// The document.
		{"empty", ``, "", "", false},
		{"not XML", `hello`, "", "", false},
		{"unclosed element", `<Response><Say>hi</Response>`, "", "", true},
		{"unterminated", `<Response><Say>hi</Say>`, "", "", true},
		{"unknown entity", `<Response><Say>&nbsp;</Say></Response>`, "", "", true},
		{"unquoted attribute", `<Response><Pause length=2/></Response>`, "", "", true},
		{"other encoding", `<?xml version="1.0" encoding="ISO-8859-1"?><Response/>`, "", "", false},
		{"root is not Response", `<Say>hi</Say>`, "Say", "", false},
		{"two roots", `<Response/><Response/>`, "Response", "", false},
		{"text after the root", `<Response/>bye`, "", "", false},
		{"doctype", `<!DOCTYPE Response><Response/>`, "", "", false},
		{"processing instruction", `<Response><?php echo 1 ?></Response>`, "", "", false},
		{"declaration after the root", `<Response/><?xml version="1.0"?>`, "", "", false},
		{"response with an attribute", `<Response version="2"/>`, "Response", "version", false},
		{"text in response", `<Response>Hello</Response>`, "Response", "", false},
		{"nested response", `<Response><Response/></Response>`, "Response", "", false},

		// Vocabulary.
		{"unknown verb", `<Response><Sms>hi</Sms></Response>`, "Sms", "", false},
		{"lower-case verb", `<Response><say>hi</say></Response>`, "say", "", false},
		{"namespaced verb", `<Response xmlns:t="urn:t"><t:Say>hi</t:Say></Response>`, "Response", "xmlns:t", false},
		{"default namespace", `<Response xmlns="urn:twiml"/>`, "Response", "", false},
		{"undeclared prefix", `<Response><t:Say>hi</t:Say></Response>`, "Say", "", false},
		{"unknown attribute", `<Response><Say voice="alice" rate="fast">hi</Say></Response>`, "Say", "rate", false},
		{"attribute given twice", `<Response><Pause length="1" length="2"/></Response>`, "Pause", "length", false},
		{"hangup with an attribute", `<Response><Hangup reason="done"/></Response>`, "Hangup", "reason", false},
		{"ssml in say", `<Response><Say><prosody rate="slow">hi</prosody></Say></Response>`, "prosody", "", false},

		// Nesting.
		{"number outside dial", `<Response><Number>+14155550123</Number></Response>`, "Number", "", false},
		{"say inside dial", dial(``, `<Say>hi</Say>`), "Say", "", false},
		{"dial inside gather", `<Response><Gather><Dial>+14155550123</Dial></Gather></Response>`, "Dial", "", false},
		{"gather inside gather", `<Response><Gather><Gather/></Gather></Response>`, "Gather", "", false},
		{"hangup inside gather", `<Response><Gather><Hangup/></Gather></Response>`, "Hangup", "", false},
		{"play inside say", `<Response><Say><Play>https://example.com/a.mp3</Play></Say></Response>`, "Play", "", false},
		{"number inside number", dial(``, `<Number><Number>+14155550123</Number></Number>`), "Number", "", false},

		// Texts.
		{"empty say", `<Response><Say> </Say></Response>`, "Say", "", false},
		{"say too long", `<Response><Say>` + strings.Repeat("a", 4097) + `</Say></Response>`, "Say", "", false},
		{"play a relative URL", `<Response><Play>/thanks.mp3</Play></Response>`, "Play", "", false},
		{"play an ftp URL", `<Response><Play>ftp://example.com/thanks.mp3</Play></Response>`, "Play", "", false},
		{"play nothing", `<Response><Play/></Response>`, "Play", "", false},
		{"pause with text", `<Response><Pause>2</Pause></Response>`, "Pause", "", false},
		{"gather with text", `<Response><Gather>Press 1</Gather></Response>`, "Gather", "", false},
		{"empty redirect", `<Response><Redirect/></Response>`, "Redirect", "", false},
		{"redirect to ftp", `<Response><Redirect>ftp://example.com/next</Redirect></Response>`, "Redirect", "", false},
		{"empty message", `<Response><Message to="+14155550123"/></Response>`, "Message", "", false},
		{"dial without a number", dial(`action="https://example.com/d"`, ``), "Dial", "", false},
		{"dial with only whitespace", dial(``, "\n  "), "Dial", "", false},
		{"dial text not a number", dial(``, `customer`), "Dial", "", false},
		{"dial text too short", dial(``, `12345`), "Dial", "", false},
		{"dial text and number", dial(``, `+14155550100`+number), "Dial", "", false},
		{"eleven numbers", dial(``, strings.Repeat(number, 11)), "Number", "", false},
		{"number not a number", dial(``, `<Number>client:jane</Number>`), "Number", "", false},
		{"empty number", dial(``, `<Number/>`), "Number", "", false},

		// Attribute values.
		{"dial timeout below 5", dial(`timeout="4"`, number), "Dial", "timeout", false},
		{"dial timeout over 600", dial(`timeout="601"`, number), "Dial", "timeout", false},
		{"dial timeout not a number", dial(`timeout="ten"`, number), "Dial", "timeout", false},
		{"dial timeout signed", dial(`timeout="+30"`, number), "Dial", "timeout", false},
		{"callerId not E.164", dial(`callerId="4155550100"`, number), "Dial", "callerId", false},
		{"empty callerId", dial(`callerId=""`, number), "Dial", "callerId", false},
		{"relative action", dial(`action="/dial-done"`, number), "Dial", "action", false},
		{"ftp action", dial(`action="ftp://example.com/d"`, number), "Dial", "action", false},
		{"method PUT", dial(`method="PUT"`, number), "Dial", "method", false},
		{"record bogus", dial(`record="always"`, number), "Dial", "record", false},
		{"answerOnBridge yes", dial(`answerOnBridge="yes"`, number), "Dial", "answerOnBridge", false},
		{"timeLimit zero", dial(`timeLimit="0"`, number), "Dial", "timeLimit", false},
		{"ringTone unknown", dial(`ringTone="xx"`, number), "Dial", "ringTone", false},
		{"trim bogus", dial(`trim="yes"`, number), "Dial", "trim", false},
		{"number event unknown", dial(``, `<Number statusCallbackEvent="hungup">+14155550123</Number>`), "Number", "statusCallbackEvent", false},
		{"number relative callback", dial(``, `<Number statusCallback="/leg">+14155550123</Number>`), "Number", "statusCallback", false},
		{"number sendDigits letters", dial(``, `<Number sendDigits="abc">+14155550123</Number>`), "Number", "sendDigits", false},
		{"pause length zero", `<Response><Pause length="0"/></Response>`, "Pause", "length", false},
		{"pause length negative", `<Response><Pause length="-1"/></Response>`, "Pause", "length", false},
		{"pause length fraction", `<Response><Pause length="1.5"/></Response>`, "Pause", "length", false},
		{"say loop negative", `<Response><Say loop="-1">hi</Say></Response>`, "Say", "loop", false},
		{"empty voice", `<Response><Say voice="">hi</Say></Response>`, "Say", "voice", false},
		{"play digits letters", `<Response><Play digits="12x"/></Response>`, "Play", "digits", false},
		{"reject reason unknown", `<Response><Reject reason="spam"/></Response>`, "Reject", "reason", false},
		{"redirect method lower case", `<Response><Redirect method="get">/next</Redirect></Response>`, "Redirect", "method", false},
		{"gather input unknown", `<Response><Gather input="voice"/></Response>`, "Gather", "input", false},
		{"gather two finish keys", `<Response><Gather finishOnKey="#*"/></Response>`, "Gather", "finishOnKey", false},
		{"gather numDigits zero", `<Response><Gather numDigits="0"/></Response>`, "Gather", "numDigits", false},
		{"gather speechTimeout bogus", `<Response><Gather speechTimeout="soon"/></Response>`, "Gather", "speechTimeout", false},
		{"gather relative action", `<Response><Gather action="gather"/></Response>`, "Gather", "action", false},
		{"message relative action", `<Response><Message action="sms">hi</Message></Response>`, "Message", "action", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := twiliotest.CheckTwiML(tt.doc)
			var te *twiliotest.TwiMLError
			if !errors.As(err, &te) {
				t.Fatalf("CheckTwiML(%s) = %v, want a *TwiMLError", tt.doc, err)
			}
			if te.Element != tt.wantElem || te.Attr != tt.wantAttr {
				t.Errorf("CheckTwiML(%s) = %v: element %q attribute %q, want %q %q", tt.doc, err, te.Element, te.Attr, tt.wantElem, tt.wantAttr)
			}
			var syntax *xml.SyntaxError
			if got := errors.As(err, &syntax); got != tt.wantXML {
				t.Errorf("CheckTwiML(%s) = %v: wraps an XML syntax error %v, want %v", tt.doc, err, got, tt.wantXML)
			}
			if te.Line < 1 || te.Reason == "" {
				t.Errorf("CheckTwiML(%s) = %+v, want a line and a reason", tt.doc, te)
			}
			for _, want := range []string{"<" + tt.wantElem + ">", tt.wantAttr} {
				if tt.wantElem != "" && !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name %q", err, want)
				}
			}
		})
	}
}

func TestCheckTwiMLErrorsDoNotQuotePhoneNumbers(t *testing.T) {
	for _, doc := range []string{
		`<Response><Dial callerId="4155550199">+14155550123</Dial></Response>`,
		`<Response><Dial>4155550199x</Dial></Response>`,
		`<Response><Dial><Number>4155550199x</Number></Dial></Response>`,
	} {
		err := twiliotest.CheckTwiML(doc)
		if err == nil || strings.Contains(err.Error(), "4155550199") {
			t.Errorf("CheckTwiML(%s) = %v, want an error without the number", doc, err)
		}
	}
}

// FuzzCheckTwiML checks arbitrary documents: CheckTwiML never panics, and a
// document it accepts parses as XML whose re-encoding it accepts too and
// which parses back to the same tree.
func FuzzCheckTwiML(f *testing.F) {
	for _, doc := range []string{
		`<Response/>`,
		`<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice" loop="2">Thanks &amp; bye</Say><Hangup/></Response>`,
		`<Response><Dial callerId="+14155550111" action="https://example.com/d?a=1&amp;b=2" timeout="20"><Number>+14155550123</Number></Dial></Response>`,
		`<Response><Gather input="dtmf" numDigits="1"><Say>Press 1</Say><Pause length="1"/></Gather></Response>`,
		`<Response><Play digits="ww12#"/><Play>https://example.com/a.mp3</Play><Redirect>/next</Redirect></Response>`,
		`<Response><Message to="+14155550123">hi</Message><Reject reason="busy"/></Response>`,
		"<Response>\r\n<Say><![CDATA[a < b]]></Say><!-- c --></Response>",
		`<Response><Dial>415-123-4567</Dial></Response>`,
		`<Response><Number>+14155550123</Number></Response>`,
		`<Response><Say>hi</Response>`,
		`<!DOCTYPE x [<!ENTITY a "b">]><Response><Say>&a;</Say></Response>`,
	} {
		f.Add(doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if twiliotest.CheckTwiML(doc) != nil {
			return
		}
		tree, err := readTree(doc)
		if err != nil {
			t.Fatalf("CheckTwiML accepted %q, which does not parse: %v", doc, err)
		}
		again := writeTree(t, tree)
		if err := twiliotest.CheckTwiML(again); err != nil {
			t.Fatalf("CheckTwiML accepted %q but not its re-encoding %q: %v", doc, again, err)
		}
		back, err := readTree(again)
		if err != nil {
			t.Fatalf("re-encoding %q of %q does not parse: %v", again, doc, err)
		}
		if !reflect.DeepEqual(back, tree) {
			t.Errorf("re-encoding %q of %q parses to %+v, want %+v", again, doc, back, tree)
		}
	})
}

// xmlNode is an element of a parsed document: its name, attributes and
// content (strings and *xmlNode), comments and declarations left out.
type xmlNode struct {
	Name    xml.Name
	Attr    []xml.Attr
	Content []any
}

// readTree parses doc's root element.
func readTree(doc string) (*xmlNode, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	var stack []*xmlNode
	var root *xmlNode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &xmlNode{Name: t.Name, Attr: append([]xml.Attr{}, t.Attr...)}
			if len(stack) == 0 {
				root = n
			} else {
				parent := stack[len(stack)-1]
				parent.Content = append(parent.Content, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				continue
			}
			n := stack[len(stack)-1]
			if last := len(n.Content) - 1; last >= 0 {
				if s, ok := n.Content[last].(string); ok {
					n.Content[last] = s + string(t)
					continue
				}
			}
			n.Content = append(n.Content, string(t))
		}
	}
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// writeTree encodes n with encoding/xml.
func writeTree(t *testing.T, n *xmlNode) string {
	var buf bytes.Buffer
	e := xml.NewEncoder(&buf)
	var write func(n *xmlNode)
	write = func(n *xmlNode) {
		if err := e.EncodeToken(xml.StartElement{Name: n.Name, Attr: n.Attr}); err != nil {
			t.Fatalf("encode <%s>: %v", n.Name.Local, err)
		}
		for _, c := range n.Content {
			switch c := c.(type) {
			case string:
				if err := e.EncodeToken(xml.CharData(c)); err != nil {
					t.Fatalf("encode text: %v", err)
				}
			case *xmlNode:
				write(c)
			}
		}
		if err := e.EncodeToken(xml.EndElement{Name: n.Name}); err != nil {
			t.Fatalf("encode </%s>: %v", n.Name.Local, err)
		}
	}
	write(n)
	if err := e.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	return buf.String()
}
