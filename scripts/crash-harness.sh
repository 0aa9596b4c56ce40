#!/usr/bin/env bash
# Crash harness (issue 13 item 8; README "The controller"): `steward run` on the embedded default (one local server,
# the local forge) with PROJECTS projects deployed from the quickstart app and AGENT_PROJECTS more built by the
# agents (a brief, no repo), killed with SIGKILL at KILLS random moments (fetches, deploys, agent steps, store
# writes) and started again each time (about 4 minutes of kills, then about 3 of convergence, on 2 cores). Then one controller runs until every project is active, stops on SIGTERM,
# and a one-shot `reconcile --once` must find everything converged with nothing to do. The store, the forge and the
# apps are then checked, and the counts printed:
#   - no deploy of the same inputs succeeded twice (per project and input hash);
#   - no port held by two projects, and every active project answering on its own port;
#   - no repo created twice (one forge repo per agent project, each record linked to its own);
#   - no journal line lost for a completed action (every finished run has its journal line);
#   - no lease held by a dead process past its TTL.
# Exit 0 when every check holds.
#   ./scripts/crash-harness.sh [STEWARD_BINARY]     (default .build/debug/steward, built by ./scripts/test.sh)
# Environment: CRASH_PROJECTS (27), CRASH_AGENT_PROJECTS (3), CRASH_KILLS (20), CRASH_SEED (random), CRASH_LIMIT
# (seconds the final convergence may take, 900).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/state-dir.sh
root=$PWD
steward=${1:-$root/.build/debug/steward}
projects=${CRASH_PROJECTS:-27}
agent_projects=${CRASH_AGENT_PROJECTS:-3}
kills=${CRASH_KILLS:-20}
seed=${CRASH_SEED:-$RANDOM}
limit=${CRASH_LIMIT:-900}
prepare_harness "$steward"

state=$(mktemp -d /tmp/steward-crash.XXXXXX)
keep=${CRASH_KEEP:-}
controller=
cleanup() {
  [ -n "$controller" ] && kill -9 "$controller" 2>/dev/null || true
  kill_state_processes "$state"
  if [ -n "$keep" ]; then echo "state kept in $state" >&2; else rm -rf "$state"; fi
}
trap cleanup EXIT

total=$((projects + agent_projects))
# A free range of ports on loopback, one per project.
base=$(free_port_range "$total")

config=$state/config
git init -q -b main "$config"
mkdir -p "$config/manifests"
cat >"$config/steward.yaml" <<EOF
apiVersion: steward/v1
kind: Settings
forge: {provider: local, path: forge}
agents: {backend: builtin}
intervals: {configRepo: 1s, githubSync: 5s, serverSync: 5s, healthCheck: 5s}
concurrency: 4
playbookTimeout: 5m
shutdownGrace: 30s
EOF
cat >"$config/manifests/local.yaml" <<EOF
apiVersion: steward/v1
kind: Server
metadata: {name: local}
spec: {address: 127.0.0.1, connection: local, capacity: {memoryMB: 65536, ports: "$base-$((base + total - 1))"}}
EOF
for i in $(seq -w 1 "$projects"); do
  cat >"$config/manifests/p$i.yaml" <<EOF
apiVersion: steward/v1
kind: Project
metadata: {name: p$i}
spec:
  repo: quickstart/hello
  server: local
  resources: {memoryMB: 16, ports: 1}
  deploy: {healthPath: /health}
  env: |
    GREETING=hello-$i
EOF
done
for i in $(seq 1 "$agent_projects"); do
  cat >"$config/manifests/agent$i.yaml" <<EOF
apiVersion: steward/v1
kind: Project
metadata: {name: agent$i}
spec:
  repo: acme/agent$i
  brief: "A tiny page number $i."
  stage: active
  resources: {memoryMB: 16, ports: 1}
EOF
done
git -C "$config" add -A && git -C "$config" commit -q -m "crash harness"
seed_quickstart_forge "$state"
args=(--config-repo "$config" --state-dir "$state")

