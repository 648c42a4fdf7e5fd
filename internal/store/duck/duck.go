// Package duck is sitrep's embedded store: one DuckDB database in a directory. Bulk loads go
// through DuckDB's own CSV reader inside a transaction; every statistic is a SQL query the
// engine answers.
//
// DuckDB lets one process open a database for writing. A second process gets
// store.ErrLocked with the holder's PID; read-only opens coexist with each other.
package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/duckdb/duckdb-go/v2"

	"sitrep/internal/store"
)

// FileName is the database file inside the store directory.
const FileName = "sitrep.duckdb"

// The store holds restricted (TLP:RED) rows, and its staging files a full copy of each input,
// so the store directory is its owner's alone and so are the files sitrep writes in it.
// DuckDB creates its database file and write-ahead log itself, with the process's umask:
// Open narrows the database file and any log it finds to fileMode, and the directory's mode
// keeps a log or spill file that DuckDB creates later out of other users' reach.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// Options tune Open.
type Options struct {
	ReadOnly bool
	// MemoryLimit caps DuckDB's buffer pool, such as "1GB"; empty leaves DuckDB's default.
	MemoryLimit string
	Threads     int
}

// DB is an open store.
type DB struct {
	db       *sql.DB
	dir      string
	tmp      string
	readOnly bool
	seq      atomic.Uint64
}

var _ store.Store = (*DB)(nil)

// Open opens (creating when absent, unless read-only) the store in dir and migrates its
// schema forward.
func Open(ctx context.Context, dir string, opt Options) (*DB, error) {
	path := filepath.Join(dir, FileName)
	if opt.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no store at %s: ingest some data first", dir)
		}
	} else if err := privateDir(dir); err != nil {
		return nil, err
	}
	params := []string{}
	if opt.ReadOnly {
		params = append(params, "access_mode=READ_ONLY")
	}
	if opt.MemoryLimit != "" {
		params = append(params, "memory_limit="+opt.MemoryLimit)
	}
	if opt.Threads > 0 {
		params = append(params, fmt.Sprintf("threads=%d", opt.Threads))
	}
	// Rows need no order inside a table; letting DuckDB drop it makes bulk loads parallel.
	params = append(params, "preserve_insertion_order=false")
	dsn := path + "?" + strings.Join(params, "&")
	conn, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, openError(dir, err)
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, openError(dir, err)
	}
	d := &DB{db: db, dir: dir, tmp: filepath.Join(dir, "tmp"), readOnly: opt.ReadOnly}
	if !opt.ReadOnly {
		for _, p := range []string{path, path + ".wal"} {
			if err := privateFile(p); err != nil {
				db.Close()
				return nil, err
			}
		}
		os.RemoveAll(d.tmp) // staging files of a process that died
		if err := os.MkdirAll(d.tmp, dirMode); err != nil {
			db.Close()
			return nil, fmt.Errorf("store staging directory: %w", err)
		}
	}
	if err := d.migrate(ctx); err != nil {
		db.Close()
		if errors.Is(err, errOldSchema) {
			// A reader of an older store migrates it once, when no one else holds it.
			rw, err := Open(ctx, dir, Options{MemoryLimit: opt.MemoryLimit, Threads: opt.Threads})
			if err != nil {
				return nil, err
			}
			rw.Close()
			return Open(ctx, dir, opt)
		}
		return nil, err
	}
	return d, nil
}

// privateDir creates the store directory with dirMode, its missing parents with the usual
// 0755, and narrows an existing store directory that other users can reach to dirMode.
func privateDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("store directory: %w", err)
	}
	err := os.Mkdir(dir, dirMode)
	if err == nil {
		return nil
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("store directory: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("store directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("store %s is not a directory", dir)
	}
	if fi.Mode().Perm()&^dirMode == 0 {
		return nil
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return fmt.Errorf("store %s is open to other users (mode %#o) and could not be made private: %w", dir, fi.Mode().Perm(), err)
	}
	slog.Warn("store directory was open to other users; made it private to its owner",
		"dir", dir, "was", fmt.Sprintf("%#o", fi.Mode().Perm()), "now", fmt.Sprintf("%#o", dirMode))
	return nil
}

