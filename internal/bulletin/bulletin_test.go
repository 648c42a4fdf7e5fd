package bulletin

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

func tenths(v int64) *stats.Tenths { t := stats.Tenths(v); return &t }

func TestZhNumbers(t *testing.T) {
	z := zh{}
	for n, want := range map[int]string{9999: "9999", 10000: "约1.0万", 184000: "约18.4万", 113049: "约11.3万", 113050: "约11.3万", 113051: "约11.3万", 114950: "约11.5万", 578000: "约57.8万"} {
		if got := z.count(n); got != want {
			t.Errorf("count(%d) = %s, want %s", n, got, want)
		}
	}
	for _, tc := range []struct {
		cur, prev int
		want      string
	}{{5, 0, ""}, {9, 14, "，较上周环比下降了35.7%"}, {1035, 1000, "，较上周环比上升了3.5%"}, {9, 9, "，与上周持平"},
		{100001, 100000, "，与上周基本持平"},  // a change that rounds to 0.0% is not "the same"
		{600, 100, "，较上周环比上升了500.0%"}, // the policy's bound itself is printed
		{100, 2, "，上周为2个"}} {          // beyond it, last week's number instead
		if got := z.change(newDelta(tc.cur, tc.prev, voice{})); got != tc.want {
			t.Errorf("change(%d, %d) = %q, want %q", tc.cur, tc.prev, got, tc.want)
		}
	}
	if got := z.list([]string{"广东省", "安徽省", "浙江省"}, "和"); got != "广东省、安徽省和浙江省" {
		t.Errorf("list = %s", got)
	}
	if got := (en{}).count(184000); got != "about 184,000" {
		t.Errorf("en count = %s", got)
	}
}

// week returns statistics of a quiet week with only the given parts filled in.
func weekStats() *stats.Week {
	return &stats.Week{Week: "2024-W09", Start: "2024-02-26", End: "2024-03-03",
		Issue: stats.Issue{Year: 2024, Number: 9, Title: stats.Title(mustParse("2024-W09"))}, Rating: stats.Rating{Level: "良"}}
}

func TestSectionsWithoutData(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		s := weekStats()
		s.Rating.NoData = true // as stats.Compute marks a week without records
		b, err := Compose(s, nil, Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Sections) != 5 || len(b.Recent) != 5 || len(b.Figures) != 7 {
			t.Fatalf("%s: %d sections, %d recent, %d figures", lang, len(b.Sections), len(b.Recent), len(b.Figures))
		}
		for _, s := range b.Sections {
			if !s.NoData || len(s.Figures) != 0 {
				t.Errorf("%s section %s: no data %v, figures %v", lang, s.ID, s.NoData, s.Figures)
			}
			if p := strings.Join(s.Paragraphs, ""); strings.Contains(p, "0个") || strings.Contains(p, " 0 ") {
				t.Errorf("%s section %s prints zeros as if measured: %s", lang, s.ID, p)
			}
		}
		if len(b.Highlights) != 0 {
			t.Errorf("%s: highlights from nothing: %v", lang, b.Highlights)
		}
	}
}

func TestImpactChangesTheInfrastructureSentence(t *testing.T) {
	s := weekStats()
	s.Incidents = stats.Incidents{Handled: 2, ByImpact: map[string]int{"provincial": 1, "none": 1}}
	b, _ := Compose(s, nil, Options{})
	p := b.Sections[0].Paragraphs[0]
	if strings.Contains(p, "未发生") || !strings.Contains(p, "发生造成重大影响的基础设施运行安全事件1起") {
		t.Errorf("overview: %s", p)
	}
}

