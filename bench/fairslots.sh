#!/usr/bin/env bash
# Whether one caller's many live computations keep another caller waiting: a store of sample
# data (60 weeks ending 2024-W09, 20,000 events each), `sitrep serve`, a viewer token sending
# 14 uncached month statistics at once, and 0.5 s later an editor asking for one week's
# statistics. Prints the editor's wait, RUNS times. Usage, from the project's root:
#   bench/fairslots.sh [RUNS] [SITREP_BINARY]
# Needs curl. Data and stores go to $BENCH_DIR (default bench/out).
set -euo pipefail
runs=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench/out}/fairslots
mkdir -p "$work"
sitrep=${2:-$work/sitrep}
[ -n "${2:-}" ] || go build -o "$sitrep" "$root/cmd/sitrep"
if [ ! -d "$work/store" ]; then
  "$sitrep" sample --out "$work/data" --week 2024-W09 --weeks 60 --events 20000 >&2
  "$sitrep" --store "$work/store" ingest "$work/data"/*.csv >&2
  "$sitrep" --store "$work/store" token create --role viewer --name heavy | head -1 > "$work/viewer"
  "$sitrep" --store "$work/store" token create --role editor --name editor | head -1 > "$work/editor"
fi
viewer=$(tr -d '\n' < "$work/viewer"); editor=$(tr -d '\n' < "$work/editor")
addr=127.0.0.1:18111
for run in $(seq "$runs"); do
  rm -rf "$work/run" && cp -r "$work/store" "$work/run" # nothing counted ahead beyond the ingest's
  "$sitrep" --store "$work/run" serve --addr $addr > "$work/serve.log" 2>&1 & pid=$!
  for _ in $(seq 50); do curl -s -o /dev/null http://$addr/healthz && break; sleep 0.2; done
  heavy=()
  for m in 2023-01 2023-02 2023-03 2023-04 2023-05 2023-06 2023-07 2023-08 2023-09 2023-10 2023-11 2023-12 2024-01 2024-02; do
    curl -s -o /dev/null -H "Authorization: Bearer $viewer" "http://$addr/api/v1/stats/$m" & heavy+=($!)
  done
  sleep 0.5
  curl -s -o /dev/null -w "run $run: the editor waited %{time_total} s (HTTP %{http_code})\n" \
    -H "Authorization: Bearer $editor" "http://$addr/api/v1/stats/2024-W05?tlp=AMBER"
  wait "${heavy[@]}"
  kill $pid; wait $pid 2>/dev/null || true
done
