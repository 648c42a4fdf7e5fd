package bulletin

import (
	"fmt"
	"strings"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// The English of a month's, a quarter's and a year's issue: the monthly form's sentences, in
// the English edition's rules (no sentence opens with a numeral, nouns agree with their counts,
// thousands separators, no Chinese).

// enPeriod names a period: "February 2024", "Q1 2024", "2024".
func enPeriod(p period.Period) string {
	switch p.Kind {
	case period.Month:
		return time.Month(p.N).String() + fmt.Sprintf(" %d", p.Year)
	case period.Quarter:
		return fmt.Sprintf("Q%d %d", p.N, p.Year)
	case period.Week:
		return fmt.Sprintf("week %d of %d", p.N, p.Year)
	}
	return fmt.Sprint(p.Year)
}

func (en) periodTitle(p period.Period) string {
	if p.Kind == period.Year {
		return fmt.Sprintf("Annual Network Security Monitoring Data Analysis, %d", p.Year)
	}
	return "Network Security Monitoring Data Analysis, " + enPeriod(p)
}

func (en) periodLabel(p period.Period) string {
	switch p.Kind {
	case period.Month:
		return time.Month(p.N).String()[:3] + fmt.Sprintf(" %d", p.Year)
	case period.Quarter:
		return fmt.Sprintf("Q%d %d", p.N, p.Year)
	}
	return enPeriod(p)
}

var enPeriodHeadings = map[string]string{
	SecPOverview: "1 Overview", SecPBasic: "2 Basic network security", SecPCritical: "3 Critical information infrastructure",
	SecPPublic: "4 Public network environment", SecPMalware: "4.1 Malicious code", SecPWebsites: "4.2 Websites",
	SecPVulns: "4.3 Vulnerabilities", SecPIncidents: "4.4 Incidents received and handled",
	SecPProvinces: "5 Controlled hosts by province", SecPFamilies: "6 Malware families", SecPTargets: "7 Organisations impersonated",
	SecPDistribution: "8 Incident sources and coordination", SecPHighest: "9 Peak weeks",
}

func (en) periodHeading(id string, _ period.Period) string { return enPeriodHeadings[id] }

var enPeriodCaptions = map[string]string{
	FigPTrojan: "Domestic hosts controlled by trojans or botnets", FigPDefaced: "Defaced domestic websites",
	FigPBackdoored: "Backdoored domestic websites", FigPPhishing: "Pages impersonating domestic websites",
	FigPVulns: "Vulnerabilities collected", FigPIncidents: "Incidents handled",
}

func (en) periodCaption(id string, p period.Period) string {
	switch id {
	case FigPTypes:
		return "Incidents handled in " + enPeriod(p) + ", by type"
	case FigPProvinces:
		return "Domestic hosts controlled by trojans or botnets in " + enPeriod(p) + ": the top ten provinces"
	}
	if p.Kind == period.Quarter {
		return enPeriodCaptions[id] + ", by quarter"
	}
	return enPeriodCaptions[id] + ", by month"
}

func (e en) periodWords(p period.Period) Words {
	w := e.words()
	w.Recent = "Earlier issues"
	w.Archive = map[period.Kind]string{period.Month: "All monthly issues", period.Quarter: "All quarterly issues", period.Year: "All annual issues"}[p.Kind]
	return w
}

// enSpanOf is how the sentences speak of a period and the one before.
type enSpanOf struct {
	in, this, prev string // "In February 2024", "this month", "last month"
	// inPrev is the period before as an adverbial: "last month", "in 2023".
	inPrev string
	ago    bool // 同比 is said (not for a year, whose period before is the year before)
}

func enSpanFor(p period.Period) enSpanOf {
	switch p.Kind {
	case period.Month:
		return enSpanOf{in: "In " + enPeriod(p), this: "this month", prev: "last month", inPrev: "last month", ago: true}
	case period.Quarter:
		return enSpanOf{in: "In " + enPeriod(p), this: "this quarter", prev: "last quarter", inPrev: "last quarter", ago: true}
	}
	return enSpanOf{in: "In " + enPeriod(p), this: "this year", prev: fmt.Sprint(p.Year - 1), inPrev: fmt.Sprintf("in %d", p.Year-1)}
}

// byPct says how a count moved: ", down 4.7% on last month"; with was, the count before:
// ", up 4.5% on last month's 5,052".
func (sp enSpanOf) byPct(d delta, was bool) string {
	on := sp.prev
	if was {
		on = sp.prev + "'s " + Thousands(d.prev)
		if !strings.HasSuffix(sp.prev, "month") && !strings.HasSuffix(sp.prev, "quarter") {
			on = Thousands(d.prev) + " in " + sp.prev
		}
	}
	if d.cur == 0 && d.prev > 0 {
		return ", against " + Thousands(d.prev) + " " + sp.inPrev
	}
	switch d.way() {
	case wayNone:
		if d.cur > 0 && !d.unmeasured {
			return ", against none " + sp.inPrev
		}
		return ""
	case wayThin:
		return ", against " + Thousands(d.prev) + " " + sp.inPrev
	case wayUp:
		return ", up " + d.abs().String() + "% on " + on
	case wayDown:
		return ", down " + d.abs().String() + "% on " + on
	case wayNearly:
		return ", about the same as " + sp.inPrev
	}
	return ", the same as " + sp.inPrev
}

// byCount says how a small count moved: ", 25 fewer than last month".
func (sp enSpanOf) byCount(d delta) string {
	switch {
	case d.cur > d.prev:
		return fmt.Sprintf(", %s more than %s", Thousands(d.cur-d.prev), sp.inPrev)
	case d.cur < d.prev:
		return fmt.Sprintf(", %s fewer than %s", Thousands(d.prev-d.cur), sp.inPrev)
	}
	return ", the same as " + sp.inPrev
}

// yearAgo says how a count moved on the same period a year earlier.
func (sp enSpanOf) yearAgo(d pdelta) string {
	if d.ago == nil || !sp.ago {
		return ""
	}
	switch a := *d.ago; a.way() {
	case wayNone:
		return ""
	case wayThin:
		return " and " + Thousands(a.prev) + " a year earlier"
	case wayUp:
		return " and up " + a.abs().String() + "% year on year"
	case wayDown:
		return " and down " + a.abs().String() + "% year on year"
	case wayNearly:
		return " and about the same as a year earlier"
	}
	return " and the same as a year earlier"
}

func (en) seriesSpan(pp periodPlan) string {
	if len(pp.series) != 2 {
		return ""
	}
	a, _ := period.Parse(pp.series[0])
	b, _ := period.Parse(pp.series[1])
	switch {
	case a == b:
		return "in " + enPeriod(a)
	case a.Kind == period.Month && a.Year == b.Year:
		return "from " + time.Month(a.N).String() + " to " + enPeriod(b)
	}
	return "from " + enPeriod(a) + " to " + enPeriod(b)
}

func (e en) figureRef(pp periodPlan, what string, fig int) string {
	if fig == 0 || len(pp.series) != 2 {
		return ""
	}
	by := "month"
	if pp.p.Kind == period.Quarter {
		by = "quarter"
	}
	return fmt.Sprintf(" Figure %d shows %s by %s %s.", fig, what, by, e.seriesSpan(pp))
}

var enMoved = map[string]string{
	"infected_hosts.trojan_botnet": "hosts controlled by trojans or botnets", "infected_hosts.conficker": "hosts infected with Conficker",
	"defaced.total": "defaced websites", "defaced.gov": "defaced government websites",
	"backdoored.total": "backdoored websites", "backdoored.gov": "backdoored government websites",
	"phishing.pages": "phishing pages", "vulnerabilities.total": "vulnerabilities collected", "incidents.handled": "incidents handled",
}

func (e en) moved(ms []string) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = enMoved[m]
	}
	return e.list(names)
}

