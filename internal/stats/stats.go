// Package stats computes a week's statistics — every number of the bulletin, with its change
// from the week before — from the counts a store computes, by the definitions of CONTRACT.md.
// It holds no data: give it a store.Counter and a week.
package stats

import (
	"context"
	"fmt"
	"slices"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/event"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// TopProvinces is how many provinces (and phishing targets) the statistics rank.
const TopProvinces = 10

// allProvinces is more than the province-level divisions there are: the week's counts of
// every one of them, for the map.
const allProvinces = 64

// Week is the statistics of one week, shaped as CONTRACT.md's JSON.
type Week struct {
	Week            string          `json:"week"`
	Start           string          `json:"start"`
	End             string          `json:"end"`
	Zone            string          `json:"zone"`
	TLP             event.TLP       `json:"tlp"`    // the label the edition carries: CLEAR for a public one
	Public          bool            `json:"public"` // numbers and names as the policy allows a public edition
	Issue           Issue           `json:"issue"`
	Rating          Rating          `json:"rating"`
	InfectedHosts   InfectedHosts   `json:"infected_hosts"`
	MalwareSites    MalwareSites    `json:"malware_sites"`
	Defaced         Sites           `json:"defaced"`
	Backdoored      Sites           `json:"backdoored"`
	Phishing        Phishing        `json:"phishing"`
	DDoS            DDoS            `json:"ddos"`
	Vulnerabilities Vulnerabilities `json:"vulnerabilities"`
	Incidents       Incidents       `json:"incidents"`
	// Beyond is what the week's feeds reported that the bulletin does not count.
	Beyond Beyond `json:"beyond_bulletin"`
	Events int    `json:"events"` // every event of the week, of any kind
}

// Beyond counts the week's events of the kinds the bulletin has no section for: distinct
// addresses of brute-force sources, scanners, DDoS amplification victims and hosts with an
// exposed or vulnerable service, the last by service, most first.
type Beyond struct {
	BruteForceSources    int               `json:"brute_force_sources"`
	Scanners             int               `json:"scanners"`
	AmplificationVictims int               `json:"amplification_victims"`
	VulnerableHosts      int               `json:"vulnerable_hosts"`
	BotnetCC             int               `json:"botnet_cc_servers"`
	ExposedDevices       int               `json:"exposed_devices"`
	Blocklisted          int               `json:"blocklisted_addresses"`
	MalwareContacts      int               `json:"malware_contacted_servers"`
	ByService            []store.NameCount `json:"vulnerable_by_service"`
}

// Issue identifies the bulletin of the week.
type Issue struct {
	Year   int    `json:"year"`
	Number int    `json:"number"`
	Title  string `json:"title"`
}

// Rating is the week's overall level and why: the level the policy computed, and the
// analyst's override where there is one (its reason first among the reasons).
type Rating struct {
	Level    string             `json:"level"`
	Computed string             `json:"computed_level"`
	Policy   string             `json:"policy"`
	Override *store.Override    `json:"override"`
	NoData   bool               `json:"no_data"` // nothing at all was recorded for the week
	Reasons  []assess.Reason    `json:"reasons"`
	Scores   map[string]float64 `json:"scores"`
}

// InfectedHosts counts distinct domestic infected hosts.
type InfectedHosts struct {
	Total        int               `json:"total"`
	TrojanBotnet int               `json:"trojan_botnet"`
	Conficker    int               `json:"conficker"`
	TopProvinces []store.NameCount `json:"top_provinces"`
	// Provinces are all the provinces with trojan/botnet hosts, most first.
	Provinces   []store.NameCount `json:"provinces"`
	PrevTotal   int               `json:"prev_total"`
	TotalWoWPct *Tenths           `json:"total_wow_pct"`
	// NewFamilies are the malware families first seen this week (null: the store holds
	// nothing earlier to compare with).
	NewFamilies []string `json:"new_families"`
	// MalwareNames counts the distinct malware names (not families) of the week's infected
	// hosts and malware sites, where the data gives them; NewNames those first seen this week.
	MalwareNames int `json:"malware_names"`
	NewNames     int `json:"new_names"`
}

// MalwareSites counts malware download sites.
type MalwareSites struct {
	Domains          int     `json:"domains"`
	IPs              int     `json:"ips"`
	DomainsAbroad    int     `json:"domains_abroad"`
	DomainsAbroadPct *Tenths `json:"domains_abroad_pct"`
	DomainsCom       int     `json:"domains_com"`
	DomainsComPct    *Tenths `json:"domains_com_pct"`
	IPsAbroad        int     `json:"ips_abroad"`
	IPsAbroadPct     *Tenths `json:"ips_abroad_pct"`
	IPURLs           int     `json:"ip_urls"`
	PrevDomains      int     `json:"prev_domains"`
	DomainsWoWPct    *Tenths `json:"domains_wow_pct"`
}

// Sites counts defaced or backdoored domestic sites and the GOV-class share.
type Sites struct {
	Total       int     `json:"total"`
	Gov         int     `json:"gov"`
	GovPct      *Tenths `json:"gov_pct"`
	PrevTotal   int     `json:"prev_total"`
	PrevGov     int     `json:"prev_gov"`
	TotalWoWPct *Tenths `json:"total_wow_pct"`
	GovWoWPct   *Tenths `json:"gov_wow_pct"`
}

// Phishing counts phishing pages.
type Phishing struct {
	Pages       int               `json:"pages"`
	Domains     int               `json:"domains"`
	IPs         int               `json:"ips"`
	PagesWithIP int               `json:"pages_with_ip"`
	TopTargets  []store.NameCount `json:"top_targets"`
	PagesPerIP  *int              `json:"pages_per_ip"`
	PrevPages   int               `json:"prev_pages"`
	PagesWoWPct *Tenths           `json:"pages_wow_pct"`
}

// DDoS counts denial-of-service events and their distinct target IPs.
type DDoS struct {
	Events       int     `json:"events"`
	Targets      int     `json:"targets"`
	PrevEvents   int     `json:"prev_events"`
	EventsWoWPct *Tenths `json:"events_wow_pct"`
}

// Vulnerabilities counts the week's vulnerability records.
type Vulnerabilities struct {
	Total    int            `json:"total"`
	High     int            `json:"high"`
	Medium   int            `json:"medium"`
	Low      int            `json:"low"`
	ByObject map[string]int `json:"by_object"`
	// Unclassified counts the records no class was given or found for (in no by_object).
	Unclassified int `json:"unclassified"`
	// KnownExploited counts the records whose CVE a known-exploited catalog (CISA's KEV)
	// had added by the week's end; CatalogAdded the catalog's entries added in the week.
	KnownExploited int `json:"known_exploited"`
	CatalogAdded   int `json:"catalog_added"`
	// SameCVE counts the records that share a CVE with another of the week's records (the
	// same vulnerability from two sources, such as CNVD and NVD): each is counted.
	SameCVE int `json:"same_cve"`
	// NotCNVD counts the records CNVD did not number (CVE and NVD records): where there are
	// any, the bulletin speaks of what the CERT gathered, not of CNVD's collection.
	NotCNVD     int           `json:"not_cnvd"`
	Level       string        `json:"level"`
	LevelReason assess.Reason `json:"level_reason"`
	PrevTotal   int           `json:"prev_total"`
	TotalWoWPct *Tenths       `json:"total_wow_pct"`
}

// Incidents counts the incidents closed in the week.
type Incidents struct {
	Handled       int            `json:"handled"`
	Opened        int            `json:"opened"` // opened this week, closed or not
	CrossBorder   int            `json:"cross_border"`
	Phishing      int            `json:"phishing"`
	AppPlatforms  int            `json:"app_platforms"`
	AppURLs       int            `json:"app_urls"`
	ByType        map[string]int `json:"by_type"`
	BySource      map[string]int `json:"by_source"`
	ByPartnerKind map[string]int `json:"by_partner_kind"`
	ByImpact      map[string]int `json:"by_impact"`
}

// Title returns the bulletin's Chinese title for w.
func Title(w week.Week) string {
	m, s := w.Monday(), w.Sunday()
	return fmt.Sprintf("网络安全信息与动态周报%d年第%d期（%d月%d日-%d月%d日）", w.Year, w.Number, int(m.Month()), m.Day(), int(s.Month()), s.Day())
}

// Edition is what an issue's numbers may draw on, and the TLP label it carries.
type Edition struct {
	TLP   event.TLP
	Scope store.Scope
}

// Public returns the public edition the policy allows: labelled TLP:CLEAR.
func Public(pol *assess.Policy) Edition {
	count, names := pol.PublicLabels()
	return Edition{TLP: event.Clear, Scope: store.Scope{Count: count, Names: names}}
}

// EditionFor returns the edition labelled t: the public one for TLP:CLEAR; otherwise an
// internal edition that counts what the public one counts and every record up to t, and
// names from records up to t.
func EditionFor(pol *assess.Policy, t event.TLP) Edition {
	pub := Public(pol)
	if t == event.Clear || t == "" {
		return pub
	}
	count := t.AtMost()
	for _, l := range pub.Scope.Count {
		if !slices.Contains(count, l) {
			count = append(count, l)
		}
	}
	return Edition{TLP: t, Scope: store.Scope{Count: count, Names: t.AtMost()}}
}

// Options tune Compute.
type Options struct {
	Zone   *time.Location // the bulletin's zone; UTC when nil
	Policy *assess.Policy // the rating policy; assess.Default() when nil
	// Edition is what the numbers may draw on; the zero Edition is the policy's public one.
	Edition Edition
}

// resolved returns the zone, policy and edition the options give, the defaults for those they
// leave unset.
func (opt Options) resolved() (*time.Location, *assess.Policy, Edition) {
	loc, pol, ed := opt.Zone, opt.Policy, opt.Edition
	if loc == nil {
		loc = time.UTC
	}
	if pol == nil {
		pol = assess.Default()
	}
	if ed.TLP == "" {
		ed = Public(pol)
	}
	return loc, pol, ed
}

// Compute returns the statistics of w. Where c also keeps overrides (store.Ratings), an
// analyst's rating of the week stands in place of the computed one.
func Compute(ctx context.Context, c store.Counter, w week.Week, opt Options) (*Week, error) {
	loc, pol, ed := opt.resolved()
	cur, err := counts(ctx, c, w, loc, ed.Scope, allProvinces)
	if err != nil {
		return nil, err
	}
	prev, err := counts(ctx, c, w.Prev(), loc, ed.Scope, 0) // last week's rankings are not reported
	if err != nil {
		return nil, err
	}
	s := &Week{
		Week:   w.String(),
		Start:  w.Monday().Format(time.DateOnly),
		End:    w.Sunday().Format(time.DateOnly),
		Zone:   loc.String(),
		TLP:    ed.TLP,
		Public: ed.TLP == event.Clear,
		Issue:  Issue{Year: w.Year, Number: w.Number, Title: Title(w)},
	}
	e, pe := cur.events, prev.events
	s.Events = e.Events
	s.InfectedHosts = InfectedHosts{
		Total: e.TrojanBotnet + e.Conficker, TrojanBotnet: e.TrojanBotnet, Conficker: e.Conficker,
		TopProvinces: e.Provinces[:min(TopProvinces, len(e.Provinces))], Provinces: e.Provinces, PrevTotal: pe.TrojanBotnet + pe.Conficker, NewFamilies: e.NewFamilies,
		MalwareNames: e.MalwareNames, NewNames: e.NewNames,
	}
	s.InfectedHosts.TotalWoWPct = Change(s.InfectedHosts.Total, s.InfectedHosts.PrevTotal)
	s.MalwareSites = MalwareSites{
		Domains: e.MalwareDomains, IPs: e.MalwareIPs,
		DomainsAbroad: e.MalwareDomainsAbroad, DomainsAbroadPct: Share(e.MalwareDomainsAbroad, e.MalwareDomains),
		DomainsCom: e.MalwareDomainsCom, DomainsComPct: Share(e.MalwareDomainsCom, e.MalwareDomains),
		IPsAbroad: e.MalwareIPsAbroad, IPsAbroadPct: Share(e.MalwareIPsAbroad, e.MalwareIPs),
		IPURLs: e.MalwareIPURLs, PrevDomains: pe.MalwareDomains, DomainsWoWPct: Change(e.MalwareDomains, pe.MalwareDomains),
	}
	s.Defaced = sites(e.Defaced, pe.Defaced)
	s.Backdoored = sites(e.Backdoored, pe.Backdoored)
	s.Phishing = Phishing{
		Pages: e.PhishingPages, Domains: e.PhishingDomains, IPs: e.PhishingIPs, PagesWithIP: e.PhishingPagesWithIP,
		TopTargets: e.PhishingTargets[:min(TopProvinces, len(e.PhishingTargets))],
		PagesPerIP: Ratio(e.PhishingPagesWithIP, e.PhishingIPs),
		PrevPages:  pe.PhishingPages, PagesWoWPct: Change(e.PhishingPages, pe.PhishingPages),
	}
	s.Beyond = Beyond{BruteForceSources: e.BruteForceSources, Scanners: e.Scanners, AmplificationVictims: e.AmplificationVictims,
		VulnerableHosts: e.VulnerableHosts, BotnetCC: e.BotnetCC, ByService: e.ByService,
		ExposedDevices: e.ExposedDevices, Blocklisted: e.Blocklisted, MalwareContacts: e.MalwareContacts}
	if s.Beyond.ByService == nil {
		s.Beyond.ByService = []store.NameCount{}
	}
	s.DDoS = DDoS{Events: e.DDoSEvents, Targets: e.DDoSTargets, PrevEvents: pe.DDoSEvents, EventsWoWPct: Change(e.DDoSEvents, pe.DDoSEvents)}

	v := cur.vulns
	s.Vulnerabilities = Vulnerabilities{
		Total: v.Total, High: v.BySeverity[event.High], Medium: v.BySeverity[event.Medium], Low: v.BySeverity[event.Low],
		ByObject: map[string]int{}, Unclassified: v.Unclassified,
		KnownExploited: v.KnownExploited, CatalogAdded: v.CatalogAdded, SameCVE: v.SameCVE, NotCNVD: v.Total - v.CNVD, PrevTotal: prev.vulns.Total, TotalWoWPct: Change(v.Total, prev.vulns.Total),
	}
	for o, n := range v.ByObject {
		s.Vulnerabilities.ByObject[string(o)] = n
	}
	in := cur.incidents
	s.Incidents = Incidents{
		Handled: in.Handled, Opened: in.Opened, CrossBorder: in.CrossBorder, Phishing: in.Phishing,
		AppPlatforms: in.AppPlatforms, AppURLs: in.AppURLs,
		ByType: in.ByType, BySource: in.BySource, ByPartnerKind: in.ByPartnerKind, ByImpact: in.Impact,
	}
	if err := s.rate(ctx, c, w, loc, pol, ed.Scope, cur, prev); err != nil {
		return nil, err
	}
	return s, nil
}

// rate applies the policy to the week against its trailing weeks, then any override.
func (s *Week) rate(ctx context.Context, c store.Counter, w week.Week, loc *time.Location, pol *assess.Policy, scope store.Scope, cur, prev weekCounts) error {
	first := w.Add(-pol.BaselineWeeks)
	bounds := make([]time.Time, 0, pol.BaselineWeeks+1)
	for i := 0; i <= pol.BaselineWeeks; i++ {
		from, _ := first.Add(i).Bounds(loc)
		bounds = append(bounds, from)
	}
	hist, err := c.History(ctx, bounds, scope)
	if err != nil {
		return err
	}
	r, err := rate(ctx, c, w.String(), pol, "week", cur, prev, hist)
	if err != nil {
		return err
	}
	s.Vulnerabilities.Level, s.Vulnerabilities.LevelReason = r.vulnLevel, r.vulnReason
	s.Rating = r.Rating
	return nil
}

// rated lists the figures a policy rates (by their names in figures, which count them, and in
// store.HeadlineOf, which reads the headline series each is compared with).
var rated = []string{"infected_hosts.total", "malware_sites.domains", "defaced.total", "backdoored.total", "phishing.pages", "ddos.events", "vulnerabilities.high"}

// figureOf returns how figures counts a metric.
func figureOf(metric string) func(c weekCounts) int {
	for _, f := range figures {
		if f.metric == metric {
			return f.of
		}
	}
	panic("no figure " + metric) // rated names only figures; TestPeriod would fail first
}

// rating is a period's Rating with its vulnerability threat level.
type rating struct {
	Rating
	vulnLevel  string
	vulnReason assess.Reason
}

// rate applies pol to a period (key: 2024-W09, 2024-02) of the span ("week" or "month") with
// its counts, the period before's and the trailing periods' headlines, oldest first; then the
// analyst's override where c keeps them.
func rate(ctx context.Context, c store.Counter, key string, pol *assess.Policy, span string, cur, prev weekCounts, hist []store.Headline) (rating, error) {
	in := assess.Input{
		Values:           map[string]int{},
		Prev:             map[string]int{},
		History:          map[string][]int{},
		VulnTotal:        cur.vulns.Total,
		NationalImpact:   cur.incidents.Impact["national"],
		ProvincialImpact: cur.incidents.Impact["provincial"],
		Span:             span,
	}
	for _, m := range rated {
		of := figureOf(m)
		in.Values[m], in.Prev[m] = of(cur), of(prev)
		for _, h := range hist {
			v, _ := store.HeadlineOf(h, m)
			in.History[m] = append(in.History[m], v)
		}
	}
	r := pol.Rate(in)
	out := rating{Rating: Rating{Level: r.Level, Computed: r.Level, Policy: r.Policy, Reasons: r.Reasons, Scores: r.Scores},
		vulnLevel: r.VulnLevel, vulnReason: r.VulnReason}
	if cur.events.Events == 0 && cur.vulns.Total == 0 && cur.incidents.Handled == 0 {
		this, unitEN := "本周", "week"
		if span == "month" {
			this, unitEN = "本月", "month"
		}
		out.NoData = true
		out.Reasons = append([]assess.Reason{{Rule: "no-data",
			ZH: this + "没有任何监测数据和事件处理记录：等级只是策略的常态值，公报不作评价",
			EN: "nothing at all was recorded this " + unitEN + ": the level is only the policy's normal one, and the bulletin does not rate the " + unitEN}},
			out.Reasons...)
	}
	if rs, ok := c.(store.Ratings); ok {
		o, err := rs.Override(ctx, key)
		if err != nil {
			return out, err
		}
		if o != nil {
			out.Level, out.Override = o.Level, o
			out.Reasons = append([]assess.Reason{{Rule: "override", Effect: slices.Index(assess.Levels, o.Level) - slices.Index(assess.Levels, r.Level),
				ZH: fmt.Sprintf("分析人员%s将等级由%s改为%s：%s", o.Actor, r.Level, o.Level, o.Reason),
				EN: fmt.Sprintf("analyst %s set the level from %s to %s: %s", o.Actor, r.Level, o.Level, o.Reason)}}, out.Reasons...)
		}
	}
	return out, nil
}

func sites(cur, prev store.Sites) Sites {
	return Sites{
		Total: cur.Total, Gov: cur.Gov, GovPct: Share(cur.Gov, cur.Total),
		PrevTotal: prev.Total, PrevGov: prev.Gov,
		TotalWoWPct: Change(cur.Total, prev.Total), GovWoWPct: Change(cur.Gov, prev.Gov),
	}
}

type weekCounts struct {
	events    store.EventCounts
	vulns     store.VulnCounts
	incidents store.IncidentCounts
}

func counts(ctx context.Context, c store.Counter, w week.Week, loc *time.Location, scope store.Scope, top int) (weekCounts, error) {
	from, to := w.Bounds(loc)
	return rangeCounts(ctx, c, store.Range{From: from, To: to}, scope, top)
}

func rangeCounts(ctx context.Context, c store.Counter, r store.Range, scope store.Scope, top int) (weekCounts, error) {
	var wc weekCounts
	var err error
	if wc.events, err = c.EventCounts(ctx, r, scope, top); err != nil {
		return wc, err
	}
	if wc.vulns, err = c.VulnCounts(ctx, r, scope); err != nil {
		return wc, err
	}
	wc.incidents, err = c.IncidentCounts(ctx, r, scope)
	return wc, err
}
