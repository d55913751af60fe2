package polite

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestHoursAt(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	w, err := thankyou.ParseWindow("10:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	h := Hours{Window: w}
	tests := []struct {
		name   string
		at     time.Time
		zones  []*time.Location
		open   bool
		reason Reason
		next   time.Time
	}{
		{"inside", time.Date(2026, 12, 2, 11, 0, 0, 0, ny), []*time.Location{ny}, true, ReasonOpen, time.Time{}},
		{"before", time.Date(2026, 12, 2, 9, 0, 0, 0, ny), []*time.Location{ny}, false, ReasonWindow, time.Date(2026, 12, 2, 10, 0, 0, 0, ny)},
		{"before the legal hours", time.Date(2026, 12, 2, 7, 0, 0, 0, ny), []*time.Location{ny}, false, ReasonLegal, time.Date(2026, 12, 2, 10, 0, 0, 0, ny)},
		{"friday evening", time.Date(2026, 12, 4, 18, 0, 0, 0, ny), []*time.Location{ny}, false, ReasonWindow, time.Date(2026, 12, 7, 10, 0, 0, 0, ny)},
		{"no shared time", time.Date(2026, 12, 2, 11, 0, 0, 0, ny), []*time.Location{ny, tokyo}, false, ReasonNoPoliteTime, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := h.At(tt.at, Recipient{Zones: tt.zones})
			if v.Open != tt.open || v.Reason != tt.reason || !v.Next.Equal(tt.next) {
				t.Fatalf("At = %+v, want open %v reason %q next %v", v, tt.open, tt.reason, tt.next)
			}
			if v.Open && !v.Until.Equal(time.Date(2026, 12, 2, 17, 0, 0, 0, ny)) {
				t.Fatalf("Until = %v", v.Until)
			}
		})
	}
}

