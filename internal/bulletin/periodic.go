package bulletin

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/store"
)

// Editions of the bulletin, by the span an issue covers.
const (
	Weekly    = "weekly"
	Monthly   = "monthly"
	Quarterly = "quarterly"
	Annual    = "annual"
)

// EditionOf names the edition of a period's issues.
func EditionOf(k period.Kind) string {
	switch k {
	case period.Month:
		return Monthly
	case period.Quarter:
		return Quarterly
	case period.Year:
		return Annual
	}
	return Weekly
}

// Section IDs of the monthly form (《网络安全监测数据分析》), which quarters and years follow,
// and of the parts only a year has.
const (
	SecPOverview     = "p-overview"        // 1 网络安全基本态势
	SecPBasic        = "p-basic"           // 2 基础网络安全
	SecPCritical     = "p-critical"        // 3 关键信息基础设施安全
	SecPPublic       = "p-public"          // 4 公共网络环境安全
	SecPMalware      = "p-malware"         // 4.1 恶意代码活动
	SecPWebsites     = "p-websites"        // 4.2 网站安全
	SecPVulns        = "p-vulnerabilities" // 4.3 安全漏洞
	SecPIncidents    = "p-incidents"       // 4.4 网络安全事件处理
	SecPProvinces    = "p-provinces"       // a year: where the infected hosts are
	SecPTargets      = "p-targets"         // a year: whom the phishing pages impersonate
	SecPFamilies     = "p-families"        // a year: the malware families of its infected hosts
	SecPHighest      = "p-highest"         // a year: its highest weeks
	SecPDistribution = "p-distribution"    // a year: incidents by source and partner
)

// Figure IDs of a period's issue.
const (
	FigPTrojan     = "p-trojan-hosts"
	FigPDefaced    = "p-defaced"
	FigPBackdoored = "p-backdoored"
	FigPPhishing   = "p-phishing"
	FigPVulns      = "p-vulnerabilities"
	FigPIncidents  = "p-incidents"
	FigPTypes      = "p-incidents-by-type"
	FigPProvinces  = "p-provinces"
)

// BuildPeriod computes the statistics of a month, a quarter or a year and composes its issue.
func BuildPeriod(ctx context.Context, c store.Counter, p period.Period, loc *time.Location, opt Options) (*Bulletin, error) {
	s, err := LoadPeriod(ctx, c, p, loc, opt)
	if err != nil {
		return nil, err
	}
	return ComposePeriod(s, opt)
}

// LoadPeriod computes what a period's issue is made of in any language.
func LoadPeriod(ctx context.Context, c store.Counter, p period.Period, loc *time.Location, opt Options) (*stats.Period, error) {
	opt.defaults()
	if p.Kind == period.Week {
		return nil, fmt.Errorf("%s is a week: its issue is the weekly bulletin", p)
	}
	return stats.ComputePeriod(ctx, c, p, stats.Options{Zone: loc, Policy: opt.Policy, Edition: opt.Edition})
}

// pdelta is how a period's count moved: on the period before, and on the same period a year
// earlier where the store holds data of it.
type pdelta struct {
	delta
	ago *delta
}

func newPDelta(f stats.Figure, v voice) pdelta {
	d := pdelta{delta: newDelta(f.Value, f.Prev, v)}
	if f.YearAgo != nil {
		a := newDelta(f.Value, *f.YearAgo, v)
		d.ago = &a
	}
	return d
}

// periodPlan is what a period's issue says, in no language.
type periodPlan struct {
	p       period.Period
	noData  bool
	level   string // "" where the period is not rated
	impact  map[string]int
	compare bool // the period before has data to compare with
	rose    []string
	fell    []string
	flat    []string

	govDefaced, govBackdoored  pdelta
	govDefacedPct, govBackPct  *stats.Tenths
	vulnIncidents              int
	hosts, conficker, domains  pdelta
	provinces                  []string
	ccServers                  int
	defaced, backdoored, pages pdelta
	targets                    []string
	vulns                      pdelta
	high, exploited            int
	gathered                   bool // some vulnerability records are not CNVD's
	handled                    pdelta
	types                      []typeShare
	series                     []string // the series' periods, first and last
	// covered is the days the monitoring data covers of a period it covers only part of (an
	// empty First: none of it); nil where it covers the whole period.
	covered                      *stats.Days
	hasHosts, hasSites, hasVulns bool
	// empty says of each section that nothing was recorded for it: it says so, and only that.
	empty        map[string]bool
	hasIncidents bool
	// A year's own parts.
	topProvinces []store.NameCount
	topTargets   []store.NameCount
	families     []store.NameCount
	sources      []store.NameCount
	partners     []store.NameCount
	partnerNames []store.NameCount
	highest      []highestWeek
}

