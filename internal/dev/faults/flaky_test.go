package faults_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/faults"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

// TestEachTwilioFaultReachesTheAdapterAsTwiliosOwn sends one message
// through a FlakyTwilio that always injects one fault, with the project's
// Twilio adapter, and checks what the adapter reports and whether the local
// Twilio accepted the message.
func TestEachTwilioFaultReachesTheAdapterAsTwiliosOwn(t *testing.T) {
	for _, tc := range []struct {
		fault      faults.TwilioFault
		status     int // the SendError's HTTP status; 0: no answer
		retryAfter bool
		accepted   bool
	}{
		{faults.TooManyRequests, http.StatusTooManyRequests, true, false},
		{faults.ServerError, http.StatusInternalServerError, false, false},
		{faults.BadGatewayHTML, http.StatusBadGateway, false, false},
		{faults.Unavailable, http.StatusServiceUnavailable, true, false},
		{faults.TimeoutAccepted, 0, false, true},
		{faults.TimeoutLost, 0, false, false},
	} {
		t.Run(string(tc.fault), func(t *testing.T) {
			tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken})
			if err != nil {
				t.Fatal(err)
			}
			defer tw.Close()
			fl, err := faults.NewFlakyTwilio(tw.URL(), faults.FlakyTwilioOptions{Fraction: 1, Faults: []faults.TwilioFault{tc.fault}, Hold: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			front := httptest.NewServer(fl)
			defer front.Close()
			c, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", BaseURL: front.URL, Timeout: 300 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.SendSMS(context.Background(), "+12125550123", "Thank you!", "http://127.0.0.1:3000/twilio/status?task=t1")
			var se *thankyou.SendError
			if !errors.As(err, &se) {
				t.Fatalf("SendSMS error = %v, want a *thankyou.SendError", err)
			}
			if se.Status != tc.status || !se.Temporary || (se.RetryAfter > 0) != tc.retryAfter {
				t.Errorf("SendError = %+v, want status %d, temporary, Retry-After %v", se, tc.status, tc.retryAfter)
			}
			if got := len(tw.Messages()); got != map[bool]int{true: 1}[tc.accepted] {
				t.Errorf("local Twilio accepted %d messages, want accepted=%v", got, tc.accepted)
			}
			ev := fl.Events()
			if len(ev) != 1 || ev[0].Fault != tc.fault || ev[0].To != "+12125550123" || ev[0].StatusCallback == "" {
				t.Errorf("events = %+v, want one %q for the request", ev, tc.fault)
			}
			// Listing (FindSent) is never faulted.
			if _, _, err := c.FindSent(context.Background(), "+12125550123", "", time.Now().Add(-time.Hour)); err != nil {
				t.Errorf("FindSent through the proxy: %v", err)
			}
		})
	}
}

func TestFlakyTwilioAtFractionZeroForwardsEverything(t *testing.T) {
	tw, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken})
	if err != nil {
		t.Fatal(err)
	}
	defer tw.Close()
	fl, err := faults.NewFlakyTwilio(tw.URL(), faults.FlakyTwilioOptions{})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(fl)
	defer front.Close()
	c, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", BaseURL: front.URL})
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := c.SendSMS(context.Background(), "+12125550123", "Thank you!", ""); err != nil {
			t.Fatalf("SendSMS: %v", err)
		}
	}
	if n := len(tw.Messages()); n != 20 || len(fl.Events()) != 0 {
		t.Errorf("accepted %d, faults %d; want 20 accepted and no fault", n, len(fl.Events()))
	}
}

func TestFlakyTwilioRefusesABadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		target string
		opts   faults.FlakyTwilioOptions
	}{
		{"localhost:8001", faults.FlakyTwilioOptions{}},
		{"http://127.0.0.1:8001", faults.FlakyTwilioOptions{Fraction: 2}},
		{"http://127.0.0.1:8001", faults.FlakyTwilioOptions{Faults: []faults.TwilioFault{"418 teapot"}}},
	} {
		if _, err := faults.NewFlakyTwilio(tc.target, tc.opts); err == nil {
			t.Errorf("NewFlakyTwilio(%q, %+v) = nil error, want one", tc.target, tc.opts)
		}
	}
}
