// Package polite decides when a thank-you may be sent: inside a configured
// send window (hours and week days) in the recipient's local time, and never
// outside the legal hours, whatever the configuration says. Hours adds the
// rest of what applies to one recipient: the US state rules of the
// number's area code and of the order's address (rules/us_states.csv, each
// rule with its statute and the date it was checked), the public holidays
// of their country and the closed dates; docs/contact-rules.md describes
// them all.
//
// All local-time arithmetic goes through time.Date in each zone, so days on
// which daylight saving time starts or ends are handled. The time zone
// database is embedded (time/tzdata), so nothing is needed from the host.
package polite

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone data for hosts without /usr/share/zoneinfo (Lambda)

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// The legal hours, recipient-local: a floor that configuration can narrow but
// never widen. A window never starts before LegalStart and always ends by
// LegalEnd.
const (
	LegalStart = 8 * time.Hour
	LegalEnd   = 21 * time.Hour
)

// searchHorizon is how far ahead Next looks for an instant inside the window
// in every zone before it falls back to a wider window.
const searchHorizon = 14 * 24 * time.Hour

// maxTransitions bounds the zone transitions Next considers per zone within
// the horizon (real zones have at most a handful in 15 days).
const maxTransitions = 16

// Window is a send window: wall-clock hours on some days of the week, the
// same in every zone it is applied to.
type Window struct {
	// Start and End are offsets of the local wall clock from midnight; the
	// window is [Start, End). Contains and Next clamp them to the legal hours.
	Start, End time.Duration
	// Days says on which days the window is open, indexed by time.Weekday.
	Days [7]bool
}

// ParseWindow parses a configured window: start and end as "10:00" (24-hour
// clock; end may be "24:00") and days as a range ("Mon-Fri", "Sat-Mon"
// wrapping, "Mon-Sun"), a list ("Mon,Wed,Sat") or a mix ("Mon,Wed-Fri"),
// case-insensitive, with three-letter or full day names. Start and end are
// clamped to the legal hours. It returns a *thankyou.Error with code EINVALID
// naming the bad value for a malformed time, a window that is empty after
// clamping, or no days.
func ParseWindow(start, end, days string) (Window, error) {
	var w Window
	s, err := parseClock(start)
	if err != nil {
		return Window{}, thankyou.Errorf(thankyou.EINVALID, "send window start %q is not a time like 10:00", start)
	}
	e, err := parseClock(end)
	if err != nil {
		return Window{}, thankyou.Errorf(thankyou.EINVALID, "send window end %q is not a time like 17:00", end)
	}
	w.Start, w.End = max(s, LegalStart), min(e, LegalEnd)
	if w.Start >= w.End {
		return Window{}, thankyou.Errorf(thankyou.EINVALID,
			"send window %q-%q is empty within the legal hours %s-%s",
			start, end, clock(LegalStart), clock(LegalEnd))
	}
	w.Days, err = parseDays(days)
	if err != nil {
		return Window{}, err
	}
	return w, nil
}

// parseClock parses "H:MM" or "HH:MM", from 00:00 to 24:00.
func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, fmt.Errorf("bad clock time %q", s)
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("clock time %q out of range", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var dayNames = [7]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// parseDay accepts a full day name or its first three letters.
func parseDay(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) < 3 {
		return 0, false
	}
	for d, name := range dayNames {
		if s == name || s == name[:3] {
			return time.Weekday(d), true
		}
	}
	return 0, false
}

// parseDays parses a comma-separated list of days and day ranges.
func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	named := false
	for item := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(item) == "" {
			continue
		}
		from, to, isRange := strings.Cut(item, "-")
		first, ok1 := parseDay(from)
		last, ok2 := first, true
		if isRange {
			last, ok2 = parseDay(to)
		}
		if !ok1 || !ok2 {
			return days, thankyou.Errorf(thankyou.EINVALID,
				"send days %q: %q is not a day or a range of days like Mon-Fri", s, strings.TrimSpace(item))
		}
		for d := first; ; d = (d + 1) % 7 {
			days[d] = true
			if d == last {
				break
			}
		}
		named = true
	}
	if !named {
		return days, thankyou.Errorf(thankyou.EINVALID, "send days %q names no day (want e.g. Mon-Fri)", s)
	}
	return days, nil
}

