package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
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
	withoutReview := fs.Bool("without-review", false, "publish without a current review (recorded in the audit log)")
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
	n, err := publishWeek(e, st, w, e.cfg.Actor, publishOptions{allowEmpty: *allowEmpty, withoutReview: *withoutReview})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "published %s: %d renderings\n", w, n)
	return nil
}

type publishOptions struct {
	allowEmpty, withoutReview bool
	noPDF                     bool
}

// buildBoth builds a week's bulletin in Chinese and English, and fingerprints it: the SHA-256
// of its JSON in both languages, which the same data always renders to the same bytes.
func buildBoth(e *env, st store.Store, w week.Week) (digest string, zh, en *bulletin.Bulletin, err error) {
	h := sha256.New()
	bs := make([]*bulletin.Bulletin, 2)
	s, history, err := bulletin.Load(e.ctx, st, w, e.cfg.Zone, bulletin.Options{Policy: e.cfg.Policy})
	if err != nil {
		return "", nil, nil, err
	}
	for i, lang := range []string{"zh", "en"} {
		if bs[i], err = bulletin.Compose(s, history, bulletin.Options{Lang: lang, Org: e.orgName(), Policy: e.cfg.Policy, Link: issueLink(lang)}); err != nil {
			return "", nil, nil, err
		}
		if err := render.WriteJSON(h, bs[i]); err != nil {
			return "", nil, nil, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), bs[0], bs[1], nil
}

// publishWeek renders a week's bulletin in both languages and every format and freezes it,
// provided an editor reviewed it as it reads now (or opt says to go without).
func publishWeek(e *env, st store.Store, w week.Week, who string, opt publishOptions) (int, error) {
	if _, err := st.Rendering(e.ctx, w.String(), "zh", string(render.HTML)); err == nil {
		return 0, fmt.Errorf("%s: %w", w, store.ErrPublished)
	}
	digest, zh, en, err := buildBoth(e, st, w)
	if err != nil {
		return 0, err
	}
	if zh.Stats.Rating.NoData && !opt.allowEmpty {
		return 0, fmt.Errorf("nothing at all was recorded for %s; ingest its data first, or publish it empty with --allow-empty", w)
	}
	if !opt.withoutReview {
		rev, err := st.LatestReview(e.ctx, w.String())
		switch {
		case errors.Is(err, store.ErrNotFound):
			return 0, fmt.Errorf("%s has not been reviewed: an editor runs sitrep review --week %s first", w, w)
		case err != nil:
			return 0, err
		case rev.Digest != digest:
			return 0, fmt.Errorf("%s changed since %s reviewed it on %s: review it again", w, rev.Actor, rev.ReviewedAt.In(e.cfg.Zone).Format(time.DateTime))
		}
	} else {
		who += " (without review)"
	}
	formats := publishFormats
	if _, err := render.Browser(e.cfg.Chromium); err == nil && !opt.noPDF {
		formats = append(formats, render.PDF)
	} else if err != nil {
		fmt.Fprintf(e.stderr, "sitrep publish: no PDF: %v\n", err)
	}
	now := time.Now()
	var rs []store.Rendering
	for _, b := range []*bulletin.Bulletin{zh, en} {
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
			rs = append(rs, store.Rendering{Week: w.String(), Lang: b.Lang, Format: string(f), Title: b.Title, Content: content, PublishedAt: now, Actor: who})
		}
	}
	if err := st.Publish(e.ctx, rs); err != nil {
		return 0, err
	}
	return len(rs), nil
}

func runReview(e *env, args []string) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	wk := fs.String("week", "", "ISO `week` such as 2024-W09 (default: the last complete week)")
	note := fs.String("note", "", "what the review found")
	org := fs.String("org", "", "the CERT's `name` in the sentences (default $SITREP_ORG or CNCERT)")
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
	digest, err := reviewWeek(e, st, w, e.cfg.Actor, *note)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reviewed %s (bulletin %s)\n", w, digest[:12])
	return nil
}

// reviewWeek records that who reviewed the week's bulletin as it reads now.
func reviewWeek(e *env, st store.Store, w week.Week, who, note string) (string, error) {
	if _, err := st.Rendering(e.ctx, w.String(), "zh", string(render.HTML)); err == nil {
		return "", fmt.Errorf("%s: %w", w, store.ErrPublished)
	}
	digest, _, _, err := buildBoth(e, st, w)
	if err != nil {
		return "", err
	}
	return digest, st.AddReview(e.ctx, store.Review{Week: w.String(), Digest: digest, Actor: who, ReviewedAt: time.Now(), Note: note})
}

// orgName is the CERT named in the sentences: --org, $SITREP_ORG, or the bulletin's default.
func (e *env) orgName() string {
	if e.org != "" {
		return e.org
	}
	return e.cfg.Org
}

// printPDF prints an HTML page to PDF bytes. Its temporary directory is one that a later run
// removes should this one die before it does.
func printPDF(e *env, page []byte) ([]byte, error) {
	dir, err := render.TempDir(render.PublishTempPrefix)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "bulletin.pdf")
	bin, err := render.Browser(e.cfg.Chromium)
	if err != nil {
		return nil, err
	}
	if err := render.PrintPDF(e.ctx, bin, page, out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}
