package issue

import (
	"context"
	"errors"
	"strings"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/store"
)

// Links of an issue. An issue is composed with its site addresses (SiteLink), and that is
// what a review's digest covers; before it is shown or written, its 近期回顾 is pointed at what
// a reader can open: on the site, only issues that are published; in a file, the same issues
// at absolute addresses under the site's base URL, or at nothing when no base is configured —
// never a path that a PDF viewer would take for a local file.

// ShowDraft readies a draft issue for a reader, as Publish readies a published one: its
// previous issues relinked (see Relink for base) and the day of its latest review as its date,
// the date it would be published under; a draft not reviewed yet stays without a date.
func (s *Service) ShowDraft(ctx context.Context, st store.Archive, b *bulletin.Bulletin, base string) error {
	published, err := PublishedWeeks(ctx, st)
	if err != nil {
		return err
	}
	Relink(b, published, base)
	r, err := st.LatestReview(ctx, b.Key())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	}
	b.Date = r.ReviewedAt.In(s.zone()).Format(time.DateOnly)
	return nil
}

func (s *Service) zone() *time.Location {
	if s.Zone == nil {
		return time.UTC
	}
	return s.Zone
}

// PublishedWeeks returns the weeks whose issues the archive holds.
func PublishedWeeks(ctx context.Context, st store.Archive) (map[string]bool, error) {
	rs, err := st.PublishedIssues(ctx, "zh", "html", 0)
	if err != nil {
		return nil, err
	}
	weeks := make(map[string]bool, len(rs))
	for _, r := range rs {
		weeks[r.Week] = true
	}
	return weeks, nil
}

// Relink points b's previous issues at base plus their site address where they are published
// and at nothing where they are not. With base "", site addresses stay relative (pages the site
// serves); a file needs an absolute base, or "-" for no links at all.
func Relink(b *bulletin.Bulletin, published map[string]bool, base string) {
	base = strings.TrimRight(base, "/")
	for i, r := range b.Recent {
		switch {
		case base == "-" || !published[r.Key()] || r.Href == "":
			b.Recent[i].Href = ""
		case strings.HasPrefix(r.Href, "/"):
			b.Recent[i].Href = base + r.Href
		}
	}
}
