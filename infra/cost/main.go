// Command cmd prints what the service costs a month, from the figures a
// `make bench` run measured: the profile infra/coldstart wrote (the order
// webhook, the Twilio webhook and the dispatcher's sweep, as real binaries)
// and the output of BenchmarkDispatch (the cost of one send). The unit
// prices are internal/dev/cost's list prices; memory, timeout and schedule come
// from template.yaml, the dispatcher's limits from internal/config's
// defaults.
//
//	go run ./infra/cost -profile /tmp/profile.json -bench /tmp/dispatch.txt
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
	"github.com/thankyoucalls/thankyoucalls/internal/dev/toolmain"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func main() {
	profile := flag.String("profile", "", "profile written by infra/coldstart -json")
	bench := flag.String("bench", "", "output of go test -bench BenchmarkDispatch")
	orders := flag.String("orders", "100,10000,1000000", "orders a month to price, comma-separated")
	flag.Parse()
	toolmain.Exit("cost", 1, run(*profile, *bench, *orders, os.Stdout))
}

// sendBenchmark is the BenchmarkDispatch case whose send is priced: Twilio
// answering after 50 ms, one send in flight (the deployed default,
// MAX_CONCURRENCY 4, is at least as fast).
const sendBenchmark = "BenchmarkDispatch/twilio=50ms/concurrency=1"

// rateBenchmarkPrefix names the case with a send rate limit.
const rateBenchmarkPrefix = "BenchmarkDispatch/twilio=50ms/concurrency=32/rate="

func run(profilePath, benchPath, ordersList string, w io.Writer) error {
	if profilePath == "" || benchPath == "" {
		return fmt.Errorf("-profile and -bench are required")
	}
	var p cost.Profile
	b, err := os.ReadFile(profilePath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("profile %s: %w", profilePath, err)
	}
	f, err := os.Open(benchPath)
	if err != nil {
		return err
	}
	defer f.Close()
	results, err := cost.ParseBenchmarks(f)
	if err != nil {
		return err
	}
	var sendsPerSecond float64
	for _, m := range []struct {
		unit string
		dst  *float64
	}{
		{"ns/op", &p.Send.DurationMs},
		{"ddb-req/send", &p.Send.Requests},
		{"rru/send", &p.Send.Units.RRU},
		{"wru/send", &p.Send.Units.WRU},
		{"log-B/send", &p.Send.LogBytes},
		{"sends/s", &sendsPerSecond},
	} {
		if *m.dst, err = results.Metric(sendBenchmark, m.unit); err != nil {
			return err
		}
	}
	p.Send.DurationMs /= 1e6

	s, err := loadSettings()
	if err != nil {
		return err
	}
	var volumes []float64
	for _, v := range strings.Split(ordersList, ",") {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || n < 0 {
			return fmt.Errorf("-orders: %q is not a number of orders", v)
		}
		volumes = append(volumes, n)
	}
	a := cost.DefaultAssumptions(s.memoryMB, s.every, s.retentionDays)
	prices := cost.ListPrices()

	printInputs(w, p, a, s)
	fmt.Fprintln(w)
	printBills(w, volumes, p, a, prices)
	fmt.Fprintln(w)
	capacity := cost.Capacity{
		Rate: s.sendRate, Measured: sendsPerSecond, Timeout: s.timeout, Margin: 10 * time.Second,
		Every: s.every, WindowHours: s.window.Hours(), SendDays: s.sendDays,
	}
	printCapacity(w, capacity, volumes, results, s)
	return nil
}

// settings are the deployed defaults the model uses.
type settings struct {
	memoryMB, retentionDays, sendRate   float64
	maxConcurrency                      string
	timeout, every, window, expireAfter time.Duration
	schedule, windowText                string
	sendDays                            int
}