func TestHighlights(t *testing.T) {
	s := weekStats()
	s.Defaced = stats.Sites{Total: 150, PrevTotal: 100}
	s.Backdoored = stats.Sites{Total: 95, PrevTotal: 100}           // a 5% move is not worth naming
	s.Phishing = stats.Phishing{Pages: 40, PrevPages: 100}          // the largest move
	s.InfectedHosts = stats.InfectedHosts{Total: 500, PrevTotal: 0} // no move from nothing
	var history []WeekCount
	for i, d := range []int{0, 120, 130, 110, 100, 150} { // defaced: the highest in 5 weeks of data
		history = append(history, WeekCount{Week: "2024-W0" + string(rune('4'+i)), Headline: store.Headline{Defaced: d, PhishingPages: 100 - i}})
	}
	history[len(history)-1].PhishingPages = 40
	got := highlights(s, history, zh{}, voice{})
	want := []string{
		"境内被篡改网站数量为150个，为近5周最高。",
		"仿冒页面数量为40个，为近6周最低。",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("highlights\n got %q\nwant %q", got, want)
	}
	// Incidents are counted in 起.
	incidents := append([]WeekCount(nil), history...)
	incidents[len(incidents)-2].Incidents = 100
	s.Incidents = stats.Incidents{Handled: 114}
	if got := highlights(s, incidents, zh{}, voice{}); !slices.Contains(got, "处理网络安全事件数量为114起，较上周上升14.0%。") {
		t.Errorf("the incidents' highlight: %q", got)
	}
	s.Incidents = stats.Incidents{}
	// A move from a near-empty week: both numbers, no percentage.
	thin := weekStats()
	thin.Phishing = stats.Phishing{Pages: 400, PrevPages: 8}
	if got := highlights(thin, nil, zh{}, voice{}); !slices.Equal(got, []string{"仿冒页面数量为400个，上周为8个。"}) {
		t.Errorf("a move from 8 to 400: %q", got)
	}
	if got := highlights(thin, nil, en{}, voice{}); !slices.Equal(got, []string{"Phishing pages: 400, against 8 last week."}) {
		t.Errorf("a move from 8 to 400: %q", got)
	}
	got = highlights(s, history[3:], en{}, voice{}) // too short a history for extremes
	want = []string{"Phishing pages: 40, down 60.0% on last week.", "Defaced domestic websites: 150, up 50.0% on last week."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("highlights\n got %q\nwant %q", got, want)
	}
}

func TestUnknownLanguage(t *testing.T) {
	if _, err := Compose(weekStats(), nil, Options{Lang: "fr"}); err == nil {
		t.Error("French accepted")
	}
}

func mustParse(s string) week.Week {
	w, err := week.Parse(s)
	if err != nil {
		panic(err)
	}
	return w
}

func TestOverviewFollowsTheNumbers(t *testing.T) {
	s := weekStats()
	s.Vulnerabilities = stats.Vulnerabilities{Total: 300, High: 90, PrevTotal: 350}
	s.InfectedHosts = stats.InfectedHosts{Total: 150000, PrevTotal: 160000}
	s.Defaced = stats.Sites{Total: 2000, PrevTotal: 1500}
	s.Phishing = stats.Phishing{Pages: 300, PrevPages: 200}
	s.Rating.Scores = map[string]float64{"vulnerabilities.high": 0.2, "infected_hosts.total": -0.5, "defaced.total": 3.1, "phishing.pages": 1.4}
	b, _ := Compose(s, nil, Options{})
	if p := strings.Join(b.Sections[0].Paragraphs, ""); !strings.Contains(p, "主要安全威胁来自于网站攻击、网络仿冒以及软件高危漏洞") { // the most unusual first
		t.Errorf("overview: %s", p)
	}
}