func (e en) pOverview(pp periodPlan) []string {
	sp := enSpanFor(pp.p)
	if pp.noData {
		return []string{"Nothing at all was recorded " + sp.this + ", and the situation is not rated."}
	}
	var b strings.Builder
	if c := pp.covered; c != nil {
		if c.First == "" {
			b.WriteString("There is no monitoring data of " + enPeriod(pp.p) + ": what follows counts only vulnerability and incident records, and the period is neither rated nor compared with others. ")
		} else {
			b.WriteString("The monitoring data of " + enPeriod(pp.p) + " covers only " + enDays(*c) + ": the numbers below are of those days, and the period is neither rated nor compared with others. ")
		}
	}
	if pp.level != "" {
		b.WriteString(sp.in + ", the overall network security situation was rated " + EnglishLevel(pp.level) + ". ")
	}
	if n := pp.impact["national"] + pp.impact["provincial"]; n > 0 {
		fmt.Fprintf(&b, "%s handled %s of provincial or national impact %s.", e.org, exactOf(n, "incident", "incidents"), sp.this)
	} else if pp.level != "" {
		b.WriteString("The basic networks ran smoothly, with no major incident.")
	} else {
		b.WriteString(sp.in + ", the basic networks ran smoothly, with no major incident.")
	}
	if pp.p.Kind == period.Year {
		fmt.Fprintf(&b, " Over the year, %s found %s controlled by trojans or botnets, %s, %s and %s; it collected %s and handled %s.",
			e.org, e.aboutOf(pp.hosts.cur, "domestic host", "domestic hosts"), exactOf(pp.defaced.cur, "defaced website", "defaced websites"),
			exactOf(pp.backdoored.cur, "backdoored website", "backdoored websites"), exactOf(pp.pages.cur, "phishing page", "phishing pages"),
			exactOf(pp.vulns.cur, "vulnerability", "vulnerabilities"), exactOf(pp.handled.cur, "incident", "incidents"))
	}
	if pp.compare {
		on := " than " + sp.inPrev
		switch {
		case len(pp.rose) > 0 && len(pp.fell) > 0 && len(pp.flat) == 0:
			b.WriteString(" There were more " + e.moved(pp.rose) + on + "; every other count fell.")
		case len(pp.rose) == 0 && len(pp.fell) > 0 && len(pp.flat) == 0:
			b.WriteString(" Every count was lower than " + sp.inPrev + ".")
		case len(pp.rose) > 0 && len(pp.fell) == 0 && len(pp.flat) == 0:
			b.WriteString(" Every count was higher than " + sp.inPrev + ".")
		case len(pp.rose)+len(pp.fell) == 0 && len(pp.flat) > 0:
			b.WriteString(" Every count was the same as " + sp.inPrev + ".")
		case len(pp.flat) > 0:
			var parts []string
			if len(pp.rose) > 0 {
				parts = append(parts, "more "+e.moved(pp.rose))
			}
			if len(pp.fell) > 0 {
				parts = append(parts, "fewer "+e.moved(pp.fell))
			}
			unchanged := "the number of " + e.moved(pp.flat) + " was unchanged"
			if len(pp.flat) > 1 {
				unchanged = "the numbers of " + e.moved(pp.flat) + " were unchanged"
			}
			b.WriteString(" There were " + strings.Join(parts, " and ") + on + "; " + unchanged + ".")
		}
	}
	return []string{strings.TrimSpace(b.String())}
}

