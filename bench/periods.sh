#!/usr/bin/env bash
# What a month's and a year's statistics and editions cost: a store of a year of sample data
# (WEEKS weeks ending 2024-W52, EVENTS events each), `sitrep stats` and `sitrep report` of
# --year 2024, --month 2024-06 and --week 2024-W26, each first on a copy of the fresh store and
# then RUNS times more (median), beside the time the year's ingest took.
# Usage, from the project's root:  bench/periods.sh [EVENTS] [WEEKS] [RUNS]
# Needs GNU time (Debian package time). Data and stores go to $BENCH_DIR (default bench/out).
set -euo pipefail
events=${1:-200000}
weeks=${2:-52}
runs=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench/out}/periods
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "bench: GNU time is missing (apt-get install time)" >&2; exit 1; }

go build -o "$work/sitrep" "$root/cmd/sitrep"
sitrep=$work/sitrep
if [ "$(cat "$work/data/size" 2>/dev/null)" != "$events x $weeks" ]; then
  "$sitrep" sample --out "$work/data" --week 2024-W52 --weeks "$weeks" --events "$events" >&2
  echo "$events x $weeks" > "$work/data/size"
fi
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timed() { # timed CMD...: elapsed seconds of CMD
  /usr/bin/time -f "%e" -o "$work/t" "$@" > /dev/null 2>> "$work/log"
  cat "$work/t"
}
rm -rf "$work/store"
d=$work/data
ingest=$(timed "$sitrep" --store "$work/store" ingest "$d/events.csv" "$d/vulns.csv" "$d/incidents.csv")
# The first run counts the span and keeps its counts; the runs after read them (until an
# ingest touches the span). Both are shown, and so is the edition (report) of each span.
for span in "--year 2024" "--month 2024-06" "--week 2024-W26"; do
  for cmd in stats report; do
    rm -rf "$work/warm" && cp -r "$work/store" "$work/warm"
    first=$(timed "$sitrep" --store "$work/warm" $cmd $span) # shellcheck disable=SC2086
    t=()
    for i in $(seq "$runs"); do
      t+=("$(timed "$sitrep" --store "$work/warm" $cmd $span)") # shellcheck disable=SC2086
    done
    echo "$cmd $span: first $first s, then $(printf '%s\n' "${t[@]}" | median) s (runs: ${t[*]})"
  done
done
echo "the year's ingest ($weeks weeks of $events events): $ingest s"
