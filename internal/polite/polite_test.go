package polite_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return loc
}

func mustWindow(t testing.TB, start, end, days string) thankyou.Window {
	t.Helper()
	w, err := thankyou.ParseWindow(start, end, days)
	if err != nil {
		t.Fatalf("ParseWindow(%q, %q, %q): %v", start, end, days, err)
	}
	return w
}

func TestThankYouWaitsForTheNextSendWindow(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	w := mustWindow(t, "10:00", "17:00", "Mon-Fri")
	tests := []struct {
		name     string
		from     time.Time
		want     time.Time
		wantSame bool
	}{
		{"friday evening goes to monday morning", time.Date(2025, 1, 10, 19, 0, 0, 0, ny), time.Date(2025, 1, 13, 10, 0, 0, 0, ny), false},
		{"saturday goes to monday", time.Date(2025, 1, 11, 12, 0, 0, 0, ny), time.Date(2025, 1, 13, 10, 0, 0, 0, ny), false},
		{"sunday late goes to monday", time.Date(2025, 1, 12, 23, 59, 0, 0, ny), time.Date(2025, 1, 13, 10, 0, 0, 0, ny), false},
		{"inside the window is unchanged", time.Date(2025, 1, 15, 12, 34, 56, 789, ny), time.Date(2025, 1, 15, 12, 34, 56, 789, ny), true},
		{"at the window start is unchanged", time.Date(2025, 1, 15, 10, 0, 0, 0, ny), time.Date(2025, 1, 15, 10, 0, 0, 0, ny), true},
		{"before the window goes to 10:00 the same day", time.Date(2025, 1, 15, 7, 15, 0, 0, ny), time.Date(2025, 1, 15, 10, 0, 0, 0, ny), false},
		{"at the window end goes to the next day", time.Date(2025, 1, 15, 17, 0, 0, 0, ny), time.Date(2025, 1, 16, 10, 0, 0, 0, ny), false},
		{"a minute before the end is unchanged", time.Date(2025, 1, 15, 16, 59, 0, 0, ny), time.Date(2025, 1, 15, 16, 59, 0, 0, ny), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := polite.Next(w, tt.from, []*time.Location{ny})
			if !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got.In(ny), tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("Next(%v) location = %v, want UTC", tt.from, got.Location())
			}
			if gotIn, wantIn := polite.Contains(w, tt.from, []*time.Location{ny}), tt.wantSame; gotIn != wantIn {
				t.Errorf("Contains(%v) = %v, want %v", tt.from, gotIn, wantIn)
			}
		})
	}
}

func TestDueIsDelayAfterTheOrderInsideTheHours(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	h := polite.Hours{Window: mustWindow(t, "10:00", "17:00", "Mon-Fri")}
	jane := polite.Recipient{Phone: "+12125550123", Zones: []*time.Location{ny}}
	// Wednesday 20:00 + 72h = Saturday 20:00 → Monday 10:00, but that
	// Monday is Martin Luther King Jr. Day: Tuesday 10:00.
	order := time.Date(2025, 1, 15, 20, 0, 0, 0, ny)
	got, v, ok := h.Due(order.Add(72*time.Hour), jane)
	if want := time.Date(2025, 1, 21, 10, 0, 0, 0, ny); !ok || !got.Equal(want) || v.Reason != polite.ReasonWindow {
		t.Errorf("Due = %v, %+v, want %v", got.In(ny), v, want)
	}
	// Monday 11:00 + 72h = Thursday 11:00, already inside.
	order = time.Date(2025, 1, 13, 11, 0, 0, 0, ny)
	got, v, ok = h.Due(order.Add(72*time.Hour), jane)
	if want := time.Date(2025, 1, 16, 11, 0, 0, 0, ny); !ok || !got.Equal(want) || !v.Open {
		t.Errorf("Due = %v, %+v, want %v", got.In(ny), v, want)
	}
}

