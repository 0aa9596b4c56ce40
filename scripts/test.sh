#!/usr/bin/env bash
# Runs every test: first the unit tests (in parallel), then the tests that drive real processes — the
# Ansible runner and playbook tests and the integration tests (the built binary against real git repos,
# SQLite files, ansible-playbook, sshd test hosts) — one at a time.
#
# Why two processes, the second serial: Swift Testing runs tests in parallel on the cooperative thread pool
# (one thread per core). Tests that wait on real processes block it, and on a 2-core machine several
# ansible-playbook runs at once turn health gates and timeouts into coin flips. Serial, they are
# deterministic; the unit tests stay parallel.
# Last, the controller's crash harness (scripts/crash-harness.sh): `steward run` killed with SIGKILL at 20 moments,
# then every project converges and the store, forge and apps are checked.
#   ./scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
real="StewardIntegrationTests|StewardAnsibleTests"
swift build --build-tests "$@"
swift test --skip-build --skip "$real" "$@"
swift test --skip-build --filter "$real" --no-parallel "$@"
timeout 1800 ./scripts/crash-harness.sh "$(swift build --show-bin-path "$@")/steward"
