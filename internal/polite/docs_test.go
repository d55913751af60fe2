package polite

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// contactRulesDoc is the user documentation of the rules; its generated
// parts come from the rule data, so the two cannot drift.
var contactRulesDoc = filepath.Join("..", "..", "docs", "contact-rules.md")

// generatedParts renders the parts of docs/contact-rules.md that come
// from the data: the state table and the holiday countries.
func generatedParts() map[string]string {
	var states strings.Builder
	states.WriteString("| State | Mon–Fri | Sat | Sun | Legal holidays | Contacts per 24 h | Statute | Source | Checked | Note |\n")
	states.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range StateRules() {
		weekdays := r.HoursOn(time.Monday)
		for d := time.Tuesday; d <= time.Friday; d++ {
			if r.HoursOn(d) != weekdays {
				weekdays = "varies"
			}
		}
		holidays, capText := "allowed", "no cap"
		if r.HolidayBan {
			holidays = "closed"
		}
		if r.Cap > 0 {
			capText = fmt.Sprint(r.Cap)
		}
		host := strings.TrimPrefix(r.Source, "https://")
		host, _, _ = strings.Cut(host, "/")
		fmt.Fprintf(&states, "| %s (%s) | %s | %s | %s | %s | %s | %s | [%s](%s) | %s | %s |\n",
			r.Name, r.State, weekdays, r.HoursOn(time.Saturday), r.HoursOn(time.Sunday), holidays, capText,
			r.Citation, host, r.Source, r.Checked, r.Note)
	}
	countries := make([]string, 0, len(countryHolidays))
	for c := range countryHolidays {
		countries = append(countries, c)
	}
	slices.Sort(countries)
	regions := make([]string, 0, len(regionHolidays))
	for r := range regionHolidays {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	holidays := "Countries: " + strings.Join(countries, ", ") + ".\n\nRegions with their own holidays: " + strings.Join(regions, ", ") + ".\n"
	return map[string]string{"state rules": states.String(), "holiday countries": holidays}
}

// replaceParts puts each generated part between its markers.
func replaceParts(doc []byte, parts map[string]string) ([]byte, error) {
	for name, body := range parts {
		begin := []byte("<!-- begin generated: " + name + " -->\n")
		end := []byte("<!-- end generated: " + name + " -->")
		i, j := bytes.Index(doc, begin), bytes.Index(doc, end)
		if i < 0 || j < i {
			return nil, fmt.Errorf("markers of %q not found", name)
		}
		doc = slices.Concat(doc[:i+len(begin)], []byte(body), doc[j:])
	}
	return doc, nil
}

func TestContactRulesDocMatchesTheRuleData(t *testing.T) {
	doc, err := os.ReadFile(contactRulesDoc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := replaceParts(doc, generatedParts())
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(contactRulesDoc, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(doc, want) {
		t.Fatal("docs/contact-rules.md differs from the rule data: run go test ./internal/polite -run TestContactRulesDocMatchesTheRuleData -update")
	}
	for _, must := range []string{"47 CFR § 64.1200(c)(1)", "--closed", "CLOSED_DATES", "cannot loosen", NoPoliteTimeText} {
		if !bytes.Contains(doc, []byte(must)) {
			t.Errorf("docs/contact-rules.md does not mention %q", must)
		}
	}
}