func TestConfiguredWindowIsClampedToLegalHours(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	zones := []*time.Location{ny}
	w := mustWindow(t, "06:00", "23:00", "Mon-Sun")
	if got, want := w.Start, thankyou.LegalStart; got != want {
		t.Errorf("Start = %v, want %v", got, want)
	}
	if got, want := w.End, thankyou.LegalEnd; got != want {
		t.Errorf("End = %v, want %v", got, want)
	}
	tests := []struct {
		name string
		from time.Time
		want time.Time
	}{
		{"early morning waits for 08:00", time.Date(2025, 1, 15, 6, 30, 0, 0, ny), time.Date(2025, 1, 15, 8, 0, 0, 0, ny)},
		{"late evening waits for 08:00 next day", time.Date(2025, 1, 15, 21, 30, 0, 0, ny), time.Date(2025, 1, 16, 8, 0, 0, 0, ny)},
		{"at 21:00 waits for next day", time.Date(2025, 1, 15, 21, 0, 0, 0, ny), time.Date(2025, 1, 16, 8, 0, 0, 0, ny)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := polite.Next(w, tt.from, zones); !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got.In(ny), tt.want)
			}
		})
	}

	// A window built by hand, not parsed, is clamped too.
	wide := thankyou.Window{Start: 0, End: 24 * time.Hour, Days: [7]bool{true, true, true, true, true, true, true}}
	for _, h := range []int{0, 7, 21, 23} {
		at := time.Date(2025, 1, 15, h, 30, 0, 0, ny)
		if polite.Contains(wide, at, zones) {
			t.Errorf("00:00-24:00 window Contains(%v) = true, want false (outside legal hours)", at)
		}
		if got := polite.Next(wide, at, zones).In(ny); got.Hour() < 8 || got.Hour() >= 21 {
			t.Errorf("00:00-24:00 window Next(%v) = %v, outside legal hours", at, got)
		}
	}
}

func TestWindowIsRightOnDaylightSavingChanges(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	london := mustLoad(t, "Europe/London")
	everyDay := mustWindow(t, "10:00", "17:00", "Mon-Sun")
	weekdays := mustWindow(t, "10:00", "17:00", "Mon-Fri")
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		w       thankyou.Window
		zone    *time.Location
		from    time.Time
		wantUTC time.Time // the local 10:00, written in UTC to pin the offset
	}{
		{"new york spring forward, from just after midnight", everyDay, ny, time.Date(2025, 3, 9, 0, 30, 0, 0, ny), utc(2025, 3, 9, 14, 0)},
		{"new york spring forward, from the evening before", everyDay, ny, time.Date(2025, 3, 8, 17, 30, 0, 0, ny), utc(2025, 3, 9, 14, 0)},
		{"new york spring forward over a weekend", weekdays, ny, time.Date(2025, 3, 7, 19, 0, 0, 0, ny), utc(2025, 3, 10, 14, 0)},
		{"new york fall back, from just after midnight", everyDay, ny, time.Date(2025, 11, 2, 0, 30, 0, 0, ny), utc(2025, 11, 2, 15, 0)},
		{"new york fall back, from the evening before", everyDay, ny, time.Date(2025, 11, 1, 17, 30, 0, 0, ny), utc(2025, 11, 2, 15, 0)},
		{"new york fall back, inside the repeated hour", everyDay, ny, utc(2025, 11, 2, 6, 30), utc(2025, 11, 2, 15, 0)},
		{"london spring forward", everyDay, london, time.Date(2025, 3, 30, 0, 30, 0, 0, london), utc(2025, 3, 30, 9, 0)},
		{"london spring forward, from the evening before", everyDay, london, time.Date(2025, 3, 29, 17, 30, 0, 0, london), utc(2025, 3, 30, 9, 0)},
		{"london fall back", everyDay, london, time.Date(2025, 10, 26, 0, 30, 0, 0, london), utc(2025, 10, 26, 10, 0)},
		{"london fall back, from the evening before", everyDay, london, time.Date(2025, 10, 25, 17, 30, 0, 0, london), utc(2025, 10, 26, 10, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zones := []*time.Location{tt.zone}
			got := polite.Next(tt.w, tt.from, zones)
			if !got.Equal(tt.wantUTC) {
				t.Errorf("Next(%v) = %v (%v), want %v (%v)", tt.from, got, got.In(tt.zone), tt.wantUTC, tt.wantUTC.In(tt.zone))
			}
			if h, m, _ := got.In(tt.zone).Clock(); h != 10 || m != 0 {
				t.Errorf("Next(%v) local clock = %02d:%02d, want 10:00", tt.from, h, m)
			}
			if !polite.Contains(tt.w, got, zones) {
				t.Errorf("Contains(Next(%v) = %v) = false, want true", tt.from, got)
			}
			if before := got.Add(-time.Minute); polite.Contains(tt.w, before, zones) {
				t.Errorf("Contains(%v), a minute before Next, = true, want false", before.In(tt.zone))
			}
		})
	}
}