// TestMovementSentences holds each form of the summary sentence to the counts it speaks of:
// "all" only when all moved that way, "the others fell" only when every other one fell, a
// count that appeared from nothing rose, a flat one is said to be flat, and counts without
// data either week are not spoken of.
func TestMovementSentences(t *testing.T) {
	type counts struct{ infected, defaced, phishing, ddos, vulns [2]int } // this week, last week
	for _, tc := range []struct {
		name   string
		c      counts
		zh, en string
	}{
		{"some rose, every other fell", counts{[2]int{150000, 160000}, [2]int{2000, 1500}, [2]int{300, 200}, [2]int{5, 10}, [2]int{300, 350}},
			"境内被篡改网站数量和仿冒页面数量较上周有所增长，其他各类网络安全事件数量均有不同程度的下降。",
			"Compared with last week, defaced domestic websites and phishing pages rose; the other kinds of incident fell to varying degrees."},
		{"all fell", counts{[2]int{150000, 160000}, [2]int{1000, 1500}, [2]int{100, 200}, [2]int{5, 10}, [2]int{300, 350}},
			"各类网络安全事件数量较上周均有不同程度的下降。",
			"Compared with last week, every kind of incident fell to some degree."},
		{"all rose", counts{[2]int{170000, 160000}, [2]int{2000, 1500}, [2]int{300, 200}, [2]int{15, 10}, [2]int{400, 350}},
			"各类网络安全事件数量较上周均有所增长。",
			"Compared with last week, every kind of incident rose."},
		{"mixed, with a flat one", counts{[2]int{150000, 160000}, [2]int{2000, 1500}, [2]int{200, 200}, [2]int{}, [2]int{}},
			"境内被篡改网站数量较上周有所增长，境内感染网络病毒的主机数量有所下降，仿冒页面数量与上周持平。",
			"Compared with last week, defaced domestic websites rose; domestic infected hosts fell; phishing pages stayed level."},
		{"rose from nothing", counts{[2]int{150000, 160000}, [2]int{1500, 1500}, [2]int{400, 0}, [2]int{}, [2]int{190, 0}},
			"仿冒页面数量和新收录漏洞数量较上周有所增长，境内感染网络病毒的主机数量有所下降，境内被篡改网站数量与上周持平。",
			"Compared with last week, phishing pages and new vulnerabilities rose; domestic infected hosts fell; defaced domestic websites stayed level."},
		{"an acronym inside the sentence", counts{[2]int{}, [2]int{}, [2]int{}, [2]int{12, 10}, [2]int{}},
			"拒绝服务攻击事件数量较上周有所增长。", "Compared with last week, DDoS events rose."},
		{"one count alone", counts{[2]int{}, [2]int{2000, 1500}, [2]int{}, [2]int{}, [2]int{}},
			"在我国互联网网络安全环境方面，境内被篡改网站数量较上周有所增长。",
			"Compared with last week, defaced domestic websites rose."},
		{"all flat", counts{[2]int{150000, 150000}, [2]int{1500, 1500}, [2]int{}, [2]int{}, [2]int{}},
			"各类网络安全事件数量与上周持平。",
			"Every kind of incident was exactly as frequent as last week."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := weekStats()
			c := tc.c
			s.InfectedHosts = stats.InfectedHosts{Total: c.infected[0], PrevTotal: c.infected[1]}
			s.Defaced = stats.Sites{Total: c.defaced[0], PrevTotal: c.defaced[1]}
			s.Backdoored = stats.Sites{}
			s.MalwareSites = stats.MalwareSites{}
			s.Phishing = stats.Phishing{Pages: c.phishing[0], PrevPages: c.phishing[1]}
			s.DDoS = stats.DDoS{Events: c.ddos[0], PrevEvents: c.ddos[1]}
			s.Vulnerabilities = stats.Vulnerabilities{Total: c.vulns[0], PrevTotal: c.vulns[1]}
			for lang, want := range map[string]string{"zh": tc.zh, "en": tc.en} {
				b, err := Compose(s, nil, Options{Lang: lang})
				if err != nil {
					t.Fatal(err)
				}
				if p := strings.Join(b.Sections[0].Paragraphs, " "); !strings.Contains(p, want) {
					t.Errorf("%s lacks %q:\n%s", lang, want, p)
				}
			}
		})
	}
}

