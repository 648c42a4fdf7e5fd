// Package postgres keeps the records part of a store (store.Records) in a PostgreSQL
// database: tickets and their histories, partners, rating overrides, the audit log, reviews
// and the archive of published issues, tokens, accounts and sessions, jobs. Several sitrep
// processes may share one database: every change that must not interleave with another runs
// in a transaction that locks what it reads (a ticket's row, an issue's key), so that the
// second of two writers sees the first one's work or waits for it.
//
// The schema migrates forward when a store is opened, under a lock the database holds, so
// that processes starting together migrate it once.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"sitrep/internal/store"
)

// DB is an open records database.
type DB struct {
	pool *pgxpool.Pool
	name string // the database's address, without its password
}

var _ store.Records = (*DB)(nil)

// IsURL reports whether s names a PostgreSQL database (postgres:// or postgresql://), whether
// or not the rest of it parses.
func IsURL(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// passwordParam is a password given as a parameter: password=… in a URL's query or in a
// key=value connection string (quoted or not).
var passwordParam = regexp.MustCompile(`(?i)(password=)('(?:[^'\\]|\\.)*'|[^&\s]*)`)

// Redacted is the address s without its password (in the URL's user part, its query, or a
// key=value string), to be named in messages.
func Redacted(s string) string {
	if !IsURL(s) {
		return passwordParam.ReplaceAllString(s, "${1}xxxxx")
	}
	if r, ok := store.RedactedURL(s); ok {
		return r
	}
	return "the PostgreSQL address of --records (not shown: it does not parse as a URL; escape its special characters)"
}

// Open connects to the database at dsn (a postgres:// URL or a key=value string) and
// migrates its schema forward.
func Open(ctx context.Context, dsn string) (*DB, error) {
	name := Redacted(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("records %s: %w", name, err)
	}
	if cfg.ConnConfig.RuntimeParams == nil {
		cfg.ConnConfig.RuntimeParams = map[string]string{}
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "sitrep"
	// Every instant is written and read in UTC, whatever the server's zone.
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("records %s: %w", name, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("records %s: cannot reach the database: %w", name, err)
	}
	d := &DB{pool: pool, name: name}
	if err := d.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("records %s: %w", name, err)
	}
	return d, nil
}

// friendly says what the database refused in words a user can act on.
func friendly(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "22021": // a NUL byte, or text that is not UTF-8
			return fmt.Errorf("text with a NUL byte or broken UTF-8 cannot be kept: %w", err)
		case "42501":
			return fmt.Errorf("the database user may not do this (grant it the rights docs/SCALING.md names): %w", err)
		}
	}
	return err
}

// Close closes the connections.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// String names the database, without its password.
func (d *DB) String() string { return d.name }

// migrationLock is the key of the advisory lock under which the schema migrates.
const migrationLock = 0x5172_6570 // "Srep"

// migrations are applied in order; the database records the number applied. Append, never
// edit. Instants are timestamptz; text that is ordered is compared byte by byte (COLLATE "C"), as
// the embedded store compares it, whatever the database's locale; histories, overrides, reviews and the audit log are
// append-only, ordered by a serial number where their times may tie.
var migrations = []string{
	// 1: everything the records part keeps.
	`CREATE TABLE tickets (
		id text COLLATE "C" PRIMARY KEY, opened timestamptz NOT NULL, closed timestamptz, type text NOT NULL,
		source text, partner text, partner_kind text, cross_border boolean, impact text, url text,
		platform text, tlp text, due timestamptz);
	CREATE INDEX tickets_opened ON tickets (opened DESC, id DESC);
	CREATE SEQUENCE ticket_ids;
	CREATE TABLE ticket_history (
		ticket_id text NOT NULL REFERENCES tickets (id), seq integer NOT NULL, entered_at timestamptz NOT NULL,
		actor text NOT NULL, action text NOT NULL, from_state text, to_state text, note text,
		PRIMARY KEY (ticket_id, seq));
	CREATE TABLE ticket_links (
		ticket_id text NOT NULL REFERENCES tickets (id), kind text COLLATE "C" NOT NULL, value text COLLATE "C" NOT NULL,
		PRIMARY KEY (ticket_id, kind, value));
	CREATE INDEX ticket_links_value ON ticket_links (kind, value);
	CREATE TABLE partners (name text COLLATE "C" PRIMARY KEY, kind text, country text, contact text);
	CREATE TABLE rating_overrides (
		id bigserial PRIMARY KEY, week text NOT NULL, level text, reason text NOT NULL, actor text NOT NULL,
		set_at timestamptz NOT NULL);
	CREATE INDEX rating_overrides_week ON rating_overrides (week);
	CREATE TABLE audit_log (
		id bigserial PRIMARY KEY, logged_at timestamptz NOT NULL, actor text NOT NULL, action text NOT NULL,
		subject text, detail text, from_addr text);
	CREATE INDEX audit_log_at ON audit_log (logged_at DESC, id DESC);
	CREATE INDEX audit_log_subject ON audit_log (subject);
	CREATE TABLE published (
		week text COLLATE "C" NOT NULL, lang text NOT NULL, format text NOT NULL, title text NOT NULL, content bytea NOT NULL,
		published_at timestamptz NOT NULL, actor text NOT NULL, PRIMARY KEY (week, lang, format));
	CREATE TABLE corrections (
		week text COLLATE "C" NOT NULL, revision integer NOT NULL, lang text NOT NULL, format text NOT NULL, title text NOT NULL,
		content bytea NOT NULL, published_at timestamptz NOT NULL, actor text NOT NULL, reason text NOT NULL,
		PRIMARY KEY (week, revision, lang, format));
	CREATE TABLE reviews (
		id bigserial PRIMARY KEY, week text NOT NULL, digest text NOT NULL, actor text NOT NULL,
		reviewed_at timestamptz NOT NULL, note text);
	CREATE INDEX reviews_week ON reviews (week);
	CREATE TABLE tokens (
		digest text PRIMARY KEY, name text COLLATE "C" NOT NULL, role text NOT NULL, created_at timestamptz NOT NULL,
		revoked_at timestamptz);
	CREATE TABLE jobs (
		id text COLLATE "C" PRIMARY KEY, kind text NOT NULL, actor text NOT NULL, state text NOT NULL,
		created_at timestamptz NOT NULL, started_at timestamptz, finished_at timestamptz,
		result text, error text, status integer);
	CREATE INDEX jobs_created ON jobs (created_at DESC, id);
	CREATE TABLE accounts (
		name text COLLATE "C" PRIMARY KEY, role text NOT NULL, hash text NOT NULL, created_at timestamptz NOT NULL,
		disabled_at timestamptz);
	CREATE TABLE sessions (
		digest text PRIMARY KEY, account text NOT NULL REFERENCES accounts (name), created_at timestamptz NOT NULL,
		expires_at timestamptz NOT NULL, from_addr text, ended_at timestamptz);
	CREATE INDEX sessions_account ON sessions (account);`,
	// 2: the transaction that last changed each ticket, so that every process sharing the
	// records learns of the changes the others made (store.TicketChanges).
	`ALTER TABLE tickets ADD COLUMN changed xid8 NOT NULL DEFAULT pg_current_xact_id();
	CREATE INDEX tickets_changed ON tickets (changed);`,
	// 3: the server that runs a job: a server starting marks failed only its own.
	`ALTER TABLE jobs ADD COLUMN server text;`,
	// 4: the failed logins of an address (and a name), which every server counts against
	// the limits of logins.
	`CREATE INDEX audit_log_action_from ON audit_log (action, from_addr, logged_at DESC);`,
}