func TestSeveralZonesGetAnInstantInsideTheWindowInAll(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	honolulu := mustLoad(t, "Pacific/Honolulu")
	w := mustWindow(t, "10:00", "17:00", "Mon-Fri")
	zones := []*time.Location{ny, honolulu}
	tests := []struct {
		name string
		from time.Time
		want time.Time
	}{
		// Winter: New York is 5 hours ahead; the shared window is NY 15:00-17:00.
		{"winter morning in new york", time.Date(2025, 1, 13, 8, 0, 0, 0, ny), time.Date(2025, 1, 13, 10, 0, 0, 0, honolulu)},
		{"winter, inside both", time.Date(2025, 1, 13, 16, 0, 0, 0, ny), time.Date(2025, 1, 13, 16, 0, 0, 0, ny)},
		{"winter, after the shared window", time.Date(2025, 1, 13, 17, 0, 0, 0, ny), time.Date(2025, 1, 14, 10, 0, 0, 0, honolulu)},
		// Summer: 6 hours ahead (Honolulu has no DST); shared NY 16:00-17:00.
		{"summer morning in new york", time.Date(2025, 7, 14, 8, 0, 0, 0, ny), time.Date(2025, 7, 14, 10, 0, 0, 0, honolulu)},
		{"friday evening", time.Date(2025, 7, 18, 18, 0, 0, 0, ny), time.Date(2025, 7, 21, 10, 0, 0, 0, honolulu)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := polite.Next(w, tt.from, zones)
			if !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got.In(ny), tt.want.In(ny))
			}
			for _, z := range zones {
				if !polite.Contains(w, got, []*time.Location{z}) {
					t.Errorf("Next(%v) = %v is outside the window in %v", tt.from, got.In(z), z)
				}
			}
		})
	}
}

func TestZonesWithoutSharedWindowFallBackToLegalHours(t *testing.T) {
	tokyo := mustLoad(t, "Asia/Tokyo")
	ny := mustLoad(t, "America/New_York")
	zones := []*time.Location{tokyo, ny}
	w := mustWindow(t, "10:00", "17:00", "Mon-Fri")

	// Tokyo 10-17 and New York 10-17 never overlap; the legal hours do:
	// New York 18:00-21:00 (EST) is Tokyo 08:00-11:00 the next day.
	from := time.Date(2025, 1, 13, 0, 0, 0, 0, time.UTC) // Mon 09:00 Tokyo, Sun 19:00 NY
	got := polite.Next(w, from, zones)
	if want := time.Date(2025, 1, 14, 8, 0, 0, 0, tokyo); !got.Equal(want) {
		t.Errorf("Next(%v) = %v, want %v", from, got.In(tokyo), want)
	}

	// Whatever t, the result is within legal hours on a window day in both.
	for i := range 24 * 7 {
		from := time.Date(2025, 6, 2, i, 17, 0, 0, time.UTC)
		got := polite.Next(w, from, zones)
		if got.Before(from) {
			t.Fatalf("Next(%v) = %v, before t", from, got)
		}
		for _, z := range zones {
			lt := got.In(z)
			if lt.Hour() < 8 || lt.Hour() >= 21 || !w.Days[lt.Weekday()] {
				t.Fatalf("Next(%v) = %v in %v, outside legal hours on window days", from, lt, z)
			}
		}
	}

	// Sunday only: even the legal hours share no instant, so the first
	// zone's window is used.
	sunday := mustWindow(t, "10:00", "17:00", "Sun")
	got = polite.Next(sunday, from, zones)
	if want := time.Date(2025, 1, 19, 10, 0, 0, 0, tokyo); !got.Equal(want) {
		t.Errorf("Sunday window Next(%v) = %v, want %v", from, got.In(tokyo), want)
	}
	if !polite.Contains(sunday, got, zones[:1]) {
		t.Errorf("Sunday window Next(%v) = %v is outside the first zone's window", from, got.In(tokyo))
	}
}

