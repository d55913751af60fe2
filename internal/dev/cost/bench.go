package cost

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Benchmarks are the results of `go test -bench`: for each benchmark, by
// name without its -GOMAXPROCS suffix, the value of each unit reported
// (ns/op, sends/s, ...).
type Benchmarks map[string]map[string]float64

// ParseBenchmarks reads the output of `go test -bench`. Lines that are not
// results (package headers, PASS, log lines) are skipped.
func ParseBenchmarks(r io.Reader) (Benchmarks, error) {
	out := Benchmarks{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		metrics := map[string]float64{}
		ok := true
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				ok = false
				break
			}
			metrics[f[i+1]] = v
		}
		if ok {
			out[benchName(f[0])] = metrics
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read benchmark results: %w", err)
	}
	return out, nil
}

// benchName removes the -GOMAXPROCS suffix ("BenchmarkX/y-8" → "BenchmarkX/y").
func benchName(s string) string {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return s
	}
	if _, err := strconv.Atoi(s[i+1:]); err != nil {
		return s
	}
	return s[:i]
}

// Metric returns the value of unit for the named benchmark.
func (b Benchmarks) Metric(name, unit string) (float64, error) {
	m, ok := b[name]
	if !ok {
		return 0, fmt.Errorf("no result for %s", name)
	}
	v, ok := m[unit]
	if !ok {
		return 0, fmt.Errorf("%s reports no %s", name, unit)
	}
	return v, nil
}