func loadSettings() (settings, error) {
	var s settings
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		return s, err
	}
	mem, err := number(tpl.Doc, "Globals", "Function", "MemorySize")
	if err != nil {
		return s, err
	}
	timeout, err := number(tpl.Doc, "Resources", "DispatcherFunction", "Properties", "Timeout")
	if err != nil {
		return s, err
	}
	params, _ := tpl.Doc["Parameters"].(map[string]any)
	sched, _ := params["DispatchSchedule"].(map[string]any)
	s.schedule, _ = sched["Default"].(string)
	if s.every, err = rateExpression(s.schedule); err != nil {
		return s, err
	}
	s.memoryMB, s.timeout = mem, time.Duration(timeout)*time.Second
	if s.retentionDays, err = strconv.ParseFloat(defaultOf("RETENTION_DAYS"), 64); err != nil {
		return s, fmt.Errorf("RETENTION_DAYS default: %w", err)
	}
	if s.sendRate, err = strconv.ParseFloat(defaultOf("SEND_RATE"), 64); err != nil {
		return s, fmt.Errorf("SEND_RATE default: %w", err)
	}
	s.maxConcurrency = defaultOf("MAX_CONCURRENCY")
	if s.expireAfter, err = time.ParseDuration(defaultOf("EXPIRE_AFTER")); err != nil {
		return s, fmt.Errorf("EXPIRE_AFTER default: %w", err)
	}
	start, end, days := defaultOf("SEND_WINDOW_START"), defaultOf("SEND_WINDOW_END"), defaultOf("SEND_DAYS")
	win, err := thankyou.ParseWindow(start, end, days)
	if err != nil {
		return s, err
	}
	s.window, s.windowText = win.End-win.Start, win.String()
	for _, open := range win.Days {
		if open {
			s.sendDays++
		}
	}
	return s, nil
}

// defaultOf returns a configuration variable's default.
func defaultOf(name string) string {
	for _, v := range config.Vars {
		if v.Name == name {
			return v.Default
		}
	}
	return ""
}

// number reads a number at path in the template.
func number(doc map[string]any, path ...string) (float64, error) {
	var v any = doc
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	switch n := v.(type) {
	case int:
		return float64(n), nil
	case float64:
		return n, nil
	}
	return 0, fmt.Errorf("template: %s is %v, not a number", strings.Join(path, "."), v)
}

// rateExpression reads an EventBridge rate expression: "rate(5 minutes)".
func rateExpression(s string) (time.Duration, error) {
	inner, ok := strings.CutPrefix(s, "rate(")
	inner, ok2 := strings.CutSuffix(inner, ")")
	f := strings.Fields(inner)
	if !ok || !ok2 || len(f) != 2 {
		return 0, fmt.Errorf("schedule %q is not a rate expression", s)
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("schedule %q: bad value", s)
	}
	unit := map[string]time.Duration{"minute": time.Minute, "hour": time.Hour, "day": 24 * time.Hour}[strings.TrimSuffix(f[1], "s")]
	if unit == 0 {
		return 0, fmt.Errorf("schedule %q: bad unit", s)
	}
	return time.Duration(n) * unit, nil
}

