package operator

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
)

func TestDatesAreDaysInUTCOrRFC3339Times(t *testing.T) {
	tests := []struct {
		in       string
		endOfDay bool
		want     time.Time
		ok       bool
	}{
		{"2026-11-23", false, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), true},
		{"2026-11-23", true, time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), true},
		{"2026-12-31", true, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{" 2026-11-23 ", false, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), true},
		{"2026-11-23T15:04:05Z", true, time.Date(2026, 11, 23, 15, 4, 5, 0, time.UTC), true},
		{"2026-11-23T10:00:00-05:00", false, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), true},
		{"23/11/2026", false, time.Time{}, false},
		{"2026-11-31", false, time.Time{}, false},
		{"yesterday", false, time.Time{}, false},
		{"", false, time.Time{}, false},
	}
	for _, tt := range tests {
		got, err := parseDate("since", tt.in, tt.endOfDay)
		if (err == nil) != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q, %v) = %s, %v; want %s, ok %v", tt.in, tt.endOfDay, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "--since") {
			t.Errorf("parseDate(%q) error %q does not name the flag", tt.in, err)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-23", "2026-11-23T15:04:05Z", "2026-11-23T10:00:00+14:00", "0000-01-01", "9999-12-31", "x"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, endOfDay bool) {
		got, err := parseDate("until", s, endOfDay)
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("parseDate(%q) = %s, not in UTC", s, got)
		}
		if day, derr := time.Parse(dayLayout, strings.TrimSpace(s)); derr == nil && endOfDay && !got.Equal(day.AddDate(0, 0, 1)) {
			t.Fatalf("parseDate(%q, end of day) = %s, want the next midnight", s, got)
		}
	})
}

func TestReasonsShowNoPhoneNumberOrEmailInClear(t *testing.T) {
	tests := []struct{ in, want string }{
		{"send refused: http 400: code 21211: The 'To' number +14155550123 is not a valid phone number.",
			"send refused: http 400: code 21211: The 'To' number +1********23 is not a valid phone number."},
		{"number +1 (212) 555-0123 unreachable", "number +1********23 unreachable"},
		{"bare 14155550123 digits", "bare *********23 digits"},
		{"write to jane.doe+shop@example.com (email)", "write to (email) (email)"},
		// Dates, amounts, codes and order numbers stay readable.
		{"not sent by its deadline 2026-11-26T15:00:00Z", "not sent by its deadline 2026-11-26T15:00:00Z"},
		{"order total 1234567.00 is below the minimum 25.00", "order total 1234567.00 is below the minimum 25.00"},
		{"gave up after 5 attempts: code 30003", "gave up after 5 attempts: code 30003"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := scrub(tt.in); got != tt.want {
			t.Errorf("scrub(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzScrub(f *testing.F) {
	for _, s := range []string{"The 'To' number +14155550123 is not valid", "a@b.c", "+1 (212) 555-0123", "2026-11-26T15:00:00Z", "\xff+9999999"} {
		f.Add(s)
	}
	longDigits := regexp.MustCompile(`\d{9,}`)
	f.Fuzz(func(t *testing.T, s string) {
		got := scrub(s)
		if longDigits.MatchString(got) {
			t.Fatalf("scrub(%q) = %q keeps a run of 9 digits", s, got)
		}
		if strings.Contains(got, "@") && quotedEmail.MatchString(got) {
			t.Fatalf("scrub(%q) = %q keeps an email", s, got)
		}
	})
}

func TestProgressLineDrawsABarWhenTheTotalIsKnown(t *testing.T) {
	tests := []struct {
		p    dynamo.Progress
		want string
	}{
		{dynamo.Progress{Step: "scan", Pages: 1, Items: 250, Total: 1000}, "Scanning the table [######..................]  25% 1 page, 250 of ~1000 items"},
		{dynamo.Progress{Step: "scan", Pages: 9, Items: 1200, Total: 1000}, "Scanning the table [########################] 100% 9 pages, 1200 of ~1000 items"},
		{dynamo.Progress{Step: "scan", Pages: 2, Items: 7}, "Scanning the table: 2 pages, 7 items"},
		{dynamo.Progress{Step: "index", Pages: 16, Items: 40}, "Reading the due index: 16 pages, 40 entries"},
		{dynamo.Progress{Step: "tasks", Pages: 1, Items: 40, Total: 40}, "Reading the tasks [########################] 100% 1 page, 40 of 40 tasks"},
	}
	for _, tt := range tests {
		if got := progressLine(tt.p); got != tt.want {
			t.Errorf("progressLine(%+v) =\n%q, want\n%q", tt.p, got, tt.want)
		}
	}
}