// TestIncidentsSection tells a week without any incident records from one whose incidents are
// not closed yet, and counts incidents in 起.
func TestIncidentsSection(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     stats.Incidents
		noData bool
		zh, en string
	}{
		{"no records", stats.Incidents{}, true, "本周未收到网络安全事件的处理记录。", "No incident-handling records were received this week."},
		{"opened, none closed", stats.Incidents{Opened: 7}, false, "本周，CNCERT新接报网络安全事件7起，尚无处理完毕的事件。", "This week CNCERT took on 7 new incidents, none of them closed yet."},
		{"one opened", stats.Incidents{Opened: 1}, false, "新接报网络安全事件1起", "took on 1 new incident,"},
		{"handled", stats.Incidents{Handled: 114, Opened: 3, CrossBorder: 2}, false, "共处理网络安全事件114起，含跨境网络安全事件2起。", "114"},
	} {
		s := weekStats()
		s.Incidents = tc.in
		for lang, want := range map[string]string{"zh": tc.zh, "en": tc.en} {
			b, err := Compose(s, nil, Options{Lang: lang})
			if err != nil {
				t.Fatal(err)
			}
			sec := b.Sections[len(b.Sections)-1]
			if p := strings.Join(sec.Paragraphs, ""); sec.ID != SecIncidents || sec.NoData != tc.noData || !strings.Contains(p, want) {
				t.Errorf("%s, %s: no data %v, %q; want %q", tc.name, lang, sec.NoData, p, want)
			}
		}
	}
}

// TestWarnings: a change beyond the policy's bound warns the editor, with both numbers; one
// within it does not; neither is part of the issue's JSON.
func TestWarnings(t *testing.T) {
	s := weekStats()
	s.Phishing = stats.Phishing{Pages: 400, PrevPages: 8}
	s.Defaced = stats.Sites{Total: 1900, PrevTotal: 1800, Gov: 100, PrevGov: 2, GovPct: stats.Share(100, 1900), GovWoWPct: stats.Change(100, 2)}
	b, err := Compose(s, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Warning{}
	for _, w := range b.Warnings {
		got[w.Metric] = w
	}
	if len(got) != 2 {
		t.Errorf("warnings %+v, want phishing pages and GOV defacements", b.Warnings)
	}
	if w := got[MetPhishing]; w.Value != 400 || w.Prev != 8 || !strings.Contains(w.ZH, "仿冒页面数量由上周8变为本周400（+4900.0%）") || !strings.Contains(w.EN, "Phishing pages went from 8 last week to 400 (+4900.0%)") {
		t.Errorf("phishing: %+v", w)
	}
	if w := got["defaced.gov"]; w.Prev != 2 || !strings.Contains(w.EN, "Defaced government websites") {
		t.Errorf("GOV defacements: %+v", w)
	}
	if p := strings.Join(b.Sections[2].Paragraphs, ""); !strings.Contains(p, "数量为100个（约占境内5.3%），上周为2个") {
		t.Errorf("the websites section: %s", p)
	}
	var js bytes.Buffer
	if err := json.NewEncoder(&js).Encode(b); err != nil || strings.Contains(js.String(), "plausible") || strings.Contains(js.String(), "合理变化幅度") {
		t.Errorf("the issue's JSON carries the warnings: %v", err)
	}
}

// TestNewMalware counts new malware names and families as CNCERT does where the data names
// malware, families alone where it does not, and says nothing without an earlier week.
func TestNewMalware(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      stats.InfectedHosts
		zh, en string
	}{
		{"no earlier week", stats.InfectedHosts{MalwareNames: 40, NewNames: 40}, "", ""},
		{"names and families", stats.InfectedHosts{NewFamilies: []string{"Mozi", "ZeuS"}, MalwareNames: 300, NewNames: 90},
			"本周CNCERT捕获的网络病毒按名称统计新增90个，按家族统计新增2个（Mozi、ZeuS）。",
			"This week CNCERT saw 90 new malware names and 2 new malware families (Mozi and ZeuS)."},
		{"names, no new family", stats.InfectedHosts{NewFamilies: []string{}, MalwareNames: 300, NewNames: 1},
			"本周CNCERT捕获的网络病毒按名称统计新增1个，按家族统计无新增。",
			"This week CNCERT saw 1 new malware name and no new malware family."},
		{"families alone", stats.InfectedHosts{NewFamilies: []string{"Mozi"}},
			"本周CNCERT捕获了1个新的网络病毒家族（Mozi）。", "This week CNCERT saw 1 new malware family (Mozi)."},
		{"nothing new", stats.InfectedHosts{NewFamilies: []string{}}, "", ""},
	} {
		v := voice{org: "CNCERT"}
		say := func(t phrasebook) string {
			if p := planNewMalware(tc.h); p != nil {
				return t.newMalware(*p)
			}
			return ""
		}
		if got := say(zh{v}); got != tc.zh {
			t.Errorf("%s, zh: %q, want %q", tc.name, got, tc.zh)
		}
		if got := say(en{v}); got != tc.en {
			t.Errorf("%s, en: %q, want %q", tc.name, got, tc.en)
		}
	}
}

