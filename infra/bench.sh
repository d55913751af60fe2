#!/usr/bin/env bash
# Prints the project's performance figures as a table. Nothing here is
# asserted: the machines are shared and noisy, so read figures, not verdicts.
#   BENCHTIME=500x infra/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BENCHTIME="${BENCHTIME:-300x}"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "Benchmarks against dynalite (in memory, loopback) and the local Twilio server; benchtime $BENCHTIME"
go test -run '^$' -bench . -benchtime "$BENCHTIME" \
  ./internal/orderhook/ ./internal/dispatch/ ./internal/dynamo/ ./internal/shopify/ ./internal/polite/ >"$out" 2>&1 || { cat "$out"; exit 1; }

echo
printf '%-58s %14s  %s\n' "BENCHMARK" "TIME/OP" "OTHER FIGURES"
awk '/^Benchmark/ {
  name=$1; sub(/-[0-9]+$/, "", name)
  t=$3; unit=$4; v=t+0
  if (unit=="ns/op") { if (v>=1e6) ts=sprintf("%.2f ms", v/1e6); else if (v>=1e3) ts=sprintf("%.1f µs", v/1e3); else ts=sprintf("%.0f ns", v) } else ts=t" "unit
  other=""
  for (i=5; i<=NF; i+=2) other=other sprintf("%s %s   ", $i, $(i+1))
  printf "%-58s %14s  %s\n", name, ts, other
}' "$out"

echo
echo "Lambda binaries (linux/arm64, stripped, as SAM builds them):"
make -s build >/dev/null
for f in order-webhook dispatcher twilio-webhook; do
  awk -v n="$f" -v b="$(stat -c %s "bin/$f/bootstrap")" 'BEGIN { printf "  %-16s %6.1f MiB\n", n, b/1048576 }' 
done