// privateFile narrows the mode of the file at path to fileMode where it is wider; a missing
// file is left missing.
func privateFile(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store file: %w", err)
	}
	if fi.Mode().Perm()&^fileMode == 0 {
		return nil
	}
	if err := os.Chmod(path, fileMode); err != nil {
		return fmt.Errorf("store file %s: %w", path, err)
	}
	return nil
}

// errOldSchema is returned by a read-only migrate of a store an older sitrep wrote.
var errOldSchema = errors.New("store schema is older than this sitrep")

var lockRE = regexp.MustCompile(`Conflicting lock is held in (.*?) \(PID (\d+)\)`)

// openError turns DuckDB's lock conflict into store.ErrLocked naming the holder.
func openError(dir string, err error) error {
	if m := lockRE.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%w: store %s is held by process %s (%s); wait for it to finish or stop it, then run the command again",
			store.ErrLocked, dir, m[2], m[1])
	}
	if strings.Contains(err.Error(), "Could not set lock") {
		return fmt.Errorf("%w: store %s: %v", store.ErrLocked, dir, err)
	}
	return fmt.Errorf("open store %s: %w", dir, err)
}

// Close closes the store.
func (d *DB) Close() error {
	if !d.readOnly {
		os.RemoveAll(d.tmp)
	}
	return d.db.Close()
}

// Dir returns the store's directory.
func (d *DB) Dir() string { return d.dir }