// typeShare is one incident type's count and share of the incidents handled.
type typeShare struct {
	typ   string
	n     int
	share stats.Tenths
}

// highestWeek is the week a headline count peaked in a year.
type highestWeek struct {
	metric string
	week   string
	n      int
}

// movedMetrics are the counts the overview says moved, in the order of the monthly form.
var movedMetrics = []string{"infected_hosts.trojan_botnet", "infected_hosts.conficker", "defaced.total", "defaced.gov",
	"backdoored.total", "backdoored.gov", "phishing.pages", "vulnerabilities.total", "incidents.handled"}

func planPeriod(s *stats.Period, v voice) periodPlan {
	p, _ := period.Parse(s.Period)
	pp := periodPlan{p: p, compare: true}
	f := func(m string) pdelta { return newPDelta(s.Figure(m), v) }
	if s.Rating != nil {
		pp.noData = s.Rating.NoData
		if !pp.noData {
			pp.level = s.Rating.Level
		}
	} else {
		pp.noData = s.Events == 0 && s.Figure("vulnerabilities.total").Value == 0 && s.Figure("incidents.handled").Value == 0
	}
	pp.impact = s.Incidents.ByImpact
	prevAny := false
	for _, fig := range s.Figures {
		if fig.Prev > 0 {
			prevAny = true
		}
	}
	pp.covered = s.Covered
	pp.compare = prevAny && !s.PrevPartial && s.Covered == nil
	if !pp.compare {
		f = func(m string) pdelta {
			d := newPDelta(s.Figure(m), v)
			d.unmeasured, d.pct, d.thin = true, nil, false // nothing to compare with
			return d
		}
	}
	if pp.compare {
		for _, m := range movedMetrics {
			fig := s.Figure(m)
			switch {
			case fig.Value == 0 && fig.Prev == 0:
			case fig.Value > fig.Prev:
				pp.rose = append(pp.rose, m)
			case fig.Value < fig.Prev:
				pp.fell = append(pp.fell, m)
			default:
				pp.flat = append(pp.flat, m)
			}
		}
	}
	pp.govDefaced, pp.govBackdoored = f("defaced.gov"), f("backdoored.gov")
	pp.govDefacedPct, pp.govBackPct = s.DefacedGovPct, s.BackdooredGovPct
	pp.vulnIncidents = s.Incidents.ByType["vulnerability"]
	pp.hosts, pp.conficker, pp.domains = f("infected_hosts.trojan_botnet"), f("infected_hosts.conficker"), f("malware_sites.domains")
	pp.provinces = topNames(s.TopProvinces, 3)
	pp.ccServers = s.Figure("beyond_bulletin.botnet_cc_servers").Value
	pp.defaced, pp.backdoored, pp.pages = f("defaced.total"), f("backdoored.total"), f("phishing.pages")
	pp.targets = topNames(s.PhishingTargets, 3)
	pp.vulns = f("vulnerabilities.total")
	pp.high, pp.exploited = s.Figure("vulnerabilities.high").Value, s.Figure("vulnerabilities.known_exploited").Value
	pp.gathered = s.NotCNVD > 0
	pp.handled = f("incidents.handled")
	types := sortedKeys(s.Incidents.ByType)
	if i := slices.Index(types, "other"); i >= 0 { // "other" comes last, whatever its count
		types = append(slices.Delete(types, i, i+1), "other")
	}
	for _, t := range types {
		n := s.Incidents.ByType[t]
		sh := stats.Share(n, pp.handled.cur)
		if sh == nil {
			continue
		}
		pp.types = append(pp.types, typeShare{typ: t, n: n, share: *sh})
	}
	if len(s.Series) > 0 {
		pp.series = []string{s.Series[0].Period, s.Series[len(s.Series)-1].Period}
	}
	pp.empty = map[string]bool{
		SecPOverview: pp.noData, SecPBasic: pp.noData, SecPPublic: pp.noData,
		SecPCritical:  pp.defaced.cur+pp.defaced.prev+pp.backdoored.cur+pp.backdoored.prev == 0 && pp.vulnIncidents == 0,
		SecPMalware:   pp.hosts.cur+pp.hosts.prev == 0 && pp.ccServers == 0 && pp.conficker.cur+pp.conficker.prev == 0 && pp.domains.cur == 0,
		SecPWebsites:  pp.defaced.cur+pp.defaced.prev+pp.backdoored.cur+pp.backdoored.prev+pp.pages.cur+pp.pages.prev == 0,
		SecPVulns:     pp.vulns.cur+pp.vulns.prev == 0,
		SecPIncidents: pp.handled.cur+pp.handled.prev == 0,
	}
	pp.hasHosts = pp.hosts.cur+pp.conficker.cur > 0
	pp.hasSites = pp.defaced.cur+pp.backdoored.cur+pp.pages.cur > 0
	pp.hasVulns = pp.vulns.cur > 0
	pp.hasIncidents = pp.handled.cur > 0
	if p.Kind == period.Year {
		for _, nc := range s.TopProvinces {
			if nc.Count > 0 {
				pp.topProvinces = append(pp.topProvinces, nc)
			}
		}
		pp.topTargets = s.PhishingTargets
		pp.sources = ranked(s.Incidents.BySource)
		pp.partners = ranked(s.Incidents.ByPartnerKind)
		pp.families = s.Families
		for _, nc := range ranked(s.Incidents.ByPartner) {
			if nc.Name != "" && len(pp.partnerNames) < 5 { // "": partners the edition may not name
				pp.partnerNames = append(pp.partnerNames, nc)
			}
		}
		pp.highest = highestWeeks(s.Weeks)
	}
	return pp
}

