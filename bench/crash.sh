#!/usr/bin/env bash
# Kills `sitrep ingest` with SIGKILL at several moments of a large ingest, runs it again, and
# checks that the week's statistics equal those of a clean run every time.
# Usage, from the project's root:  bench/crash.sh [EVENTS] [DELAYS...]
# (bench/ingest.sh's data is reused when it has the same size.)
set -euo pipefail
events=${1:-2000000}; shift || true
delays=("${@:-0.5 1.5 2.5 3.5 4.5}")
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench/out}
mkdir -p "$work"
go build -o "$work/sitrep" "$root/cmd/sitrep"
if [ ! -s "$work/data/events.csv" ] || [ "$(cat "$work/data/events.size" 2>/dev/null)" != "$events" ]; then
  "$work/sitrep" sample --out "$work/data" --week 2024-W09 --weeks 1 --events "$events" >&2
  echo "$events" > "$work/data/events.size"
fi
csv=$work/data/events.csv
rm -rf "$work/crash-clean"
"$work/sitrep" --store "$work/crash-clean" ingest "$csv" >/dev/null
"$work/sitrep" --store "$work/crash-clean" stats --week 2024-W09 --json > "$work/crash-clean.json"
bad=0
for d in ${delays[*]}; do
  rm -rf "$work/crash"
  "$work/sitrep" --store "$work/crash" ingest "$csv" >/dev/null 2>&1 & pid=$!
  sleep "$d"; kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  summary=$("$work/sitrep" --store "$work/crash" ingest "$csv" 2>/dev/null)
  "$work/sitrep" --store "$work/crash" stats --week 2024-W09 --json > "$work/crash.json"
  if cmp -s "$work/crash.json" "$work/crash-clean.json"; then
    echo "killed at ${d}s; rerun: $summary; statistics equal a clean run"
  else
    echo "killed at ${d}s; rerun: $summary; STATISTICS DIFFER"; bad=1
  fi
done
exit $bad
