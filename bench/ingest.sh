#!/usr/bin/env bash
# Times `sitrep ingest` + `sitrep stats` of one generated week into a fresh store against the
# SQLite shell importing the same CSV and running the same counts, in the same run, and prints
# the ratio. Usage, from the project's root:  bench/ingest.sh [EVENTS] [RUNS]
# Needs sqlite3 (Debian package sqlite3) and GNU time (package time).
set -euo pipefail
events=${1:-2000000}
runs=${2:-3}
week=2024-W09
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench/out}
mkdir -p "$work"
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is missing (apt-get install sqlite3)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: GNU time is missing (apt-get install time)" >&2; exit 1; }

go build -o "$work/sitrep" "$root/cmd/sitrep"
if [ ! -s "$work/data/events.csv" ] || [ "$(cat "$work/data/events.size" 2>/dev/null)" != "$events" ]; then
  "$work/sitrep" sample --out "$work/data" --week "$week" --weeks 1 --events "$events" >&2
  echo "$events" > "$work/data/events.size"
fi
csv=$work/data/events.csv
rows=$(($(wc -l < "$csv") - 1))
size=$(du -m "$csv" | cut -f1)

# The week and the week before, as local times, for the SQLite shell's string comparisons.
{ printf '.mode csv\n.import %s events\n' "$csv"
  sed -e "s/:pfrom/2024-02-19 00:00:00/g; s/:pto/2024-02-26 00:00:00/g; s/:from/2024-02-26 00:00:00/g; s/:to/2024-03-04 00:00:00/g" "$root/bench/sqlite-counts.sql"
} > "$work/sqlite.sql"

best() { sort -n | head -1; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
sitrep_times=(); sqlite_times=(); sitrep_rss=0
for i in $(seq "$runs"); do
  rm -rf "$work/store"
  /usr/bin/time -f "%e %M" -o "$work/t1" "$work/sitrep" --store "$work/store" ingest "$csv" >/dev/null
  /usr/bin/time -f "%e %M" -o "$work/t2" "$work/sitrep" --store "$work/store" stats --week "$week" --json > "$work/stats.json"
  t=$(awk 'NR==FNR{a=$1; m=$2; next} {printf "%.2f %d", a+$1, (m>$2?m:$2)}' "$work/t1" "$work/t2")
  sitrep_times+=("${t% *}"); rss=${t#* }; [ "$rss" -gt "$sitrep_rss" ] && sitrep_rss=$rss

  rm -f "$work/sqlite.db"
  /usr/bin/time -f "%e %M" -o "$work/t3" sqlite3 "$work/sqlite.db" < "$work/sqlite.sql" > "$work/sqlite.out"
  sqlite_times+=("$(cut -d' ' -f1 "$work/t3")")
  echo "run $i: sitrep ${sitrep_times[-1]} s, sqlite3 ${sqlite_times[-1]} s" >&2
done
s=$(printf '%s\n' "${sitrep_times[@]}" | best)
q=$(printf '%s\n' "${sqlite_times[@]}" | best)
sm=$(printf '%s\n' "${sitrep_times[@]}" | median)
qm=$(printf '%s\n' "${sqlite_times[@]}" | median)
echo "input: $rows events, $size MB ($csv)"
echo "sitrep ingest+stats: best $s s of ${sitrep_times[*]}; peak RSS $((sitrep_rss / 1024)) MB"
echo "sqlite3 import+counts: best $q s of ${sqlite_times[*]}"
awk -v s="$s" -v q="$q" -v sm="$sm" -v qm="$qm" 'BEGIN { printf "ratio sitrep/sqlite3: %.2f best to best, %.2f median to median (required: at most 0.50)\n", s / q, sm / qm }'
