package bulletin

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/store"
)

// monthStats is a month's statistics as published: the figures with the month before's, the
// GOV shares, and twelve months of series ending with the month.
func monthStats(key string, figs map[string][2]int, level string) *stats.Period {
	p, _ := period.Parse(key)
	s := &stats.Period{Period: key, Kind: "month", Label: p.Label(), Start: key + "-01", End: key + "-28", TLP: "CLEAR", Public: true,
		Prev: p.Prev().String(), Events: 1, Incidents: stats.PeriodIncidents{ByType: map[string]int{}, ByImpact: map[string]int{}}}
	for _, m := range []string{"infected_hosts.trojan_botnet", "infected_hosts.conficker", "defaced.total", "defaced.gov", "backdoored.total",
		"backdoored.gov", "phishing.pages", "vulnerabilities.total", "vulnerabilities.high", "incidents.handled"} {
		v := figs[m]
		s.Figures = append(s.Figures, stats.Figure{Metric: m, Value: v[0], Prev: v[1], PrevPct: stats.Change(v[0], v[1])})
	}
	s.DefacedGovPct = stats.Share(figs["defaced.gov"][0], figs["defaced.total"][0])
	s.BackdooredGovPct = stats.Share(figs["backdoored.gov"][0], figs["backdoored.total"][0])
	for i := -11; i <= 0; i++ {
		s.Series = append(s.Series, stats.Count{Period: p.Add(i).String(), Headline: store.Headline{TrojanBotnet: 1000 - i, Conficker: 10, MalwareDomains: 1,
			Defaced: 100 - i, Backdoored: 50, PhishingPages: 20, DDoSEvents: 3, Vulns: 90, HighVulns: 30, Incidents: 40}})
	}
	if level != "" {
		s.Rating = &stats.Rating{Level: level, Computed: level}
	}
	return s
}

// TestMonthlyPhrases composes the months of the published monthly analyses from their own
// numbers (2022年4月 and 5月《网络安全监测数据分析》) and checks each sentence against the
// published form.
func TestMonthlyPhrases(t *testing.T) {
	april := monthStats("2022-04", map[string][2]int{
		"infected_hosts.trojan_botnet": {5070481, 5318210},
		"defaced.total":                {5052, 8100}, "defaced.gov": {25, 50},
		"backdoored.total": {2338, 2500}, "backdoored.gov": {41, 20},
	}, "良")
	april.Incidents.ByType["vulnerability"] = 5471
	may := monthStats("2022-05", map[string][2]int{
		"infected_hosts.trojan_botnet": {4781000, 5070481},
		"defaced.total":                {5279, 5052},
		"backdoored.total":             {1838, 2338},
	}, "良")
	compose := func(s *stats.Period, lang string) string {
		b, err := ComposePeriod(s, Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, sec := range b.Sections {
			all = append(all, sec.Heading)
			all = append(all, sec.Paragraphs...)
		}
		for _, f := range b.Figures {
			all = append(all, f.Caption)
		}
		return b.Title + "\n" + strings.Join(all, "\n")
	}
	for _, c := range []struct {
		s    *stats.Period
		lang string
		want []string
	}{
		{april, "zh", []string{
			"2022年4月网络安全监测数据分析",
			"1 网络安全基本态势", "2022年4月，互联网网络安全状况整体评价为良。",
			"2 基础网络安全", "2022年4月，我国基础网络运行总体平稳，未出现省级行政区域以上的造成较大影响的基础网络运行故障，未发生较大以上网络安全事件。",
			"3 关键信息基础设施安全",
			"本月，监测发现境内政府网站被篡改的数量为25个，与上月相比减少25个，占境内被篡改网站的比例为0.5%。境内政府网站被植入后门的数量为41个，与上月相比增加21个，占境内被植入后门网站的比例为1.8%。",
			"CNCERT共协调处置安全漏洞事件5,471起。",
			"4 公共网络环境安全", "2022年4月，根据CNCERT的监测数据，我国互联网网络安全环境主要指标情况如下。",
			"4.1 恶意代码活动监测数据",
			"2022年4月，境内约507万个IP地址对应的主机被木马或僵尸程序控制，与上月相比减少4.7%。2021年5月至2022年4月，境内被木马或僵尸程序控制的主机IP数量月度统计如图1所示。",
			"图1", "境内木马或僵尸程序受控主机IP数量月度统计",
		}},
		{may, "zh", []string{
			"2022年5月，境内约478万个IP地址对应的主机被木马或僵尸程序控制，与上月相比减少5.7%。2021年6月至2022年5月，",
			"2022年5月，境内被篡改网站的数量为5,279个，与上月的5,052个相比增加4.5%。2021年6月至2022年5月，境内被篡改网站数量月度统计如图2所示。",
			"2022年5月，境内被植入后门的网站数量为1,838个，与上月的2,338个相比减少21.4%。",
			"境内被篡改网站数量等较上月有所增长，其他各类网络安全事件数量均有不同程度的下降。",
		}},
		{may, "en", []string{
			"Network Security Monitoring Data Analysis, May 2022",
			"In May 2022, the overall network security situation was rated good.",
			"In May 2022, about 4,781,000 domestic IP addresses belonged to hosts controlled by trojans or botnets, down 5.7% on last month. Figure 1 shows the hosts controlled by trojans or botnets by month from June 2021 to May 2022.",
			"In May 2022, 5,279 domestic websites were defaced, up 4.5% on last month's 5,052.",
			"There were more defaced websites than last month; every other count fell.",
		}},
	} {
		got := compose(c.s, c.lang)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s %s lacks %q in:\n%s", c.s.Period, c.lang, w, got)
			}
		}
	}
}

