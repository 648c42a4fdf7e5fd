// Package clickhouse keeps the analytical part of a store (store.Analytics) in ClickHouse:
// events, vulnerability and incident records, the ledger of inputs, the rows set aside, and
// every count the bulletin reports, computed by the engine (uniqExact). Its SQL runs on the
// ClickHouse of Debian (18.16) and on current releases.
//
// ClickHouse has no transactions, so a batch lands whole or not at all by its ledger entry:
// every row carries the batch it came with and the attempt that wrote it, a random number;
// the ledger records each attempt that finished, and only the rows of a batch's first
// finished attempt (the least number among those recorded) are ever read. An attempt cut off
// midway, or one redelivered and written twice, leaves rows that nothing counts. Keyed
// records (vulnerabilities, incidents, catalog entries) are kept as rows, and the record of an
// ID is its latest row, chosen when read, as the embedded store chooses it when written.
package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"sitrep/internal/store"
)

// DB is an open analytical store.
type DB struct {
	conn driver.Conn
	name string
}

var _ store.Analytics = (*DB)(nil)

// IsURL reports whether s names a ClickHouse database (clickhouse://).
func IsURL(s string) bool { return strings.HasPrefix(strings.ToLower(s), "clickhouse://") }

// Redacted is the address s without its password.
func Redacted(s string) string {
	if r, ok := store.RedactedURL(s); ok {
		return r
	}
	return "the ClickHouse address of --store (not shown: it does not parse as a URL)"
}

// connect connects to the database at dsn over the native protocol.
func connect(ctx context.Context, dsn string) (*DB, error) {
	name := Redacted(dsn)
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v", name, redactErr(err, dsn))
	}
	storeSettings(opts)
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 10 * time.Second
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("store %s: %v", name, redactErr(err, dsn))
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("store %s: cannot reach ClickHouse: %v", name, redactErr(err, dsn))
	}
	return &DB{conn: conn, name: name}, nil
}

// storeSettings sets what the store's connections need of the server.
func storeSettings(opts *ch.Options) {
	opts.Protocol = ch.Native
	if opts.Settings == nil {
		opts.Settings = ch.Settings{}
	}
	// A batch's rows reach every shard before its ledger entry is written: an insert into a
	// Distributed table returns once the shards hold it, not once it is queued.
	opts.Settings["insert_distributed_sync"] = 1
	// A Distributed table asks a shard's replicas in the order of load_balancing, its own
	// among them, rather than its own first (replicaOrder).
	if _, ok := opts.Settings["prefer_localhost_replica"]; !ok {
		opts.Settings["prefer_localhost_replica"] = 0
	}
}

// Open connects to the database at dsn (clickhouse://host:9000[,host:9000…]/db) over the
// native protocol and migrates its schema forward.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := d.migrate(ctx); err != nil {
		d.conn.Close()
		return nil, fmt.Errorf("store %s: %w", d.name, err)
	}
	return d, nil
}

// redactErr is err's text with dsn's password taken out.
func redactErr(err error, dsn string) string {
	msg := err.Error()
	if u, perr := url.Parse(dsn); perr == nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
		if p := u.Query().Get("password"); p != "" {
			msg = strings.ReplaceAll(msg, p, "xxxxx")
		}
	}
	return msg
}

// Close closes the connections.
func (d *DB) Close() error { return d.conn.Close() }

// String names the database, without its password.
func (d *DB) String() string { return d.name }

// table is one table of the store: its columns and its engine on one server. In a cluster,
// each server holds name_local with that engine and name, a Distributed table over every
// server's name_local.
type table struct{ name, columns, engine string }

