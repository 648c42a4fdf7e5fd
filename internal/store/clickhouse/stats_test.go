package clickhouse

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
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

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// pair is one embedded store and one whose analytical part is ClickHouse, fed the same files.
type pair struct{ embedded, cluster store.Store }

func newPair(t *testing.T, dsn string) pair {
	t.Helper()
	embedded, rec := embeddedStores(t)
	return pair{embedded, store.NewSplit(open(t, dsn), rec)}
}

// embeddedStores opens two embedded stores, closed when the test ends: one to be fed as the
// ClickHouse store is, and one for the records part beside ClickHouse's analytics.
func embeddedStores(t *testing.T) (embedded, records *duck.DB) {
	t.Helper()
	var err error
	if embedded, err = duck.Open(ctx, t.TempDir(), duck.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { embedded.Close() })
	if records, err = duck.Open(ctx, t.TempDir(), duck.Options{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { records.Close() })
	return embedded, records
}

func (p pair) ingest(t *testing.T, files ...string) {
	t.Helper()
	ingesttest.Into(t, p.embedded, shanghai, files...)
	ingesttest.Into(t, p.cluster, shanghai, files...)
}

// same computes the statistics of each week on both stores and fails where their JSON differs.
func (p pair) same(t *testing.T, when string, weeks ...string) {
	t.Helper()
	for _, wk := range weeks {
		w, err := week.Parse(wk)
		if err != nil {
			t.Fatal(err)
		}
		var out [2][]byte
		for i, st := range []store.Store{p.embedded, p.cluster} {
			s, err := stats.Compute(ctx, st, w, stats.Options{Zone: shanghai})
			if err != nil {
				t.Fatalf("%s %s: %v", when, wk, err)
			}
			if out[i], err = json.MarshalIndent(s, "", " "); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(out[0], out[1]) {
			t.Errorf("%s: the statistics of %s differ:\n%s", when, wk, firstDifference(out[0], out[1]))
		}
		if len(out[0]) < 1000 {
			t.Errorf("%s: the statistics of %s are too short to tell: %s", when, wk, out[0])
		}
	}
}

// firstDifference shows where two texts part.
func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-300)
	return "embedded:\n" + string(a[from:min(len(a), i+200)]) + "\n\nClickHouse:\n" + string(b[from:min(len(b), i+200)])
}

// TestGoldenWeeks: the published issues' weeks (../shared/tools/golden) give the same
// statistics JSON on ClickHouse as on the embedded store.
func TestGoldenWeeks(t *testing.T) {
	dsn := testenv.ClickHouseServer(t)
	dir := testenv.SharedDir(t, "tools", "golden")
	specs, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(specs) == 0 {
		testenv.Need(t, testenv.Shared, os.ErrNotExist)
	}
	testenv.Command(t, "python3", testenv.Python3)
	for _, spec := range specs {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			var sp struct {
				Week string `json:"week"`
			}
			raw, err := os.ReadFile(spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &sp); err != nil {
				t.Fatal(err)
			}
			out := t.TempDir()
			if b, err := exec.Command("python3", filepath.Join(dir, "golden.py"), spec, out).CombinedOutput(); err != nil {
				t.Fatalf("golden.py: %v\n%s", err, b)
			}
			files, _ := filepath.Glob(filepath.Join(out, "*.csv"))
			p := newPair(t, dsn)
			p.ingest(t, files...)
			p.same(t, "golden", sp.Week)
		})
	}
}

// TestGeneratedWeeks: eight generated weeks, each file ingested twice (the second changes
// nothing), and a late file of an old week after the later weeks were counted: the statistics
// JSON of every week is the same on ClickHouse as on the embedded store, before and after.
func TestGeneratedWeeks(t *testing.T) {
	dsn := testenv.ClickHouseServer(t)
	last, _ := week.Parse("2024-W09")
	specs := synth.Weeks(last, 8, 11)
	for i := range specs {
		specs[i] = specs[i].Scale(0.05)
	}
	p := newPair(t, dsn)
	early := ingesttest.Generate(t, specs[:7], shanghai)
	p.ingest(t, early...)
	p.ingest(t, early...)
	p.same(t, "seven weeks", "2024-W03", "2024-W08")
	// The last week, then late rows of an earlier week, counted before and after.
	p.ingest(t, ingesttest.Generate(t, specs[7:], shanghai)...)
	p.same(t, "eight weeks", "2024-W08", "2024-W09")
	late := specs[5]
	late.Seed += 100
	late = late.Scale(0.5)
	p.ingest(t, ingesttest.Generate(t, []synth.Spec{late}, shanghai)...)
	p.same(t, "late rows of 2024-W07", "2024-W07", "2024-W08", "2024-W09")
}

