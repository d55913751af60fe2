package twiliotest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestSegmentsCountLikeTwilio(t *testing.T) {
	tests := []struct {
		body string
		want int
	}{
		{"", 0},
		{"Thanks!", 1},
		{strings.Repeat("a", 160), 1},
		{strings.Repeat("a", 161), 2},
		{strings.Repeat("a", 306), 2},
		{strings.Repeat("a", 307), 3},
		{strings.Repeat("€", 80), 1},  // two septets each: 160
		{strings.Repeat("€", 81), 2},  // 162 septets
		{strings.Repeat("é", 160), 1}, // é is in GSM-7
		{strings.Repeat("ç", 70), 1},  // ç is not: UCS-2
		{strings.Repeat("ç", 71), 2},
		{strings.Repeat("👍", 35), 1}, // a surrogate pair each: 70 units
		{strings.Repeat("👍", 36), 2},
	}
	for _, tt := range tests {
		if got := segments(tt.body); got != tt.want {
			t.Errorf("segments(%d runes of %q) = %d, want %d", len([]rune(tt.body)), []rune(tt.body + " ")[0], got, tt.want)
		}
	}
}

func FuzzParseDateFilter(f *testing.F) {
	for _, s := range []string{"2026-11-23", "2026-11-23T15:04:05Z", "Mon, 23 Nov 2026 16:00:00 +0000", "", "06/11/2019 22:05:25 MST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseDateFilter(s)
		if err != nil {
			return
		}
		if got.Location() != time.UTC || !got.Equal(got.Truncate(24*time.Hour)) {
			t.Errorf("parseDateFilter(%q) = %v, want a UTC midnight", s, got)
		}
	})
}

// FuzzCreateMessage posts arbitrary Create Message parameters: the server
// answers 201 or a 4xx Twilio error, never anything else.
func FuzzCreateMessage(f *testing.F) {
	f.Add("+14155550123", "+14155550100", "", "Thanks!", "https://example.com/cb")
	f.Add("4155550123", "", "MG0123456789abcdef0123456789abcdef", "", "")
	f.Add("+1", "Shop", "", strings.Repeat("x", 1601), "ftp://x")
	f.Add("whatsapp:+14155550123", "12345", "MG1", "hi", "http://under_score.example/cb")
	srv, err := NewServer(Options{AccountSID: "AC0123456789abcdef0123456789abcdef", AuthToken: "token"})
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	h := srv.routes()
	f.Fuzz(func(t *testing.T, to, from, service, body, callback string) {
		form := url.Values{"To": {to}, "From": {from}, "MessagingServiceSid": {service}, "Body": {body}, "StatusCallback": {callback}}
		req := httptest.NewRequest(http.MethodPost, "/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages.json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("AC0123456789abcdef0123456789abcdef", "token")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusCreated && w.Code != http.StatusBadRequest {
			t.Errorf("answer %d %s, want 201 or 400", w.Code, w.Body)
		}
		if w.Code == http.StatusCreated && !e164Pattern.MatchString(to) {
			t.Errorf("accepted To %q, which is not E.164", to)
		}
	})
}
