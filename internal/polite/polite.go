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
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // zone data for hosts without /usr/share/zoneinfo (Lambda)

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// searchHorizon is how far ahead Next looks for an instant inside the window
// in every zone before it falls back to a wider window.
const searchHorizon = 14 * 24 * time.Hour

// maxTransitions bounds the zone transitions Next considers per zone within
// the horizon (real zones have at most a handful in 15 days).
const maxTransitions = 16

// clamped returns w narrowed to the legal hours.
func clamped(w thankyou.Window) thankyou.Window {
	w.Start, w.End = max(w.Start, thankyou.LegalStart), min(w.End, thankyou.LegalEnd)
	return w
}

// empty reports whether the window is never open.
func empty(w thankyou.Window) bool {
	return w.Start >= w.End || w.Days == [7]bool{}
}

// legal returns the legal hours on w's days.
func legal(w thankyou.Window) thankyou.Window {
	return thankyou.Window{Start: thankyou.LegalStart, End: thankyou.LegalEnd, Days: w.Days}
}

// Contains reports whether t is inside the window, clamped to the legal
// hours, in every one of zones. No zones means UTC; nil zones are ignored.
func Contains(w thankyou.Window, t time.Time, zones []*time.Location) bool {
	return contains(clamped(w), t, usable(zones))
}

func contains(w thankyou.Window, t time.Time, zones []*time.Location) bool {
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
func Next(w thankyou.Window, t time.Time, zones []*time.Location) time.Time {
	zones = usable(zones)
	w = clamped(w)
	if !empty(w) {
		if next, ok := next(w, t, zones); ok {
			return next
		}
		if next, ok := next(legal(w), t, zones); ok {
			return next
		}
		if next, ok := next(w, t, zones[:1]); ok {
			return next
		}
	}
	all := thankyou.Window{Start: thankyou.LegalStart, End: thankyou.LegalEnd, Days: [7]bool{true, true, true, true, true, true, true}}
	if next, ok := next(all, t, zones[:1]); ok {
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
func next(w thankyou.Window, t time.Time, zones []*time.Location) (time.Time, bool) {
	if contains(w, t, zones) {
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
		x := lt
		for range maxTransitions {
			_, end := x.ZoneBounds()
			if end.IsZero() || end.After(limit) || !end.After(x) {
				break
			}
			cands = append(cands, end)
			x = end
		}
	}
	slices.SortFunc(cands, time.Time.Compare)
	for _, c := range cands {
		if contains(w, c, zones) {
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

// Until returns when the window that t is inside closes: the earliest,
// over zones, of the window's end (clamped to the legal hours) on t's local
// date in that zone. ok is false when t is outside the window. It is what
// a staff reminder means by "call by 17:00".
func Until(w thankyou.Window, t time.Time, zones []*time.Location) (until time.Time, ok bool) {
	zones = usable(zones)
	w = clamped(w)
	if empty(w) || !contains(w, t, zones) {
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
func Add(w thankyou.Window, t time.Time, d time.Duration, zones []*time.Location) time.Time {
	t = Next(w, t, zones)
	for range maxAddSteps {
		if d <= 0 {
			return t
		}
		end, ok := Until(w, t, zones)
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
		t = Next(w, end, zones)
	}
	return t
}
