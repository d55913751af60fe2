package twilio

import (
	"fmt"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// This file is what Twilio's callbacks say about a message or a call, as
// tables: every status Twilio posts, read once at the edge (Parse...), with
// what it means for a task.

// MessageStatus is a message's MessageStatus, as Twilio posts it to the
// status callback.
type MessageStatus string

// Twilio's message statuses.
const (
	MessageQueued             MessageStatus = "queued"
	MessageAccepted           MessageStatus = "accepted"
	MessageScheduled          MessageStatus = "scheduled"
	MessageSending            MessageStatus = "sending"
	MessageSent               MessageStatus = "sent"
	MessageDelivered          MessageStatus = "delivered"
	MessageRead               MessageStatus = "read"
	MessageUndelivered        MessageStatus = "undelivered"
	MessageFailed             MessageStatus = "failed"
	MessageCanceled           MessageStatus = "canceled"
	MessagePartiallyDelivered MessageStatus = "partially_delivered"
	MessageReceiving          MessageStatus = "receiving"
	MessageReceived           MessageStatus = "received"
)

// messageStatuses is every message status with the task state it records;
// "" for an interim status (or one about inbound or scheduled messages),
// which changes nothing.
var messageStatuses = []struct {
	Status MessageStatus
	State  thankyou.State
}{
	{MessageQueued, ""},
	{MessageAccepted, ""},
	{MessageScheduled, ""},
	{MessageSending, ""},
	{MessageSent, thankyou.StateSent},
	{MessageDelivered, thankyou.StateDelivered},
	{MessageRead, thankyou.StateDelivered},
	{MessageUndelivered, thankyou.StateUndelivered},
	{MessageFailed, thankyou.StateFailed},
	{MessageCanceled, ""},
	{MessagePartiallyDelivered, ""},
	{MessageReceiving, ""},
	{MessageReceived, ""},
}

// ParseMessageStatus reads a MessageStatus; a value Twilio does not
// document is an error.
func ParseMessageStatus(s string) (MessageStatus, error) {
	for _, m := range messageStatuses {
		if string(m.Status) == s {
			return m.Status, nil
		}
	}
	return "", fmt.Errorf("%q is not a Twilio message status", s)
}

// State is the task state a status callback with s records; ok is false
// for an interim status, which records nothing.
func (s MessageStatus) State() (state thankyou.State, ok bool) {
	for _, m := range messageStatuses {
		if m.Status == s {
			return m.State, m.State != ""
		}
	}
	return "", false
}

// CallStatus is a call's CallStatus, as Twilio posts it to a call's status
// callback, or a <Dial>'s DialCallStatus (which may also be answered).
type CallStatus string

// Twilio's call statuses.
const (
	CallQueued     CallStatus = "queued"
	CallInitiated  CallStatus = "initiated"
	CallRinging    CallStatus = "ringing"
	CallInProgress CallStatus = "in-progress"
	CallAnswered   CallStatus = "answered" // a <Dial>'s DialCallStatus only
	CallCompleted  CallStatus = "completed"
	CallBusy       CallStatus = "busy"
	CallNoAnswer   CallStatus = "no-answer"
	CallFailed     CallStatus = "failed"
	CallCanceled   CallStatus = "canceled"
)

// callStatuses is every call status: Final when a call ends in it,
// Answered when the called party picked up.
var callStatuses = []struct {
	Status          CallStatus
	Final, Answered bool
}{
	{Status: CallQueued},
	{Status: CallInitiated},
	{Status: CallRinging},
	{Status: CallInProgress},
	{Status: CallAnswered, Answered: true},
	{Status: CallCompleted, Final: true, Answered: true},
	{Status: CallBusy, Final: true},
	{Status: CallNoAnswer, Final: true},
	{Status: CallFailed, Final: true},
	{Status: CallCanceled, Final: true},
}

// ParseCallStatus reads a CallStatus or DialCallStatus; a value Twilio
// does not document is an error.
func ParseCallStatus(s string) (CallStatus, error) {
	for _, c := range callStatuses {
		if string(c.Status) == s {
			return c.Status, nil
		}
	}
	return "", fmt.Errorf("%q is not a Twilio call status", s)
}

// Final reports whether a call ends in status s (its last status
// callback): completed, busy, no-answer, failed or canceled.
func (s CallStatus) Final() bool {
	for _, c := range callStatuses {
		if c.Status == s {
			return c.Final
		}
	}
	return false
}

// Answered reports whether the called party picked up, whatever the
// length: completed, or a <Dial>'s answered.
func (s CallStatus) Answered() bool {
	for _, c := range callStatuses {
		if c.Status == s {
			return c.Answered
		}
	}
	return false
}

// Words is s for a person: "no answer" for no-answer.
func (s CallStatus) Words() string { return strings.ReplaceAll(string(s), "-", " ") }

// AnsweredBy is Twilio's answering machine detection verdict (AnsweredBy),
// when a call asked for one; "" when it did not.
type AnsweredBy string

// Twilio's AnsweredBy values.
const (
	AnsweredByHuman             AnsweredBy = "human"
	AnsweredByMachineStart      AnsweredBy = "machine_start"
	AnsweredByMachineEndBeep    AnsweredBy = "machine_end_beep"
	AnsweredByMachineEndSilence AnsweredBy = "machine_end_silence"
	AnsweredByMachineEndOther   AnsweredBy = "machine_end_other"
	AnsweredByFax               AnsweredBy = "fax"
	AnsweredByUnknown           AnsweredBy = "unknown"
)

// answeredBy is every verdict, Machine when no person answered (an
// answering machine or a fax: the call leaves the shorter voicemail).
var answeredBy = []struct {
	Value   AnsweredBy
	Machine bool
}{
	{Value: ""},
	{Value: AnsweredByHuman},
	{Value: AnsweredByMachineStart, Machine: true},
	{Value: AnsweredByMachineEndBeep, Machine: true},
	{Value: AnsweredByMachineEndSilence, Machine: true},
	{Value: AnsweredByMachineEndOther, Machine: true},
	{Value: AnsweredByFax, Machine: true},
	{Value: AnsweredByUnknown},
}

// ParseAnsweredBy reads an AnsweredBy ("" when the call asked for no
// detection). A value Twilio does not document is read as
// AnsweredByUnknown (Twilio could not tell: a person, as far as the call
// goes), with an error saying so.
func ParseAnsweredBy(s string) (AnsweredBy, error) {
	for _, a := range answeredBy {
		if string(a.Value) == s {
			return a.Value, nil
		}
	}
	return AnsweredByUnknown, fmt.Errorf("%q is not a Twilio AnsweredBy value", s)
}

// Machine reports whether an answering machine or a fax answered.
func (a AnsweredBy) Machine() bool {
	for _, v := range answeredBy {
		if v.Value == a {
			return v.Machine
		}
	}
	return false
}
