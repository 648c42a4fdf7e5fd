#!/usr/bin/env bash
# The embedded store against ClickHouse on this machine: WEEKS generated weeks of EVENTS events
# each ingested through the real pipeline, then the last week's statistics (median of three).
# Usage, from the project's root:  bench/scale.sh [EVENTS] [WEEKS]
#   bench/scale.sh 2000000 1    the 2-million-event week
#   bench/scale.sh 3000000 8    the 8-week, 24-million-event store
# Needs Debian's clickhouse-server (the benchmark starts its own on loopback).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SITREP_BENCH_EVENTS=${1:-2000000} SITREP_BENCH_WEEKS=${2:-1} \
  go test -run '^$' -bench Scale -benchtime 1x -timeout 2h ./internal/store/clickhouse 2>&1 | grep -E '^(Benchmark|ok|FAIL|---)'
