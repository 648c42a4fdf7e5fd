package bulletin

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"sitrep/internal/enrich"
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// en words an issue in English as a CERT's English bulletin is written: plain sentences, none
// starting with a numeral, numbers with thousands separators, nouns that agree with their
// counts, and no Chinese left — organisations by their English names (names.go).
type en struct{ voice }

func (en) title(w week.Week) string {
	return fmt.Sprintf("Weekly Network Security Bulletin, %d No. %d (%s)", w.Year, w.Number, enSpan(w))
}

// enSpan writes the days of a week as "Feb 19–25", or "Jan 29–Feb 4" across a month.
func enSpan(w week.Week) string {
	m, s := w.Monday(), w.Sunday()
	if m.Month() == s.Month() {
		return fmt.Sprintf("%s %d–%d", m.Format("Jan"), m.Day(), s.Day())
	}
	return fmt.Sprintf("%s %d–%s %d", m.Format("Jan"), m.Day(), s.Format("Jan"), s.Day())
}

func (en) weekLabel(w week.Week) string { return w.Monday().Format("Jan 2") }

func (en) number(n int) string { return Thousands(n) }

func (en) tileNumber(n int) string { return Thousands(n) }

func (en) tileChange(d delta) string {
	switch d.way() {
	case wayNone:
		return ""
	case wayThin:
		return "last week " + Thousands(d.prev)
	case wayUp:
		return "▲ " + d.abs().String() + "% on last week"
	case wayDown:
		return "▼ " + d.abs().String() + "% on last week"
	case wayNearly:
		return "about the same as last week"
	}
	return "same as last week"
}

func (en) level(l string) string { return capital(EnglishLevel(l)) }

func (e en) threatsNote(threats []string) string {
	names := make([]string, len(threats))
	for i, t := range threats {
		names[i] = enThreats[t]
	}
	return "Main threats: " + strings.Join(names, ", ")
}

func (en) vulnLevelNote(level string) string {
	return "Vulnerability threat level: " + enVulnLevels[level]
}

func (en) words() Words {
	return Words{Highlights: "Highlights", Recent: "Recent issues", Figure: "Figure %d.",
		Internal: "TLP:%s — internal edition: it counts and names records a public edition may not; do not publish or forward it beyond what TLP:%[1]s allows.",
		Archive:  "All issues", Previous: "Previous issue", Next: "Next issue", Language: "中文", Downloads: "Downloads"}
}

// count writes a count: "about 184,000" from 10,000 up (to the nearest thousand), exact below.
func (en) count(n int) string {
	if n >= 10000 {
		return "about " + Thousands(int(roundTenThousands(n))*1000)
	}
	return Thousands(n)
}

// Thousands writes a count with thousands separators: 1,944. The English edition, the figures
// and the command line's progress write counts so.
func Thousands(n int) string {
	if n < 0 {
		return "-" + Thousands(-n)
	}
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

// capital is a phrase as it begins a sentence or a label.
func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// countOf writes n with the noun that agrees with it: "1 new incident", "2,000 new incidents".
func (e en) countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return e.count(n) + " " + many
}

// exactOf is countOf without rounding, and "no" for zero.
func exactOf(n int, one, many string) string {
	switch n {
	case 0:
		return "no " + many
	case 1:
		return "1 " + one
	}
	return Thousands(n) + " " + many
}

// verb picks the verb that agrees with n: was or were.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// change says how a count moved on last week; when thin, both numbers instead of the
// percentage.
func (e en) change(d delta) string {
	switch d.way() {
	case wayNone:
		return ""
	case wayThin:
		return ", against " + Thousands(d.prev) + " last week"
	case wayUp:
		return ", up " + d.abs().String() + "% on last week"
	case wayDown:
		return ", down " + d.abs().String() + "% on last week"
	case wayNearly:
		return ", about the same as last week"
	}
	return ", the same as last week"
}

