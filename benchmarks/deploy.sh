#!/usr/bin/env bash
# Deploy benchmarks on real test hosts (issue 5); numbers go to benchmarks/README.md.
#
#   sudo ./benchmarks/deploy.sh            # needs root (test hosts), ansible-core, nginx-light, a built steward
#
# 1. 5 projects on 3 SSH hosts (steward-th41..43): a new app commit deployed one at a time (concurrency: 1)
#    vs all at once (concurrency: 5), in the same run, on the same provisioned hosts. Ratio = concurrent/serial.
#    concurrency 1 runs one ansible-playbook per project, one after another; concurrency 5 one ansible-playbook
#    for the five (a batch: each project an inventory host, forks 5, strategy free).
#    Then the same new-commit deploy under `steward run --max-passes 1` (the controller batches deploys that become
#    ready within 250 ms); ratio controller/serial.
# 2. An unchanged pass (0 ansible-playbook runs) vs `ansible-pull` re-running deploy_project.yml for one of
#    those apps on this machine (one full run, which is what a pull-based setup does every interval).
# 3. A drift check of the 5 projects (`steward drift --check`, Ansible check mode): one run per project
#    (concurrency: 1) vs one batched run (concurrency: 5), in the same run; one project's .env edited on its host
#    first, so both find the same drift.
# Builds and uses the release binary (STEWARD_BIN=path to use another one).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -n "${STEWARD_BIN:-}" ]; then
  steward=$STEWARD_BIN
else
  (cd "$root" && swift build -c release --product steward >/dev/null)
  steward="$root/.build/release/steward"
fi
[ -x /usr/bin/time ] || { echo "/usr/bin/time is missing: apt-get install time" >&2; exit 1; }
command -v ansible-pull >/dev/null || { echo "ansible-pull is missing: apt-get install ansible-core" >&2; exit 1; }