// migrations are applied in order; the store records the number applied. Append, never edit.
var migrations = []string{
	// 1: inputs ledger, events, vulnerability and incident records, quarantine.
	`CREATE SEQUENCE input_ids START 1;
	CREATE TABLE inputs (
		id BIGINT PRIMARY KEY DEFAULT nextval('input_ids'),
		sha256 VARCHAR NOT NULL UNIQUE,
		name VARCHAR, format VARCHAR, encoding VARCHAR, size BIGINT,
		first_at TIMESTAMP DEFAULT current_timestamp,
		complete BOOLEAN NOT NULL DEFAULT false);
	CREATE TABLE input_batches (
		input_id BIGINT NOT NULL, batch INTEGER NOT NULL,
		read INTEGER, stored INTEGER, duplicate INTEGER, rejected INTEGER,
		committed_at TIMESTAMP DEFAULT current_timestamp,
		PRIMARY KEY (input_id, batch));
	CREATE TABLE events (
		time TIMESTAMP NOT NULL, kind VARCHAR NOT NULL, ip VARCHAR, url VARCHAR, host VARCHAR,
		host_is_ip BOOLEAN, domain VARCHAR, country VARCHAR, province VARCHAR, asn UINTEGER,
		registrant_country VARCHAR, family VARCHAR, target VARCHAR, gov BOOLEAN, source VARCHAR,
		tlp VARCHAR, feed_id VARCHAR, extra VARCHAR, input_id BIGINT, line BIGINT);
	CREATE TABLE vulns (
		id VARCHAR PRIMARY KEY, published TIMESTAMP NOT NULL, title VARCHAR, severity VARCHAR NOT NULL,
		object VARCHAR, cve VARCHAR, vendor VARCHAR, product VARCHAR, tlp VARCHAR, extra VARCHAR,
		input_id BIGINT, line BIGINT);
	CREATE TABLE incidents (
		id VARCHAR PRIMARY KEY, opened TIMESTAMP NOT NULL, closed TIMESTAMP, type VARCHAR NOT NULL,
		source VARCHAR, partner VARCHAR, partner_kind VARCHAR, cross_border BOOLEAN, impact VARCHAR,
		url VARCHAR, platform VARCHAR, tlp VARCHAR, extra VARCHAR, input_id BIGINT, line BIGINT);
	CREATE TABLE rejects (
		input_id BIGINT NOT NULL, line BIGINT, field VARCHAR, reason VARCHAR NOT NULL, raw VARCHAR,
		set_aside_at TIMESTAMP DEFAULT current_timestamp);`,
	// 2: rating overrides and the audit log; both append-only.
	`CREATE TABLE rating_overrides (
		week VARCHAR NOT NULL, level VARCHAR, reason VARCHAR NOT NULL, actor VARCHAR NOT NULL, set_at TIMESTAMP NOT NULL);
	CREATE TABLE audit_log (
		logged_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL, action VARCHAR NOT NULL, subject VARCHAR, detail VARCHAR);`,
	// 3: incident tickets: deadlines, append-only histories, links, the partner directory.
	`ALTER TABLE incidents ADD COLUMN due TIMESTAMP;
	CREATE SEQUENCE ticket_ids START 1;
	CREATE TABLE incident_history (
		incident_id VARCHAR NOT NULL, seq INTEGER NOT NULL, entered_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
		action VARCHAR NOT NULL, from_state VARCHAR, to_state VARCHAR, note VARCHAR,
		PRIMARY KEY (incident_id, seq));
	CREATE TABLE incident_links (incident_id VARCHAR NOT NULL, kind VARCHAR NOT NULL, value VARCHAR NOT NULL,
		PRIMARY KEY (incident_id, kind, value));
	CREATE TABLE partners (name VARCHAR PRIMARY KEY, kind VARCHAR, country VARCHAR, contact VARCHAR);`,
	// 4: the closed vocabularies of events as ENUMs: smaller and quicker to load and count
	// (about 9% off a large ingest). The types are written inline: DuckDB cannot replay an
	// ALTER to a named type from its log after a crash.
	`ALTER TABLE events ALTER kind TYPE ENUM('infected_host', 'malware_site', 'defacement', 'backdoor', 'phishing', 'ddos');
	ALTER TABLE events ALTER tlp TYPE ENUM('CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED');`,
	// 5: published bulletins, frozen: every rendering as it was published.
	`CREATE TABLE published (
		week VARCHAR NOT NULL, lang VARCHAR NOT NULL, format VARCHAR NOT NULL, title VARCHAR NOT NULL,
		content BLOB NOT NULL, published_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
		PRIMARY KEY (week, lang, format));`,
	// 6: API tokens, kept as SHA-256 digests only.
	`CREATE TABLE tokens (
		digest VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR NOT NULL,
		created_at TIMESTAMP NOT NULL, revoked_at TIMESTAMP);`,
	// 7: reviews of bulletins before they are published, append-only.
	`CREATE TABLE reviews (
		week VARCHAR NOT NULL, digest VARCHAR NOT NULL, actor VARCHAR NOT NULL, reviewed_at TIMESTAMP NOT NULL, note VARCHAR);`,
	// 8: counts kept per range, and the changes to events that decide whether they still
	// stand (kept.go).
	`CREATE TABLE event_changes (
		epoch BIGINT PRIMARY KEY, lo TIMESTAMP NOT NULL, hi TIMESTAMP NOT NULL,
		changed_at TIMESTAMP NOT NULL DEFAULT current_timestamp);
	CREATE TABLE kept_counts (
		kind VARCHAR NOT NULL, from_t TIMESTAMP NOT NULL, to_t TIMESTAMP NOT NULL, scope VARCHAR NOT NULL,
		top INTEGER NOT NULL, epoch BIGINT NOT NULL, body VARCHAR NOT NULL,
		PRIMARY KEY (kind, from_t, to_t, scope));`,
	// 9: jobs the server runs after answering.
	`CREATE TABLE jobs (
		id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, actor VARCHAR NOT NULL, state VARCHAR NOT NULL,
		created_at TIMESTAMP NOT NULL, started_at TIMESTAMP, finished_at TIMESTAMP,
		result VARCHAR, error VARCHAR, status INTEGER);`,
	// 10: the history number of the ticket a counted incident row was written from, where
	// the tickets are kept apart (store.TicketRows).
	`ALTER TABLE incidents ADD COLUMN ticket_seq INTEGER;`,
	// 11: the malware's own name, beside its family.
	`ALTER TABLE events ADD COLUMN malware VARCHAR;`,
	// 12: the kinds national CERTs are sent that the bulletin does not count (event.Kinds).
	`ALTER TABLE events ALTER kind TYPE ENUM('infected_host', 'malware_site', 'defacement', 'backdoor', 'phishing', 'ddos',
		'brute_force', 'scanner', 'amplification_victim', 'vulnerable_service');`,
	// 13: botnets' command-and-control servers.
	`ALTER TABLE events ALTER kind TYPE ENUM('infected_host', 'malware_site', 'defacement', 'backdoor', 'phishing', 'ddos',
		'brute_force', 'scanner', 'amplification_victim', 'vulnerable_service', 'botnet_cc');`,
	// 14: catalogs of vulnerabilities known to be exploited (CISA's KEV), by CVE.
	`CREATE TABLE exploited (
		id VARCHAR PRIMARY KEY, added TIMESTAMP NOT NULL, vendor VARCHAR, product VARCHAR, name VARCHAR,
		ransomware BOOLEAN, due TIMESTAMP, source VARCHAR, tlp VARCHAR, extra VARCHAR, input_id BIGINT, line BIGINT);`,
	// 15: devices identified, blocklisted addresses, servers malware contacted in sandboxes.
	`ALTER TABLE events ALTER kind TYPE ENUM('infected_host', 'malware_site', 'defacement', 'backdoor', 'phishing', 'ddos',
		'brute_force', 'scanner', 'amplification_victim', 'vulnerable_service', 'botnet_cc',
		'exposed_device', 'blocklisted', 'malware_contact');`,
	// 16: vulnerability records their source withdrew (a rejected CVE), kept to replace the
	// record they withdraw and counted nowhere.
	`ALTER TABLE vulns ADD COLUMN withdrawn BOOLEAN;
	ALTER TABLE vulns ALTER COLUMN severity DROP NOT NULL;`,
	// 17: accounts of the workspace and their sessions (by the digest of the cookie), and
	// where each audited change was asked from.
	`CREATE TABLE accounts (
		name VARCHAR PRIMARY KEY, role VARCHAR NOT NULL, hash VARCHAR NOT NULL,
		created_at TIMESTAMP NOT NULL, disabled_at TIMESTAMP);
	CREATE TABLE sessions (
		digest VARCHAR PRIMARY KEY, account VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
		expires_at TIMESTAMP NOT NULL, from_addr VARCHAR, ended_at TIMESTAMP);
	ALTER TABLE audit_log ADD COLUMN from_addr VARCHAR;`,
	// 18: corrections of published issues: each a new revision (2, 3, …) of every rendering,
	// with why; the first publication stays in published, unchanged.
	`CREATE TABLE corrections (
		week VARCHAR NOT NULL, revision INTEGER NOT NULL, lang VARCHAR NOT NULL, format VARCHAR NOT NULL,
		title VARCHAR NOT NULL, content BLOB NOT NULL, published_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
		reason VARCHAR NOT NULL, PRIMARY KEY (week, revision, lang, format));`,
	// 19: the server that runs a job, where several share the records.
	`ALTER TABLE jobs ADD COLUMN server VARCHAR;`,
}

