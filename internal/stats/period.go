package stats

import (
	"context"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/period"
	"sitrep/internal/store"
)

// Period is the statistics of a month, a quarter or a year (or a week, in the same form),
// counted on its own by CONTRACT.md's definitions: distinct hosts and sites over the whole
// span, not a sum of its weeks. Each figure comes with the period before (环比) and, where the
// store holds data of it, the same period a year earlier (同比).
type Period struct {
	Period  string    `json:"period"`
	Kind    string    `json:"kind"`
	Label   string    `json:"label"`
	Start   string    `json:"start"`
	End     string    `json:"end"`
	Zone    string    `json:"zone"`
	TLP     event.TLP `json:"tlp"`
	Public  bool      `json:"public"`
	Prev    string    `json:"prev"`
	YearAgo string    `json:"year_ago,omitempty"` // the period a year earlier, where the store holds data of it
	Figures []Figure  `json:"figures"`
	// TopProvinces ranks the provinces by hosts controlled by trojans or botnets over the
	// period (named from the records the edition may name).
	TopProvinces []store.NameCount `json:"top_provinces"`
	Events       int               `json:"events"`
	// Rating is a month's level and why, by the policy's month table against the trailing
	// months; VulnLevel the vulnerability threat level. Quarters and years are not rated.
	Rating    *Rating `json:"rating,omitempty"`
	VulnLevel string  `json:"vuln_level,omitempty"`
	// DefacedGovPct and BackdooredGovPct are the GOV-class sites' shares of the defaced and
	// the backdoored domestic sites.
	DefacedGovPct    *Tenths `json:"defaced_gov_pct"`
	BackdooredGovPct *Tenths `json:"backdoored_gov_pct"`
	// PhishingTargets ranks the impersonated organisations by pages; Families the malware
	// families of the domestic infected hosts (Conficker apart) by distinct hosts.
	PhishingTargets []store.NameCount `json:"phishing_targets"`
	Families        []store.NameCount `json:"families"`
	// NotCNVD counts the vulnerability records CNVD did not number, as the weekly statistics'
	// vulnerabilities.not_cnvd.
	NotCNVD int `json:"vulnerabilities_not_cnvd"`
	// Incidents are the period's incidents closed, by type, source and partner kind.
	Incidents PeriodIncidents `json:"incidents"`
	// Series is the headline counts the edition's figures plot, oldest first: for a month the
	// twelve months up to it, for a quarter the eight quarters up to it, for a year its months.
	Series []Count `json:"series"`
	// Weeks is a year's ISO weeks (each counted whole, the first and the last running over
	// the year's ends), for its highest weeks; empty for other periods.
	Weeks []Count `json:"weeks,omitempty"`
	// Covered is the days of the period the store's monitoring data covers, where it covers
	// only part of it (the data begins after its first day or ends before its last): such a
	// period is neither rated nor compared. Nil where the data covers the whole period, or
	// where the store holds no events at all. PrevPartial and YearAgoPartial say the same of
	// the period before and the one a year earlier, which are then not compared with.
	Covered        *Days `json:"covered,omitempty"`
	PrevPartial    bool  `json:"prev_partial,omitempty"`
	YearAgoPartial bool  `json:"year_ago_partial,omitempty"`
}

// Days is a span of calendar days, first and last inclusive (2024-03-01).
type Days struct {
	First string `json:"first"`
	Last  string `json:"last"`
}

// coverage is the days the store's monitoring data covers, in the bulletin's zone; ok is false
// where the store holds no events.
type coverage struct {
	first, last time.Time // calendar days (UTC midnight), inclusive
	ok          bool
}

