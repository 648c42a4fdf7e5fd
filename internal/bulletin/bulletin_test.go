package bulletin

import (
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
		c    *stats.Tenths
		want string
	}{{nil, ""}, {tenths(-357), "，较上周环比下降了35.7%"}, {tenths(35), "，较上周环比上升了3.5%"}, {tenths(0), "，与上周持平"}} {
		if got := z.change(tc.c); got != tc.want {
			t.Errorf("change(%v) = %q, want %q", tc.c, got, tc.want)
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
	s.Vulnerabilities = stats.Vulnerabilities{Total: 300, High: 90}
	s.InfectedHosts = stats.InfectedHosts{Total: 150000, PrevTotal: 160000, TotalWoWPct: stats.Change(150000, 160000)}
	s.Defaced = stats.Sites{Total: 2000, PrevTotal: 1500, TotalWoWPct: stats.Change(2000, 1500)}
	s.Phishing = stats.Phishing{Pages: 300, PrevPages: 200, PagesWoWPct: stats.Change(300, 200)}
	s.Rating.Scores = map[string]float64{"vulnerabilities.high": 0.2, "infected_hosts.total": -0.5, "defaced.total": 3.1, "phishing.pages": 1.4}
	b, _ := Compose(s, nil, Options{})
	p := strings.Join(b.Sections[0].Paragraphs, "")
	for _, want := range []string{
		"主要安全威胁来自于网站攻击、网络仿冒以及软件高危漏洞", // the most unusual first
		"在我国互联网网络安全环境方面，境内被篡改网站数量和仿冒页面数量等较上周有所增长，其他各类网络安全事件数量均有不同程度的下降。",
	} {
		if !strings.Contains(p, want) {
			t.Errorf("overview lacks %q:\n%s", want, p)
		}
	}
	s.Defaced.TotalWoWPct, s.Phishing.PagesWoWPct = stats.Change(1000, 1500), stats.Change(100, 200)
	b, _ = Compose(s, nil, Options{})
	if p := strings.Join(b.Sections[0].Paragraphs, ""); !strings.Contains(p, "各类网络安全事件数量较上周均有不同程度的下降") {
		t.Errorf("all down: %s", p)
	}
	b, _ = Compose(s, nil, Options{Lang: "en"})
	if p := strings.Join(b.Sections[0].Paragraphs, ""); !strings.Contains(p, "every kind of incident fell") {
		t.Errorf("all down, English: %s", p)
	}
}
