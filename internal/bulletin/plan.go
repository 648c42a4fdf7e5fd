package bulletin

import (
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// A plan is what an issue says, in no language: the sentences of each section and the facts
// each states, with every choice made — which parts have data, which way each count moved,
// which names rank first, which of a sentence's forms fits the numbers. A phrasebook (zh.go,
// en.go) only words it, so both editions say the same things and a new edition (a month, a
// year) reuses the decisions.
type plan struct {
	overview  overviewPlan
	malware   malwarePlan
	websites  websitesPlan
	vulns     vulnsPlan
	incidents incidentsPlan
}

// phrasebook words a plan in one language.
type phrasebook interface {
	title(w week.Week) string
	weekLabel(w week.Week) string
	heading(section string) string
	// noData says that nothing was received for a section or for one part of it (a noData
	// key).
	noData(what string) string

	situation(p overviewPlan) string
	movement(p movePlan) string
	hosts(h stats.InfectedHosts) string
	provinces(names []string) string
	newMalware(p newMalwarePlan) string
	malwareSites(p sitesPlan) string
	blacklist(publisher string) string
	websiteCounts(defaced, backdoored, phishing int) string
	websiteDetail(p websitesPlan) string
	targets(names []string) string
	vulnCounts(p vulnsPlan) string
	vulnObjects(p vulnsPlan) string
	incidentsOpened(opened int) string
	incidentsHandled(p incidentsPlan) string

	caption(figureID string) string
	label(key string) string
	object(o string) string
	incidentType(t string) string
	move(m moveFact) string
	extreme(metric string, cur int, high bool, weeks int) string
	// number writes a count as the language's tables print it.
	number(n int) string
	// The infographic's cards: a count as a tile prints it, how it moved, the rating as a
	// word, and short notes.
	tileNumber(n int) string
	tileChange(d delta) string
	level(l string) string
	threatsNote(threats []string) string
	vulnLevelNote(level string) string
	words() Words
}

// Keys of noData: a whole section by its ID, or one of its parts.
const (
	noHosts        = "hosts"
	noMalwareSites = "malware_sites"
)

type overviewPlan struct {
	noData    bool
	level     string   // the rating: 优, 良, 中, 差 or 危
	impactful int      // infrastructure incidents of provincial or national impact
	threats   []string // the main threats, most unusual first, at most three
	moves     *movePlan
}

type malwarePlan struct {
	noData     bool
	hosts      *stats.InfectedHosts // nil: no data on infected hosts
	provinces  []string             // the provinces with most trojan/botnet hosts, at most three
	newMalware *newMalwarePlan
	sites      *sitesPlan // nil: no data on malware download sites
	// blacklist is who publishes the malicious addresses the CERT found as a blacklist
	// ("ANVA"), said after the sites; empty where the CERT publishes none.
	blacklist string
}

// newMalwarePlan is the sentence on new malware: names and families where the data names
// malware (byName), families alone where it gives only those.
type newMalwarePlan struct {
	byName   bool
	names    int      // new malware names
	families int      // new families
	shown    []string // the first of them, as the data spells them
	more     bool     // more families than shown
}

// Ways the malware download sites were reached, as the counts show.
const (
	reachDomains = "domains" // all by domain name
	reachMostly  = "mostly"  // most by domain name, some directly by IP
	reachIPs     = "ips"     // directly by IP at least as often as by domain
)

type sitesPlan struct {
	stats.MalwareSites
	reach string // a reach constant, or "" when the counts say nothing of it
}

// delta is how a count moved on last week, for a sentence or a tile to say.
type delta struct {
	cur, prev int
	pct       *stats.Tenths // nil: nothing to compare with
	thin      bool          // the change is beyond the policy's bound: state both numbers
	// unmeasured is set where nothing at all was recorded in the period before: its zero is
	// no count to compare with.
	unmeasured bool
}

// Ways a count moved (delta.way).
const (
	wayNone   = ""       // not compared
	wayThin   = "thin"   // both numbers, no percentage
	waySame   = "same"   // exactly last week's
	wayNearly = "nearly" // changed by less than 0.05%: the percentage rounds to 0.0
	wayUp     = "up"
	wayDown   = "down"
)

func newDelta(cur, prev int, v voice) delta {
	c := stats.Change(cur, prev)
	return delta{cur: cur, prev: prev, pct: c, thin: !v.plausible(c)}
}

func (d delta) way() string {
	switch {
	case d.pct == nil:
		return wayNone
	case d.thin:
		return wayThin
	case d.cur == d.prev:
		return waySame
	case *d.pct == 0:
		return wayNearly
	case *d.pct > 0:
		return wayUp
	}
	return wayDown
}

// abs is the size of the change, in tenths of a percent; 0 where there is none.
func (d delta) abs() stats.Tenths {
	if d.pct == nil {
		return 0
	}
	return abs(*d.pct)
}

// shareFact is the government share of defaced or backdoored sites and how it moved.
type shareFact struct {
	gov   int
	pct   stats.Tenths
	moved delta
}

type phishingFact struct {
	domains, ips int
	perIP        *int
}

type websitesPlan struct {
	noData                     bool
	defaced, backdoored, pages int
	defacedGov, backdoorGov    *shareFact // nil where there were no such sites
	phishing                   *phishingFact
	targets                    []string // the organisations most impersonated, at most three
}

type vulnsPlan struct {
	noData  bool
	v       stats.Vulnerabilities
	objects []string // affected-object classes, most first, at most three
	// allClassified: every record has an affected-object class, so one class can be said to
	// be all of them.
	allClassified bool
	unclassified  int // records without a class, said after the ranking
	// gathered: some records are not CNVD's (CVE, NVD), so the sentences speak of what the
	// CERT gathered rather than of CNVD's collection.
	gathered bool
}

type incidentsPlan struct {
	noData       bool
	openedOnly   bool // incidents were opened, none closed yet
	opened       int
	handled      int
	crossBorder  int
	partners     []string // kinds of partner, in the bulletin's order
	phishing     int
	apps         bool // mobile-malware platforms or URLs were handled
	appPlatforms int
	appURLs      int
}

// moveFact is a highlight's week-over-week move; thin when it is beyond the policy's bound and
// both numbers are stated instead of the percentage.
type moveFact struct {
	metric    string
	cur, prev int
	change    stats.Tenths
	thin      bool
}

// planIssue decides what the issue of s says.
func planIssue(s *stats.Week, v voice) plan {
	return plan{
		overview:  planOverview(s),
		malware:   planMalware(s, v),
		websites:  planWebsites(s, v),
		vulns:     planVulns(s),
		incidents: planIncidents(s),
	}
}

func planOverview(s *stats.Week) overviewPlan {
	if empty(s) && s.Rating.Override == nil {
		return overviewPlan{noData: true}
	}
	p := overviewPlan{level: s.Rating.Level, impactful: impactful(s), threats: threats(s)}
	p.threats, _ = firstN(p.threats, 3)
	if m, ok := planMoves(s); ok {
		p.moves = &m
	}
	return p
}

func planMalware(s *stats.Week, v voice) malwarePlan {
	h, m := s.InfectedHosts, s.MalwareSites
	if h.Total == 0 && m.Domains+m.IPs == 0 {
		return malwarePlan{noData: true}
	}
	var p malwarePlan
	if h.Total > 0 {
		p.hosts = &h
		p.provinces = topNames(h.TopProvinces, 3)
		p.newMalware = planNewMalware(h)
	}
	if m.Domains+m.IPs > 0 {
		sp := sitesPlan{MalwareSites: m}
		switch {
		case m.IPURLs == 0 && m.Domains > 0:
			sp.reach = reachDomains
		case m.Domains > m.IPURLs:
			sp.reach = reachMostly
		case m.IPURLs > 0:
			sp.reach = reachIPs
		}
		p.sites = &sp
		p.blacklist = v.blacklist
	}
	return p
}

// planNewMalware decides the sentence on new malware; nil where the store holds no earlier week
// to compare with, or where nothing new was seen and the data names no malware.
func planNewMalware(h stats.InfectedHosts) *newMalwarePlan {
	if h.NewFamilies == nil {
		return nil
	}
	n := len(h.NewFamilies)
	if h.MalwareNames == 0 && n == 0 {
		return nil
	}
	p := &newMalwarePlan{byName: h.MalwareNames > 0, names: h.NewNames, families: n}
	p.shown, p.more = firstN(h.NewFamilies, 5)
	return p
}

func planWebsites(s *stats.Week, v voice) websitesPlan {
	d, b, ph := s.Defaced, s.Backdoored, s.Phishing
	if d.Total+b.Total+ph.Pages == 0 {
		return websitesPlan{noData: true}
	}
	p := websitesPlan{defaced: d.Total, backdoored: b.Total, pages: ph.Pages, targets: topNames(ph.TopTargets, 3)}
	share := func(x stats.Sites) *shareFact {
		if x.Total == 0 {
			return nil
		}
		f := &shareFact{gov: x.Gov, moved: newDelta(x.Gov, x.PrevGov, v)}
		if x.GovPct != nil {
			f.pct = *x.GovPct
		}
		return f
	}
	p.defacedGov, p.backdoorGov = share(d), share(b)
	if ph.Pages > 0 {
		p.phishing = &phishingFact{domains: ph.Domains, ips: ph.IPs}
		if ph.PagesPerIP != nil && *ph.PagesPerIP >= 1 { // fewer than one page per address says nothing
			p.phishing.perIP = ph.PagesPerIP
		}
	}
	return p
}

func planVulns(s *stats.Week) vulnsPlan {
	v := s.Vulnerabilities
	if v.Total == 0 {
		return vulnsPlan{noData: true}
	}
	objs, _ := firstN(objectOrder(v.ByObject), 3)
	classified := 0
	for _, n := range v.ByObject {
		classified += n
	}
	return vulnsPlan{v: v, objects: objs, allClassified: classified == v.Total, unclassified: v.Unclassified, gathered: v.NotCNVD > 0}
}

func planIncidents(s *stats.Week) incidentsPlan {
	in := s.Incidents
	switch {
	case in.Handled == 0 && in.Opened == 0:
		return incidentsPlan{noData: true}
	case in.Handled == 0:
		return incidentsPlan{openedOnly: true, opened: in.Opened}
	}
	return incidentsPlan{
		opened: in.Opened, handled: in.Handled, crossBorder: in.CrossBorder, partners: partnerKinds(s),
		phishing: in.Phishing, apps: in.AppPlatforms > 0 || in.AppURLs > 0, appPlatforms: in.AppPlatforms, appURLs: in.AppURLs,
	}
}

// sections lays the plan out in a language: each section's paragraphs in order and the
// figures shown after them.
func (p plan) sections(t phrasebook, figs []Figure) []Section {
	fig := func(ids ...string) []int {
		var out []int
		for _, id := range ids {
			out = append(out, figureNumber(figs, id))
		}
		return out
	}
	sec := func(id string, noData bool) Section {
		s := Section{ID: id, Heading: t.heading(id), NoData: noData}
		if noData {
			s.Paragraphs = []string{t.noData(id)}
		}
		return s
	}

	o := sec(SecOverview, p.overview.noData)
	if !o.NoData {
		o.Paragraphs = []string{t.situation(p.overview)}
		if m := p.overview.moves; m != nil {
			o.Paragraphs = append(o.Paragraphs, t.movement(*m))
		}
	}

	m := sec(SecMalware, p.malware.noData)
	if !m.NoData {
		if h := p.malware.hosts; h != nil {
			m.Paragraphs = append(m.Paragraphs, t.hosts(*h))
			if len(p.malware.provinces) > 0 {
				m.Paragraphs = append(m.Paragraphs, t.provinces(p.malware.provinces))
			}
			if n := p.malware.newMalware; n != nil {
				m.Paragraphs = append(m.Paragraphs, t.newMalware(*n))
			}
			m.Figures = fig(FigInfected)
		} else {
			m.Paragraphs = append(m.Paragraphs, t.noData(noHosts))
		}
		if s := p.malware.sites; s != nil {
			m.Paragraphs = append(m.Paragraphs, t.malwareSites(*s))
			if b := p.malware.blacklist; b != "" {
				m.Paragraphs = append(m.Paragraphs, t.blacklist(b))
			}
		} else {
			m.Paragraphs = append(m.Paragraphs, t.noData(noMalwareSites))
		}
	}

	w := sec(SecWebsites, p.websites.noData)
	if !w.NoData {
		ws := p.websites
		w.Paragraphs = []string{t.websiteCounts(ws.defaced, ws.backdoored, ws.pages), t.websiteDetail(ws)}
		if len(ws.targets) > 0 {
			w.Paragraphs = append(w.Paragraphs, t.targets(ws.targets))
		}
		w.Figures = fig(FigSites, FigDefacedGov, FigBackdoorGov)
	}

	v := sec(SecVulns, p.vulns.noData)
	if !v.NoData {
		v.Paragraphs = []string{t.vulnCounts(p.vulns)}
		if len(p.vulns.objects) > 0 || p.vulns.unclassified > 0 {
			v.Paragraphs = append(v.Paragraphs, t.vulnObjects(p.vulns))
		}
		v.Figures = fig(FigSeverity, FigObject)
	}

	in := sec(SecIncidents, p.incidents.noData)
	switch {
	case in.NoData:
	case p.incidents.openedOnly:
		in.Paragraphs = []string{t.incidentsOpened(p.incidents.opened)}
	default:
		in.Paragraphs = []string{t.incidentsHandled(p.incidents)}
		in.Figures = fig(FigIncidents)
	}
	return []Section{o, m, w, v, in}
}