// TestHouseStyle composes a week with the numbers of the 2016–2019 issue GOLDEN.md quotes whole,
// and finds each of its phrases, in order, with those numbers in them. Where the published
// text drops a measure word ("仿冒页面数量为92。") sitrep keeps it.
func TestHouseStyle(t *testing.T) {
	s := weekStats()
	s.InfectedHosts = stats.InfectedHosts{Total: 145000, TrojanBotnet: 81000, Conficker: 64000,
		TopProvinces: []store.NameCount{{Name: "广东省", Count: 9000}, {Name: "江苏省", Count: 8000}, {Name: "浙江省", Count: 7000}, {Name: "山东省", Count: 6000}}}
	s.MalwareSites = stats.MalwareSites{Domains: 25, IPs: 50, DomainsAbroad: 7, DomainsAbroadPct: stats.Share(7, 25),
		DomainsCom: 17, DomainsComPct: stats.Share(17, 25), IPsAbroad: 18, IPsAbroadPct: stats.Share(18, 50), IPURLs: 1}
	s.Defaced = stats.Sites{Total: 1793, Gov: 29, GovPct: stats.Share(29, 1793), PrevGov: 34, GovWoWPct: stats.Change(29, 34)}
	s.Backdoored = stats.Sites{Total: 645, Gov: 4, GovPct: stats.Share(4, 645), PrevGov: 5, GovWoWPct: stats.Change(4, 5)}
	s.Phishing = stats.Phishing{Pages: 92, Domains: 80, IPs: 39, PagesPerIP: stats.Ratio(92, 39)}
	s.Vulnerabilities = stats.Vulnerabilities{Total: 146, High: 50, Medium: 80, Low: 16, Level: "中",
		ByObject: map[string]int{"application": 60, "security_product": 40, "os": 30, "web_application": 16}}
	b, err := Compose(s, nil, Options{Blacklist: "ANVA"})
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, sec := range b.Sections {
		text.WriteString(strings.Join(sec.Paragraphs, ""))
	}
	rest := text.String()
	for _, want := range []string{
		"本周境内感染网络病毒的主机数量约为14.5万个，其中包括境内被木马或被僵尸程序控制的主机约8.1万以及境内感染飞客（conficker）蠕虫的主机约6.4万。",
		"木马或僵尸程序受控主机数量排名前三位的省份分别是广东省、江苏省和浙江省。",
		"放马站点是网络病毒传播的源头。本周，CNCERT监测发现的放马站点共涉及域名25个，涉及IP地址50个。在25个域名中，有约28.0%为境外注册，且顶级域为.com的约占68.0%；在50个IP中，有约36.0%位于境外。根据对放马URL的分析发现，大部分放马站点是通过域名访问，而通过IP直接访问的涉及1个IP。",
		"针对CNCERT自主监测发现以及各单位报送数据，CNCERT积极协调域名注册机构等进行处理，同时通过ANVA在其官方网站上发布恶意地址黑名单。",
		"本周CNCERT监测发现境内被篡改的网站数量为1793个；境内被植入后门的网站数量为645个；针对境内网站的仿冒页面数量为92个。",
		"本周境内被篡改的政府网站（GOV类）数量为29个（约占境内1.6%），较上周环比下降了14.7%；境内被植入后门的政府网站（GOV类）数量为4个（约占境内0.6%），较上周环比下降了20.0%；针对境内网站的仿冒页面涉及域名80个，IP地址39个，平均每个IP地址承载了约2个仿冒页面。",
		"本周，国家信息安全漏洞共享平台（CNVD）新收录网络安全漏洞146个，",
		"信息安全漏洞威胁整体评价级别为中。",
		"本周CNVD发布的网络安全漏洞中，应用程序漏洞占比最高，其次是安全产品漏洞和操作系统漏洞。更多漏洞有关的详细情况，请见CNVD漏洞周报。",
	} {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Errorf("lacks, or out of order: %s\nin: %s", want, rest)
			continue
		}
		rest = rest[i+len(want):]
	}
	// The blacklist is spoken of only where the CERT publishes one, and only beside sites.
	for _, tc := range []struct {
		blacklist string
		sites     bool
		want      bool
	}{{"", true, false}, {"ANVA", false, false}, {"ANVA", true, true}} {
		w := *s
		if !tc.sites {
			w.MalwareSites = stats.MalwareSites{}
		}
		for _, lang := range []string{"zh", "en"} {
			b, err := Compose(&w, nil, Options{Lang: lang, Blacklist: tc.blacklist})
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(b.Sections[1].Paragraphs, "\n")
			if got := strings.Contains(all, "ANVA"); got != tc.want {
				t.Errorf("%s, blacklist %q, sites %v: blacklist sentence %v:\n%s", lang, tc.blacklist, tc.sites, got, all)
			}
		}
	}
	// The sentence on how the sites are reached follows the counts.
	for _, tc := range []struct {
		domains, ipURLs int
		want            string
	}{
		{25, 0, "放马站点均通过域名访问。"},
		{3, 5, "通过IP直接访问的放马站点涉及5个IP，不少于通过域名访问的3个域名。"},
	} {
		m := s.MalwareSites
		m.Domains, m.IPURLs = tc.domains, tc.ipURLs
		if got := (zh{voice{org: "CNCERT"}}).malwareSites(*planMalware(&stats.Week{MalwareSites: m}, voice{}).sites); !strings.HasSuffix(got, tc.want) {
			t.Errorf("%d domains, %d IPs reached directly: %s", tc.domains, tc.ipURLs, got)
		}
	}
}

