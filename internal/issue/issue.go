// Package issue takes one issue of the bulletin through its life: built from the store for an
// edition, rendered in each language and format (PDF printed by Chromium), reviewed by an
// editor, and published, after which it never changes. The command line, the server and the
// demo share it; each passes its own context, so that a request that goes away cancels its
// queries and its Chromium.
package issue

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/blacklist"
	"sitrep/internal/bulletin"
	"sitrep/internal/chart"
	"sitrep/internal/period"
	"sitrep/internal/render"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// Service builds, renders, reviews and publishes issues. Its fields are configuration; it
// keeps no state, and its methods are safe for concurrent use.
type Service struct {
	Zone   *time.Location
	Policy *assess.Policy
	// Org is the CERT named in the sentences; empty is the bulletin's default. Issuer is the
	// name the issue is published under, in full; empty is Org.
	Org, Issuer string
	// Closing is the note that ends the issue in each language; none where absent.
	Closing map[string]*bulletin.Closing
	// Names are the English names of organisations; nil is the table sitrep ships.
	Names bulletin.Names
	// Blacklist is who publishes the CERT's blacklist of malicious addresses; empty: none.
	Blacklist string
	// Style is the issues' form (bulletin.StyleCharts or StyleInfographic); empty: charts.
	Style string
	// Chromium is the configured browser for PDF (see render.Browser); empty looks on PATH.
	Chromium string
	// Link returns the address of an issue in a language; nil is the site's (SiteLink).
	Link func(lang string) func(w week.Week) string
	// Warn is told when a figure could not be drawn and is shown as a table; nil ignores it.
	Warn func(err error)
}

// SiteLink is the address of an issue on the site `sitrep serve` runs.
func SiteLink(lang string) func(w week.Week) string {
	return func(w week.Week) string {
		if lang == "en" {
			return "/bulletins/" + w.String() + "?lang=en"
		}
		return "/bulletins/" + w.String()
	}
}

// Sentinel errors of the review and publication: a user's to act on, not the system's.
var (
	ErrNotReviewed = errors.New("has not been reviewed")
	ErrChanged     = errors.New("changed since it was reviewed")
	ErrEmpty       = errors.New("nothing at all was recorded")
)

// Archive is what reviewing and publishing need of a store.
type Archive interface {
	store.Counter
	store.Archive
}

func (s *Service) options(lang string, ed stats.Edition) bulletin.Options {
	link := s.Link
	if link == nil {
		link = SiteLink
	}
	return bulletin.Options{Lang: lang, Org: s.Org, Issuer: s.Issuer, Closing: s.Closing[lang], Names: s.Names, Blacklist: s.Blacklist, Style: s.Style, Policy: s.Policy,
		Link: link(lang), PeriodLink: periodLink(link(lang)), Edition: ed}
}

// periodLink gives a period's issue the address scheme of a week's: "/bulletins/2024-02" where
// a week's is "/bulletins/2024-W09", with the same base and query.
func periodLink(weekLink func(w week.Week) string) func(p period.Period) string {
	probe := week.Week{Year: 2024, Number: 9}
	sample := weekLink(probe)
	return func(p period.Period) string {
		return strings.Replace(sample, probe.String(), p.String(), 1)
	}
}

// Build computes the issue of a week, a month, a quarter or a year in one language, of the
// edition ed (the zero Edition is the public one).
func (s *Service) Build(ctx context.Context, st store.Counter, p period.Period, lang string, ed stats.Edition) (*bulletin.Bulletin, error) {
	if p.Kind == period.Week {
		return bulletin.Build(ctx, st, p.Week(), s.Zone, s.options(lang, ed))
	}
	return bulletin.BuildPeriod(ctx, st, p, s.Zone, s.options(lang, ed))
}

