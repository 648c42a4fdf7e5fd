// Package collect fetches the feeds a CERT subscribes to and ingests what changed: each feed
// a URL (or a local directory) in a TOML file, fetched with a conditional GET, retried with
// backoff when the server fails, cut off at a size cap, gzip and zip bodies opened with limits
// on what they expand to, and handed to the ingest under the feed's format, source and TLP.
// What each feed last answered is kept in a state file beside the configuration, so a second
// run asks only for what changed; the ingest's ledger makes a body fetched twice count once.
package collect

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"sitrep/internal/event"
)

// Feed is one subscription.
type Feed struct {
	Name string `toml:"name"`
	// URL is fetched over HTTP(S); Dir, instead, is a directory whose files are read (as an
	// IMAP fetch or a sync tool leaves them).
	URL string `toml:"url"`
	Dir string `toml:"dir"`
	// Format names the input format or feed (sitrep formats); empty: recognised.
	Format string `toml:"format"`
	Source string `toml:"source"` // source of rows that name none; default the feed's name
	TLP    string `toml:"tlp"`    // label of rows that carry none; default CLEAR; canonical once Read
	// Every is how often the feed is fetched when collect runs on (default 1h).
	Every duration `toml:"every"`
	// MaxBytes caps a body, and what a compressed body expands to (default 256 MiB).
	MaxBytes int64 `toml:"max_bytes"`
	// KeyEnv names the environment variable holding an API key, sent in the header Header
	// (default "Authorization", as "Bearer KEY" there; the key as is in any other header).
	KeyEnv string `toml:"key_env"`
	Header string `toml:"header"`
	// API, where set, says the URL is an API that lists the files to fetch: "shadowserver",
	// Shadowserver's Reports API (URL its root, such as https://transform.shadowserver.org/api2/),
	// whose requests carry the key of KeyEnv and are signed with the secret of SecretEnv; each
	// report listed is downloaded from Download (default https://dl.shadowserver.org/) by its
	// ID, once. Reports names the reports (organisations, countries) to list, all the key may
	// read when empty; Types the report types to take (event4_sinkhole, scan_rdp…), all when
	// empty; Days how many days back to list (default 2).
	API string `toml:"api"`
	// User is who logs in to an IMAP mailbox (url imaps://host/INBOX), with the password of
	// KeyEnv; From, where set, takes only the messages from that sender.
	User      string   `toml:"user"`
	From      string   `toml:"from"`
	SecretEnv string   `toml:"secret_env"`
	Download  string   `toml:"download"`
	Reports   []string `toml:"reports"`
	Types     []string `toml:"types"`
	Days      int      `toml:"days"`
}

// Config is the collection's TOML file: its feeds, and where the state is kept.
type Config struct {
	Feeds []Feed `toml:"feed"`
	// State is the file that keeps what each feed last answered; default the config's path
	// with .state.json.
	State string `toml:"state"`
	path  string
}

type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// DefaultMaxBytes caps a body and its expansion.
const DefaultMaxBytes = 256 << 20

// Read reads and checks a configuration: every feed named once, a URL or a directory, a TLP
// sitrep knows.
func Read(path string) (*Config, error) { return read(path, true) }

// ReadForStatus reads a configuration to tell how its feeds stand: its keys and secrets need
// not be in the environment.
func ReadForStatus(path string) (*Config, error) { return read(path, false) }

func read(path string, keys bool) (*Config, error) {
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s", path, u[0])
	}
	c.path = path
	if c.State == "" {
		c.State = strings.TrimSuffix(path, filepath.Ext(path)) + ".state.json"
	} else if !filepath.IsAbs(c.State) {
		c.State = filepath.Join(filepath.Dir(path), c.State)
	}
	seen := map[string]bool{}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		where := fmt.Sprintf("%s: feed %d", path, i+1)
		if f.Name == "" {
			return nil, fmt.Errorf("%s has no name", where)
		}
		where = fmt.Sprintf("%s: feed %q", path, f.Name)
		if seen[f.Name] {
			return nil, fmt.Errorf("%s is named twice", where)
		}
		seen[f.Name] = true
		if (f.URL == "") == (f.Dir == "") {
			return nil, fmt.Errorf("%s needs a url or a dir, not both", where)
		}
		mailbox := strings.HasPrefix(f.URL, "imap://") || strings.HasPrefix(f.URL, "imaps://")
		switch {
		case mailbox:
			if _, err := parseIMAP(f.URL); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if f.User == "" || f.KeyEnv == "" {
				return nil, fmt.Errorf("%s: a mailbox needs user and key_env (the password's environment variable)", where)
			}
		case f.URL != "" && !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://"):
			return nil, fmt.Errorf("%s: url %q is not http, https, imap or imaps", where, f.URL)
		case f.User != "" || f.From != "":
			return nil, fmt.Errorf("%s: user and from belong to a mailbox (url imaps://…)", where)
		}
		l, err := event.ParseTLP(f.TLP)
		if err != nil {
			return nil, fmt.Errorf("%s: tlp: %w", where, err)
		}
		f.TLP = string(l) // "green", "TLP:WHITE": written once as the store writes them
		if f.Source == "" {
			f.Source = f.Name
		}
		if f.Every.Duration <= 0 {
			f.Every.Duration = time.Hour
		}
		if f.MaxBytes <= 0 {
			f.MaxBytes = DefaultMaxBytes
		}
		if keys && f.KeyEnv != "" && os.Getenv(f.KeyEnv) == "" {
			return nil, fmt.Errorf("%s: the environment variable %s holds no key", where, f.KeyEnv)
		}
		switch f.API {
		case "":
			if f.SecretEnv != "" || f.Download != "" || len(f.Reports)+len(f.Types) > 0 || f.Days != 0 {
				return nil, fmt.Errorf("%s: secret_env, download, reports, types and days belong to an api feed (api = \"shadowserver\")", where)
			}
		case "shadowserver":
			if f.URL == "" || f.KeyEnv == "" || f.SecretEnv == "" {
				return nil, fmt.Errorf("%s: Shadowserver's Reports API needs url (its root), key_env and secret_env", where)
			}
			if keys && os.Getenv(f.SecretEnv) == "" {
				return nil, fmt.Errorf("%s: the environment variable %s holds no secret", where, f.SecretEnv)
			}
			if f.Download == "" {
				f.Download = DefaultShadowserverDownload
			}
			if f.Days <= 0 {
				f.Days = 2
			}
		default:
			return nil, fmt.Errorf("%s: api %q is not one sitrep knows (shadowserver)", where, f.API)
		}
	}
	return &c, nil
}
