package issue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sitrep/internal/blacklist"
	"sitrep/internal/bulletin"
	"sitrep/internal/period"
	"sitrep/internal/render"
	"sitrep/internal/store"
)

// PublishFormats are what a published issue keeps; PDF is added where Chromium is there.
var PublishFormats = []render.Format{render.HTML, render.Markdown, render.JSON}

// Reviewed is what a review approved: the digest of the issue as it read, and the warnings
// the editor was shown.
type Reviewed struct {
	Digest   string
	Warnings []bulletin.Warning
}

// Review records that who reviewed the period's public issue as it reads now, and returns the
// digest approved with the issue's warnings for the editor. The review of an issue already
// published is of its correction: the one a correction needs (Correct).
func (s *Service) Review(ctx context.Context, st Archive, w period.Period, who, note string) (Reviewed, error) {
	if err := s.over(w); err != nil {
		return Reviewed{}, err
	}
	digest, zh, _, err := s.Both(ctx, st, w)
	if err != nil {
		return Reviewed{}, err
	}
	r := Reviewed{Digest: digest, Warnings: zh.Warnings}
	return r, st.AddReview(ctx, store.Review{Week: w.String(), Digest: digest, Actor: who, ReviewedAt: time.Now(), Note: note})
}

// ErrNotOver refuses to review or publish the issue of a period that has not ended: its
// numbers would still grow.
var ErrNotOver = errors.New("has not ended yet")

// over checks that the period has ended in the bulletin's zone.
func (s *Service) over(p period.Period) error {
	if _, end := p.Bounds(s.zone()); time.Now().Before(end) {
		return fmt.Errorf("%s %w: it ends at %s", p, ErrNotOver, end.Format("2006-01-02 15:04 MST"))
	}
	return nil
}

// PublishOptions relax what publishing requires.
type PublishOptions struct {
	AllowEmpty    bool // publish a week for which nothing at all was recorded
	WithoutReview bool // publish without a current review (the audit log says so)
	NoPDF         bool // keep no PDF even where Chromium is there
	// Warn is told why there is no PDF; nil ignores it.
	Warn func(error)
}

// Publish renders the period's public issue in both languages and every format and freezes it,
// provided an editor reviewed it as it reads now (or opt says to go without). It returns how
// many renderings it kept.
func (s *Service) Publish(ctx context.Context, st Archive, w period.Period, who string, opt PublishOptions) (int, error) {
	if err := store.Unpublished(ctx, st, w.String()); err != nil {
		return 0, err
	}
	if err := s.over(w); err != nil {
		return 0, err
	}
	digest, zh, en, err := s.Both(ctx, st, w)
	if err != nil {
		return 0, err
	}
	if zh.NoData() && !opt.AllowEmpty {
		return 0, fmt.Errorf("%s: %w; ingest its data first, or publish it empty with --allow-empty", w, ErrEmpty)
	}
	if !opt.WithoutReview {
		rev, err := st.LatestReview(ctx, w.String())
		switch {
		case errors.Is(err, store.ErrNotFound):
			return 0, fmt.Errorf("%s %w: an editor runs sitrep review --%s %s first", w, ErrNotReviewed, w.Kind, w)
		case err != nil:
			return 0, err
		case rev.Digest != digest:
			return 0, fmt.Errorf("%s %w by %s on %s: review it again", w, ErrChanged, rev.Actor, rev.ReviewedAt.In(s.Zone).Format(time.DateTime))
		}
	} else {
		who += " (without review)"
	}
	rs, n, err := s.freeze(ctx, st, w, who, zh, en, opt, nil)
	if err != nil {
		return 0, err
	}
	if err := st.Publish(ctx, rs); err != nil {
		return 0, err
	}
	return n, nil
}

