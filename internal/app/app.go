// Package app wires sitrep together: it resolves where the store is, opens the engine, and
// offers the operations the command line (and tests, in-process) call.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/ingest"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/week"
)

// DefaultStore is where the embedded store lives when nothing says otherwise.
const DefaultStore = "./sitrep-data"

// DefaultMemoryLimit caps the database engine's buffer pool, so that ingesting a large file
// stays well under 1 GiB in all; the engine spills to disk past it.
const DefaultMemoryLimit = "512MB"

// Config is what every command shares.
type Config struct {
	Store       string // a directory, or duckdb:///path/to/dir
	Zone        *time.Location
	GovSuffixes []string
	MemoryLimit string
	Log         *slog.Logger
	// Policy is the rating policy: --policy, $SITREP_POLICY, policy.toml in the store
	// directory, or the one sitrep ships.
	Policy     *assess.Policy
	PolicyPath string
}

// Defaults fills what is unset from the environment (SITREP_STORE, SITREP_TZ,
// SITREP_GOV_SUFFIXES) and the built-in defaults.
func (c *Config) Defaults() error {
	if c.Store == "" {
		c.Store = os.Getenv("SITREP_STORE")
	}
	if c.Store == "" {
		c.Store = DefaultStore
	}
	if c.Zone == nil {
		name := os.Getenv("SITREP_TZ")
		if name == "" {
			name = week.DefaultZone
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			return fmt.Errorf("time zone %q: %w", name, err)
		}
		c.Zone = loc
	}
	if c.MemoryLimit == "" {
		c.MemoryLimit = os.Getenv("SITREP_DB_MEMORY")
	}
	if c.MemoryLimit == "" {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.Log == nil {
		level := slog.LevelWarn
		if os.Getenv("SITREP_DEBUG") != "" {
			level = slog.LevelDebug
		}
		c.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	}
	if c.Policy == nil {
		if err := c.loadPolicy(); err != nil {
			return err
		}
	}
	if c.GovSuffixes == nil {
		if s := os.Getenv("SITREP_GOV_SUFFIXES"); s != "" {
			c.GovSuffixes = strings.Split(s, ",")
		} else {
			c.GovSuffixes = enrich.DefaultGovSuffixes
		}
	}
	return nil
}

// StoreDir resolves the store URL to the embedded store's directory.
func StoreDir(url string) (string, error) {
	switch {
	case strings.HasPrefix(url, "duckdb://"):
		return strings.TrimPrefix(url, "duckdb://"), nil
	case strings.HasPrefix(url, "file://"):
		return strings.TrimPrefix(url, "file://"), nil
	case strings.Contains(url, "://"):
		return "", fmt.Errorf("store %q: this build knows duckdb:// (the embedded store) and plain directories", url)
	}
	return url, nil
}

// Open opens the store for reading and writing, or for reading only.
func (c *Config) Open(ctx context.Context, readOnly bool) (*duck.DB, error) {
	dir, err := StoreDir(c.Store)
	if err != nil {
		return nil, err
	}
	return duck.Open(ctx, dir, duck.Options{ReadOnly: readOnly, MemoryLimit: c.MemoryLimit})
}

// IngestOptions returns the ingest options implied by the configuration.
func (c *Config) IngestOptions() ingest.Options {
	return ingest.Options{Zone: c.Zone, GovSuffixes: c.GovSuffixes, Log: c.Log}
}

// Stats computes a week's statistics from the store: the public edition for TLP:CLEAR (or an
// empty label), an internal edition labelled tlp otherwise.
func (c *Config) Stats(ctx context.Context, st store.Counter, w week.Week, tlp event.TLP) (*stats.Week, error) {
	return stats.Compute(ctx, st, w, stats.Options{Zone: c.Zone, Policy: c.Policy, Edition: c.Edition(tlp)})
}

// Edition returns the edition labelled tlp under the configured policy.
func (c *Config) Edition(tlp event.TLP) stats.Edition { return stats.EditionFor(c.Policy, tlp) }

func (c *Config) loadPolicy() error {
	path := c.PolicyPath
	if path == "" {
		path = os.Getenv("SITREP_POLICY")
	}
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
