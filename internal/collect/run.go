package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// State is what a feed last answered and how its last run went.
type State struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	LastRun      time.Time `json:"last_run"`
	NextRun      time.Time `json:"next_run"`
	LastError    string    `json:"last_error,omitempty"`
	Result       string    `json:"result,omitempty"` // what the last run ingested
	// Seen are the files of an API feed already ingested, by ID, with the day they were.
	Seen map[string]string `json:"seen,omitempty"`
	// UIDValidity and LastUID are where a mailbox was read up to.
	UIDValidity uint32 `json:"uid_validity,omitempty"`
	LastUID     uint32 `json:"last_uid,omitempty"`
}

// Ingest ingests one file of a feed under name (the name its source gave it) and says what
// it stored.
type Ingest func(ctx context.Context, path, name string, f Feed) (string, error)

// Collector runs a configuration's feeds.
type Collector struct {
	Config *Config
	Fetch  *Fetcher
	Ingest Ingest
	Now    func() time.Time // default time.Now
}

// Result is what one feed's run did.
type Result struct {
	Feed      string
	Unchanged bool     // the server said nothing changed
	Files     []string // what each file ingested
	Err       error
}

func (c *Collector) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// Once runs every feed now (all when due is false, else only those whose next run has come),
// one after another, and keeps their state; one feed's failure does not stop the others.
func (c *Collector) Once(ctx context.Context, due bool) ([]Result, error) {
	states, err := c.LoadState()
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, f := range c.Config.Feeds {
		st := states[f.Name]
		if due && c.now().Before(st.NextRun) {
			continue
		}
		r := c.run(ctx, f, &st)
		if r.Err != nil { // said in the state, the status and logs: without the keys a URL's query holds
			r.Err = redacted{r.Err}
		}
		st.LastRun = c.now()
		st.NextRun = st.LastRun.Add(f.Every.Duration)
		st.LastError = ""
		if r.Err != nil {
			st.LastError = r.Err.Error()
		}
		states[f.Name] = st
		out = append(out, r)
		if err := c.saveState(states); err != nil {
			return out, err
		}
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

// Run runs the feeds as they fall due until ctx ends, looking every tick.
func (c *Collector) Run(ctx context.Context, tick time.Duration, report func([]Result)) error {
	for {
		rs, err := c.Once(ctx, true)
		if len(rs) > 0 && report != nil {
			report(rs)
		}
		if err != nil && ctx.Err() == nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(tick):
		}
	}
}

func (c *Collector) run(ctx context.Context, f Feed, st *State) Result {
	r := Result{Feed: f.Name}
	dir, err := os.MkdirTemp(filepath.Dir(c.Config.State), ".collect-")
	if err != nil {
		r.Err = err
		return r
	}
	defer os.RemoveAll(dir)
	if f.API == "shadowserver" || strings.HasPrefix(f.URL, "imap") {
		if f.API == "shadowserver" {
			c.runShadowserver(ctx, f, st, dir, &r)
		} else {
			c.runIMAP(ctx, f, st, dir, &r)
		}
		st.Result = resultOf(r.Files)
		return r
	}
	var files []file
	if f.Dir != "" {
		entries, err := os.ReadDir(f.Dir)
		if err != nil {
			r.Err = err
			return r
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, file{filepath.Join(f.Dir, e.Name()), e.Name()})
			}
		}
		sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	} else {
		got, err := c.Fetch.get(ctx, f, *st, dir)
		if err != nil {
			r.Err = err
			return r
		}
		st.ETag, st.LastModified = got.etag, got.lastModified
		if got.notModified {
			r.Unchanged = true
			st.Result = "unchanged"
			return r
		}
		if files, err = unpack(got.path, got.name, f.MaxBytes, dir); err != nil {
			r.Err = err
			st.ETag, st.LastModified = "", "" // fetch it whole next time
			return r
		}
	}
	r.Err = errors.Join(c.ingestFiles(ctx, f, files, &r)...)
	if r.Err != nil && f.URL != "" {
		st.ETag, st.LastModified = "", "" // a body not ingested whole is fetched again
	}
	st.Result = resultOf(r.Files)
	return r
}

// ingestFiles hands each file to the ingest under the feed, noting in r what each stored, and
// returns the files' failures.
func (c *Collector) ingestFiles(ctx context.Context, f Feed, files []file, r *Result) []error {
	var errs []error
	for _, fl := range files {
		sum, err := c.Ingest(ctx, fl.path, fl.name, f)
		r.Files = append(r.Files, fmt.Sprintf("%s: %s", fl.name, sum))
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// resultOf is what a run ingested, as the state keeps it: each file's summary, or how many
// files there were where none was ingested.
func resultOf(files []string) string {
	if len(files) == 0 {
		return "0 file(s)"
	}
	res := strings.Join(files, "; ")
	if len(res) > 2000 {
		res = res[:2000] + "…"
	}
	return res
}

// queries are the queries of URLs in a message, where keys are put.
var queries = regexp.MustCompile(`((?:https?|imaps?)://[^\s"'?#]+)\?[^\s"']*`)

// redacted is an error said without the queries of the URLs in it.
type redacted struct{ err error }

func (r redacted) Error() string {
	return queries.ReplaceAllString(userinfo.ReplaceAllString(r.err.Error(), "$1://"), "$1?…")
}

// userinfo is the user and password a URL may carry.
var userinfo = regexp.MustCompile(`((?:https?|imaps?))://[^/\s"'@]+@`)

func (r redacted) Unwrap() error { return r.err }

// LoadState reads the state file; none yet is an empty state.
func (c *Collector) LoadState() (map[string]State, error) {
	states := map[string]State{}
	b, err := os.ReadFile(c.Config.State)
	if errors.Is(err, os.ErrNotExist) {
		return states, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &states); err != nil {
		return nil, fmt.Errorf("%s: %w", c.Config.State, err)
	}
	return states, nil
}

// saveState writes the state whole, then renames it into place: a crash leaves the old one.
func (c *Collector) saveState(states map[string]State) error {
	b, err := json.MarshalIndent(states, "", "  ")
	if err != nil {
		return err
	}
	tmp := c.Config.State + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, c.Config.State)
}

// FeedStatus is how a configured feed stands: what it is, and its last and next runs.
type FeedStatus struct {
	Name      string    `json:"name"`
	URL       string    `json:"url,omitempty"` // without its query, which may carry a key
	Dir       string    `json:"dir,omitempty"`
	Format    string    `json:"format,omitempty"`
	TLP       string    `json:"tlp"`
	Every     string    `json:"every"`
	LastRun   time.Time `json:"last_run,omitzero"`
	NextRun   time.Time `json:"next_run,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	Result    string    `json:"result,omitempty"`
}

// Status lists the configured feeds in their order, each with its state.
func (c *Collector) Status() ([]FeedStatus, error) {
	states, err := c.LoadState()
	if err != nil {
		return nil, err
	}
	out := []FeedStatus{}
	for _, f := range c.Config.Feeds {
		st := states[f.Name]
		out = append(out, FeedStatus{Name: f.Name, URL: withoutQuery(f.URL), Dir: f.Dir, Format: f.Format, TLP: f.TLP,
			Every: f.Every.Duration.String(), LastRun: st.LastRun, NextRun: st.NextRun, LastError: st.LastError, Result: st.Result})
	}
	return out, nil
}

// withoutQuery drops a URL's query and user information, where keys are put.
func withoutQuery(s string) string {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return s
	}
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}
