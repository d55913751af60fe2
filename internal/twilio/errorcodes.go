package twilio

import (
	"fmt"
	"strconv"
)

// ErrorCode is one of Twilio's error codes: a refusal's code (20003,
// 21211...) or a status callback's ErrorCode (30003...); 0 for none.
type ErrorCode int

// The error codes this service gives a meaning.
const (
	CodeInvalidNumber      ErrorCode = 21211
	CodeRegionNotPermitted ErrorCode = 21408
	CodeUnsubscribed       ErrorCode = 21610
	CodeUnreachableFrom    ErrorCode = 21612
	CodeNotMobile          ErrorCode = 21614
	CodeUnreachable        ErrorCode = 30003
	CodeUnknownDestination ErrorCode = 30005
	CodeLandline           ErrorCode = 30006
)

// errorCodes is every error code with its meaning. OptedOut: the
// recipient unsubscribed (STOP), which Twilio knows even when this service
// missed it. Lasting: sending the same message to the same number again
// will fail the same way, unless that was fixed.
var errorCodes = []struct {
	Code     ErrorCode
	Meaning  string
	OptedOut bool
	Lasting  bool
}{
	{Code: CodeInvalidNumber, Meaning: "invalid 'To' number", Lasting: true},
	{Code: CodeRegionNotPermitted, Meaning: "no permission to send to that region", Lasting: true},
	{Code: CodeUnsubscribed, Meaning: "recipient unsubscribed", OptedOut: true, Lasting: true},
	{Code: CodeUnreachableFrom, Meaning: "the number cannot be reached from the sender", Lasting: true},
	{Code: CodeNotMobile, Meaning: "not a mobile number", Lasting: true},
	{Code: CodeUnreachable, Meaning: "unreachable handset (off or out of coverage)"},
	{Code: CodeUnknownDestination, Meaning: "unknown destination handset"},
	{Code: CodeLandline, Meaning: "landline or unreachable carrier"},
}

// maxErrorDigits bounds an error code: Twilio's have five digits.
const maxErrorDigits = 5

// ParseErrorCode reads a callback's ErrorCode: "" is 0 (none); anything
// but a code of one to five digits is an error.
func ParseErrorCode(s string) (ErrorCode, error) {
	if s == "" {
		return 0, nil
	}
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' || i == maxErrorDigits {
			return 0, fmt.Errorf("ErrorCode %q is not a Twilio error code", s)
		}
		n = n*10 + int(s[i]-'0')
	}
	return ErrorCode(n), nil
}

func (c ErrorCode) info() (meaning string, optedOut, lasting bool) {
	for _, e := range errorCodes {
		if e.Code == c {
			return e.Meaning, e.OptedOut, e.Lasting
		}
	}
	return "", false, false
}

// Meaning is what code c says, "" for a code without one here.
func (c ErrorCode) Meaning() string {
	m, _, _ := c.info()
	return m
}

// OptedOut reports whether c says the recipient unsubscribed.
func (c ErrorCode) OptedOut() bool {
	_, out, _ := c.info()
	return out
}

// Lasting reports whether c is a refusal that sending again does not
// cure (an invalid number, an unsubscribed recipient...).
func (c ErrorCode) Lasting() bool {
	_, _, lasting := c.info()
	return lasting
}

// Reason is the reason recorded on a task for code c: its meaning and
// the code ("recipient unsubscribed (Twilio 21610)"), "Twilio error N"
// for a code without a meaning here, "" for 0.
func (c ErrorCode) Reason() string {
	if c == 0 {
		return ""
	}
	if m := c.Meaning(); m != "" {
		return fmt.Sprintf("%s (Twilio %d)", m, c)
	}
	return "Twilio error " + strconv.Itoa(int(c))
}
