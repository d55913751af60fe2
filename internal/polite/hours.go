package polite

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Recipient is the person one contact reaches, as far as their hours go.
// Phone, Region and Country name the law and the holidays that apply (the
// number's area code and country, the order's address): a customer's.
// Leave them empty for a staff member, whose shift (the Hours' window,
// within the federal hours, in their Zones) alone decides.
type Recipient struct {
	// Phone is the number contacted, in E.164.
	Phone string
	// Zones are the time zones the number (or the person) is in, best
	// narrowed with the order's address by RecipientZones. No zones
	// means UTC; nil zones are ignored.
	Zones []*time.Location
	// Region is the ISO 3166-2 code of the order's shipping or billing
	// address ("US-FL"), or "" when unknown.
	Region string
	// Country is the ISO country of the order's address when Region is
	// unknown ("US"), or "".
	Country string
}

// Reason says which rule decided a Verdict.
type Reason string

// The reasons a contact may not be made at an instant. When several rules
// close an instant, the reason is the first of: legal, state, holiday,
// closed, window.
const (
	// ReasonOpen: the instant is inside every rule.
	ReasonOpen Reason = ""
	// ReasonWindow: outside the configured window (shop's or staff shift).
	ReasonWindow Reason = "window"
	// ReasonLegal: outside the federal hours, 08:00-21:00 recipient-local.
	ReasonLegal Reason = "legal"
	// ReasonHoliday: a public holiday of the recipient's country (or
	// region, where the holiday library knows it).
	ReasonHoliday Reason = "holiday"
	// ReasonClosed: one of the shop's (or the deployment's) closed dates.
	ReasonClosed Reason = "closed"
	// ReasonNoPoliteTime: the rules leave no polite instant in the
	// recipient's zones within the search horizon (or before a deadline).
	ReasonNoPoliteTime Reason = "no_polite_time"
)

// ReasonState returns the reason of a US state's rule: "state:FL".
func ReasonState(code string) Reason { return Reason("state:" + code) }

// NoPoliteTimeText is the reason a task ends with when its number's zones
// and rules share no polite time.
const NoPoliteTimeText = "no polite time for this number's time zones"

// hoursHorizon is how far ahead At looks for an instant inside every
// rule: long enough for a two-week closure around a holiday weekend.
const hoursHorizon = 31 * 24 * time.Hour

// Hours are the hours in which one kind of contact may be made: the
// configured window, narrowed by the legal hours and every other rule that
// applies to the recipient.
type Hours struct {
	// Window is the configured window (the shop's, or a staff member's
	// shift). It is clamped to the legal hours.
	Window thankyou.Window
	// Closed are dates on which nobody is contacted (the shop's and the
	// deployment's closed dates), read in the recipient's zones.
	Closed []Date
}

// Verdict is what Hours answers for one recipient at one instant.
type Verdict struct {
	// Open is true when the instant is inside every rule.
	Open bool
	// Until, when Open, is when the hours close (the earliest over the
	// recipient's zones).
	Until time.Time
	// Next, when not Open, is the earliest instant inside every rule; zero
	// with ReasonNoPoliteTime.
	Next time.Time
	// Reason is the rule that closed the instant (ReasonOpen when Open).
	Reason Reason
	// Detail says more for people, e.g. which zone or rule.
	Detail string
}

// At tells whether a contact to r may be made at t, and if not, when it
// may: the strictest of the configured window, the federal hours, the
// rules of r's US states (of the number's area code and of the order's
// address), the public holidays of r's country and region and the closed
// dates, in every one of r's zones.
func (h Hours) At(t time.Time, r Recipient) Verdict {
	e := h.rules(r)
	if empty(e.window) {
		return Verdict{Reason: ReasonNoPoliteTime, Detail: "the window is never open"}
	}
	why, detail := e.check(t)
	if why == ReasonOpen {
		return Verdict{Open: true, Until: e.until(t)}
	}
	next, ok := e.next(t, t.Add(hoursHorizon))
	if !ok {
		return Verdict{Reason: ReasonNoPoliteTime, Detail: fmt.Sprintf("no time inside every rule in every zone of %s within %d days", ZoneNames(e.zones), int(hoursHorizon/(24*time.Hour)))}
	}
	return Verdict{Next: next, Reason: why, Detail: detail}
}

