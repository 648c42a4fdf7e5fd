package bulletin

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"sitrep/internal/stats"
	"sitrep/internal/store"
)

// busyWeek is a week with every part filled in, with counts of n (so 1 tests the singular and
// 12345 the thousands separators).
func busyWeek(n int) *stats.Week {
	s := weekStats()
	s.InfectedHosts = stats.InfectedHosts{Total: 2 * n, TrojanBotnet: n, Conficker: n, PrevTotal: n, TotalWoWPct: stats.Change(2*n, n),
		TopProvinces: []store.NameCount{{Name: "广东省", Count: n}}, NewFamilies: []string{"Mozi"}, MalwareNames: n, NewNames: n}
	s.MalwareSites = stats.MalwareSites{Domains: n, IPs: n, DomainsAbroadPct: stats.Share(n, n), DomainsComPct: stats.Share(0, n),
		IPsAbroadPct: stats.Share(n, n), IPURLs: n}
	s.Defaced = stats.Sites{Total: n, Gov: n, GovPct: stats.Share(n, n), PrevTotal: 2 * n, PrevGov: 2 * n, GovWoWPct: stats.Change(n, 2*n)}
	s.Backdoored = stats.Sites{Total: n, Gov: n, GovPct: stats.Share(n, n), PrevGov: n, GovWoWPct: stats.Change(n, n)}
	s.Phishing = stats.Phishing{Pages: n, Domains: n, IPs: n, PagesPerIP: stats.Ratio(n, n), PrevPages: 3 * n,
		TopTargets: []store.NameCount{{Name: "中国工商银行", Count: n}, {Name: "某某农商银行", Count: n}, {Name: "PayPal", Count: n}}}
	s.DDoS = stats.DDoS{Events: n, PrevEvents: n}
	s.Vulnerabilities = stats.Vulnerabilities{Total: 3 * n, High: n, Medium: n, Low: n, Level: "中", ByObject: map[string]int{"application": 3 * n}}
	s.Incidents = stats.Incidents{Handled: n, Opened: n, CrossBorder: n, Phishing: n, AppPlatforms: n, AppURLs: n,
		ByType: map[string]int{"phishing": n}, ByPartnerKind: map[string]int{"registrar": n}, ByImpact: map[string]int{"provincial": n}}
	return s
}

