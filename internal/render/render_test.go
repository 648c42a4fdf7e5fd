package render_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/chart"
	"sitrep/internal/ingest/ingesttest"
	sitrepissue "sitrep/internal/issue"
	"sitrep/internal/render"
	"sitrep/internal/store/duck"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
	"sitrep/internal/week"
)

var shanghai, _ = time.LoadLocation(week.DefaultZone)

// issue builds the bulletin of a published issue's week from generated data.
func issue(t *testing.T, name, lang string) *bulletin.Bulletin {
	t.Helper()
	specs := synth.Published(name)
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	return build(t, st, specs[len(specs)-1].Week, lang)
}

func build(t *testing.T, st *duck.DB, w week.Week, lang string) *bulletin.Bulletin {
	t.Helper()
	b, err := bulletin.Build(context.Background(), st, w, shanghai, bulletin.Options{Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var tags = regexp.MustCompile(`(?s)<[^>]*>`)

// texts returns the issue as Markdown and as the text of its HTML, white space removed, as
// the published phrases are compared.
func texts(t *testing.T, b *bulletin.Bulletin) map[string]string {
	t.Helper()
	var md, html bytes.Buffer
	if err := render.WriteMarkdown(&md, b, render.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := render.WriteHTML(&html, b, render.Options{}); err != nil {
		t.Fatal(err)
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return map[string]string{"markdown": flat(md.String()), "html": flat(tags.ReplaceAllString(html.String(), ""))}
}

func TestPublishedPhrases(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests published weeks")
	}
	tests := []struct {
		issue, lang string
		phrases     []string
	}{
		{synth.Issue2018No6, "zh", []string{
			"网络安全信息与动态周报2018年第6期（2月5日-2月11日）", "约为18.4万个", "约11.3万", "约7.1万",
			"28个（约占境内1.5%）", "9个（约占境内1.3%）", "较上周环比下降了35.7%", "域名157个", "IP地址60个",
			"约3个仿冒页面", "284个", "信息安全漏洞威胁整体评价级别为中", "应用程序漏洞占比最高，其次是WEB应用漏洞和安全产品漏洞",
			"图1本周境内感染网络病毒主机数量", "图3本周我国境内被篡改网站占比", "图6本周CNVD收录漏洞按影响对象类型分布",
		}},
		{synth.Issue2014No6, "zh", []string{
			"2014年第6期（2月3日-2月9日）", "约为57.8万个", "约32.2万", "约25.6万", "广东省、安徽省和浙江省",
			"境内被篡改的网站数量为4988个", "381个（约占境内7.6%），较上周环比上升了3.5%", "被植入后门的网站数量为1190个",
			"39个（约占境内3.3%），较上周环比上升了11.4%", "仿冒页面数量为113个", "域名79个", "IP地址55个", "约2个仿冒页面",
			"45个", "高危17个、中危24个、低危4个", "应用程序漏洞占比最高，其次是WEB应用漏洞和网络设备漏洞",
		}},
		{synth.Issue2024No9, "zh", []string{
			"网络安全信息与动态周报2024年第9期（2月26日-3月3日）", "本周网络安全基本态势", "本周网络病毒活动情况",
			"本周网站安全情况", "本周重要漏洞情况", "本周事件处理情况", "互联网网络安全态势整体评价为",
			"全国范围或省级行政区域内未发生造成重大影响的基础设施运行安全事件", "处理网络安全事件103起",
			"含跨境网络安全事件37起", "重点处理74起仿冒投诉事件", "协调2个提供恶意移动应用程序下载服务的平台",
			"恶意URL链接2个", "近期回顾", "2024年第8期（2月19日-2月25日）", "2024年第4期（1月22日-1月28日）",
			"本周未收录新的安全漏洞记录", // a section without data says so
		}},
		{synth.Issue2024No9, "en", []string{
			"Weekly Network Security Bulletin, 2024 No. 9 (Feb 26–Mar 3)", "handled 103 network security incidents, 37 of them cross-border",
			"handled 74 phishing complaints", "Working with 2 platforms that offered malicious mobile apps", "took down 2 malicious URLs",
			"Weekly Network Security Bulletin, 2024 No. 8 (Feb 19–25)", "No new vulnerability records were collected this week",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.issue+" "+tc.lang, func(t *testing.T) {
			for format, text := range texts(t, issue(t, tc.issue, tc.lang)) {
				for _, p := range tc.phrases {
					if !strings.Contains(text, strings.Join(strings.Fields(p), "")) {
						t.Errorf("%s lacks %q", format, p)
					}
				}
			}
		})
	}
}

// TestDataIsEscaped feeds markup in a province and a phishing target and finds it escaped in
// Markdown and HTML, and never acting as markup.
func TestDataIsEscaped(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "evil.csv")
	os.WriteFile(csv, []byte("time,kind,ip,url,country,province,target\n"+
		"2024-02-27 10:00:00,infected_host,10.0.0.1,,CN,<script>alert(1)</script>,\n"+
		"2024-02-27 10:00:00,phishing,203.0.113.9,https://x.top/a,US,,<img src=x onerror=alert(2)>\n"), 0o644)
	st := ingesttest.Load(t, shanghai, csv)
	w, _ := week.Parse("2024-W09")
	b := build(t, st, w, "zh")
	var md, html bytes.Buffer
	render.WriteMarkdown(&md, b, render.Options{})
	render.WriteHTML(&html, b, render.Options{Figures: chart.SVG})
	for name, out := range map[string]string{"markdown": md.String(), "html": html.String()} {
		if strings.Contains(out, "<script>alert") || strings.Contains(out, "<img src=x") {
			t.Errorf("%s carries the markup unescaped", name)
		}
		if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(out, "&lt;img src=x onerror=alert(2)&gt;") {
			t.Errorf("%s lacks the escaped text:\n%s", name, out)
		}
	}
	var js bytes.Buffer
	render.WriteJSON(&js, b)
	if strings.Contains(js.String(), "<script>") {
		t.Error("JSON carries <script> unescaped")
	}
}

// TestSameWeekSameBytes renders one week twice from two stores built from the same data.
func TestSameWeekSameBytes(t *testing.T) {
	specs := synth.Weeks(mustWeek("2024-W09"), 3, 7)
	for i := range specs {
		specs[i] = specs[i].Scale(0.02)
	}
	files := ingesttest.Generate(t, specs, shanghai)
	var outs [2]map[render.Format][]byte
	for i := range outs {
		b := build(t, ingesttest.Load(t, shanghai, files...), mustWeek("2024-W09"), "zh")
		outs[i] = map[render.Format][]byte{}
		var md, html, js bytes.Buffer
		render.WriteMarkdown(&md, b, render.Options{})
		if _, err := render.WriteHTML(&html, b, render.Options{Figures: chart.SVG}); err != nil {
			t.Fatal(err)
		}
		render.WriteJSON(&js, b)
		outs[i][render.Markdown], outs[i][render.HTML], outs[i][render.JSON] = md.Bytes(), html.Bytes(), js.Bytes()
	}
	for f, first := range outs[0] {
		if !bytes.Equal(first, outs[1][f]) {
			t.Errorf("%s differs between two renderings of the same week", f)
		}
		if len(first) < 1000 {
			t.Errorf("%s is only %d bytes", f, len(first))
		}
	}
}

func mustWeek(s string) week.Week {
	w, err := week.Parse(s)
	if err != nil {
		panic(err)
	}
	return w
}

// TestHTMLInChromium opens the HTML page in headless Chromium: the page must have its title
// and all its figures drawn as SVG, and a screenshot must come out.
func TestHTMLInChromium(t *testing.T) {
	bin, err := render.Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	testenv.Need(t, testenv.CJKFont, chart.Font())
	specs := synth.Weeks(mustWeek("2024-W09"), 4, 3)
	for i := range specs {
		specs[i] = specs[i].Scale(0.05)
	}
	b := build(t, ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...), mustWeek("2024-W09"), "zh")
	dir := t.TempDir()
	page := filepath.Join(dir, "bulletin.html")
	f, _ := os.Create(page)
	if _, err := render.WriteHTML(f, b, render.Options{Figures: chart.SVG}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	shot := filepath.Join(dir, "shot.png")
	args := append(render.HeadlessArgs(filepath.Join(dir, "profile")), "--window-size=420,3000", "--hide-scrollbars", "--screenshot="+shot, "file://"+page)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
	png, err := os.ReadFile(shot)
	if err != nil || len(png) < 10000 || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot: %d bytes, %v", len(png), err)
	}
	args = append(render.HeadlessArgs(filepath.Join(dir, "profile2")), "--dump-dom", "file://"+page)
	dom, err := exec.Command(bin, args...).Output()
	if err != nil {
		t.Fatalf("dump DOM: %v", err)
	}
	if !strings.Contains(string(dom), "<title>"+b.Title+"</title>") {
		t.Error("the rendered page lacks its title")
	}
	figs := regexp.MustCompile(`(?s)<figure id="figure-\d+"[^>]*>\s*<svg`).FindAllString(string(dom), -1)
	if len(figs) < 6 {
		t.Errorf("the rendered page has %d figures drawn as SVG, want at least 6", len(figs))
	}
}

// TestPDF prints each language's page to PDF with headless Chromium and reads the PDF as a
// printer would: A4, TrueType fonts embedded (no Type 3), the running header and page numbers
// on every page, the previous issues on one page, no file: address.
func TestPDF(t *testing.T) {
	bin, err := render.Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	pdfinfo := testenv.Command(t, "pdfinfo", testenv.Poppler)
	pdffonts := testenv.Command(t, "pdffonts", testenv.Poppler)
	pdftotext := testenv.Command(t, "pdftotext", testenv.Poppler)
	testenv.Need(t, testenv.PrintFont, testenv.FontInstalled("WenQuanYi Micro Hei"))
	specs := synth.Published(synth.Issue2024No9)
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	for lang, base := range map[string]string{"zh": "https://cert.example.org", "en": "-"} {
		b := build(t, st, specs[len(specs)-1].Week, lang)
		// A file links previous issues under the site's base URL, or not at all.
		published := map[string]bool{}
		for _, r := range b.Recent {
			published[r.Week] = true
		}
		sitrepissue.Relink(b, published, base)
		var html bytes.Buffer
		if _, err := render.WriteHTML(&html, b, render.Options{Figures: chart.SVG}); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "b.pdf")
		if err := render.PrintPDF(context.Background(), bin, html.Bytes(), out); err != nil {
			t.Fatal(err)
		}
		run := func(bin string, args ...string) string {
			if bin == pdftotext {
				args = append(args, out, "-") // the text to standard output
			} else {
				args = append(args, out)
			}
			o, err := exec.Command(bin, args...).Output()
			if err != nil {
				t.Fatalf("%s %v: %v", bin, args, err)
			}
			return string(o)
		}
		info := run(pdfinfo)
		if !strings.Contains(info, "(A4)") {
			t.Errorf("%s: not A4:\n%s", lang, info)
		}
		pages := 0
		fmt.Sscan(regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(info)[1], &pages)
		fonts := strings.Split(strings.TrimSpace(run(pdffonts)), "\n")[2:]
		if len(fonts) == 0 {
			t.Errorf("%s: no fonts", lang)
		}
		for _, f := range fonts {
			if strings.Contains(f, "Type 3") || !strings.Contains(f, "TrueType") || !strings.Contains(f, " yes yes ") {
				t.Errorf("%s: a font not embedded as TrueType: %s", lang, f)
			}
		}
		text := run(pdftotext, "-layout")
		byPage := strings.Split(text, "\f")
		for i := 1; i <= pages; i++ {
			p := byPage[i-1]
			flat := strings.Join(strings.Fields(p), "")
			if !strings.Contains(flat, strings.Join(strings.Fields(b.Title), "")) || !strings.Contains(flat, fmt.Sprintf("%d/%d", i, pages)) {
				t.Errorf("%s: page %d lacks the running header or its number:\n%s", lang, i, p)
			}
		}
		recent := -1
		for i, p := range byPage {
			if strings.Contains(p, b.Words.Recent) {
				recent = i
			}
		}
		if recent < 0 {
			t.Fatalf("%s: no previous issues in the PDF", lang)
		}
		for _, r := range b.Recent {
			if !strings.Contains(strings.Join(strings.Fields(byPage[recent]), ""), strings.Join(strings.Fields(r.Title), "")) {
				t.Errorf("%s: %q is not on the page of %s", lang, r.Title, b.Words.Recent)
			}
		}
		pdf, _ := os.ReadFile(out)
		if bytes.Contains(pdf, []byte("file:")) {
			t.Errorf("%s: the PDF carries a file: address", lang)
		}
		if link := []byte("https://cert.example.org/bulletins/2024-W08"); bytes.Contains(pdf, link) != (base != "-") {
			t.Errorf("%s: with base %q, the PDF links %s: %v", lang, base, link, bytes.Contains(pdf, link))
		}
	}
}