// Before is At for a contact that must be made by deadline: when the next
// polite instant is after it, the verdict is ReasonNoPoliteTime.
func (h Hours) Before(t, deadline time.Time, r Recipient) Verdict {
	v := h.At(t, r)
	if !v.Open && v.Reason != ReasonNoPoliteTime && v.Next.After(deadline) {
		return Verdict{Reason: ReasonNoPoliteTime, Detail: fmt.Sprintf("next polite time %s is after the deadline %s (%s: %s)",
			v.Next.UTC().Format(time.RFC3339), deadline.UTC().Format(time.RFC3339), v.Reason, v.Detail)}
	}
	return v
}

// Due returns when a contact first due at from may be made (from itself
// when open), or ok false with the verdict's detail when no polite time is
// left within the horizon.
func (h Hours) Due(from time.Time, r Recipient) (due time.Time, v Verdict, ok bool) {
	v = h.At(from, r)
	switch {
	case v.Open:
		return from.UTC(), v, true
	case v.Reason == ReasonNoPoliteTime:
		return time.Time{}, v, false
	default:
		return v.Next, v, true
	}
}

// ruleSet is everything that applies to one recipient.
type ruleSet struct {
	window   thankyou.Window
	zones    []*time.Location
	states   []StateRule
	holidays *holidayCalendar
	// stateHolidays are the legal holidays the states' bans refer to
	// (the US federal holidays).
	stateHolidays *holidayCalendar
	closed        []Date
}

func (h Hours) rules(r Recipient) ruleSet {
	regions := []string{strings.ToUpper(r.Region), strings.ToUpper(r.Country)}
	if area := AreaRegion(r.Phone); area != "" {
		regions = append(regions, area)
	} else {
		regions = append(regions, phone.Country(r.Phone))
	}
	regions = slices.DeleteFunc(regions, func(s string) bool { return s == "" })
	rs := ruleSet{
		window:   clamped(h.Window),
		zones:    usable(r.Zones),
		states:   statesOf(r),
		holidays: newHolidayCalendar(regions),
		closed:   h.Closed,
	}
	if len(rs.states) > 0 {
		rs.stateHolidays = &holidayCalendar{lists: [][]*cal.Holiday{us.Holidays}, days: map[Date]string{}, years: map[int]bool{}}
	}
	return rs
}

// wallClock returns the offset of t's wall clock from its local midnight.
func wallClock(lt time.Time) time.Duration {
	h, m, s := lt.Clock()
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(lt.Nanosecond())
}

// check returns the first rule that closes t in one of the zones, with a
// detail for people; ReasonOpen when none does.
func (rs ruleSet) check(t time.Time) (Reason, string) {
	legal := span{thankyou.LegalStart, thankyou.LegalEnd}
	for _, z := range rs.zones {
		lt := t.In(z)
		if w := wallClock(lt); w < legal.Start || w >= legal.End {
			return ReasonLegal, fmt.Sprintf("%s in %s is outside the legal hours %s", lt.Format("15:04"), z, legal)
		}
	}
	for _, s := range rs.states {
		for _, z := range rs.zones {
			lt := t.In(z)
			if name := rs.stateHolidays.holiday(DateOf(lt)); s.HolidayBan && name != "" {
				return ReasonState(s.State), fmt.Sprintf("%s bans contact on legal holidays (%s, %s in %s; %s)", s.Name, name, DateOf(lt), z, s.Citation)
			}
			hours := s.Hours[lt.Weekday()]
			if w := wallClock(lt); w < hours.Start || w >= hours.End {
				return ReasonState(s.State), fmt.Sprintf("%s allows %s on %s (%s); it is %s %s in %s", s.Name, hours, lt.Weekday(), s.Citation, lt.Weekday(), lt.Format("15:04"), z)
			}
		}
	}
	for _, z := range rs.zones {
		lt := t.In(z)
		if name := rs.holidays.holiday(DateOf(lt)); name != "" {
			return ReasonHoliday, fmt.Sprintf("%s is %s in %s", DateOf(lt), name, z)
		}
	}
	for _, z := range rs.zones {
		lt := t.In(z)
		if d := DateOf(lt); slices.Contains(rs.closed, d) {
			return ReasonClosed, fmt.Sprintf("closed on %s (%s)", d, z)
		}
	}
	for _, z := range rs.zones {
		lt := t.In(z)
		if w := wallClock(lt); !rs.window.Days[lt.Weekday()] || w < rs.window.Start || w >= rs.window.End {
			return ReasonWindow, fmt.Sprintf("%s %s in %s is outside the window %s", lt.Weekday(), lt.Format("15:04"), z, rs.window)
		}
	}
	return ReasonOpen, ""
}

