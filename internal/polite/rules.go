package polite

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// The rule data, embedded: one file for the US state rules (hours per
// weekday, Sunday and holiday bans, contact caps, each with its statute
// and the date it was checked) and one for the North American area codes
// (area code → ISO 3166-2 region → time zones), generated from
// libphonenumber's data and checked against it by a test.
//
//go:embed rules/us_states.csv rules/nanp_area_codes.csv
var ruleFiles embed.FS

// span is the part of a local day in which contact is allowed, [Start, End);
// a zero span (Start >= End) allows none of the day.
type span struct{ Start, End time.Duration }

func (s span) closed() bool { return s.Start >= s.End }

func (s span) String() string {
	if s.closed() {
		return "closed"
	}
	return thankyou.Clock(s.Start) + "-" + thankyou.Clock(s.End)
}

// StateRule is one US state's rule on when a business may contact a
// consumer, as written in rules/us_states.csv.
type StateRule struct {
	// State is the two-letter postal code ("FL"); Name its name.
	State, Name string
	// Hours are the local hours allowed per weekday (indexed by
	// time.Weekday); a closed day allows none.
	Hours [7]span
	// HolidayBan is true when the state bans contact on legal holidays.
	HolidayBan bool
	// Cap is the most contacts per number per 24 hours the statute
	// allows; 0 when it sets none.
	Cap int
	// Citation names the statute or rule; Source is where its text was
	// read; Checked is the date it was checked (YYYY-MM-DD); Note says
	// what the row leaves out.
	Citation, Source, Checked, Note string
}

// SundayBan reports whether the state bans contact on Sundays.
func (r StateRule) SundayBan() bool { return r.Hours[time.Sunday].closed() }

// HoursOn formats the hours allowed on a weekday ("08:00-20:00" or "closed").
func (r StateRule) HoursOn(d time.Weekday) string { return r.Hours[d].String() }

// StateRules returns the state rules of the data file, in its order.
func StateRules() []StateRule { return slices.Clone(stateRules().list) }

type stateTable struct {
	list  []StateRule
	index map[string]int
}

var stateRules = sync.OnceValue(func() stateTable {
	b, err := ruleFiles.ReadFile("rules/us_states.csv")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	list, err := parseStateRules(b)
	if err != nil {
		panic(fmt.Sprintf("rules/us_states.csv: %v", err)) // checked by TestStateRulesParse
	}
	t := stateTable{list: list, index: map[string]int{}}
	for i, r := range list {
		t.index[r.State] = i
	}
	return t
})

// stateRule returns the rule of a state by postal code.
func stateRule(code string) (StateRule, bool) {
	t := stateRules()
	i, ok := t.index[code]
	if !ok {
		return StateRule{}, false
	}
	return t.list[i], true
}

// readCSV reads a rules file: "#" lines are comments, the first record is
// the header; it returns the records as maps by column name.
func readCSV(b []byte, want []string) ([]map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.Comment = '#'
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if !slices.Equal(header, want) {
		return nil, fmt.Errorf("header %q, want %q", header, want)
	}
	var out []map[string]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		m := make(map[string]string, len(rec))
		for i, v := range rec {
			m[header[i]] = strings.TrimSpace(v)
		}
		out = append(out, m)
	}
}

var stateColumns = []string{"state", "name", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "holidays", "cap_24h", "citation", "source", "checked", "note"}

// weekdayColumns are the day columns in file order, with their weekdays.
var weekdayColumns = []struct {
	col string
	day time.Weekday
}{{"mon", time.Monday}, {"tue", time.Tuesday}, {"wed", time.Wednesday}, {"thu", time.Thursday}, {"fri", time.Friday}, {"sat", time.Saturday}, {"sun", time.Sunday}}

