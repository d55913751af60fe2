// Package effect measures what a shop's thank-yous do: it holds a share of
// a shop's new customers out of every thank-you (HeldOut, by a keyed hash
// under the shop's salt, stratified by channel) and reports, from the
// customers' later orders, how many more of the thanked customers came
// back than of the held-out ones, per channel, with 95% confidence
// intervals and a verdict in plain words (Build). WriteSVG plots the
// cumulative repeat rate of each group.
//
// It is pure: the store records the links (a customer's first thanked or
// held-out order and their later orders, under keyed hashes only) and
// hands them to Build.
package effect

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Link is one customer of a shop as the effect sees them: the group their
// first thanked or held-out order put them in, when that order was placed,
// and their later orders.
type Link struct {
	Channel thankyou.Channel
	HeldOut bool
	First   time.Time
	Orders  []Order
}

// Order is a later order of a linked customer.
type Order struct {
	At time.Time
	// Amount is the order's total in Currency's major unit.
	Amount   float64
	Currency string
	// Cancelled orders (cancelled or refunded) do not count.
	Cancelled bool
}

// Options say which customers a report counts.
type Options struct {
	// Since and Until bound when the customers' first orders were placed
	// (Until zero: Now).
	Since, Until time.Time
	// Within is the window after the first order in which a later order
	// counts as a repeat (zero: DefaultWithin).
	Within time.Duration
	// Now is the report's time: only customers whose window has fully
	// passed by Now count.
	Now time.Time
	// Detect is the difference in repeat rate (0.03: 3 points) the
	// "not enough data" verdict sizes the groups for (zero: DefaultDetect).
	Detect float64
	// Resamples is how many resamples a revenue interval draws (zero:
	// DefaultResamples).
	Resamples int
}

// DefaultResamples is how many resamples a bootstrap interval draws.
const DefaultResamples = 2000

// DefaultWithin is the repeat window when none is given: 90 days.
const DefaultWithin = 90 * 24 * time.Hour

// DefaultDetect is the difference a report sizes the groups for: 3 points.
const DefaultDetect = 0.03

