package polite

import (
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestStateRulesParse(t *testing.T) {
	b, err := ruleFiles.ReadFile("rules/us_states.csv")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := parseStateRules(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, must := range []string{"FL", "OK", "MD", "CT", "TX"} {
		if _, ok := stateRule(must); !ok {
			t.Errorf("state %s has no rule", must)
		}
	}
	if len(rules) != len(StateRules()) {
		t.Fatalf("StateRules has %d rules, the file %d", len(StateRules()), len(rules))
	}
	for _, r := range rules {
		for d := range 7 {
			if s := r.Hours[d]; !s.closed() && (s.Start < thankyou.LegalStart || s.End > thankyou.LegalEnd) {
				t.Errorf("%s on %s allows %s, wider than the federal hours: a state row can only narrow", r.State, time.Weekday(d), s)
			}
		}
	}
}

func TestParseStateRulesRefusesBadRows(t *testing.T) {
	header := "state,name,mon,tue,wed,thu,fri,sat,sun,holidays,cap_24h,citation,source,checked,note\n"
	good := "FL,Florida,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,,3,Fla. Stat.,https://example.org,2026-12-02,\n"
	if _, err := parseStateRules([]byte(header + good)); err != nil {
		t.Fatalf("good row refused: %v", err)
	}
	for name, row := range map[string]string{
		"no citation":   "FL,Florida,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,,3,,https://example.org,2026-12-02,\n",
		"no date":       "FL,Florida,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,,3,Fla. Stat.,https://example.org,,\n",
		"bad hours":     "FL,Florida,8-20,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,,3,Fla. Stat.,https://example.org,2026-12-02,\n",
		"bad cap":       "FL,Florida,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,,three,Fla. Stat.,https://example.org,2026-12-02,\n",
		"bad holidays":  "FL,Florida,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,yes,3,Fla. Stat.,https://example.org,2026-12-02,\n",
		"duplicate row": good,
	} {
		t.Run(name, func(t *testing.T) {
			body := header + row
			if name == "duplicate row" {
				body = header + good + row
			}
			if _, err := parseStateRules([]byte(body)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestAreaCodeMapsToItsState(t *testing.T) {
	for _, tt := range []struct{ phone, region string }{
		{"+13055550123", "US-FL"}, // Miami
		{"+18505550123", "US-FL"}, // Florida panhandle (Central time)
		{"+17135550123", "US-TX"},
		{"+18605550123", "US-CT"},
		{"+14055550123", "US-OK"},
		{"+14105550123", "US-MD"},
		{"+14165550123", "CA-ON"},
		{"+18005550100", ""}, // toll-free: no state
		{"+442071234567", ""},
		{"", ""},
	} {
		if got := AreaRegion(tt.phone); got != tt.region {
			t.Errorf("AreaRegion(%s) = %q, want %q", tt.phone, got, tt.region)
		}
	}
}

func TestLegalCap(t *testing.T) {
	for _, tt := range []struct {
		r    Recipient
		want int
	}{
		{Recipient{Phone: "+13055550123"}, 3},                    // FL number
		{Recipient{Phone: "+14055550123"}, 3},                    // OK number
		{Recipient{Phone: "+12125550123", Region: "US-MD"}, 3},   // NY number, Maryland address
		{Recipient{Phone: "+18605550123"}, 0},                    // CT: hours, no cap
		{Recipient{Phone: "+12125550123", Region: "US-NY"}, 0},   // no state rule
		{Recipient{Phone: "+442071234567", Region: "GB-LND"}, 0}, // not US
	} {
		if got := LegalCap(tt.r); got != tt.want {
			t.Errorf("LegalCap(%+v) = %d, want %d", tt.r, got, tt.want)
		}
	}
}

func TestParseDates(t *testing.T) {
	ds, err := ParseDates(" 2026-12-31, 2026-12-24,2026-12-24,")
	if err != nil {
		t.Fatal(err)
	}
	if got := FormatDates(ds); got != "2026-12-24,2026-12-31" {
		t.Fatalf("got %q", got)
	}
	for _, bad := range []string{"2026-13-01", "24/12/2026", "tomorrow"} {
		if _, err := ParseDates(bad); err == nil {
			t.Errorf("ParseDates(%q) accepted", bad)
		}
	}
}

func FuzzParseDates(f *testing.F) {
	for _, s := range []string{"2026-12-24,2026-12-31", " 2026-12-31 , 2026-12-24,,", "", "2026-02-30", "24/12/2026", "2026-12-24,x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := ParseDates(s)
		if err != nil {
			return
		}
		again, err := ParseDates(FormatDates(ds))
		if err != nil || FormatDates(again) != FormatDates(ds) {
			t.Fatalf("ParseDates(%q) = %v; written %q it reads back as %v, %v", s, ds, FormatDates(ds), again, err)
		}
		for i := 1; i < len(ds); i++ {
			if ds[i-1].String() >= ds[i].String() {
				t.Fatalf("dates %v not sorted or not unique", ds)
			}
		}
	})
}