// noneOr writes a count as a pronoun: "none" for zero.
func (e en) noneOr(n int) string {
	if n == 0 {
		return "none"
	}
	return e.count(n)
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

var enHeadings = map[string]string{
	SecOverview: "Overall situation", SecMalware: "Malware activity", SecWebsites: "Website security",
	SecVulns: "Vulnerabilities", SecIncidents: "Incident handling",
}

func (en) heading(id string) string { return enHeadings[id] }

var enNoData = map[string]string{
	SecOverview:    "No monitoring data or incident records were received this week, so the situation is not rated.",
	SecMalware:     "No monitoring data on infected hosts or malware download sites was received this week.",
	noHosts:        "No monitoring data on infected hosts was received this week.",
	noMalwareSites: "No monitoring data on malware download sites was received this week.",
	SecWebsites:    "No monitoring data on defaced websites, website backdoors or phishing pages was received this week.",
	SecVulns:       "No new vulnerability records were collected this week.",
	SecIncidents:   "No incident-handling records were received this week.",
}

func (en) noData(what string) string { return enNoData[what] }

// EnglishLevel is the English name of a rating level (优 … 危).
func EnglishLevel(level string) string {
	if n, ok := enLevels[level]; ok {
		return n
	}
	return level
}

var enLevels = map[string]string{"优": "excellent", "良": "good", "中": "fair", "差": "poor", "危": "critical"}

var enThreats = map[string]string{
	"vulns": "high-severity software vulnerabilities", "malware": "the spread of malware", "websites": "attacks on websites",
	"phishing": "phishing", "ddos": "denial-of-service attacks",
}

func (e en) situation(o overviewPlan) string {
	p := "This week the overall network security situation was rated " + EnglishLevel(o.level) + "."
	if o.impactful > 0 {
		p += fmt.Sprintf(" The week saw %s of national or provincial impact.", exactOf(o.impactful, "infrastructure incident", "infrastructure incidents"))
	} else {
		p += " The internet infrastructure ran smoothly overall; no infrastructure incident of national or provincial impact occurred."
	}
	if len(o.threats) > 0 {
		var names []string
		for _, t := range o.threats {
			names = append(names, enThreats[t])
		}
		p += " The main threats to government, businesses and internet users came from " + e.list(names) + "."
	}
	return p
}

// movement says how the week's counts moved against last week.
func (e en) movement(p movePlan) string {
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

func (e en) hosts(h stats.InfectedHosts) string {
	return fmt.Sprintf("This week %s infected with malware: %s controlled by trojans or botnets and %s infected with the Conficker worm.",
		e.countOf(h.Total, "domestic host was", "domestic hosts were"), e.noneOr(h.TrojanBotnet), e.noneOr(h.Conficker))
}

func (e en) provinces(top []string) string {
	names := make([]string, len(top))
	for i, name := range top {
		names[i] = enrich.ProvinceEnglish(name)
	}
	if len(names) == 1 {
		return "The province with the most trojan- or botnet-controlled hosts was " + names[0] + "."
	}
	return "The provinces with the most trojan- or botnet-controlled hosts were " + e.list(names) + "."
}

// newMalware counts the week's new malware names and families.
func (e en) newMalware(p newMalwarePlan) string {
	fams := e.list(p.shown)
	if p.more {
		fams = strings.Join(p.shown, ", ") + " and others"
	}
	if fams != "" {
		fams = " (" + fams + ")"
	}
	switch {
	case p.byName && p.families > 0:
		return fmt.Sprintf("This week %s saw %s and %s%s.", e.org, exactOf(p.names, "new malware name", "new malware names"),
			exactOf(p.families, "new malware family", "new malware families"), fams)
	case p.byName:
		return fmt.Sprintf("This week %s saw %s and no new malware family.", e.org, exactOf(p.names, "new malware name", "new malware names"))
	}
	return fmt.Sprintf("This week %s saw %s%s.", e.org, exactOf(p.families, "new malware family", "new malware families"), fams)
}

func (e en) malwareSites(m sitesPlan) string {
	var on []string
	if m.Domains > 0 {
		on = append(on, exactOf(m.Domains, "domain", "domains"))
	}
	if m.IPs > 0 {
		on = append(on, exactOf(m.IPs, "IP address", "IP addresses"))
	}
	p := fmt.Sprintf("Malware download sites are where malware spreads from. This week %s found them on %s.", e.org, e.list(on))
	var parts []string
	if m.Domains > 0 {
		parts = append(parts, fmt.Sprintf("of the domains, about %s%% were registered abroad and about %s%% were under .com", m.DomainsAbroadPct, m.DomainsComPct))
	}
	if m.IPs > 0 {
		parts = append(parts, fmt.Sprintf("of the IP addresses, about %s%% were abroad", m.IPsAbroadPct))
	}
	p += " " + capital(strings.Join(parts, "; ")) + "."
	switch m.reach {
	case reachDomains:
		p += " All of the sites were reached by domain name."
	case reachMostly:
		p += fmt.Sprintf(" Most sites were reached by domain name; %s served malware directly by IP URL.", exactOf(m.IPURLs, "IP address", "IP addresses"))
	case reachIPs:
		if m.Domains == 0 {
			p += fmt.Sprintf(" All of the sites were reached directly by IP address (%s).", exactOf(m.IPURLs, "address", "addresses"))
		} else {
			p += fmt.Sprintf(" Sites reached directly by IP address (%s) were at least as many as the domains (%s).", Thousands(m.IPURLs), Thousands(m.Domains))
		}
	}
	return p
}

func (e en) blacklist(publisher string) string {
	return fmt.Sprintf("%s worked with domain registrars and others on what its own monitoring found and what others reported, and %s publishes the malicious addresses as a blacklist on its website.", e.org, publisher)
}

func (e en) websiteCounts(defaced, backdoored, pages int) string {
	return fmt.Sprintf("This week %s found %s, %s and %s.", e.org,
		exactOf(defaced, "defaced domestic website", "defaced domestic websites"),
		exactOf(backdoored, "domestic website with a backdoor", "domestic websites with backdoors"),
		exactOf(pages, "phishing page impersonating a domestic website", "phishing pages impersonating domestic websites"))
}

func (e en) websiteDetail(w websitesPlan) string {
	var parts []string
	gov := func(f *shareFact, of, whose string) string {
		if f.gov == 0 {
			was := ""
			if f.moved.prev > 0 {
				was = ", against " + Thousands(f.moved.prev) + " last week"
			}
			return fmt.Sprintf("None of the %s websites was a government (GOV) site%s.", of, was)
		}
		return fmt.Sprintf("Of the %s websites, %s %s (GOV) %s, about %s%% of %s%s.", of, Thousands(f.gov), verb(f.gov, "was a government", "were government"),
			verb(f.gov, "site", "sites"), f.pct, whose, e.change(f.moved))
	}
	if d := w.defacedGov; d != nil {
		parts = append(parts, gov(d, "defaced", "the domestic total"))
	}
	if b := w.backdoorGov; b != nil {
		parts = append(parts, gov(b, "backdoored", "them"))
	}
	if p := w.phishing; p != nil {
		q := fmt.Sprintf("The phishing pages used %s and %s", exactOf(p.domains, "domain", "domains"), exactOf(p.ips, "IP address", "IP addresses"))
		if p.perIP != nil {
			q += ", about " + exactOf(*p.perIP, "page", "pages") + " per IP address"
		}
		parts = append(parts, q+".")
	}
	return strings.Join(parts, " ")
}

func (e en) targets(names []string) string {
	var out []string
	for _, n := range names {
		// Two spellings of one organisation (中国工商银行, 工商银行) are one name in English.
		if name := e.orgName(n); !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 1 {
		return "The organisation most impersonated was " + out[0] + "."
	}
	return "The organisations most impersonated were " + e.list(out) + "."
}

var enObjects = map[string]string{
	"application": "applications", "web_application": "web applications", "os": "operating systems",
	"network_device": "network devices", "security_product": "security products", "database": "databases",
	"smart_device": "smart devices", "other": "other objects",
}

var enVulnLevels = map[string]string{"高": "high", "中": "medium", "低": "low"}

func (e en) vulnCounts(p vulnsPlan) string {
	v := p.v
	// The severities with records, named once each: "all medium-severity" where one holds
	// them all.
	var parts []string
	for _, s := range []struct {
		n    int
		name string
	}{{v.High, "high-severity"}, {v.Medium, "medium-severity"}, {v.Low, "low-severity"}} {
		if s.n > 0 {
			parts = append(parts, Thousands(s.n)+" "+s.name)
		}
	}
	split := ""
	switch {
	case len(parts) == 1 && v.Total == 1:
		split = ", " + strings.SplitN(parts[0], " ", 2)[1]
	case len(parts) == 1:
		split = ", all " + strings.SplitN(parts[0], " ", 2)[1]
	case len(parts) > 1:
		split = ": " + e.list(parts)
	}
	who := "the China National Vulnerability Database (CNVD) collected"
	if p.gathered {
		who = e.org + " gathered"
	}
	exploited := ""
	switch n := v.KnownExploited; {
	case n == 1 && v.Total == 1:
		exploited = " It is known to be exploited (listed in a known-exploited catalog) and calls for priority."
	case n == 1:
		exploited = " One of them is known to be exploited (listed in a known-exploited catalog) and calls for priority."
	case n > 1:
		exploited = fmt.Sprintf(" Of them, %s are known to be exploited (listed in a known-exploited catalog) and call for priority.", Thousands(n))
	}
	return fmt.Sprintf("This week %s %s%s. The overall vulnerability threat level was %s.%s",
		who, exactOf(v.Total, "new vulnerability", "new vulnerabilities"), split, enVulnLevels[v.Level], exploited)
}

func (e en) vulnObjects(p vulnsPlan) string {
	names := make([]string, len(p.objects))
	for i, o := range p.objects {
		names[i] = enObjects[o]
	}
	more := " CNVD's weekly vulnerability report gives the details."
	if p.gathered {
		more = ""
	}
	rest := ""
	switch {
	case p.unclassified == 1:
		rest = " One more could not be classed by affected object."
	case p.unclassified > 1:
		rest = " A further " + Thousands(p.unclassified) + " could not be classed by affected object."
	}
	switch {
	case len(names) == 0 && p.v.Total == 1:
		return "It could not be classed by affected object." + more
	case len(names) == 0:
		return "None of them could be classed by affected object." + more
	case len(names) == 1 && p.allClassified && p.v.Total == 1:
		return "It affected " + names[0] + "." + more
	case len(names) == 1 && p.allClassified:
		return "All of them affected " + names[0] + "." + more
	case len(names) == 1:
		return "By affected object, " + names[0] + " accounted for the most." + rest + more
	case len(names) == 2:
		return "By affected object, " + names[0] + " accounted for the most, followed by " + names[1] + "." + rest + more
	}
	return "By affected object, " + names[0] + " accounted for the most, followed by " + names[1] + " and " + names[2] + "." + rest + more
}

var enPartners = map[string]string{
	"telecom": "telecom operators", "cloud": "cloud providers", "registrar": "domain registrars", "app_store": "app stores",
	"branch": "provincial branches", "international": "international partners",
}

func (e en) incidentsOpened(n int) string {
	return fmt.Sprintf("This week %s took on %s, %s closed yet.", e.org, exactOf(n, "new incident", "new incidents"), verb(n, "not", "none of them"))
}

func (e en) incidentsHandled(in incidentsPlan) string {
	p := fmt.Sprintf("This week %s handled %s", e.org, exactOf(in.handled, "network security incident", "network security incidents"))
	switch {
	case in.handled == 1 && in.crossBorder == 1:
		p += ", a cross-border one"
	case in.handled == 1:
	case in.crossBorder == 0:
		p += ", none of them cross-border"
	default:
		p += ", " + Thousands(in.crossBorder) + " of them cross-border"
	}
	if len(in.partners) > 0 {
		var partners []string
		for _, k := range in.partners {
			partners = append(partners, enPartners[k])
		}
		p += ", coordinating with " + e.list(partners)
	}
	p += "."
	if in.phishing > 0 {
		p += fmt.Sprintf(" Working with domain registrars at home and abroad and with foreign CERTs, it handled %s.", exactOf(in.phishing, "phishing complaint", "phishing complaints"))
	}
	switch {
	case in.apps && in.appPlatforms > 0:
		p += fmt.Sprintf(" Working with %s that offered malicious mobile apps, it took down %s spreading mobile malware.",
			exactOf(in.appPlatforms, "platform", "platforms"), exactOf(in.appURLs, "malicious URL", "malicious URLs"))
	case in.apps:
		p += fmt.Sprintf(" It took down %s spreading mobile malware.", exactOf(in.appURLs, "malicious URL", "malicious URLs"))
	}
	return p
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
	"phishing": "Phishing pages", "sites": "Websites", "gov": "Government", "other": "Other",
	"high": "High", "medium": "Medium", "low": "Low", "vulns": "Vulnerabilities", "incidents": "Incidents",
	"unit_hosts": "Infected hosts", "unit_sites": "Websites or pages", "unit_vulns": "Vulnerabilities", "unit_incidents": "Incidents",
	"card_infected": "Domestic infected hosts", "card_defaced": "Defaced websites", "card_phishing": "Phishing pages", "card_vulns": "New vulnerabilities",
	"card_malware_domains": "Malware download domains", "card_malware_ips": "Malware download IPs", "card_defaced_gov": "Government (GOV) sites",
	"card_backdoored": "Backdoored websites", "card_backdoored_gov": "Government (GOV) sites", "card_phishing_ips": "Phishing IPs",
	"card_handled": "Incidents handled", "card_cross_border": "Cross-border incidents", "card_phishing_complaints": "Phishing complaints",
	"card_app_urls": "Malicious app URLs", "map_caption": "Trojan- or botnet-controlled hosts in mainland China, by province",
	"card_rating": "Overall network security situation", "unit_trojan": "Trojan/botnet hosts",
	"unit_pages": "Pages", "not_high": "Medium or low",
}

func (en) label(k string) string { return enLabels[k] }

func (en) object(o string) string { return capital(enObjects[o]) }

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

func (e en) move(m moveFact) string {
	if m.thin {
		return fmt.Sprintf("%s: %s, against %s last week.", enMetrics[m.metric], e.count(m.cur), e.count(m.prev))
	}
	dir, c := "up", m.change
	if c < 0 {
		dir, c = "down", -c
	}
	return fmt.Sprintf("%s: %s, %s %s%% on last week.", enMetrics[m.metric], e.count(m.cur), dir, c)
}

func (e en) extreme(metric string, cur int, high bool, weeks int) string {
	which := "highest"
	if !high {
		which = "lowest"
	}
	return fmt.Sprintf("%s: %s, the %s in %d weeks.", enMetrics[metric], e.count(cur), which, weeks)
}
