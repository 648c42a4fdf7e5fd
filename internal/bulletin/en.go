package bulletin

import (
	"fmt"
	"strings"
	"unicode"

	"sitrep/internal/enrich"
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// en writes the English edition: the same facts in plain English.
type en struct{ voice }

func (en) title(w week.Week) string {
	m, s := w.Monday(), w.Sunday()
	return fmt.Sprintf("Weekly Network Security Bulletin %d No. %d (%s %d-%s %d)", w.Year, w.Number,
		m.Format("Jan"), m.Day(), s.Format("Jan"), s.Day())
}

func (en) weekLabel(w string) string {
	wk, err := week.Parse(w)
	if err != nil {
		return w
	}
	return wk.Monday().Format("1/2")
}

// count writes a count: "about 184,000" from 10,000 up (to the nearest thousand), exact below.
func (en) count(n int) string {
	if n >= 10000 {
		return "about " + thousands(int(roundTenThousands(n))*1000)
	}
	return thousands(n)
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// inSentence is a label as it reads inside a sentence: its first letter in lower case, unless
// it begins an acronym ("DDoS events").
func inSentence(label string) string {
	if len(label) > 1 && unicode.IsUpper(rune(label[1])) {
		return label
	}
	return strings.ToLower(label[:1]) + label[1:]
}

// countOf writes n with the singular or plural noun: "1 new incident", "2,000 new incidents".
func (e en) countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return e.count(n) + " " + many
}

// change says how a count moved against last week's prev; beyond the policy's bound, both
// numbers instead of a percentage.
func (e en) change(prev int, c *stats.Tenths) string {
	switch {
	case c == nil:
		return ""
	case !e.plausible(c):
		return fmt.Sprintf(", against %s last week", thousands(prev))
	case *c > 0:
		return ", up " + c.String() + "% on last week"
	case *c < 0:
		return ", down " + (-*c).String() + "% on last week"
	}
	return ", the same as last week"
}

func (en) list(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	case 2:
		return names[0] + " and " + names[1]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func (e en) sections(s *stats.Week, figs []Figure) []Section {
	return []Section{e.overview(s), e.malware(s, figs), e.websites(s, figs), e.vulns(s, figs), e.incidents(s, figs)}
}

var enLevels = map[string]string{"优": "excellent", "良": "good", "中": "fair", "差": "poor", "危": "critical"}

var enThreats = map[string]string{
	"vulns": "high-severity software vulnerabilities", "malware": "the spread of malware", "websites": "attacks on websites",
	"phishing": "phishing", "ddos": "denial-of-service attacks",
}

func (e en) overview(s *stats.Week) Section {
	sec := Section{ID: SecOverview, Heading: "Overall situation"}
	if empty(s) && s.Rating.Override == nil {
		sec.NoData = true
		sec.Paragraphs = []string{"No monitoring data or incident records were received this week, so the situation is not rated."}
		return sec
	}
	p := fmt.Sprintf("This week the overall network security situation was rated %s (%s).", enLevels[s.Rating.Level], s.Rating.Level)
	if n := impactful(s); n > 0 {
		p += fmt.Sprintf(" %d infrastructure incident(s) of national or provincial impact occurred.", n)
	} else {
		p += " The internet infrastructure ran smoothly overall; no infrastructure incident of national or provincial impact occurred."
	}
	var names []string
	for _, t := range threats(s) {
		names = append(names, enThreats[t])
	}
	if len(names) > 3 {
		names = names[:3]
	}
	if len(names) > 0 {
		p += " The main threats to government, businesses and internet users came from " + e.list(names) + "."
	}
	sec.Paragraphs = []string{p}
	if m := e.movement(s); m != "" {
		sec.Paragraphs = append(sec.Paragraphs, m)
	}
	return sec
}

// movement says how the week's counts moved against last week (planMoves decides what it
// says).
func (e en) movement(s *stats.Week) string {
	p, ok := planMoves(s)
	if !ok {
		return ""
	}
	names := func(ms []string) string {
		var out []string
		for _, name := range ms {
			out = append(out, inSentence(enMetrics[name]))
		}
		return e.list(out)
	}
	const lead = "Compared with last week, "
	switch p.all {
	case "up":
		return lead + "every kind of incident rose."
	case "down":
		return lead + "every kind of incident fell to some degree."
	case "flat":
		return "Every kind of incident was exactly as frequent as last week."
	}
	var parts []string
	if len(p.up) > 0 {
		parts = append(parts, names(p.up)+" rose")
	}
	switch {
	case p.othersFell:
		parts = append(parts, "the other kinds of incident fell to varying degrees")
	case len(p.down) > 0:
		parts = append(parts, names(p.down)+" fell")
	}
	if len(p.flat) > 0 {
		parts = append(parts, names(p.flat)+" stayed level")
	}
	return lead + strings.Join(parts, "; ") + "."
}

// newMalware counts the week's new malware names and families where the data names malware;
// families alone where it gives only those; nothing without an earlier week to compare with.
func (e en) newMalware(h stats.InfectedHosts) string {
	if h.NewFamilies == nil {
		return ""
	}
	n := len(h.NewFamilies)
	fams := ""
	if n > 0 {
		names, more := firstN(h.NewFamilies, 5)
		fams = e.list(names)
		if more {
			fams = strings.Join(names, ", ") + " and others"
		}
		fams = " (" + fams + ")"
	}
	switch {
	case h.MalwareNames > 0:
		return fmt.Sprintf("%s saw %s and %s for the first time%s.", e.org, e.countOf(h.NewNames, "malware name", "malware names"),
			e.countOf(n, "malware family", "malware families"), fams)
	case n > 0:
		return fmt.Sprintf("%s saw %s for the first time%s.", e.org, e.countOf(n, "malware family", "malware families"), fams)
	}
	return ""
}

func (e en) malware(s *stats.Week, figs []Figure) Section {
	sec := Section{ID: SecMalware, Heading: "Malware activity"}
	h, m := s.InfectedHosts, s.MalwareSites
	if h.Total == 0 && m.Domains+m.IPs == 0 {
		sec.NoData = true
		sec.Paragraphs = []string{"No monitoring data on infected hosts or malware download sites was received this week."}
		return sec
	}
	if h.Total > 0 {
		sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf(
			"This week %s domestic hosts were infected with malware: %s controlled by trojans or botnets and %s infected with the Conficker worm.",
			e.count(h.Total), e.count(h.TrojanBotnet), e.count(h.Conficker)))
		if top := topNames(h.TopProvinces, 3); len(top) > 0 {
			for i, name := range top {
				top[i] = enrich.ProvinceEnglish(name)
			}
			sec.Paragraphs = append(sec.Paragraphs, "The provinces with the most trojan- or botnet-controlled hosts were "+e.list(top)+".")
		}
		if p := e.newMalware(h); p != "" {
			sec.Paragraphs = append(sec.Paragraphs, p)
		}
		sec.Figures = append(sec.Figures, figureNumber(figs, FigInfected))
	} else {
		sec.Paragraphs = append(sec.Paragraphs, "No monitoring data on infected hosts was received this week.")
	}
	if m.Domains+m.IPs > 0 {
		p := fmt.Sprintf("%s found malware download sites on %d domains and %d IP addresses.", e.org, m.Domains, m.IPs)
		if m.Domains > 0 {
			p += fmt.Sprintf(" Of the domains, %s%% were registered abroad and %s%% were under .com.", m.DomainsAbroadPct, m.DomainsComPct)
		}
		if m.IPs > 0 {
			p += fmt.Sprintf(" Of the IP addresses, %s%% were abroad.", m.IPsAbroadPct)
		}
		switch {
		case m.IPURLs == 0 && m.Domains > 0:
			p += " All of them were reached by domain name."
		case m.Domains > m.IPURLs:
			p += fmt.Sprintf(" Most were reached by domain name; %s served malware directly by IP URL.", e.countOf(m.IPURLs, "IP address", "IP addresses"))
		case m.IPURLs > 0:
			p += fmt.Sprintf(" %s served malware directly by IP URL, no fewer than the domains.", e.countOf(m.IPURLs, "IP address", "IP addresses"))
		}
		sec.Paragraphs = append(sec.Paragraphs, p)
	} else {
		sec.Paragraphs = append(sec.Paragraphs, "No monitoring data on malware download sites was received this week.")
	}
	return sec
}

func (e en) websites(s *stats.Week, figs []Figure) Section {
	sec := Section{ID: SecWebsites, Heading: "Website security"}
	d, b, p := s.Defaced, s.Backdoored, s.Phishing
	if d.Total+b.Total+p.Pages == 0 {
		sec.NoData = true
		sec.Paragraphs = []string{"No monitoring data on defaced websites, website backdoors or phishing pages was received this week."}
		return sec
	}
	sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf(
		"This week %s found %d defaced domestic websites, %d domestic websites with backdoors and %d phishing pages impersonating domestic websites.",
		e.org, d.Total, b.Total, p.Pages))
	var parts []string
	if d.Total > 0 {
		parts = append(parts, fmt.Sprintf("%d of the defaced websites were government (GOV) sites, about %s%% of the domestic total%s.", d.Gov, d.GovPct, e.change(d.PrevGov, d.GovWoWPct)))
	}
	if b.Total > 0 {
		parts = append(parts, fmt.Sprintf("%d of the backdoored websites were government sites, about %s%%%s.", b.Gov, b.GovPct, e.change(b.PrevGov, b.GovWoWPct)))
	}
	if p.Pages > 0 {
		q := fmt.Sprintf("The phishing pages used %d domains and %d IP addresses", p.Domains, p.IPs)
		if p.PagesPerIP != nil {
			q += fmt.Sprintf(", about %d pages per IP address", *p.PagesPerIP)
		}
		parts = append(parts, q+".")
	}
	sec.Paragraphs = append(sec.Paragraphs, strings.Join(parts, " "))
	if t := topNames(p.TopTargets, 3); len(t) > 0 {
		sec.Paragraphs = append(sec.Paragraphs, "The organisations most impersonated were "+e.list(t)+".")
	}
	sec.Figures = []int{figureNumber(figs, FigSites), figureNumber(figs, FigDefacedGov), figureNumber(figs, FigBackdoorGov)}
	return sec
}