// Both computes the period's public issue once and composes it in Chinese and English, with
// its digest: the SHA-256 of its JSON in both languages and, for a week, of the blacklist frozen
// with it, which the same data always render to the same bytes. A review approves a digest;
// publishing needs the digest to be the same.
func (s *Service) Both(ctx context.Context, st store.Counter, p period.Period) (digest string, zh, en *bulletin.Bulletin, err error) {
	h := sha256.New()
	bs := make([]*bulletin.Bulletin, 2)
	var compose func(lang string) (*bulletin.Bulletin, error)
	if p.Kind == period.Week {
		data, history, err := bulletin.Load(ctx, st, p.Week(), s.Zone, s.options("zh", stats.Edition{}))
		if err != nil {
			return "", nil, nil, err
		}
		compose = func(lang string) (*bulletin.Bulletin, error) {
			return bulletin.Compose(data, history, s.options(lang, stats.Edition{}))
		}
	} else {
		data, err := bulletin.LoadPeriod(ctx, st, p, s.Zone, s.options("zh", stats.Edition{}))
		if err != nil {
			return "", nil, nil, err
		}
		compose = func(lang string) (*bulletin.Bulletin, error) {
			return bulletin.ComposePeriod(data, s.options(lang, stats.Edition{}))
		}
	}
	for i, lang := range []string{"zh", "en"} {
		if bs[i], err = compose(lang); err != nil {
			return "", nil, nil, err
		}
		if err := render.WriteJSON(h, bs[i]); err != nil {
			return "", nil, nil, err
		}
	}
	// A week's blacklist is frozen with it, so a review approves it too: data that would
	// change the list after the review change the digest.
	if src, ok := st.(blacklist.Source); ok && p.Kind == period.Week {
		_, end := p.Bounds(s.zone())
		l, err := blacklist.Build(ctx, src, end, 0, s.zone())
		if err != nil {
			return "", nil, nil, err
		}
		if err := json.NewEncoder(h).Encode(l); err != nil {
			return "", nil, nil, err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), bs[0], bs[1], nil
}

// Figures says how a rendering carries its figures.
type Figures struct {
	// PNG draws them as PNG (for editors that drop SVG) instead of SVG.
	PNG bool
	// Dir is where Markdown's figures are written as files, linked from the text by their
	// names under Dir's base name; empty keeps them as tables of their numbers.
	Dir string
}

// Render renders b in format f; a PDF is printed by Chromium under ctx.
func (s *Service) Render(ctx context.Context, b *bulletin.Bulletin, f render.Format, figs Figures) ([]byte, error) {
	opt := render.Options{Figures: chart.SVG}
	draw, ext := chart.SVG, "svg"
	if figs.PNG {
		opt.PNG, draw, ext = chart.PNG, chart.PNG, "png"
	}
	var buf bytes.Buffer
	switch f {
	case render.JSON:
		if err := render.WriteJSON(&buf, b); err != nil {
			return nil, err
		}
	case render.HTML, render.PDF:
		warnings, err := render.WriteHTML(&buf, b, opt)
		if len(warnings) > 0 {
			s.warn(fmt.Errorf("%w (%d figure(s) shown as tables)", warnings[0], len(warnings)))
		}
		if err != nil {
			return nil, err
		}
		if f == render.PDF {
			return s.PDF(ctx, buf.Bytes())
		}
	case render.Markdown:
		if figs.Dir != "" {
			links, err := s.writeFigures(b, figs.Dir, draw, ext)
			if err != nil {
				return nil, err
			}
			opt.FigureLinks = links
		}
		if err := render.WriteMarkdown(&buf, b, opt); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown format %s", f)
	}
	return buf.Bytes(), nil
}

// writeFigures draws b's figures into dir and returns the links to them. A figure that cannot
// be drawn (no font, no data points) stays a table of its numbers, and Warn is told why; the
// others are drawn all the same.
func (s *Service) writeFigures(b *bulletin.Bulletin, dir string, draw func(bulletin.Figure) ([]byte, error), ext string) (map[int]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	links := map[int]string{}
	for _, fig := range b.Figures {
		img, err := draw(fig)
		if err != nil {
			s.warn(fmt.Errorf("figure %d is shown as a table: %w", fig.Number, err))
			continue
		}
		name := fmt.Sprintf("figure%d.%s", fig.Number, ext)
		if err := os.WriteFile(filepath.Join(dir, name), img, 0o644); err != nil {
			return nil, err
		}
		links[fig.Number] = filepath.Base(dir) + "/" + name
	}
	return links, nil
}

func (s *Service) warn(err error) {
	if s.Warn != nil {
		s.Warn(err)
	}
}

// PDF prints an HTML page to PDF under ctx. Its temporary directory is one that a later run
// removes should this one die before it does.
func (s *Service) PDF(ctx context.Context, page []byte) ([]byte, error) {
	bin, err := render.Browser(s.Chromium)
	if err != nil {
		return nil, err
	}
	dir, err := render.TempDir(render.PublishTempPrefix)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "bulletin.pdf")
	if err := render.PrintPDF(ctx, bin, page, out); err != nil {
		return nil, err
	}
	return os.ReadFile(out)
}