func TestWindowNeverOpenStillGivesLegalTime(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	from := time.Date(2025, 1, 15, 22, 0, 0, 0, ny)
	for _, w := range []thankyou.Window{
		{}, // no days, no hours
		{Start: 10 * time.Hour, End: 17 * time.Hour},                            // no days
		{Start: 22 * time.Hour, End: 23 * time.Hour, Days: [7]bool{true, true}}, // empty after clamping
	} {
		got := polite.Next(w, from, []*time.Location{ny})
		if lt := got.In(ny); got.Before(from) || lt.Hour() < 8 || lt.Hour() >= 21 {
			t.Errorf("%v: Next(%v) = %v, want a legal time after it", w, from, lt)
		}
	}
}

func TestNoZonesMeansUTC(t *testing.T) {
	w := mustWindow(t, "10:00", "17:00", "Mon-Sun")
	from := time.Date(2025, 1, 15, 18, 0, 0, 0, time.UTC)
	want := time.Date(2025, 1, 16, 10, 0, 0, 0, time.UTC)
	for _, zones := range [][]*time.Location{nil, {nil}} {
		if got := polite.Next(w, from, zones); !got.Equal(want) {
			t.Errorf("Next(%v, %v) = %v, want %v", from, zones, got, want)
		}
	}
}