echo "crash harness: $projects projects + $agent_projects built by the agents, $kills kills, seed $seed, state $state"
# The moments, from the seed (printed, so a failing run can be repeated): a third early (0.2-2 s after the start:
# recovery, the config load, registrations, store writes), the rest 4-20 s in (agent steps, Ansible runs, their
# recording).
mapfile -t delays < <(python3 -c "
import random; random.seed($seed)
print('\n'.join('%.2f' % (random.uniform(0.2, 2.0) if random.random() < 1 / 3 else random.uniform(4.0, 20.0))
                for _ in range($kills)))")
started=$(date +%s)
for n in $(seq 1 "$kills"); do
  "$steward" run --interval 1 --listen 127.0.0.1:0 "${args[@]}" >>"$state/run.log" 2>&1 &
  controller=$!
  sleep "${delays[$((n - 1))]}"
  kill -9 "$controller" 2>/dev/null || true
  wait "$controller" 2>/dev/null || true
  controller=
  active=$(python3 - "$state/steward.db" <<'PY'
import sqlite3, sys
try:
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    print(db.execute("SELECT count(*) FROM projects WHERE phase = 'active'").fetchone()[0])
except Exception:
    print(0)
PY
)
  printf 'kill %2d after %5ss: %s projects active\n' "$n" "${delays[$((n - 1))]}" "$active"
done

# Every project converges under one more controller, which then stops gracefully.
"$steward" run --interval 1 --listen 127.0.0.1:0 "${args[@]}" >>"$state/run.log" 2>&1 &
controller=$!
deadline=$(($(date +%s) + limit))
while :; do
  active=$(python3 - "$state/steward.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(db.execute("SELECT count(*) FROM projects WHERE phase = 'active'").fetchone()[0])
PY
)
  [ "$active" -ge "$total" ] && break
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "only $active of $total projects active after ${limit}s; the end of the controller's log:" >&2
    tail -30 "$state/run.log" >&2
    "$steward" get projects --state-dir "$state" >&2 || true
    exit 1
  fi
  sleep 2
done
kill -TERM "$controller"
status=0
wait "$controller" || status=$?
controller=
[ "$status" -eq 0 ] || { echo "the last controller exited $status after SIGTERM" >&2; tail -20 "$state/run.log" >&2; exit 1; }
converged=0
"$steward" reconcile --once "${args[@]}" >"$state/final.out" 2>"$state/final.log" || converged=$?
echo "converged $total projects in $(($(date +%s) - started)) s; final reconcile --once: exit $converged, $(grep -o '[0-9]* ansible-playbook runs' "$state/final.out")"
[ "$converged" -eq 0 ] || { cat "$state/final.out" >&2; exit 1; }

python3 - "$state" "$total" "$agent_projects" <<'PY'
import json, os, socket, sqlite3, sys, time, urllib.request
state, total, agent_projects = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
db = sqlite3.connect("file:%s/steward.db?mode=ro" % state, uri=True)
failures = []

def check(name, bad, detail=""):
    print("%-58s %s" % (name + ":", bad))
    if bad:
        failures.append("%s: %s %s" % (name, bad, detail))

runs = db.execute("SELECT count(*) FROM runs WHERE kind = 'deploy'").fetchone()[0]
interrupted = db.execute("SELECT count(*) FROM runs WHERE kind = 'deploy' AND status = 'interrupted'").fetchone()[0]
print("deploy runs: %d (%d interrupted by a kill and redone)" % (runs, interrupted))
twice = db.execute("""SELECT project, input_hash, count(*) FROM runs WHERE kind = 'deploy' AND status = 'succeeded'
                      GROUP BY project, input_hash HAVING count(*) > 1""").fetchall()
check("deploys of the same inputs succeeded twice", len(twice), twice)
shared = db.execute("""SELECT server, port, count(*) FROM projects WHERE port IS NOT NULL
                       GROUP BY server, port HAVING count(*) > 1""").fetchall()
check("ports held by two projects", len(shared), shared)
ports = db.execute("SELECT name, port FROM projects WHERE phase = 'active'").fetchall()
silent = []
for name, port in ports:
    try:
        urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=5).read()
    except Exception as error:
        silent.append((name, port, str(error)))
check("active projects not answering on their port", len(silent), silent)
repos = sorted(os.listdir(os.path.join(state, "forge", "acme"))) if os.path.isdir(os.path.join(state, "forge", "acme")) else []
check("forge repos beyond one per agent project", max(0, len(repos) - agent_projects), repos)
linked = db.execute("""SELECT count(DISTINCT github_repo_id) FROM projects
                        WHERE repo LIKE 'acme/%' AND repo_origin = 'created'""").fetchone()[0]
check("agent projects without a repo of their own, created once", agent_projects - linked)
finished = db.execute("SELECT id FROM runs WHERE status != 'running'").fetchall()
journaled = {int(json.loads(fields)["run"]) for (fields,) in db.execute(
    "SELECT fields FROM journal WHERE action = 'run_finished'")}
missing = [run for (run,) in finished if run not in journaled]
check("finished runs without their journal line", len(missing), missing[:10])
now = time.time()
def alive(holder):
    parts = holder.split(":")
    if len(parts) < 3 or parts[0] != socket.gethostname():
        return True
    try:
        os.kill(int(parts[1]), 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
leases = db.execute("SELECT key, holder, expires_at FROM leases").fetchall()
stale = [(key, holder) for key, holder, expires in leases if not alive(holder) and expires < now]
check("leases of dead processes past their TTL", len(stale), stale)
check("leases left after the last graceful stop", len(leases), leases)
if failures:
    sys.exit("\n".join(failures))
print("crash harness: every check holds")
PY
