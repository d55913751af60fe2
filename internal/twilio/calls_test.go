package twilio_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

const (
	voiceNumber = "+14155550111"
	twimlURL    = "https://example.com/twilio/voice?task=t-1"
)

var callSIDPattern = regexp.MustCompile(`^CA[0-9a-f]{32}$`)

func TestStartCallReachesLocalTwilio(t *testing.T) {
	tests := []struct {
		name        string
		from        string
		callback    string
		opts        twilio.CallOptions
		wantFrom    string
		wantEvents  []string
		wantTimeout int
	}{
		{"shop's caller id, events, machine detection", voiceNumber, callback,
			twilio.CallOptions{MachineDetection: twilio.MachineDetectionEnable, Timeout: 25 * time.Second},
			voiceNumber, []string{"initiated", "ringing", "answered", "completed"}, 25},
		{"message end detection, timeout rounded up", voiceNumber, callback,
			twilio.CallOptions{MachineDetection: twilio.MachineDetectionMessageEnd, Timeout: 1500 * time.Millisecond},
			voiceNumber, []string{"initiated", "ringing", "answered", "completed"}, 2},
		{"default caller id, no callback", "", "", twilio.CallOptions{}, sender, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mustServer(t, twiliotest.Options{})
			c := mustClient(t, srv, nil)
			sid, err := c.StartCall(context.Background(), customer, tt.from, twimlURL, tt.callback, tt.opts)
			if err != nil {
				t.Fatalf("StartCall: %v", err)
			}
			if !callSIDPattern.MatchString(sid) {
				t.Errorf("sid = %q, want CA and 32 hex digits", sid)
			}
			calls := srv.Calls()
			if len(calls) != 1 {
				t.Fatalf("server accepted %d calls, want 1", len(calls))
			}
			got := calls[0]
			wantCallbackMethod := "POST" // the server's default when none is sent
			if got.SID != sid || got.To != customer || got.From != tt.wantFrom || got.URL != twimlURL || got.Method != "POST" ||
				got.StatusCallback != tt.callback || got.StatusCallbackMethod != wantCallbackMethod ||
				!slices.Equal(got.StatusCallbackEvents, tt.wantEvents) || got.MachineDetection != tt.opts.MachineDetection ||
				got.Timeout != tt.wantTimeout || got.Status != "queued" {
				t.Errorf("accepted call = %+v, want from %s, events %v, machine detection %q, timeout %d",
					got, tt.wantFrom, tt.wantEvents, tt.opts.MachineDetection, tt.wantTimeout)
			}
		})
	}
}

func TestStartCallErrorsAreClassified(t *testing.T) {
	tests := []struct {
		name          string
		fault         twiliotest.Fault
		timeout       time.Duration
		wantStatus    int
		wantCode      int
		wantTemporary bool
		wantRetry     time.Duration
	}{
		{name: "invalid number", fault: twiliotest.InvalidNumber(), wantStatus: 400, wantCode: 21211},
		{name: "too many requests", fault: twiliotest.TooManyRequests(30 * time.Second), wantStatus: 429, wantCode: 20429, wantTemporary: true, wantRetry: 30 * time.Second},
		{name: "server error", fault: twiliotest.ServerError(), wantStatus: 500, wantCode: 20500, wantTemporary: true},
		{name: "bad gateway with HTML", fault: twiliotest.BadGatewayHTML(), wantStatus: 502, wantTemporary: true},
		{name: "timeout", fault: twiliotest.Timeout(time.Minute), timeout: 100 * time.Millisecond, wantTemporary: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mustServer(t, twiliotest.Options{})
			srv.InjectCall(tt.fault)
			c := mustClient(t, srv, func(cfg *twilio.Config) { cfg.Timeout = tt.timeout })

			sid, err := c.StartCall(context.Background(), customer, voiceNumber, twimlURL, callback, twilio.CallOptions{})
			var se *thankyou.SendError
			if !errors.As(err, &se) {
				t.Fatalf("StartCall = %q, %v; want an error wrapping a *thankyou.SendError", sid, err)
			}
			if se.Status != tt.wantStatus || se.Code != tt.wantCode || se.Temporary != tt.wantTemporary || se.RetryAfter != tt.wantRetry {
				t.Errorf("SendError = {Status %d, Code %d, Temporary %v, RetryAfter %v}, want {%d, %d, %v, %v}",
					se.Status, se.Code, se.Temporary, se.RetryAfter, tt.wantStatus, tt.wantCode, tt.wantTemporary, tt.wantRetry)
			}
			if strings.Contains(err.Error(), customer) {
				t.Errorf("error %q shows the phone number in clear", err)
			}
			if got := srv.CallRequests(); got != 1 {
				t.Errorf("server got %d create call requests, want 1", got)
			}
		})
	}
	t.Run("wrong auth token", func(t *testing.T) {
		srv := mustServer(t, twiliotest.Options{})
		c := mustClient(t, srv, func(cfg *twilio.Config) { cfg.AuthToken = "wrongtoken0123456789abcdef012345" })
		_, err := c.StartCall(context.Background(), customer, voiceNumber, twimlURL, callback, twilio.CallOptions{})
		var se *thankyou.SendError
		if !errors.As(err, &se) || se.Status != 401 || se.Code != 20003 || se.Temporary {
			t.Errorf("StartCall error = %v, want a final 401 20003 *thankyou.SendError", err)
		}
	})
}

func TestStartCallRefusesBadArgumentsWithoutCalling(t *testing.T) {
	tests := []struct {
		name              string
		to, from, url, cb string
		opts              twilio.CallOptions
	}{
		{"no number to call", "", voiceNumber, twimlURL, callback, twilio.CallOptions{}},
		{"no TwiML URL", customer, voiceNumber, "", callback, twilio.CallOptions{}},
		{"relative TwiML URL", customer, voiceNumber, "/twilio/voice", callback, twilio.CallOptions{}},
		{"bad status callback", customer, voiceNumber, twimlURL, "status", twilio.CallOptions{}},
		{"unknown machine detection", customer, voiceNumber, twimlURL, callback, twilio.CallOptions{MachineDetection: "Always"}},
		{"negative timeout", customer, voiceNumber, twimlURL, callback, twilio.CallOptions{Timeout: -time.Second}},
		{"timeout over Twilio's limit", customer, voiceNumber, twimlURL, callback, twilio.CallOptions{Timeout: twilio.MaxRingTimeout + time.Second}},
	}
	srv := mustServer(t, twiliotest.Options{})
	c := mustClient(t, srv, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.StartCall(context.Background(), tt.to, tt.from, tt.url, tt.cb, tt.opts)
			if got := thankyou.ErrorCode(err); got != thankyou.EINVALID {
				t.Errorf("StartCall error = %v (code %q), want %s", err, got, thankyou.EINVALID)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.StartCall(ctx, customer, voiceNumber, twimlURL, callback, twilio.CallOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("StartCall with a done context = %v, want context.Canceled", err)
	}
	if got := srv.CallRequests(); got != 0 {
		t.Errorf("server got %d create call requests, want 0", got)
	}
}