// day returns the part of a local date in which every rule allows contact
// (closed when none).
func (rs ruleSet) day(d Date) span {
	wd := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Weekday()
	if !rs.window.Days[wd] || rs.holidays.holiday(d) != "" || slices.Contains(rs.closed, d) {
		return span{}
	}
	s := span{max(thankyou.LegalStart, rs.window.Start), min(thankyou.LegalEnd, rs.window.End)}
	for _, st := range rs.states {
		if st.HolidayBan && rs.stateHolidays.holiday(d) != "" {
			return span{}
		}
		s.Start, s.End = max(s.Start, st.Hours[wd].Start), min(s.End, st.Hours[wd].End)
	}
	return s
}

// at returns the instant of a wall-clock offset on a local date in z.
func wallAt(d Date, off time.Duration, z *time.Location) time.Time {
	h, m := int(off/time.Hour), int(off%time.Hour/time.Minute)
	s, ns := int(off%time.Minute/time.Second), int(off%time.Second)
	return time.Date(d.Year, d.Month, d.Day, h, m, s, ns, z)
}

// until returns when the hours that t is inside close: the earliest, over
// the zones, of the end of t's local day's span.
func (rs ruleSet) until(t time.Time) time.Time {
	var until time.Time
	for _, z := range rs.zones {
		d := DateOf(t.In(z))
		end := wallAt(d, rs.day(d).End, z)
		if until.IsZero() || end.Before(until) {
			until = end
		}
	}
	return until.UTC()
}

// next finds the earliest instant in [t, limit] inside every rule in
// every zone. The allowed set in each zone is a union of one interval per
// local day, so the intersection's left ends are each some zone's day
// start or a zone transition (the wall clock jumping into the interval):
// the answer is the earliest such candidate that passes check.
func (rs ruleSet) next(t, limit time.Time) (time.Time, bool) {
	days := int(limit.Sub(t)/(24*time.Hour)) + 2
	var cands []time.Time
	for _, z := range rs.zones {
		lt := t.In(z)
		y, mo, dd := lt.Date()
		for i := -1; i < days; i++ {
			d := DateOf(time.Date(y, mo, dd+i, 0, 0, 0, 0, time.UTC))
			s := rs.day(d)
			if s.closed() {
				continue
			}
			if c := wallAt(d, s.Start, z); !c.Before(t) && !c.After(limit) {
				cands = append(cands, c)
			}
		}
		x := lt
		for range maxTransitions * 3 {
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
		if why, _ := rs.check(c); why == ReasonOpen {
			return c.UTC(), true
		}
	}
	return time.Time{}, false
}

// RecipientZones returns the zones to use for a number: the number's own
// zones (IANA names as phone.TimeZones gives them) narrowed to those of
// the order's region ("US-CA"). When the number gives no zone the
// region's are used; when the two disagree, both (the person may be in
// either); with neither, fallback (UTC if nil).
func RecipientZones(numberZones []string, region string, fallback *time.Location) []*time.Location {
	own := loadZones(numberZones)
	hasOwn := len(own) > 0
	rz := RegionZones(region)
	switch {
	case len(rz) == 0 && hasOwn:
		return own
	case len(rz) == 0:
		return Zones(nil, fallback)
	case !hasOwn:
		return Zones(rz, fallback)
	}
	var in []*time.Location
	for _, z := range own {
		if slices.Contains(rz, z.String()) {
			in = append(in, z)
		}
	}
	if len(in) > 0 {
		return in
	}
	return append(own, Zones(rz, nil)...)
}
