#!/usr/bin/env bash
# Replica crash harness (issue 18; README "Running several replicas"): three `steward run` replicas on one PostgreSQL
# database (a private server, scripts/postgres.sh), each with a state dir of its own, deploying PROJECTS projects from
# the quickstart app on one local server (the replicas' `apps` folders are one directory, as one server's disk) and
# AGENT_PROJECTS more built by the agents (one local forge, shared the same way). While they work:
#   - replica 1 is killed with SIGKILL, later replica 2, and both are started again;
#   - once every project is active and answering, every CHANGE_EVERY-th project's manifest changes (a new GREETING), and
#     8 s later, with some of them still to deploy (else the harness fails: the outage would prove nothing),
#     PostgreSQL is stopped for OUTAGE seconds: the replicas must act on nothing while it is down (no ansible-playbook
#     runs once their fence closed) and catch up once it is back.
# Then every changed project must answer with the new greeting and every other one with the first; the replicas stop
# on SIGTERM, and a one-shot `reconcile --once` must find nothing to do. Checks, from the store and the machine:
#   - the lease audit shows no key held by two holders at once;
#   - no deploy of the same inputs succeeded twice, no two deploys of one project overlapped;
#   - no port held by two projects, every project answering on its own port with its greeting;
#   - no repo created twice (one forge repo per agent project);
#   - no run left `running`, no lease left after the graceful stops;
#   - no ansible-playbook running while PostgreSQL was down (after the fence's 10 s), and every live replica said so.
# Exit 0 when every check holds.
#   ./scripts/replica-harness.sh [STEWARD_BINARY]     (default .build/debug/steward)
# Environment: REPLICA_PROJECTS (300), REPLICA_AGENT_PROJECTS (3), REPLICA_CHANGE_EVERY (10: 30 of 300 projects change
# before the outage, enough to keep every replica deploying through it), REPLICA_OUTAGE (30), REPLICA_SEED (random),
# REPLICA_LIMIT (seconds each convergence may take, 1800), REPLICA_KEEP (keep the work folder).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/state-dir.sh
root=$PWD
steward=${1:-$root/.build/debug/steward}
projects=${REPLICA_PROJECTS:-300}
agent_projects=${REPLICA_AGENT_PROJECTS:-3}
change_every=${REPLICA_CHANGE_EVERY:-10}
[[ $change_every =~ ^[1-9][0-9]*$ ]] || { echo "REPLICA_CHANGE_EVERY must be a positive integer, not '$change_every'" >&2; exit 2; }
outage=${REPLICA_OUTAGE:-30}
seed=${REPLICA_SEED:-$RANDOM}
limit=${REPLICA_LIMIT:-1800}
prepare_harness "$steward"
command -v psql >/dev/null || { echo "psql is missing (apt-get install postgresql)" >&2; exit 2; }

work=$(mktemp -d /tmp/steward-replicas.XXXXXX)
chmod 0755 "$work"
pids=(0 0 0)
cleanup() {
  local pid
  for pid in "${pids[@]}"; do [ "$pid" -gt 0 ] && kill -9 "$pid" 2>/dev/null || true; done
  kill_state_processes "$work"
  if [ -n "${REPLICA_KEEP:-}" ]; then
    ./scripts/postgres.sh down "$work/pg" 2>/dev/null || true
    echo "work folder kept in $work (the database: ./scripts/postgres.sh up $work/pg)" >&2
  else
    ./scripts/postgres.sh stop "$work/pg" || true
    rm -rf "$work"
  fi
}
trap cleanup EXIT

eval "$(./scripts/postgres.sh start "$work/pg")"
# The URL (and its password) reaches the replicas through the environment, never their argv.
export STEWARD_STORE_URL=$STEWARD_TEST_POSTGRES_URL
export STEWARD_MASTER_KEY=$(head -c 32 /dev/urandom | base64)
db=$STEWARD_STORE_URL
sql() { psql "$db" -At -F '|' -c "$1"; }

total=$((projects + agent_projects))
base=$(free_port_range "$total")

shared=$work/shared
mkdir -p "$shared/apps"
seed_quickstart_forge "$shared"
for r in 1 2 3; do
  mkdir -p "$work/r$r"
  ln -s "$shared/apps" "$work/r$r/apps"
  ln -s "$shared/forge" "$work/r$r/forge"
done

