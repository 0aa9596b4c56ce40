#!/usr/bin/env bash
# Steward on three real SSH servers: test hosts made by scripts/testhosts.sh (network namespaces with their
# own root filesystem and sshd; needs root), provisioned and deployed by Steward over SSH.
#
#   sudo ./examples/servers/run.sh          # state in ./.steward-servers (STEWARD_SERVERS_STATE to change)
#   sudo ./examples/servers/run.sh down     # stop the hosts (and everything that runs on them)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${STEWARD_SERVERS_STATE:-$root/.steward-servers}
hosts="$state/hosts"

if [ "${1:-}" = "down" ]; then
  "$root/scripts/testhosts.sh" down "$hosts"
  exit 0
fi
[ "$(id -u)" -eq 0 ] || { echo "run as root: the test hosts are network namespaces with overlay mounts" >&2; exit 1; }

"$root/scripts/install-deps.sh"
echo "==> building steward"
(cd "$root" && swift build --product steward)
steward="$root/.build/debug/steward"
export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-Steward Example} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-example@steward.invalid}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

echo "==> three test hosts (steward-th7..9)"
"$root/scripts/testhosts.sh" up "$hosts" 3 7

config="$state/config"
if [ ! -d "$config/.git" ]; then
  echo "==> creating the config repo at $config"
  git init -q -b main "$config"
  cp -R "$here/config/." "$config/"
  sed -i "s|@HOSTS@|$hosts|" "$config/steward.yaml"
  git -C "$config" add -A
  git -C "$config" commit -q -m "three servers, three projects"
fi

forge_repo="$state/forge/demo/app.git"
if [ ! -d "$forge_repo" ]; then
  echo "==> publishing the example app to the local forge at $forge_repo"
  work=$(mktemp -d)
  cp -R "$root/examples/quickstart/app/." "$work/"
  git -C "$work" init -q -b main
  git -C "$work" add -A
  git -C "$work" commit -q -m "demo app"
  mkdir -p "$(dirname "$forge_repo")"
  git clone -q --bare "$work" "$forge_repo"
  rm -rf "$work"
fi

# Pass 1 registers the servers, trusts their host keys, bootstraps and provisions them; pass 2 deploys.
for pass in 1 2; do
  echo "==> steward reconcile --once (pass $pass)"
  set +e
  "$steward" reconcile --once --config-repo "$config" --state-dir "$state"
  code=$?
  set -e
  echo "==> exit code $code (0 converged, 2 waiting, 1 errors)"
done
"$steward" get servers --state-dir "$state"
"$steward" get projects --state-dir "$state"
"$steward" get projects -o json --state-dir "$state" >"$state/projects.json"
python3 - "$state/projects.json" <<'PY' | while read -r url; do echo "==> GET $url"; curl -fsS "$url" || true; done
import json, sys
servers = {"srv-a": "10.231.7.2", "srv-b": "10.231.8.2", "srv-c": "10.231.9.2"}
for project in json.load(open(sys.argv[1])):
    if project.get("port"):
        print("http://%s:%d/" % (servers.get(project.get("server"), "?"), project["port"]))
PY
echo
echo "Try: $steward describe server srv-a --state-dir $state"
echo "     $steward run --config-repo $config --state-dir $state       # the controller (Ctrl-C stops it)"
echo "     sudo $0 down                                                 # stop the hosts"
exit "$code"
