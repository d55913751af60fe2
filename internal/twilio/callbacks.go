package twilio

import "net/url"

// The paths of the Twilio webhook's routes, under the API's public base
// URL. Every one but InboundPath is given to Twilio with the task it is
// about (CallbackURL).
const (
	// StatusPath takes a message's status callbacks.
	StatusPath = "/twilio/status"
	// InboundPath takes inbound SMS (the number's messaging webhook).
	InboundPath = "/twilio/inbound"
	// CallStatusPath takes a call's status callbacks (the automated call,
	// and the staff leg of a click-to-call bridge).
	CallStatusPath = "/twilio/call-status"
	// VoicePath serves the automated thank-you call's TwiML.
	VoicePath = "/twilio/voice"
	// BridgePath serves the click-to-call bridge's TwiML, fetched when the
	// staff member answers: <Dial> to the customer.
	BridgePath = "/twilio/bridge"
	// DialPath takes the bridge's <Dial> action: how the customer's leg
	// ended.
	DialPath = "/twilio/dial"
)

// TaskParam is the query parameter naming the task of a callback.
const TaskParam = "task"

// CallbackURL is the URL of path under the public base URL for one task,
// the way Twilio is given it: every callback names its task (which lets a
// status callback repair a task whose SID was never written).
func CallbackURL(publicBaseURL, path, taskID string) string {
	return publicBaseURL + path + "?" + url.Values{TaskParam: {taskID}}.Encode()
}

// StatusCallbackURL is the status callback URL of a task's message.
func StatusCallbackURL(publicBaseURL, taskID string) string {
	return CallbackURL(publicBaseURL, StatusPath, taskID)
}

// CallbackTask reads the task a callback URL's query (its raw query
// string) names; ok is false when it names none.
func CallbackTask(rawQuery string) (taskID string, ok bool) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil || q.Get(TaskParam) == "" {
		return "", false
	}
	return q.Get(TaskParam), true
}

// Paths returns the paths of every Twilio webhook route.
func Paths() []string {
	return []string{StatusPath, InboundPath, CallStatusPath, VoicePath, BridgePath, DialPath}
}