var enObjects = map[string]string{
	"application": "applications", "web_application": "web applications", "os": "operating systems",
	"network_device": "network devices", "security_product": "security products", "database": "databases",
	"smart_device": "smart devices", "other": "other objects",
}

var enVulnLevels = map[string]string{"高": "high", "中": "medium", "低": "low"}

func (e en) vulns(s *stats.Week, figs []Figure) Section {
	sec := Section{ID: SecVulns, Heading: "Vulnerabilities"}
	v := s.Vulnerabilities
	if v.Total == 0 {
		sec.NoData = true
		sec.Paragraphs = []string{"No new vulnerability records were collected this week."}
		return sec
	}
	sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf(
		"This week the China National Vulnerability Database (CNVD) collected %d vulnerabilities: %d high-severity, %d medium and %d low. The vulnerability threat level was %s.",
		v.Total, v.High, v.Medium, v.Low, enVulnLevels[v.Level]))
	var names []string
	for _, o := range objectOrder(v.ByObject) {
		names = append(names, enObjects[o])
	}
	switch {
	case len(names) >= 3:
		sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf("By affected object, most concerned %s, followed by %s and %s.", names[0], names[1], names[2]))
	case len(names) == 2:
		sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf("By affected object, most concerned %s, followed by %s.", names[0], names[1]))
	case len(names) == 1:
		sec.Paragraphs = append(sec.Paragraphs, fmt.Sprintf("All of them concerned %s.", names[0]))
	}
	sec.Figures = []int{figureNumber(figs, FigSeverity), figureNumber(figs, FigObject)}
	return sec
}

