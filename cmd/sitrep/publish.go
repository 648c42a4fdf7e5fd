package main

import (
	"bytes"
	"errors"
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
	if *org == "" {
		*org = os.Getenv("SITREP_ORG")
	}
	st, err := e.cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.Rendering(e.ctx, w.String(), "zh", string(render.HTML)); err == nil {
		return fmt.Errorf("%s: %w", w, store.ErrPublished)
	}
	formats := publishFormats
	if _, err := render.Browser(); err == nil {
		formats = append(formats, render.PDF)
	} else {
		fmt.Fprintf(e.stderr, "sitrep publish: no PDF: %v\n", err)
	}
	now, who := time.Now(), actor()
	var rs []store.Rendering
	for _, lang := range []string{"zh", "en"} {
		b, err := bulletin.Build(e.ctx, st, w, e.cfg.Zone, bulletin.Options{Lang: lang, Org: *org, Policy: e.cfg.Policy, Link: issueLink(lang)})
		if err != nil {
			return err
		}
		if b.Stats.Rating.NoData && !*allowEmpty {
			return fmt.Errorf("nothing at all was recorded for %s; ingest its data first, or publish it empty with --allow-empty", w)
		}
		for _, f := range formats {
			var buf bytes.Buffer
			if err := renderTo(e, &buf, b, f, "", false); err != nil {
				return err
			}
			content := buf.Bytes()
			if f == render.PDF {
				if content, err = printPDF(e, buf.Bytes()); err != nil {
					return err
				}
			}
			rs = append(rs, store.Rendering{Week: w.String(), Lang: lang, Format: string(f), Title: b.Title, Content: content, PublishedAt: now, Actor: who})
		}
	}
	if err := st.Publish(e.ctx, rs); err != nil {
		if errors.Is(err, store.ErrPublished) {
			return fmt.Errorf("%s: %w", w, store.ErrPublished)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "published %s: %d renderings\n", w, len(rs))
	return nil
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
