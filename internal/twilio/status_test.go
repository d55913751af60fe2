package twilio_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

func TestMessageStatusesRecordTheirTaskState(t *testing.T) {
	tests := []struct {
		in    string
		state thankyou.State // "": interim, nothing recorded
	}{
		{"queued", ""},
		{"accepted", ""},
		{"scheduled", ""},
		{"sending", ""},
		{"sent", thankyou.StateSent},
		{"delivered", thankyou.StateDelivered},
		{"read", thankyou.StateDelivered},
		{"undelivered", thankyou.StateUndelivered},
		{"failed", thankyou.StateFailed},
		{"canceled", ""},
		{"partially_delivered", ""},
		{"receiving", ""},
		{"received", ""},
	}
	for _, tt := range tests {
		s, err := twilio.ParseMessageStatus(tt.in)
		if err != nil || string(s) != tt.in {
			t.Fatalf("ParseMessageStatus(%q) = %q, %v", tt.in, s, err)
		}
		state, ok := s.State()
		if state != tt.state || ok != (tt.state != "") {
			t.Errorf("%s.State() = %q, %v; want %q", s, state, ok, tt.state)
		}
		if ok && state.Rank() == 0 {
			t.Errorf("%s records %s, which the state table does not rank as a Twilio state", s, state)
		}
	}
	for _, bad := range []string{"", "Delivered", "delivered ", "DELIVERED", "unknown", "no-answer"} {
		if s, err := twilio.ParseMessageStatus(bad); err == nil {
			t.Errorf("ParseMessageStatus(%q) = %q, want an error", bad, s)
		}
	}
}

func TestCallStatusesSayWhetherTheCallEndedAndWasAnswered(t *testing.T) {
	tests := []struct {
		in              string
		final, answered bool
	}{
		{"queued", false, false},
		{"initiated", false, false},
		{"ringing", false, false},
		{"in-progress", false, false},
		{"answered", false, true},
		{"completed", true, true},
		{"busy", true, false},
		{"no-answer", true, false},
		{"failed", true, false},
		{"canceled", true, false},
	}
	for _, tt := range tests {
		s, err := twilio.ParseCallStatus(tt.in)
		if err != nil || string(s) != tt.in {
			t.Fatalf("ParseCallStatus(%q) = %q, %v", tt.in, s, err)
		}
		if s.Final() != tt.final || s.Answered() != tt.answered {
			t.Errorf("%s: final %v answered %v, want %v %v", s, s.Final(), s.Answered(), tt.final, tt.answered)
		}
	}
	if got := twilio.CallNoAnswer.Words(); got != "no answer" {
		t.Errorf("no-answer in words = %q", got)
	}
	for _, bad := range []string{"", "Completed", "no_answer", "delivered", "cancelled"} {
		if s, err := twilio.ParseCallStatus(bad); err == nil {
			t.Errorf("ParseCallStatus(%q) = %q, want an error", bad, s)
		}
	}
}

func TestAnsweredByTellsMachinesFromPeople(t *testing.T) {
	tests := []struct {
		in      string
		want    twilio.AnsweredBy
		machine bool
		known   bool
	}{
		{"", "", false, true},
		{"human", twilio.AnsweredByHuman, false, true},
		{"unknown", twilio.AnsweredByUnknown, false, true},
		{"machine_start", twilio.AnsweredByMachineStart, true, true},
		{"machine_end_beep", twilio.AnsweredByMachineEndBeep, true, true},
		{"machine_end_silence", twilio.AnsweredByMachineEndSilence, true, true},
		{"machine_end_other", twilio.AnsweredByMachineEndOther, true, true},
		{"fax", twilio.AnsweredByFax, true, true},
		{"robot", twilio.AnsweredByUnknown, false, false},
		{"Human", twilio.AnsweredByUnknown, false, false},
	}
	for _, tt := range tests {
		got, err := twilio.ParseAnsweredBy(tt.in)
		if got != tt.want || (err == nil) != tt.known || got.Machine() != tt.machine {
			t.Errorf("ParseAnsweredBy(%q) = %q (machine %v), %v; want %q (machine %v), known %v", tt.in, got, got.Machine(), err, tt.want, tt.machine, tt.known)
		}
	}
}

