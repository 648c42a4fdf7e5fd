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
		prev int
		c    *stats.Tenths
		want string
	}{{0, nil, ""}, {14, tenths(-357), "，较上周环比下降了35.7%"}, {100, tenths(35), "，较上周环比上升了3.5%"}, {9, tenths(0), "，与上周持平"},
		{100, tenths(5000), "，较上周环比上升了500.0%"}, // the policy's bound itself is printed
		{2, tenths(49000), "，上周为2个"}} {         // beyond it, last week's number instead
		if got := z.change(tc.prev, tc.c); got != tc.want {
			t.Errorf("change(%d, %v) = %q, want %q", tc.prev, tc.c, got, tc.want)
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
	got := highlights(s, history, zh{})
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
	if got := highlights(s, incidents, zh{}); !slices.Contains(got, "处理网络安全事件数量为114起，较上周上升14.0%。") {
		t.Errorf("the incidents' highlight: %q", got)
	}
	s.Incidents = stats.Incidents{}
	// A move from a near-empty week: both numbers, no percentage.
	thin := weekStats()
	thin.Phishing = stats.Phishing{Pages: 400, PrevPages: 8}
	if got := highlights(thin, nil, zh{}); !slices.Equal(got, []string{"仿冒页面数量为400个，上周为8个。"}) {
		t.Errorf("a move from 8 to 400: %q", got)
	}
	if got := highlights(thin, nil, en{}); !slices.Equal(got, []string{"Phishing pages: 400, against 8 last week."}) {
		t.Errorf("a move from 8 to 400: %q", got)
	}
	got = highlights(s, history[3:], en{}) // too short a history for extremes
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
		{"opened, none closed", stats.Incidents{Opened: 7}, false, "本周，CNCERT新接报网络安全事件7起，尚无处理完毕的事件。", "This week CNCERT took on 7 new incidents, none of which was closed yet."},
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
			"CNCERT saw 90 malware names and 2 malware families for the first time (Mozi and ZeuS)."},
		{"names, no new family", stats.InfectedHosts{NewFamilies: []string{}, MalwareNames: 300, NewNames: 1},
			"本周CNCERT捕获的网络病毒按名称统计新增1个，按家族统计无新增。",
			"CNCERT saw 1 malware name and 0 malware families for the first time."},
		{"families alone", stats.InfectedHosts{NewFamilies: []string{"Mozi"}},
			"本周CNCERT捕获了1个新的网络病毒家族（Mozi）。", "CNCERT saw 1 malware family for the first time (Mozi)."},
		{"nothing new", stats.InfectedHosts{NewFamilies: []string{}}, "", ""},
	} {
		v := voice{org: "CNCERT"}
		if got := (zh{v}).newMalware(tc.h); got != tc.zh {
			t.Errorf("%s, zh: %q, want %q", tc.name, got, tc.zh)
		}
		if got := (en{v}).newMalware(tc.h); got != tc.en {
			t.Errorf("%s, en: %q, want %q", tc.name, got, tc.en)
		}
	}
}
