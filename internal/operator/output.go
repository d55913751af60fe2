package operator

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// progressBar draws one line on Tool.Progress, rewritten in place, while a
// listing reads pages.
type progressBar struct {
	w     io.Writer
	width int // length of the line drawn last, to blank what a shorter one leaves
}

// progressBar returns the tool's progress bar; it draws nothing when the
// tool has no Progress writer.
func (t *Tool) progressBar() *progressBar { return &progressBar{w: t.Progress} }

// fn returns the function to pass to a listing, nil when nothing is drawn
// (so the store does not estimate the table's size for nobody).
func (b *progressBar) fn() func(dynamo.Progress) {
	if b.w == nil {
		return nil
	}
	return b.update
}

func (b *progressBar) update(p dynamo.Progress) {
	line := progressLine(p)
	fmt.Fprintf(b.w, "\r%s%s", line, strings.Repeat(" ", max(0, b.width-len(line))))
	b.width = len(line)
}

// finish ends the line, if one was drawn.
func (b *progressBar) finish() {
	if b.w != nil && b.width > 0 {
		fmt.Fprintln(b.w)
		b.width = 0
	}
}

const barWidth = 24

// progressLine renders a listing's progress: a bar when the total is known
// (an estimate for a table scan), the counts otherwise.
func progressLine(p dynamo.Progress) string {
	label, one, many, about := "Scanning the table", "item", "items", "~"
	switch p.Step {
	case "index":
		label, one, many = "Reading the due index", "entry", "entries"
	case "tasks":
		label, one, many, about = "Reading the tasks", "task", "tasks", ""
	}
	pages := plural(p.Pages, "page", "pages")
	if p.Total <= 0 {
		return fmt.Sprintf("%s: %s, %s", label, pages, plural(p.Items, one, many))
	}
	frac := min(float64(p.Items)/float64(p.Total), 1)
	filled := int(frac * barWidth)
	return fmt.Sprintf("%s [%s%s] %3d%% %s, %d of %s%d %s", label,
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), int(frac*100), pages, p.Items, about, p.Total, many)
}

// dayLayout is a --since/--until day.
const dayLayout = "2006-01-02"

// parseDate parses a --since or --until value: a day (UTC) or an RFC 3339
// time. With endOfDay a day means its end (the next midnight), so that
// --until 2026-11-30 includes the 30th.
func parseDate(flagName, s string, endOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.Parse(dayLayout, s); err == nil {
		if endOfDay {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%w: --%s %q: write a day like 2026-11-23 (UTC) or a time like 2026-11-23T15:04:05Z", ErrUsage, flagName, s)
}

// period parses --since and --until (either may be empty) into [from, before).
func period(since, until string) (from, before time.Time, err error) {
	if since != "" {
		if from, err = parseDate("since", since, false); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if until != "" {
		if before, err = parseDate("until", until, true); err != nil {
			return time.Time{}, time.Time{}, err
		}
	}
	if !from.IsZero() && !before.IsZero() && !before.After(from) {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: --until %s is not after --since %s: the period is empty", ErrUsage, until, since)
	}
	return from, before, nil
}

// Phone numbers as free text may quote them (Twilio's error messages do):
// an international number, or a long run of digits.
var (
	quotedPhone = regexp.MustCompile(`\+\d[\d ().-]{5,}\d|\d{9,}`)
	quotedEmail = regexp.MustCompile(`[^\s<>()"',;:]+@[^\s<>()"',;:]+`)
)

// scrub masks the phone numbers and emails a free-text reason may quote.
func scrub(s string) string {
	s = quotedPhone.ReplaceAllStringFunc(s, func(m string) string {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if strings.HasPrefix(m, "+") {
			digits = "+" + digits
		}
		return phone.Mask(digits)
	})
	return quotedEmail.ReplaceAllString(s, "(email)")
}

// plural writes a count with its noun: "1 task", "2 tasks".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// warn writes a warning line for the operator.
func (t *Tool) warn(format string, args ...any) {
	w := t.Err
	if w == nil {
		w = t.Out
	}
	fmt.Fprintf(w, "warning: "+format+"\n", args...)
}

// windowFlags parses a window or a shift given as flags: hours written
// HH:MM-HH:MM (the flag hoursFlag) and days (daysFlag). Hours outside the
// legal 08:00-21:00 are narrowed to them, as they are used: clamped then
// says so, for a warning.
func windowFlags(hoursFlag, daysFlag, hours, days string) (w thankyou.Window, clamped bool, err error) {
	start, end, ok := strings.Cut(hours, "-")
	if !ok {
		return thankyou.Window{}, false, fmt.Errorf("%w: %s %q: write it as HH:MM-HH:MM, e.g. 10:00-17:00", ErrUsage, hoursFlag, hours)
	}
	if w, err = thankyou.ParseWindow(start, end, days); err != nil {
		return thankyou.Window{}, false, fmt.Errorf("%s/%s: %s", hoursFlag, daysFlag, thankyou.ErrorMessage(err))
	}
	s, _ := thankyou.ParseClock(start)
	e, _ := thankyou.ParseClock(end)
	return w, s != w.Start || e != w.End, nil
}

// warnClamped warns that the hours given with flag were narrowed to w's.
func (t *Tool) warnClamped(flag, hours string, w thankyou.Window) {
	start, end, _ := w.Fields()
	t.warn("%s %s is clamped to %s-%s: no one is texted or called before 08:00 or after 21:00 in their own time", flag, hours, start, end)
}