func (e en) pBasic(pp periodPlan) []string {
	sp := enSpanFor(pp.p)
	if pp.empty[SecPBasic] {
		return []string{"Nothing at all was recorded " + sp.this + ", so nothing can be said of the basic networks."}
	}
	nat, prov := pp.impact["national"], pp.impact["provincial"]
	if nat+prov == 0 {
		return []string{sp.in + ", the basic networks ran smoothly: no failure of provincial or wider impact, and no major incident."}
	}
	return []string{fmt.Sprintf("%s, %s handled %s of wide impact: %s national and %s provincial.", sp.in, e.org,
		exactOf(nat+prov, "incident", "incidents"), e.noneOr(nat), e.noneOr(prov))}
}

func (e en) pCritical(pp periodPlan) []string {
	sp := enSpanFor(pp.p)
	var b strings.Builder
	if pp.empty[SecPCritical] {
		return []string{"No data on defaced or backdoored domestic websites was received " + sp.this + ", and no vulnerability incident was handled."}
	}
	if pp.defaced.cur+pp.defaced.prev+pp.backdoored.cur+pp.backdoored.prev > 0 {
		b.WriteString(sp.in + ", " + exactOf(pp.govDefaced.cur, "domestic government website was", "domestic government websites were") + " defaced")
		if pp.compare {
			b.WriteString(sp.byCount(pp.govDefaced.delta))
		}
		if pp.govDefacedPct != nil && pp.govDefaced.cur > 0 {
			b.WriteString(" (" + pp.govDefacedPct.String() + "% of all defaced domestic websites)")
		}
		b.WriteString(", and " + e.noneOr(pp.govBackdoored.cur) + " " + verb(pp.govBackdoored.cur, "was", "were") + " backdoored")
		if pp.compare {
			b.WriteString(sp.byCount(pp.govBackdoored.delta))
		}
		if pp.govBackPct != nil && pp.govBackdoored.cur > 0 {
			b.WriteString(" (" + pp.govBackPct.String() + "% of all backdoored domestic websites)")
		}
		b.WriteString(".")
	}
	if pp.vulnIncidents > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s coordinated the handling of %s.", e.org, exactOf(pp.vulnIncidents, "vulnerability incident", "vulnerability incidents"))
	}
	return []string{b.String()}
}

