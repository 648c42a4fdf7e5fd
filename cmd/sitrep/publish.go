package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/render"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// publishFormats are what a published issue keeps; PDF is added when Chromium is there.
var publishFormats = []render.Format{render.HTML, render.Markdown, render.JSON}

// issueLink is the address of an issue on the site `sitrep serve` runs.
func issueLink(lang string) func(w week.Week) string {
	return func(w week.Week) string {
		if lang == "en" {
			return "/bulletins/" + w.String() + "?lang=en"
		}
		return "/bulletins/" + w.String()
	}
}

func runPublish(e *env, args []string) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	wk := fs.String("week", "", "ISO `week` such as 2024-W09 (default: the last complete week)")
	org := fs.String("org", "", "the CERT's `name` in the sentences (default $SITREP_ORG or CNCERT)")
	allowEmpty := fs.Bool("allow-empty", false, "publish a week for which nothing at all was recorded")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	w, err := pickWeek(*wk, e.cfg.Zone)
	if err != nil {
		return usageError{err.Error()}
	}
	e.org = *org
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := publishWeek(e, st, w, actor(), *allowEmpty)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "published %s: %d renderings\n", w, n)
	return nil
}

// publishWeek renders a week's bulletin in both languages and every format and freezes it.
func publishWeek(e *env, st store.Store, w week.Week, who string, allowEmpty bool) (int, error) {
	if _, err := st.Rendering(e.ctx, w.String(), "zh", string(render.HTML)); err == nil {
		return 0, fmt.Errorf("%s: %w", w, store.ErrPublished)
	}
	formats := publishFormats
	if _, err := render.Browser(); err == nil {
		formats = append(formats, render.PDF)
	} else {
		fmt.Fprintf(e.stderr, "sitrep publish: no PDF: %v\n", err)
	}
	org := os.Getenv("SITREP_ORG")
	if e.org != "" {
		org = e.org
	}
	now := time.Now()
	var rs []store.Rendering
	for _, lang := range []string{"zh", "en"} {
		b, err := bulletin.Build(e.ctx, st, w, e.cfg.Zone, bulletin.Options{Lang: lang, Org: org, Policy: e.cfg.Policy, Link: issueLink(lang)})
		if err != nil {
			return 0, err
		}
		if b.Stats.Rating.NoData && !allowEmpty {
			return 0, fmt.Errorf("nothing at all was recorded for %s; ingest its data first, or publish it empty with --allow-empty", w)
		}
		for _, f := range formats {
			var buf bytes.Buffer
			if err := renderTo(e, &buf, b, f, "", false); err != nil {
				return 0, err
			}
			content := buf.Bytes()
			if f == render.PDF {
				if content, err = printPDF(e, buf.Bytes()); err != nil {
					return 0, err
				}
			}
			rs = append(rs, store.Rendering{Week: w.String(), Lang: lang, Format: string(f), Title: b.Title, Content: content, PublishedAt: now, Actor: who})
		}
	}
	if err := st.Publish(e.ctx, rs); err != nil {
		return 0, err
	}
	return len(rs), nil
}

// printPDF prints an HTML page to PDF bytes.
func printPDF(e *env, page []byte) ([]byte, error) {
	dir, err := os.MkdirTemp("", "sitrep-publish-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "bulletin.pdf")
	if err := render.PrintPDF(e.ctx, page, out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}