// TestHoursRules: each rule defers what it closes, to the first instant
// every rule allows. The window is the widest (every day, 08:00-21:00) so
// that the rule under test decides.
func TestHoursRules(t *testing.T) {
	all, err := thankyou.ParseWindow("00:00", "24:00", "Mon-Sun")
	if err != nil {
		t.Fatal(err)
	}
	ny, chi, lon, ber := mustZone(t, "America/New_York"), mustZone(t, "America/Chicago"), mustZone(t, "Europe/London"), mustZone(t, "Europe/Berlin")
	closed, _ := ParseDates("2026-12-24,2026-12-31")
	tests := []struct {
		name   string
		hours  Hours
		at     time.Time
		r      Recipient
		reason Reason
		next   time.Time
	}{
		{"Thanksgiving (US) skipped", Hours{Window: all}, time.Date(2026, 11, 26, 10, 0, 0, 0, ny),
			Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}}, ReasonHoliday, time.Date(2026, 11, 27, 8, 0, 0, 0, ny)},
		{"25 December (US) skipped", Hours{Window: all}, time.Date(2026, 12, 25, 12, 0, 0, 0, ny),
			Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}}, ReasonHoliday, time.Date(2026, 12, 26, 8, 0, 0, 0, ny)},
		{"25 and 26 December (UK) skipped", Hours{Window: all}, time.Date(2026, 12, 25, 12, 0, 0, 0, lon),
			Recipient{Phone: "+447400123456", Zones: []*time.Location{lon}}, ReasonHoliday, time.Date(2026, 12, 27, 8, 0, 0, 0, lon)},
		{"1 January (DE) skipped", Hours{Window: all}, time.Date(2027, 1, 1, 9, 0, 0, 0, ber),
			Recipient{Phone: "+4915112345678", Zones: []*time.Location{ber}}, ReasonHoliday, time.Date(2027, 1, 2, 8, 0, 0, 0, ber)},
		{"holiday of the address's country", Hours{Window: all}, time.Date(2026, 11, 26, 10, 0, 0, 0, lon),
			Recipient{Phone: "+447400123456", Zones: []*time.Location{lon}, Region: "US-NY"}, ReasonHoliday, time.Date(2026, 11, 27, 8, 0, 0, 0, lon)},
		{"FL 20:30 deferred", Hours{Window: all}, time.Date(2026, 12, 2, 20, 30, 0, 0, ny),
			Recipient{Phone: "+13055550123", Zones: []*time.Location{ny}}, ReasonState("FL"), time.Date(2026, 12, 3, 8, 0, 0, 0, ny)},
		{"FL by the shipping address", Hours{Window: all}, time.Date(2026, 12, 2, 20, 30, 0, 0, ny),
			Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}, Region: "US-FL"}, ReasonState("FL"), time.Date(2026, 12, 3, 8, 0, 0, 0, ny)},
		{"TX Sunday 10:00 deferred to noon", Hours{Window: all}, time.Date(2026, 12, 6, 10, 0, 0, 0, chi),
			Recipient{Phone: "+17135550123", Zones: []*time.Location{chi}}, ReasonState("TX"), time.Date(2026, 12, 6, 12, 0, 0, 0, chi)},
		{"TX weekday 08:30 deferred to 09:00", Hours{Window: all}, time.Date(2026, 12, 7, 8, 30, 0, 0, chi),
			Recipient{Phone: "+17135550123", Zones: []*time.Location{chi}}, ReasonState("TX"), time.Date(2026, 12, 7, 9, 0, 0, 0, chi)},
		{"CT 08:30 deferred", Hours{Window: all}, time.Date(2026, 12, 2, 8, 30, 0, 0, ny),
			Recipient{Phone: "+18605550123", Zones: []*time.Location{ny}}, ReasonState("CT"), time.Date(2026, 12, 2, 9, 0, 0, 0, ny)},
		{"UT Sunday deferred to Monday", Hours{Window: all}, time.Date(2026, 12, 6, 12, 0, 0, 0, mustZone(t, "America/Denver")),
			Recipient{Phone: "+18015550123", Zones: []*time.Location{mustZone(t, "America/Denver")}}, ReasonState("UT"), time.Date(2026, 12, 7, 8, 0, 0, 0, mustZone(t, "America/Denver"))},
		{"shop closed date", Hours{Window: all, Closed: closed}, time.Date(2026, 12, 24, 10, 0, 0, 0, ny),
			Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}}, ReasonClosed, time.Date(2026, 12, 26, 8, 0, 0, 0, ny)},
		{"before the legal hours", Hours{Window: all}, time.Date(2026, 12, 2, 7, 59, 0, 0, ny),
			Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}}, ReasonLegal, time.Date(2026, 12, 2, 8, 0, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := tt.hours.At(tt.at, tt.r)
			if v.Open || v.Reason != tt.reason || !v.Next.Equal(tt.next) {
				t.Fatalf("At = %+v\nwant reason %q next %v", v, tt.reason, tt.next.UTC())
			}
			if v.Detail == "" {
				t.Fatal("no detail")
			}
			if nv := tt.hours.At(v.Next, tt.r); !nv.Open {
				t.Fatalf("At(Next) = %+v, want open", nv)
			}
		})
	}
}

func TestHoursBeforeDeadline(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	w, _ := thankyou.ParseWindow("10:00", "17:00", "Mon-Fri")
	r := Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}}
	fri := time.Date(2026, 12, 4, 18, 0, 0, 0, ny)
	if v := (Hours{Window: w}).Before(fri, fri.Add(24*time.Hour), r); v.Reason != ReasonNoPoliteTime || !v.Next.IsZero() {
		t.Fatalf("deadline Saturday: %+v, want no polite time", v)
	}
	if v := (Hours{Window: w}).Before(fri, fri.Add(4*24*time.Hour), r); v.Reason != ReasonWindow || !v.Next.Equal(time.Date(2026, 12, 7, 10, 0, 0, 0, ny)) {
		t.Fatalf("deadline Tuesday: %+v, want Monday 10:00", v)
	}
}

