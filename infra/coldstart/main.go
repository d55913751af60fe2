// Command coldstart measures the Lambda functions' cold starts on this
// machine. It builds each function's real binary as SAM builds it
// (stripped, -tags lambda.norpc) for this machine's architecture, and a
// no-op aws-lambda-go function (infra/coldstart/noop) and two Go floors
// (infra/coldstart/floors: the same libraries, a Shopify HMAC check and one
// conditional PutItem, the second with phonenumbers and tzdata) for
// comparison; each function's cold first answer and arm64 size are
// printed beside its floor's, with the ratio (target 1.15×, not
// asserted). It
// starts each binary as Lambda would, with AWS_LAMBDA_RUNTIME_API pointing
// at a minimal Runtime API served here on loopback, and times process start
// → first event answered, over several runs.
//
// The functions get events/env.json's environment, with DynamoDB pointed at
// a dynalite started here (a fresh table from template.yaml for every run,
// behind a proxy that meters each request as on-demand request units) and
// Twilio at the local Twilio server. Each run's table has learnt the
// deployment's shop id, as a deployment's has after its first order, so the
// order webhook's cold start is a typical one; it is also timed as the
// very first instance of a deployment (order-webhook-first: a table of its
// own, whose first order learns the shop id), printed but not priced. Each is fed a real fixture, then a few
// more events warm, and what every event costs (handler time, DynamoDB
// requests and units, bytes of log) is printed and, with -json, written as
// the cost model's profile (internal/dev/cost) for `go run ./infra/cost`.
//
//	go run ./infra/coldstart -runs 15 -arm64 bin -json /tmp/profile.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/toolmain"
)

func main() {
	var o options
	flag.IntVar(&o.runs, "runs", 15, "cold starts measured per function")
	flag.StringVar(&o.arm64Dir, "arm64", "", "directory of `make build`'s linux/arm64 binaries (<dir>/<function>/bootstrap), to report their sizes")
	flag.StringVar(&o.jsonOut, "json", "", "write the cost model's profile (internal/dev/cost.Profile) to this file")
	flag.Parse()
	if o.runs < 1 {
		toolmain.Exit("coldstart", 2, errors.New("-runs must be at least 1"))
	}
	toolmain.Run("coldstart", 1, func(ctx context.Context) error { return run(ctx, o, os.Stdout) })
}

type options struct {
	runs     int
	arm64Dir string
	jsonOut  string
}

