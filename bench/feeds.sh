#!/usr/bin/env bash
# Reading Shadowserver's sinkhole report (30 columns a row, mapped onto sitrep's events) against
# reading the same events in sitrep's own CSV (9 columns): the bar is a ratio of at least 0.5.
# Both ratios are printed, of rows a second and of bytes a second, medians of COUNT runs.
# Usage, from the project's root: bench/feeds.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-5}
out=$(go test ./internal/feed -run '^$' -bench 'BenchmarkSinkhole|BenchmarkOwnCSV' -benchtime 2s -count "$count")
echo "$out" | grep '^Benchmark'
echo "$out" | awk '
  /^BenchmarkSinkhole/ { s[++ns] = $(NF-1); sb[++nsb] = $(NF-3) }
  /^BenchmarkOwnCSV/   { o[++no] = $(NF-1); ob[++nob] = $(NF-3) }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    ms = median(s, ns); mo = median(o, no); mbs = median(sb, nsb); mbo = median(ob, nob)
    printf "median rows/s: sinkhole %.0f, own CSV %.0f; ratio %.2f (bar: 0.50)\n", ms, mo, ms / mo
    printf "median MB/s: sinkhole %.1f, own CSV %.1f; ratio %.2f\n", mbs, mbo, mbs / mbo
  }'