// SchemaVersion is the version this build writes.
var SchemaVersion = len(migrations)

func (d *DB) migrate(ctx context.Context) error { return d.migrateTo(ctx, len(migrations)) }

// migrateTo applies the migrations up to version target.
func (d *DB) migrateTo(ctx context.Context, target int) error {
	var have int
	err := d.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&sqlNullInt{&have})
	if err != nil {
		if d.readOnly {
			return fmt.Errorf("store %s has no schema: open it for writing once (sitrep ingest)", d.dir)
		}
		if _, err := d.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMP DEFAULT current_timestamp)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	if have > len(migrations) {
		return fmt.Errorf("store %s has schema version %d, newer than this sitrep (%d): upgrade sitrep", d.dir, have, len(migrations))
	}
	if have < target && d.readOnly {
		return fmt.Errorf("%w: store %s has schema version %d, this sitrep needs %d", errOldSchema, d.dir, have, target)
	}
	for v := have + 1; v <= target; v++ {
		err := d.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v-1]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, v)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate to schema %d: %w", v, err)
		}
	}
	if have < target {
		// Write the new schema into the database file at once, so that no crash can leave a
		// schema change in the log to be replayed.
		if _, err := d.db.ExecContext(ctx, `CHECKPOINT`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

// inTx runs f in a transaction, committed when f succeeds and rolled back when it fails.
func (d *DB) inTx(ctx context.Context, f func(tx *sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// sqlNullInt scans a nullable integer, leaving the target at zero for NULL.
type sqlNullInt struct{ p *int }

func (s *sqlNullInt) Scan(v any) error {
	var n sql.NullInt64
	if err := n.Scan(v); err != nil {
		return err
	}
	*s.p = int(n.Int64)
	return nil
}
