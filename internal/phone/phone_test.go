package phone_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		region  string
		want    string
		wantErr bool
	}{
		{"US local format with region US", "(212) 555-0123", "US", "+12125550123", false},
		{"US dashes, lower-case region", "212-555-0123", "us", "+12125550123", false},
		{"US with spaces around", "  212 555 0123  ", "US", "+12125550123", false},
		{"already E.164", "+12125550123", "", "+12125550123", false},
		{"UK number with region US", "+44 7911 123456", "US", "+447911123456", false},
		{"UK national format with region GB", "07911 123456", "GB", "+447911123456", false},
		{"tel URI", "tel:+1-212-555-0123", "US", "+12125550123", false},
		{"extension dropped", "+1 (212) 555-0123 ext. 5", "US", "+12125550123", false},
		{"garbage", "call me maybe", "US", "", true},
		{"empty", "", "US", "", true},
		{"blank", "   ", "US", "", true},
		{"too long", strings.Repeat("1", 65), "US", "", true},
		{"too many digits", "12345678901234567890123", "US", "", true},
		{"invalid US number", "+1 555 0000 000", "US", "", true},
		{"no country code and no region", "212 555 0123", "", "", true},
		{"unknown region", "212 555 0123", "XX", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := phone.Normalize(tt.raw, tt.region)
			if tt.wantErr {
				var e *thankyou.Error
				if !errors.As(err, &e) || e.Code != thankyou.EINVALID {
					t.Fatalf("Normalize(%q, %q) = %q, %v; want a *thankyou.Error with code %q", tt.raw, tt.region, got, err, thankyou.EINVALID)
				}
				if got != "" {
					t.Errorf("Normalize(%q, %q) = %q with an error, want \"\"", tt.raw, tt.region, got)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Normalize(%q, %q) = %q, %v; want %q", tt.raw, tt.region, got, err, tt.want)
			}
		})
	}
}

// visibleDigits returns the digits of s, in order.
func visibleDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestMaskShowsOnlyCountryDigitAndLastTwo(t *testing.T) {
	tests := []struct {
		in         string
		wantDigits string // the digits still readable
	}{
		{"+12125550123", "123"},
		{"+447911123456", "456"},
		{"+8613800138000", "800"},
		{"+1", "1"},
		{"12125550123", "23"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := phone.Mask(tt.in)
			if gotDigits := visibleDigits(got); gotDigits != tt.wantDigits {
				t.Errorf("Mask(%q) = %q shows digits %q, want %q", tt.in, got, gotDigits, tt.wantDigits)
			}
			if utf8.RuneCountInString(got) != utf8.RuneCountInString(tt.in) {
				t.Errorf("Mask(%q) = %q, length changed", tt.in, got)
			}
			if tt.in != "" && strings.HasPrefix(tt.in, "+") != strings.HasPrefix(got, "+") {
				t.Errorf("Mask(%q) = %q, lost or gained the leading +", tt.in, got)
			}
		})
	}
}

func TestTimeZones(t *testing.T) {
	tests := []struct {
		e164      string
		want      []string // exactly, when wantIncl is empty
		wantIncl  string
		wantEmpty bool
	}{
		{e164: "+12125550123", want: []string{"America/New_York"}},
		{e164: "+13105550123", want: []string{"America/Los_Angeles"}},
		{e164: "+447911123456", wantIncl: "Europe/London"},
		{e164: "+15550000000", wantEmpty: true}, // not a valid number
		{e164: "garbage", wantEmpty: true},
		{e164: "", wantEmpty: true},
	}
	for _, tt := range tests {
		t.Run(tt.e164, func(t *testing.T) {
			got := phone.TimeZones(tt.e164)
			switch {
			case tt.wantEmpty:
				if got != nil {
					t.Errorf("TimeZones(%q) = %q, want nil", tt.e164, got)
				}
			case tt.wantIncl != "":
				if !slices.Contains(got, tt.wantIncl) {
					t.Errorf("TimeZones(%q) = %q, want it to include %q", tt.e164, got, tt.wantIncl)
				}
			default:
				if !slices.Equal(got, tt.want) {
					t.Errorf("TimeZones(%q) = %q, want %q", tt.e164, got, tt.want)
				}
			}
			if slices.Contains(got, "Etc/Unknown") || slices.Contains(got, "") {
				t.Errorf("TimeZones(%q) = %q, contains an unknown zone", tt.e164, got)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range [][2]string{
		{"(212) 555-0123", "US"},
		{"+44 7911 123456", "US"},
		{"07911 123456", "GB"},
		{"+1 555 0000 000", "US"},
		{"tel:+1-212-555-0123;ext=5", ""},
		{"+8613800138000", "CN"},
		{"000", "ZZ"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		got, err := phone.Normalize(raw, region)
		if err != nil {
			if thankyou.ErrorCode(err) != thankyou.EINVALID {
				t.Fatalf("Normalize(%q, %q) error code = %q, want %q", raw, region, thankyou.ErrorCode(err), thankyou.EINVALID)
			}
			return
		}
		if !strings.HasPrefix(got, "+") || len(got) < 2 || strings.Trim(got[1:], "0123456789") != "" {
			t.Fatalf("Normalize(%q, %q) = %q, not E.164", raw, region, got)
		}
		again, err := phone.Normalize(got, "")
		if err != nil || again != got {
			t.Fatalf("Normalize(Normalize(%q, %q) = %q, \"\") = %q, %v; want it unchanged", raw, region, got, again, err)
		}
	})
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"+12125550123", "+447911123456", "", "+", "12", "+1", "ä+1", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := phone.Mask(s)
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Fatalf("Mask(%q) = %q, %d runes, want %d", s, got, utf8.RuneCountInString(got), utf8.RuneCountInString(s))
		}
		if n := len([]rune(visibleDigits(got))); n > 3 {
			t.Fatalf("Mask(%q) = %q shows %d digits, want at most 3", s, got, n)
		}
		if s == "" && got != "" {
			t.Fatalf("Mask(\"\") = %q, want \"\"", got)
		}
	})
}

func TestFirstValidTakesTheFirstUsableNumberOrSaysWhyNot(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cands []phone.Candidate
		want  string
		skip  thankyou.SkipReason
	}{
		{"first valid wins", []phone.Candidate{{Raw: "garbage"}, {Raw: "(212) 555-0123"}, {Raw: "+447911123456"}}, "+12125550123", thankyou.SkipReason{}},
		{"its own region", []phone.Candidate{{Raw: "07911 123456", Region: "GB"}}, "+447911123456", thankyou.SkipReason{}},
		{"default region", []phone.Candidate{{Raw: "212 555 0123"}}, "+12125550123", thankyou.SkipReason{}},
		{"none at all", []phone.Candidate{{Raw: " "}, {}}, "", thankyou.Skip(thankyou.SkipNoPhone, phone.SkipNoPhone)},
		{"some, none valid", []phone.Candidate{{Raw: "123"}, {Raw: "not a phone"}}, "", thankyou.Skip(thankyou.SkipInvalidPhone, "no valid phone number (2 found, none valid)")},
	} {
		got, skip := phone.FirstValid("US", tc.cands...)
		if got != tc.want || skip != tc.skip {
			t.Errorf("%s: FirstValid = %q, %+v; want %q, %+v", tc.name, got, skip, tc.want, tc.skip)
		}
	}
}