func run(ctx context.Context, o options, w io.Writer) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("the functions are linux binaries; this is %s", runtime.GOOS)
	}
	if _, err := os.Stat("go.mod"); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	work, err := os.MkdirTemp("", "coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	fns, err := loadFunctions()
	if err != nil {
		return err
	}
	for i := range fns {
		if !fns[i].noop && !fns[i].floor {
			if fns[i].floorName, err = floorFor(ctx, fns[i].pkg); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(w, "Building the functions for linux/%s (this machine) and the no-op for comparison...\n", runtime.GOARCH)
	for i := range fns {
		// A function run twice (the order webhook as a deployment's
		// first) is built once.
		if j := slices.IndexFunc(fns[:i], func(g function) bool { return g.pkg == fns[i].pkg }); j >= 0 {
			fns[i].bin, fns[i].arm64Size = fns[j].bin, fns[j].arm64Size
			continue
		}
		fns[i].bin = filepath.Join(work, runtime.GOARCH, fns[i].name, "bootstrap")
		if err := build(ctx, fns[i].pkg, runtime.GOARCH, fns[i].bin); err != nil {
			return err
		}
		if o.arm64Dir != "" {
			path := filepath.Join(o.arm64Dir, fns[i].name, "bootstrap")
			if fns[i].noop || fns[i].floor {
				path = filepath.Join(work, "arm64", fns[i].name, "bootstrap")
				if err := build(ctx, fns[i].pkg, "arm64", path); err != nil {
					return err
				}
			}
			if st, err := os.Stat(path); err == nil {
				fns[i].arm64Size = st.Size()
			} else {
				return fmt.Errorf("arm64 binary: %w (run `make build` first)", err)
			}
		}
	}

	env, err := startEnvironment(ctx)
	if err != nil {
		return err
	}
	defer env.close()
	fmt.Fprintf(w, "Measuring %d cold starts of each (dynalite at %s behind a metering proxy, local Twilio at %s)...\n", o.runs, env.dynalite.Endpoint, env.twilio.URL())
	m, err := measure(ctx, env, fns, o.runs)
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	printColdStarts(w, fns, m, o)
	fmt.Fprintln(w)
	printFloors(w, fns, m)
	fmt.Fprintln(w)
	printEvents(w, fns, m)
	if o.jsonOut != "" {
		b, err := json.MarshalIndent(m.profile(fns), "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("write profile: %w", err)
		}
	}
	return nil
}

// printColdStarts prints one line per function: sizes, INIT and cold start.
func printColdStarts(w io.Writer, fns []function, m *measurements, o options) {
	fmt.Fprintf(w, "Cold start: process start → first event answered (linux/%s binaries on this machine, %d runs each; INIT = start → first request for an event)\n", runtime.GOARCH, o.runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "FUNCTION\tBINARY %s\tBINARY arm64\tINIT median\tCOLD median\tCOLD p90\tMAX RSS\tFIRST EVENT\n", runtime.GOARCH)
	for _, fn := range fns {
		r := m.byFunction[fn.name]
		arm := "-"
		if fn.arm64Size > 0 {
			arm = mib(fn.arm64Size)
		}
		first := fn.events[0]
		answer := "answered"
		if first.wantStatus != 0 {
			answer = fmt.Sprintf("%d", first.wantStatus)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%.0f MiB\t%s → %s\n", fn.label(), mib(fn.size()), arm,
			ms(quantile(r.init, 0.5)), ms(quantile(r.cold, 0.5)), ms(quantile(r.cold, 0.9)),
			quantile(r.maxRSS, 1)/1024, first.fixture(), answer)
	}
	tw.Flush()
}

// printEvents prints what each event cost, cold and warm.
func printEvents(w io.Writer, fns []function, m *measurements) {
	fmt.Fprintf(w, "Each event: handler time (event handed out → answer), DynamoDB requests and on-demand request units, bytes of log at INFO (medians; stored per order ≈ %.0f bytes with DynamoDB's per-item overhead)\n", m.storedPerOrder())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tEVENT\t\tTIME median\tTIME p90\tDDB REQ\tRRU\tWRU\tINDEX WRITES\tLOG BYTES")
	for _, fn := range fns {
		r := m.byFunction[fn.name]
		if n := median(r.initRequests); n > 0 {
			fmt.Fprintf(tw, "%s\t(initialisation)\t\t\t\t%.0f\t%.1f\t%.1f\t\t%.0f\n", fn.name, n, median(r.initRRU), median(r.initWRU), median(r.initLog))
		}
		for i, ev := range fn.events {
			e := r.events[i]
			temp := "warm"
			if i == 0 {
				temp = "cold"
			}
			fmt.Fprintf(tw, "%s\t%s (%s)\t%s\t%s\t%s\t%.0f\t%.1f\t%.1f\t%.0f\t%.0f\n", fn.name, ev.what, ev.fixture(), temp,
				ms(median(e.handler)), ms(quantile(e.handler, 0.9)), median(e.requests), median(e.rru), median(e.wru), median(e.indexWrites), median(e.logBytes))
		}
	}
	tw.Flush()
}

// floorRatio is the target of a function against its floor, in cold first
// answer and in arm64 binary size: printed, never asserted.
const floorRatio = 1.15

// floorFor names the floor pkg is compared with: the one with phonenumbers
// and tzdata if pkg links nyaruka/phonenumbers, else the basic one.
func floorFor(ctx context.Context, pkg string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-deps", "-tags", "lambda.norpc", pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -deps %s: %w", pkg, err)
	}
	if slices.Contains(strings.Fields(string(out)), "github.com/nyaruka/phonenumbers") {
		return "floor-phonenumbers", nil
	}
	return "floor-basic", nil
}

// printFloors prints each function's cold first answer and arm64 size
// beside its floor's, and the ratios.
func printFloors(w io.Writer, fns []function, m *measurements) {
	fmt.Fprintf(w, "Against the Go floors (infra/coldstart/floors: the same libraries, an HMAC check and one conditional PutItem; target ≤ %.2f×, not asserted)\n", floorRatio)
	byName := map[string]function{}
	for _, fn := range fns {
		byName[fn.name] = fn
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tFLOOR\tCOLD\tFLOOR COLD\tRATIO\tARM64\tFLOOR ARM64\tRATIO\t")
	for _, fn := range fns {
		fl, ok := byName[fn.floorName]
		if !ok {
			continue
		}
		cold, floorCold := quantile(m.byFunction[fn.name].cold, 0.5), quantile(m.byFunction[fl.name].cold, 0.5)
		size, floorSize := fn.arm64Size, fl.arm64Size
		if size == 0 || floorSize == 0 { // no -arm64: this machine's binaries
			size, floorSize = fn.size(), fl.size()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", fn.name, fl.name,
			ms(cold), ms(floorCold), ratio(cold, floorCold), mib(size), mib(floorSize), ratio(float64(size), float64(floorSize)))
	}
	tw.Flush()
}

// ratio is a/b with a mark when it is over the target.
func ratio(a, b float64) string {
	if b <= 0 {
		return "-"
	}
	r := a / b
	if r > floorRatio {
		return fmt.Sprintf("%.2f× (over %.2f×)", r, floorRatio)
	}
	return fmt.Sprintf("%.2f×", r)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func ms(seconds float64) string { return fmt.Sprintf("%.1f ms", seconds*1000) }
