package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"sitrep/internal/event"
	"sitrep/internal/export"
	"sitrep/internal/store"
)

// runExport writes a week's (or a month's, a quarter's, a year's) events for sharing, up to a
// TLP label (CLEAR unless said).
func runExport(e *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	span := addSpanFlags(fs)
	kind := fs.String("kind", "", "only events of this `kind`")
	format := fs.String("format", "csv", "csv (sitrep-events, ingestible) or stix (STIX 2.1 bundle)")
	tlp := fs.String("tlp", "CLEAR", "the most restricted TLP `label` to include; RED is never exported")
	out := fs.String("out", "", "write to `path` instead of standard output")
	limit := fs.Int("limit", 1000000, "at most `N` events")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	w, err := span.pick(e.cfg.Zone)
	if err != nil {
		return err
	}
	max, err := event.ParseTLP(*tlp)
	if err != nil || max == event.Red {
		return usageError{"--tlp is CLEAR, GREEN, AMBER or AMBER+STRICT"}
	}
	if *format != "csv" && *format != "stix" {
		return usageError{"--format is csv or stix"}
	}
	if *kind != "" {
		if _, err := event.ParseKind(*kind); err != nil {
			return usageError{err.Error()}
		}
	}
	if c := e.remote(); c != nil {
		if *limit != 1000000 {
			return errRemoteOnly("--limit")
		}
		b, n, err := c.Export(e.ctx, w.String(), *format, *kind, string(max))
		if err != nil {
			return err
		}
		return writeExport(e, b, n, *out)
	}
	labels := max.UpTo()
	st, err := e.cfg.Open(e.ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	from, to := w.Bounds(e.cfg.Zone)
	evs, err := st.ListEvents(e.ctx, store.Range{From: from, To: to}, *kind, labels, *limit)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if *format == "stix" {
		err = export.STIX(&buf, evs)
	} else {
		err = export.CSV(&buf, evs)
	}
	if err != nil {
		return err
	}
	return writeExport(e, buf.Bytes(), len(evs), *out)
}

// writeExport writes an export of n events to out, or to standard output.
func writeExport(e *env, b []byte, n int, out string) error {
	if out == "" {
		_, err := e.stdout.Write(b)
		return err
	}
	if err := os.WriteFile(out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %d events to %s\n", n, out)
	return nil
}
