package bulletin

import (
	"fmt"

	"sitrep/internal/enrich"
	"sitrep/internal/stats"
)

// Warning is something an editor should look at before approving an issue. It is not part of
// the text, and not of its renderings.
type Warning struct {
	Metric string       `json:"metric"`
	Value  int          `json:"value"`
	Prev   int          `json:"prev"`
	Change stats.Tenths `json:"change_pct"`
	ZH     string       `json:"zh"`
	EN     string       `json:"en"`
}

var govNames = map[string][2]string{
	"defaced.gov":    {"境内被篡改政府网站数量", "Defaced government websites"},
	"backdoored.gov": {"境内被植入后门的政府网站数量", "Backdoored government websites"},
}

// warnings lists what the editor should check: the week-over-week changes of the issue beyond
// the policy's bound (the bulletin prints both weeks' numbers for them instead of a
// percentage), and the organisations the English edition has no English name for.
func warnings(s *stats.Week, history []WeekCount, v voice) []Warning {
	counts := []struct {
		metric    string
		cur, prev int
	}{
		{MetInfected, s.InfectedHosts.Total, s.InfectedHosts.PrevTotal},
		{MetMalware, s.MalwareSites.Domains, s.MalwareSites.PrevDomains},
		{MetDefaced, s.Defaced.Total, s.Defaced.PrevTotal},
		{"defaced.gov", s.Defaced.Gov, s.Defaced.PrevGov},
		{MetBackdoored, s.Backdoored.Total, s.Backdoored.PrevTotal},
		{"backdoored.gov", s.Backdoored.Gov, s.Backdoored.PrevGov},
		{MetPhishing, s.Phishing.Pages, s.Phishing.PrevPages},
		{MetDDoS, s.DDoS.Events, s.DDoS.PrevEvents},
		{MetVulns, s.Vulnerabilities.Total, s.Vulnerabilities.PrevTotal},
	}
	if n := len(history); n > 1 {
		counts = append(counts, struct {
			metric    string
			cur, prev int
		}{MetIncidents, s.Incidents.Handled, history[n-2].Incidents})
	}
	pol := v.policy()
	var out []Warning
	for _, c := range counts {
		ch := stats.Change(c.cur, c.prev)
		if v.plausible(ch) {
			continue
		}
		zhName, enName := zhMetrics[c.metric], enMetrics[c.metric]
		if g, ok := govNames[c.metric]; ok {
			zhName, enName = g[0], g[1]
		}
		out = append(out, Warning{Metric: c.metric, Value: c.cur, Prev: c.prev, Change: *ch,
			ZH: fmt.Sprintf("%s由上周%d变为本周%d（%s%%），超出合理变化幅度（±%g%%，策略 changes.max_change_pct）：公报写出两周的数字，不写百分比；请核对上周数据是否完整",
				zhName, c.prev, c.cur, signed(*ch), pol.Changes.MaxPct),
			EN: fmt.Sprintf("%s went from %d last week to %d (%s%%), beyond the plausible change (±%g%%, policy changes.max_change_pct): the bulletin states both numbers, not the percentage; check that last week's data is complete",
				enName, c.prev, c.cur, signed(*ch), pol.Changes.MaxPct),
		})
	}
	if n := s.Vulnerabilities.SameCVE; n > 0 {
		out = append(out, Warning{Metric: "vulnerabilities.same_cve", Value: n,
			ZH: fmt.Sprintf("本周有%d条漏洞记录与另一条记录的CVE编号相同（如CNVD与NVD各有一条），均已计入漏洞总数：若两个来源都已导入，请确认是否应只保留一个来源", n),
			EN: fmt.Sprintf("%d of the week's vulnerability records share a CVE with another record (CNVD's and NVD's record of one vulnerability, say), and each is counted: if two sources were loaded, check that both should be", n),
		})
	}
	for _, name := range topNames(s.InfectedHosts.TopProvinces, 3) {
		if hasHan(enrich.ProvinceEnglish(name)) {
			out = append(out, Warning{Metric: "infected_hosts.top_provinces",
				ZH: fmt.Sprintf("英文版没有“%s”的英文名称，只能照印中文：该地区不是sitrep所知的省级行政区", name),
				EN: fmt.Sprintf("the English edition has no English name for the province %q and would print it in Chinese: it is not a province-level division sitrep knows", name),
			})
		}
	}
	for _, name := range topNames(s.Phishing.TopTargets, 3) {
		if _, ok := v.nameTable().english(name); !ok {
			out = append(out, Warning{Metric: "phishing.top_targets",
				ZH: fmt.Sprintf("英文版没有“%s”的英文名称，只能照印中文：请在机构名称表（SITREP_NAMES）中补充", name),
				EN: fmt.Sprintf("the English edition has no English name for %q and would print it in Chinese: add it to the names table (SITREP_NAMES)", name),
			})
		}
	}
	return out
}

// signed writes a change with its sign.
func signed(c stats.Tenths) string {
	if c > 0 {
		return "+" + c.String()
	}
	return c.String()
}
