package operator

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Summary sums up the orders received in a period by what became of their
// thank-you: each task counts once, under its state now.
//
// Received = Thanked + NotYetSent + AwaitingCall + Skipped + Failed +
// Expired + Cancelled + OptedOut + HeldOut + Other.
type Summary struct {
	Since  time.Time `json:"since"`
	Until  time.Time `json:"until"`
	Source string    `json:"source,omitempty"`
	Shop   string    `json:"shop,omitempty"`

	// Received counts the orders received: the tasks created.
	Received int `json:"ordersReceived"`
	// Thanked counts the customers thanked: messages and calls Twilio
	// accepted, Sent (no final status yet) + Delivered + Undelivered, and
	// CallsCompleted.
	Thanked     int `json:"thanked"`
	Sent        int `json:"sent"`
	Delivered   int `json:"delivered"`
	Undelivered int `json:"undelivered"`
	// NotYetSent counts pending tasks and those being sent.
	NotYetSent int `json:"notYetSent"`
	// AwaitingCall counts staff calls whose reminder went out and that
	// wait for the staff member's answer.
	AwaitingCall int `json:"awaitingCall"`
	Skipped      int `json:"skipped"`
	// SkippedByReason counts the skipped tasks by skip code
	// (thankyou.SkipCode: "min_total", "no_phone", ...).
	SkippedByReason map[string]int `json:"skippedByReason"`
	Failed          int            `json:"failed"`
	// FailedByCode groups the failed tasks by Twilio's error code ("none"
	// when Twilio gave none: out of attempts, past the deadline, ...).
	FailedByCode map[string]int `json:"failedByCode"`
	Expired      int            `json:"expired"`
	Cancelled    int            `json:"cancelled"`
	OptedOut     int            `json:"optedOut"`
	// CallsCompleted counts customers called: staff calls answered DONE
	// or bridged, and automated calls answered.
	CallsCompleted int `json:"callsCompleted"`
	// HeldOut counts the orders of customers in the shop's holdout group,
	// never contacted (see package effect).
	HeldOut int `json:"heldOut,omitempty"`
	// Other counts tasks in a state this tool does not know.
	Other int `json:"other,omitempty"`
}

// NewSummary returns an empty summary of the period [since, until).
func NewSummary(since, until time.Time) Summary {
	return Summary{Since: since, Until: until, SkippedByReason: map[string]int{}, FailedByCode: map[string]int{}}
}

// Add counts one task. It only counts: the caller selects the tasks.
func (s *Summary) Add(t thankyou.Task) {
	if s.SkippedByReason == nil {
		s.SkippedByReason = map[string]int{}
	}
	if s.FailedByCode == nil {
		s.FailedByCode = map[string]int{}
	}
	s.Received++
	switch t.State {
	case thankyou.StatePending, thankyou.StateSending, thankyou.StateAwaitingFulfilment:
		s.NotYetSent++
	case thankyou.StateReminded:
		s.AwaitingCall++
	case thankyou.StateCalled:
		s.Thanked++
		s.CallsCompleted++
	case thankyou.StateSent:
		s.Thanked++
		s.Sent++
	case thankyou.StateDelivered:
		s.Thanked++
		s.Delivered++
	case thankyou.StateUndelivered:
		s.Thanked++
		s.Undelivered++
	case thankyou.StateSkipped:
		s.Skipped++
		code := t.SkipCode
		if code == "" {
			code = thankyou.SkipOther
		}
		s.SkippedByReason[string(code)]++
	case thankyou.StateFailed:
		s.Failed++
		code := "none"
		if t.ErrorCode != 0 {
			code = strconv.Itoa(t.ErrorCode)
		}
		s.FailedByCode[code]++
	case thankyou.StateExpired:
		s.Expired++
	case thankyou.StateCancelled:
		s.Cancelled++
	case thankyou.StateOptedOut:
		s.OptedOut++
	case thankyou.StateHeldOut:
		s.HeldOut++
	default:
		s.Other++
	}
}

func (t *Tool) summary(ctx context.Context, args []string) error {
	fs := newFlags("summary")
	var (
		src    = fs.String("source", "", "")
		shop   = fs.String("shop", "", "")
		since  = fs.String("since", "", "")
		until  = fs.String("until", "", "")
		asJSON = fs.Bool("json", false, "")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *since == "" {
		return fmt.Errorf("%w: --since is required, e.g. `thankyou summary --since 2026-11-01`", ErrUsage)
	}
	source, shopID, err := scopeFlags(*src, *shop)
	if err != nil {
		return err
	}
	from, before, err := period(*since, *until)
	if err != nil {
		return err
	}
	if before.IsZero() {
		before = t.Now().UTC().Truncate(time.Second).Add(time.Second)
	}
	s := NewSummary(from, before)
	s.Source, s.Shop = string(source), shopID
	q := dynamo.TaskQuery{TaskFilter: dynamo.TaskFilter{Source: source, Shop: shopID}, CreatedFrom: from, CreatedBefore: before}
	bar := t.progressBar()
	err = t.Store.ScanTasks(ctx, q, bar.fn(), func(task thankyou.Task) error {
		if inScope(task, source, shopID) {
			s.Add(task)
		}
		return nil
	})
	bar.finish()
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	if *asJSON {
		return writeJSON(t.Out, s)
	}
	return s.write(t)
}

// write prints the summary as a table.
func (s Summary) write(t *Tool) error {
	where := "all shops"
	switch {
	case s.Shop != "":
		where = s.Source + ":" + s.Shop
	case s.Source != "":
		where = "every " + s.Source + " shop"
	}
	fmt.Fprintf(t.Out, "Orders received %s to %s UTC, %s, by what became of their thank-you:\n\n",
		s.Since.UTC().Format("2006-01-02 15:04"), s.Until.UTC().Format("2006-01-02 15:04"), where)
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	row := func(label string, n int, note string) {
		if note != "" {
			note = "  " + note
		}
		fmt.Fprintf(tw, "%s\t%6d%s\n", label, n, note)
	}
	row("orders received", s.Received, "")
	row("thanked", s.Thanked, fmt.Sprintf("delivered %d, undelivered %d, awaiting status %d, called %d", s.Delivered, s.Undelivered, s.Sent, s.CallsCompleted))
	row("delivered", s.Delivered, "")
	row("not yet sent", s.NotYetSent, "pending, or being sent")
	row("awaiting a call", s.AwaitingCall, "staff reminded, no answer yet")
	row("skipped", s.Skipped, "")
	for _, k := range byCount(s.SkippedByReason) {
		row("  "+k, s.SkippedByReason[k], "")
	}
	row("failed", s.Failed, "")
	for _, k := range byCount(s.FailedByCode) {
		label := "  Twilio " + k
		if k == "none" {
			label = "  no Twilio code"
		}
		row(label, s.FailedByCode[k], "")
	}
	row("expired", s.Expired, "no polite time left before the deadline")
	row("cancelled", s.Cancelled, "order cancelled or refunded, customer erased, or by an operator")
	row("opted out", s.OptedOut, "the recipient replied STOP")
	row("calls completed", s.CallsCompleted, "staff replied DONE or the call was bridged; automated calls answered")
	if s.HeldOut > 0 {
		row("held out", s.HeldOut, "the shop's holdout group: never contacted, to measure the effect")
	}
	if s.Other > 0 {
		row("other states", s.Other, "")
	}
	return tw.Flush()
}

// byCount returns the keys of m, the largest count first, then by name.
func byCount(m map[string]int) []string {
	return slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
}