config=$work/config
git init -q -b main "$config"
mkdir -p "$config/manifests"
cat >"$config/steward.yaml" <<EOF
apiVersion: steward/v1
kind: Settings
forge: {provider: local, path: forge}
agents: {backend: builtin}
intervals: {configRepo: 1s, githubSync: 5s, serverSync: 5s, healthCheck: 10s}
concurrency: 4
playbookTimeout: 10m
shutdownGrace: 2m
EOF
cat >"$config/manifests/local.yaml" <<EOF
apiVersion: steward/v1
kind: Server
metadata: {name: local}
spec: {address: 127.0.0.1, connection: local, capacity: {memoryMB: 1048576, ports: "$base-$((base + total - 1))"}}
EOF
write_projects() {  # GREETING [EVERY]: the manifests of every EVERY-th project (default: all)
  local i
  for i in $(seq -w 1 "$projects"); do
    [ $((10#$i % ${2:-1})) -eq 0 ] || continue
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
    GREETING=$1-$i
EOF
  done
  git -C "$config" add -A && git -C "$config" commit -q -m "greeting $1"
}
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
write_projects hello

start_replica() {  # N
  "$steward" run --interval 1 --listen 127.0.0.1:0 --config-repo "$config" --state-dir "$work/r$1" >>"$work/r$1.log" 2>&1 &
  pids[$(($1 - 1))]=$!
}
kill_replica() {  # N
  kill -9 "${pids[$(($1 - 1))]}" 2>/dev/null || true
  wait "${pids[$(($1 - 1))]}" 2>/dev/null || true
  pids[$(($1 - 1))]=0
}
active() { sql "SELECT count(*) FROM projects WHERE phase = 'active'" 2>/dev/null || echo 0; }
greeted() {  # GREETING [EVERY]: how many of every EVERY-th project (default: all) answer with it
  python3 - "$1" "${2:-1}" <<PY
import subprocess, sys, urllib.request
rows = subprocess.run(["psql", "$db", "-At", "-F", "|", "-c", "SELECT name, port FROM projects WHERE name LIKE 'p%' AND port IS NOT NULL"],
                      capture_output=True, text=True).stdout.split()
count = 0
for row in rows:
    name, port = row.split("|")
    if int(name[1:]) % int(sys.argv[2]):
        continue
    try:
        if (sys.argv[1] + "-" + name[1:]) in urllib.request.urlopen("http://127.0.0.1:%s/" % port, timeout=3).read().decode():
            count += 1
    except Exception:
        pass
print(count)
PY
}
wait_for() {  # WHAT COMMAND THRESHOLD
  local deadline=$(($(date +%s) + limit)) now
  while :; do
    now=$($2)
    [ "$now" -ge "$3" ] && return 0
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$1: only $now of $3 after ${limit}s; the ends of the replicas' logs:" >&2
      for r in 1 2 3; do tail -15 "$work/r$r.log" >&2; done
      exit 1
    fi
    sleep 3
  done
}

mapfile -t moments < <(python3 -c "
import random; random.seed($seed)
print('%.1f' % random.uniform(15, 40)); print('%.1f' % random.uniform(10, 30)); print('%.1f' % random.uniform(5, 20))")
echo "replica harness: 3 replicas, $projects projects + $agent_projects built by the agents, outage ${outage}s, seed $seed, work $work"
started=$(date +%s)
for r in 1 2 3; do start_replica "$r"; done
sleep "${moments[0]}"
kill_replica 1
echo "killed replica 1 after ${moments[0]}s: $(active) projects active"
sleep "${moments[1]}"
kill_replica 2
echo "killed replica 2 ${moments[1]}s later: $(active) projects active"
sleep "${moments[2]}"
start_replica 1
start_replica 2
echo "started replicas 1 and 2 again"
wait_for "projects active" active "$total"
wait_for "projects greeting hello" "greeted hello" "$projects"
echo "converged: $total projects active in $(($(date +%s) - started)) s"

# A change for every CHANGE_EVERY-th project, then PostgreSQL down while the replicas deploy it.
changed=$((projects / change_every))
write_projects again "$change_every"
sleep 8
# The outage proves something only if deploys are still to do when it begins.
pending=$((changed - $(greeted again "$change_every")))
mark=$(date +%s)
./scripts/postgres.sh down "$work/pg"
echo "PostgreSQL stopped for ${outage}s with $pending of the $changed changed projects still to deploy"
[ "$pending" -gt 0 ] || { echo "every change was deployed before PostgreSQL stopped: the outage would prove nothing (change more projects: REPLICA_CHANGE_EVERY)" >&2; exit 1; }
fenced_after=$((mark + 11))
busy=0
samples=0
while [ "$(date +%s)" -lt $((mark + outage)) ]; do
  if [ "$(date +%s)" -ge "$fenced_after" ]; then
    samples=$((samples + 1))
    if pgrep -af ansible-playbook | grep -qF "$work"; then busy=$((busy + 1)); fi
  fi
  sleep 1
done
./scripts/postgres.sh up "$work/pg"
echo "PostgreSQL back after ${outage}s; ansible-playbook seen in $busy of $samples samples taken once the fence had closed"
wait_for "projects greeting again" "greeted again $change_every" "$changed"
echo "caught up: the $changed changed projects redeployed with the new greeting $(($(date +%s) - mark)) s after the change"
unchanged=$(greeted hello)
[ "$unchanged" -eq $((projects - changed)) ] || { echo "only $unchanged of $((projects - changed)) unchanged projects still answer with their first greeting" >&2; exit 1; }

for r in 1 2 3; do kill -TERM "${pids[$((r - 1))]}"; done
for r in 1 2 3; do
  status=0
  wait "${pids[$((r - 1))]}" || status=$?
  pids[$((r - 1))]=0
  [ "$status" -eq 0 ] || { echo "replica $r exited $status after SIGTERM" >&2; tail -20 "$work/r$r.log" >&2; exit 1; }
done
converged=0
"$steward" reconcile --once --config-repo "$config" --state-dir "$work/r3" >"$work/final.out" 2>"$work/final.log" || converged=$?
echo "final reconcile --once: exit $converged, $(grep -o '[0-9]* ansible-playbook runs' "$work/final.out")"
[ "$converged" -eq 0 ] || { cat "$work/final.out" >&2; exit 1; }

python3 - "$db" "$work" "$agent_projects" "$busy" <<'PY'
import os, subprocess, sys
db, work, agent_projects, busy = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def rows(sql):
    out = subprocess.run(["psql", db, "-At", "-F", "|", "-c", sql], capture_output=True, text=True, check=True).stdout
    return [line.split("|") for line in out.splitlines() if line]
failures = []
def check(name, bad, detail=""):
    print("%-62s %s" % (name + ":", bad))
    if bad:
        failures.append("%s: %s %s" % (name, bad, detail))

audit = rows("SELECT key, holder, action, coalesce(previous, '') FROM lease_audit ORDER BY id")
holders = {}
overlaps = []
for key, holder, action, previous in audit:
    if action == "acquire" and key in holders:
        overlaps.append((key, holder, holders[key]))
    if action == "takeover" and key in holders and holders[key] != previous:
        overlaps.append((key, holder, holders[key]))
    if action == "release" and holders.get(key) != holder:
        overlaps.append((key, "release by " + holder, holders.get(key)))
    holders[key] = None if action == "release" else holder
    if holders[key] is None:
        del holders[key]
takeovers = sum(1 for row in audit if row[2] == "takeover")
replicas = len({row[1] for row in audit if row[0].startswith("replica/")})
print("lease audit: %d rows, %d takeovers, %d replica lives" % (len(audit), takeovers, replicas))
check("keys held by two holders at once", len(overlaps), overlaps[:5])
runs = rows("SELECT count(*), count(*) FILTER (WHERE status = 'interrupted') FROM runs WHERE kind = 'deploy'")[0]
print("deploy runs: %s (%s interrupted by a kill or the outage and redone)" % (runs[0], runs[1]))
twice = rows("""SELECT project, input_hash, count(*) FROM runs WHERE kind = 'deploy' AND status = 'succeeded'
                GROUP BY project, input_hash HAVING count(*) > 1""")
check("deploys of the same inputs succeeded twice", len(twice), twice[:5])
overlapping = rows("""SELECT a.project, a.id, b.id FROM runs a JOIN runs b ON a.project = b.project AND a.id < b.id
                      WHERE a.kind = 'deploy' AND b.kind = 'deploy' AND a.status <> 'interrupted'
                        AND b.started_at < a.finished_at""")
check("deploys of one project that overlapped", len(overlapping), overlapping[:5])
shared = rows("SELECT server, port, count(*) FROM projects WHERE port IS NOT NULL GROUP BY server, port HAVING count(*) > 1")
check("ports held by two projects", len(shared), shared)
repos = sorted(os.listdir(os.path.join(work, "shared", "forge", "acme"))) if os.path.isdir(os.path.join(work, "shared", "forge", "acme")) else []
check("forge repos beyond one per agent project", max(0, len(repos) - agent_projects), repos)
running = rows("SELECT id, project FROM runs WHERE status = 'running'")
check("runs left running", len(running), running[:5])
leases = rows("SELECT key, holder FROM leases")
check("leases left after the graceful stops", len(leases), leases[:5])
check("samples with ansible-playbook running while PostgreSQL was down", busy)
fenced = [r for r in (1, 2, 3) if "replica_fenced" in open(os.path.join(work, "r%d.log" % r)).read()]
check("replicas that did not say they stopped acting", 3 - len(fenced), fenced)
if failures:
    sys.exit("\n".join(failures))
print("replica harness: every check holds")
PY