// TestSightingsMigrated: a store of schema version 1 (events, and no sightings) opened by
// this build finds the first sightings in the events it holds: every week counts as on the
// embedded store, new malware families and names among them.
func TestSightingsMigrated(t *testing.T) {
	dsn := database(t, testenv.ClickHouseServer(t))
	old, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	embedded, rec := embeddedStores(t)
	p := pair{embedded, store.NewSplit(old, rec)}
	last, _ := week.Parse("2024-W09")
	specs := synth.Weeks(last, 3, 13)
	for i := range specs {
		specs[i] = specs[i].Scale(0.05)
	}
	p.ingest(t, ingesttest.Generate(t, specs, shanghai)...)
	p.ingest(t, sightingsFile(t))
	p.same(t, "as written", "2024-W08", "2024-W09")
	sightingsSeen(t, p.embedded)

	// The store as version 1 left it.
	for _, q := range []string{`DROP TABLE sightings`, `TRUNCATE TABLE kept`, `TRUNCATE TABLE sitrep_schema`,
		`INSERT INTO sitrep_schema (version, at) SELECT 1, 0`} {
		if err := old.conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	migrated, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer migrated.Close()
	var version int32
	var sightings uint64
	if err := migrated.conn.QueryRow(ctx, `SELECT toInt32(max(version)), (SELECT count() FROM sightings) FROM sitrep_schema`).Scan(&version, &sightings); err != nil ||
		version != SchemaVersion || sightings == 0 {
		t.Fatalf("after the migration: version %d, %d sightings (%v)", version, sightings, err)
	}
	p.cluster = store.NewSplit(migrated, rec)
	p.same(t, "migrated from version 1", "2024-W08", "2024-W09")
}

// sightingsFile writes events whose malware families and names are seen first in 2024-W08 and
// in 2024-W09, in two spellings and under two labels, for a store whose weeks before are
// generated (without names); sightingsSeen checks that the embedded store, fed it, finds them.
func sightingsFile(t *testing.T) string {
	t.Helper()
	named := filepath.Join(t.TempDir(), "named.csv")
	rows := "time,kind,ip,country,province,family,malware,tlp\n" +
		"2024-02-20 10:00:00,infected_host,198.51.100.1,CN,Beijing,Moobot,Moobot.A,CLEAR\n" +
		"2024-02-27 10:00:00,infected_host,198.51.100.2,CN,Beijing,moobot,Moobot.B,CLEAR\n" +
		"2024-02-27 11:00:00,infected_host,198.51.100.3,CN,Beijing,Kaiji,kaiji.x,CLEAR\n" +
		"2024-02-28 11:00:00,infected_host,198.51.100.4,CN,Beijing,Sysrv,Sysrv.A,AMBER\n"
	if err := os.WriteFile(named, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	return named
}

// sightingsSeen fails the test unless st finds a new family and a new malware name in
// 2024-W09: without, two stores that both found none would agree on nothing.
func sightingsSeen(t *testing.T, st store.Store) {
	t.Helper()
	w, _ := week.Parse("2024-W09")
	s, err := stats.Compute(ctx, st, w, stats.Options{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.InfectedHosts.NewFamilies) == 0 || s.InfectedHosts.NewNames == 0 {
		t.Errorf("the embedded store finds no new family or name in 2024-W09 to compare: %+v", s.InfectedHosts)
	}
}

// TestDrillAsEmbedded: the items behind every count of a generated week, listed whole and by
// pages, sorted every way and matched, are the embedded store's.
func TestDrillAsEmbedded(t *testing.T) {
	p := newPair(t, testenv.ClickHouseServer(t))
	last, _ := week.Parse("2024-W09")
	specs := synth.Weeks(last, 2, 17)
	for i := range specs {
		specs[i] = specs[i].Scale(0.02)
	}
	p.ingest(t, ingesttest.Generate(t, specs, shanghai)...)
	from, to := last.Bounds(shanghai)
	r := store.Range{From: from, To: to}
	items := 0
	for _, metric := range store.DrillMetrics {
		for _, q := range []store.DrillQuery{{Limit: 100000}, {Limit: 7, Offset: 3, Sort: "-events"}, {Limit: 5, Sort: "first_seen", Match: "1"},
			{Limit: 5, Sort: "-last_seen"}} {
			var pages [2]store.DrillPage
			for i, st := range []store.Store{p.embedded, p.cluster} {
				page, err := st.Drill(ctx, r, store.PublicScope, metric, q)
				if err != nil {
					t.Fatalf("%s %+v: %v", metric, q, err)
				}
				pages[i] = page
			}
			a, _ := json.Marshal(pages[0])
			b, _ := json.Marshal(pages[1])
			if !bytes.Equal(a, b) {
				t.Errorf("%s %+v:\n%s", metric, q, firstDifference(a, b))
			}
			if q.Limit == 100000 {
				items += len(pages[0].Items)
			}
		}
	}
	if items < 100 {
		t.Errorf("%d items over every count: too few to tell", items)
	}
}
