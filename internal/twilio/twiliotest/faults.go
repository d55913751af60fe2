package twiliotest

import (
	"net/http"
	"time"
)

// InvalidNumber refuses a message as Twilio does when To is not a valid
// phone number: 400, code 21211.
func InvalidNumber() Fault {
	return Fault{Status: http.StatusBadRequest, Code: 21211, Message: "The 'To' number {To} is not a valid phone number."}
}

// Unsubscribed refuses a message as Twilio does when the recipient texted
// STOP to the sender: 400, code 21610.
func Unsubscribed() Fault {
	return Fault{Status: http.StatusBadRequest, Code: 21610, Message: "Attempt to send to unsubscribed recipient"}
}

// NotMobile refuses a message as Twilio does when To is a landline: 400,
// code 21614.
func NotMobile() Fault {
	return Fault{Status: http.StatusBadRequest, Code: 21614, Message: "'To' number {To} is not a valid mobile number"}
}

// TooManyRequests refuses a message as Twilio does when the account is over
// its rate: 429, code 20429, with a Retry-After header when retryAfter is
// positive.
func TooManyRequests(retryAfter time.Duration) Fault {
	return Fault{Status: http.StatusTooManyRequests, Code: 20429, Message: "Too Many Requests", RetryAfter: retryAfter}
}

// ServerError answers as Twilio does when it fails inside: 500, code 20500.
func ServerError() Fault {
	return Fault{Status: http.StatusInternalServerError, Code: 20500, Message: "An internal server error has occurred"}
}

// BadGatewayHTML answers 502 with an HTML page, as a load balancer in front
// of Twilio does.
func BadGatewayHTML() Fault {
	return Fault{Status: http.StatusBadGateway, HTML: true}
}

// Timeout holds the answer for d and then accepts the message, as Twilio
// does when it is slow: a client that gave up earlier does not learn that
// its message was sent. Make d longer than the client's timeout.
func Timeout(d time.Duration) Fault {
	return Fault{Delay: d}
}
