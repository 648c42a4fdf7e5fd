package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"sitrep/internal/app"
	"sitrep/internal/collect"
	"sitrep/internal/event"
	"sitrep/internal/ingest"
	"sitrep/internal/store"
)

// runCollect fetches the configured feeds and ingests what changed: once (--once, for cron),
// or on as each falls due.
func runCollect(e *env, args []string) error {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	config := fs.String("config", "", "the feeds' TOML `file` (see docs/FEEDS.md)")
	once := fs.Bool("once", false, "run every feed once and stop (for cron); without it, run each as it falls due until stopped")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up a fetch that takes longer than `d`")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *config == "" {
		return usageError{"collect needs --config FILE"}
	}
	if e.remote() != nil {
		return errRemoteOnly("collect")
	}
	cfg, err := collect.Read(*config)
	if err != nil {
		return err
	}
	for _, f := range cfg.Feeds {
		var o ingest.Options
		if err := o.SetFormat(f.Format); err != nil {
			return fmt.Errorf("%s: feed %q: format: %w", *config, f.Name, err)
		}
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	tmp, err := app.StoreDir(e.cfg.Store)
	if err != nil {
		return err
	}
	var span store.Range
	show, done := e.progress()
	c := &collect.Collector{
		Config: cfg,
		Fetch:  &collect.Fetcher{Client: &http.Client{Timeout: *timeout}},
		Ingest: func(ctx context.Context, path, name string, f collect.Feed) (string, error) {
			opt := e.cfg.IngestOptions()
			opt.Source, opt.TLP, opt.TempDir = f.Source, event.TLP(f.TLP), tmp
			if err := opt.SetFormat(f.Format); err != nil {
				return "", err
			}
			opt.Progress = show
			sum, err := ingest.Input(ctx, st, name, func() (*os.File, error) { return os.Open(path) }, opt)
			done()
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
		if err := refresh(e.ctx, e.issues("collect"), st, span, e.cfg.Log); err != nil {
			fmt.Fprintf(e.stderr, "warning: the changed weeks were not counted ahead (%v)\n", err)
		}
		span = store.Range{}
	}
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
