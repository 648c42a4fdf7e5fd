package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// Shard is one server of a cluster, as the server asked lists it.
type Shard struct {
	Number  int
	Replica int
	Addr    string // host:port of the native protocol
	// The server's macros {shard} and {replica}, which name its replicated tables' place in
	// ZooKeeper ("" without).
	ShardMacro, ReplicaMacro string

	held [][2]string // the store's local tables the server holds already: name and engine
}

// String names the server in messages.
func (sh Shard) String() string {
	return fmt.Sprintf("shard %d replica %d (%s)", sh.Number, sh.Replica, sh.Addr)
}

// Cluster is a store laid out over a cluster's servers.
type Cluster struct {
	Shards     []Shard
	Replicated bool // tables replicated through ZooKeeper
}

// identifier is a name ClickHouse takes unquoted: a cluster's or a database's.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Layout is the SQL that lays the store out over cluster for database db: on every server,
// each table as name_local, and name, a Distributed table over every server's name_local
// (rows sent to a random shard: every count merges exactly over all of them). Replicated, each
// name_local is the Replicated form of its engine, kept in ZooKeeper under
// /clickhouse/tables/cluster/{shard}/db/name_local with the server as {replica}: the replicas
// of a shard hold the same rows, and each server's macros say which shard and replica it is.
func Layout(cluster, db string, replicated bool) []string {
	var out []string
	out = append(out, fmt.Sprintf("CREATE DATABASE IF NOT EXISTS %s", db))
	for _, t := range tables {
		engine := t.engine
		if replicated {
			engine = replicatedEngine(cluster, db, t.name+"_local", engine)
		}
		out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s_local (%s) ENGINE = %s", db, t.name, t.columns, engine))
	}
	for _, t := range tables {
		out = append(out, fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s.%s AS %s.%s_local ENGINE = Distributed(%s, %s, %s_local, rand())",
			db, t.name, db, t.name, cluster, db, t.name))
	}
	return out
}

// replicatedEngine is engine (MergeTree() or ReplacingMergeTree(), then its clauses) as the
// replicated engine of table name in database db of cluster.
func replicatedEngine(cluster, db, name, engine string) string {
	i := strings.Index(engine, "MergeTree()")
	if i < 0 {
		panic("clickhouse: no MergeTree() in the engine of " + name)
	}
	return fmt.Sprintf("Replicated%sMergeTree('/clickhouse/tables/%s/{shard}/%s/%s', '{replica}')%s",
		engine[:i], cluster, db, name, engine[i+len("MergeTree()"):])
}