// Instants are kept as Int64 microseconds since 1970 UTC (18.16 has no DateTime64), the
// precision of the embedded store; tables of events are partitioned by the Monday of their
// week. Optional values are Nullable, as the embedded store's are NULL.
var tables = []table{
	{"sitrep_schema", `version Int32, at Int64`, `ReplacingMergeTree() ORDER BY version`},
	// Every registration of an input is kept, so that its first, which orders its records
	// against other inputs', never changes: a merge must not keep a later one.
	{"inputs", `sha256 String, id Int64, name String, format String, encoding String, size Int64, registered Int64`,
		`MergeTree() ORDER BY sha256`},
	{"inputs_complete", `id Int64, at Int64`, `ReplacingMergeTree() ORDER BY id`},
	// lo and hi bound the times of a batch's events (0 and 0 without any): the ranges whose
	// kept counts it changes.
	{"input_batches", `input_id Int64, batch Int32, attempt UInt64, read Int64, stored Int64, duplicate Int64, rejected Int64, at Int64,
		lo Int64, hi Int64`,
		`MergeTree() ORDER BY (input_id, batch, attempt)`},
	// Counts kept per range and scope, with the number of batches that touched the range when
	// they were counted (kept.go).
	{"kept", `kind String, from_t Int64, to_t Int64, scope String, top Int32, seen UInt64, body String, at Int64`,
		`ReplacingMergeTree() ORDER BY (kind, from_t, to_t, scope, top)`},
	{"events", `t Int64, kind String, ip Nullable(String), url Nullable(String), host Nullable(String), host_is_ip Nullable(UInt8),
		domain Nullable(String), country Nullable(String), province Nullable(String), asn Nullable(UInt32),
		registrant_country Nullable(String), family Nullable(String), malware Nullable(String), target Nullable(String),
		gov Nullable(UInt8), source Nullable(String), tlp String, feed_id Nullable(String), extra Nullable(String),
		line Int64, input_id Int64, batch Int32, attempt UInt64`,
		`MergeTree() PARTITION BY toMonday(toDateTime(intDiv(t, 1000000), 'UTC')) ORDER BY (kind, t)`},
	{"vulns", `id String, published Int64, title Nullable(String), severity Nullable(String), object Nullable(String),
		cve Nullable(String), vendor Nullable(String), product Nullable(String), tlp String, extra Nullable(String),
		withdrawn UInt8, line Int64, ord Int64, input_id Int64, batch Int32, attempt UInt64, written Int64`,
		`MergeTree() PARTITION BY toYear(toDateTime(intDiv(published, 1000000), 'UTC')) ORDER BY (id, published)`},
	{"exploited", `id String, added Int64, vendor Nullable(String), product Nullable(String), name Nullable(String),
		ransomware Nullable(UInt8), due Nullable(Int64), source Nullable(String), tlp String, extra Nullable(String),
		line Int64, ord Int64, input_id Int64, batch Int32, attempt UInt64, written Int64`,
		`MergeTree() ORDER BY (id, added)`},
	{"incidents", `id String, opened Int64, closed Nullable(Int64), type String, source Nullable(String), partner Nullable(String),
		partner_kind Nullable(String), cross_border Nullable(UInt8), impact Nullable(String), url Nullable(String),
		platform Nullable(String), tlp String, due Nullable(Int64), extra Nullable(String), ticket_seq Nullable(Int32),
		line Int64, ord Int64, input_id Int64, batch Int32, attempt UInt64, written Int64`,
		`MergeTree() ORDER BY (id, opened)`},
	{"rejects", `input_id Int64, line Int64, field Nullable(String), reason String, raw Nullable(String), at Int64, batch Int32, attempt UInt64`,
		`MergeTree() ORDER BY (input_id, line)`},
	// The first sighting, in each batch, of each malware family and malware name (what) as
	// spelled, by label, among infected hosts and malware sites: what is new in a week is
	// found here, not in every earlier event. A row written twice changes no least time.
	{"sightings", `what String, name String, tlp String, first Int64, input_id Int64, batch Int32, attempt UInt64`,
		`MergeTree() ORDER BY (what, name)`},
}

// sighted is the condition on an event that it counts toward the first sightings of its
// family and its malware name (sightings).
const sighted = `kind IN ('infected_host', 'malware_site')`

// backfill writes the sightings of the events a store of schema version 1 holds.
var backfill = []string{
	`INSERT INTO sightings (what, name, tlp, first, input_id, batch, attempt)
	SELECT 'family', assumeNotNull(family), tlp, min(t), input_id, batch, attempt FROM events
	WHERE isNotNull(family) AND family != '' AND ` + sighted + ` GROUP BY family, tlp, input_id, batch, attempt`,
	`INSERT INTO sightings (what, name, tlp, first, input_id, batch, attempt)
	SELECT 'malware', assumeNotNull(malware), tlp, min(t), input_id, batch, attempt FROM events
	WHERE isNotNull(malware) AND malware != '' AND ` + sighted + ` GROUP BY malware, tlp, input_id, batch, attempt`,
}

// ticketBatch records batch 0 of input 0, always committed, under which the rows tickets
// count as are written: they come from no input.
const ticketBatch = `INSERT INTO input_batches (input_id, batch, attempt, read, stored, duplicate, rejected, at, lo, hi)
	SELECT 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 FROM system.one WHERE (SELECT count() FROM input_batches WHERE input_id = 0) = 0`

// SchemaVersion is the version of the tables this build writes; a store of an older version
// is migrated when opened (or, in a cluster, by sitrep store init --cluster). 2: sightings.
const SchemaVersion = 2

