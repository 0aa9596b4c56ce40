#!/usr/bin/env bash
# Runs the unit suite RUNS times in a row (default 20), optionally with N busy loops beside it (a loaded CI
# neighbour), and prints each failing test with how many runs it failed in. It shows whether the suite can
# fail by chance; it is not part of .ci/run.
#   ./scripts/flake-check.sh [RUNS] [--load N] [--keep-going]
# Exit 0 when every run was green. Each run's log is kept in the folder printed at the start.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=20
load=0
while [ $# -gt 0 ]; do
  case "$1" in
    --load) load="${2:?--load needs a number}"; shift 2 ;;
    --load=*) load="${1#--load=}"; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) runs="$1"; shift ;;
  esac
done
[[ "$runs" =~ ^[0-9]+$ && "$load" =~ ^[0-9]+$ ]] || { echo "usage: $0 [RUNS] [--load N]" >&2; exit 2; }

# The same split as scripts/test.sh: these two targets drive real processes and run serially elsewhere.
real="StewardIntegrationTests|StewardAnsibleTests"
swift build --build-tests >/dev/null

logs=$(mktemp -d "${TMPDIR:-/tmp}/steward-flake-check.XXXXXX")
echo "==> $runs runs of the unit suite, $load busy loop(s) beside it; logs in $logs"

busy=()
stop_load() { [ ${#busy[@]} -eq 0 ] || kill "${busy[@]}" 2>/dev/null || true; }
trap stop_load EXIT
for _ in $(seq 1 "$load"); do
  ( while :; do :; done ) &
  busy+=($!)
done

green=0
: > "$logs/failures"
for run in $(seq 1 "$runs"); do
  log="$logs/run-$run.log"
  started=$(date +%s%N)
  if swift test --skip-build --skip "$real" >"$log" 2>&1; then status=0; else status=$?; fi
  tenths=$(( ($(date +%s%N) - started) / 100000000 ))
  seconds="$((tenths / 10)).$((tenths % 10))"
  summary=$(grep -E '^. Test run with [0-9]+ tests' "$log" | tail -n 1 || true)
  if [ "$status" -eq 0 ]; then
    green=$((green + 1))
    printf 'run %d/%d: green in %s s (%s)\n' "$run" "$runs" "$seconds" "${summary:-no summary}"
  else
    # Swift Testing's line for a failed test: "✘ Test name() failed after 1.2 seconds with 1 issue."
    # (The run's own summary, "✘ Test run with N tests ... failed", is not a test.)
    failed=$(grep -E '^✘ Test .* failed after' "$log" | grep -vE '^✘ Test run with [0-9]+ tests' \
      | sed -E 's/^✘ Test (.*) failed after.*/\1/' | sort -u || true)
    [ -n "$failed" ] || failed="(no test failed: the process exited $status; see $log)"
    printf '%s\n' "$failed" >> "$logs/failures"
    printf 'run %d/%d: FAILED in %s s: %s\n' "$run" "$runs" "$seconds" "$(echo "$failed" | paste -sd ',' -)"
  fi
done

echo "==> $green of $runs runs green ($load busy loop(s))"
if [ -s "$logs/failures" ]; then
  echo "failing tests (runs failed):"
  sort "$logs/failures" | uniq -c | sort -rn
  exit 1
fi