func parseStateRules(b []byte) ([]StateRule, error) {
	recs, err := readCSV(b, stateColumns)
	if err != nil {
		return nil, err
	}
	var out []StateRule
	seen := map[string]bool{}
	for i, m := range recs {
		r := StateRule{State: m["state"], Name: m["name"], Citation: m["citation"], Source: m["source"], Checked: m["checked"], Note: m["note"]}
		line := fmt.Sprintf("row %d (%s)", i+1, r.State)
		if len(r.State) != 2 || strings.ToUpper(r.State) != r.State || seen[r.State] {
			return nil, fmt.Errorf("%s: state must be a new two-letter postal code", line)
		}
		seen[r.State] = true
		for _, wc := range weekdayColumns {
			s, err := parseSpan(m[wc.col])
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", line, wc.col, err)
			}
			r.Hours[wc.day] = s
		}
		switch m["holidays"] {
		case "closed":
			r.HolidayBan = true
		case "":
		default:
			return nil, fmt.Errorf("%s: holidays %q: want closed or empty", line, m["holidays"])
		}
		if r.Cap, err = strconv.Atoi(m["cap_24h"]); err != nil || r.Cap < 0 {
			return nil, fmt.Errorf("%s: cap_24h %q is not a count", line, m["cap_24h"])
		}
		if r.Citation == "" || !strings.HasPrefix(r.Source, "https://") {
			return nil, fmt.Errorf("%s: every rule needs its citation and an https source", line)
		}
		if _, err := time.Parse(time.DateOnly, r.Checked); err != nil {
			return nil, fmt.Errorf("%s: checked %q is not a date like 2026-12-02", line, r.Checked)
		}
		out = append(out, r)
	}
	return out, nil
}

// parseSpan parses "09:00-21:00" or "closed".
func parseSpan(s string) (span, error) {
	if s == "closed" {
		return span{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return span{}, fmt.Errorf("%q is not hours like 09:00-21:00 or closed", s)
	}
	start, err := thankyou.ParseClock(a)
	if err != nil {
		return span{}, err
	}
	end, err := thankyou.ParseClock(b)
	if err != nil {
		return span{}, err
	}
	if start >= end {
		return span{}, fmt.Errorf("%q is empty", s)
	}
	return span{start, end}, nil
}

// areaCode is one North American area code: its ISO 3166-2 region
// ("US-FL", "CA-ON") and time zones.
type areaCode struct {
	Region string
	Zones  []string
}

type areaTable struct {
	codes map[string]areaCode
	// regionZones are the zones of each region's area codes.
	regionZones map[string][]string
}

var areaColumns = []string{"area_code", "region", "zones"}

var areaCodes = sync.OnceValue(func() areaTable {
	b, err := ruleFiles.ReadFile("rules/nanp_area_codes.csv")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	t, err := parseAreaCodes(b)
	if err != nil {
		panic(fmt.Sprintf("rules/nanp_area_codes.csv: %v", err)) // checked by TestAreaCodesMatchLibphonenumber
	}
	return t
})

func parseAreaCodes(b []byte) (areaTable, error) {
	recs, err := readCSV(b, areaColumns)
	if err != nil {
		return areaTable{}, err
	}
	t := areaTable{codes: map[string]areaCode{}, regionZones: map[string][]string{}}
	for _, m := range recs {
		code, region := m["area_code"], m["region"]
		if len(code) != 3 || strings.Trim(code, "0123456789") != "" || len(region) < 4 || region[2] != '-' {
			return areaTable{}, fmt.Errorf("bad row %q", m)
		}
		zones := strings.Fields(m["zones"])
		t.codes[code] = areaCode{Region: region, Zones: zones}
		for _, z := range zones {
			if !slices.Contains(t.regionZones[region], z) {
				t.regionZones[region] = append(t.regionZones[region], z)
			}
		}
	}
	return t, nil
}

// AreaRegion returns the ISO 3166-2 region ("US-FL", "CA-ON") of a North
// American number's area code, or "" for other numbers and unknown codes.
func AreaRegion(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+1") {
		return ""
	}
	return areaCodes().codes[e164[2:5]].Region
}

// RegionZones returns the time zones of an ISO 3166-2 region that North
// American area codes cover ("US-CA" → America/Los_Angeles), nil when
// the region is not known there.
func RegionZones(region string) []string {
	return slices.Clone(areaCodes().regionZones[strings.ToUpper(region)])
}

// LegalCap returns the most thank-you contacts per number per 24 hours the
// law of r's states allows (the smallest over the states of the number's
// area code and of the order's address), or 0 when no statute sets one.
func LegalCap(r Recipient) int {
	lowest := 0
	for _, s := range statesOf(r) {
		if s.Cap > 0 && (lowest == 0 || s.Cap < lowest) {
			lowest = s.Cap
		}
	}
	return lowest
}

// statesOf returns the state rules that apply to r: the state of the
// number's area code and the state of the order's address, when US.
func statesOf(r Recipient) []StateRule {
	var out []StateRule
	for _, region := range []string{AreaRegion(r.Phone), strings.ToUpper(r.Region)} {
		code, ok := strings.CutPrefix(region, "US-")
		if !ok {
			continue
		}
		if s, ok := stateRule(code); ok && !slices.ContainsFunc(out, func(o StateRule) bool { return o.State == s.State }) {
			out = append(out, s)
		}
	}
	return out
}