func (cv coverage) day(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// partial tells whether the data covers only part of q (or none of it, while covering
// other days), and the days of q it covers.
func (cv coverage) partial(q period.Period) (bool, *Days) {
	if !cv.ok {
		return false, nil
	}
	first, last := q.Days()
	if !cv.first.After(first) && !cv.last.Before(last) {
		return false, nil
	}
	from, to := first, last
	if cv.first.After(from) {
		from = cv.first
	}
	if cv.last.Before(to) {
		to = cv.last
	}
	if from.After(to) {
		return true, nil
	}
	return true, &Days{First: from.Format(time.DateOnly), Last: to.Format(time.DateOnly)}
}

// outside tells whether the data covers none of q.
func (cv coverage) outside(q period.Period) bool {
	first, last := q.Days()
	return cv.ok && (last.Before(cv.first) || first.After(cv.last))
}

// PeriodIncidents counts the incidents closed in a period.
type PeriodIncidents struct {
	ByType        map[string]int `json:"by_type"`
	BySource      map[string]int `json:"by_source"`
	ByPartnerKind map[string]int `json:"by_partner_kind"`
	ByPartner     map[string]int `json:"by_partner"`
	ByImpact      map[string]int `json:"by_impact"`
	CrossBorder   int            `json:"cross_border"`
}

// Count is one period's headline counts.
type Count struct {
	Period string `json:"period"`
	store.Headline
}

// Figure returns the figure of a metric (a zero Figure where the period has none).
func (s *Period) Figure(metric string) Figure {
	for _, f := range s.Figures {
		if f.Metric == metric {
			return f
		}
	}
	return Figure{Metric: metric}
}

// Figure is one count of a period with its comparisons.
type Figure struct {
	Metric     string  `json:"metric"` // as the weekly statistics name it: infected_hosts.total, …
	Value      int     `json:"value"`
	Prev       int     `json:"prev"`
	PrevPct    *Tenths `json:"prev_pct"` // 环比
	YearAgo    *int    `json:"year_ago,omitempty"`
	YearAgoPct *Tenths `json:"year_ago_pct,omitempty"` // 同比
}

// figures lists the counts a period's statistics give, in the order of the bulletin.
var figures = []struct {
	metric string
	of     func(c weekCounts) int
}{
	{"infected_hosts.total", func(c weekCounts) int { return c.events.TrojanBotnet + c.events.Conficker }},
	{"infected_hosts.trojan_botnet", func(c weekCounts) int { return c.events.TrojanBotnet }},
	{"infected_hosts.conficker", func(c weekCounts) int { return c.events.Conficker }},
	{"malware_sites.domains", func(c weekCounts) int { return c.events.MalwareDomains }},
	{"malware_sites.ips", func(c weekCounts) int { return c.events.MalwareIPs }},
	{"defaced.total", func(c weekCounts) int { return c.events.Defaced.Total }},
	{"defaced.gov", func(c weekCounts) int { return c.events.Defaced.Gov }},
	{"backdoored.total", func(c weekCounts) int { return c.events.Backdoored.Total }},
	{"backdoored.gov", func(c weekCounts) int { return c.events.Backdoored.Gov }},
	{"phishing.pages", func(c weekCounts) int { return c.events.PhishingPages }},
	{"phishing.domains", func(c weekCounts) int { return c.events.PhishingDomains }},
	{"phishing.ips", func(c weekCounts) int { return c.events.PhishingIPs }},
	{"ddos.events", func(c weekCounts) int { return c.events.DDoSEvents }},
	{"ddos.targets", func(c weekCounts) int { return c.events.DDoSTargets }},
	{"vulnerabilities.total", func(c weekCounts) int { return c.vulns.Total }},
	{"vulnerabilities.high", func(c weekCounts) int { return c.vulns.BySeverity[event.High] }},
	{"vulnerabilities.medium", func(c weekCounts) int { return c.vulns.BySeverity[event.Medium] }},
	{"vulnerabilities.low", func(c weekCounts) int { return c.vulns.BySeverity[event.Low] }},
	{"vulnerabilities.known_exploited", func(c weekCounts) int { return c.vulns.KnownExploited }},
	{"incidents.handled", func(c weekCounts) int { return c.incidents.Handled }},
	{"incidents.opened", func(c weekCounts) int { return c.incidents.Opened }},
	{"beyond_bulletin.botnet_cc_servers", func(c weekCounts) int { return c.events.BotnetCC }},
	{"beyond_bulletin.vulnerable_hosts", func(c weekCounts) int { return c.events.VulnerableHosts }},
	{"beyond_bulletin.brute_force_sources", func(c weekCounts) int { return c.events.BruteForceSources }},
}

// ComputePeriod returns the statistics of p.
func ComputePeriod(ctx context.Context, c store.Counter, p period.Period, opt Options) (*Period, error) {
	loc, pol, ed := opt.resolved()
	span, err := c.DataSpan(ctx, ed.Scope)
	if err != nil {
		return nil, err
	}
	var cv coverage
	if !span.IsZero() {
		cv = coverage{ok: true}
		cv.first, cv.last = cv.day(span.From, loc), cv.day(span.To, loc)
	}
	count := func(q period.Period, top int) (weekCounts, error) {
		from, to := q.Bounds(loc)
		return rangeCounts(ctx, c, store.Range{From: from, To: to}, ed.Scope, top)
	}
	cur, err := count(p, TopProvinces)
	if err != nil {
		return nil, err
	}
	prev, err := count(p.Prev(), 0)
	if err != nil {
		return nil, err
	}
	// One pass over the periods before: the twelve months a month is rated against, and the
	// series its figures plot.
	var periods []period.Period
	switch p.Kind {
	case period.Month:
		for i := -max(pol.Month.BaselineMonths, 11); i <= 0; i++ {
			periods = append(periods, p.Add(i))
		}
	case period.Quarter:
		for i := -7; i <= 0; i++ {
			periods = append(periods, p.Add(i))
		}
	case period.Year:
		periods = p.Months()
	}
	hist, err := history(ctx, c, periods, loc, ed.Scope)
	if err != nil {
		return nil, err
	}
	var ago *weekCounts
	yb, hasYear := p.YearBefore()
	if hasYear {
		a, err := prev, error(nil) // a year's year before is its period before: counted once
		if yb != p.Prev() {
			a, err = count(yb, 0)
		}
		if err != nil {
			return nil, err
		}
		if a.events.Events > 0 || a.vulns.Total > 0 || a.incidents.Handled+a.incidents.Opened > 0 {
			ago = &a
		}
	}
	partial, covered := cv.partial(p)
	prevPartial, _ := cv.partial(p.Prev())
	agoPartial := false
	if hasYear {
		agoPartial, _ = cv.partial(yb)
	}
	first, last := p.Days()
	s := &Period{
		Period: p.String(), Kind: string(p.Kind), Label: p.Label(),
		Start: first.Format(time.DateOnly), End: last.Format(time.DateOnly), Zone: loc.String(),
		TLP: ed.TLP, Public: ed.TLP == event.Clear, Prev: p.Prev().String(),
		TopProvinces: cur.events.Provinces, Events: cur.events.Events,
		DefacedGovPct: Share(cur.events.Defaced.Gov, cur.events.Defaced.Total), BackdooredGovPct: Share(cur.events.Backdoored.Gov, cur.events.Backdoored.Total),
		PhishingTargets: cur.events.PhishingTargets[:min(TopProvinces, len(cur.events.PhishingTargets))],
		Incidents: PeriodIncidents{ByType: orEmpty(cur.incidents.ByType), BySource: orEmpty(cur.incidents.BySource),
			ByPartnerKind: orEmpty(cur.incidents.ByPartnerKind), ByPartner: orEmpty(cur.incidents.ByPartner), ByImpact: orEmpty(cur.incidents.Impact),
			CrossBorder: cur.incidents.CrossBorder},

		NotCNVD: cur.vulns.Total - cur.vulns.CNVD,
	}
	if s.PhishingTargets == nil {
		s.PhishingTargets = []store.NameCount{}
	}
	start, end := p.Bounds(loc)
	if s.Families, err = c.FamilyCounts(ctx, store.Range{From: start, To: end}, ed.Scope, TopProvinces); err != nil {
		return nil, err
	}
	if s.Families == nil {
		s.Families = []store.NameCount{}
	}
	if partial {
		s.Covered = covered
		if covered == nil { // none of the period is covered, while other days are
			s.Covered = &Days{}
		}
	}
	s.PrevPartial = prevPartial && !partial
	s.YearAgoPartial = agoPartial && ago != nil
	if agoPartial {
		ago = nil
	}
	if p.Kind == period.Month {
		var before []store.Headline
		for i, h := range hist[:len(hist)-1] {
			if part, _ := cv.partial(periods[i]); part {
				h.Headline = store.Headline{} // a month the data covers only part of is no baseline
			}
			before = append(before, h.Headline)
		}
		before = before[max(0, len(before)-pol.Month.BaselineMonths):]
		base := prev
		if prevPartial {
			base = weekCounts{}
		}
		if !partial {
			r, err := rate(ctx, c, p.String(), pol.ForMonths(), "month", cur, base, before)
			if err != nil {
				return nil, err
			}
			s.Rating, s.VulnLevel = &r.Rating, r.vulnLevel
		}
		hist = hist[max(0, len(hist)-12):]
		periods = periods[max(0, len(periods)-12):]
	}
	// The series runs over the periods the data covers any of.
	for len(hist) > 0 && cv.outside(periods[0]) {
		hist, periods = hist[1:], periods[1:]
	}
	for len(hist) > 0 && cv.outside(periods[len(periods)-1]) {
		hist, periods = hist[:len(hist)-1], periods[:len(periods)-1]
	}
	s.Series = hist
	if p.Kind == period.Year {
		var weeks []period.Period
		for _, w := range p.Weeks() {
			weeks = append(weeks, period.OfWeek(w))
		}
		if s.Weeks, err = history(ctx, c, weeks, loc, ed.Scope); err != nil {
			return nil, err
		}
	}
	if s.TopProvinces == nil {
		s.TopProvinces = []store.NameCount{}
	}
	if ago != nil && !partial {
		s.YearAgo = yb.String()
	}
	for _, f := range figures {
		fig := Figure{Metric: f.metric, Value: f.of(cur), Prev: f.of(prev)}
		if !partial && !prevPartial { // a period covered in part is compared with nothing
			fig.PrevPct = Change(fig.Value, fig.Prev)
		}
		if ago != nil && !partial {
			v := f.of(*ago)
			fig.YearAgo, fig.YearAgoPct = &v, Change(fig.Value, v)
		}
		s.Figures = append(s.Figures, fig)
	}
	return s, nil
}

// history counts the headlines of consecutive periods in one pass per table.
func history(ctx context.Context, c store.Counter, ps []period.Period, loc *time.Location, scope store.Scope) ([]Count, error) {
	if len(ps) == 0 {
		return []Count{}, nil
	}
	bounds := make([]time.Time, 0, len(ps)+1)
	for _, q := range ps {
		from, _ := q.Bounds(loc)
		bounds = append(bounds, from)
	}
	_, end := ps[len(ps)-1].Bounds(loc)
	hs, err := c.History(ctx, append(bounds, end), scope)
	if err != nil {
		return nil, err
	}
	out := make([]Count, len(hs))
	for i, h := range hs {
		out[i] = Count{Period: ps[i].String(), Headline: h}
	}
	return out, nil
}

func orEmpty(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