// clock formats an offset from midnight as "HH:MM" (or "HH:MM:SS" when it
// has seconds).
func clock(d time.Duration) string {
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// String formats the window as "10:00-17:00 Mon,Tue,Wed,Thu,Fri", days in
// week order starting on Monday.
func (w Window) String() string {
	var b strings.Builder
	b.WriteString(clock(w.Start))
	b.WriteByte('-')
	b.WriteString(clock(w.End))
	sep := byte(' ')
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7)
		if w.Days[d] {
			b.WriteByte(sep)
			sep = ','
			name := dayNames[d]
			b.WriteString(strings.ToUpper(name[:1]) + name[1:3])
		}
	}
	return b.String()
}

// clamped returns w narrowed to the legal hours.
func (w Window) clamped() Window {
	w.Start, w.End = max(w.Start, LegalStart), min(w.End, LegalEnd)
	return w
}

// empty reports whether the window is never open.
func (w Window) empty() bool {
	return w.Start >= w.End || w.Days == [7]bool{}
}

// legal returns the legal hours on w's days.
func (w Window) legal() Window {
	return Window{Start: LegalStart, End: LegalEnd, Days: w.Days}
}

// Contains reports whether t is inside the window, clamped to the legal
// hours, in every one of zones. No zones means UTC; nil zones are ignored.
func (w Window) Contains(t time.Time, zones []*time.Location) bool {
	return w.clamped().contains(t, usable(zones))
}

func (w Window) contains(t time.Time, zones []*time.Location) bool {
	for _, z := range zones {
		lt := t.In(z)
		if !w.Days[lt.Weekday()] {
			return false
		}
		h, m, s := lt.Clock()
		wall := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
			time.Duration(s)*time.Second + time.Duration(lt.Nanosecond())
		if wall < w.Start || wall >= w.End {
			return false
		}
	}
	return true
}

// usable drops nil zones and returns UTC alone when none is left.
func usable(zones []*time.Location) []*time.Location {
	out := make([]*time.Location, 0, len(zones))
	for _, z := range zones {
		if z != nil {
			out = append(out, z)
		}
	}
	if len(out) == 0 {
		out = append(out, time.UTC)
	}
	return out
}

// Next returns, in UTC, the earliest instant at or after t that is inside the
// window (clamped to the legal hours) in every one of zones. When the zones
// share no such instant within 14 days, it returns the earliest instant
// inside the legal hours on the window's days in every zone; failing that,
// the earliest instant inside the window in the first zone alone (and, for a
// window that is never open, inside the legal hours of the first zone). No
// zones means UTC; nil zones are ignored.
func (w Window) Next(t time.Time, zones []*time.Location) time.Time {
	zones = usable(zones)
	w = w.clamped()
	if !w.empty() {
		if next, ok := w.next(t, zones); ok {
			return next
		}
		if next, ok := w.legal().next(t, zones); ok {
			return next
		}
		if next, ok := w.next(t, zones[:1]); ok {
			return next
		}
	}
	all := Window{Start: LegalStart, End: LegalEnd, Days: [7]bool{true, true, true, true, true, true, true}}
	if next, ok := all.next(t, zones[:1]); ok {
		return next
	}
	// Unreachable for real zones: every day has legal hours.
	return t.UTC()
}

// next finds the earliest instant in [t, t+searchHorizon] inside w in every
// zone. The set of such instants is a union of intervals whose left ends are
// each where some zone's wall clock reaches w.Start, or a zone transition
// (the wall clock jumps into the window). So the answer is t itself or the
// earliest of those candidates that is inside in every zone.
func (w Window) next(t time.Time, zones []*time.Location) (time.Time, bool) {
	if w.contains(t, zones) {
		return t.UTC(), true
	}
	limit := t.Add(searchHorizon)
	days := int(searchHorizon/(24*time.Hour)) + 2
	h, m := int(w.Start/time.Hour), int(w.Start%time.Hour/time.Minute)
	s, ns := int(w.Start%time.Minute/time.Second), int(w.Start%time.Second)
	var cands []time.Time
	for _, z := range zones {
		lt := t.In(z)
		y, mo, d := lt.Date()
		for i := -1; i < days; i++ {
			if !w.Days[time.Date(y, mo, d+i, 0, 0, 0, 0, time.UTC).Weekday()] {
				continue
			}
			c := time.Date(y, mo, d+i, h, m, s, ns, z)
			if !c.Before(t) && !c.After(limit) {
				cands = append(cands, c)
			}
		}
		cands = zoneChanges(cands, lt, limit, maxTransitions)
	}
	return earliest(cands, func(c time.Time) bool { return w.contains(c, zones) })
}

