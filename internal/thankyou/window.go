package thankyou

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The legal hours, recipient-local: a floor that configuration can narrow
// but never widen. A parsed Window never starts before LegalStart and
// always ends by LegalEnd.
const (
	LegalStart = 8 * time.Hour
	LegalEnd   = 21 * time.Hour
)

// Window is a send window (or a staff member's shift): wall-clock hours on
// some days of the week, the same in every zone it is applied to. The zero
// Window is "none set" (a shop, staff member or task then uses the
// deployment's). Package polite does the time arithmetic on it.
type Window struct {
	// Start and End are offsets of the local wall clock from midnight; the
	// window is [Start, End).
	Start, End time.Duration
	// Days says on which days the window is open, indexed by time.Weekday.
	Days [7]bool
}

// ParseWindow parses a window as configured: start and end as "10:00"
// (24-hour clock; end may be "24:00") and days as a range ("Mon-Fri",
// "Sat-Mon" wrapping, "Mon-Sun"), a list ("Mon,Wed,Sat") or a mix
// ("Mon,Wed-Fri"), case-insensitive, with three-letter or full day names.
// Start and end are clamped to the legal hours. It returns an *Error with
// code EINVALID naming the bad value for a malformed time, a window that is
// empty after clamping, or no days.
func ParseWindow(start, end, days string) (Window, error) {
	var w Window
	s, err := ParseClock(start)
	if err != nil {
		return Window{}, Errorf(EINVALID, "send window start %q is not a time like 10:00", start)
	}
	e, err := ParseClock(end)
	if err != nil {
		return Window{}, Errorf(EINVALID, "send window end %q is not a time like 17:00", end)
	}
	w.Start, w.End = max(s, LegalStart), min(e, LegalEnd)
	if w.Start >= w.End {
		return Window{}, Errorf(EINVALID, "send window %q-%q is empty within the legal hours %s-%s",
			start, end, Clock(LegalStart), Clock(LegalEnd))
	}
	if w.Days, err = parseDays(days); err != nil {
		return Window{}, err
	}
	return w, nil
}

// ParseWindowText parses a window written in one piece, as String writes it
// ("10:00-17:00 Mon,Tue,Wed,Thu,Fri") or with ParseWindow's day forms
// ("09:00-17:00 Mon-Fri"), as STAFF_HOURS, the operators' tool and stored
// items write it. Empty text is the zero Window.
func ParseWindowText(s string) (Window, error) {
	if strings.TrimSpace(s) == "" {
		return Window{}, nil
	}
	times, days, ok := strings.Cut(strings.TrimSpace(s), " ")
	start, end, ok2 := strings.Cut(times, "-")
	if !ok || !ok2 {
		return Window{}, Errorf(EINVALID, "window %q is not written like 10:00-17:00 Mon-Fri", s)
	}
	return ParseWindow(start, end, days)
}

// IsZero reports whether w is the zero Window: none set.
func (w Window) IsZero() bool { return w == Window{} }

// String formats the window as "10:00-17:00 Mon,Tue,Wed,Thu,Fri", days in
// week order starting on Monday; the zero Window is "".
func (w Window) String() string {
	if w.IsZero() {
		return ""
	}
	start, end, days := w.Fields()
	return start + "-" + end + " " + days
}

// Fields returns the window in ParseWindow's three parts: "10:00", "17:00"
// and "Mon,Tue,Wed,Thu,Fri"; three empty strings for the zero Window.
func (w Window) Fields() (start, end, days string) {
	if w.IsZero() {
		return "", "", ""
	}
	var b strings.Builder
	for i := 1; i <= 7; i++ {
		d := time.Weekday(i % 7)
		if w.Days[d] {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			name := dayNames[d]
			b.WriteString(strings.ToUpper(name[:1]) + name[1:3])
		}
	}
	return Clock(w.Start), Clock(w.End), b.String()
}

// MarshalText writes String's form, so stores and JSON carry the window as
// text.
func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText reads what ParseWindowText reads.
func (w *Window) UnmarshalText(b []byte) error {
	v, err := ParseWindowText(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// ParseClock parses a wall-clock time "H:MM" or "HH:MM", from 00:00 to
// 24:00, as an offset from midnight.
func ParseClock(s string) (time.Duration, error) {
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
			return days, Errorf(EINVALID,
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
		return days, Errorf(EINVALID, "send days %q names no day (want e.g. Mon-Fri)", s)
	}
	return days, nil
}

// Clock formats an offset from midnight as "HH:MM" (or "HH:MM:SS" when it
// has seconds), as ParseClock reads it.
func Clock(d time.Duration) string {
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	if s != 0 {
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", h, m)
}

// MustWindow is ParseWindowText for a window fixed in code (defaults,
// demos, tests); it panics on a bad one.
func MustWindow(text string) Window {
	w, err := ParseWindowText(text)
	if err != nil {
		panic(err)
	}
	return w
}