// InitCluster lays the store at dsn out over the cluster the server at dsn knows by name:
// Layout on every server of the cluster (asked at the same port, user and password), then the
// schema's version through the Distributed tables. The tables are replicated when the servers
// have ZooKeeper: all of them, each with the macros {shard} and {replica}, the same {shard}
// for the replicas of a shard and another for each shard, a {replica} of its own within its
// shard; a server with the macros and no working ZooKeeper, or servers that disagree, stop it
// before any table is made, as they do when needReplicas is set and they have no ZooKeeper.
// Running it again changes nothing; it returns what it laid out.
func InitCluster(ctx context.Context, dsn, cluster string, needReplicas bool) (Cluster, error) {
	name := Redacted(dsn)
	if !identifier.MatchString(cluster) {
		return Cluster{}, fmt.Errorf("cluster %q: a cluster's name is letters, digits and _", cluster)
	}
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return Cluster{}, fmt.Errorf("store %s: %v", name, redactErr(err, dsn))
	}
	db := opts.Auth.Database
	if db == "" {
		db = "default"
	}
	if !identifier.MatchString(db) {
		return Cluster{}, fmt.Errorf("database %q: a database's name is letters, digits and _", db)
	}
	opts.Protocol = ch.Native
	opts.Auth.Database = "default" // the store's database may not be there yet
	conn, err := ch.Open(opts)
	if err != nil {
		return Cluster{}, fmt.Errorf("store %s: %v", name, redactErr(err, dsn))
	}
	defer conn.Close()
	rows, err := conn.Query(ctx, `SELECT shard_num, replica_num, host_address, port FROM system.clusters WHERE cluster = ? ORDER BY shard_num, replica_num`, cluster)
	if err != nil {
		return Cluster{}, fmt.Errorf("store %s: the cluster %s: %v", name, cluster, redactErr(err, dsn))
	}
	var c Cluster
	for rows.Next() {
		var sh Shard
		var shard, replica uint32
		var host string
		var port uint16
		if err := rows.Scan(&shard, &replica, &host, &port); err != nil {
			rows.Close()
			return Cluster{}, err
		}
		sh.Number, sh.Replica, sh.Addr = int(shard), int(replica), net.JoinHostPort(host, strconv.Itoa(int(port)))
		c.Shards = append(c.Shards, sh)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Cluster{}, err
	}
	if len(c.Shards) == 0 {
		return Cluster{}, fmt.Errorf("store %s: the server knows no cluster %s (its remote_servers configuration names the clusters)", name, cluster)
	}
	zk := make([]error, len(c.Shards)) // each server's ZooKeeper: nil if it answers
	for i := range c.Shards {
		sh := &c.Shards[i]
		conn, err := serverConn(dsn, sh.Addr)
		if err != nil {
			return c, fmt.Errorf("%s: %v", sh, redactErr(err, dsn))
		}
		sh.ShardMacro, sh.ReplicaMacro, zk[i], err = replication(ctx, conn)
		if err == nil && zk[i] == nil {
			err = replicaOrder(ctx, conn)
		}
		if err == nil {
			sh.held, err = heldTables(ctx, conn, db)
		}
		conn.Close()
		if err != nil {
			return c, fmt.Errorf("%s: %v", sh, redactErr(err, dsn))
		}
	}
	if c.Replicated, err = replicated(c.Shards, zk); err != nil {
		return c, fmt.Errorf("cluster %s: %w", cluster, err)
	}
	if needReplicas && !c.Replicated {
		return c, fmt.Errorf("cluster %s: replicated tables need ZooKeeper, which the servers do not have (%v): configure <zookeeper> and <macros> on each", cluster, zk[0])
	}
	for _, sh := range c.Shards {
		if err := sameEngines(sh.held, db, c.Replicated); err != nil {
			return c, fmt.Errorf("%s: %v", sh, err)
		}
	}
	for _, sh := range c.Shards {
		if err := layOut(ctx, dsn, sh.Addr, cluster, db, c.Replicated); err != nil {
			return c, fmt.Errorf("%s: %v", sh, redactErr(err, dsn))
		}
	}
	d, err := connect(ctx, dsn)
	if err != nil {
		return c, err
	}
	defer d.Close()
	return c, d.stamp(ctx)
}