func printInputs(w io.Writer, p cost.Profile, a cost.Assumptions, s settings) {
	fmt.Fprintln(w, "Cost model inputs measured in this run (medians; DynamoDB units as on-demand bills them, index writes included)")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WORK\tHANDLER\tDDB REQ\tRRU\tWRU\tLOG BYTES\t")
	for _, r := range []struct {
		name string
		inv  cost.Invocation
	}{
		{"new order (order webhook, warm)", p.NewOrder},
		{"repeated delivery, new webhook id (order webhook, warm)", p.Duplicate},
		{"one send (dispatcher, Twilio answering in 50 ms)", p.Send},
		{"first status callback, sent (Twilio webhook, warm)", p.FirstStatusCallback},
		{"later status callback, delivered (Twilio webhook, warm)", p.LaterStatusCallback},
		{"sweep with nothing due (dispatcher, warm)", p.Sweep},
	} {
		fmt.Fprintf(tw, "%s\t%.1f ms\t%.2f\t%.2f\t%.2f\t%.0f\t\n", r.name, r.inv.DurationMs, r.inv.Requests, r.inv.Units.RRU, r.inv.Units.WRU, r.inv.LogBytes)
	}
	tw.Flush()
	fmt.Fprintf(w, "Cold start (billed as INIT): order-webhook %.0f ms, dispatcher %.0f ms, twilio-webhook %.0f ms. Table storage per order ≈ %s bytes, kept %.0f months.\n",
		p.InitMs["order-webhook"], p.InitMs["dispatcher"], p.InitMs["twilio-webhook"], count(p.StoredBytesPerOrder), a.RetentionMonths)
	fmt.Fprintf(w, "Assumed: %.0f MB functions (template.yaml); %.0f extra webhook delivery per order; every order thanked with one %.0f-segment SMS; %.0f status callbacks per SMS (sent, delivered); %s dispatcher runs a month (%s); at most %s cold starts per function a month (one per 15 minutes).\n",
		a.MemoryMB, a.DuplicatesPerOrder, a.SegmentsPerSMS, a.CallbacksPerSend, count(a.SweepsPerMonth), s.schedule, count(a.ColdStartsCap))
}

func printBills(w io.Writer, volumes []float64, p cost.Profile, a cost.Assumptions, prices cost.Prices) {
	bills := make([]cost.Bill, len(volumes))
	for i, v := range volumes {
		bills[i] = cost.Monthly(v, p, a, prices)
	}
	fmt.Fprintf(w, "Monthly cost at %s list prices of %s, before any free tier\n", prices.Region, cost.PricesCheckedOn)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "ITEM\t")
	for _, v := range volumes {
		fmt.Fprintf(tw, "%s orders\t\t", count(v))
	}
	fmt.Fprintln(tw)
	row := func(name string, lines func(cost.Bill) cost.Line) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, b := range bills {
			l := lines(b)
			usd := money(l.USD)
			if l.USDMax > 0 {
				usd += "–" + strings.TrimPrefix(money(l.USDMax), "$")
			}
			fmt.Fprintf(tw, "%s %s\t%s\t", quantity(l.Quantity), l.Unit, usd)
		}
		fmt.Fprintln(tw)
	}
	for i := range bills[0].AWS {
		row(bills[0].AWS[i].Item, func(b cost.Bill) cost.Line { return b.AWS[i] })
	}
	fmt.Fprint(tw, "AWS total\t")
	for _, b := range bills {
		fmt.Fprintf(tw, "\t%s\t", money(b.AWSTotal()))
	}
	fmt.Fprintln(tw)
	for i := range bills[0].Twilio {
		row(bills[0].Twilio[i].Item, func(b cost.Bill) cost.Line { return b.Twilio[i] })
	}
	fmt.Fprint(tw, "Twilio total\t")
	for _, b := range bills {
		fmt.Fprintf(tw, "\t%s–%s\t", money(b.TwilioTotal(false)), strings.TrimPrefix(money(b.TwilioTotal(true)), "$"))
	}
	fmt.Fprintln(tw)
	tw.Flush()
	fmt.Fprintf(w, "Prices: Lambda $%.2f/M requests, $%.10f/GB-s arm64; DynamoDB $%.3f/M WRU, $%.3f/M RRU, $%.2f+$%.2f/GB-month storage+PITR; HTTP API $%.2f/M; Logs $%.2f/GB; scheduled rule $0; Twilio $%.4f/SMS segment + $%.4f–%.4f carrier fee, $%.2f/number-month.\n",
		prices.LambdaRequest*1e6, prices.LambdaGBSecond, prices.DynamoDBWRU*1e6, prices.DynamoDBRRU*1e6, prices.DynamoDBStorageGBMonth, prices.DynamoDBPITRGBMonth,
		prices.HTTPAPIRequest*1e6, prices.LogsIngestionGB, prices.TwilioSMSSegmentUS, prices.TwilioCarrierFeeMin, prices.TwilioCarrierFeeMax, prices.TwilioNumberMonth)
	fmt.Fprintf(w, "Not included: Twilio Voice at $%.4f per minute, for calls placed through Twilio (the staff channel's reminder is an SMS; the call is the staff member's own).\n", prices.TwilioCallMinuteUS)
}