// ranked orders a count map most first, then by name.
func ranked(m map[string]int) []store.NameCount {
	var out []store.NameCount
	for _, k := range sortedKeys(m) {
		if m[k] > 0 {
			out = append(out, store.NameCount{Name: k, Count: m[k]})
		}
	}
	return out
}

// highestWeeks finds the week each headline count peaked in (the first of equal weeks);
// counts that stayed at nothing have none.
func highestWeeks(weeks []stats.Count) []highestWeek {
	var out []highestWeek
	for _, m := range yearPeaks {
		best := highestWeek{metric: m.metric}
		for _, w := range weeks {
			if n := m.of(w.Headline); n > best.n {
				best.week, best.n = w.Period, n
			}
		}
		if best.n > 0 {
			out = append(out, best)
		}
	}
	return out
}

var yearPeaks = []struct {
	metric string
	of     func(h store.Headline) int
}{
	{"infected_hosts.trojan_botnet", func(h store.Headline) int { return h.TrojanBotnet }},
	{"defaced.total", func(h store.Headline) int { return h.Defaced }},
	{"backdoored.total", func(h store.Headline) int { return h.Backdoored }},
	{"phishing.pages", func(h store.Headline) int { return h.PhishingPages }},
	{"vulnerabilities.total", func(h store.Headline) int { return h.Vulns }},
	{"incidents.handled", func(h store.Headline) int { return h.Incidents }},
}

// periodBook words a period's plan in one language.
type periodBook interface {
	periodTitle(p period.Period) string
	periodLabel(p period.Period) string // a month in a figure's axis: "2024.2", "Feb 2024"
	periodHeading(id string, p period.Period) string
	periodCaption(id string, p period.Period) string
	periodWords(p period.Period) Words

	pOverview(pp periodPlan) []string
	pBasic(pp periodPlan) []string
	pCritical(pp periodPlan) []string
	pPublic(pp periodPlan) []string
	pMalware(pp periodPlan, fig int) []string
	pWebsites(pp periodPlan, figs [3]int) []string
	pVulns(pp periodPlan, fig int) []string
	pIncidents(pp periodPlan, figs [2]int) []string
	pProvinces(pp periodPlan, fig int) []string
	pTargets(pp periodPlan) []string
	pFamilies(pp periodPlan) []string
	pDistribution(pp periodPlan) []string
	pHighest(pp periodPlan) []string

	label(key string) string
	incidentType(t string) string
	province(name string) string
}