var enPartners = map[string]string{
	"telecom": "telecom operators", "cloud": "cloud providers", "registrar": "domain registrars", "app_store": "app stores",
	"branch": "provincial branches", "international": "international partners",
}

func (e en) incidents(s *stats.Week, figs []Figure) Section {
	sec := Section{ID: SecIncidents, Heading: "Incident handling"}
	in := s.Incidents
	switch {
	case in.Handled == 0 && in.Opened == 0:
		sec.NoData = true
		sec.Paragraphs = []string{"No incident-handling records were received this week."}
		return sec
	case in.Handled == 0:
		sec.Paragraphs = []string{fmt.Sprintf("This week %s took on %s, none of which was closed yet.", e.org, e.countOf(in.Opened, "new incident", "new incidents"))}
		return sec
	}
	var partners []string
	for _, k := range partnerKinds(s) {
		partners = append(partners, enPartners[k])
	}
	p := fmt.Sprintf("This week %s handled %d network security incidents, %d of them cross-border", e.org, in.Handled, in.CrossBorder)
	if len(partners) > 0 {
		p += ", coordinating with " + e.list(partners)
	}
	p += "."
	if in.Phishing > 0 {
		p += fmt.Sprintf(" Working with domain registrars at home and abroad and foreign CERTs, it handled %d phishing complaints.", in.Phishing)
	}
	if in.AppPlatforms > 0 || in.AppURLs > 0 {
		p += fmt.Sprintf(" With %d platforms offering malicious mobile apps, it took down %d malicious URLs spreading mobile malware.", in.AppPlatforms, in.AppURLs)
	}
	sec.Paragraphs = []string{p}
	sec.Figures = []int{figureNumber(figs, FigIncidents)}
	return sec
}

