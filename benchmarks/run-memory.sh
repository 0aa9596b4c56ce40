#!/usr/bin/env bash
# Memory of the controller over many config polls with nothing to do (issue 12 item 4, issue 13; numbers:
# benchmarks/README.md). Builds the release binary, converges the quickstart (one local server, one deployed project)
# in a temporary state dir, then runs `steward run --interval 0 --max-passes PASSES` (a config poll back to back, the
# forge, health and server polls every second beside it) and prints the resident set size that the controller logs
# with poll 10 and with the last poll, and the growth between them.
#   ./benchmarks/run-memory.sh [PASSES]        default 1000
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/state-dir.sh
root=$PWD
passes=${1:-1000}
if [ "$passes" -lt 20 ]; then echo "PASSES must be at least 20" >&2; exit 2; fi

swift build -c release --product steward >&2
steward=$root/.build/release/steward

state=$(mktemp -d /tmp/steward-memory.XXXXXX)
cleanup() {
  kill_state_processes "$state"
  rm -rf "$state"
}
trap cleanup EXIT

export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@steward.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@steward.invalid
config=$state/config
git init -q -b main "$config"
cp -R examples/quickstart/config/. "$config/"
# Forge sync and health checks every second: the passes that run them are part of what is measured.
printf 'intervals: {githubSync: 1s, healthCheck: 1s}\n' >>"$config/steward.yaml"
git -C "$config" add -A && git -C "$config" commit -q -m "memory benchmark"
seed_quickstart_forge "$state"

"$steward" reconcile --once --config-repo "$config" --state-dir "$state" >"$state/first.log" 2>&1 || {
  tail -20 "$state/first.log" >&2; echo "the quickstart did not converge (above: the end of its log)" >&2; exit 1; }

log=$state/run.log
# The polls (forge sync, health checks: every second here) are due at the controller's start, as they are when a
# controller starts for real.
sleep 1.1
start=$(date +%s.%N)
"$steward" run --interval 0 --listen 127.0.0.1:0 --max-passes "$passes" --log-format json --config-repo "$config" --state-dir "$state" 2>"$log"
end=$(date +%s.%N)

python3 - "$log" "$passes" "$start" "$end" <<'PY'
import json, sys
log, passes, start, end = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rss, anon, changed = {}, {}, 0
# The HTTP server starts beside the first polls (they take a millisecond each): growth is measured from the first
# poll at or after 10 that follows its start, so the server's own start-up is not counted as growth.
listening, base = False, None
for line in open(log):
    try:
        record = json.loads(line)
    except ValueError:
        continue
    meta = record.get("metadata", record)
    if "http server listening" in str(record.get("message", record.get("msg", ""))):
        listening = True
    if "rss_kb" in meta and "poll" in meta:
        if base is None and listening and int(meta["poll"]) >= 10:
            base = int(meta["poll"])
        rss[int(meta["poll"])] = int(meta["rss_kb"])
        anon[int(meta["poll"])] = int(meta.get("rss_anon_kb", 0))
        changed += int(meta.get("projects", 0))
if base is None or passes not in rss:
    sys.exit("the controller's log has no rss_kb after its HTTP server started, or none for poll %d (see %s)" % (passes, log))
growth = rss[passes] - rss[base]
print("config polls: %d in %.1f s (%.2f ms each); projects enqueued by new commits: %d"
      % (passes, end - start, (end - start) * 1000 / passes, changed))
for n in sorted(set([10, base, 100, 250, 500, 750, 1000, 2000, 5000, passes]) & set(rss)):
    print("RSS after poll %5d: %7.1f MB (anonymous %5.1f MB)" % (n, rss[n] / 1024, anon[n] / 1024))
print("growth from poll %d (the HTTP server listening) to %d: %.2f MB (target: under 2 MB); anonymous memory (heap): %.2f MB"
      % (base, passes, growth / 1024, (anon[passes] - anon[base]) / 1024))
sys.exit(0 if growth < 2048 else 1)
PY