// migrate creates what a store on one server lacks. Every step can be applied again (tables
// are created if missing), so processes that open a new database together end the same. A
// store laid out over a cluster (InitCluster) is only checked.
func (d *DB) migrate(ctx context.Context) error {
	var engine string
	err := d.conn.QueryRow(ctx, `SELECT any(engine) FROM system.tables WHERE database = currentDatabase() AND name = 'events'`).Scan(&engine)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if engine == "Distributed" {
		var have int32
		if err := d.conn.QueryRow(ctx, `SELECT toInt32(max(version)) FROM sitrep_schema`).Scan(&have); err != nil {
			return fmt.Errorf("the cluster's schema: %w", err)
		}
		switch {
		case have > SchemaVersion:
			return fmt.Errorf("the store has schema version %d, newer than this sitrep (%d): upgrade sitrep", have, SchemaVersion)
		case have < SchemaVersion:
			return fmt.Errorf("the store's cluster layout has schema version %d, this sitrep needs %d: run sitrep store init --cluster NAME again", have, SchemaVersion)
		}
		var local string
		err := d.conn.QueryRow(ctx, `SELECT any(engine) FROM system.tables WHERE database = currentDatabase() AND name = 'events_local'`).Scan(&local)
		if err != nil {
			return fmt.Errorf("the cluster's layout: %w", err)
		}
		if strings.HasPrefix(local, "Replicated") {
			if err := replicaOrder(ctx, d.conn); err != nil {
				return fmt.Errorf("%s: %w", d.name, err)
			}
		}
		return nil
	}
	for _, t := range tables {
		if err := d.conn.Exec(ctx, fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s (%s) ENGINE = %s`, t.name, t.columns, t.engine)); err != nil {
			return fmt.Errorf("migrate: %s: %w", t.name, err)
		}
	}
	return d.stamp(ctx)
}

// replicaOrder checks that the server at conn reads and writes a shard's replicas in order:
// of them, the store writes to the first that answers and reads from it — not the server's
// own first (prefer_localhost_replica 0) — so that while the first answers, every sitrep reads
// what any wrote, however far behind the others are. A replica's recent errors, or its
// failure, send the store to the next, which may lag: for a guarantee, insert_quorum (docs/SCALING.md).
// (ClickHouse before 19 takes no setting of text from the driver: load_balancing is the
// profile's.)
func replicaOrder(ctx context.Context, conn driver.Conn) error {
	var lb, local string
	err := conn.QueryRow(ctx, `SELECT anyIf(value, name = 'load_balancing'), anyIf(value, name = 'prefer_localhost_replica')
		FROM system.settings WHERE name IN ('load_balancing', 'prefer_localhost_replica')`).Scan(&lb, &local)
	if err != nil {
		return fmt.Errorf("the server's load_balancing: %w", err)
	}
	if lb != "in_order" {
		return fmt.Errorf("the servers have ZooKeeper, so the store's tables are replicated, and this server reads a shard's replicas %s: sitrep reads what it wrote only with <load_balancing>in_order</load_balancing> in the profile of its user (users.xml) on every server, each shard's replicas listed in the same order (or ?load_balancing=in_order in the address, with ClickHouse 19 or later)", lb)
	}
	if local != "0" {
		return fmt.Errorf("the store's tables are replicated, and the address sets prefer_localhost_replica %s: leave it out (sitrep sets 0)", local)
	}
	return nil
}

// stamp brings the data of the tables there forward (every step may run again, and in two
// processes at once, to the same end), then writes the tickets' batch and the schema's
// version, once.
func (d *DB) stamp(ctx context.Context) error {
	var have int32
	if err := d.conn.QueryRow(ctx, `SELECT toInt32(max(version)) FROM sitrep_schema`).Scan(&have); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if have < 2 {
		for _, q := range backfill {
			if err := d.conn.Exec(ctx, q); err != nil {
				return fmt.Errorf("migrate: the sightings of the events held: %w", err)
			}
		}
	}
	if err := d.conn.Exec(ctx, ticketBatch); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	err := d.conn.Exec(ctx, fmt.Sprintf(`INSERT INTO sitrep_schema (version, at) SELECT %d, %d FROM system.one
		WHERE (SELECT count() FROM sitrep_schema WHERE version = %d) = 0`, SchemaVersion, time.Now().UnixMicro(), SchemaVersion))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// committed is the condition on a row of a table written in batches that its batch is
// committed, by the attempt that counts: the first one the ledger recorded. GLOBAL: in a
// cluster, the ledger is read once, by the server asked, and sent to the others.
const committed = `(input_id, batch, attempt) GLOBAL IN (SELECT input_id, batch, min(attempt) FROM input_batches GROUP BY input_id, batch)`

// micros is t as the tables keep it.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros is the instant a table keeps as µs.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// optMicros is *t as µs, or NULL.
func optMicros(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	us := t.UnixMicro()
	return &us
}

// optTime is the instant of *us, or nil.
func optTime(us *int64) *time.Time {
	if us == nil {
		return nil
	}
	t := fromMicros(*us)
	return &t
}

// opt is s, or NULL for "".
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// optBool is *b as 0 or 1, or NULL.
func optBool(b *bool) *uint8 {
	if b == nil {
		return nil
	}
	var v uint8
	if *b {
		v = 1
	}
	return &v
}

func bit(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// newAttempt is a random attempt number, never 0 (the tickets' batch).
func newAttempt() uint64 {
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(err)
		}
		if n := binary.BigEndian.Uint64(b[:]); n != 0 {
			return n
		}
	}
}