// replication asks a server for its macros {shard} and {replica} and whether its ZooKeeper
// answers (zk nil) or not (why).
func replication(ctx context.Context, conn driver.Conn) (shard, replica string, zk, err error) {
	rows, err := conn.Query(ctx, `SELECT macro, substitution FROM system.macros WHERE macro IN ('shard', 'replica')`)
	if err != nil {
		return "", "", nil, err
	}
	for rows.Next() {
		var m, v string
		if err := rows.Scan(&m, &v); err != nil {
			rows.Close()
			return "", "", nil, err
		}
		if m == "shard" {
			shard = v
		} else {
			replica = v
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", "", nil, err
	}
	var n uint64
	zk = conn.QueryRow(ctx, `SELECT count() FROM system.zookeeper WHERE path = '/'`).Scan(&n)
	var exc *ch.Exception
	if errors.As(zk, &exc) && (exc.Code == 225 || strings.Contains(exc.Message, "No addresses passed to ZooKeeper constructor")) {
		zk = errNoZooKeeper // 225: NO_ZOOKEEPER; 18.16 says it so
	}
	return shard, replica, zk, nil
}

// errNoZooKeeper is a server's answer when it has no ZooKeeper configured.
var errNoZooKeeper = errors.New("no ZooKeeper is configured")

// heldTables lists the local tables of database db a server holds already, by name, with
// their engines.
func heldTables(ctx context.Context, conn driver.Conn, db string) ([][2]string, error) {
	rows, err := conn.Query(ctx, `SELECT name, engine FROM system.tables WHERE database = ? AND endsWith(name, '_local') ORDER BY name`, db)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var held [][2]string
	for rows.Next() {
		var t [2]string
		if err := rows.Scan(&t[0], &t[1]); err != nil {
			return nil, err
		}
		held = append(held, t)
	}
	return held, rows.Err()
}

// sameEngines checks that the tables of database db a server holds already (heldTables) are
// replicated if replicated is set, and plain if not: a store cannot change between the two in
// place.
func sameEngines(held [][2]string, db string, replicated bool) error {
	for _, t := range held {
		if strings.HasPrefix(t[1], "Replicated") != replicated {
			want := "plain"
			if replicated {
				want = "replicated"
			}
			return fmt.Errorf("it holds %s.%s as %s, and the layout would be %s: a store does not change between plain and replicated tables in place (lay out a new database and copy the store into it)", db, t[0], t[1], want)
		}
	}
	return nil
}

// replicated decides from the servers' macros and ZooKeeper whether the cluster's tables are
// replicated, or why the cluster cannot hold the store as it is configured.
func replicated(shards []Shard, zk []error) (bool, error) {
	var with, without []string
	for i, sh := range shards {
		if zk[i] != nil && !errors.Is(zk[i], errNoZooKeeper) {
			return false, fmt.Errorf("%s has ZooKeeper configured but it does not answer: %v", sh.String(), zk[i])
		}
		if zk[i] == nil || sh.ShardMacro != "" || sh.ReplicaMacro != "" {
			with = append(with, sh.String())
		} else {
			without = append(without, sh.String())
		}
	}
	if len(with) == 0 {
		return false, nil
	}
	if len(without) > 0 {
		return false, fmt.Errorf("%s %s ZooKeeper or the macros {shard} and {replica}, %s %s neither: configure them all alike",
			strings.Join(with, ", "), have(len(with)), strings.Join(without, ", "), have(len(without)))
	}
	shardOf := map[int]string{}    // shard number → its {shard}
	numberOf := map[string]int{}   // {shard} → its shard number
	replicas := map[string]Shard{} // {shard}/{replica} → the server
	for i, sh := range shards {
		switch {
		case zk[i] != nil:
			return false, fmt.Errorf("%s has the macros of a replica but no ZooKeeper", sh.String())
		case sh.ShardMacro == "" || sh.ReplicaMacro == "":
			return false, fmt.Errorf("%s has ZooKeeper but not both macros {shard} and {replica} (<macros> in its configuration), which name its tables' replicas", sh.String())
		}
		if m, ok := shardOf[sh.Number]; ok && m != sh.ShardMacro {
			return false, fmt.Errorf("%s has {shard} %q, another replica of shard %d has %q: the replicas of a shard have the same {shard}", sh.String(), sh.ShardMacro, sh.Number, m)
		}
		if n, ok := numberOf[sh.ShardMacro]; ok && n != sh.Number {
			return false, fmt.Errorf("%s has {shard} %q, as shard %d does: two shards with one {shard} would hold each other's rows", sh.String(), sh.ShardMacro, n)
		}
		key := sh.ShardMacro + "/" + sh.ReplicaMacro
		if other, ok := replicas[key]; ok {
			return false, fmt.Errorf("%s and %s are both {shard} %q {replica} %q: each replica of a shard has a {replica} of its own", other.String(), sh.String(), sh.ShardMacro, sh.ReplicaMacro)
		}
		shardOf[sh.Number], numberOf[sh.ShardMacro], replicas[key] = sh.ShardMacro, sh.Number, sh
	}
	return true, nil
}

// have is "has" or "have" for n servers.
func have(n int) string {
	if n == 1 {
		return "has"
	}
	return "have"
}

// serverConn connects to the server at addr, reached as dsn says but for its address, in its
// database default.
func serverConn(dsn, addr string) (driver.Conn, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, err
	}
	u.Host, u.Path = addr, "/default"
	opts, err := ch.ParseDSN(u.String())
	if err != nil {
		return nil, err
	}
	storeSettings(opts)
	return ch.Open(opts)
}

// layOut runs Layout on the server at addr, reached as dsn says but for its address.
func layOut(ctx context.Context, dsn, addr, cluster, db string, replicated bool) error {
	conn, err := serverConn(dsn, addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, q := range Layout(cluster, db, replicated) {
		if err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", strings.SplitN(q, " (", 2)[0], err)
		}
	}
	return nil
}