// Correct publishes a correction of a published issue: the issue rendered again from the data
// as they are now, every rendering, as a new revision that says when and why it was
// corrected. The earlier revisions stay as they were. It returns the new revision's number.
func (s *Service) Correct(ctx context.Context, st Archive, w period.Period, who, reason string, opt PublishOptions) (int, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return 0, errors.New("say why the issue is corrected")
	}
	vs, err := st.Revisions(ctx, w.String())
	if err != nil {
		return 0, err
	}
	if len(vs) == 0 {
		return 0, fmt.Errorf("%s is not published, so there is nothing to correct: publish it", w)
	}
	digest, zh, en, err := s.Both(ctx, st, w)
	if err != nil {
		return 0, err
	}
	if err := CorrectionReviewed(ctx, st, w, digest, vs[len(vs)-1]); err != nil && !opt.WithoutReview {
		return 0, err
	} else if err != nil {
		who += " (without review)"
	}
	now := time.Now().In(s.zone())
	rev := vs[len(vs)-1].Number + 1
	note := map[string]string{
		"zh": fmt.Sprintf("更正说明：本期于%d年%d月%d日更正（第%d版）。更正原因：%s", now.Year(), now.Month(), now.Day(), rev, strings.TrimRight(reason, "。.")+"。"),
		"en": fmt.Sprintf("Corrected on %s (revision %d): %s", now.Format("2 January 2006"), rev, strings.TrimRight(reason, "。.")+"."),
	}
	rs, _, err := s.freeze(ctx, st, w, who, zh, en, opt, note)
	if err != nil {
		return 0, err
	}
	return st.Correct(ctx, rs, reason)
}

// CorrectionReviewed checks that an editor reviewed the issue as it reads now (digest) after
// its latest revision was published: a correction is published only as an editor saw it.
func CorrectionReviewed(ctx context.Context, st Archive, w period.Period, digest string, latest store.Revision) error {
	rev, err := st.LatestReview(ctx, w.String())
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && !rev.ReviewedAt.After(latest.PublishedAt):
		return fmt.Errorf("%s: the correction %w: an editor reviews it first (sitrep review --%s %s)", w, ErrNotReviewed, w.Kind, w)
	case err != nil:
		return err
	case rev.Digest != digest:
		return fmt.Errorf("%s: the correction %w by %s: review it again", w, ErrChanged, rev.Actor)
	}
	return nil
}

// freeze renders the issue in both languages and every format, dated today and with the
// correction's note in each language where it is one, and its blacklist for a week; it
// returns the renderings and how many are the issue's own.
func (s *Service) freeze(ctx context.Context, st Archive, w period.Period, who string, zh, en *bulletin.Bulletin, opt PublishOptions, correction map[string]string) ([]store.Rendering, int, error) {
	formats := PublishFormats
	if _, err := render.Browser(s.Chromium); err == nil && !opt.NoPDF {
		formats = append(formats, render.PDF)
	} else if err != nil && opt.Warn != nil {
		opt.Warn(fmt.Errorf("no PDF: %w", err))
	}
	published, err := PublishedWeeks(ctx, st)
	if err != nil {
		return nil, 0, err
	}
	now := time.Now()
	var rs []store.Rendering
	for _, b := range []*bulletin.Bulletin{zh, en} {
		Relink(b, published, "")
		b.Date = now.In(s.zone()).Format(time.DateOnly)
		b.Correction = correction[b.Lang]
		for _, f := range formats {
			content, err := s.Render(ctx, b, f, Figures{})
			if err != nil {
				return nil, 0, err
			}
			rs = append(rs, store.Rendering{Week: w.String(), Lang: b.Lang, Format: string(f), Title: b.Title, Content: content, PublishedAt: now, Actor: who})
		}
	}
	n := len(rs)
	// A week's blacklist is frozen with it: what the public lists hold changes when a week is
	// published, not when data arrives, and never holds what no editor saw.
	if src, ok := st.(blacklist.Source); ok && w.Kind == period.Week {
		_, end := w.Bounds(s.zone())
		l, err := blacklist.Build(ctx, src, end, 0, s.zone())
		if err != nil {
			return nil, 0, err
		}
		body, err := json.Marshal(l)
		if err != nil {
			return nil, 0, err
		}
		rs = append(rs, store.Rendering{Week: w.String(), Format: blacklist.Format, Title: "blacklist", Content: body, PublishedAt: now, Actor: who})
	}
	return rs, n, nil
}