func (e en) pPublic(pp periodPlan) []string {
	if pp.empty[SecPPublic] {
		return []string{"No monitoring data of the public network environment was received " + enSpanFor(pp.p).this + "."}
	}
	return []string{enSpanFor(pp.p).in + ", " + e.org + "'s monitoring gave the following main indicators of the public network environment."}
}

func (e en) pMalware(pp periodPlan, fig int) []string {
	sp := enSpanFor(pp.p)
	var out []string
	if h := pp.hosts; h.cur+h.prev > 0 {
		p := sp.in + ", " + e.aboutOf(h.cur, "domestic IP address", "domestic IP addresses") + " belonged to hosts controlled by trojans or botnets" + sp.byPct(h.delta, false) + sp.yearAgo(h) + "." +
			e.figureRef(pp, "the hosts controlled by trojans or botnets", fig)
		names := make([]string, len(pp.provinces))
		for i, n := range pp.provinces {
			names[i] = enrich.ProvinceEnglish(n)
		}
		switch len(names) {
		case 0:
		case 1:
			p += " The province with the most was " + names[0] + "."
		default:
			p += " The provinces with the most were " + e.list(names) + "."
		}
		out = append(out, p)
	}
	var more []string
	if pp.ccServers > 0 {
		more = append(more, "Trojan or botnet control servers were seen at "+exactOf(pp.ccServers, "IP address", "IP addresses")+".")
	}
	if c := pp.conficker; c.cur+c.prev > 0 {
		more = append(more, "Hosts infected with the Conficker worm numbered "+e.count(c.cur)+sp.byPct(c.delta, false)+sp.yearAgo(c)+".")
	}
	if d := pp.domains; d.cur > 0 {
		more = append(more, "Malware was downloaded from "+exactOf(d.cur, "domain", "domains")+sp.byPct(d.delta, false)+".")
	}
	if len(more) > 0 {
		out = append(out, strings.Join(more, " "))
	}
	if len(out) == 0 {
		out = append(out, "No data on domestic hosts infected with malicious code was received "+sp.this+".")
	}
	return out
}