var enCaptions = map[string]string{
	FigInfected:    "Domestic hosts infected with malware, by week",
	FigSites:       "Domestic website incidents this week",
	FigDefacedGov:  "Government share of defaced domestic websites",
	FigBackdoorGov: "Government share of backdoored domestic websites",
	FigSeverity:    "Vulnerabilities collected this week, by severity",
	FigObject:      "Vulnerabilities collected this week, by affected object",
	FigIncidents:   "Incidents handled this week, by type",
}

func (en) caption(id string) string { return enCaptions[id] }

var enLabels = map[string]string{
	"trojan": "Trojan/botnet", "conficker": "Conficker", "defaced": "Defaced", "backdoored": "Backdoored",
	"phishing": "Phishing pages", "sites": "Count", "gov": "Government", "other": "Other",
	"high": "High", "medium": "Medium", "low": "Low", "vulns": "Vulnerabilities", "incidents": "Incidents",
}

func (en) label(k string) string { return enLabels[k] }

func (en) object(o string) string { return enObjects[o] }

var enTypes = map[string]string{
	"phishing": "Phishing", "mobile_malware": "Mobile malware", "malware": "Malware", "defacement": "Defacement",
	"backdoor": "Backdoor", "vulnerability": "Vulnerability", "ddos": "DDoS", "other": "Other",
}

func (en) incidentType(t string) string {
	if n, ok := enTypes[t]; ok {
		return n
	}
	return t
}

var enMetrics = map[string]string{
	MetInfected: "Domestic infected hosts", MetDefaced: "Defaced domestic websites", MetBackdoored: "Backdoored domestic websites",
	MetPhishing: "Phishing pages", MetVulns: "New vulnerabilities", MetIncidents: "Incidents handled",
	MetMalware: "Malware download domains", MetDDoS: "DDoS events",
}

func (e en) move(metric string, cur, prev int, c stats.Tenths) string {
	if !e.plausible(&c) {
		return fmt.Sprintf("%s: %s, against %s last week.", enMetrics[metric], e.count(cur), e.count(prev))
	}
	dir := "up"
	if c < 0 {
		dir, c = "down", -c
	}
	return fmt.Sprintf("%s: %s, %s %s%% on last week.", enMetrics[metric], e.count(cur), dir, c)
}

func (e en) extreme(metric string, cur int, high bool, weeks int) string {
	which := "highest"
	if !high {
		which = "lowest"
	}
	return fmt.Sprintf("%s: %s, the %s in %d weeks.", enMetrics[metric], e.count(cur), which, weeks)
}