work=$(mktemp -d /tmp/steward-bench-deploy.XXXXXX)
hosts="$work/hosts"
state="$work/state"
config="$work/config"
app="$work/app"
cleanup() {
  pkill -f "$work/" 2>/dev/null || true
  "$root/scripts/testhosts.sh" down "$hosts" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@steward.invalid GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@steward.invalid
export STEWARD_PLAYBOOKS="$root/playbooks"

"$root/scripts/testhosts.sh" up "$hosts" 3 41 >/dev/null

# The example app on the local forge.
mkdir -p "$state/forge/bench"
git init -q -b main "$app"
cp -R "$root/examples/quickstart/app/." "$app/"
git -C "$app" add -A && git -C "$app" commit -q -m app
git clone -q --bare "$app" "$state/forge/bench/app.git"
new_commit() {
  echo "# $1" >> "$app/README.md"
  git -C "$app" commit -q -am "$1"
  git -C "$app" push -q "$state/forge/bench/app.git" main
}

# The config repo: 3 servers, 5 projects.
git init -q -b main "$config"
mkdir -p "$config/manifests"
settings() {
  cat > "$config/steward.yaml" <<EOF
apiVersion: steward/v1
kind: Settings
forge: {provider: local, path: forge}
ssh: {privateKeyFile: $hosts/deploy_key, knownHostsFile: known_hosts}
intervals: {serverSync: 1h, healthCheck: 1h}
concurrency: $1
EOF
}
settings 5
for n in 41 42 43; do
  cat >> "$config/manifests/servers.yaml" <<EOF
---
apiVersion: steward/v1
kind: Server
metadata: {name: th$n}
spec:
  address: 10.231.$n.2
  user: deploy
  bootstrapUser: root
  capacity: {memoryMB: 1024, ports: "26000-26099"}
EOF
done
servers=(th41 th41 th42 th42 th43)
for i in 1 2 3 4 5; do
  cat > "$config/manifests/p$i.yaml" <<EOF
apiVersion: steward/v1
kind: Project
metadata: {name: p$i}
spec:
  repo: bench/app
  server: ${servers[$((i - 1))]}
  deploy: {strategy: recreate, healthPath: /health}
  env: |
    GREETING=bench$i
EOF
done
git -C "$config" add -A && git -C "$config" commit -q -m bench

# ansible-playbook processes of the last pass, from its closing log line.
runs() { sed -n 's/.*actions, \([0-9]*\) ansible-playbook runs.*/\1/p' "$work/last.log" | tail -1; }

calc() { python3 -c "print(round($1, 3))"; }

pass() {  # prints seconds and the pass's exit code
  local start end code
  start=$(date +%s.%N)
  set +e
  # CPU of the controller side (steward, ansible-playbook, ssh clients; not the hosts' sshd and modules),
  # which the load of other processes on the machine does not inflate the way it does wall time.
  /usr/bin/time -f "%U %S" -o "$work/cpu" \
    "$steward" reconcile --once --config-repo "$config" --state-dir "$state" --log-format json 2>"$work/last.log" >/dev/null
  code=$?
  set -e
  end=$(date +%s.%N)
  # Sum of the deploys' own durations: above the pass's wall time when they overlapped.
  deploy_sum=$(python3 -c '
import json, sys
total = 0
for line in open(sys.argv[1]):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if event.get("action") == "deploy" and "duration_ms" in event and event.get("msg", "").startswith("deploy "):
        total += int(event["duration_ms"])
print(round(total / 1000, 2))' "$work/last.log")
  echo "$(calc "$end - $start") $code $deploy_sum $(calc "$(tail -1 "$work/cpu" | tr ' ' '+')")"
}

echo "==> pass 1: server sync and provisioning (the projects wait for ready servers)"
read -r first code _ < <(pass)
echo "    $first s (exit $code)"
[ "$code" -le 2 ] || { tail -30 "$work/last.log"; exit 1; }
echo "==> pass 2: 5 first deploys"
read -r first code _ < <(pass)
echo "    $first s (exit $code)"
[ "$code" -eq 0 ] || { tail -30 "$work/last.log"; exit 1; }

settings 1; git -C "$config" commit -q -am "concurrency 1"
new_commit serial
echo "    load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r serial code sum cpu < <(pass)
echo "==> new commit, concurrency 1: $serial s (exit $code; $(runs) ansible-playbook runs; the deploys' own durations add up to $sum s; controller CPU $cpu s)"
[ "$code" -eq 0 ] || { tail -30 "$work/last.log"; exit 1; }

settings 5; git -C "$config" commit -q -am "concurrency 5"
new_commit concurrent
echo "    load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r concurrent code sum cpu < <(pass)
echo "==> new commit, concurrency 5: $concurrent s (exit $code; $(runs) ansible-playbook runs; the deploys' own durations add up to $sum s; controller CPU $cpu s)"
[ "$code" -eq 0 ] || { tail -30 "$work/last.log"; exit 1; }
echo "    ratio concurrent/serial: $(calc "$concurrent / $serial")"

# The same under `steward run` (the controller's DeployCoordinator batches deploys ready within 250 ms): a new
# commit, then a controller that stops once every key it enqueued settled.
new_commit controller
echo "    load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
/usr/bin/time -f "%U %S" -o "$work/cpu" \
  "$steward" run --max-passes 1 --listen 127.0.0.1:0 --config-repo "$config" --state-dir "$state" --log-format json 2>"$work/run.log" >/dev/null \
  || { tail -30 "$work/run.log"; exit 1; }
end=$(date +%s.%N)
controller=$(calc "$end - $start")
batches=$(python3 -c '
import json, sys
count = 0
for line in open(sys.argv[1]):
    try:
        count += json.loads(line).get("action") == "deploy_batch"
    except ValueError:
        pass
print(count)' "$work/run.log")
echo "==> new commit, concurrency 5, steward run --max-passes 1: $controller s ($batches ansible-playbook runs; controller CPU $(calc "$(tail -1 "$work/cpu" | tr ' ' '+')") s)"
echo "    ratio controller/serial: $(calc "$controller / $serial")"

read -r unchanged code _ < <(pass)
echo "==> unchanged pass (0 ansible-playbook runs): $unchanged s (exit $code)"
grep -q "nothing changed, 0 ansible-playbook runs" "$work/last.log" || { echo "the unchanged pass ran something"; tail -30 "$work/last.log"; exit 1; }

# ansible-pull: the playbooks as a git repo, one app deployed on this machine, then re-run unchanged.
pull="$work/pull"
git init -q -b main "$pull/repo"
cp -R "$root/playbooks/." "$pull/repo/"
git -C "$pull/repo" add -A && git -C "$pull/repo" commit -q -m playbooks
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
commit=$(git -C "$app" rev-parse HEAD)
cat > "$pull/vars.json" <<EOF
{"project_name": "pull", "repo_info": {"clone_url": "file://$state/forge/bench/app.git", "commit": "$commit", "repo": "bench/app"},
 "app_port": $port, "health_path": "/health", "input_hash": "bench", "env_content": "GREETING=pull\n",
 "steward_apps_dir": "$pull/apps", "ansible_python_interpreter": "$(command -v python3)"}
EOF
ansible_pull() {
  ANSIBLE_LOCALHOST_WARNING=false ansible-pull -U "file://$pull/repo" -C main -d "$pull/checkout" -i localhost, -c local \
    -e "@$pull/vars.json" deploy_project.yml >"$pull/out.log" 2>&1
}
ansible_pull || { cat "$pull/out.log"; exit 1; }
start=$(date +%s.%N)
ansible_pull || { cat "$pull/out.log"; exit 1; }
end=$(date +%s.%N)
pulled=$(calc "$end - $start")
echo "==> ansible-pull re-running deploy_project.yml unchanged (one app, local): $pulled s"
echo "    load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "    unchanged Steward pass / ansible-pull: $(calc "$unchanged / $pulled")"
python3 "$root/playbooks/files/steward_supervise.py" stop --pid-file "$pull/apps/pull/supervisor.pid" >/dev/null 2>&1 || true

# 3. Drift checks: p1's .env edited on th41, then one check per project vs one batched check.
echo "EDITED_ON_THE_HOST=1" >> "$hosts/steward-th41/merged/home/deploy/.steward/apps/p1/.env"
drift_check() {  # prints seconds, exit code, drifted projects, ansible-playbook runs, controller CPU
  local start end code
  start=$(date +%s.%N)
  set +e
  /usr/bin/time -f "%U %S" -o "$work/cpu" \
    "$steward" drift --check -o json --config-repo "$config" --state-dir "$state" --log-format json >"$work/drift.json" 2>"$work/drift.log"
  code=$?
  set -e
  end=$(date +%s.%N)
  drifted=$(python3 -c 'import json,sys; print(",".join(p["project"] for p in json.load(open(sys.argv[1]))["projects"] if p["status"] == "drifted"))' "$work/drift.json")
  checks=$(python3 -c '
import json, sys
runs = set()
for line in open(sys.argv[1]):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if event.get("action") == "drift_check":
        runs.add(event.get("project"))
print(len(runs))' "$work/drift.log")
  echo "$(calc "$end - $start") $code $drifted $checks $(calc "$(tail -1 "$work/cpu" | tr ' ' '+')")"
}
settings 1; git -C "$config" commit -q -am "concurrency 1"
echo "    load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r perproject code drifted checks cpu < <(drift_check)
echo "==> drift check, one ansible-playbook --check per project (concurrency 1): $perproject s (exit $code; drifted: $drifted; $checks projects checked; controller CPU $cpu s)"
[ "$code" -eq 1 ] && [ "$drifted" = p1 ] || { cat "$work/drift.json"; tail -30 "$work/drift.log"; exit 1; }
settings 5; git -C "$config" commit -q -am "concurrency 5"
echo "    load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
read -r batched code drifted checks cpu < <(drift_check)
echo "==> drift check, one batched ansible-playbook --check for the 5 (concurrency 5): $batched s (exit $code; drifted: $drifted; $checks projects checked; controller CPU $cpu s)"
[ "$code" -eq 1 ] && [ "$drifted" = p1 ] || { cat "$work/drift.json"; tail -30 "$work/drift.log"; exit 1; }
echo "    ratio batched/per-project: $(calc "$batched / $perproject")"
