#!/usr/bin/env bash
# Builds release binaries and runs the foundation benchmarks (numbers: benchmarks/README.md).
#   ./benchmarks/run.sh [PROJECTS] [SERVERS]        defaults: 10000 100
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product steward
swift build -c release --product steward-bench
.build/release/steward-bench "${1:-10000}" "${2:-100}"