func (e en) pWebsites(pp periodPlan, figs [3]int) []string {
	sp := enSpanFor(pp.p)
	var out []string
	if d := pp.defaced; d.cur+d.prev > 0 {
		out = append(out, sp.in+", "+exactOf(d.cur, "domestic website was", "domestic websites were")+" defaced"+sp.byPct(d.delta, true)+sp.yearAgo(d)+"."+
			e.figureRef(pp, "the defaced domestic websites", figs[0]))
	}
	if d := pp.backdoored; d.cur+d.prev > 0 {
		out = append(out, sp.in+", "+exactOf(d.cur, "domestic website was", "domestic websites were")+" backdoored"+sp.byPct(d.delta, true)+sp.yearAgo(d)+"."+
			e.figureRef(pp, "the backdoored domestic websites", figs[1]))
	}
	if d := pp.pages; d.cur+d.prev > 0 {
		p := sp.in + ", " + e.org + " found " + exactOf(d.cur, "page", "pages") + " impersonating domestic websites" + sp.byPct(d.delta, true) + sp.yearAgo(d) + "."
		if len(pp.targets) > 0 {
			names := make([]string, len(pp.targets))
			for i, n := range pp.targets {
				names[i] = e.orgName(n)
			}
			if len(names) == 1 {
				p += " The organisation most impersonated was " + names[0] + "."
			} else {
				p += " The organisations most impersonated were " + e.list(names) + "."
			}
		}
		out = append(out, p+e.figureRef(pp, "the phishing pages", figs[2]))
	}
	if len(out) == 0 {
		out = append(out, "No data on defaced or backdoored domestic websites or on phishing pages was received "+sp.this+".")
	}
	return out
}

func (e en) pVulns(pp periodPlan, fig int) []string {
	sp := enSpanFor(pp.p)
	d := pp.vulns
	if d.cur+d.prev == 0 {
		return []string{"No new vulnerability record was collected " + sp.this + "."}
	}
	who := "the China National Vulnerability Database (CNVD)"
	if pp.gathered {
		who = e.org
	}
	p := sp.in + ", " + who + " collected " + exactOf(d.cur, "vulnerability", "vulnerabilities") + sp.byPct(d.delta, true) + sp.yearAgo(d) + "."
	if d.cur > 0 {
		p += " Of these, " + e.noneOr(pp.high) + " " + verb(pp.high, "was", "were") + " high-severity"
		if pp.exploited > 0 {
			p += ", and " + Thousands(pp.exploited) + " " + verb(pp.exploited, "is", "are") + " in a catalogue of known exploited vulnerabilities and should be handled first"
		}
		p += "."
	}
	return []string{p + e.figureRef(pp, "the vulnerabilities collected", fig)}
}

func (e en) pIncidents(pp periodPlan, figs [2]int) []string {
	sp := enSpanFor(pp.p)
	d := pp.handled
	if d.cur+d.prev == 0 {
		return []string{"No record of an incident handled was received " + sp.this + "."}
	}
	p := sp.in + ", " + e.org + " handled " + exactOf(d.cur, "incident", "incidents") + sp.byPct(d.delta, true) + sp.yearAgo(d) + "."
	if len(pp.types) > 0 {
		var parts []string
		for _, t := range pp.types {
			parts = append(parts, fmt.Sprintf("%s %s (%s%%)", Thousands(t.n), inSentence(e.incidentType(t.typ)), t.share))
		}
		p += " By type: " + e.list(parts) + "."
	}
	if ref := e.figureRef(pp, "the incidents handled", figs[0]); ref != "" {
		p += ref
		if figs[1] != 0 && len(pp.types) > 0 {
			p += fmt.Sprintf(" Figure %d shows them by type.", figs[1])
		}
	}
	return []string{p}
}

func (e en) pProvinces(pp periodPlan, fig int) []string {
	sp := enSpanFor(pp.p)
	if len(pp.topProvinces) == 0 {
		return []string{"No data on controlled hosts by province was received " + sp.this + "."}
	}
	var parts []string
	for _, nc := range pp.topProvinces {
		parts = append(parts, fmt.Sprintf("%s (%s)", enrich.ProvinceEnglish(nc.Name), Thousands(nc.Count)))
	}
	p := fmt.Sprintf("%s, the provinces with the most hosts controlled by trojans or botnets were %s.", sp.in, e.list(parts))
	if fig != 0 {
		p += fmt.Sprintf(" Figure %d shows them.", fig)
	}
	return []string{p}
}