// ParseWithin reads a repeat window written in days, "90d".
func ParseWithin(s string) (time.Duration, error) {
	num, ok := strings.CutSuffix(strings.TrimSpace(s), "d")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 || n > 730 {
		return 0, thankyou.Errorf(thankyou.EINVALID, "window %q: a number of days from 1d to 730d", s)
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// Report is what a shop's thank-yous did.
type Report struct {
	Since      time.Time `json:"since"`
	Until      time.Time `json:"until"`
	WithinDays int       `json:"withinDays"`
	Now        time.Time `json:"now"`
	// Waiting counts the customers in the period whose window has not
	// fully passed yet: they are not counted.
	Waiting     int          `json:"waiting"`
	Groups      []Group      `json:"groups"`
	Comparisons []Comparison `json:"comparisons"`
}

// Group is the figures of one group: the customers thanked through one
// channel, or those held out of it.
type Group struct {
	Name    string           `json:"name"`
	Channel thankyou.Channel `json:"channel"`
	HeldOut bool             `json:"heldOut"`
	// Customers counted; Repeaters of them ordered again within the window.
	Customers  int      `json:"customers"`
	Repeaters  int      `json:"repeaters"`
	RepeatRate float64  `json:"repeatRate"`
	RateCI     Interval `json:"rateCI"`
	// OrdersPerCustomer is the later orders within the window per customer.
	OrdersPerCustomer float64   `json:"ordersPerCustomer"`
	Revenue           []Revenue `json:"revenue"`
	// Curve is the cumulative repeat rate by days since the first order.
	Curve []Point `json:"curve"`

	revenue map[string][]float64 // per currency, one value per customer
}

// Revenue is the later orders' revenue per customer in one currency.
type Revenue struct {
	Currency    string  `json:"currency"`
	PerCustomer float64 `json:"perCustomer"`
}

// Point is the cumulative repeat rate Day days after the first order.
type Point struct {
	Day  int      `json:"day"`
	Rate float64  `json:"rate"`
	CI   Interval `json:"ci"`
}

// Comparison is one channel against its held-out customers.
type Comparison struct {
	Channel thankyou.Channel `json:"channel"`
	// Difference is the thanked minus the held-out repeat rate, in repeat
	// customers per 100, with its 95% Newcombe interval.
	Difference float64  `json:"difference"`
	CI         Interval `json:"ci"`
	// Revenue is the difference in revenue per customer per currency, with
	// its 95% percentile bootstrap interval.
	Revenue []RevenueDifference `json:"revenue"`
	// Needed is how many customers per group a 3-point difference (Detect)
	// needs to be detected at 80% power; Verdict says it all in words.
	Needed  int    `json:"needed"`
	Verdict string `json:"verdict"`
}

// RevenueDifference is the difference in revenue per customer in one
// currency, thanked minus held out.
type RevenueDifference struct {
	Currency   string   `json:"currency"`
	Difference float64  `json:"difference"`
	CI         Interval `json:"ci"`
}

// channels is the order groups are reported in.
var channels = []thankyou.Channel{thankyou.ChannelSMS, thankyou.ChannelCall, thankyou.ChannelStaff}

// ChannelWords names what a channel does to a customer, for verdicts.
func ChannelWords(c thankyou.Channel) string {
	switch c {
	case thankyou.ChannelSMS:
		return "the thank-you SMS"
	case thankyou.ChannelCall:
		return "the automated call"
	case thankyou.ChannelStaff:
		return "the staff call"
	}
	return "the " + string(c) + " thank-you"
}

// GroupName names a group in tables and plots.
func GroupName(c thankyou.Channel, heldOut bool) string {
	if heldOut {
		return "held out of " + string(c)
	}
	return string(c)
}

// Build computes the report of links under opts.
func Build(links []Link, opts Options) Report {
	if opts.Within <= 0 {
		opts.Within = DefaultWithin
	}
	if opts.Detect <= 0 {
		opts.Detect = DefaultDetect
	}
	if opts.Resamples <= 0 {
		opts.Resamples = DefaultResamples
	}
	if opts.Until.IsZero() || opts.Until.After(opts.Now) {
		opts.Until = opts.Now
	}
	days := int(opts.Within / (24 * time.Hour))
	rep := Report{Since: opts.Since, Until: opts.Until, WithinDays: days, Now: opts.Now}
	type key struct {
		c thankyou.Channel
		h bool
	}
	groups := map[key]*Group{}
	firsts := map[key][]float64{} // days to each customer's first repeat (+Inf: none)
	orders := map[key]int{}
	for _, l := range links {
		if l.First.Before(opts.Since) || !l.First.Before(opts.Until) {
			continue
		}
		end := l.First.Add(opts.Within)
		if end.After(opts.Now) {
			rep.Waiting++
			continue
		}
		k := key{l.Channel, l.HeldOut}
		g := groups[k]
		if g == nil {
			g = &Group{Name: GroupName(l.Channel, l.HeldOut), Channel: l.Channel, HeldOut: l.HeldOut, revenue: map[string][]float64{}}
			groups[k] = g
		}
		g.Customers++
		first := math.Inf(1)
		spent := map[string]float64{}
		for _, o := range l.Orders {
			if o.Cancelled || !o.At.After(l.First) || o.At.After(end) {
				continue
			}
			orders[k]++
			spent[o.Currency] += o.Amount
			first = math.Min(first, o.At.Sub(l.First).Hours()/24)
		}
		if !math.IsInf(first, 1) {
			g.Repeaters++
		}
		firsts[k] = append(firsts[k], first)
		// Every customer of the group counts in every currency's mean,
		// those who spent nothing in it with 0.
		for cur := range spent {
			if _, ok := g.revenue[cur]; !ok {
				g.revenue[cur] = make([]float64, g.Customers-1)
			}
		}
		for cur := range g.revenue {
			g.revenue[cur] = append(g.revenue[cur], spent[cur])
		}
	}
	for _, c := range channels {
		for _, h := range []bool{false, true} {
			k := key{c, h}
			g := groups[k]
			if g == nil {
				continue
			}
			g.RepeatRate = float64(g.Repeaters) / float64(g.Customers)
			g.RateCI = Wilson(g.Repeaters, g.Customers)
			g.OrdersPerCustomer = float64(orders[k]) / float64(g.Customers)
			for _, cur := range sortedKeys(g.revenue) {
				g.Revenue = append(g.Revenue, Revenue{Currency: cur, PerCustomer: mean(g.revenue[cur])})
			}
			g.Curve = curve(firsts[k], days)
			rep.Groups = append(rep.Groups, *g)
		}
		t, held := groups[key{c, false}], groups[key{c, true}]
		if t != nil || held != nil {
			rep.Comparisons = append(rep.Comparisons, compare(c, t, held, opts))
		}
	}
	return rep
}

func compare(c thankyou.Channel, t, held *Group, opts Options) Comparison {
	detect := opts.Detect
	cmp := Comparison{Channel: c}
	words := ChannelWords(c)
	if t == nil || held == nil {
		n := 0
		if t != nil {
			n = t.Customers
		}
		if held != nil {
			n = held.Customers
		}
		cmp.Needed = SampleSize(0.1, detect)
		if held == nil {
			cmp.Verdict = fmt.Sprintf("no held-out customers to compare %s with yet: set a holdout for the shop (%s thanked so far)", words, thousands(n))
		} else {
			cmp.Verdict = fmt.Sprintf("no thanked customers to compare with the %s held out of %s yet", thousands(n), words)
		}
		return cmp
	}
	ci := Newcombe(t.Repeaters, t.Customers, held.Repeaters, held.Customers)
	cmp.Difference = 100 * (t.RepeatRate - held.RepeatRate)
	cmp.CI = Interval{100 * ci.Low, 100 * ci.High}
	for _, cur := range union(sortedKeys(t.revenue), sortedKeys(held.revenue)) {
		a, b := padded(t.revenue[cur], t.Customers), padded(held.revenue[cur], held.Customers)
		cmp.Revenue = append(cmp.Revenue, RevenueDifference{Currency: cur, Difference: mean(a) - mean(b), CI: BootstrapDiff(a, b, opts.Resamples)})
	}
	cmp.Needed = SampleSize(held.RepeatRate, detect)
	estimate := fmt.Sprintf("(95%% CI %s to %s)", oneDecimal(cmp.CI.Low), oneDecimal(cmp.CI.High))
	switch more := cmp.Needed - min(t.Customers, held.Customers); {
	case cmp.CI.Low > 0:
		cmp.Verdict = fmt.Sprintf("%s brings %s more repeat customers per 100 %s", words, oneDecimal(cmp.Difference), estimate)
	case cmp.CI.High < 0:
		cmp.Verdict = fmt.Sprintf("%s brings %s fewer repeat customers per 100 %s", words, oneDecimal(-cmp.Difference), estimate)
	case more > 0:
		cmp.Verdict = fmt.Sprintf("not enough data yet: about %s more customers per group to detect a %s-point difference (so far %s per 100, 95%% CI %s to %s)",
			thousands(roundTwo(more)), points(detect), signed(cmp.Difference), oneDecimal(cmp.CI.Low), oneDecimal(cmp.CI.High))
	default:
		cmp.Verdict = fmt.Sprintf("no difference shown: %s per 100 %s; a difference of %s points would most likely have shown", signed(cmp.Difference), estimate, points(detect))
	}
	return cmp
}

// curve is the cumulative repeat rate on each day 0..days, from each
// customer's days to their first repeat.
func curve(firsts []float64, days int) []Point {
	sorted := slices.Clone(firsts)
	slices.Sort(sorted)
	pts := make([]Point, 0, days+1)
	k := 0
	for d := 0; d <= days; d++ {
		for k < len(sorted) && sorted[k] <= float64(d) {
			k++
		}
		pts = append(pts, Point{Day: d, Rate: float64(k) / float64(len(sorted)), CI: Wilson(k, len(sorted))})
	}
	return pts
}

func padded(xs []float64, n int) []float64 {
	if len(xs) == n {
		return xs
	}
	return append(slices.Clone(xs), make([]float64, n-len(xs))...)
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func sortedKeys(m map[string][]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func union(a, b []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(a), b...))))
}

// roundTwo rounds n to two significant digits ("about 1,400").
func roundTwo(n int) int {
	scale := 1
	for n/scale >= 100 {
		scale *= 10
	}
	return (n + scale/2) / scale * scale
}

func oneDecimal(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func signed(x float64) string {
	if x >= 0 {
		return "+" + oneDecimal(x)
	}
	return oneDecimal(x)
}

// thousands writes n with comma separators.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// points writes a difference of rates in points, without a needless
// decimal ("3", "2.5").
func points(d float64) string { return strconv.FormatFloat(math.Round(1000*d)/10, 'f', -1, 64) }
