// Package app wires sitrep together: it resolves where the store is, opens the engine, and
// offers the operations the command line (and tests, in-process) call.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/bulletin"
	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/feed/objects"
	"sitrep/internal/ingest"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/store/clickhouse"
	"sitrep/internal/store/duck"
	"sitrep/internal/store/postgres"
	"sitrep/internal/week"
)

// DefaultStore is where the embedded store lives when nothing says otherwise.
const DefaultStore = "./sitrep-data"

// DefaultMemoryLimit caps the database engine's buffer pool, so that ingesting a large file
// stays well under 1 GiB in all; the engine spills to disk past it.
const DefaultMemoryLimit = "512MB"

// Config is what every command shares. Defaults reads the environment once, into these
// fields; nothing else in sitrep reads it, so a command's configuration is all here and a
// test sets it without touching the process's environment.
type Config struct {
	Store string // a directory, or duckdb:///path/to/dir
	// Records is where the records part is kept when apart from the store (a directory or
	// duckdb://…); empty keeps both parts in the store.
	Records     string
	ZoneName    string // --tz; SITREP_TZ; Asia/Shanghai
	Zone        *time.Location
	GovSuffixes []string
	MemoryLimit string
	Debug       bool // SITREP_DEBUG: log each committed batch
	Log         *slog.Logger
	// Policy is the rating policy: --policy, $SITREP_POLICY, policy.toml in the store
	// directory, or the one sitrep ships.
	Policy     *assess.Policy
	PolicyPath string

	Org string // SITREP_ORG: the CERT named in the sentences; empty is the bulletin's default
	// Closing is the note that ends each issue, by language, read from the files that
	// SITREP_CLOSING (Chinese) and SITREP_CLOSING_EN (English) name; none where unset.
	Closing map[string]*bulletin.Closing
	// Names are the English names of organisations: the shipped table, with the file
	// SITREP_NAMES names over it.
	Names bulletin.Names
	// Objects classify vulnerability records that carry no affected-object class: the rules
	// of the file SITREP_OBJECTS names, then the shipped ones.
	Objects *objects.Rules
	// Style (SITREP_STYLE) is the issues' form: bulletin.StyleCharts (the default) or
	// StyleInfographic.
	Style string
	// Blacklist (SITREP_BLACKLIST) is who publishes the CERT's blacklist of malicious
	// addresses on its website ("ANVA"); the bulletin says so after the malware sites.
	Blacklist string
	// Issuer (SITREP_ISSUER) is the name issues are published under, in full
	// ("国家互联网应急中心CNCERT"); empty is the organisation's short name.
	Issuer string
	// BaseURL (SITREP_BASE_URL) is where the site answers for readers, such as
	// https://cert.example.org: files link previous issues under it; empty, they link none.
	BaseURL         string
	Actor           string // SITREP_ACTOR, or the login name: who the audit log says acted
	GeoIP, ASNDB    string // SITREP_GEOIP, SITREP_ASN_DB: MMDB files for rows without a location
	Font            string // SITREP_FONT: the figures' CJK font file; empty looks in the usual places
	Chromium        string // SITREP_CHROMIUM: the browser that prints PDF; empty looks on PATH
	NoticeTemplates string // SITREP_NOTICE_TEMPLATES: a directory of notice templates
	SMTP            SMTP
	// Server is a running `sitrep serve` that commands go through instead of opening the
	// store (--server, SITREP_SERVER); Token is the API token they show it (SITREP_TOKEN).
	Server, Token string

	// Getenv reads the environment; nil is os.Getenv.
	Getenv func(key string) string
}

// SMTP is where incident notices are sent from: SITREP_SMTP_ADDR, SITREP_SMTP_FROM,
// SITREP_SMTP_USER, SITREP_SMTP_PASSWORD.
type SMTP struct {
	Addr, From, User, Password string
}

