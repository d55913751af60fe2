package twilio_test

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// doc is what the test reads back of a TwiML document, in order.
type doc struct {
	XMLName xml.Name
	Verbs   []struct {
		XMLName  xml.Name
		Attrs    []xml.Attr `xml:",any,attr"`
		Text     string     `xml:",chardata"`
		Number   string     `xml:"Number"`
		Children []xml.Name `xml:",any"`
	} `xml:",any"`
}

func TestTwiMLHoldsTheVerbsInOrder(t *testing.T) {
	got := twilio.TwiML(
		twilio.Say{Voice: "Polly.Joanna", Language: "en-US", Text: `Thanks, Jane & "Joe" <3`},
		twilio.Play{URL: "https://shop.example/thanks.mp3?a=1&b=2"},
		twilio.Dial{CallerID: "+15550001111", Action: twilio.CallbackURL("https://api.example", twilio.DialPath, "shopify:1"), Timeout: 25 * time.Second, Number: "+15550002222"},
		twilio.Hangup{},
	)
	if !strings.HasPrefix(got, xml.Header) {
		t.Errorf("no XML declaration: %s", got)
	}
	if err := twiliotest.CheckTwiML(got); err != nil {
		t.Fatalf("Twilio would not run it: %v\n%s", err, got)
	}
	var d doc
	if err := xml.Unmarshal([]byte(got), &d); err != nil {
		t.Fatal(err)
	}
	if d.XMLName.Local != "Response" || len(d.Verbs) != 4 {
		t.Fatalf("document %s, want a <Response> of four verbs", got)
	}
	attrs := func(i int) map[string]string {
		m := map[string]string{}
		for _, a := range d.Verbs[i].Attrs {
			m[a.Name.Local] = a.Value
		}
		return m
	}
	want := []struct {
		name, text string
		attrs      map[string]string
	}{
		{"Say", `Thanks, Jane & "Joe" <3`, map[string]string{"voice": "Polly.Joanna", "language": "en-US"}},
		{"Play", "https://shop.example/thanks.mp3?a=1&b=2", map[string]string{}},
		{"Dial", "", map[string]string{"callerId": "+15550001111", "action": "https://api.example/twilio/dial?task=shopify%3A1",
			"method": "POST", "timeout": "25", "answerOnBridge": "true"}},
		{"Hangup", "", map[string]string{}},
	}
	for i, w := range want {
		v := d.Verbs[i]
		text := v.Text
		if w.name == "Dial" {
			text = ""
			if v.Number != "+15550002222" {
				t.Errorf("<Dial> dials %q", v.Number)
			}
		}
		if v.XMLName.Local != w.name || text != w.text || len(attrs(i)) != len(w.attrs) {
			t.Errorf("verb %d = <%s %v>%s, want <%s %v>%s", i, v.XMLName.Local, attrs(i), text, w.name, w.attrs, w.text)
			continue
		}
		for k, val := range w.attrs {
			if attrs(i)[k] != val {
				t.Errorf("<%s %s=%q>, want %q", w.name, k, attrs(i)[k], val)
			}
		}
	}
	if again := twilio.TwiML(twilio.Say{Voice: "Polly.Joanna", Language: "en-US", Text: `Thanks, Jane & "Joe" <3`},
		twilio.Play{URL: "https://shop.example/thanks.mp3?a=1&b=2"},
		twilio.Dial{CallerID: "+15550001111", Action: twilio.CallbackURL("https://api.example", twilio.DialPath, "shopify:1"), Timeout: 25 * time.Second, Number: "+15550002222"},
		twilio.Hangup{}); again != got {
		t.Errorf("the same verbs gave another document:\n%s\n%s", got, again)
	}
}

func TestTwiMLLeavesOutWhatIsNotSet(t *testing.T) {
	tests := []struct {
		verbs []twilio.Verb
		want  string
	}{
		{nil, "<Response></Response>"},
		{[]twilio.Verb{twilio.Say{Text: "Goodbye."}, twilio.Hangup{}}, "<Response><Say>Goodbye.</Say><Hangup></Hangup></Response>"},
		{[]twilio.Verb{twilio.Message{Text: "Reply STOP & go"}}, "<Response><Message>Reply STOP &amp; go</Message></Response>"},
		{[]twilio.Verb{twilio.Dial{Number: "+15550002222"}}, `<Response><Dial answerOnBridge="true"><Number>+15550002222</Number></Dial></Response>`},
	}
	for _, tt := range tests {
		got := twilio.TwiML(tt.verbs...)
		if got != xml.Header+tt.want {
			t.Errorf("TwiML(%+v) = %s, want %s", tt.verbs, got, tt.want)
		}
		if err := twiliotest.CheckTwiML(got); err != nil {
			t.Errorf("Twilio would not run %s: %v", got, err)
		}
	}
}

func FuzzTwiMLSaysAnyText(f *testing.F) {
	for _, s := range []string{"", "Thanks!", "<Hangup/>", "]]>", "a\x00b", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := twilio.TwiML(twilio.Say{Text: text}, twilio.Hangup{})
		var d doc
		if err := xml.Unmarshal([]byte(got), &d); err != nil {
			t.Fatalf("TwiML of %q is not XML: %v\n%s", text, err, got)
		}
		if len(d.Verbs) != 2 || d.Verbs[0].XMLName.Local != "Say" || d.Verbs[1].XMLName.Local != "Hangup" || len(d.Verbs[0].Children) != 0 {
			t.Errorf("TwiML of %q = %s, want one <Say> and a hang-up", text, got)
		}
	})
}
