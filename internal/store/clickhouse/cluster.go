package clickhouse

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"
)

// Shard is one server of a cluster, as the server asked lists it.
type Shard struct {
	Number  int
	Replica int
	Addr    string // host:port of the native protocol
}

// identifier is a name ClickHouse takes unquoted: a cluster's or a database's.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Layout is the SQL that lays the store out over cluster for database db: on every server,
// each table as name_local, and name, a Distributed table over every server's name_local
// (rows sent to a random shard: every count merges exactly over all of them).
func Layout(cluster, db string) []string {
	var out []string
	out = append(out, fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s", db))
	for _, t := range tables {
		out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s_local (%s) ENGINE = %s", db, t.name, t.columns, t.engine))
	}
	for _, t := range tables {
		out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s_local ENGINE = Distributed(%s, %s, %s_local, rand())",
			db, t.name, db, t.name, cluster, db, t.name))
	}
	return out
}

// InitCluster lays the store at dsn out over the cluster the server at dsn knows by name:
// Layout on every server of the cluster (asked at the same port, user and password), then the
// schema's version through the Distributed tables. Running it again changes nothing; it
// returns the servers it laid out.
func InitCluster(ctx context.Context, dsn, cluster string) ([]Shard, error) {
	name := Redacted(dsn)
	if !identifier.MatchString(cluster) {
		return nil, fmt.Errorf("cluster %q: a cluster's name is letters, digits and _", cluster)
	}
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v", name, redactErr(err, dsn))
	}
	db := opts.Auth.Database
	if db == "" {
		db = "default"
	}
	if !identifier.MatchString(db) {
		return nil, fmt.Errorf("database %q: a database's name is letters, digits and _", db)
	}
	opts.Protocol = ch.Native
	opts.Auth.Database = "default" // the store's database may not be there yet
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v", name, redactErr(err, dsn))
	}
	defer conn.Close()
	rows, err := conn.Query(ctx, `SELECT shard_num, replica_num, host_address, port FROM system.clusters WHERE cluster = ? ORDER BY shard_num, replica_num`, cluster)
	if err != nil {
		return nil, fmt.Errorf("store %s: the cluster %s: %v", name, cluster, redactErr(err, dsn))
	}
	var shards []Shard
	for rows.Next() {
		var sh Shard
		var shard, replica uint32
		var host string
		var port uint16
		if err := rows.Scan(&shard, &replica, &host, &port); err != nil {
			rows.Close()
			return nil, err
		}
		sh.Number, sh.Replica, sh.Addr = int(shard), int(replica), net.JoinHostPort(host, strconv.Itoa(int(port)))
		shards = append(shards, sh)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(shards) == 0 {
		return nil, fmt.Errorf("store %s: the server knows no cluster %s (its remote_servers configuration names the clusters)", name, cluster)
	}
	for _, sh := range shards {
		if err := layOut(ctx, dsn, sh.Addr, cluster, db); err != nil {
			return shards, fmt.Errorf("shard %d (%s): %v", sh.Number, sh.Addr, redactErr(err, dsn))
		}
	}
	d, err := connect(ctx, dsn)
	if err != nil {
		return shards, err
	}
	defer d.Close()
	return shards, d.stamp(ctx)
}

// layOut runs Layout on the server at addr, reached as dsn says but for its address.
func layOut(ctx context.Context, dsn, addr, cluster, db string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	u.Host, u.Path = addr, "/default"
	opts, err := ch.ParseDSN(u.String())
	if err != nil {
		return err
	}
	opts.Protocol = ch.Native
	conn, err := ch.Open(opts)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range Layout(cluster, db) {
		if err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(q, " (", 2)[0], err)
		}
	}
	return nil
}
