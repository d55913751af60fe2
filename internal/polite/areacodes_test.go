package polite

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

var update = flag.Bool("update", false, "regenerate rules/nanp_area_codes.csv from libphonenumber's data")

// subdivisions are the US states, DC and the Canadian provinces and
// territories by the names libphonenumber's geocoder gives.
var subdivisions = map[string]string{
	"Alabama": "AL", "Alaska": "AK", "Arizona": "AZ", "Arkansas": "AR", "California": "CA", "Colorado": "CO",
	"Connecticut": "CT", "Delaware": "DE", "District of Columbia": "DC", "Washington D.C.": "DC", "Washington, D.C.": "DC", "Florida": "FL", "Georgia": "GA",
	"Hawaii": "HI", "Idaho": "ID", "Illinois": "IL", "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY",
	"Louisiana": "LA", "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
	"Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV", "New Hampshire": "NH",
	"New Jersey": "NJ", "New Mexico": "NM", "New York": "NY", "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH",
	"Oklahoma": "OK", "Oregon": "OR", "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC",
	"South Dakota": "SD", "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "Virginia": "VA",
	"Washington": "WA", "Washington State": "WA", "West Virginia": "WV", "Wisconsin": "WI", "Wyoming": "WY",
	"Alberta": "AB", "British Columbia": "BC", "Manitoba": "MB", "New Brunswick": "NB", "Newfoundland and Labrador": "NL",
	"Newfoundland": "NL", "Nova Scotia": "NS", "Ontario": "ON", "Prince Edward Island": "PE", "Quebec": "QC", "Saskatchewan": "SK",
	"Northwest Territories": "NT", "Nunavut": "NU", "Yukon": "YT",
	"Nova Scotia/Prince Edward Island": "NS", "Northwest Territories, Nunavut, Yukon": "NT", "Yukon/Northwest Territories/Nunavut": "NT", "Northwest Territories/Nunavut/Yukon": "NT",
}

// generateAreaCodes derives the area code table from libphonenumber: the
// region code and geocoder description of a valid number in each area code.
func generateAreaCodes(t *testing.T) []byte {
	var b bytes.Buffer
	b.WriteString("# North American area codes: ISO 3166-2 region and time zones, generated from libphonenumber's\n")
	b.WriteString("# geocoding and time zone data (go test ./internal/polite -run TestAreaCodesMatchLibphonenumber -update).\n")
	b.WriteString("area_code,region,zones\n")
	for npa := 200; npa <= 999; npa++ {
		for _, rest := range []string{"2345678", "3456789", "4567890", "5550100", "7654321", "8765432", "9876543", "6543210"} {
			n, err := phonenumbers.Parse(fmt.Sprintf("+1%d%s", npa, rest), "")
			if err != nil || !phonenumbers.IsValidNumber(n) {
				continue
			}
			country := phonenumbers.GetRegionCodeForNumber(n)
			if country != "US" && country != "CA" {
				break
			}
			desc, _ := phonenumbers.GetGeocodingForNumber(n, "en")
			code, ok := subdivisions[desc]
			if !ok {
				if i := strings.LastIndex(desc, ", "); i >= 0 && len(desc)-i == 4 {
					code, ok = desc[i+2:], true
				}
			}
			if !ok {
				if desc != "United States" && desc != "Canada" {
					t.Logf("area code %d: no subdivision for %q (%s): left out", npa, desc, country)
				}
				break
			}
			zones, _ := phonenumbers.GetTimezonesForNumber(n)
			var keep []string
			for _, z := range zones {
				if z != "" && z != "Etc/Unknown" {
					keep = append(keep, z)
				}
			}
			fmt.Fprintf(&b, "%d,%s-%s,%s\n", npa, country, code, strings.Join(keep, " "))
			break
		}
	}
	return b.Bytes()
}

func TestAreaCodesMatchLibphonenumber(t *testing.T) {
	got := generateAreaCodes(t)
	if *update {
		if err := os.WriteFile("rules/nanp_area_codes.csv", got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := ruleFiles.ReadFile("rules/nanp_area_codes.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !*update && !bytes.Equal(got, want) {
		t.Fatal("rules/nanp_area_codes.csv differs from libphonenumber's data: run go test ./internal/polite -run TestAreaCodesMatchLibphonenumber -update")
	}
	if _, err := parseAreaCodes(want); err != nil {
		t.Fatal(err)
	}
}
