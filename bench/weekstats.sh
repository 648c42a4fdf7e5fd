#!/usr/bin/env bash
# What a week's statistics cost: the same week (2024-W09, EVENTS events) in a store that holds
# only it and in one that holds WEEKS weeks of the same size; `sitrep stats --week` and
# `sitrep report` timed RUNS times on each (median), against the time its ingest took.
# Usage, from the project's root:  bench/weekstats.sh [EVENTS] [WEEKS] [RUNS]
# Needs GNU time (Debian package time). Data and stores go to $BENCH_DIR (default bench/out).
set -euo pipefail
events=${1:-3000000}
weeks=${2:-8}
runs=${3:-5}
week=2024-W09
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench/out}/weekstats
mkdir -p "$work"
[ -x /usr/bin/time ] || { echo "bench: GNU time is missing (apt-get install time)" >&2; exit 1; }

go build -o "$work/sitrep" "$root/cmd/sitrep"
sitrep=$work/sitrep
data() { # data DIR WEEKS: generate once
  if [ "$(cat "$1/size" 2>/dev/null)" != "$events x $2" ]; then
    "$sitrep" sample --out "$1" --week "$week" --weeks "$2" --events "$events" >&2
    echo "$events x $2" > "$1/size"
  fi
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timed() { # timed OUT CMD...: elapsed seconds of CMD, its output to OUT
  local out=$1; shift
  /usr/bin/time -f "%e" -o "$work/t" "$@" > "$out" 2>> "$work/log"
  cat "$work/t"
}

for n in 1 "$weeks"; do
  data "$work/data-$n" "$n"
  rm -rf "$work/store-$n"
  d=$work/data-$n
  ingest=$(timed /dev/null "$sitrep" --store "$work/store-$n" ingest "$d/events.csv" "$d/vulns.csv" "$d/incidents.csv")
  s=(); r=()
  for i in $(seq "$runs"); do
    s+=("$(timed "$work/stats-$n.json" "$sitrep" --store "$work/store-$n" stats --week "$week" --json)")
    r+=("$(timed /dev/null "$sitrep" --store "$work/store-$n" report --week "$week" --format html --out "$work/report-$n.html")")
  done
  printf '%s\n' "$ingest" > "$work/ingest-$n"
  printf '%s\n' "${s[@]}" | median > "$work/stats-$n"
  printf '%s\n' "${r[@]}" | median > "$work/report-$n"
  echo "store of $n week(s): ingest $ingest s; stats ${s[*]} s; report ${r[*]} s" >&2
done
cmp -s "$work/stats-1.json" "$work/stats-$weeks.json" || echo "note: the week's statistics differ between the stores (the week before and the history differ)" >&2

awk -v i1="$(cat "$work/ingest-1")" -v iN="$(cat "$work/ingest-$weeks")" -v s1="$(cat "$work/stats-1")" \
    -v sN="$(cat "$work/stats-$weeks")" -v rN="$(cat "$work/report-$weeks")" -v w="$weeks" 'BEGIN {
  printf "ingest: one week %.2f s; %d weeks %.2f s (%.2f s a week)\n", i1, w, iN, iN / w
  printf "stats --week, median: one-week store %.2f s, %d-week store %.2f s: ratio %.2f (required: at most 1.3)\n", s1, w, sN, sN / s1
  printf "stats on the %d-week store against ingesting its week: %.3f (required: at most 0.1)\n", w, sN / (iN / w)
  printf "report --format html on the %d-week store %.2f s: %.2f x stats (required: at most 1.5)\n", w, rN, rN / sN
}'
