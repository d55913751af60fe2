package twilio

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	twapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Answering machine detection modes for CallOptions.MachineDetection.
const (
	// MachineDetectionEnable asks Twilio to say who answered (AnsweredBy
	// "human" or "machine_start"...) as soon as it can tell.
	MachineDetectionEnable = "Enable"
	// MachineDetectionMessageEnd asks Twilio to wait for the end of an
	// answering machine's greeting (AnsweredBy "machine_end_beep"...), to
	// leave a message.
	MachineDetectionMessageEnd = "DetectMessageEnd"
)

// MaxRingTimeout is Twilio's limit on CallOptions.Timeout.
const MaxRingTimeout = 600 * time.Second

// CallOptions tunes a call started with StartCall.
type CallOptions struct {
	// MachineDetection is "" (none), MachineDetectionEnable or
	// MachineDetectionMessageEnd.
	MachineDetection string
	// Timeout is how long the phone may ring before Twilio gives up
	// (no-answer), rounded up to whole seconds; zero means Twilio's default
	// (60 s). It must not exceed MaxRingTimeout.
	Timeout time.Duration
}

// StartCall asks Twilio to call the E.164 number to from the caller id
// from (the shop's voice number; "" means Config.From), and to fetch the
// call's TwiML with a POST to twimlURL when it is answered. When
// statusCallback is not "", Twilio posts the initiated, ringing, answered
// and completed events to it. StartCall returns the new call's SID.
//
// Bad arguments give a *thankyou.Error with code EINVALID and send
// nothing. When Twilio does not accept the call the error wraps a
// *thankyou.SendError classified as SendSMS's are: temporary for 429, 5xx,
// timeouts and connection errors (after which Twilio may have accepted the
// call), final for other refusals.
func (c *Client) StartCall(ctx context.Context, to, from, twimlURL, statusCallback string, opts CallOptions) (sid string, err error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("start call to %s: %w", phone.Mask(to), err)
	}
	if from == "" {
		from = c.from
	}
	if err := checkCall(to, from, twimlURL, statusCallback, opts); err != nil {
		return "", err
	}
	params := &twapi.CreateCallParams{}
	params.SetTo(to)
	params.SetFrom(from)
	params.SetUrl(twimlURL)
	params.SetMethod(http.MethodPost)
	if statusCallback != "" {
		params.SetStatusCallback(statusCallback)
		params.SetStatusCallbackEvent([]string{"initiated", "ringing", "answered", "completed"})
		params.SetStatusCallbackMethod(http.MethodPost)
	}
	if opts.MachineDetection != "" {
		params.SetMachineDetection(opts.MachineDetection)
	}
	if opts.Timeout > 0 {
		params.SetTimeout(int((opts.Timeout + time.Second - 1) / time.Second))
	}
	var call *twapi.ApiV2010Call
	err = c.do(ctx, func(api *twapi.ApiService) (err error) {
		call, err = api.CreateCall(params)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("start call to %s: %w", phone.Mask(to), err)
	}
	if call.Sid == nil || *call.Sid == "" {
		// Accepted, but we cannot tell which call it is.
		return "", fmt.Errorf("start call to %s: %w", phone.Mask(to),
			&thankyou.SendError{Status: http.StatusCreated, Message: "answer carries no call sid", Temporary: true})
	}
	return *call.Sid, nil
}

// checkCall checks StartCall's arguments.
func checkCall(to, from, twimlURL, statusCallback string, opts CallOptions) error {
	switch {
	case to == "" || from == "":
		return thankyou.Errorf(thankyou.EINVALID, "a call needs a number to call and a caller id")
	case !absoluteURL(twimlURL):
		return thankyou.Errorf(thankyou.EINVALID, "a call needs an absolute http(s) TwiML URL")
	case statusCallback != "" && !absoluteURL(statusCallback):
		return thankyou.Errorf(thankyou.EINVALID, "a call's status callback must be an absolute http(s) URL")
	case opts.MachineDetection != "" && opts.MachineDetection != MachineDetectionEnable && opts.MachineDetection != MachineDetectionMessageEnd:
		return thankyou.Errorf(thankyou.EINVALID, "machine detection must be %q or %q", MachineDetectionEnable, MachineDetectionMessageEnd)
	case opts.Timeout < 0 || opts.Timeout > MaxRingTimeout:
		return thankyou.Errorf(thankyou.EINVALID, "a call's ring timeout must be between 0 and %s", MaxRingTimeout)
	}
	return nil
}

func absoluteURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