func (e en) pTargets(pp periodPlan) []string {
	sp := enSpanFor(pp.p)
	if len(pp.topTargets) == 0 {
		return []string{"No phishing page whose target may be published was found " + sp.this + "."}
	}
	var parts []string
	for _, nc := range pp.topTargets {
		parts = append(parts, fmt.Sprintf("%s (%s)", e.orgName(nc.Name), exactOf(nc.Count, "page", "pages")))
	}
	if len(parts) == 1 {
		return []string{sp.in + ", the organisation most impersonated by phishing pages was " + parts[0] + "."}
	}
	return []string{sp.in + ", the organisations most impersonated by phishing pages were " + e.list(parts) + "."}
}

func (e en) pFamilies(pp periodPlan) []string {
	sp := enSpanFor(pp.p)
	if len(pp.families) == 0 {
		return []string{"The monitoring data of " + enPeriod(pp.p) + " did not name the malware families of the controlled hosts."}
	}
	var parts []string
	for _, nc := range pp.families {
		parts = append(parts, fmt.Sprintf("%s (%s)", nc.Name, exactOf(nc.Count, "host", "hosts")))
	}
	return []string{sp.in + ", the malware families that controlled the most domestic hosts were " + e.list(parts) + "."}
}

func (e en) pDistribution(pp periodPlan) []string {
	sp := enSpanFor(pp.p)
	if len(pp.sources)+len(pp.partners) == 0 {
		return []string{"No record of an incident handled was received " + sp.this + "."}
	}
	var out []string
	if len(pp.sources) > 0 {
		var parts []string
		for i, nc := range pp.sources {
			noun := ""
			if i == 0 {
				noun = verb(nc.Count, " incident", " incidents")
			}
			parts = append(parts, fmt.Sprintf("%s%s from %s", Thousands(nc.Count), noun, e.orgName(nc.Name)))
		}
		out = append(out, sp.in+", "+e.org+" handled "+e.list(parts)+".")
	}
	if len(pp.partners) > 0 {
		var parts []string
		for _, nc := range pp.partners {
			name := enPartners[nc.Name]
			if name == "" {
				name = nc.Name
			}
			parts = append(parts, fmt.Sprintf("%s %s", name, Thousands(nc.Count)))
		}
		p := "By partner: " + e.list(parts) + "."
		if len(pp.partnerNames) > 0 {
			var names []string
			for _, nc := range pp.partnerNames {
				names = append(names, fmt.Sprintf("%s (%s)", e.orgName(nc.Name), Thousands(nc.Count)))
			}
			p += " The partners that handled the most were " + e.list(names) + "."
		}
		out = append(out, p)
	}
	return out
}

func (e en) pHighest(pp periodPlan) []string {
	sp := enSpanFor(pp.p)
	if len(pp.highest) == 0 {
		return []string{"No week of " + enPeriod(pp.p) + " had any data."}
	}
	var parts []string
	for _, h := range pp.highest {
		w, _ := week.Parse(h.week)
		parts = append(parts, fmt.Sprintf("%s peaked in the week of %s, %d (%s)", enMoved[h.metric], enSpan(w), w.Monday().Year(), Thousands(h.n)))
	}
	return []string{sp.in + ", " + strings.Join(parts, "; ") + "."}
}

func (en) province(name string) string { return enrich.ProvinceEnglish(name) }

// enDays writes a span of days: "March 1–3, 2024", "December 28, 2023 to January 3, 2024".
func enDays(d stats.Days) string {
	a, errA := time.Parse(time.DateOnly, d.First)
	b, errB := time.Parse(time.DateOnly, d.Last)
	switch {
	case errA != nil || errB != nil:
		return d.First + " to " + d.Last
	case a.Year() != b.Year():
		return a.Format("January 2, 2006") + " to " + b.Format("January 2, 2006")
	case a.Month() != b.Month():
		return a.Format("January 2") + " to " + b.Format("January 2, 2006")
	case a.Day() == b.Day():
		return a.Format("January 2, 2006")
	}
	return fmt.Sprintf("%s %d–%d, %d", a.Month(), a.Day(), b.Day(), a.Year())
}

// aboutOf is countOf with "no" for zero: "no domestic IP addresses", "about 37,000 …".
func (e en) aboutOf(n int, one, many string) string {
	if n == 0 {
		return "no " + many
	}
	return e.countOf(n, one, many)
}