// TestPeriodEnglish holds the English edition's rules in every edition kind: no Chinese, no
// sentence opening with a numeral, thousands separated, nouns agreeing with one.
func TestPeriodEnglish(t *testing.T) {
	startsWithDigit := regexp.MustCompile(`(^|[.;] )[0-9]`)
	bareThousands := regexp.MustCompile(`\b[0-9]{5,}\b`)
	for _, n := range []int{0, 1, 23456} {
		for _, key := range []string{"2024-02", "2024-Q1", "2024"} {
			p, _ := period.Parse(key)
			s := monthStats("2024-02", map[string][2]int{
				"infected_hosts.trojan_botnet": {n, n + 1}, "defaced.total": {n, 0}, "defaced.gov": {n, n},
				"backdoored.total": {n, n}, "phishing.pages": {n, 2 * n}, "vulnerabilities.total": {n, n}, "incidents.handled": {n, n},
			}, "")
			s.Period, s.Kind, s.Prev = key, string(p.Kind), p.Prev().String()
			s.Incidents.ByType = map[string]int{"phishing": n}
			s.Incidents.BySource = map[string]int{"境内用户报告": n}
			s.TopProvinces = []store.NameCount{{Name: "广东省", Count: n}}
			s.PhishingTargets = []store.NameCount{{Name: "中国工商银行", Count: n}}
			s.Weeks = []stats.Count{{Period: "2024-W09", Headline: store.Headline{Defaced: n}}}
			b, err := ComposePeriod(s, Options{Lang: "en"})
			if err != nil {
				t.Fatal(err)
			}
			for _, sec := range b.Sections {
				for _, text := range sec.Paragraphs { // headings are numbered: 4.1 Malicious code
					if strings.ContainsFunc(text, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
						t.Errorf("%s n=%d: Chinese in the English edition: %s", key, n, text)
					}
					if startsWithDigit.MatchString(text) {
						t.Errorf("%s n=%d: a sentence starts with a numeral: %s", key, n, text)
					}
					if m := bareThousands.FindString(text); m != "" {
						t.Errorf("%s n=%d: %s without a thousands separator: %s", key, n, m, text)
					}
					for _, bad := range []string{" 1 domestic websites", " 1 incidents", "1 vulnerabilities", " 0 ", "no were", "in last month"} {
						if strings.Contains(text, bad) {
							t.Errorf("%s n=%d: %q in: %s", key, n, bad, text)
						}
					}
				}
			}
		}
	}
}

