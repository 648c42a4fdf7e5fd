// Package bulletin turns a week's statistics into one issue of the bulletin as data: the
// title, the sections in order with their sentences in the house style, the figures with the
// numbers they plot, the highlights and the links to the previous issues. Renderers
// (internal/render) only lay it out; every number and sentence is decided here.
package bulletin

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// Options shape an issue.
type Options struct {
	Lang string // "zh" (default) or "en"
	Org  string // the CERT that speaks in the sentences; default "CNCERT"
	// Issuer is the name the issue is published under, in full ("国家互联网应急中心CNCERT");
	// default Org.
	Issuer string
	// Closing is the note that ends the issue ("关于…"), as the CERT writes it: a heading and
	// its paragraphs; nil ends it with the previous issues.
	Closing *Closing
	History int // weeks in the trend figure and the high/low highlights; default 12
	Recent  int // previous issues listed; default 5
	// Link returns the address of an issue; default "/bulletins/2024-W09".
	Link func(w week.Week) string
	// PeriodLink returns the address of a month's, a quarter's or a year's issue; default
	// "/bulletins/2024-02".
	PeriodLink func(p period.Period) string
	// Names are the English names of organisations; nil is the table sitrep ships.
	Names Names
	// Blacklist is who publishes the malicious addresses the CERT finds as a blacklist on its
	// website ("ANVA"); the issue says so after the malware download sites. Empty: no one.
	Blacklist string
	// Style is the issue's form: StyleCharts (default) or StyleInfographic.
	Style string
	// Policy rates the week; nil is the policy sitrep ships.
	Policy *assess.Policy
	// Edition is what the issue may draw on and the label it carries; the zero Edition is
	// the policy's public one.
	Edition stats.Edition
}

func (o *Options) defaults() {
	if o.Lang == "" {
		o.Lang = "zh"
	}
	if o.Org == "" {
		o.Org = "CNCERT"
	}
	if o.History <= 1 {
		o.History = 12
	}
	if o.Recent <= 0 {
		o.Recent = 5
	}
	if o.Link == nil {
		o.Link = func(w week.Week) string { return "/bulletins/" + w.String() }
	}
	if o.PeriodLink == nil {
		o.PeriodLink = func(p period.Period) string { return "/bulletins/" + p.String() }
	}
	if o.Policy == nil {
		o.Policy = assess.Default()
	}
	if o.Edition.TLP == "" {
		o.Edition = stats.Public(o.Policy)
	}
}

// Bulletin is one issue in one language.
type Bulletin struct {
	Lang string `json:"lang"`
	// Week is a weekly issue's ISO week; Period the month, quarter or year of another
	// edition's issue (2024-02, 2024-Q1, 2024), whose Edition says which.
	Week    string `json:"week,omitempty"`
	Period  string `json:"period,omitempty"`
	Edition string `json:"edition,omitempty"`
	Year    int    `json:"year"`
	Number  int    `json:"number"`
	Title   string `json:"title"`
	Issuer  string `json:"issuer"`
	// Date is the day the issue was published, or for a draft the day it was reviewed; empty
	// for a draft not reviewed yet. It is set when the issue is shown (issue.Dated), not
	// composed, so a review's digest does not cover it.
	Date string `json:"date,omitempty"`
	// Correction says, in a corrected revision, when and why the issue was corrected; set
	// when the correction is published, like Date.
	Correction string `json:"correction,omitempty"`
	// Style is the issue's form; empty is StyleCharts.
	Style string `json:"style,omitempty"`
	// Banner is the first line of an internal edition, which says what it may not be used
	// for; empty for a public one.
	Banner string `json:"banner,omitempty"`
	// Words are the fixed words its renderings need.
	Words      Words       `json:"words"`
	Start      string      `json:"start"`
	End        string      `json:"end"`
	TLP        string      `json:"tlp"`
	Highlights []string    `json:"highlights"`
	Sections   []Section   `json:"sections"`
	Recent     []Ref       `json:"recent"`
	Figures    []Figure    `json:"figures"`
	History    []WeekCount `json:"history"`
	Stats      *stats.Week `json:"stats,omitempty"`
	// PeriodStats are the statistics of a month's, a quarter's or a year's issue.
	PeriodStats *stats.Period `json:"period_stats,omitempty"`
	// Warnings are for the editor who reviews the issue, not part of it.
	Warnings []Warning `json:"-"`
}

// Key is what identifies the referred issue in the archive: its week or its period.
func (r Ref) Key() string { return cmp.Or(r.Week, r.Period) }

// Key is what identifies the issue in the archive: its week (2024-W09) or its period (2024-02).
func (b *Bulletin) Key() string { return cmp.Or(b.Week, b.Period) }

// NoData reports whether nothing at all was recorded for the issue's span.
func (b *Bulletin) NoData() bool {
	if b.Stats != nil {
		return b.Stats.Rating.NoData
	}
	return b.PeriodStats != nil && b.PeriodStats.Events == 0 && b.PeriodStats.Figure("vulnerabilities.total").Value == 0 &&
		b.PeriodStats.Figure("incidents.handled").Value == 0 && b.PeriodStats.Figure("incidents.opened").Value == 0
}

