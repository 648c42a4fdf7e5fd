package testenv

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chClient runs query on the server of dsn through clickhouse-client and returns its answer
// in tab-separated rows, without the last newline.
func chClient(t *testing.T, dsn, query string) string {
	t.Helper()
	out, err := chClientErr(t, dsn, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

func chClientErr(t *testing.T, dsn, query string) (string, error) {
	t.Helper()
	client := Command(t, "clickhouse-client", ClickHouse)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(client, "--host", u.Hostname(), "--port", u.Port(), "--database", strings.TrimPrefix(u.Path, "/"), "--query", query)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%v: %s", err, stderr.String())
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

// TestClickHouseServer starts two servers of their own: each answers on its own port of
// 127.0.0.1, keeps what it is given in its own directory, knows nothing of the other's, and
// is gone, with its directory, when its test ends.
func TestClickHouseServer(t *testing.T) {
	_, err := clickhouseServer() // here, so as to skip the test rather than its part
	Need(t, ClickHouse, err)
	Command(t, "clickhouse-client", ClickHouse)
	var dir, addr string
	t.Run("servers", func(t *testing.T) {
		start := time.Now()
		a, b := ClickHouseServer(t), ClickHouseServer(t)
		t.Logf("two servers answered in %v", time.Since(start).Round(time.Millisecond))
		if a == b {
			t.Fatalf("two servers at %s", a)
		}
		for _, dsn := range []string{a, b} {
			u, err := url.Parse(dsn)
			if err != nil || u.Scheme != "clickhouse" || u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Path != "/default" {
				t.Errorf("DSN %q: %+v, %v", dsn, u, err)
			}
			if v := chClient(t, dsn, `SELECT version()`); !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(v) {
				t.Errorf("%s: version %q", dsn, v)
			}
			// The server's time zone is UTC (timezone() may name it Etc/UTC).
			if ts := chClient(t, dsn, `SELECT toUnixTimestamp(toDateTime('2024-01-02 03:04:05')), toString(toDateTime(1704164645))`); ts != "1704164645\t2024-01-02 03:04:05" {
				t.Errorf("%s: a DateTime in the server's time zone: %q", dsn, ts)
			}
		}
		chClient(t, a, `CREATE TABLE t (d Date, v String) ENGINE = MergeTree() PARTITION BY toYYYYMM(d) ORDER BY v`)
		chClient(t, a, `INSERT INTO t VALUES ('2024-01-02', '只在甲')`)
		if v := chClient(t, a, `SELECT d, v FROM t`); v != "2024-01-02\t只在甲" {
			t.Errorf("read back %q", v)
		}
		if _, err := chClientErr(t, b, `SELECT v FROM t`); err == nil || !strings.Contains(err.Error(), "doesn't exist") {
			t.Errorf("the second server has the first one's table, or another error: %v", err)
		}
		// The table's files are in a directory of the test's own.
		path := chClient(t, a, `SELECT data_path FROM system.tables WHERE database = 'default' AND name = 't'`)
		if !strings.HasPrefix(path, os.TempDir()) || !strings.Contains(path, "sitrep-ch-") {
			t.Fatalf("the table's data is at %q", path)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
		for dir = filepath.Clean(path); !strings.HasPrefix(filepath.Base(dir), "sitrep-ch-"); dir = filepath.Dir(dir) {
		}
		u, _ := url.Parse(a)
		addr = u.Host
		// Only 127.0.0.1 is listened on: not ::1.
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("::1", u.Port()), time.Second); err == nil {
			c.Close()
			t.Errorf("the server listens on [::1]:%s too", u.Port())
		}
	})
	if dir == "" {
		return
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the server's directory %s is still there: %v", dir, err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("something still answers on %s after the test", addr)
	}
}

// TestClickHouseShards starts three servers of a cluster: a Distributed table over a local
// MergeTree table on each sends each row to the shard of its key and reads all of them back
// from any server, rows inserted straight into one shard's local table among them.
func TestClickHouseShards(t *testing.T) {
	Command(t, "clickhouse-client", ClickHouse)
	const n = 3
	start := time.Now()
	shards := ClickHouseShards(t, n)
	t.Logf("%d servers answered in %v", n, time.Since(start).Round(time.Millisecond))
	if len(shards) != n {
		t.Fatalf("%d addresses for %d shards", len(shards), n)
	}
	for i, dsn := range shards {
		// Every server knows every shard, in the order of the addresses.
		var want []string
		for j, other := range shards {
			u, _ := url.Parse(other)
			want = append(want, fmt.Sprintf("%d\t1\t127.0.0.1\t%s", j+1, u.Port()))
		}
		got := chClient(t, dsn, `SELECT shard_num, replica_num, host_address, port FROM system.clusters WHERE cluster = '`+ClickHouseCluster+`' ORDER BY shard_num`)
		if got != strings.Join(want, "\n") {
			t.Errorf("server %d's cluster:\n%s\nwant\n%s", i, got, strings.Join(want, "\n"))
		}
		chClient(t, dsn, `CREATE TABLE ev_local (d Date, x UInt64, s String) ENGINE = MergeTree() PARTITION BY toYYYYMM(d) ORDER BY (d, x)`)
		chClient(t, dsn, `CREATE TABLE ev AS ev_local ENGINE = Distributed(`+ClickHouseCluster+`, default, ev_local, x)`)
	}
	// 300 rows through the Distributed table of the first server, synchronously: x % 3
	// chooses the shard.
	chClient(t, shards[0], `INSERT INTO ev SELECT toDate('2024-01-01') + number % 60, number, toString(number) FROM numbers(300)`)
	for i, dsn := range shards {
		want := fmt.Sprintf("100\t100\t%d\t%d", i, i)
		if got := chClient(t, dsn, `SELECT count(), uniqExact(x), min(x % 3), max(x % 3) FROM ev_local`); got != want {
			t.Errorf("shard %d has (count, distinct, min and max of x %% 3) %q, want %q", i, got, want)
		}
	}
	// Ten rows straight into the last shard's local table.
	chClient(t, shards[n-1], `INSERT INTO ev_local (d, x, s) VALUES `+strings.Repeat(`('2024-03-01', 1000, 'direct'), `, 9)+`('2024-03-01', 1001, 'direct')`)
	for i, dsn := range shards {
		if got := chClient(t, dsn, `SELECT count(), uniqExact(x), countIf(s = 'direct') FROM ev`); got != "310\t302\t10" {
			t.Errorf("server %d sees through the Distributed table (count, distinct x, direct rows) %q, want 310, 302, 10", i, got)
		}
	}
}

// TestClickHouseReplicas starts one shard of two replicas with a ZooKeeper: each knows its
// place by its macros, and a row inserted into one replica's replicated table reaches the
// other's.
func TestClickHouseReplicas(t *testing.T) {
	Command(t, "clickhouse-client", ClickHouse)
	zk := ZooKeeper(t)
	servers := ClickHouseReplicas(t, 1, 2, zk)
	if len(servers) != 1 || len(servers[0]) != 2 {
		t.Fatalf("%d shards for 1", len(servers))
	}
	for i, s := range servers[0] {
		if got, want := chClient(t, s.DSN, `SELECT substitution FROM system.macros ORDER BY macro`), fmt.Sprintf("r%d\n01", i+1); got != want {
			t.Errorf("replica %d's macros {replica} and {shard}: %q, want %q", i+1, got, want)
		}
		if got := chClient(t, s.DSN, `SELECT count(), max(shard_num), max(replica_num) FROM system.clusters WHERE cluster = '`+ClickHouseCluster+`'`); got != "2\t1\t2" {
			t.Errorf("replica %d's cluster (servers, shards, replicas): %q", i+1, got)
		}
		if got := chClient(t, s.DSN, `SELECT value FROM system.settings WHERE name = 'load_balancing'`); got != "in_order" {
			t.Errorf("replica %d reads replicas %s", i+1, got)
		}
		chClient(t, s.DSN, `CREATE TABLE ev (x UInt64) ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/default/ev', '{replica}') ORDER BY x`)
	}
	chClient(t, servers[0][0].DSN, `INSERT INTO ev SELECT number FROM numbers(100)`)
	chClient(t, servers[0][1].DSN, `SYSTEM SYNC REPLICA ev`)
	if got := chClient(t, servers[0][1].DSN, `SELECT count(), sum(x) FROM ev`); got != "100\t4950" {
		t.Errorf("the second replica holds (count, sum) %q of the first's 100, 4950", got)
	}
	servers[0][0].Kill()
	if _, err := chClientErr(t, servers[0][0].DSN, `SELECT 1`); err == nil {
		t.Error("the killed replica still answers")
	}
}