// TestClosing reads a closing note (heading, then paragraphs; Chinese lines joined without a
// space, others with one) and ends the issue with it.
func TestClosing(t *testing.T) {
	c, err := ParseClosing("关于国家互联网应急中心（CNCERT）\n\n国家计算机网络应急技术处理协调中心\n成立于2002年。\n\nCNCERT is the national\ncomputer emergency response team.\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.Heading != "关于国家互联网应急中心（CNCERT）" || len(c.Paragraphs) != 2 ||
		c.Paragraphs[0] != "国家计算机网络应急技术处理协调中心成立于2002年。" || c.Paragraphs[1] != "CNCERT is the national computer emergency response team." {
		t.Errorf("closing %+v", c)
	}
	for _, bad := range []string{"", "a heading alone\n", "\n\nparagraph"} {
		if _, err := ParseClosing(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	b, err := Compose(weekStats(), nil, Options{Closing: c})
	if err != nil {
		t.Fatal(err)
	}
	if last := b.Sections[len(b.Sections)-1]; last.ID != SecClosing || last.Heading != c.Heading || len(last.Paragraphs) != 2 {
		t.Errorf("the last section %+v", last)
	}
}

// TestUnclassified: records without an affected-object class are said after the ranking, and
// a week with none classified says so rather than ranking nothing.
func TestUnclassified(t *testing.T) {
	for _, tc := range []struct {
		byObject     map[string]int
		unclassified int
		zh, en       string
	}{
		{map[string]int{"application": 7}, 3,
			"本周CNVD发布的网络安全漏洞中，应用程序漏洞占比最高。另有3个漏洞未能按影响对象归类。更多漏洞有关的详细情况，请见CNVD漏洞周报。",
			"By affected object, applications accounted for the most. A further 3 could not be classed by affected object."},
		{map[string]int{"application": 8, "os": 1}, 1,
			"本周CNVD发布的网络安全漏洞中，应用程序漏洞占比最高，其次是操作系统漏洞。另有1个漏洞未能按影响对象归类。",
			"followed by operating systems. One more could not be classed by affected object."},
		{map[string]int{}, 10,
			"本周CNVD发布的网络安全漏洞均未能按影响对象归类。更多漏洞有关的详细情况，请见CNVD漏洞周报。",
			"None of them could be classed by affected object."},
		{map[string]int{"os": 10}, 0, "本周CNVD发布的网络安全漏洞均为操作系统漏洞。", "All of them affected operating systems."},
	} {
		s := weekStats()
		s.Vulnerabilities = stats.Vulnerabilities{Total: 10, High: 10, Level: "中", ByObject: tc.byObject, Unclassified: tc.unclassified}
		if got := text(compose(t, s, "zh", Options{})); !strings.Contains(got, tc.zh) {
			t.Errorf("zh lacks %q:\n%s", tc.zh, got)
		}
		if got := text(compose(t, s, "en", Options{})); !strings.Contains(got, tc.en) {
			t.Errorf("en lacks %q:\n%s", tc.en, got)
		}
	}
}

// TestSameCVEWarning: records of one vulnerability from two sources are each counted, and
// the editor is told so.
func TestSameCVEWarning(t *testing.T) {
	s := weekStats()
	s.Vulnerabilities = stats.Vulnerabilities{Total: 10, High: 10, Level: "中", ByObject: map[string]int{"os": 10}, SameCVE: 4}
	b := compose(t, s, "zh", Options{})
	for _, w := range b.Warnings {
		if w.Metric == "vulnerabilities.same_cve" && w.Value == 4 && strings.Contains(w.ZH, "4条漏洞记录") && strings.Contains(w.EN, "4 of the week's vulnerability records") {
			return
		}
	}
	t.Errorf("no warning of records that share a CVE: %+v", b.Warnings)
}

// TestGatheredVulns: where some of the week's records are not CNVD's (CVE and NVD records), the
// vulnerability section and its figure speak of what the CERT gathered, never of CNVD.
func TestGatheredVulns(t *testing.T) {
	s := weekStats()
	s.Vulnerabilities = stats.Vulnerabilities{Total: 12, High: 5, Medium: 7, Level: "中", ByObject: map[string]int{"os": 8, "application": 4}, NotCNVD: 12}
	zhB := compose(t, s, "zh", Options{})
	zhVuln := strings.Join(zhB.Sections[3].Paragraphs, "") + zhB.Figures[5].Caption
	if !strings.Contains(zhVuln, "本周，CNCERT汇总新公开的网络安全漏洞12个，其中高危5个、中危7个、低危0个") ||
		!strings.Contains(zhVuln, "本周汇总的网络安全漏洞中，操作系统漏洞占比最高，其次是应用程序漏洞。") || strings.Contains(zhVuln, "CNVD") {
		t.Errorf("zh:\n%s", zhVuln)
	}
	enB := compose(t, s, "en", Options{})
	enVuln := strings.Join(enB.Sections[3].Paragraphs, " ")
	if !strings.Contains(enVuln, "This week CNCERT gathered 12 new vulnerabilities") || strings.Contains(enVuln, "CNVD") {
		t.Errorf("en:\n%s", enVuln)
	}
	s.Vulnerabilities.KnownExploited = 3
	if got := text(compose(t, s, "zh", Options{})); !strings.Contains(got, "信息安全漏洞威胁整体评价级别为中。其中3个漏洞已列入已知被利用漏洞目录，需优先处置。") {
		t.Errorf("zh of known-exploited records:\n%s", got)
	}
	if got := text(compose(t, s, "en", Options{})); !strings.Contains(got, "was medium. Of them, 3 are known to be exploited (listed in a known-exploited catalog) and call for priority.") {
		t.Errorf("en of known-exploited records:\n%s", got)
	}
	s.Vulnerabilities.KnownExploited = 0
	s.Vulnerabilities.NotCNVD = 0 // CNVD's records only: its collection, as the published issues say
	if got := text(compose(t, s, "zh", Options{})); !strings.Contains(got, "国家信息安全漏洞共享平台（CNVD）新收录网络安全漏洞12个") {
		t.Errorf("zh of CNVD's records:\n%s", got)
	}
}
