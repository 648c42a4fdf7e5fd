package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"sitrep/internal/app"
	"sitrep/internal/enrich"
	"sitrep/internal/feed"
	"sitrep/internal/feed/native"
	"sitrep/internal/geoip"
	"sitrep/internal/ingest"
	"sitrep/internal/issue"
	"sitrep/internal/store"
	"sitrep/internal/tabular"
)

func runIngest(e *env, args []string) error {
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	format := fs.String("format", "", "input `format`: sitrep-events, sitrep-vulns, sitrep-incidents or a feed ("+strings.Join(feed.Names(), ", ")+"); default: from the header")
	source := fs.String("source", "", "feed `name` for rows that name no source")
	rejects := fs.Bool("rejects", false, "list the rows set aside instead of ingesting")
	input := fs.String("input", "", "with --rejects: only this input (`name` or SHA-256 prefix)")
	limit := fs.Int("limit", 200, "with --rejects: at most `N` rows (0 for all)")
	batch := fs.Int("batch", 0, "rows per committed batch (default 983040)")
	observed := fs.String("observed", "", "when a plain list of URLs (OpenPhish) was fetched (default: the file's modification time)")
	geoDB := fs.String("geoip", "", "MMDB `file` (City or Country) to locate IPs whose row has no country or province (default $SITREP_GEOIP)")
	asnDB := fs.String("asn-db", "", "MMDB `file` (ASN) to fill in AS numbers (default $SITREP_ASN_DB)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *geoDB == "" {
		*geoDB = e.cfg.GeoIP
	}
	if *asnDB == "" {
		*asnDB = e.cfg.ASNDB
	}
	if *rejects {
		return listRejects(e, *input, *limit)
	}
	if fs.NArg() == 0 {
		return usageError{"name one or more files, or - for standard input"}
	}
	if c := e.remote(); c != nil {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if set["geoip"] || set["asn-db"] {
			return errRemoteOnly("--geoip and --asn-db (the server locates IPs with the databases it was started with: SITREP_GEOIP, SITREP_ASN_DB)")
		}
		if set["batch"] {
			return errRemoteOnly("--batch")
		}
		q := url.Values{}
		for k, v := range map[string]string{"format": *format, "source": *source, "observed": *observed} {
			if v != "" {
				q.Set(k, v)
			}
		}
		return remoteIngest(e, c, fs.Args(), q)
	}
	opt := e.cfg.IngestOptions()
	opt.Source, opt.BatchSize = *source, *batch
	if *observed != "" {
		t, err := native.ParseTime(*observed, e.cfg.Zone)
		if err != nil {
			return usageError{"--observed: " + err.Error()}
		}
		opt.Observed = t
	}
	if *geoDB != "" || *asnDB != "" {
		geo, err := geoip.Open(*geoDB, *asnDB)
		if err != nil {
			return err
		}
		defer geo.Close()
		opt.Locate = geo.Locate
	}
	if err := opt.SetFormat(*format); err != nil {
		return usageError{err.Error()}
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if opt.TempDir, err = app.StoreDir(e.cfg.Store); err != nil { // standard input waits beside the store
		return err
	}
	tuneGC()

	var total store.Tally
	var span store.Range
	var errs []error
	show, done := e.progress()
	opt.Progress = show
	for _, path := range fs.Args() {
		sum, err := ingest.File(e.ctx, st, path, e.stdin, opt)
		done()
		total.Add(sum.Tally)
		span = span.Union(sum.Span)
		if err != nil {
			errs = append(errs, err)
			if sum.Read > 0 {
				fmt.Fprintf(e.stderr, "%s: stopped after %s\n", path, sum)
			}
			continue
		}
		if len(fs.Args()) > 1 || sum.Feed != "" {
			format := string(sum.Format)
			if sum.Feed != "" {
				format = sum.Feed + " → " + format
			}
			fmt.Fprintf(e.stderr, "%s (%s, %s): %s\n", path, format, sum.Encoding, sum)
		}
		if sum.Rejected > 0 {
			fmt.Fprintf(e.stderr, "%s: %d row(s) set aside; see them with: sitrep ingest --rejects --input %s\n", path, sum.Rejected, path)
		}
	}
	fmt.Fprintln(e.stdout, ingest.Summary{Tally: total})
	if err := refresh(e.ctx, e.issues("ingest"), st, span, e.cfg.Log); err != nil {
		fmt.Fprintf(e.stderr, "warning: the changed weeks were not counted ahead (%v); their statistics will be counted when asked for\n", err)
	}
	return errors.Join(errs...)
}

// refresh counts again the weeks an ingest changed, so that the next statistics of them are
// read rather than counted (issue.Service.Refresh). It only saves time later, so callers
// warn of a failure and go on.
func refresh(ctx context.Context, svc *issue.Service, st store.Counter, span store.Range, log *slog.Logger) error {
	start := time.Now()
	weeks, err := svc.Refresh(ctx, st, span)
	if len(weeks) > 0 {
		log.Debug("changed weeks counted", "weeks", len(weeks), "first", weeks[0].String(), "seconds", time.Since(start).Seconds())
	}
	return err
}

func listRejects(e *env, input string, limit int) error {
	var rows []store.Reject
	if c := e.remote(); c != nil {
		var answer []struct {
			Input  string  `json:"input"`
			Line   int     `json:"line"`
			Field  string  `json:"field"`
			Reason string  `json:"reason"`
			Raw    *string `json:"raw"`
		}
		if err := remoteJSON(c.Rejects(e.ctx, input, limit))(&answer); err != nil {
			return err
		}
		for _, a := range answer {
			raw := "(withheld: its label is unknown, so only roles that may read TLP:RED see it)"
			if a.Raw != nil {
				raw = *a.Raw
			}
			rows = append(rows, store.Reject{Input: a.Input, Line: a.Line, Field: a.Field, Reason: a.Reason, Raw: raw})
		}
	} else {
		st, err := e.cfg.Open(e.ctx, true)
		if err != nil {
			return err
		}
		defer st.Close()
		if rows, err = st.Rejects(e.ctx, store.RejectFilter{Input: input, Limit: limit}); err != nil {
			return err
		}
	}
	if len(rows) == 0 {
		fmt.Fprintln(e.stderr, "no rows set aside")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "INPUT\tLINE\tFIELD\tREASON\tROW")
	for _, r := range rows {
		field := r.Field
		if field == "" {
			field = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", printable(r.Input), r.Line, printable(field), printable(enrich.DefangText(r.Reason)), printable(enrich.DefangText(tabular.Snip(r.Raw, 80))))
	}
	return tw.Flush()
}

// tuneGC trades memory for speed while ingesting: the live heap is small (a few chunks of
// rows) but allocation is fast, so the default GOGC of 100 collects hundreds of times for one
// large file. A soft limit keeps the heap well below the 1 GiB the whole process must stay under.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(512 << 20)
	}
}
