package thankyou

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP edges map them to statuses in one place; users see
// the message, internals (the wrapped error) go to the log.
const (
	EINVALID      = "invalid"      // bad input: 400
	ETOOLARGE     = "too_large"    // body over the limit: 413 or 400
	EUNAUTHORIZED = "unauthorized" // missing or bad signature: 401
	EFORBIDDEN    = "forbidden"    // bad Twilio signature: 403
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // a conditional write lost: 409
	EINTERNAL     = "internal"     // anything else: 500
)

// Error is the application's error: a code, a message safe to show to the
// caller, and optionally the underlying error for the log.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the given code and message around err.
func WrapError(code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of the first *Error in err's
// chain, or a generic message for any other error.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrNotClaimable is returned by a store when a claim or a lease-guarded
// update lost its condition: another dispatcher has the task, or it is no
// longer due.
var ErrNotClaimable = &Error{Code: ECONFLICT, Message: "task not claimable"}
