package clickhouse

import (
	"strings"
	"testing"

	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
	"sitrep/internal/week"
)

// TestTwoShards lays a store out over two servers (a Distributed table over a local table on
// each) and ingests eight generated weeks through the first: both servers hold events, and
// the statistics JSON of each week, asked through either server, is the embedded store's.
func TestTwoShards(t *testing.T) {
	addrs := testenv.ClickHouseShards(t, 2)
	dsn := strings.Replace(addrs[0], "/default", "/sitrep", 1)
	shards, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster)
	if err != nil {
		t.Fatal(err)
	}
	if len(shards) != 2 {
		t.Fatalf("laid out over %+v", shards)
	}
	if _, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster); err != nil {
		t.Fatalf("laying it out again: %v", err)
	}
	first, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	embedded, err := duck.Open(ctx, t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer embedded.Close()
	rec, err := duck.Open(ctx, t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	p := pair{embedded, store.NewSplit(first, rec)}
	last, _ := week.Parse("2024-W09")
	specs := synth.Weeks(last, 8, 5)
	for i := range specs {
		specs[i] = specs[i].Scale(0.05)
	}
	p.ingest(t, ingesttest.Generate(t, specs, shanghai)...)
	p.same(t, "through the first server", "2024-W02", "2024-W08", "2024-W09")

	second, err := Open(ctx, strings.Replace(addrs[1], "/default", "/sitrep", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	p.cluster = store.Split{Analytics: second, Records: rec}
	p.same(t, "through the second server", "2024-W08", "2024-W09")

	var total uint64
	for i, d := range []*DB{first, second} {
		var n uint64
		if err := d.conn.QueryRow(ctx, `SELECT count() FROM events_local`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Errorf("server %d holds no events", i+1)
		}
		total += n
	}
	var all uint64
	if err := first.conn.QueryRow(ctx, `SELECT count() FROM events`).Scan(&all); err != nil || all != total || all == 0 {
		t.Errorf("the Distributed table holds %d events, the servers %d (%v)", all, total, err)
	}
	t.Logf("%d events over two servers", total)
}
