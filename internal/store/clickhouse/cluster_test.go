package clickhouse

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/store"
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
	c, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Shards) != 2 || c.Replicated {
		t.Fatalf("laid out over %+v", c)
	}
	if _, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster, true); err == nil || !strings.Contains(err.Error(), "ZooKeeper") {
		t.Errorf("replicated tables asked of servers without ZooKeeper: %v", err)
	}
	if _, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster, false); err != nil {
		t.Fatalf("laying it out again: %v", err)
	}
	first, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	embedded, rec := embeddedStores(t)
	p := pair{embedded, store.NewSplit(first, rec)}
	last, _ := week.Parse("2024-W09")
	specs := synth.Weeks(last, 8, 5)
	for i := range specs {
		specs[i] = specs[i].Scale(0.05)
	}
	p.ingest(t, ingesttest.Generate(t, specs, shanghai)...)
	p.ingest(t, sightingsFile(t))
	p.same(t, "through the first server", "2024-W02", "2024-W08", "2024-W09")
	sightingsSeen(t, embedded)

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

	// The cluster as schema version 1 left it: opened, it asks for store init --cluster,
	// which brings it forward.
	for i, d := range []*DB{first, second} {
		for _, q := range []string{`DROP TABLE sightings`, `DROP TABLE sightings_local`, `TRUNCATE TABLE kept_local`, `TRUNCATE TABLE sitrep_schema_local`} {
			if err := d.conn.Exec(ctx, q); err != nil {
				t.Fatalf("server %d: %s: %v", i+1, q, err)
			}
		}
	}
	if err := first.conn.Exec(ctx, `INSERT INTO sitrep_schema (version, at) SELECT 1, 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "sitrep store init --cluster") {
		t.Fatalf("a cluster of schema version 1 opened: %v", err)
	}
	if _, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster, false); err != nil {
		t.Fatalf("bringing the cluster forward: %v", err)
	}
	forward, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer forward.Close()
	p.cluster = store.NewSplit(forward, rec)
	p.same(t, "brought forward from version 1", "2024-W08", "2024-W09")
}

// TestReplicatedCluster lays a store out over two shards of two replicas each, with ZooKeeper:
// every local table is replicated, and each replica of a shard comes to hold the rows the
// other was sent. With the first replica of each shard killed, the store — at an address that
// names both replicas of the first shard — counts every week as the embedded store does,
// takes a new week, and counts nothing twice when an input comes again.
func TestReplicatedCluster(t *testing.T) {
	zk := testenv.ZooKeeper(t)
	servers := testenv.ClickHouseReplicas(t, 2, 2, zk)
	host := func(s *testenv.ClickHouseProcess) string { u, _ := url.Parse(s.DSN); return u.Host }
	dsn := "clickhouse://" + host(servers[0][0]) + "," + host(servers[0][1]) + "/sitrep"
	direct := func(s *testenv.ClickHouseProcess, db string) *DB {
		d, err := connect(ctx, strings.Replace(s.DSN, "/default", "/"+db, 1))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d
	}
	// A plain table where the layout would be replicated stops it before anything is made.
	odd := direct(servers[1][1], "default")
	for _, q := range []string{`CREATE DATABASE sitrep`, `CREATE TABLE sitrep.events_local (x UInt8) ENGINE = MergeTree() ORDER BY x`} {
		if err := odd.conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster, true); err == nil || !strings.Contains(err.Error(), "does not change between plain and replicated tables in place") {
		t.Fatalf("a layout over a plain table: %v", err)
	}
	var made uint64
	if err := direct(servers[0][0], "default").conn.QueryRow(ctx, `SELECT count() FROM system.tables WHERE database = 'sitrep'`).Scan(&made); err != nil || made != 0 {
		t.Errorf("the refused layout made %d tables on the first server (%v)", made, err)
	}
	if err := odd.conn.Exec(ctx, `DROP TABLE sitrep.events_local`); err != nil {
		t.Fatal(err)
	}

	c, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster, true)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Replicated || len(c.Shards) != 4 {
		t.Fatalf("laid out %+v", c)
	}
	for _, sh := range c.Shards {
		if want := fmt.Sprintf("0%d/r%d", sh.Number, sh.Replica); sh.ShardMacro+"/"+sh.ReplicaMacro != want {
			t.Errorf("shard %d replica %d has the macros %s/%s, want %s", sh.Number, sh.Replica, sh.ShardMacro, sh.ReplicaMacro, want)
		}
	}
	if _, err := InitCluster(ctx, dsn, testenv.ClickHouseCluster, true); err != nil {
		t.Fatalf("laying it out again: %v", err)
	}
	for _, shard := range servers {
		for _, s := range shard {
			var events, kept string
			err := direct(s, "sitrep").conn.QueryRow(ctx, `SELECT anyIf(engine, name = 'events_local'), anyIf(engine, name = 'kept_local')
				FROM system.tables WHERE database = 'sitrep'`).Scan(&events, &kept)
			if err != nil || events != "ReplicatedMergeTree" || kept != "ReplicatedReplacingMergeTree" {
				t.Errorf("%s: events_local %s, kept_local %s (%v)", s.DSN, events, kept, err)
			}
		}
	}

	embedded, rec := embeddedStores(t)
	first, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	p := pair{embedded, store.NewSplit(first, rec)}
	last, _ := week.Parse("2024-W10")
	specs := synth.Weeks(last, 4, 7)
	for i := range specs {
		specs[i] = specs[i].Scale(0.05)
	}
	before := ingesttest.Generate(t, specs[:3], shanghai) // 2024-W07 to W09
	after := ingesttest.Generate(t, specs[3:], shanghai)  // 2024-W10
	// The second replicas fetch nothing for a while: a store reading through the second
	// replica of the second shard reads each shard's first, which has every row.
	for _, shard := range servers {
		if err := direct(shard[1], "sitrep").conn.Exec(ctx, `SYSTEM STOP FETCHES`); err != nil {
			t.Fatal(err)
		}
	}
	p.ingest(t, before...)
	p.same(t, "with every replica", "2024-W08", "2024-W09")
	behind, err := Open(ctx, strings.Replace(servers[1][1].DSN, "/default", "/sitrep", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer behind.Close()
	p.cluster = store.NewSplit(behind, rec)
	p.same(t, "through a replica that fetched nothing", "2024-W08", "2024-W09")
	var lagging uint64
	if err := behind.conn.QueryRow(ctx, `SELECT count() FROM events_local`).Scan(&lagging); err != nil || lagging != 0 {
		t.Errorf("the replica that fetches nothing holds %d events (%v)", lagging, err)
	}
	for _, shard := range servers {
		if err := direct(shard[1], "sitrep").conn.Exec(ctx, `SYSTEM START FETCHES`); err != nil {
			t.Fatal(err)
		}
	}
	p.cluster = store.NewSplit(first, rec)

	// Each replica of a shard holds the same rows, once it has fetched what the other was sent.
	for i, shard := range servers {
		for _, tbl := range tables {
			var counts []uint64
			for _, s := range shard {
				d := direct(s, "sitrep")
				if err := d.conn.Exec(ctx, "SYSTEM SYNC REPLICA "+tbl.name+"_local"); err != nil {
					t.Fatalf("%s: sync %s: %v", s.DSN, tbl.name, err)
				}
				var n uint64
				if err := d.conn.QueryRow(ctx, "SELECT count() FROM "+tbl.name+"_local").Scan(&n); err != nil {
					t.Fatal(err)
				}
				counts = append(counts, n)
			}
			if counts[0] != counts[1] {
				t.Errorf("shard %d's replicas hold %v rows of %s", i+1, counts, tbl.name)
			}
			if tbl.name == "events" && counts[0] == 0 {
				t.Errorf("shard %d holds no events", i+1)
			}
		}
	}

	for _, shard := range servers {
		shard[0].Kill()
	}
	survivor, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("with the first replicas killed: %v", err)
	}
	defer survivor.Close()
	p.cluster = store.NewSplit(survivor, rec)
	p.same(t, "with the first replicas killed", "2024-W08", "2024-W09")
	p.ingest(t, append(after, before[0])...)
	p.same(t, "with a new week and an input again", "2024-W09", "2024-W10")
}

// TestReplicatedRefusesMisconfiguredServers: a cluster whose servers are not all configured
// for replication alike is refused with the server and what it lacks named.
func TestReplicatedRefusesMisconfiguredServers(t *testing.T) {
	server := func(shard, replica int, shardMacro, replicaMacro string) Shard {
		return Shard{Number: shard, Replica: replica, Addr: fmt.Sprintf("10.0.0.%d:9000", 10*shard+replica), ShardMacro: shardMacro, ReplicaMacro: replicaMacro}
	}
	noZK := errNoZooKeeper
	for _, c := range []struct {
		name    string
		servers []Shard
		zk      []error
		want    string // "" if replicated, "-" if plain
	}{
		{"replicated", []Shard{server(1, 1, "01", "a"), server(1, 2, "01", "b"), server(2, 1, "02", "a")}, []error{nil, nil, nil}, ""},
		{"plain", []Shard{server(1, 1, "", ""), server(2, 1, "", "")}, []error{noZK, noZK}, "-"},
		{"mixed", []Shard{server(1, 1, "01", "a"), server(2, 1, "", "")}, []error{nil, noZK},
			"shard 1 replica 1 (10.0.0.11:9000) has ZooKeeper or the macros {shard} and {replica}, shard 2 replica 1 (10.0.0.21:9000) has neither"},
		{"ZooKeeper down", []Shard{server(1, 1, "01", "a"), server(1, 2, "01", "b")}, []error{nil, errors.New("All connection tries failed")},
			"shard 1 replica 2 (10.0.0.12:9000) has ZooKeeper configured but it does not answer: All connection tries failed"},
		{"ZooKeeper down, no macros", []Shard{server(1, 1, "", ""), server(2, 1, "", "")}, []error{noZK, errors.New("Connection loss")},
			"shard 2 replica 1 (10.0.0.21:9000) has ZooKeeper configured but it does not answer: Connection loss"},
		{"macros, no ZooKeeper", []Shard{server(1, 1, "01", "a"), server(2, 1, "02", "a")}, []error{nil, noZK},
			"shard 2 replica 1 (10.0.0.21:9000) has the macros of a replica but no ZooKeeper"},
		{"no macros", []Shard{server(1, 1, "01", "a"), server(2, 1, "", "")}, []error{nil, nil},
			"shard 2 replica 1 (10.0.0.21:9000) has ZooKeeper but not both macros"},
		{"replicas of two shards", []Shard{server(1, 1, "01", "a"), server(1, 2, "02", "b")}, []error{nil, nil},
			`shard 1 replica 2 (10.0.0.12:9000) has {shard} "02", another replica of shard 1 has "01"`},
		{"shards as one", []Shard{server(1, 1, "01", "a"), server(2, 1, "01", "b")}, []error{nil, nil},
			`shard 2 replica 1 (10.0.0.21:9000) has {shard} "01", as shard 1 does`},
		{"one replica twice", []Shard{server(1, 1, "01", "a"), server(1, 2, "01", "a")}, []error{nil, nil},
			`shard 1 replica 1 (10.0.0.11:9000) and shard 1 replica 2 (10.0.0.12:9000) are both {shard} "01" {replica} "a"`},
	} {
		got, err := replicated(c.servers, c.zk)
		switch {
		case c.want == "" && (err != nil || !got):
			t.Errorf("%s: replicated %v, %v", c.name, got, err)
		case c.want == "-" && (err != nil || got):
			t.Errorf("%s: replicated %v, %v; want plain", c.name, got, err)
		case c.want != "" && c.want != "-" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v\nwant %s", c.name, err, c.want)
		}
	}
}