// TestPeriodWithoutAPeriodBefore: the first month a store holds is not compared with a month
// of nothing ("上月为0个"), and says nothing moved.
func TestPeriodWithoutAPeriodBefore(t *testing.T) {
	s := monthStats("2024-02", map[string][2]int{"defaced.total": {10, 0}, "infected_hosts.trojan_botnet": {100, 0}}, "良")
	for _, lang := range []string{"zh", "en"} {
		b, err := ComposePeriod(s, Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		all := text(b)
		for _, bad := range []string{"上月为0", "与上月", "较上月", "last month", "against none"} {
			if strings.Contains(all, bad) {
				t.Errorf("%s: %q in:\n%s", lang, bad, all)
			}
		}
	}
	// With a month before that has data, a count that rose from nothing says so.
	s = monthStats("2024-02", map[string][2]int{"defaced.total": {10, 0}, "infected_hosts.trojan_botnet": {100, 90}}, "良")
	b, _ := ComposePeriod(s, Options{Lang: "zh"})
	if all := text(b); !strings.Contains(all, "境内被篡改网站的数量为10个，上月为0个") {
		t.Errorf("a count up from nothing:\n%s", all)
	}
}

// TestEditionOf names each kind's edition, and a week's issue is not a period's.
func TestEditionOf(t *testing.T) {
	for key, want := range map[string]string{"2024-W09": Weekly, "2024-02": Monthly, "2024-Q1": Quarterly, "2024": Annual} {
		p, _ := period.Parse(key)
		if got := EditionOf(p.Kind); got != want {
			t.Errorf("%s: %s, want %s", key, got, want)
		}
	}
	s := monthStats("2024-02", nil, "")
	s.Period = "2024-W09"
	if _, err := ComposePeriod(s, Options{}); err == nil {
		t.Error("a week composed as a period's issue")
	}
}

// TestPartialPeriod: a month the monitoring data covers only in part says which days, and is
// neither rated nor compared; a month with no data at all claims nothing.
func TestPartialPeriod(t *testing.T) {
	s := monthStats("2024-03", map[string][2]int{"defaced.total": {10, 300}, "infected_hosts.trojan_botnet": {100, 9000}}, "")
	s.Covered = &stats.Days{First: "2024-03-01", Last: "2024-03-05"}
	want := map[string][]string{
		"zh": {"本月的监测数据仅覆盖2024年3月1日至3月5日，以下为该期间的统计，不作态势评价，也不与其他时期比较。", "境内被篡改网站的数量为10个。"},
		"en": {"The monitoring data of March 2024 covers only March 1–5, 2024: the numbers below are of those days", "10 domestic websites were defaced."},
	}
	for lang, phrases := range want {
		b, err := ComposePeriod(s, Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		all := text(b)
		for _, p := range phrases {
			if !strings.Contains(all, p) {
				t.Errorf("%s lacks %q:\n%s", lang, p, all)
			}
		}
		for _, bad := range []string{"较上月", "与上月", "上月为", "last month", "rated"} {
			if strings.Contains(strings.ReplaceAll(all, "neither rated", ""), bad) {
				t.Errorf("%s: %q in a month covered in part:\n%s", lang, bad, all)
			}
		}
	}
	empty := monthStats("2021-05", nil, "")
	empty.Events, empty.Series = 0, nil
	b, err := ComposePeriod(empty, Options{Lang: "zh"})
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range b.Sections {
		if sec.ID != SecClosing && !sec.NoData {
			t.Errorf("section %s of an empty month is not marked without data: %v", sec.ID, sec.Paragraphs)
		}
	}
	if all := text(b); strings.Contains(all, "总体平稳") || strings.Contains(all, "主要指标情况如下") || len(b.Figures) != 0 {
		t.Errorf("an empty month claims something, or has %d figures:\n%s", len(b.Figures), all)
	}
}
