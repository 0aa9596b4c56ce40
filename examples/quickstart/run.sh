#!/usr/bin/env bash
# The quickstart in one command: installs what is missing (Debian), installs Steward with scripts/install.sh (one
# binary, its playbooks built in), creates a local config repo and a local forge holding the example app, then
# reconciles once with the installed binary and asks the deployed app for its health.
#
#   ./examples/quickstart/run.sh            # steward in ~/.local/bin, state in ./.steward-quickstart
#   STEWARD_PREFIX=/opt/steward STEWARD_QUICKSTART_STATE=/tmp/qs ./examples/quickstart/run.sh
#   STEWARD_QUICKSTART_PORTS=18500-18509    # the ports the local server hands out (default 18080-18089)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
state=${STEWARD_QUICKSTART_STATE:-$root/.steward-quickstart}
prefix=${STEWARD_PREFIX:-$HOME/.local}

"$root/scripts/install-deps.sh"
"$root/scripts/install.sh" "$prefix"
steward="$prefix/bin/steward"

export GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-Steward Quickstart} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-quickstart@steward.invalid}
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL

mkdir -p "$state"
config="$state/config"
if [ ! -d "$config/.git" ]; then
  echo "==> creating the config repo at $config"
  git init -q -b main "$config"
  cp -R "$here/config/." "$config/"
  if [ -n "${STEWARD_QUICKSTART_PORTS:-}" ]; then
    sed -i "s/\"18080-18089\"/\"$STEWARD_QUICKSTART_PORTS\"/" "$config/manifests/local.yaml"
  fi
  git -C "$config" add -A
  git -C "$config" commit -q -m "quickstart: a local server and the hello project"
fi

forge_repo="$state/forge/quickstart/hello.git"
if [ ! -d "$forge_repo" ]; then
  echo "==> publishing the example app to the local forge at $forge_repo"
  work=$(mktemp -d)
  cp -R "$here/app/." "$work/"
  git -C "$work" init -q -b main
  git -C "$work" add -A
  git -C "$work" commit -q -m "hello app"
  mkdir -p "$(dirname "$forge_repo")"
  git clone -q --bare "$work" "$forge_repo"
  rm -rf "$work"
fi

echo "==> steward reconcile --once"
set +e
"$steward" reconcile --once --config-repo "$config" --state-dir "$state"
code=$?
set -e
echo "==> exit code $code (0 converged, 2 waiting, 1 errors)"
"$steward" get projects --state-dir "$state"
if [ "$code" -ne 0 ]; then
  echo "==> not converged; see the log above and: $steward describe project hello --state-dir $state"
  exit "$code"
fi

port=$("$steward" get projects -o json --state-dir "$state" | python3 -c 'import json,sys; print(next(p["port"] for p in json.load(sys.stdin) if p["name"]=="hello"))')
echo "==> GET http://127.0.0.1:$port/health"
curl -fsS "http://127.0.0.1:$port/health"
echo
echo
echo "Next: edit $config/manifests/hello.yaml (e.g. the GREETING), commit, and run again:"
echo "  $steward reconcile --once --config-repo $config --state-dir $state"
exit "$code"
