#!/usr/bin/env bash
# Runs every test: first the unit tests (in parallel), then the tests that drive real processes — the
# Ansible runner and playbook tests and the integration tests (the built binary against real git repos,
# SQLite files, PostgreSQL, ansible-playbook, sshd test hosts) — one at a time.
#
# Why two processes, the second serial: Swift Testing runs tests in parallel on the cooperative thread pool
# (one thread per core). Tests that wait on real processes block it, and on a 2-core machine several
# ansible-playbook runs at once turn health gates and timeouts into coin flips. Serial, they are
# deterministic; the unit tests stay parallel. (Two serial halves side by side were tried: on 2 cores they are
# CPU-bound, not waiting, and each half took as long as the whole suite alone, 1,502 s and 1,657 s against 1,494.)
# Then the controller's crash harness (scripts/crash-harness.sh): `steward run` killed with SIGKILL at 20 moments,
# then every project converges and the store, forge and apps are checked. Then the replica harness
# (scripts/replica-harness.sh): three replicas on PostgreSQL deploy 300 projects while two are killed with SIGKILL
# and PostgreSQL is stopped for 30 s, and the lease audit, runs, ports and forge are checked. Last, the install test:
# scripts/install.sh into a temporary prefix, the installed binary run from / and the quickstart with it.
#   ./scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
real="StewardIntegrationTests|StewardAnsibleTests"
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
cleanup() {
  kill -- "-$install_build" 2>/dev/null || true
  ./scripts/postgres.sh stop "$pg_dir"
  rm -f "$install_log"
}
trap cleanup EXIT
eval "$(./scripts/postgres.sh start "$pg_dir")"
swift test --skip-build --skip "$real" "$@"
swift test --skip-build --filter "$real" --skip InstallIntegrationTests --no-parallel "$@"
bin=$(swift build --show-bin-path "$@")
timeout 1800 ./scripts/crash-harness.sh "$bin/steward"
REPLICA_LIMIT=${REPLICA_LIMIT:-2700} timeout 3600 ./scripts/replica-harness.sh "$bin/steward"
if ! wait "$install_build"; then
  tail -n 40 "$install_log"
  echo "scripts/install.sh --build-only failed (the log above)" >&2
  exit 1
fi
tail -n 1 "$install_log"
swift test --skip-build --filter InstallIntegrationTests "$@"
