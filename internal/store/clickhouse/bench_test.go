package clickhouse

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
	"sitrep/internal/week"
)

// BenchmarkScale ingests WEEKS generated weeks of EVENTS events each (SITREP_BENCH_WEEKS,
// default 2; SITREP_BENCH_EVENTS, default 200000) into the embedded store and into ClickHouse
// on this machine, and reports the events ingested a second and the time of the last week's
// statistics: the first time asked, and the median of three. bench/scale.sh runs it at the sizes of docs/SCALING.md.
//
//	go test -run '^$' -bench Scale -benchtime 1x ./internal/store/clickhouse
func BenchmarkScale(b *testing.B) {
	last, specs := benchWeeks()
	files := make([][]string, len(specs))
	total := 0
	for i := range specs {
		files[i] = ingesttest.Generate(b, specs[i:i+1], shanghai)
		total += specs[i].Events()
	}
	dsn := testenv.ClickHouseServer(b)
	for _, engine := range []string{"embedded", "clickhouse"} {
		b.Run(engine, func(b *testing.B) {
			for range b.N {
				rec, err := duck.Open(ctx, b.TempDir(), duck.Options{})
				if err != nil {
					b.Fatal(err)
				}
				var st store.Store = rec
				if engine == "clickhouse" {
					st = store.Split{Analytics: open(b, dsn), Records: rec}
				}
				start := time.Now()
				for _, f := range files {
					ingesttest.Into(b, st, shanghai, f...)
				}
				took := time.Since(start)
				var runs []float64
				for range 3 {
					start := time.Now()
					if _, err := stats.Compute(ctx, st, last, stats.Options{Zone: shanghai}); err != nil {
						b.Fatal(err)
					}
					runs = append(runs, time.Since(start).Seconds())
				}
				first := runs[0]
				slices.Sort(runs)
				b.ReportMetric(float64(total)/took.Seconds(), "events/s")
				b.ReportMetric(took.Seconds(), "ingest-s")
				b.ReportMetric(first, "week-stats-first-s")
				b.ReportMetric(runs[1], "week-stats-s")
				rec.Close()
			}
		})
	}
}

// benchWeeks is the last of the generated weeks of the benchmarks and the weeks:
// SITREP_BENCH_WEEKS of SITREP_BENCH_EVENTS events each (2 of 200,000 by default).
func benchWeeks() (week.Week, []synth.Spec) {
	events, weeks := envInt("SITREP_BENCH_EVENTS", 200000), envInt("SITREP_BENCH_WEEKS", 2)
	last, _ := week.Parse("2024-W09")
	specs := synth.Weeks(last, weeks, 3)
	for i := range specs {
		specs[i] = specs[i].Scale(float64(events) / float64(specs[i].Events()))
	}
	return last, specs
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkFirstSightings reports the time ClickHouse takes to find the last week's new malware
// families on a store of WEEKS generated weeks of EVENTS events each (as
// BenchmarkScale), the part of a week's first count that looks back over every earlier week.
//
//	SITREP_BENCH_WEEKS=8 SITREP_BENCH_EVENTS=500000 go test -run '^$' -bench FirstSightings ./internal/store/clickhouse
func BenchmarkFirstSightings(b *testing.B) {
	last, specs := benchWeeks()
	d := open(b, testenv.ClickHouseServer(b))
	rec, err := duck.Open(ctx, b.TempDir(), duck.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	for i := range specs {
		ingesttest.Into(b, store.Split{Analytics: d, Records: rec}, shanghai, ingesttest.Generate(b, specs[i:i+1], shanghai)...)
	}
	sc, err := sqlScope(store.PublicScope)
	if err != nil {
		b.Fatal(err)
	}
	from, to := last.Bounds(shanghai)
	r := store.Range{From: from, To: to}
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.newFamilies(ctx, r, sc); err != nil {
			b.Fatal(err)
		}
	}
}