func TestErrorCodesCarryTheirMeaning(t *testing.T) {
	tests := []struct {
		in                string
		want              twilio.ErrorCode
		optedOut, lasting bool
		reason            string
	}{
		{"", 0, false, false, ""},
		{"21610", twilio.CodeUnsubscribed, true, true, "recipient unsubscribed (Twilio 21610)"},
		{"21211", twilio.CodeInvalidNumber, false, true, "invalid 'To' number (Twilio 21211)"},
		{"21614", twilio.CodeNotMobile, false, true, "not a mobile number (Twilio 21614)"},
		{"30003", twilio.CodeUnreachable, false, false, "unreachable handset (off or out of coverage) (Twilio 30003)"},
		{"30006", twilio.CodeLandline, false, false, "landline or unreachable carrier (Twilio 30006)"},
		{"30008", 30008, false, false, "Twilio error 30008"},
	}
	for _, tt := range tests {
		c, err := twilio.ParseErrorCode(tt.in)
		if err != nil || c != tt.want {
			t.Fatalf("ParseErrorCode(%q) = %d, %v; want %d", tt.in, c, err, tt.want)
		}
		if c.OptedOut() != tt.optedOut || c.Lasting() != tt.lasting || c.Reason() != tt.reason {
			t.Errorf("%d: opted out %v, lasting %v, reason %q; want %v, %v, %q", c, c.OptedOut(), c.Lasting(), c.Reason(), tt.optedOut, tt.lasting, tt.reason)
		}
		if tt.lasting && c.Meaning() == "" {
			t.Errorf("%d is lasting but has no meaning to tell the operator", c)
		}
	}
	for _, bad := range []string{"x", "-1", "+21610", " 21610", "21610 ", "1e3", "123456", "99999999999999999999"} {
		if c, err := twilio.ParseErrorCode(bad); err == nil {
			t.Errorf("ParseErrorCode(%q) = %d, want an error", bad, c)
		}
	}
}

func TestCallbackURLsNameTheirTask(t *testing.T) {
	for _, id := range []string{"shopify:1001", "a b&c=d", "ünïcode#frag"} {
		for _, path := range twilio.Paths() {
			raw := twilio.CallbackURL("https://api.example.com", path, id)
			u, err := url.Parse(raw)
			if err != nil || u.Path != path || u.Host != "api.example.com" {
				t.Fatalf("CallbackURL(%q, %q) = %q, %v", path, id, raw, err)
			}
			if got, ok := twilio.CallbackTask(u.RawQuery); !ok || got != id {
				t.Errorf("CallbackTask(%q) = %q, %v; want %q", u.RawQuery, got, ok, id)
			}
		}
	}
	if got := twilio.StatusCallbackURL("https://h", "shopify:1"); got != "https://h/twilio/status?task=shopify%3A1" {
		t.Errorf("StatusCallbackURL = %q", got)
	}
	for _, q := range []string{"", "task=", "other=1", "%zz"} {
		if got, ok := twilio.CallbackTask(q); ok {
			t.Errorf("CallbackTask(%q) = %q, want none", q, got)
		}
	}
}

func FuzzParseMessageStatus(f *testing.F) {
	for _, s := range []string{"", "sent", "delivered", "read", "undelivered", "failed", "queued", "DELIVERED", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := twilio.ParseMessageStatus(in)
		if err != nil {
			if s != "" {
				t.Errorf("ParseMessageStatus(%q) = %q with an error", in, s)
			}
			return
		}
		if string(s) != in {
			t.Errorf("ParseMessageStatus(%q) = %q", in, s)
		}
		if state, ok := s.State(); ok && (!state.Valid() || state.Rank() == 0) {
			t.Errorf("%q records %q, not a Twilio task state", in, state)
		}
	})
}

func FuzzParseCallStatus(f *testing.F) {
	for _, s := range []string{"", "completed", "answered", "no-answer", "in-progress", "busy", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := twilio.ParseCallStatus(in)
		if err != nil {
			if s != "" || s.Final() || s.Answered() {
				t.Errorf("ParseCallStatus(%q) = %q with an error", in, s)
			}
			return
		}
		if string(s) != in {
			t.Errorf("ParseCallStatus(%q) = %q", in, s)
		}
	})
}

func FuzzParseAnsweredBy(f *testing.F) {
	for _, s := range []string{"", "human", "machine_end_beep", "fax", "unknown", "machine_future"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := twilio.ParseAnsweredBy(in)
		switch {
		case err != nil && (a != twilio.AnsweredByUnknown || a.Machine()):
			t.Errorf("ParseAnsweredBy(%q) = %q, %v; want unknown, a person", in, a, err)
		case err == nil && string(a) != in:
			t.Errorf("ParseAnsweredBy(%q) = %q", in, a)
		}
	})
}

func FuzzParseErrorCode(f *testing.F) {
	for _, s := range []string{"", "0", "21610", "30003", "007", "-1", "99999", "100000", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := twilio.ParseErrorCode(in)
		if err != nil {
			if c != 0 {
				t.Errorf("ParseErrorCode(%q) = %d with an error", in, c)
			}
			return
		}
		if c < 0 || c > 99999 {
			t.Errorf("ParseErrorCode(%q) = %d, outside Twilio's five digits", in, c)
		}
		if in != "" {
			if n, err := strconv.Atoi(in); err != nil || n != int(c) {
				t.Errorf("ParseErrorCode(%q) = %d, want %d", in, c, n)
			}
		}
	})
}

func FuzzCallbackTask(f *testing.F) {
	for _, s := range []string{"shopify:1001", "a&b=c", "", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		u, err := url.Parse(twilio.CallbackURL("https://h", twilio.VoicePath, id))
		if err != nil {
			t.Fatalf("CallbackURL(%q) is not a URL: %v", id, err)
		}
		got, ok := twilio.CallbackTask(u.RawQuery)
		if ok != (id != "") || got != id {
			t.Errorf("CallbackTask of %q's URL = %q, %v", id, got, ok)
		}
	})
}
