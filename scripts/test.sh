#!/usr/bin/env bash
# Runs every test: first the unit tests (in parallel), then the tests that drive real processes — the
# Ansible runner and playbook tests and the integration tests (the built binary against real git repos,
# SQLite files, PostgreSQL, ansible-playbook, sshd test hosts) — one at a time in each of two halves side by side.
#
# Why serial halves: Swift Testing runs tests in parallel on the cooperative thread pool (one thread per core).
# Tests that wait on real processes block it, and on a 2-core machine several ansible-playbook runs at once turn
# health gates and timeouts into coin flips. Serial, they are deterministic; the unit tests stay parallel. The two
# halves share no test host, port range or file (their suites keep to their own), and mostly wait, so together
# they take about half the time of one serial run.
# Then the controller's crash harness (scripts/crash-harness.sh): `steward run` killed with SIGKILL at 20 moments,
# then every project converges and the store, forge and apps are checked. Last, the install test: scripts/install.sh
# into a temporary prefix, the installed binary run from / and the quickstart with it.
#   ./scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
real="StewardIntegrationTests|StewardAnsibleTests"
# Half A of the integration tests: the Ansible target (its reserved ports 23000-23999 are unique only within one
# process) and five suites; half B: every other suite, so a new suite lands there. Test IDs read
# Module.Suite/test()/Module/File.swift:L:C, hence the anchors.
half_a='StewardAnsibleTests\.|StewardIntegrationTests\.(DriftIntegrationTests|GitOpsVerbsIntegrationTests|HTTPSurfaceIntegrationTests|RecoveryIntegrationTests|RunCommandIntegrationTests)\b'
swift build --build-tests "$@"
# The release build scripts/install.sh makes (static Swift standard library, its own build folder: about 8 minutes
# on 2 cores from nothing) runs beside the tests at idle priority (SCHED_IDLE: only on a core the tests leave idle,
# so their timing is unchanged); the install test runs last, when it is done.
install_log=$(mktemp)
idle=(chrt --idle 0)
"${idle[@]}" true 2>/dev/null || idle=(nice -n 19)
# setsid: a group of its own, so a failing test run stops the whole build with it.
setsid "${idle[@]}" ./scripts/install.sh --build-only >"$install_log" 2>&1 &
install_build=$!
# A private PostgreSQL server (its own folder and port, TLS, a password) for the store's PostgreSQL tests.
pg_dir=$(mktemp -d /tmp/steward-pg.XXXXXX)
logs=$(mktemp -d)
halves=()              # process groups of the two integration halves
declare -A half_name=()
cleanup() {
  local pid
  for pid in "${halves[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  kill -- "-$install_build" 2>/dev/null || true
  ./scripts/postgres.sh stop "$pg_dir"
  rm -rf "$install_log" "$logs"
}
trap cleanup EXIT
eval "$(./scripts/postgres.sh start "$pg_dir")"
bin=$(swift build --show-bin-path "$@")
swift test --skip-build --skip "$real" "$@"
# The test bundle runs directly, as swift test runs it: swift test holds .build/.lock throughout, so a second one
# would only wait. Each half is a process group of its own (cleanup kills it) with its own log, printed when it ends.
# A failing half does not stop the other, so its tests still tear down their hosts and apps; the script fails after.
start_half() {  # NAME ARGS...
  local name=$1; shift
  setsid "$bin/stewardPackageTests.xctest" --testing-library swift-testing --no-parallel "$@" >"$logs/$name.log" 2>&1 &
  halves+=("$!"); half_name[$!]=$name
}
start_half A --filter "$half_a"
start_half B --filter "$real" --skip "$half_a|InstallIntegrationTests"
failed=""
for _ in "${halves[@]}"; do
  status=0
  wait -n -p finished "${!half_name[@]}" || status=$?
  name=${half_name[$finished]}; unset "half_name[$finished]"
  echo "==> integration half $name: exit $status"
  cat "$logs/$name.log"
  [ "$status" -eq 0 ] || failed+=" $name"
done
[ -z "$failed" ] || { echo "integration tests failed in half$failed (logs above)" >&2; exit 1; }
timeout 1800 ./scripts/crash-harness.sh "$bin/steward"
if ! wait "$install_build"; then
  tail -n 40 "$install_log"
  echo "scripts/install.sh --build-only failed (the log above)" >&2
  exit 1
fi
tail -n 1 "$install_log"
swift test --skip-build --filter InstallIntegrationTests "$@"
