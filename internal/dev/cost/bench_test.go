package cost_test

import (
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/cost"
)

const benchOutput = `goos: linux
goarch: amd64
pkg: github.com/thankyoucalls/thankyoucalls/internal/dispatch
cpu: AMD EPYC
BenchmarkDispatch/twilio=0s/concurrency=1-2         	     300	   7954321 ns/op	       125.7 sends/s	         3.160 ddb-req/send
BenchmarkDispatch/twilio=50ms/concurrency=32-2      	     300	   4480123 ns/op	       223.2 sends/s
BenchmarkWebhookNewOrder                            	     300	   2811000 ns/op	         4.000 ddb-req/order
--- BENCH: BenchmarkSomething
    bench_test.go:12: a log line
BenchmarkBroken-2   300   notanumber ns/op
BenchmarkOdd-2   300   1 ns/op   2
PASS
ok  	github.com/thankyoucalls/thankyoucalls/internal/dispatch	12.3s
`

func TestParseBenchmarksReadsEveryResultAndItsUnits(t *testing.T) {
	b, err := cost.ParseBenchmarks(strings.NewReader(benchOutput))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, unit string
		want       float64
	}{
		{"BenchmarkDispatch/twilio=0s/concurrency=1", "ns/op", 7954321},
		{"BenchmarkDispatch/twilio=0s/concurrency=1", "sends/s", 125.7},
		{"BenchmarkDispatch/twilio=0s/concurrency=1", "ddb-req/send", 3.16},
		{"BenchmarkDispatch/twilio=50ms/concurrency=32", "sends/s", 223.2},
		{"BenchmarkWebhookNewOrder", "ddb-req/order", 4},
	} {
		got, err := b.Metric(tc.name, tc.unit)
		if err != nil || got != tc.want {
			t.Errorf("Metric(%s, %s) = %v, %v; want %v", tc.name, tc.unit, got, err, tc.want)
		}
	}
	if len(b) != 3 {
		t.Errorf("parsed %d benchmarks %v, want 3 (malformed lines skipped)", len(b), b)
	}
	if _, err := b.Metric("BenchmarkWebhookNewOrder", "sends/s"); err == nil {
		t.Error("Metric of a unit not reported: nil error")
	}
	if _, err := b.Metric("BenchmarkMissing", "ns/op"); err == nil {
		t.Error("Metric of a missing benchmark: nil error")
	}
}

func FuzzParseBenchmarks(f *testing.F) {
	f.Add(benchOutput)
	f.Add("Benchmark-  1 2 3\nBenchmarkX-- 1 NaN x/y")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := cost.ParseBenchmarks(strings.NewReader(s))
		if err != nil {
			return
		}
		for name := range b {
			if !strings.HasPrefix(name, "Benchmark") {
				t.Errorf("result named %q", name)
			}
		}
	})
}
