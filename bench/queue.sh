#!/usr/bin/env bash
# A week of EVENTS events (default 2,000,000) through `sitrep serve --queue` and two workers
# into ClickHouse, with one worker and one of three NATS servers killed midway, against the
# embedded store ingesting the same file: TestQueueFaults at that size, with its times.
# Usage, from the project's root:  bench/queue.sh [EVENTS]
# Needs Debian's clickhouse-server, postgresql and nats-server (the test starts its own).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SITREP_FAULT_EVENTS=${1:-2000000} go test -count=1 -run 'TestQueueFaults$' -v -timeout 1h ./cmd/sitrep 2>&1 |
  grep -E 'events (through|into)|^(--- |ok|FAIL)'
