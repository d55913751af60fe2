package polite

import (
	"slices"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Date is a calendar date, read in the recipient's own time zone: a closed
// date is closed from its local midnight to the next, wherever they are.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns t's date in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats the date as 2026-12-24.
func (d Date) String() string {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// ParseDates parses a comma-separated list of dates written 2026-12-24
// (spaces allowed, duplicates dropped, sorted). An empty list is no dates.
// A bad date gives a *thankyou.Error with code EINVALID naming it.
func ParseDates(s string) ([]Date, error) {
	var out []Date
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, item)
		if err != nil {
			return nil, thankyou.Errorf(thankyou.EINVALID, "closed date %q is not a date like 2026-12-24", item)
		}
		if d := DateOf(t); !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b Date) int { return strings.Compare(a.String(), b.String()) })
	return out, nil
}

// FormatDates writes dates as ParseDates reads them ("2026-12-24,2026-12-31").
func FormatDates(ds []Date) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ",")
}
