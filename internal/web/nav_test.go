package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/web"
)

// archiveSite publishes three weeks by hand, each in the formats and languages given, and
// serves them.
func archiveSite(t *testing.T, published map[string][]string) (*httptest.Server, *duck.DB) {
	t.Helper()
	st, err := duck.Open(context.Background(), t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for w, kinds := range published {
		var rs []store.Rendering
		for _, k := range kinds { // "zh.html", "en.pdf", …
			lang, format, _ := strings.Cut(k, ".")
			content := fmt.Sprintf("<!DOCTYPE html>\n<html>\n<body>\n<h1>%s %s</h1>\n</body>\n</html>\n", w, lang)
			if format == "json" {
				content = fmt.Sprintf(`{"start":"%s-start","end":"%s-end","stats":{"rating":{"level":"良"}}}`, w, w)
				if !strings.Contains(w, "W") { // a month's, a quarter's or a year's issue
					content = fmt.Sprintf(`{"start":"%s-start","end":"%s-end","period_stats":{"period":"%[1]s","rating":{"level":"中"}}}`, w, w)
				}
			}
			rs = append(rs, store.Rendering{Week: w, Lang: lang, Format: format, Title: lang + " title of " + w, Content: []byte(content),
				PublishedAt: time.Date(2024, 3, 4, 1, 30, 0, 0, time.UTC), Actor: "pub"})
		}
		if err := st.Publish(context.Background(), rs); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer((&web.Server{Store: st, Zone: shanghai}).Handler())
	t.Cleanup(ts.Close)
	return ts, st
}

// TestNavigation: each bulletin page of the site opens with links to the archive, the previous
// and next issues published in its language, the other language where it is published, and
// the downloads it was published in; the bar is added when the page is served, so the frozen
// bytes stay as they were published.
func TestNavigation(t *testing.T) {
	ts, st := archiveSite(t, map[string][]string{
		"2024-W07": {"zh.html", "zh.json"},
		"2024-W08": {"zh.html", "en.html", "zh.pdf", "zh.json"},
		"2024-W09": {"zh.html", "en.html", "zh.md", "en.md", "zh.json"},
	})
	nav := regexp.MustCompile(`(?s)<nav id="issue-nav".*?</nav>\n`)
	for _, tc := range []struct {
		path      string
		want, not []string
	}{
		{"/bulletins/2024-W08", []string{`href="/bulletins/2024-W07" rel="prev"`, `href="/bulletins/2024-W09" rel="next"`,
			`href="/bulletins/2024-W08?lang=en" hreflang="en" lang="en">English<`, `href="/api/v1/bulletins/2024-W08?format=pdf">PDF<`,
			`href="/api/v1/bulletins/2024-W08?format=json">JSON<`, `<a href="/">往期周报</a>`},
			[]string{"Markdown"}},
		{"/bulletins/2024-W07", []string{`href="/bulletins/2024-W08" rel="next"`}, []string{`rel="prev"`, "English", "PDF"}},
		{"/bulletins/2024-W09?lang=en", []string{`href="/bulletins/2024-W08?lang=en" rel="prev"`, `href="/bulletins/2024-W09" hreflang="zh" lang="zh">中文<`,
			`href="/api/v1/bulletins/2024-W09?format=md&amp;lang=en">Markdown<`, `<a href="/?lang=en">All issues</a>`, "Previous issue"}, []string{`rel="next"`, "PDF"}},
		{"/bulletins/2024-W08?lang=en", []string{`href="/bulletins/2024-W09?lang=en" rel="next"`}, []string{`rel="prev"`}},
	} {
		code, _, body := get(t, ts.URL+tc.path)
		bar := nav.FindString(body)
		if code != 200 || bar == "" {
			t.Errorf("GET %s: %d, no navigation:\n%s", tc.path, code, body)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(bar, w) {
				t.Errorf("GET %s: the navigation lacks %s:\n%s", tc.path, w, bar)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(bar, n) {
				t.Errorf("GET %s: the navigation has %s:\n%s", tc.path, n, bar)
			}
		}
		// Without the bar, the page is the published bytes.
		w, lang := strings.TrimPrefix(strings.Split(tc.path, "?")[0], "/bulletins/"), "zh"
		if strings.Contains(tc.path, "lang=en") {
			lang = "en"
		}
		rend, err := st.Rendering(context.Background(), w, lang, "html")
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Replace(body, bar, "", 1); got != string(rend.Content) {
			t.Errorf("GET %s: the page without its navigation is not the published page:\n%s", tc.path, got)
		}
	}
	// Downloads are not part of the site's pages: no bar in them.
	if _, _, body := get(t, ts.URL+"/api/v1/bulletins/2024-W09?format=md"); strings.Contains(body, "issue-nav") {
		t.Error("a download carries the navigation")
	}
}

// TestArchive lists each issue with its dates, rating, publication day and both languages,
// linking a PDF only where one was published.
func TestArchive(t *testing.T) {
	ts, _ := archiveSite(t, map[string][]string{
		"2024-W08": {"zh.html", "zh.pdf", "zh.json"},
		"2024-W09": {"zh.html", "en.html", "en.pdf", "zh.json"},
	})
	_, _, page := get(t, ts.URL+"/")
	items := regexp.MustCompile(`(?s)<li id="issue-(\S+?)".*?</li>`).FindAllStringSubmatch(page, -1)
	if len(items) != 2 || items[0][1] != "2024-W09" || items[1][1] != "2024-W08" {
		t.Fatalf("archive items: %q", items)
	}
	w09, w08 := items[0][0], items[1][0]
	for _, want := range []string{`<a href="/bulletins/2024-W09">zh title of 2024-W09</a>`, `<a href="/bulletins/2024-W09?lang=en" lang="en" hreflang="en">en title of 2024-W09</a>`,
		"2024-W09-start – 2024-W09-end", `态势评价 <b class="rating">良</b> <span lang="en">(good)</span>`, "发布于 2024-03-04",
		`href="/api/v1/bulletins/2024-W09?format=pdf&amp;lang=en">English PDF</a>`} {
		if !strings.Contains(w09, want) {
			t.Errorf("2024-W09 lacks %s:\n%s", want, w09)
		}
	}
	if strings.Contains(w09, `format=pdf">PDF`) || strings.Contains(w08, "English") || !strings.Contains(w08, `format=pdf">PDF`) {
		t.Errorf("PDF or English links where none was published:\n%s\n%s", w09, w08)
	}
	// In English: the issues published in English, their Chinese edition beside them.
	_, _, page = get(t, ts.URL+"/?lang=en")
	items = regexp.MustCompile(`(?s)<li id="issue-(\S+?)".*?</li>`).FindAllStringSubmatch(page, -1)
	if !strings.Contains(page, `<html lang="en">`) || len(items) != 1 || items[0][1] != "2024-W09" {
		t.Fatalf("English archive: %q", items)
	}
	for _, want := range []string{`<a href="/bulletins/2024-W09?lang=en">en title of 2024-W09</a>`, `<a href="/bulletins/2024-W09" lang="zh" hreflang="zh">zh title of 2024-W09</a>`,
		`Rated <b class="rating">good</b>`, `format=pdf&amp;lang=en">PDF</a>`, `<a href="/" hreflang="zh" lang="zh">中文</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("English archive lacks %s:\n%s", want, page)
		}
	}
}

// TestEditionsApart: the archive, the Atom feed and each page's navigation keep the weekly,
// monthly, quarterly and annual issues apart — the previous issue of a month is the month
// before, not a week — and a published month's statistics answer as they were published.
func TestEditionsApart(t *testing.T) {
	ts, _ := archiveSite(t, map[string][]string{
		"2024-W09": {"zh.html", "zh.json"},
		"2024-W05": {"zh.html", "zh.json"},
		"2024-02":  {"zh.html", "zh.json"},
		"2024-01":  {"zh.html", "zh.json"},
		"2023":     {"zh.html", "zh.json"},
	})
	items := func(path string) []string {
		code, _, page := get(t, ts.URL+path)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, page)
		}
		var keys []string
		for _, m := range regexp.MustCompile(`<li id="issue-(\S+?)"`).FindAllStringSubmatch(page, -1) {
			keys = append(keys, m[1])
		}
		return keys
	}
	for path, want := range map[string]string{
		"/": "2024-W09 2024-W05", "/?edition=monthly": "2024-02 2024-01", "/?edition=annual": "2023", "/?edition=quarterly": "",
	} {
		if got := strings.Join(items(path), " "); got != want {
			t.Errorf("GET %s lists %q, want %q", path, got, want)
		}
	}
	_, _, page := get(t, ts.URL+"/?edition=monthly")
	for _, want := range []string{`<h1 style="font-size:22px">网络安全监测数据分析（月度）</h1>`, `<a href="/">网络安全信息与动态周报</a>`,
		`<b aria-current="page">网络安全监测数据分析（月度）</b>`, `href="/feed.atom?edition=monthly"`, `href="/?edition=monthly&amp;lang=en"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the monthly archive lacks %s:\n%s", want, page)
		}
	}
	entries := func(path string) string {
		_, _, feed := get(t, ts.URL+path)
		var ids []string
		for _, m := range regexp.MustCompile(`<id>urn:sitrep:bulletin:(\S+?)</id>`).FindAllStringSubmatch(feed, -1) {
			ids = append(ids, m[1])
		}
		return strings.Join(ids, " ")
	}
	if got := entries("/feed.atom"); got != "2024-W09 2024-W05" {
		t.Errorf("the weekly feed: %q", got)
	}
	if got := entries("/feed.atom?edition=monthly"); got != "2024-02 2024-01" {
		t.Errorf("the monthly feed: %q", got)
	}
	code, _, body := get(t, ts.URL+"/bulletins/2024-02")
	bar := regexp.MustCompile(`(?s)<nav id="issue-nav".*?</nav>`).FindString(body)
	if code != 200 || !strings.Contains(bar, `href="/bulletins/2024-01" rel="prev"`) || strings.Contains(bar, "W0") ||
		!strings.Contains(bar, `<a href="/?edition=monthly">往期月报</a>`) {
		t.Errorf("GET /bulletins/2024-02: %d, navigation:\n%s", code, bar)
	}
	if !strings.Contains(page, `态势评价 <b class="rating">中</b>`) {
		t.Errorf("the monthly archive lacks the month's rating:\n%s", page)
	}
	if code, _, body := get(t, ts.URL+"/api/v1/stats/2024-02"); code != 200 || !strings.Contains(body, `"period": "2024-02"`) {
		t.Errorf("GET /api/v1/stats/2024-02: %d %s", code, body)
	}
	for _, bad := range []string{"/?edition=daily", "/feed.atom?edition=daily"} {
		if code, _, _ := get(t, ts.URL+bad); code != 400 {
			t.Errorf("GET %s: %d, want 400", bad, code)
		}
	}
}

// TestCorrectedIssue: a correction is served as the issue, with its revisions listed and the
// first publication still there byte for byte; the archive and the feed show it corrected.
func TestCorrectedIssue(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and publishes a week")
	}
	ts, st := site(t)
	ctx := context.Background()
	first, err := st.Rendering(ctx, "2024-W09", "zh", "html")
	if err != nil {
		t.Fatal(err)
	}
	corrected := bytes.Replace(first.Content, []byte("</header>"), []byte(`<p id="correction">更正说明：本期于2024年3月6日更正（第2版）。</p></header>`), 1)
	at := time.Date(2024, 3, 6, 9, 0, 0, 0, time.UTC)
	if rev, err := st.Correct(ctx, []store.Rendering{{Week: "2024-W09", Lang: "zh", Format: "html", Title: first.Title, Content: corrected, PublishedAt: at, Actor: "chief"}}, "a province misnamed"); err != nil || rev != 2 {
		t.Fatalf("Correct: %d %v", rev, err)
	}
	_, _, page := get(t, ts.URL+"/bulletins/2024-W09")
	if !strings.Contains(page, `id="correction"`) || !strings.Contains(page, `<a href="/bulletins/2024-W09?rev=1">第1版（2024-03-04）</a>`) ||
		!strings.Contains(page, `<b aria-current="page">第2版（2024-03-06）</b>`) {
		t.Errorf("the corrected page:\n%.3000s", page)
	}
	_, _, old := get(t, ts.URL+"/bulletins/2024-W09?rev=1")
	if strings.Contains(old, `id="correction"`) || !strings.Contains(old, `<a href="/bulletins/2024-W09">第2版`) {
		t.Errorf("the first revision's page:\n%.3000s", old)
	}
	// The first publication's bytes, less the navigation bar the site adds, are as published.
	if nav := regexp.MustCompile(`(?s)<nav id="issue-nav".*?</nav>\n`); nav.ReplaceAllString(old, "") != string(first.Content) {
		t.Error("the first revision is not served as it was published")
	}
	if code, _, _ := get(t, ts.URL+"/bulletins/2024-W09?rev=3"); code != http.StatusNotFound {
		t.Errorf("a revision that does not exist: %d", code)
	}
	if code, _, body := get(t, ts.URL+"/api/v1/bulletins/2024-W08?rev=1"); code != http.StatusNotFound || !strings.Contains(body, "no revision 1") {
		t.Errorf("a revision of an issue not published: %d %s", code, body)
	}
	if code, _, _ := get(t, ts.URL+"/bulletins/2024-W09?rev=0"); code != http.StatusBadRequest {
		t.Errorf("revision 0: %d", code)
	}
	_, _, archive := get(t, ts.URL+"/")
	if !strings.Contains(archive, "发布于 2024-03-04 · <span class=\"corrected\">2024-03-06更正（第2版）</span> <a href=\"/bulletins/2024-W09?rev=1\" class=\"original\">原版</a>") {
		t.Errorf("the archive does not show the correction:\n%s", archive)
	}
	_, _, atom := get(t, ts.URL+"/feed.atom")
	if !strings.Contains(atom, "<published>2024-03-04T09:00:00Z</published>") || !strings.Contains(atom, "<updated>2024-03-06T09:00:00Z</updated>") {
		t.Errorf("the feed entry of a corrected issue:\n%s", atom)
	}
}