// ComposePeriod writes a period's issue for statistics already computed.
func ComposePeriod(s *stats.Period, opt Options) (*Bulletin, error) {
	opt.defaults()
	p, err := period.Parse(s.Period)
	if err != nil {
		return nil, err
	}
	if p.Kind == period.Week {
		return nil, fmt.Errorf("%s is a week: its issue is the weekly bulletin", p)
	}
	v := voice{org: opt.Org, pol: opt.Policy, names: opt.Names, blacklist: opt.Blacklist}
	t, err := book(opt.Lang, v)
	if err != nil {
		return nil, err
	}
	pb := t.(periodBook)
	b := &Bulletin{
		Lang: opt.Lang, Period: s.Period, Edition: EditionOf(p.Kind), Year: p.Year, Number: p.N,
		Issuer: cmp.Or(opt.Issuer, opt.Org), Title: pb.periodTitle(p), Words: pb.periodWords(p),
		Start: s.Start, End: s.End, TLP: string(s.TLP), PeriodStats: s,
	}
	if b.Internal() {
		b.Banner = b.Words.InternalBanner(b.TLP)
	}
	recent := opt.Recent
	if p.Kind == period.Year {
		recent = min(recent, 3)
	}
	for i := 1; i <= recent; i++ {
		q := p.Add(-i)
		b.Recent = append(b.Recent, Ref{Period: q.String(), Title: pb.periodTitle(q), Href: opt.PeriodLink(q)})
	}
	pp := planPeriod(s, v)
	b.Figures = periodFigures(s, pp, pb)
	num := func(id string) int { return figureNumber(b.Figures, id) }
	b.Sections = []Section{
		{ID: SecPOverview, Paragraphs: pb.pOverview(pp)},
		{ID: SecPBasic, Paragraphs: pb.pBasic(pp)},
		{ID: SecPCritical, Paragraphs: pb.pCritical(pp)},
		{ID: SecPPublic, Paragraphs: pb.pPublic(pp)},
		{ID: SecPMalware, Sub: true, Paragraphs: pb.pMalware(pp, num(FigPTrojan)), Figures: []int{num(FigPTrojan)}},
		{ID: SecPWebsites, Sub: true, Paragraphs: pb.pWebsites(pp, [3]int{num(FigPDefaced), num(FigPBackdoored), num(FigPPhishing)}),
			Figures: []int{num(FigPDefaced), num(FigPBackdoored), num(FigPPhishing)}},
		{ID: SecPVulns, Sub: true, Paragraphs: pb.pVulns(pp, num(FigPVulns)), Figures: []int{num(FigPVulns)}},
		{ID: SecPIncidents, Sub: true, Paragraphs: pb.pIncidents(pp, [2]int{num(FigPIncidents), num(FigPTypes)}), Figures: []int{num(FigPIncidents), num(FigPTypes)}},
	}
	if p.Kind == period.Year {
		b.Sections = append(b.Sections,
			Section{ID: SecPProvinces, Paragraphs: pb.pProvinces(pp, num(FigPProvinces)), Figures: []int{num(FigPProvinces)}},
			Section{ID: SecPFamilies, Paragraphs: pb.pFamilies(pp)},
			Section{ID: SecPTargets, Paragraphs: pb.pTargets(pp)},
			Section{ID: SecPDistribution, Paragraphs: pb.pDistribution(pp)},
			Section{ID: SecPHighest, Paragraphs: pb.pHighest(pp)},
		)
	}
	for i := range b.Sections {
		sec := &b.Sections[i]
		sec.Heading = pb.periodHeading(sec.ID, p)
		sec.Figures = slices.DeleteFunc(sec.Figures, func(n int) bool { return n == 0 })
		if len(sec.Paragraphs) == 0 || pp.empty[sec.ID] {
			sec.NoData = true
		}
	}
	if c := opt.Closing; c != nil {
		b.Sections = append(b.Sections, Section{ID: SecClosing, Heading: c.Heading, Paragraphs: c.Paragraphs})
	}
	b.Warnings = periodWarnings(s, v)
	return b, nil
}

