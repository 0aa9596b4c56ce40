#!/usr/bin/env bash
# Runs every test: unit tests, then the integration tests (the built binary against real git repos, SQLite
# files, ansible-playbook, sshd test hosts), in two processes.
#
# Why two: Swift Testing runs tests in parallel on the cooperative thread pool (one thread per core). The
# integration tests wait on real processes (synchronously), so next to them the unit tests' async work
# (graph steps, token refresh) starves on a 2-core machine. Apart, both run in parallel within themselves.
#   ./scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests "$@"
swift test --skip-build --skip StewardIntegrationTests "$@"
swift test --skip-build --filter StewardIntegrationTests "$@"
