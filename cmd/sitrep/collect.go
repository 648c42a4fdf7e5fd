package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"sitrep/internal/app"
	"sitrep/internal/collect"
	"sitrep/internal/event"
	"sitrep/internal/ingest"
	"sitrep/internal/store"
)

// runCollect fetches the configured feeds and ingests what changed: once (--once, for cron),
// or on as each falls due; --status shows how each stands.
func runCollect(e *env, args []string) error {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	config := fs.String("config", "", "the feeds' TOML `file` (see docs/FEEDS.md)")
	once := fs.Bool("once", false, "run every feed once and stop (for cron); without it, run each as it falls due until stopped")
	status := fs.Bool("status", false, "show each feed's last run, next run and error, and stop")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up a fetch that takes longer than `d`")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *status && *config == "" && e.remote() != nil {
		return showFeeds(e, nil)
	}
	if *config == "" {
		return usageError{"collect needs --config FILE"}
	}
	if *status { // how the feeds stand needs none of their keys
		cfg, err := collect.ReadForStatus(*config)
		if err != nil {
			return err
		}
		c := &collect.Collector{Config: cfg}
		fs, err := c.Status()
		if err != nil {
			return err
		}
		return showFeeds(e, fs)
	}
	cfg, err := readFeeds(*config)
	if err != nil {
		return err
	}
	if e.remote() != nil {
		return errRemoteOnly("collect")
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	show, done := e.progress()
	c, report := e.collector(cfg, st, *timeout, func(f func()) { f() }, show, done)
	if !*once {
		return c.Run(e.ctx, time.Minute, report)
	}
	rs, err := c.Once(e.ctx, false)
	report(rs)
	var errs []error
	for _, r := range rs {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Feed, r.Err))
		}
	}
	return errors.Join(append(errs, err)...)
}

// readFeeds reads a collection's configuration and checks each feed's format.
func readFeeds(path string) (*collect.Config, error) {
	cfg, err := collect.Read(path)
	if err != nil {
		return nil, err
	}
	for _, f := range cfg.Feeds {
		var o ingest.Options
		if err := o.SetFormat(f.Format); err != nil {
			return nil, fmt.Errorf("%s: feed %q: format: %w", path, f.Name, err)
		}
	}
	return cfg, nil
}

// collector makes the collection of cfg's feeds into st: each file ingested under the feed's
// format, source and TLP, inside write (the server's turn to write, or at once); report tells
// what a round did, and counts the weeks it changed ahead. show and done, where set, show an
// ingest's progress.
func (e *env) collector(cfg *collect.Config, st store.Store, timeout time.Duration, write func(func()), show func(ingest.Progress), done func()) (*collect.Collector, func([]collect.Result)) {
	tmp, _ := app.StoreDir(e.cfg.Store)
	var span store.Range
	c := &collect.Collector{
		Config: cfg,
		Fetch:  &collect.Fetcher{Client: &http.Client{Timeout: timeout}},
		Ingest: func(ctx context.Context, path, name string, f collect.Feed) (string, error) {
			opt := e.cfg.IngestOptions()
			opt.Source, opt.TLP, opt.TempDir = f.Source, event.TLP(f.TLP), tmp
			if err := opt.SetFormat(f.Format); err != nil {
				return "", err
			}
			opt.Progress = show
			var sum ingest.Summary
			var err error
			write(func() {
				sum, err = ingest.Input(ctx, st, name, func() (*os.File, error) { return os.Open(path) }, opt)
			})
			if done != nil {
				done()
			}
			span = span.Union(sum.Span)
			return sum.String(), err
		},
	}
	report := func(rs []collect.Result) {
		for _, r := range rs {
			switch {
			case r.Err != nil:
				fmt.Fprintf(e.stderr, "%s: failed: %v\n", r.Feed, r.Err)
			case r.Unchanged:
				fmt.Fprintf(e.stdout, "%s: unchanged\n", r.Feed)
			case len(r.Files) == 0:
				fmt.Fprintf(e.stdout, "%s: nothing to ingest\n", r.Feed)
			}
			for _, f := range r.Files {
				fmt.Fprintf(e.stdout, "%s: %s\n", r.Feed, f)
			}
		}
		if !span.IsZero() {
			write(func() {
				if err := refresh(e.ctx, e.issues("collect"), st, span, e.cfg.Log); err != nil {
					fmt.Fprintf(e.stderr, "warning: the changed weeks were not counted ahead (%v)\n", err)
				}
			})
		}
		span = store.Range{}
	}
	return c, report
}

// showFeeds prints how each feed stands: fs, or (with fs nil) the server's answer.
func showFeeds(e *env, fs []collect.FeedStatus) error {
	if fs == nil {
		b, err := e.remote().Feeds(e.ctx)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &fs); err != nil {
			return fmt.Errorf("the server's feeds: %w", err)
		}
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tLAST RUN\tNEXT RUN\tLAST RESULT")
	when := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.In(e.cfg.Zone).Format("2006-01-02 15:04")
	}
	for _, f := range fs {
		result := f.Result
		if f.LastError != "" {
			result = "failed: " + f.LastError
		}
		if result == "" {
			result = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.Name, when(f.LastRun), when(f.NextRun), strings.Join(strings.Fields(result), " "))
	}
	return tw.Flush()
}