// SchemaVersion is the version this build writes.
var SchemaVersion = len(migrations)

// migrate applies the migrations the database lacks. A database whose schema is current is
// only read, so that a user without the right to create tables, or a read-only one, opens it.
// Otherwise the migrations run in one transaction holding the migration lock: a second
// process waits (up to a minute), then finds nothing left to do.
func (d *DB) migrate(ctx context.Context) error {
	var have int
	var kept bool
	err := d.pool.QueryRow(ctx, `SELECT to_regclass('sitrep_schema') IS NOT NULL`).Scan(&kept)
	if err == nil && kept {
		err = d.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM sitrep_schema`).Scan(&have)
	}
	if err != nil {
		return fmt.Errorf("read the schema's version: %w", friendly(err))
	}
	if have == len(migrations) {
		return nil
	}
	if have > len(migrations) {
		return fmt.Errorf("the records have schema version %d, newer than this sitrep (%d): upgrade sitrep", have, len(migrations))
	}
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '60s'`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLock)); err != nil {
			return fmt.Errorf("migrate: waiting for another process that migrates the records: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS sitrep_schema (
			version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("migrate: %w", friendly(err))
		}
		var have int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM sitrep_schema`).Scan(&have); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if have > len(migrations) {
			return fmt.Errorf("the records have schema version %d, newer than this sitrep (%d): upgrade sitrep", have, len(migrations))
		}
		for v := have + 1; v <= len(migrations); v++ {
			if _, err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migrate to schema %d: %w", v, friendly(err))
			}
			if _, err := tx.Exec(ctx, `INSERT INTO sitrep_schema (version) VALUES ($1)`, v); err != nil {
				return fmt.Errorf("migrate to schema %d: %w", v, err)
			}
		}
		return nil
	})
}

// inTx runs f in a transaction, committed when f succeeds and rolled back when it fails.
// The locks of the transactions that change records assume READ COMMITTED (each statement
// sees what committed before it, so a writer that waited for a lock sees the work of the one
// that held it), whatever the database's default is.
func (d *DB) inTx(ctx context.Context, f func(tx pgx.Tx) error) error {
	err := pgx.BeginTxFunc(ctx, d.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, f)
	return friendly(err)
}

// lockKey takes a transaction-scoped lock on key (an issue's week, an account's name), so
// that the transactions that change what key names run one after the other.
func lockKey(ctx context.Context, tx pgx.Tx, key string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key)
	return err
}

// uniqueViolation reports whether err is PostgreSQL's unique_violation.
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// null is s for a query, or NULL for "".
func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// nullTime is t in UTC for a query, or NULL for nil.
func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// zeroNull is t in UTC for a query, or NULL for the zero time.
func zeroNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}

// utc returns t in UTC, and nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// audit writes an entry of the audit log in a transaction, from where the context says the
// change was asked where the entry does not say.
func audit(ctx context.Context, tx pgx.Tx, e store.AuditEntry) error {
	if e.From == "" {
		e.From = store.OriginOf(ctx)
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_log (logged_at, actor, action, subject, detail, from_addr) VALUES ($1, $2, $3, $4, $5, $6)`,
		e.At.UTC(), e.Actor, e.Action, e.Subject, e.Detail, null(e.From))
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// storable reports whether PostgreSQL can hold s as text: UTF-8 without NUL bytes. A key that
// it cannot hold names nothing it keeps.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// nilIfEmpty is s, or nil for an empty s: lists come back as the embedded store gives them.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}