func printCapacity(w io.Writer, c cost.Capacity, volumes []float64, results cost.Benchmarks, s settings) {
	fmt.Fprintf(w, "One dispatcher: SEND_RATE %s/s, MAX_CONCURRENCY %s, timeout %.0f s (stops 10 s before), %s, window %s\n",
		strconv.FormatFloat(c.Rate, 'f', -1, 64), s.maxConcurrency, c.Timeout.Seconds(), s.schedule, s.windowText)
	fmt.Fprintf(w, "  measured without a limit: %.1f sends/s with one send in flight and Twilio answering in 50 ms, so a run sends %.1f/s\n", c.Measured, c.SendsPerSecond())
	fmt.Fprintf(w, "  at most %s sends a run, %s runs a send day: %s sends a day in one time zone's window\n", count(c.PerRun()), count(c.RunsPerDay()), count(c.PerDay()))
	for name, m := range results {
		if !strings.HasPrefix(name, rateBenchmarkPrefix) {
			continue
		}
		verdict := "never more than the limit"
		if m["max-sends/s"] > m["limit-sends/s"] {
			verdict = "MORE THAN THE LIMIT"
		}
		fmt.Fprintf(w, "  rate limit: at most %.0f sends in any second at a limit of %.0f/s (%s): %s\n", m["max-sends/s"], m["limit-sends/s"], strings.TrimPrefix(name, "BenchmarkDispatch/"), verdict)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ORDERS A MONTH\tBUSIEST SEND DAY\tONE DISPATCHER")
	for _, v := range volumes {
		peak := c.PeakDay(v)
		verdict := fmt.Sprintf("keeps up (%.1f%% of a day's capacity)", 100*peak/c.PerDay())
		if days := c.CatchUpDays(v); days > 0 {
			expires := "nothing expires"
			if math.IsInf(days, 1) || days*24*float64(time.Hour) >= float64(s.expireAfter) {
				expires = "tasks EXPIRE"
			}
			later := fmt.Sprintf("the rest %s send day(s) later (EXPIRE_AFTER %s: %s)", count(days), defaultOf("EXPIRE_AFTER"), expires)
			if math.IsInf(days, 1) {
				later = "falls further behind every day: tasks EXPIRE"
			}
			verdict = fmt.Sprintf("sends %s that day, %s; SEND_RATE %.1f/s would send it all", count(c.PerDay()), later, math.Ceil(c.RateFor(v)*10)/10)
		}
		fmt.Fprintf(tw, "  %s\t%s sends\t%s\n", count(v), count(peak), verdict)
	}
	tw.Flush()
	fmt.Fprintf(w, "  (the busiest send day is the first after the days without sending, which carries their orders too)\n")
}

// count formats n as a whole number with thousands separators.
func count(n float64) string {
	s := strconv.FormatFloat(math.Round(n), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// quantity formats a line's quantity: whole numbers from 100 up, three
// significant figures below.
func quantity(n float64) string {
	switch {
	case n == 0 || n >= 100 || n == math.Trunc(n):
		return count(n)
	case n < 0.001:
		return "<0.001"
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(n))))
	return strconv.FormatFloat(n, 'f', decimals, 64)
}

// money formats dollars: cents from a cent up, four decimals below.
func money(usd float64) string {
	switch {
	case usd == 0:
		return "$0"
	case usd < 0.0001:
		return "<$0.0001"
	case usd < 0.01:
		return fmt.Sprintf("$%.4f", usd)
	case usd < 1000:
		return fmt.Sprintf("$%.2f", usd)
	default:
		return "$" + count(usd)
	}
}