// Defaults fills what is unset from the environment (each SITREP_ variable above, read here
// and only here) and the built-in defaults.
func (c *Config) Defaults() error {
	env := c.Getenv
	if env == nil {
		env = os.Getenv
	}
	str := func(dst *string, key string) {
		if *dst == "" {
			*dst = env(key)
		}
	}
	str(&c.Store, "SITREP_STORE")
	str(&c.Records, "SITREP_RECORDS")
	if c.Store == "" {
		c.Store = DefaultStore
	}
	str(&c.ZoneName, "SITREP_TZ")
	if c.ZoneName == "" {
		c.ZoneName = week.DefaultZone
	}
	if c.Zone == nil {
		loc, err := time.LoadLocation(c.ZoneName)
		if err != nil {
			return fmt.Errorf("time zone %q: %w", c.ZoneName, err)
		}
		c.Zone = loc
	}
	str(&c.MemoryLimit, "SITREP_DB_MEMORY")
	if c.MemoryLimit == "" {
		c.MemoryLimit = DefaultMemoryLimit
	}
	c.Debug = c.Debug || env("SITREP_DEBUG") != ""
	if c.Log == nil {
		level := slog.LevelWarn
		if c.Debug {
			level = slog.LevelDebug
		}
		c.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	str(&c.Blacklist, "SITREP_BLACKLIST")
	str(&c.Style, "SITREP_STYLE")
	if c.Style != "" && c.Style != bulletin.StyleCharts && c.Style != bulletin.StyleInfographic {
		return fmt.Errorf("SITREP_STYLE=%s: the styles are %s and %s", c.Style, bulletin.StyleCharts, bulletin.StyleInfographic)
	}
	str(&c.PolicyPath, "SITREP_POLICY")
	for lang, key := range map[string]string{"zh": "SITREP_CLOSING", "en": "SITREP_CLOSING_EN"} {
		path := env(key)
		if path == "" || c.Closing[lang] != nil {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		note, err := bulletin.ParseClosing(string(b))
		if err != nil {
			return fmt.Errorf("%s (%s): %w", key, path, err)
		}
		if c.Closing == nil {
			c.Closing = map[string]*bulletin.Closing{}
		}
		c.Closing[lang] = note
	}
	if path := env("SITREP_NAMES"); path != "" && c.Names == nil {
		names, err := bulletin.ReadNames(path)
		if err != nil {
			return fmt.Errorf("SITREP_NAMES: %w", err)
		}
		c.Names = names
	}
	if c.Objects == nil {
		if path := env("SITREP_OBJECTS"); path != "" {
			rules, err := objects.Read(path)
			if err != nil {
				return fmt.Errorf("SITREP_OBJECTS: %w", err)
			}
			c.Objects = rules
		} else {
			c.Objects = objects.Shipped()
		}
	}
	if c.Policy == nil {
		if err := c.loadPolicy(); err != nil {
			return err
		}
	}
	if c.GovSuffixes == nil {
		if s := env("SITREP_GOV_SUFFIXES"); s != "" {
			c.GovSuffixes = strings.Split(s, ",")
		} else {
			c.GovSuffixes = enrich.DefaultGovSuffixes
		}
	}
	str(&c.Org, "SITREP_ORG")
	str(&c.BaseURL, "SITREP_BASE_URL")
	str(&c.Issuer, "SITREP_ISSUER")
	str(&c.Actor, "SITREP_ACTOR")
	if c.Actor == "" {
		c.Actor = "unknown"
		if u, err := user.Current(); err == nil {
			c.Actor = u.Username
		}
	}
	str(&c.GeoIP, "SITREP_GEOIP")
	str(&c.ASNDB, "SITREP_ASN_DB")
	str(&c.Font, "SITREP_FONT")
	str(&c.Chromium, "SITREP_CHROMIUM")
	str(&c.NoticeTemplates, "SITREP_NOTICE_TEMPLATES")
	str(&c.SMTP.Addr, "SITREP_SMTP_ADDR")
	str(&c.SMTP.From, "SITREP_SMTP_FROM")
	str(&c.SMTP.User, "SITREP_SMTP_USER")
	str(&c.SMTP.Password, "SITREP_SMTP_PASSWORD")
	str(&c.Server, "SITREP_SERVER")
	str(&c.Token, "SITREP_TOKEN")
	return nil
}

// StoreDir resolves the store URL to the embedded store's directory. For a store kept by a
// server elsewhere (clickhouse://), it is this machine's directory for that store: where a
// server announces itself and uploads wait, $SITREP_LOCAL or one under the user's cache
// directory named after the store, private to its owner.
func StoreDir(url string) (string, error) {
	switch {
	case strings.HasPrefix(url, "duckdb://"):
		return strings.TrimPrefix(url, "duckdb://"), nil
	case strings.HasPrefix(url, "file://"):
		return strings.TrimPrefix(url, "file://"), nil
	case clickhouse.IsURL(url):
		dir := os.Getenv("SITREP_LOCAL")
		if dir == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				cache = os.TempDir()
			}
			sum := sha256.Sum256([]byte(clickhouse.Redacted(url)))
			dir = filepath.Join(cache, "sitrep", hex.EncodeToString(sum[:6]))
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("this machine's directory for the store: %w", err)
		}
		return dir, nil
	case strings.Contains(url, "://"):
		return "", fmt.Errorf("store %q: this build knows duckdb:// (the embedded store), clickhouse:// and plain directories", url)
	}
	return url, nil
}

