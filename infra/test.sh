#!/usr/bin/env bash
# Runs every test: go vet, staticcheck, govulncheck (when the vulnerability
# database is reachable), go test -race against one dynalite and one Prism
# started here, and a short run of every fuzz target.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
# A count, not a duration: go1.26's coordinator can fail a duration-bound run
# with a spurious "context deadline exceeded" under load (go.dev/issue/75804).
FUZZTIME="${FUZZTIME:-5000x}"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -- -"$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "service on port $1 did not start" >&2; return 1; }

echo "--- go vet"
go vet ./...

echo "--- gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './infra/node_modules/*'))
if [ -n "$unformatted" ]; then echo "gofmt needed: $unformatted" >&2; exit 1; fi

echo "--- staticcheck"
go run "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION:-v0.8.2}" ./...

echo "--- cfn-lint template.yaml"
if command -v cfn-lint >/dev/null; then
  cfn-lint template.yaml
  echo "cfn-lint $(cfn-lint --version | awk '{print $2}'): template.yaml clean"
else
  echo "cfn-lint is not installed: template lint skipped (install it: pip install cfn-lint, or apt-get install cfn-lint)"
fi

echo "--- govulncheck"
if ! go run "golang.org/x/vuln/cmd/govulncheck@${GOVULNCHECK_VERSION:-v1.9.0}" ./... > "$work/vuln.txt" 2>&1; then
  if grep -q "fetching vulnerabilities\|dial tcp\|no such host\|connection refused\|403" "$work/vuln.txt"; then
    echo "govulncheck: vulnerability database not reachable from this machine; skipped"; tail -2 "$work/vuln.txt"
  else
    cat "$work/vuln.txt"; exit 1
  fi
else
  tail -1 "$work/vuln.txt"
fi

echo "--- starting dynalite and Prism"
dport=$(free_port)
setsid infra/node_modules/.bin/dynalite --host 127.0.0.1 --port "$dport" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 >"$work/dynalite.log" 2>&1 &
pids+=($!)
pport=$(free_port)
setsid infra/node_modules/.bin/prism mock -h 127.0.0.1 -p "$pport" ../shared/twilio/twilio_api_v2010.json >"$work/prism.log" 2>&1 &
pids+=($!)
wait_port "$dport"
wait_port "$pport" || { cat "$work/prism.log" >&2; exit 1; }
export THANKYOU_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$dport"
export THANKYOU_TEST_PRISM_URL="http://127.0.0.1:$pport"

echo "--- go test -race"
go test -race -count=1 -timeout 20m ./... 2>&1 | tee "$work/test.txt"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"

echo "--- fuzzing every Fuzz target for $FUZZTIME"
fuzzed=0
while IFS= read -r line; do
  file=${line%%:*}; name=$(sed -E 's/.*func (Fuzz[A-Za-z0-9_]*).*/\1/' <<<"$line")
  pkg="./$(dirname "$file")"
  go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" "$pkg" >"$work/fuzz.txt" 2>&1 || { cat "$work/fuzz.txt"; echo "fuzz $pkg $name failed" >&2; exit 1; }
  fuzzed=$((fuzzed+1))
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' internal infra functions 2>/dev/null || true)
echo "fuzzed $fuzzed targets without a failure"

passed=$(grep -c '^ok ' "$work/test.txt" || true)
echo "test packages: $passed ok"
