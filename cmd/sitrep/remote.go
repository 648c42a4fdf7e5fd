package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"

	"sitrep/internal/client"
	"sitrep/internal/ingest"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// remote returns the client of the server the command goes through, or nil when it opens the
// store itself.
func (e *env) remote() *client.Client {
	if e.cfg.Server == "" {
		return nil
	}
	return &client.Client{Base: e.cfg.Server, Token: e.cfg.Token}
}

// errRemoteOnly says a flag does not travel to a server.
func errRemoteOnly(flag string) error {
	return usageError{flag + " works on a store this command opens, not through --server"}
}

// remoteStats prints a week's statistics as the server computes them, as stats would.
func remoteStats(e *env, c *client.Client, w week.Week, tlp string, asJSON bool) error {
	b, err := c.Stats(e.ctx, w.String(), tlp)
	if err != nil {
		return err
	}
	var s stats.Week
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("the server's statistics: %w", err)
	}
	if asJSON {
		return printStatsJSON(e.stdout, &s)
	}
	return printStats(e.stdout, &s)
}

// remoteReport writes a week's bulletin as the server renders it.
func remoteReport(e *env, c *client.Client, w period.Period, lang, format, tlp, out string) error {
	b, err := c.Bulletin(e.ctx, w.String(), lang, format, tlp)
	if err != nil {
		return err
	}
	if out == "" {
		_, err = e.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", out)
	return nil
}

// remoteIngest sends each file to the server and prints what ingest would.
func remoteIngest(e *env, c *client.Client, paths []string, q url.Values) error {
	var total store.Tally
	var errs []error
	for _, path := range paths {
		c.Waiting = func(job string) {
			fmt.Fprintf(e.stderr, "%s: received; the server is still ingesting it as job %s (GET /api/v1/jobs/%s); waiting\n", path, job, job)
		}
		sum, err := c.Ingest(e.ctx, path, e.stdin, q)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
			continue
		}
		t := store.Tally{Read: sum.Read, Stored: sum.Stored, Duplicate: sum.Duplicate, Rejected: sum.Rejected}
		total.Add(t)
		if len(paths) > 1 || sum.Feed != "" {
			f := sum.Format
			if sum.Feed != "" {
				f = sum.Feed + " → " + f
			}
			fmt.Fprintf(e.stderr, "%s (%s, %s): %s\n", path, f, sum.Encoding, ingest.Summary{Tally: t})
		}
		if sum.Rejected > 0 {
			fmt.Fprintf(e.stderr, "%s: %d row(s) set aside\n", path, sum.Rejected)
		}
	}
	fmt.Fprintln(e.stdout, ingest.Summary{Tally: total})
	return errors.Join(errs...)
}

// reading runs f on the store opened for reading, and closes it after.
func (e *env) reading(f func(st store.Store) error) error {
	st, err := e.cfg.Open(e.ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	return f(st)
}