// TestEnglishEdition reads the English edition as its reader would: no Chinese in it but the
// one organisation the names table lacks, no sentence starting with a numeral, thousands
// separators in every number, nouns that agree with their counts, and the week as "Feb 26–Mar 3".
func TestEnglishEdition(t *testing.T) {
	startsWithDigit := regexp.MustCompile(`(^|[.;] )[0-9]`)
	bareThousands := regexp.MustCompile(`\b[0-9]{4,}\b`)
	for _, n := range []int{1, 2, 12345} {
		b, err := Compose(busyWeek(n), nil, Options{Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		texts := append([]string{b.Title}, b.Highlights...)
		for _, sec := range b.Sections {
			texts = append(texts, sec.Heading)
			texts = append(texts, sec.Paragraphs...)
		}
		for _, f := range b.Figures {
			texts = append(texts, f.Caption)
			texts = append(texts, f.Labels...)
			for _, s := range f.Series {
				texts = append(texts, s.Name)
			}
		}
		for _, text := range texts {
			if strings.ContainsFunc(strings.ReplaceAll(text, "某某农商银行", ""), func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("n=%d: Chinese in the English edition: %s", n, text)
			}
			if startsWithDigit.MatchString(strings.ReplaceAll(text, "No. ", "No ")) {
				t.Errorf("n=%d: a sentence starts with a numeral: %s", n, text)
			}
			if m := bareThousands.FindString(strings.ReplaceAll(text, "2024", "")); m != "" {
				t.Errorf("n=%d: %s without a thousands separator: %s", n, m, text)
			}
		}
		all := strings.Join(texts, "\n")
		if !strings.Contains(b.Title, "(Feb 26–Mar 3)") {
			t.Errorf("title %q", b.Title)
		}
		if !strings.Contains(all, "ICBC") {
			t.Errorf("n=%d: ICBC not named in English:\n%s", n, all)
		}
		var want []string
		switch n {
		case 1:
			want = []string{"1 defaced domestic website,", "1 domestic website with a backdoor", "1 phishing page impersonating a domestic website.",
				"1 was a government (GOV) site", "The phishing pages used 1 domain and 1 IP address, about 1 page per IP address.",
				"1 network security incident, a cross-border one", "1 phishing complaint.", "1 infrastructure incident of",
				"This week 2 domestic hosts were infected", "The province with the most trojan- or botnet-controlled hosts was Guangdong."}
		case 12345:
			want = []string{"12,345 defaced domestic websites", "12,345 network security incidents, 12,345 of them cross-border",
				"about 25,000 domestic hosts were infected", "12,345 new malware names and 1 new malware family (Mozi)",
				"Of the defaced websites, 12,345 were government (GOV) sites"}
		}
		for _, w := range want {
			if !strings.Contains(all, w) {
				t.Errorf("n=%d: lacks %q in:\n%s", n, w, all)
			}
		}
	}
}

// TestEnglishZeros: nothing is "0 things" in English.
func TestEnglishZeros(t *testing.T) {
	s := busyWeek(2)
	s.Defaced.Gov, s.Defaced.GovPct, s.Defaced.PrevGov, s.Defaced.GovWoWPct = 0, stats.Share(0, 2), 4, stats.Change(0, 4)
	s.Phishing = stats.Phishing{}
	b, err := Compose(s, nil, Options{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(b.Sections[2].Paragraphs, "\n")
	for _, want := range []string{"and no phishing pages impersonating domestic websites.", "None of the defaced websites was a government (GOV) site, against 4 last week."} {
		if !strings.Contains(text, want) {
			t.Errorf("lacks %q:\n%s", want, text)
		}
	}
}

// TestNamesTable checks the shipped table, an operator's additions over it, and the warning
// an editor gets for a name the English edition would print in Chinese.
func TestNamesTable(t *testing.T) {
	s := busyWeek(5)
	b, err := Compose(s, nil, Options{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	var named []string
	for _, w := range b.Warnings {
		if w.Metric == "phishing.top_targets" {
			named = append(named, w.EN)
		}
	}
	if len(named) != 1 || !strings.Contains(named[0], "某某农商银行") || !strings.Contains(named[0], "SITREP_NAMES") {
		t.Errorf("warnings of names: %q", named)
	}

	path := filepath.Join(t.TempDir(), "names.toml")
	if err := os.WriteFile(path, []byte("[organisations]\n\"某某农商银行\" = \"Mou Rural Commercial Bank\"\n\"中国工商银行\" = \"Industrial and Commercial Bank of China\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	names, err := ReadNames(path)
	if err != nil {
		t.Fatal(err)
	}
	if names["中国建设银行"] != "China Construction Bank" {
		t.Errorf("the shipped names are not kept under an operator's: %v", names["中国建设银行"])
	}
	b, err = Compose(s, nil, Options{Lang: "en", Names: names})
	if err != nil {
		t.Fatal(err)
	}
	want := "The organisations most impersonated were Industrial and Commercial Bank of China, Mou Rural Commercial Bank and PayPal."
	if got := b.Sections[2].Paragraphs[2]; got != want {
		t.Errorf("targets: %s\nwant %s", got, want)
	}
	for _, w := range b.Warnings {
		if w.Metric == "phishing.top_targets" {
			t.Errorf("a warning for a name the table has: %s", w.EN)
		}
	}

	for text, want := range map[string]string{
		"[organisations]\n\"甲\" = \"\"\n": "empty English name",
		"[orgs]\n\"甲\" = \"A\"\n":         "unknown key orgs",
		"[organisations\n":                "names.toml",
	} {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadNames(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error with %q", text, err, want)
		}
	}
}

// TestInfographic lays an issue out in the 2021– form: the situation in words, five cards of
// key numbers with their changes, the incidents in words; the malware card carries the map of
// provinces; every card's words are in the language.
func TestInfographic(t *testing.T) {
	s := busyWeek(12345)
	s.InfectedHosts.Provinces = []store.NameCount{{Name: "广东省", Count: 9000}, {Name: "江苏省", Count: 800}}
	for _, lang := range []string{"zh", "en"} {
		b, err := Compose(s, nil, Options{Lang: lang, Style: StyleInfographic})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Sections) != 2 || b.Sections[0].ID != SecOverview || b.Sections[1].ID != SecIncidents ||
			!slices.Equal(b.Sections[0].Figures, []int{1, 2, 3, 4, 5}) || len(b.Sections[1].Figures) != 0 {
			t.Fatalf("%s: sections %+v", lang, b.Sections)
		}
		if len(b.Figures) != 5 || b.Style != StyleInfographic {
			t.Fatalf("%s: %d figures, style %q", lang, len(b.Figures), b.Style)
		}
		for i, f := range b.Figures {
			if f.Kind != "card" || f.Card == nil || f.Number != i+1 || f.Caption == "" {
				t.Errorf("%s: figure %d is %+v", lang, i+1, f)
			}
		}
		o, mw, ws := b.Figures[0].Card, b.Figures[1].Card, b.Figures[2].Card
		wantLead := map[string]string{"zh": "良", "en": "Good"}[lang]
		if o.Lead != wantLead || len(o.Tiles) != 4 {
			t.Errorf("%s: overview card %+v", lang, o)
		}
		// Infected hosts doubled: up, in red; defaced halved: down.
		if o.Tiles[0].Trend != 1 || !strings.Contains(o.Tiles[0].Change, "▲") || !strings.Contains(o.Tiles[0].Change, "100.0%") {
			t.Errorf("%s: infected tile %+v", lang, o.Tiles[0])
		}
		if o.Tiles[1].Trend != -1 || !strings.Contains(o.Tiles[1].Change, "▼ 50.0%") && !strings.Contains(o.Tiles[1].Change, "▼50.0%") {
			t.Errorf("%s: defaced tile %+v", lang, o.Tiles[1])
		}
		if mw.Map == nil || mw.Map.Kind != "map" || !slices.Equal(mw.Map.Labels, []string{"广东省", "江苏省"}) || mw.Map.Series[0].Values[0] != 9000 {
			t.Errorf("%s: malware card's map %+v", lang, mw.Map)
		}
		if want := map[string]string{"zh": "2.5万", "en": "24,690"}[lang]; mw.Tiles[0].Value != want {
			t.Errorf("%s: infected hosts printed %q, want %q", lang, mw.Tiles[0].Value, want)
		}
		if lang == "en" {
			for _, f := range b.Figures {
				for _, tl := range f.Card.Tiles {
					if strings.ContainsFunc(tl.Label+tl.Value+tl.Change, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
						t.Errorf("Chinese on an English card: %+v", tl)
					}
				}
			}
			if !strings.Contains(strings.Join(ws.Notes, " "), "ICBC") {
				t.Errorf("websites card notes: %q", ws.Notes)
			}
		}
	}
	if _, err := Compose(s, nil, Options{Style: "poster"}); err == nil || !strings.Contains(err.Error(), "infographic") {
		t.Errorf("an unknown style: %v", err)
	}
}

// text is a bulletin's highlights and paragraphs, a line each.
func text(b *Bulletin) string {
	var all []string
	all = append(all, b.Highlights...)
	for _, s := range b.Sections {
		all = append(all, s.Paragraphs...)
	}
	return strings.Join(all, "\n")
}

// compose composes s in lang without a history.
func compose(t *testing.T, s *stats.Week, lang string, opt Options) *Bulletin {
	t.Helper()
	opt.Lang = lang
	b, err := Compose(s, nil, opt)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEdges composes weeks at the edges an editor met: counts that barely moved, sections
// without data, zeros inside sentences, one of something, names that are one organisation.
func TestEdges(t *testing.T) {
	compose := func(s *stats.Week, lang string, opt Options) *Bulletin { return compose(t, s, lang, opt) }

	// A count that moved by less than 0.05% is "about the same", grey on a card.
	s := busyWeek(200000)
	s.Phishing.Pages, s.Phishing.PrevPages = 200001, 200000
	s.Phishing.PagesWoWPct = stats.Change(200001, 200000)
	b := compose(s, "en", Options{Style: StyleInfographic})
	if tl := b.Figures[0].Card.Tiles[2]; tl.Trend != 0 || tl.Change != "about the same as last week" {
		t.Errorf("a tile that barely moved: %+v", tl)
	}

	// No website or vulnerability data: the overview card shows no zeros for them.
	s = busyWeek(5)
	s.Defaced, s.Backdoored, s.Phishing, s.Vulnerabilities = stats.Sites{}, stats.Sites{}, stats.Phishing{}, stats.Vulnerabilities{}
	b = compose(s, "zh", Options{Style: StyleInfographic})
	if tiles := b.Figures[0].Card.Tiles; len(tiles) != 1 || tiles[0].Label != "境内感染网络病毒主机" {
		t.Errorf("overview tiles without website or vulnerability data: %+v", tiles)
	}

	// Rounded counts in highlights read 约为, never 为约.
	s = busyWeek(60000)
	if got := text(compose(s, "zh", Options{})); strings.Contains(got, "为约") || !strings.Contains(got, "境内感染网络病毒的主机数量约为12.0万个") {
		t.Errorf("zh rounded counts:\n%s", got)
	}

	// Zeros and ones inside sentences; one organisation under two names; a province-level
	// unit without an English name is warned of.
	s = busyWeek(3)
	s.InfectedHosts.Conficker = 0
	s.InfectedHosts.TopProvinces = []store.NameCount{{Name: "新疆生产建设兵团", Count: 3}}
	s.Vulnerabilities.Medium, s.Vulnerabilities.Low = 0, 0
	s.Vulnerabilities.ByObject = map[string]int{"os": 2} // of 9 records, 2 classified, 6 not at all
	s.Vulnerabilities.Unclassified = 6
	s.Phishing.Pages, s.Phishing.IPs, s.Phishing.PagesPerIP = 1, 3, stats.Ratio(1, 3)
	s.Phishing.TopTargets = []store.NameCount{{Name: "中国工商银行", Count: 2}, {Name: "工商银行", Count: 1}}
	s.Incidents.AppPlatforms = 0
	s.MalwareSites.Domains, s.MalwareSites.IPURLs = 0, 3
	en := compose(s, "en", Options{})
	got := text(en)
	for _, want := range []string{"and none infected with the Conficker worm", "collected 9 new vulnerabilities, all high-severity.",
		"By affected object, operating systems accounted for the most. A further 6 could not be classed by affected object.", "The organisation most impersonated was ICBC.",
		" It took down 3 malicious URLs spreading mobile malware.", "found them on 3 IP addresses.",
		"All of the sites were reached directly by IP address (3 addresses).", "The phishing pages used 3 domains and 3 IP addresses."} {
		if !strings.Contains(got, want) {
			t.Errorf("en lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "per IP address") || strings.Contains(got, "All of them affected") {
		t.Errorf("en says pages per address below one, or all of them of a partial class:\n%s", got)
	}
	warned := false
	for _, w := range en.Warnings {
		warned = warned || w.Metric == "infected_hosts.top_provinces" && strings.Contains(w.EN, "新疆生产建设兵团")
	}
	if !warned {
		t.Errorf("no warning of a province without an English name: %+v", en.Warnings)
	}
	zhText := text(compose(s, "zh", Options{}))
	for _, want := range []string{"排名第一的省份是新疆生产建设兵团。", "本周CNVD发布的网络安全漏洞中，操作系统漏洞占比最高。",
		"共处理传播移动互联网恶意代码的恶意URL链接3个。", "放马站点均通过IP直接访问，涉及3个IP。"} {
		if !strings.Contains(zhText, want) {
			t.Errorf("zh lacks %q:\n%s", want, zhText)
		}
	}
	if strings.Contains(zhText, "约0个") || strings.Contains(zhText, "协调0个") {
		t.Errorf("zh states a zero it need not:\n%s", zhText)
	}
}