// Internal reports whether the issue is an internal edition: labelled other than TLP:CLEAR.
func (b *Bulletin) Internal() bool { return b.TLP != "" && b.TLP != "CLEAR" }

// Section is one numbered part of the issue.
type Section struct {
	ID         string   `json:"id"`
	Heading    string   `json:"heading"`
	Paragraphs []string `json:"paragraphs"`
	Figures    []int    `json:"figures"` // numbers of the figures shown after the paragraphs
	NoData     bool     `json:"no_data"` // nothing was measured for this section this week
	// Sub marks a section within the one before (4.1 of the monthly form).
	Sub bool `json:"sub,omitempty"`
}

// Ref is a link to another issue.
type Ref struct {
	Week string `json:"week,omitempty"`
	// Period is a month's, a quarter's or a year's issue's (2024-01), in place of Week.
	Period string `json:"period,omitempty"`
	Title  string `json:"title"`
	Href   string `json:"href"`
}

// WeekCount is one week of the headline series.
type WeekCount struct {
	Week string `json:"week"`
	store.Headline
}

// Build computes the statistics of w and composes the issue.
func Build(ctx context.Context, c store.Counter, w week.Week, loc *time.Location, opt Options) (*Bulletin, error) {
	s, history, err := Load(ctx, c, w, loc, opt)
	if err != nil {
		return nil, err
	}
	return Compose(s, history, opt)
}

// Load computes what an issue of w is made of in any language: the week's statistics and the
// headline series of the opt.History weeks up to it. Compose it once per language.
func Load(ctx context.Context, c store.Counter, w week.Week, loc *time.Location, opt Options) (*stats.Week, []WeekCount, error) {
	opt.defaults()
	s, err := stats.Compute(ctx, c, w, stats.Options{Zone: loc, Policy: opt.Policy, Edition: opt.Edition})
	if err != nil {
		return nil, nil, err
	}
	first := w.Add(1 - opt.History)
	bounds := make([]time.Time, 0, opt.History+1)
	for i := 0; i <= opt.History; i++ {
		from, _ := first.Add(i).Bounds(loc)
		bounds = append(bounds, from)
	}
	hist, err := c.History(ctx, bounds, opt.Edition.Scope)
	if err != nil {
		return nil, nil, err
	}
	history := make([]WeekCount, len(hist))
	for i, h := range hist {
		history[i] = WeekCount{Week: first.Add(i).String(), Headline: h}
	}
	return s, history, nil
}

// Compose writes the issue for statistics already computed, with the headline series of the
// weeks up to and including the issue's week, oldest first.
func Compose(s *stats.Week, history []WeekCount, opt Options) (*Bulletin, error) {
	opt.defaults()
	w, err := week.Parse(s.Week)
	if err != nil {
		return nil, err
	}
	v := voice{org: opt.Org, pol: opt.Policy, names: opt.Names, blacklist: opt.Blacklist}
	t, err := book(opt.Lang, v)
	if err != nil {
		return nil, err
	}
	b := &Bulletin{
		Lang: opt.Lang, Week: s.Week, Year: s.Issue.Year, Number: s.Issue.Number, Issuer: cmp.Or(opt.Issuer, opt.Org),
		Title: t.title(w), Words: t.words(), Start: s.Start, End: s.End, TLP: string(s.TLP),
		History: history, Stats: s,
	}
	if b.Internal() {
		b.Banner = b.Words.InternalBanner(b.TLP)
	}
	for i := 1; i <= opt.Recent; i++ {
		p := w.Add(-i)
		b.Recent = append(b.Recent, Ref{Week: p.String(), Title: t.title(p), Href: opt.Link(p)})
	}
	p := planIssue(s, v)
	switch opt.Style {
	case "", StyleCharts:
		b.Figures = figures(s, history, t)
		b.Sections = p.sections(t, b.Figures)
	case StyleInfographic:
		// The situation in words, the cards, then the incidents in words, as the 2021–
		// issues are laid out.
		b.Style = StyleInfographic
		b.Figures = cards(s, history, p, t, v)
		all := p.sections(t, nil)
		overview, incidents := all[0], all[4]
		overview.Figures = []int{1, 2, 3, 4, 5}
		incidents.Figures = nil
		b.Sections = []Section{overview, incidents}
	default:
		return nil, fmt.Errorf("style %q: sitrep lays issues out as %s or %s", opt.Style, StyleCharts, StyleInfographic)
	}
	if c := opt.Closing; c != nil {
		b.Sections = append(b.Sections, Section{ID: SecClosing, Heading: c.Heading, Paragraphs: c.Paragraphs})
	}
	b.Highlights = highlights(s, history, t, v)
	b.Warnings = warnings(s, history, v)
	return b, nil
}