// periodFigures draws the series of the period's headlines: twelve months up to a month, eight
// quarters up to a quarter, the months of a year; a year also ranks its provinces.
func periodFigures(s *stats.Period, pp periodPlan, t periodBook) []Figure {
	var labels []string
	var trojan, defaced, backdoored, pages, high, other, handled []int
	for _, c := range s.Series {
		q, _ := period.Parse(c.Period)
		labels = append(labels, t.periodLabel(q))
		trojan = append(trojan, c.TrojanBotnet)
		defaced = append(defaced, c.Defaced)
		backdoored = append(backdoored, c.Backdoored)
		pages = append(pages, c.PhishingPages)
		high = append(high, c.HighVulns)
		other = append(other, c.Vulns-c.HighVulns)
		handled = append(handled, c.Incidents)
	}
	bars := func(id, unit, name string, values []int) Figure {
		return Figure{ID: id, Kind: "bars", Unit: t.label(unit), Labels: labels, Series: []Series{{Name: t.label(name), Values: values}}}
	}
	var typeLabels []string
	var typeValues []int
	for _, ts := range pp.types {
		typeLabels = append(typeLabels, t.incidentType(ts.typ))
		typeValues = append(typeValues, ts.n)
	}
	figs := []Figure{
		bars(FigPTrojan, "unit_hosts", "trojan", trojan),
		bars(FigPDefaced, "unit_sites", "defaced", defaced),
		bars(FigPBackdoored, "unit_sites", "backdoored", backdoored),
		bars(FigPPhishing, "unit_pages", "phishing", pages),
		{ID: FigPVulns, Kind: "stacked", Unit: t.label("unit_vulns"), Labels: labels, Series: []Series{
			{Name: t.label("high"), Values: high}, {Name: t.label("not_high"), Values: other}}},
		bars(FigPIncidents, "unit_incidents", "incidents", handled),
		{ID: FigPTypes, Kind: "hbars", Unit: t.label("unit_incidents"), Labels: typeLabels, Series: []Series{{Name: t.label("incidents"), Values: typeValues}}},
	}
	if pp.p.Kind == period.Year {
		var names []string
		var counts []int
		for _, nc := range pp.topProvinces {
			names = append(names, t.province(nc.Name))
			counts = append(counts, nc.Count)
		}
		figs = append(figs, Figure{ID: FigPProvinces, Kind: "hbars", Unit: t.label("unit_hosts"), Labels: names,
			Series: []Series{{Name: t.label("trojan"), Values: counts}}})
	}
	// A figure with nothing to plot (no incident types, a series of zeros) is left out, and
	// the sentences do not refer to it.
	figs = slices.DeleteFunc(figs, func(f Figure) bool {
		for _, s := range f.Series {
			for _, v := range s.Values {
				if v != 0 {
					return false
				}
			}
		}
		return true
	})
	for i := range figs {
		figs[i].Number = i + 1
		figs[i].Caption = t.periodCaption(figs[i].ID, pp.p)
	}
	return figs
}

// periodWarnings tells the editor of changes beyond the policy's bound, as a week's do.
func periodWarnings(s *stats.Period, v voice) []Warning {
	pol := v.policy()
	var out []Warning
	for _, m := range movedMetrics {
		f := s.Figure(m)
		if f.PrevPct == nil || v.plausible(f.PrevPct) {
			continue
		}
		out = append(out, Warning{Metric: m, Value: f.Value, Prev: f.Prev, Change: *f.PrevPct,
			ZH: fmt.Sprintf("%s由%s的%d变为%d（%s%%），超出合理变化幅度（±%g%%，策略 changes.max_change_pct）：写出两期的数字，不写百分比；请核对%[2]s的数据是否完整",
				m, s.Prev, f.Prev, f.Value, signed(*f.PrevPct), pol.Changes.MaxPct),
			EN: fmt.Sprintf("%s went from %d in %s to %d (%s%%), beyond the plausible change (±%g%%, policy changes.max_change_pct): the issue states both numbers, not the percentage; check that %[3]s's data is complete",
				m, f.Prev, s.Prev, f.Value, signed(*f.PrevPct), pol.Changes.MaxPct),
		})
	}
	// The names the English edition prints: the phishing targets it ranks, and a year's
	// incident sources.
	named := map[string]string{}
	for _, nc := range s.PhishingTargets {
		named[nc.Name] = "phishing_targets"
	}
	if s.Kind == "year" {
		for name := range s.Incidents.BySource {
			named[name] = "incidents.by_source"
		}
		for _, nc := range ranked(s.Incidents.ByPartner)[:min(5, len(ranked(s.Incidents.ByPartner)))] {
			named[nc.Name] = "incidents.by_partner"
		}
		delete(named, "") // records the edition may not name from
	}
	for _, name := range slices.Sorted(maps.Keys(named)) {
		if _, ok := v.nameTable().english(name); !ok {
			out = append(out, Warning{Metric: named[name],
				ZH: fmt.Sprintf("英文版没有“%s”的英文名称，只能照印中文：请在机构名称表（SITREP_NAMES）中补充", name),
				EN: fmt.Sprintf("the English edition has no English name for %q and would print it in Chinese: add it to the names table (SITREP_NAMES)", name),
			})
		}
	}
	return out
}
