package twilio

import (
	"strings"
	"testing"
	"time"
)

func TestRetryAfterIsReadAsSecondsOrDate(t *testing.T) {
	now := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"30", 30 * time.Second, true},
		{" 7 ", 7 * time.Second, true},
		{"0", 0, true},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"99999999999", maxRetryAfter, true},
		{"999999999999999999999999", maxRetryAfter, true},
		{"Mon, 23 Nov 2026 16:02:00 GMT", 2 * time.Minute, true},
		{"Mon, 23 Nov 2026 15:00:00 GMT", 0, true},
		{"Wed, 23 Dec 2026 16:00:00 GMT", maxRetryAfter, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"", "30", "0", "-1", "99999999999999999999", "Mon, 23 Nov 2026 16:02:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "garbage"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if d < 0 || d > maxRetryAfter {
			t.Errorf("parseRetryAfter(%q) = %v, outside [0, %v]", v, d, maxRetryAfter)
		}
		if !ok && d != 0 {
			t.Errorf("parseRetryAfter(%q) = %v, false; want 0 when unreadable", v, d)
		}
	})
}

func TestTwilioTimesAreRead(t *testing.T) {
	want := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	for _, s := range []string{"Mon, 23 Nov 2026 16:00:00 +0000", "Mon, 23 Nov 2026 16:00:00 GMT", "2026-11-23T16:00:00Z", "Mon, 23 Nov 2026 08:00:00 -0800"} {
		got, err := parseTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "nostrud non in dolore", "23/11/2026"} {
		if _, err := parseTime(s); err == nil {
			t.Errorf("parseTime(%q) = nil error, want one", s)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"Mon, 23 Nov 2026 16:00:00 +0000", "2026-11-23T16:00:00Z", "", "Mon, 23 Nov 2026 16:00:00 GMT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		if err == nil {
			// What parses must say the same when written back.
			back, err := parseTime(got.Format(time.RFC3339Nano))
			if err != nil || !back.Equal(got) {
				t.Errorf("parseTime(%q) = %v, which does not read back (%v, %v)", s, got, back, err)
			}
		} else if !got.IsZero() {
			t.Errorf("parseTime(%q) = %v with error %v, want zero time", s, got, err)
		}
	})
}

func TestRefusalMessagesHidePhoneNumbers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"The 'To' number +14155550123 is not a valid phone number.", "The 'To' number +1********23 is not a valid phone number."},
		{"To number: 4155550123, is not a mobile number", "To number: ********23, is not a mobile number"},
		{"Attempt to send to unsubscribed recipient", "Attempt to send to unsubscribed recipient"},
		{"code 21211 and 20003 stay", "code 21211 and 20003 stay"},
	}
	for _, tt := range tests {
		if got := scrubNumbers(tt.in); got != tt.want {
			t.Errorf("scrubNumbers(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzScrubNumbers(f *testing.F) {
	f.Add("The 'To' number +14155550123 is not a valid phone number.")
	f.Add("+447911123456 and 4155550123")
	f.Fuzz(func(t *testing.T, s string) {
		got := scrubNumbers(s)
		if m := numberPattern().FindString(got); m != "" {
			t.Errorf("scrubNumbers(%q) = %q still holds %q", s, got, m)
		}
		if strings.Count(got, "*") < strings.Count(s, "*") {
			t.Errorf("scrubNumbers(%q) = %q lost characters", s, got)
		}
	})
}