func TestRecipientZonesNarrowsByRegion(t *testing.T) {
	for _, tt := range []struct {
		name   string
		number []string
		region string
		want   string
	}{
		{"toll-free number, address in California", phone.TimeZones("+18005550100"), "US-CA", "America/Los_Angeles"},
		{"Florida number, address in the panhandle's state", []string{"America/New_York"}, "US-FL", "America/New_York"},
		{"no region: the number's zones", []string{"America/Adak", "America/Anchorage"}, "", "America/Adak,America/Anchorage"},
		{"number and address disagree: both", []string{"America/New_York"}, "US-CA", "America/New_York,America/Los_Angeles"},
		{"no number zone: the region's", nil, "US-TX", "America/Chicago,America/Denver"},
		{"nothing: the fallback", nil, "", "Europe/Paris"},
		{"unknown region: the number's", []string{"Europe/Berlin"}, "DE-BY", "Europe/Berlin"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.number) == 0 && strings.HasPrefix(tt.name, "toll") {
				t.Fatal("libphonenumber gives no zone for the toll-free number")
			}
			got := ZoneNames(RecipientZones(tt.number, tt.region, mustZone(t, "Europe/Paris")))
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
	if len(phone.TimeZones("+18005550100")) < 2 {
		t.Fatal("the toll-free number should map to several zones for this test to narrow")
	}
}

// oracleFor says, independently of ruleSet, whether every rule allows
// contacting r at an instant: each zone's wall clock against the federal
// hours, each applicable state row, the holiday dates the library
// computes, the closed dates, and the window.
func oracleFor(h Hours, r Recipient, years ...int) func(time.Time) bool {
	var states []StateRule
	for _, region := range []string{AreaRegion(r.Phone), r.Region} {
		if code, ok := strings.CutPrefix(region, "US-"); ok {
			if s, ok := stateRule(code); ok {
				states = append(states, s)
			}
		}
	}
	dates := func(lists ...[]*cal.Holiday) map[Date]bool {
		out := map[Date]bool{}
		for _, list := range lists {
			for _, hd := range list {
				if hd.Type != cal.ObservancePublic && hd.Type != cal.ObservanceBank {
					continue
				}
				for _, y := range years {
					a, o := hd.Calc(y)
					for _, x := range []time.Time{a, o} {
						if !x.IsZero() {
							out[Date{x.Year(), x.Month(), x.Day()}] = true
						}
					}
				}
			}
		}
		return out
	}
	var lists [][]*cal.Holiday
	for _, c := range []string{r.Region, r.Country, AreaRegion(r.Phone), phone.Country(r.Phone)} {
		if c != "" {
			lists = append(lists, holidaysFor(c))
		}
	}
	holidays, federal := dates(lists...), dates(us.Holidays)
	w := h.Window
	return func(t time.Time) bool {
		for _, z := range usable(r.Zones) {
			lt := t.In(z)
			d := Date{lt.Year(), lt.Month(), lt.Day()}
			mins := lt.Hour()*60 + lt.Minute()
			if mins < 8*60 || mins >= 21*60 {
				return false
			}
			for _, s := range states {
				sp := s.Hours[lt.Weekday()]
				if mins < int(sp.Start/time.Minute) || mins >= int(sp.End/time.Minute) || (s.HolidayBan && federal[d]) {
					return false
				}
			}
			if holidays[d] || slices.Contains(h.Closed, d) {
				return false
			}
			if !w.Days[lt.Weekday()] || mins < int(w.Start/time.Minute) || mins >= int(w.End/time.Minute) {
				return false
			}
		}
		return true
	}
}

// TestHoursNeverOpenWhereARuleIsClosed: over many random instants,
// recipients, windows and closed dates, At is never open where a rule that
// applies is closed, Next is always open and no earlier instant checked
// (every 30 minutes for a day and a half) is open.
func TestHoursNeverOpenWhereARuleIsClosed(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2026))
	type number struct{ phone, zones string }
	numbers := []number{
		{"+13055550123", "America/New_York"}, {"+18505550123", "America/Chicago"}, {"+17135550123", "America/Chicago"},
		{"+19155550123", "America/Denver"}, {"+18605550123", "America/New_York"}, {"+18015550123", "America/Denver"},
		{"+14015550123", "America/New_York"}, {"+14055550123", "America/Chicago"}, {"+14105550123", "America/New_York"},
		{"+12055550123", "America/Chicago"}, {"+15045550123", "America/Chicago"}, {"+16015550123", "America/Chicago"},
		{"+12125550123", "America/New_York"}, {"+14155550123", "America/Los_Angeles"}, {"+18085550123", "Pacific/Honolulu"},
		{"+14165550123", "America/Toronto"}, {"+447400123456", "Europe/London"}, {"+4915112345678", "Europe/Berlin"},
		{"+18005550100", "America/New_York,America/Chicago,America/Denver,America/Los_Angeles"},
		{"+19075550123", "America/Anchorage,America/Adak"},
	}
	regions := []string{"", "", "US-FL", "US-TX", "US-CT", "US-CA", "US-UT", "US-RI", "US-MD", "GB-LND", "DE-BY", "CA-ON"}
	windows := []thankyou.Window{}
	for _, w := range [][3]string{{"00:00", "24:00", "Mon-Sun"}, {"10:00", "17:00", "Mon-Fri"}, {"09:00", "20:00", "Mon-Sat"}, {"12:00", "14:00", "Sun"}, {"08:00", "21:00", "Mon-Sun"}} {
		pw, err := thankyou.ParseWindow(w[0], w[1], w[2])
		if err != nil {
			t.Fatal(err)
		}
		windows = append(windows, pw)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 2000
	if testing.Short() {
		n = 500
	}
	counts := map[Reason]int{}
	for i := range n {
		num := numbers[rng.IntN(len(numbers))]
		region := regions[rng.IntN(len(regions))]
		r := Recipient{Phone: num.phone, Region: region, Zones: RecipientZones(strings.Split(num.zones, ","), region, nil)}
		h := Hours{Window: windows[rng.IntN(len(windows))]}
		at := start.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour))))
		if rng.IntN(4) == 0 {
			h.Closed = []Date{DateOf(at.In(r.Zones[0])), DateOf(at.In(r.Zones[0]).AddDate(0, 0, 1))}
		}
		oracle := oracleFor(h, r, at.Year()-1, at.Year(), at.Year()+1, at.Year()+2)
		v := h.At(at, r)
		key := v.Reason
		if strings.HasPrefix(string(key), "state:") {
			key = "state"
		}
		counts[key]++
		if v.Open != oracle(at) {
			t.Fatalf("case %d: At(%v, %+v) with %v closed %v = %+v, the rules say open %v", i, at, r, h.Window, h.Closed, v, !v.Open)
		}
		if v.Open || v.Reason == ReasonNoPoliteTime {
			continue
		}
		if !v.Next.After(at) || !oracle(v.Next) || !h.At(v.Next, r).Open {
			t.Fatalf("case %d: At(%v, %+v) = %+v: Next is not open", i, at, r, v)
		}
		for c := at.Truncate(30 * time.Minute).Add(30 * time.Minute); c.Before(v.Next) && c.Sub(at) < 36*time.Hour; c = c.Add(30 * time.Minute) {
			if oracle(c) {
				t.Fatalf("case %d: At(%v, %+v) = %+v, but %v is open", i, at, r, v, c)
			}
		}
	}
	t.Logf("verdicts by reason over %d cases: %v", n, counts)
}

