// Package phone normalises phone numbers to E.164, masks them for logs and
// tells which time zones a number is in. It wraps github.com/nyaruka/phonenumbers.
package phone

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Normalize parses raw as written by a customer (any punctuation, with or
// without a country code) and returns it in E.164 ("+14155550123").
// region is the ISO country assumed when raw has no country code ("US").
// A number that cannot be parsed or is not a valid number for its country
// gives a *thankyou.Error with code EINVALID.
func Normalize(raw, region string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", thankyou.Errorf(thankyou.EINVALID, "no phone number")
	}
	if len(raw) > 64 {
		return "", thankyou.Errorf(thankyou.EINVALID, "phone number too long")
	}
	n, err := phonenumbers.Parse(raw, strings.ToUpper(region))
	if err != nil {
		return "", thankyou.WrapError(thankyou.EINVALID, "phone number cannot be parsed", err)
	}
	if !phonenumbers.IsValidNumber(n) {
		return "", thankyou.Errorf(thankyou.EINVALID, "phone number is not valid for its country")
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

// Mask hides all but the country code's first digit and the last two digits
// of a number, for logs: "+14155550123" → "+1*********23".
func Mask(e164 string) string {
	if e164 == "" {
		return ""
	}
	r := []rune(e164)
	start := 0
	if r[0] == '+' {
		start = 2
	}
	for i := start; i < len(r)-2; i++ {
		r[i] = '*'
	}
	return string(r)
}

// TimeZones returns the IANA time zones of an E.164 number, most specific
// first as phonenumbers knows them. It returns nil for a number that is not
// valid (phonenumbers would give every zone of its country code) and when the
// number gives no zone (or only phonenumbers' "Etc/Unknown").
func TimeZones(e164 string) []string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return nil
	}
	zones, err := phonenumbers.GetTimezonesForNumber(n)
	if err != nil {
		return nil
	}
	var out []string
	for _, z := range zones {
		if z != "" && z != "Etc/Unknown" {
			out = append(out, z)
		}
	}
	return out
}

// SkipNoPhone is the skip reason of an order with no phone number at all,
// the same for every source.
const SkipNoPhone = "no usable phone number"

// Candidate is a phone number as an order gives it, with the ISO country
// of the address it came from ("" when none).
type Candidate struct {
	Raw, Region string
}

// FirstValid returns the first candidate that is a valid number, in E.164,
// each read with its own region, else defaultRegion. When none is, it
// returns "" and the skip reason: SkipNoPhone (code thankyou.SkipNoPhone)
// when no candidate holds a number, else "no valid phone number (N found,
// none valid)" (thankyou.SkipInvalidPhone).
func FirstValid(defaultRegion string, cands ...Candidate) (e164 string, skip thankyou.SkipReason) {
	found := 0
	for _, c := range cands {
		if strings.TrimSpace(c.Raw) == "" {
			continue
		}
		found++
		region := strings.TrimSpace(c.Region)
		if region == "" {
			region = defaultRegion
		}
		if n, err := Normalize(c.Raw, region); err == nil {
			return n, thankyou.SkipReason{}
		}
	}
	if found == 0 {
		return "", thankyou.Skip(thankyou.SkipNoPhone, SkipNoPhone)
	}
	return "", thankyou.Skip(thankyou.SkipInvalidPhone, fmt.Sprintf("no valid phone number (%d found, none valid)", found))
}

// Country returns the ISO 3166-1 country of a valid E.164 number ("US",
// "GB"), or "" when the number is not valid.
func Country(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil || !phonenumbers.IsValidNumber(n) {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(n)
}
