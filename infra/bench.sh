#!/usr/bin/env bash
# Prints the project's performance and cost figures, one table per section:
#   1. the handlers, the sources and the store, in process;
#   2. the dispatcher draining due tasks (sends/s, DynamoDB cost per send,
#      the send rate limit held);
#   3. the Lambda binaries: sizes, cold starts, what each event costs;
#   4. the cost model for 100, 10,000 and 1,000,000 orders a month, from the
#      figures of sections 2 and 3 of this same run;
#   5. what measuring the thank-yous' effect costs per order, and a generated
#      shop whose known lift the report recovers.
# Nothing here is asserted: the machines are shared and noisy, so read
# figures, not verdicts.
#   BENCHTIME=500x BENCH_DISPATCH_TASKS=10000 COLDSTART_RUNS=30 infra/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
BENCHTIME="${BENCHTIME:-300x}"                     # iterations of each in-process benchmark
BENCH_DISPATCH_TASKS="${BENCH_DISPATCH_TASKS:-300}" # due tasks each dispatcher case drains
COLDSTART_RUNS="${COLDSTART_RUNS:-15}"              # cold starts measured per function
export BENCH_DISPATCH_TASKS
started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fail prints a step's output and stops.
fail() { cat "$1" >&2; echo "bench: $2 failed" >&2; exit 1; }

echo "== 1. Handlers, sources and store, in process (dynalite in memory, local Twilio; benchtime $BENCHTIME)"
go test -run '^$' -bench . -benchtime "$BENCHTIME" \
  ./internal/orderhook/ ./internal/shopify/ ./internal/stripe/ ./internal/generic/ \
  ./internal/dynamo/ ./internal/polite/ ./internal/twilio/ >"$work/handlers.txt" 2>&1 || fail "$work/handlers.txt" "section 1"
printf '%-46s %12s  %s\n' "BENCHMARK" "TIME/OP" "OTHER FIGURES"
awk '/^pkg:/ { n=split($2, p, "/"); pkg=p[n] }
/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
  t=$3; unit=$4; v=t+0
  if (unit=="ns/op") { if (v>=1e6) ts=sprintf("%.2f ms", v/1e6); else if (v>=1e3) ts=sprintf("%.1f µs", v/1e3); else ts=sprintf("%.0f ns", v) } else ts=t" "unit
  other=""
  for (i=5; i<=NF; i+=2) other=other sprintf("%s %s   ", $i, $(i+1))
  printf "%-46s %12s  %s\n", pkg "." name, ts, other
}' "$work/handlers.txt"

echo
echo "== 2. Dispatcher: $BENCH_DISPATCH_TASKS due tasks drained per case, through twilio-go to the local Twilio (BENCH_DISPATCH_TASKS)"
go test -run '^$' -bench BenchmarkDispatch -benchtime 1x -timeout 120m ./internal/dispatch/ >"$work/dispatch.txt" 2>&1 || fail "$work/dispatch.txt" "section 2"
printf '%-34s %9s %9s %10s %9s %9s %10s %11s %8s %9s\n' "CASE" "SENDS/S" "MS/SEND" "DDB REQ" "RRU" "WRU" "LOG BYTES" "MOST IN 1 S" "LIMIT" "ADMITTED"
awk '/^BenchmarkDispatch/ {
  name=$1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkDispatch\//, "", name)
  delete m
  for (i=3; i<=NF; i+=2) m[$(i+1)]=$i
  limit = ("limit-sends/s" in m) ? sprintf("%.0f/s", m["limit-sends/s"]) : "none"
  printf "%-34s %9.1f %9.2f %10.2f %9.2f %9.2f %10.0f %11.0f %8s %9.0f\n", name, m["sends/s"], m["ns/op"]/1e6, m["ddb-req/send"], m["rru/send"], m["wru/send"], m["log-B/send"], m["max-sends/s"], limit, m["max-admits/s"]
}' "$work/dispatch.txt"
echo "(per send; DDB REQ and units include the sweeps' queries; MOST IN 1 S: the most sends handed to Twilio within any one second; ADMITTED: the most admission writes begun within one, before the rate's wait; see BenchmarkDispatch)"

echo
echo "== 3. Lambda binaries and cold starts"
make -s build >"$work/build.txt" 2>&1 || fail "$work/build.txt" "make build"
go run ./infra/coldstart -runs "$COLDSTART_RUNS" -arm64 bin -json "$work/profile.json"

echo
echo "== 4. What it costs a month (internal/dev/cost, from the figures above)"
go run ./infra/cost -profile "$work/profile.json" -bench "$work/dispatch.txt"

echo
echo "== 5. What the thank-yous do: a generated shop with a known lift, through the store on dynalite (infra/effectdemo)"
go test -run '^$' -bench BenchmarkLinkOrder -benchtime 200x ./internal/dynamo/ >"$work/effect.txt" 2>&1 || fail "$work/effect.txt" "section 5"
go test -run '^$' -bench BenchmarkEffectReport -benchtime 20x ./internal/dev/effectsim/ >>"$work/effect.txt" 2>&1 || fail "$work/effect.txt" "section 5"
grep -E '^Benchmark(LinkOrder|EffectReport)' "$work/effect.txt"
echo "(per order a shop with a holdout pays; the report of 4,000 customers with its bootstrap intervals)"
go run ./infra/effectdemo -plot "$work/effect.svg"

echo
echo "make bench took $(($(date +%s) - started)) s"