// zoneChanges appends to cands the times after lt, up to limit, at which
// lt's zone changes its offset (daylight saving), at most n of them.
func zoneChanges(cands []time.Time, lt, limit time.Time, n int) []time.Time {
	x := lt
	for range n {
		_, end := x.ZoneBounds()
		if end.IsZero() || end.After(limit) || !end.After(x) {
			break
		}
		cands = append(cands, end)
		x = end
	}
	return cands
}

// earliest returns the earliest of cands that is ok, in UTC; false when
// none is.
func earliest(cands []time.Time, ok func(time.Time) bool) (time.Time, bool) {
	slices.SortFunc(cands, time.Time.Compare)
	for _, c := range cands {
		if ok(c) {
			return c.UTC(), true
		}
	}
	return time.Time{}, false
}

// Zones loads the named IANA zones, skipping empty, unknown and
// host-dependent ("Local") names. When none loads it returns fallback alone
// (UTC if fallback is nil).
func Zones(names []string, fallback *time.Location) []*time.Location {
	out := loadZones(names)
	if len(out) == 0 {
		if fallback == nil {
			fallback = time.UTC
		}
		out = append(out, fallback)
	}
	return out
}

// loadZones loads the named IANA zones, skipping empty, unknown and
// host-dependent ("Local") names.
func loadZones(names []string) []*time.Location {
	var out []*time.Location
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || n == "Local" {
			continue
		}
		if loc, err := time.LoadLocation(n); err == nil {
			out = append(out, loc)
		}
	}
	return out
}

// ZoneNames joins the zones' names with commas, the form stored in
// thankyou.Task.TimeZone; strings.Split(names, ",") gives Zones' input back.
func ZoneNames(zones []*time.Location) string {
	names := make([]string, 0, len(zones))
	for _, z := range zones {
		if z != nil {
			names = append(names, z.String())
		}
	}
	return strings.Join(names, ",")
}

// ParseString parses a window written as String writes it
// ("10:00-17:00 Mon,Tue,Wed,Thu,Fri"), as stored on tasks.
func ParseString(s string) (Window, error) {
	times, days, ok := strings.Cut(strings.TrimSpace(s), " ")
	start, end, ok2 := strings.Cut(times, "-")
	if !ok || !ok2 {
		return Window{}, thankyou.Errorf(thankyou.EINVALID, "window %q is not written like 10:00-17:00 Mon-Fri", s)
	}
	return ParseWindow(start, end, days)
}

// Until returns when the window that t is inside closes: the earliest,
// over zones, of the window's end (clamped to the legal hours) on t's local
// date in that zone. ok is false when t is outside the window. It is what
// a staff reminder means by "call by 17:00".
func (w Window) Until(t time.Time, zones []*time.Location) (until time.Time, ok bool) {
	zones = usable(zones)
	w = w.clamped()
	if w.empty() || !w.contains(t, zones) {
		return time.Time{}, false
	}
	for _, z := range zones {
		lt := t.In(z)
		y, m, d := lt.Date()
		end := time.Date(y, m, d, 0, 0, 0, 0, z).Add(w.End)
		if until.IsZero() || end.Before(until) {
			until = end
		}
	}
	return until.UTC(), true
}

// maxAddSteps bounds the windows Add walks through (a year of daily windows).
const maxAddSteps = 400

// Add returns the instant when d of open time has passed after t: time
// inside the window (in every one of zones) counts, time outside does not.
// "Four working hours after 16:00" on a 09:00-17:00 weekday window is 12:00
// the next working day. A d of zero or less returns Next(t).
func (w Window) Add(t time.Time, d time.Duration, zones []*time.Location) time.Time {
	t = w.Next(t, zones)
	for range maxAddSteps {
		if d <= 0 {
			return t
		}
		end, ok := w.Until(t, zones)
		if !ok {
			// Next fell back to hours outside w (zones that never share
			// the window): count plain time from there.
			return t.Add(d).UTC()
		}
		if left := end.Sub(t); d <= left {
			return t.Add(d).UTC()
		} else {
			d -= left
		}
		t = w.Next(end, zones)
	}
	return t
}
