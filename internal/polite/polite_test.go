package polite_test

import (
	"errors"
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

func mustWindow(t testing.TB, start, end, days string) polite.Window {
	t.Helper()
	w, err := polite.ParseWindow(start, end, days)
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
			got := w.Next(tt.from, []*time.Location{ny})
			if !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got.In(ny), tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("Next(%v) location = %v, want UTC", tt.from, got.Location())
			}
			if gotIn, wantIn := w.Contains(tt.from, []*time.Location{ny}), tt.wantSame; gotIn != wantIn {
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
	if got, want := w.Start, polite.LegalStart; got != want {
		t.Errorf("Start = %v, want %v", got, want)
	}
	if got, want := w.End, polite.LegalEnd; got != want {
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
			if got := w.Next(tt.from, zones); !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got.In(ny), tt.want)
			}
		})
	}

	// A window built by hand, not parsed, is clamped too.
	wide := polite.Window{Start: 0, End: 24 * time.Hour, Days: [7]bool{true, true, true, true, true, true, true}}
	for _, h := range []int{0, 7, 21, 23} {
		at := time.Date(2025, 1, 15, h, 30, 0, 0, ny)
		if wide.Contains(at, zones) {
			t.Errorf("00:00-24:00 window Contains(%v) = true, want false (outside legal hours)", at)
		}
		if got := wide.Next(at, zones).In(ny); got.Hour() < 8 || got.Hour() >= 21 {
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
		w       polite.Window
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
			got := tt.w.Next(tt.from, zones)
			if !got.Equal(tt.wantUTC) {
				t.Errorf("Next(%v) = %v (%v), want %v (%v)", tt.from, got, got.In(tt.zone), tt.wantUTC, tt.wantUTC.In(tt.zone))
			}
			if h, m, _ := got.In(tt.zone).Clock(); h != 10 || m != 0 {
				t.Errorf("Next(%v) local clock = %02d:%02d, want 10:00", tt.from, h, m)
			}
			if !tt.w.Contains(got, zones) {
				t.Errorf("Contains(Next(%v) = %v) = false, want true", tt.from, got)
			}
			if before := got.Add(-time.Minute); tt.w.Contains(before, zones) {
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
			got := w.Next(tt.from, zones)
			if !got.Equal(tt.want) {
				t.Errorf("Next(%v) = %v, want %v", tt.from, got.In(ny), tt.want.In(ny))
			}
			for _, z := range zones {
				if !w.Contains(got, []*time.Location{z}) {
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
	got := w.Next(from, zones)
	if want := time.Date(2025, 1, 14, 8, 0, 0, 0, tokyo); !got.Equal(want) {
		t.Errorf("Next(%v) = %v, want %v", from, got.In(tokyo), want)
	}

	// Whatever t, the result is within legal hours on a window day in both.
	for i := range 24 * 7 {
		from := time.Date(2025, 6, 2, i, 17, 0, 0, time.UTC)
		got := w.Next(from, zones)
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
	got = sunday.Next(from, zones)
	if want := time.Date(2025, 1, 19, 10, 0, 0, 0, tokyo); !got.Equal(want) {
		t.Errorf("Sunday window Next(%v) = %v, want %v", from, got.In(tokyo), want)
	}
	if !sunday.Contains(got, zones[:1]) {
		t.Errorf("Sunday window Next(%v) = %v is outside the first zone's window", from, got.In(tokyo))
	}
}

func TestWindowNeverOpenStillGivesLegalTime(t *testing.T) {
	ny := mustLoad(t, "America/New_York")
	from := time.Date(2025, 1, 15, 22, 0, 0, 0, ny)
	for _, w := range []polite.Window{
		{}, // no days, no hours
		{Start: 10 * time.Hour, End: 17 * time.Hour},                            // no days
		{Start: 22 * time.Hour, End: 23 * time.Hour, Days: [7]bool{true, true}}, // empty after clamping
	} {
		got := w.Next(from, []*time.Location{ny})
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
		if got := w.Next(from, zones); !got.Equal(want) {
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
		w     polite.Window
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
			got := c.w.Next(from, c.zones)
			if got.Before(from) {
				t.Fatalf("%v %v: Next(%v) = %v, before t", c.w, c.zones, from, got)
			}
			if !c.w.Contains(got, c.zones) {
				t.Fatalf("%v %v: Next(%v) = %v, not inside", c.w, c.zones, from, got)
			}
			if again := c.w.Next(got, c.zones); !again.Equal(got) {
				t.Fatalf("%v %v: Next(Next(%v)) = %v, want %v", c.w, c.zones, from, again, got)
			}
			if got.After(from) && c.w.Contains(got.Add(-time.Nanosecond), c.zones) {
				t.Fatalf("%v %v: Next(%v) = %v, but a nanosecond earlier is inside", c.w, c.zones, from, got)
			}
			for m := from; m.Before(got); m = m.Add(time.Minute) {
				if c.w.Contains(m, c.zones) {
					t.Fatalf("%v %v: Next(%v) = %v, but %v is inside", c.w, c.zones, from, got, m)
				}
			}
		}
	}
}

func TestParseWindow(t *testing.T) {
	const (
		sun = 1 << iota
		mon
		tue
		wed
		thu
		fri
		sat
	)
	tests := []struct {
		start, end, days string
		wantStart        time.Duration
		wantEnd          time.Duration
		wantDays         int // bit set, bit i = time.Weekday(i)
		wantString       string
	}{
		{"10:00", "17:00", "Mon-Fri", 10 * time.Hour, 17 * time.Hour, mon | tue | wed | thu | fri, "10:00-17:00 Mon,Tue,Wed,Thu,Fri"},
		{"9:30", "12:45", "mon,wed,sat", 9*time.Hour + 30*time.Minute, 12*time.Hour + 45*time.Minute, mon | wed | sat, "09:30-12:45 Mon,Wed,Sat"},
		{"10:00", "17:00", "Sat-Mon", 10 * time.Hour, 17 * time.Hour, sat | sun | mon, "10:00-17:00 Mon,Sat,Sun"},
		{"10:00", "17:00", "Mon-Sun", 10 * time.Hour, 17 * time.Hour, 127, "10:00-17:00 Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
		{"10:00", "17:00", "MONDAY - friday", 10 * time.Hour, 17 * time.Hour, mon | tue | wed | thu | fri, "10:00-17:00 Mon,Tue,Wed,Thu,Fri"},
		{"10:00", "17:00", "Sunday, Tue-Wed", 10 * time.Hour, 17 * time.Hour, sun | tue | wed, "10:00-17:00 Tue,Wed,Sun"},
		{"10:00", "17:00", "Fri-Fri", 10 * time.Hour, 17 * time.Hour, fri, "10:00-17:00 Fri"},
		{"06:00", "23:00", "Mon-Fri", polite.LegalStart, polite.LegalEnd, mon | tue | wed | thu | fri, "08:00-21:00 Mon,Tue,Wed,Thu,Fri"},
		{" 00:00 ", "24:00", "Sat", polite.LegalStart, polite.LegalEnd, sat, "08:00-21:00 Sat"},
	}
	for _, tt := range tests {
		t.Run(tt.start+"-"+tt.end+" "+tt.days, func(t *testing.T) {
			w, err := polite.ParseWindow(tt.start, tt.end, tt.days)
			if err != nil {
				t.Fatalf("ParseWindow: %v", err)
			}
			if w.Start != tt.wantStart || w.End != tt.wantEnd {
				t.Errorf("got %v-%v, want %v-%v", w.Start, w.End, tt.wantStart, tt.wantEnd)
			}
			for d := range 7 {
				if got, want := w.Days[d], tt.wantDays&(1<<d) != 0; got != want {
					t.Errorf("Days[%v] = %v, want %v", time.Weekday(d), got, want)
				}
			}
			if got := w.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
		})
	}
}

func TestParseWindowRejectsBadValues(t *testing.T) {
	tests := []struct {
		start, end, days string
		wantInMessage    string
	}{
		{"25:00", "17:00", "Mon-Fri", "25:00"},
		{"10", "17:00", "Mon-Fri", `"10"`},
		{"ab:cd", "17:00", "Mon-Fri", "ab:cd"},
		{"10:60", "17:00", "Mon-Fri", "10:60"},
		{"10:00", "17:0", "Mon-Fri", "17:0"},
		{"10:00", "-1:00", "Mon-Fri", "-1:00"},
		{"10:00", "", "Mon-Fri", "end"},
		{"17:00", "10:00", "Mon-Fri", "17:00"},
		{"10:00", "10:00", "Mon-Fri", "10:00"},
		{"06:00", "07:30", "Mon-Fri", "07:30"}, // empty once clamped
		{"21:00", "23:00", "Mon-Fri", "21:00"},
		{"10:00", "17:00", "", "days"},
		{"10:00", "17:00", " , ", "days"},
		{"10:00", "17:00", "Funday", "Funday"},
		{"10:00", "17:00", "Mon-", "Mon-"},
		{"10:00", "17:00", "Mo-Fr", "Mo-Fr"},
		{"10:00", "17:00", "Mon-Wed-Fri", "Mon-Wed-Fri"},
	}
	for _, tt := range tests {
		t.Run(tt.start+"-"+tt.end+" "+tt.days, func(t *testing.T) {
			_, err := polite.ParseWindow(tt.start, tt.end, tt.days)
			var e *thankyou.Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseWindow error = %v, want a *thankyou.Error", err)
			}
			if e.Code != thankyou.EINVALID {
				t.Errorf("code = %q, want %q", e.Code, thankyou.EINVALID)
			}
			if !strings.Contains(e.Message, tt.wantInMessage) {
				t.Errorf("message %q does not name %q", e.Message, tt.wantInMessage)
			}
		})
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

func FuzzParseWindow(f *testing.F) {
	for _, s := range [][3]string{
		{"10:00", "17:00", "Mon-Fri"},
		{"06:00", "23:00", "Mon-Sun"},
		{"9:30", "24:00", "sat-mon,wed"},
		{"17:00", "10:00", ""},
		{"", "", ","},
		{"10:00", "17:00", "Funday-Monday"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, start, end, days string) {
		w, err := polite.ParseWindow(start, end, days)
		if err != nil {
			if w != (polite.Window{}) {
				t.Errorf("error %v with a non-zero window %v", err, w)
			}
			if thankyou.ErrorCode(err) != thankyou.EINVALID {
				t.Errorf("error code = %q, want %q", thankyou.ErrorCode(err), thankyou.EINVALID)
			}
			return
		}
		if w.Start < polite.LegalStart || w.End > polite.LegalEnd || w.Start >= w.End {
			t.Errorf("ParseWindow(%q, %q, %q) = %v, outside legal hours or empty", start, end, days, w)
		}
		if w.Days == [7]bool{} {
			t.Errorf("ParseWindow(%q, %q, %q) = %v, no days", start, end, days, w)
		}
		// The formatted window parses back to itself.
		hours, dayList, _ := strings.Cut(w.String(), " ")
		from, to, _ := strings.Cut(hours, "-")
		back, err := polite.ParseWindow(from, to, dayList)
		if err != nil || back != w {
			t.Errorf("ParseWindow(String() = %q) = %v, %v; want %v", w.String(), back, err, w)
		}
	})
}

func BenchmarkNext(b *testing.B) {
	ny := mustLoad(b, "America/New_York")
	honolulu := mustLoad(b, "Pacific/Honolulu")
	w := mustWindow(b, "10:00", "17:00", "Mon-Fri")
	from := time.Date(2025, 1, 10, 19, 0, 0, 0, ny) // Friday evening
	b.Run("one zone", func(b *testing.B) {
		zones := []*time.Location{ny}
		for b.Loop() {
			w.Next(from, zones)
		}
	})
	b.Run("two zones", func(b *testing.B) {
		zones := []*time.Location{ny, honolulu}
		for b.Loop() {
			w.Next(from, zones)
		}
	})
	b.Run("every zone of a toll-free number", func(b *testing.B) {
		zones := polite.Zones(phone.TimeZones("+18005550199"), ny)
		if len(zones) < 10 {
			b.Fatalf("toll-free number has %d zones, want many", len(zones))
		}
		for b.Loop() {
			w.Next(from, zones)
		}
	})
	b.Run("no shared window", func(b *testing.B) {
		zones := []*time.Location{mustLoad(b, "Asia/Tokyo"), ny}
		for b.Loop() {
			w.Next(from, zones)
		}
	})
}

func TestParseStringReadsWhatStringWrites(t *testing.T) {
	for _, in := range [][3]string{{"10:00", "17:00", "Mon-Fri"}, {"09:00", "12:00", "Sat-Sun"}, {"08:00", "21:00", "Mon,Wed,Fri"}} {
		w, err := polite.ParseWindow(in[0], in[1], in[2])
		if err != nil {
			t.Fatal(err)
		}
		got, err := polite.ParseString(w.String())
		if err != nil || got != w {
			t.Errorf("polite.ParseString(%q) = %v, %v; want %v", w.String(), got, err, w)
		}
	}
	for _, bad := range []string{"", "10:00 Mon", "10:00-17:00", "ten-five Mon"} {
		if _, err := polite.ParseString(bad); err == nil {
			t.Errorf("polite.ParseString(%q) accepted", bad)
		}
	}
}

func TestUntilAndAdd(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	w, err := polite.ParseWindow("09:00", "17:00", "Mon-Fri")
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
	if got, ok := w.Until(at("2026-11-23 10:30"), zones); !ok || !got.Equal(at("2026-11-23 17:00")) {
		t.Errorf("Until(Mon 10:30) = %v, %v; want Mon 17:00", got.In(ny), ok)
	}
	if _, ok := w.Until(at("2026-11-23 18:00"), zones); ok {
		t.Error("Until(Mon 18:00) ok, want outside")
	}
	if _, ok := w.Until(at("2026-11-28 10:00"), zones); ok {
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
		if got := w.Add(at(tt.from), tt.d, zones); !got.Equal(at(tt.want)) {
			t.Errorf("Add(%s, %v) = %v, want %s", tt.from, tt.d, got.In(ny), tt.want)
		}
	}
}
