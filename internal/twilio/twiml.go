package twilio

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

// This file builds TwiML, the XML Twilio runs for a call or a message
// reply: one <Response> of the verbs below, in order. (twilio-go's twiml
// package writes attributes in map order, which changes from one answer
// to the next; these documents are the same for the same verbs.)

// Verb is one TwiML verb: Say, Play, Dial, Hangup or Message.
type Verb interface{ verb() }

// Say speaks Text, with Voice and Language when set (Twilio's defaults
// otherwise).
type Say struct {
	XMLName  xml.Name `xml:"Say"`
	Voice    string   `xml:"voice,attr,omitempty"`
	Language string   `xml:"language,attr,omitempty"`
	Text     string   `xml:",chardata"`
}

// Play plays the recording at URL.
type Play struct {
	XMLName xml.Name `xml:"Play"`
	URL     string   `xml:",chardata"`
}

// Dial calls Number with CallerID shown, ringing for Timeout (Twilio's
// default when zero); when Action is set, Twilio posts how the dialled leg
// ended to it (DialCallStatus). The caller keeps hearing ringing until the
// dialled party answers.
type Dial struct {
	CallerID string
	Action   string
	Timeout  time.Duration
	Number   string
}

// dialXML is Dial as TwiML.
type dialXML struct {
	XMLName        xml.Name `xml:"Dial"`
	CallerID       string   `xml:"callerId,attr,omitempty"`
	Action         string   `xml:"action,attr,omitempty"`
	Method         string   `xml:"method,attr,omitempty"`
	Timeout        string   `xml:"timeout,attr,omitempty"`
	AnswerOnBridge bool     `xml:"answerOnBridge,attr"`
	Number         string   `xml:"Number"`
}

// MarshalXML writes d as TwiML: its action is posted to, its timeout in
// whole seconds.
func (d Dial) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	x := dialXML{CallerID: d.CallerID, Action: d.Action, AnswerOnBridge: true, Number: d.Number}
	if d.Action != "" {
		x.Method = http.MethodPost
	}
	if d.Timeout > 0 {
		x.Timeout = strconv.Itoa(int(d.Timeout / time.Second))
	}
	return e.Encode(x)
}

// Hangup ends the call.
type Hangup struct {
	XMLName xml.Name `xml:"Hangup"`
}

// Message replies to an inbound SMS with Text.
type Message struct {
	XMLName xml.Name `xml:"Message"`
	Text    string   `xml:",chardata"`
}

func (Say) verb()     {}
func (Play) verb()    {}
func (Dial) verb()    {}
func (Hangup) verb()  {}
func (Message) verb() {}

// response is a TwiML document's root.
type response struct {
	XMLName xml.Name `xml:"Response"`
	Verbs   []Verb
}

// emptyTwiML is the document of no verbs: nothing to do.
const emptyTwiML = xml.Header + "<Response></Response>"

// TwiML is the TwiML document of verbs, in order; no verbs: the empty
// <Response>, which does nothing.
func TwiML(verbs ...Verb) string {
	b, err := xml.Marshal(response{Verbs: verbs})
	if err != nil {
		// Only strings of these verbs are written, which encoding/xml
		// escapes: it does not fail.
		return emptyTwiML
	}
	return xml.Header + string(b)
}
