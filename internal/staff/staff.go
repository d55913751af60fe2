// Package staff decides which staff member is asked to call a customer: the
// active member on duty at the call's due time with the fewest open calls,
// ties taken in turn (round-robin by id). It is pure: the caller reads the
// roster and the open calls from the table and records the choice.
package staff

import (
	"slices"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Shift returns a member's working window and the zone it is read in; ok is
// false when the zone does not load or no hours are set.
func Shift(m thankyou.StaffMember) (w thankyou.Window, zone *time.Location, ok bool) {
	name := strings.TrimSpace(m.TimeZone)
	if name == "" || name == "Local" || m.Hours.IsZero() {
		return thankyou.Window{}, nil, false
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return thankyou.Window{}, nil, false
	}
	return m.Hours, loc, true
}

// OnDuty reports whether m takes calls at t: active, and inside their
// working hours on one of their days in their own time zone (hours clamped
// to the legal 08:00-21:00, as for customers). A member whose zone or hours
// is unknown or who has no hours is never on duty.
func OnDuty(m thankyou.StaffMember, t time.Time) bool {
	if !m.Active {
		return false
	}
	w, loc, ok := Shift(m)
	return ok && polite.Contains(w, t, []*time.Location{loc})
}

// OnDutyUntil returns when the shift m is working at t ends, in m's zone,
// for wording such as "please call by 17:00". ok is false when m is not on
// duty at t.
func OnDutyUntil(m thankyou.StaffMember, t time.Time) (until time.Time, ok bool) {
	if !OnDuty(m, t) {
		return time.Time{}, false
	}
	w, loc, _ := Shift(m)
	y, mo, d := t.In(loc).Date()
	h, mi := int(w.End/time.Hour), int(w.End%time.Hour/time.Minute)
	s := int(w.End % time.Minute / time.Second)
	return time.Date(y, mo, d, h, mi, s, 0, loc), true
}

// NextOnDuty returns the earliest instant at or after t when m is on duty;
// ok is false for an inactive member or one whose zone is unknown or who has no hours.
func NextOnDuty(m thankyou.StaffMember, t time.Time) (time.Time, bool) {
	w, loc, ok := Shift(m)
	if !m.Active || !ok {
		return time.Time{}, false
	}
	return polite.Next(w, t, []*time.Location{loc}), true
}

// AfterWorking returns the instant d of m's working time after t (time off
// duty does not count): when a reminder unanswered for d working hours is
// escalated. ok is false as for NextOnDuty.
func AfterWorking(m thankyou.StaffMember, t time.Time, d time.Duration) (time.Time, bool) {
	w, loc, ok := Shift(m)
	if !m.Active || !ok {
		return time.Time{}, false
	}
	return polite.Add(w, t, d, []*time.Location{loc}), true
}

// Assign picks who is asked to make a call due at due: among the roster's
// active members on duty at due, the one with the fewest open calls
// (openCalls, by member id; missing means none). Ties go round-robin: the
// first tied member in id order after lastAssigned (the id of the member
// assigned the shop's previous call), wrapping around to the first. ok is
// false when nobody is on duty; the caller then uses the shop's default
// staff phone.
func Assign(due time.Time, roster []thankyou.StaffMember, openCalls map[string]int, lastAssigned string) (id string, ok bool) {
	var tied []string
	fewest := 0
	for _, m := range roster {
		if !OnDuty(m, due) {
			continue
		}
		switch n := openCalls[m.ID]; {
		case len(tied) == 0 || n < fewest:
			tied, fewest = []string{m.ID}, n
		case n == fewest:
			tied = append(tied, m.ID)
		}
	}
	if len(tied) == 0 {
		return "", false
	}
	slices.Sort(tied)
	for _, id := range tied {
		if id > lastAssigned {
			return id, true
		}
	}
	return tied[0], true
}
