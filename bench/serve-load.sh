#!/usr/bin/env bash
# The server under load: GET /api/v1/stats/W (live statistics) N times, C at once, on a week of
# BASE events while EXTRA more events for the same week are ingested through the server
# (`sitrep --server … ingest`). Passes when no answer is 5xx, the ingest completes, and the
# week's statistics then equal a clean run's (a store that ingested both files locally).
# Usage, from the project's root:  bench/serve-load.sh [BASE] [EXTRA] [N] [C]
# Data and stores go to $BENCH_DIR/serveload (default bench/out/serveload).
set -euo pipefail
base=${1:-3000000}
extra=${2:-2000000}
n=${3:-2000}
c=${4:-20}
week=2024-W09
port=${PORT:-18080}
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-$root/bench/out}/serveload
mkdir -p "$work"
go build -o "$work/sitrep" "$root/cmd/sitrep"
go build -o "$work/load" "$root/bench/load"
sitrep=$work/sitrep
data() { # data DIR EVENTS: generate once
  if [ "$(cat "$1/size" 2>/dev/null)" != "$2" ]; then
    "$sitrep" sample --out "$1" --week "$week" --weeks 1 --events "$2" >&2
    echo "$2" > "$1/size"
  fi
}
data "$work/base" "$base"
data "$work/extra" "$extra"
files() { echo "$1/events.csv" "$1/vulns.csv" "$1/incidents.csv"; }

echo "clean run: both inputs into a new store" >&2
rm -rf "$work/clean" "$work/store"
# shellcheck disable=SC2046
"$sitrep" --store "$work/clean" ingest $(files "$work/base") $(files "$work/extra") >/dev/null
"$sitrep" --store "$work/clean" stats --week "$week" --json > "$work/clean.json"

echo "served: the base week, then the extra events through the server under load" >&2
# shellcheck disable=SC2046
"$sitrep" --store "$work/store" ingest $(files "$work/base") >/dev/null
viewer=$("$sitrep" --store "$work/store" token create --role viewer --name load 2>/dev/null)
analyst=$("$sitrep" --store "$work/store" token create --role analyst --name feed 2>/dev/null)
"$sitrep" --store "$work/store" serve --addr "127.0.0.1:$port" --rate 100000 2> "$work/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
url=http://127.0.0.1:$port
for _ in $(seq 100); do curl -fs "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

start=$(date +%s.%N)
# shellcheck disable=SC2046
SITREP_TOKEN=$analyst "$sitrep" --server "$url" ingest $(files "$work/extra") > "$work/ingest.out" 2> "$work/ingest.err" &
ingest=$!
status=0
"$work/load" -url "$url/api/v1/stats/$week" -token "$viewer" -n "$n" -c "$c" | tee "$work/load.out" || status=1
if wait $ingest; then
  echo "ingest through the server: $(cat "$work/ingest.out") in $(echo "$(date +%s.%N) - $start" | bc) s (from the load's start)"
else
  echo "ingest through the server FAILED: $(cat "$work/ingest.err")"; status=1
fi
SITREP_TOKEN=$viewer "$sitrep" --server "$url" stats --week "$week" --json > "$work/served.json"
echo "server's peak memory: $(awk '/VmHWM/ {printf "%d MB", $2 / 1024}' /proc/$server/status)"
if cmp -s "$work/clean.json" "$work/served.json"; then
  echo "the week's statistics equal the clean run's"
else
  echo "the week's statistics DIFFER from the clean run's:"; diff "$work/clean.json" "$work/served.json" | head -20; status=1
fi
exit $status