// BenchmarkHoursAt measures one verdict for a Florida number shipping to
// California (two zones, a state rule, holidays) on a Saturday evening.
func BenchmarkHoursAt(b *testing.B) {
	w, err := thankyou.ParseWindow("10:00", "17:00", "Mon-Fri")
	if err != nil {
		b.Fatal(err)
	}
	h := Hours{Window: w}
	r := Recipient{Phone: "+13055550123", Region: "US-CA", Zones: RecipientZones([]string{"America/New_York"}, "US-CA", nil)}
	at := time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC)
	for b.Loop() {
		if v := h.At(at, r); v.Open {
			b.Fatal("open on a Saturday")
		}
	}
}

// TestStaffRecipientIsTimedByTheShiftAlone: with no number, region or
// country, no state rule or holiday applies: a staff member working on
// Thanksgiving is reminded inside their shift.
func TestStaffRecipientIsTimedByTheShiftAlone(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	shift, err := thankyou.ParseWindow("09:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	thanksgiving := time.Date(2026, 11, 26, 10, 0, 0, 0, ny)
	if v := (Hours{Window: shift}).At(thanksgiving, Recipient{Zones: []*time.Location{ny}}); !v.Open {
		t.Fatalf("staff on Thanksgiving: %+v, want open", v)
	}
	if v := (Hours{Window: shift}).At(thanksgiving, Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}}); v.Open || v.Reason != ReasonHoliday {
		t.Fatalf("customer on Thanksgiving: %+v, want closed for the holiday", v)
	}
}