// TestNextIsTheEarliestInstantInsideTheWindow checks, for many random times,
// that Next(t) is at or after t, inside the window, and that no minute from t
// up to it is inside.
func TestNextIsTheEarliestInstantInsideTheWindow(t *testing.T) {
	load := func(names ...string) []*time.Location {
		var out []*time.Location
		for _, n := range names {
			out = append(out, mustLoad(t, n))
		}
		return out
	}
	cases := []struct {
		w     thankyou.Window
		zones []*time.Location
	}{
		{mustWindow(t, "10:00", "17:00", "Mon-Fri"), load("America/New_York")},
		{mustWindow(t, "10:00", "17:00", "Mon-Fri"), load("Europe/London")},
		{mustWindow(t, "10:00", "17:00", "Mon-Fri"), load("America/New_York", "Pacific/Honolulu")},
		{mustWindow(t, "09:30", "12:15", "Sat-Mon"), load("Europe/London", "Europe/Paris")},
		{mustWindow(t, "08:00", "21:00", "Mon-Sun"), load("Australia/Lord_Howe")}, // 30-minute DST
		{mustWindow(t, "14:00", "15:00", "Wed"), load("Asia/Kathmandu")},          // +05:45
		{mustWindow(t, "10:00", "17:00", "Mon-Fri"), load("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	const samples = 40
	for _, c := range cases {
		for range samples {
			from := time.Unix(lo+rng.Int64N(hi-lo), rng.Int64N(int64(time.Second)))
			got := polite.Next(c.w, from, c.zones)
			if got.Before(from) {
				t.Fatalf("%v %v: Next(%v) = %v, before t", c.w, c.zones, from, got)
			}
			if !polite.Contains(c.w, got, c.zones) {
				t.Fatalf("%v %v: Next(%v) = %v, not inside", c.w, c.zones, from, got)
			}
			if again := polite.Next(c.w, got, c.zones); !again.Equal(got) {
				t.Fatalf("%v %v: Next(Next(%v)) = %v, want %v", c.w, c.zones, from, again, got)
			}
			if got.After(from) && polite.Contains(c.w, got.Add(-time.Nanosecond), c.zones) {
				t.Fatalf("%v %v: Next(%v) = %v, but a nanosecond earlier is inside", c.w, c.zones, from, got)
			}
			for m := from; m.Before(got); m = m.Add(time.Minute) {
				if polite.Contains(c.w, m, c.zones) {
					t.Fatalf("%v %v: Next(%v) = %v, but %v is inside", c.w, c.zones, from, got, m)
				}
			}
		}
	}
}

func TestZonesSkipsUnknownNames(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	london := mustLoad(t, "Europe/London")
	tests := []struct {
		name     string
		names    []string
		fallback *time.Location
		want     []string
	}{
		{"known names in order", []string{"America/New_York", "Europe/London"}, london, []string{"America/New_York", "Europe/London"}},
		{"unknown and empty skipped", []string{"Not/A_Zone", "", "America/New_York", "Etc/Unknown", "../etc/passwd", "Local"}, london, []string{"America/New_York"}},
		{"none known gives the fallback", []string{"Not/A_Zone"}, london, []string{"Europe/London"}},
		{"no names gives the fallback", nil, ny, []string{"America/New_York"}},
		{"no fallback means UTC", nil, nil, []string{"UTC"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zones := polite.Zones(tt.names, tt.fallback)
			var got []string
			for _, z := range zones {
				got = append(got, z.String())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Zones(%q) = %q, want %q", tt.names, got, tt.want)
			}
			if gotNames := polite.ZoneNames(zones); gotNames != strings.Join(tt.want, ",") {
				t.Errorf("ZoneNames = %q, want %q", gotNames, strings.Join(tt.want, ","))
			}
		})
	}
}

func BenchmarkNext(b *testing.B) {
	ny := mustLoad(b, "America/New_York")
	honolulu := mustLoad(b, "Pacific/Honolulu")
	w := mustWindow(b, "10:00", "17:00", "Mon-Fri")
	from := time.Date(2025, 1, 10, 19, 0, 0, 0, ny) // Friday evening
	b.Run("one zone", func(b *testing.B) {
		zones := []*time.Location{ny}
		for b.Loop() {
			polite.Next(w, from, zones)
		}
	})
	b.Run("two zones", func(b *testing.B) {
		zones := []*time.Location{ny, honolulu}
		for b.Loop() {
			polite.Next(w, from, zones)
		}
	})
	b.Run("every zone of a toll-free number", func(b *testing.B) {
		zones := polite.Zones(phone.TimeZones("+18005550199"), ny)
		if len(zones) < 10 {
			b.Fatalf("toll-free number has %d zones, want many", len(zones))
		}
		for b.Loop() {
			polite.Next(w, from, zones)
		}
	})
	b.Run("no shared window", func(b *testing.B) {
		zones := []*time.Location{mustLoad(b, "Asia/Tokyo"), ny}
		for b.Loop() {
			polite.Next(w, from, zones)
		}
	})
}

func TestUntilAndAdd(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	w, err := thankyou.ParseWindow("09:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	zones := []*time.Location{ny}
	// 2026-11-23 is a Monday; 2026-11-27 a Friday.
	if got, ok := polite.Until(w, at("2026-11-23 10:30"), zones); !ok || !got.Equal(at("2026-11-23 17:00")) {
		t.Errorf("Until(Mon 10:30) = %v, %v; want Mon 17:00", got.In(ny), ok)
	}
	if _, ok := polite.Until(w, at("2026-11-23 18:00"), zones); ok {
		t.Error("Until(Mon 18:00) ok, want outside")
	}
	if _, ok := polite.Until(w, at("2026-11-28 10:00"), zones); ok {
		t.Error("Until(Sat 10:00) ok, want outside")
	}
	tests := []struct {
		from string
		d    time.Duration
		want string
	}{
		{"2026-11-23 10:00", 4 * time.Hour, "2026-11-23 14:00"},
		{"2026-11-23 16:00", 4 * time.Hour, "2026-11-24 12:00"},
		{"2026-11-23 20:00", time.Hour, "2026-11-24 10:00"},
		{"2026-11-27 15:00", 4 * time.Hour, "2026-11-30 11:00"}, // over the weekend
		{"2026-11-23 10:00", 8 * time.Hour, "2026-11-24 10:00"},
		{"2026-11-23 10:00", 7 * time.Hour, "2026-11-23 17:00"},
		{"2026-11-23 10:00", 0, "2026-11-23 10:00"},
		{"2026-11-28 10:00", 0, "2026-11-30 09:00"},
		{"2026-11-23 09:00", 40 * time.Hour, "2026-11-27 17:00"},
	}
	for _, tt := range tests {
		if got := polite.Add(w, at(tt.from), tt.d, zones); !got.Equal(at(tt.want)) {
			t.Errorf("Add(%s, %v) = %v, want %s", tt.from, tt.d, got.In(ny), tt.want)
		}
	}
}
