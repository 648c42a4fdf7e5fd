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
	loc, _, ed := opt.resolved()
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
	var ago *weekCounts
	yb, hasYear := p.YearBefore()
	if hasYear {
		a, err := count(yb, 0)
		if err != nil {
			return nil, err
		}
		if a.events.Events > 0 || a.vulns.Total > 0 || a.incidents.Handled+a.incidents.Opened > 0 {
			ago = &a
		}
	}
	first, last := p.Days()
	s := &Period{
		Period: p.String(), Kind: string(p.Kind), Label: p.Label(),
		Start: first.Format(time.DateOnly), End: last.Format(time.DateOnly), Zone: loc.String(),
		TLP: ed.TLP, Public: ed.TLP == event.Clear, Prev: p.Prev().String(),
		TopProvinces: cur.events.Provinces, Events: cur.events.Events,
	}
	if s.TopProvinces == nil {
		s.TopProvinces = []store.NameCount{}
	}
	if ago != nil {
		s.YearAgo = yb.String()
	}
	for _, f := range figures {
		fig := Figure{Metric: f.metric, Value: f.of(cur), Prev: f.of(prev)}
		fig.PrevPct = Change(fig.Value, fig.Prev)
		if ago != nil {
			v := f.of(*ago)
			fig.YearAgo, fig.YearAgoPct = &v, Change(fig.Value, v)
		}
		s.Figures = append(s.Figures, fig)
	}
	return s, nil
}