// Open opens the store for reading and writing, or for reading only. Its URL names the
// engine: duckdb:// (or a plain directory) is the embedded one, which holds both parts of a
// store (store.Analytics and store.Records) in one file. With Records naming another place —
// a directory of its own, or a PostgreSQL database (postgres://) that several servers may
// share — the records part is kept there, and the store is a store.Split of the two; opened
// for writing, it first writes any ticket's counted row a crash left behind.
func (c *Config) Open(ctx context.Context, readOnly bool) (store.Store, error) {
	if clickhouse.IsURL(c.Store) {
		return c.openCluster(ctx, readOnly)
	}
	dir, err := StoreDir(c.Store)
	if err != nil {
		return nil, err
	}
	st, err := duck.Open(ctx, dir, duck.Options{ReadOnly: readOnly, MemoryLimit: c.MemoryLimit})
	if err != nil {
		return nil, heldError(dir, err)
	}
	if c.Records == "" {
		return st, nil
	}
	where := postgres.Redacted(c.Records)
	var rdir string
	if !postgres.IsURL(c.Records) {
		if rdir, err = StoreDir(c.Records); err != nil {
			st.Close()
			return nil, fmt.Errorf("records: %w", err)
		}
		if sameDir(rdir, dir) {
			return st, nil
		}
		where = rdir
	}
	// A store that has kept records itself cannot be split from them: they would vanish from
	// view, and new ticket IDs would repeat old ones.
	held, err := st.RecordsHeld(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(held) > 0 {
		st.Close()
		return nil, fmt.Errorf("the store %s keeps its own records (%s), so they cannot be kept apart in %s: use it without --records (SITREP_RECORDS), or keep records apart from a new store's start",
			dir, strings.Join(held, ", "), where)
	}
	rec, err := c.openRecords(ctx, readOnly, dir)
	if err != nil {
		st.Close()
		return nil, err
	}
	return split(ctx, st, rec, readOnly)
}

// openRecords opens the records part Records names: a PostgreSQL database, or an embedded
// store in a directory (held, when a server holds it, by the server that announces itself in
// holder).
func (c *Config) openRecords(ctx context.Context, readOnly bool, holder string) (store.Records, error) {
	if postgres.IsURL(c.Records) {
		// A database shared by several servers: opened the same way for reading and writing.
		return postgres.Open(ctx, c.Records)
	}
	rdir, err := StoreDir(c.Records)
	if err != nil {
		return nil, fmt.Errorf("records: %w", err)
	}
	rec, err := duck.Open(ctx, rdir, duck.Options{ReadOnly: readOnly, MemoryLimit: c.MemoryLimit})
	if err != nil {
		return nil, fmt.Errorf("records: %w", heldError(holder, err)) // the server announces itself beside the store
	}
	return rec, nil
}

// openCluster opens a store whose analytical part is kept by ClickHouse; its records part
// must be kept apart.
func (c *Config) openCluster(ctx context.Context, readOnly bool) (store.Store, error) {
	if c.Records == "" {
		return nil, fmt.Errorf("the store %s keeps what is ingested and counted; name where the records (tickets, reviews, the archive, accounts) are kept with --records postgres://… (SITREP_RECORDS), or a directory",
			clickhouse.Redacted(c.Store))
	}
	an, err := clickhouse.Open(ctx, c.Store)
	if err != nil {
		return nil, err
	}
	dir, err := StoreDir(c.Store)
	if err != nil {
		an.Close()
		return nil, err
	}
	rec, err := c.openRecords(ctx, readOnly, dir)
	if err != nil {
		an.Close()
		return nil, err
	}
	return split(ctx, an, rec, readOnly)
}

// split joins the parts. Opened for reading only, the analytical part is not written: the
// counted rows of tickets other processes changed are written by the process that writes.
func split(ctx context.Context, st store.Analytics, rec store.Records, readOnly bool) (store.Store, error) {
	sp := store.Split{Analytics: st, Records: rec}
	if !readOnly {
		sp = store.NewSplit(st, rec)
		if err := sp.Reconcile(ctx); err != nil {
			sp.Close()
			return nil, err
		}
	}
	return sp, nil
}

// sameDir tells whether two paths name one directory, however they are written (relative or
// absolute, through symbolic links).
func sameDir(a, b string) bool {
	if filepath.Clean(a) == filepath.Clean(b) {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// IngestOptions returns the ingest options implied by the configuration.
func (c *Config) IngestOptions() ingest.Options {
	return ingest.Options{Zone: c.Zone, GovSuffixes: c.GovSuffixes, Objects: c.Objects, Log: c.Log}
}

// Stats computes a week's statistics from the store: the public edition for TLP:CLEAR (or an
// empty label), an internal edition labelled tlp otherwise.
func (c *Config) Stats(ctx context.Context, st store.Counter, w week.Week, tlp event.TLP) (*stats.Week, error) {
	return stats.Compute(ctx, st, w, stats.Options{Zone: c.Zone, Policy: c.Policy, Edition: c.Edition(tlp)})
}

// PeriodStats computes a month's, a quarter's or a year's statistics from the store, by the
// same editions as Stats.
func (c *Config) PeriodStats(ctx context.Context, st store.Counter, p period.Period, tlp event.TLP) (*stats.Period, error) {
	return stats.ComputePeriod(ctx, st, p, stats.Options{Zone: c.Zone, Policy: c.Policy, Edition: c.Edition(tlp)})
}

// Edition returns the edition labelled tlp under the configured policy.
func (c *Config) Edition(tlp event.TLP) stats.Edition { return stats.EditionFor(c.Policy, tlp) }

func (c *Config) loadPolicy() error {
	path := c.PolicyPath
	if path == "" {
		if dir, err := StoreDir(c.Store); err == nil {
			if p := filepath.Join(dir, "policy.toml"); fileExists(p) {
				path = p
			}
		}
	}
	if path == "" {
		c.Policy = assess.Default()
		return nil
	}
	p, err := assess.Load(path)
	if err != nil {
		return err
	}
	c.Policy, c.PolicyPath = p, path
	return nil
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}
