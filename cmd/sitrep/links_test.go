package main

import (
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitrep/internal/web/webtest"
)

var hrefs = regexp.MustCompile(`(?:href|src)="([^"#]+)[^"]*"|\]\(([^)\s]+)\)`)

// links lists the link targets of an HTML or Markdown text, entities undone.
func links(text string) []string {
	var out []string
	for _, m := range hrefs.FindAllStringSubmatch(text, -1) {
		l := m[1] + m[2]
		if strings.HasPrefix(l, "data:") {
			continue
		}
		out = append(out, strings.ReplaceAll(l, "&amp;", "&"))
	}
	return out
}

// TestSiteLinksResolve publishes two of three weeks and follows every link of the site from
// its archive, as an anonymous reader: each answers 200; a bulletin's previous issues link only
// to published ones; the archive offers a PDF only where one was published. A file written by
// report links previous issues under SITREP_BASE_URL, or not at all.
func TestSiteLinksResolve(t *testing.T) {
	dir := t.TempDir()
	data, served := filepath.Join(dir, "data"), filepath.Join(dir, "served")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "3", "--events", "2000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(data, "*.csv"))
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium") // published without PDFs
	sitrep(t, "", append([]string{"--store", served, "ingest"}, files...)...)
	for _, w := range []string{"2024-W08", "2024-W09"} {
		sitrep(t, "", "--store", served, "review", "--week", w)
		if code, _, errs := sitrep(t, "", "--store", served, "publish", "--week", w); code != 0 {
			t.Fatalf("publish %s: %s", w, errs)
		}
	}
	for base, want := range map[string]string{"": "", "https://cert.example.org/": "https://cert.example.org/bulletins/2024-W08"} {
		t.Setenv("SITREP_BASE_URL", base)
		out := filepath.Join(dir, "w09.html")
		if code, _, errs := sitrep(t, "", "--store", served, "report", "--week", "2024-W09", "--format", "html", "--out", out); code != 0 {
			t.Fatal(errs)
		}
		b, _ := os.ReadFile(out)
		ls := links(string(b))
		for _, l := range ls {
			if strings.HasPrefix(l, "/") || strings.HasPrefix(l, "file:") || strings.Contains(l, "2024-W07") {
				t.Errorf("base %q: the file links %s", base, l)
			}
		}
		if want != "" && !strings.Contains(strings.Join(ls, " "), want) {
			t.Errorf("base %q: the file lacks a link to %s: %v", base, want, ls)
		}
	}

	url := startServer(t, served)
	// A published issue carries who published it and the day it did.
	today := time.Now().In(shanghaiZone(t)).Format(time.DateOnly)
	if code, _, page := call(t, "GET", url+"/bulletins/2024-W09", "", ""); code != 200 || !strings.Contains(page, "CNCERT · "+today) {
		t.Errorf("the published page's byline (want CNCERT · %s): %d", today, code)
	}
	seen := map[string]int{}
	queue := []string{"/"}
	for len(queue) > 0 && len(seen) < 200 {
		p := queue[0]
		queue = queue[1:]
		if _, ok := seen[p]; ok {
			continue
		}
		code, h, body := call(t, "GET", url+p, "", "")
		seen[p] = code
		if code != 200 {
			t.Errorf("GET %s: %d", p, code)
			continue
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") && !strings.HasPrefix(ct, "text/markdown") {
			continue
		}
		for _, l := range links(body) {
			u, err := neturl.Parse(l)
			if err != nil {
				t.Errorf("%s links %q: %v", p, l, err)
				continue
			}
			if u.Scheme != "" || u.Host != "" {
				continue // other sites are not ours to check
			}
			if !strings.HasPrefix(u.Path, "/") {
				t.Errorf("%s links %q, a path a reader's browser resolves against the page", p, l)
				continue
			}
			queue = append(queue, u.RequestURI())
		}
	}
	for _, want := range []string{"/bulletins/2024-W08", "/bulletins/2024-W09?lang=en", "/feed.atom"} {
		if _, ok := seen[want]; !ok {
			t.Errorf("no link led to %s (%d pages seen)", want, len(seen))
		}
	}
	for p := range seen {
		if strings.Contains(p, "2024-W07") || strings.Contains(p, "format=pdf") {
			t.Errorf("a link to %s, which was never published", p)
		}
	}
}

// TestDemoLinksResolve runs the demo, the README's first command, and follows every link of
// the files it writes: each names a file that exists beside them.
func TestDemoLinksResolve(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo")
	if code, _, errs := sitrep(t, "", "demo", "--out", out); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	pages, _ := filepath.Glob(filepath.Join(out, "bulletins", "*.*"))
	checked := 0
	for _, page := range pages {
		if ext := filepath.Ext(page); ext != ".html" && ext != ".md" {
			continue
		}
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links(string(b)) {
			if strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") {
				continue
			}
			target, err := neturl.PathUnescape(l)
			if err != nil || strings.HasPrefix(l, "/") || strings.Contains(l, ":") {
				t.Errorf("%s links %q, which no file beside it answers", filepath.Base(page), l)
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(page), target)); err != nil {
				t.Errorf("%s links %q: %v", filepath.Base(page), l, err)
			}
			checked++
		}
	}
	if checked < 10 {
		t.Errorf("only %d links checked in %d files", checked, len(pages))
	}
}

func shanghaiZone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// call sends a request to a server the test started (webtest.Call).
var call = webtest.Call

// TestByline: an issue names its issuer (SITREP_ISSUER) and, once reviewed, the day it was.
func TestByline(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csv, []byte("time,kind,url\n2024-02-27 10:00:00,phishing,https://a.example.top/\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	st := filepath.Join(dir, "store")
	sitrep(t, "", "--store", st, "ingest", csv)
	t.Setenv("SITREP_ISSUER", "国家互联网应急中心CNCERT")
	today := time.Now().In(shanghaiZone(t)).Format(time.DateOnly)
	_, md, _ := sitrep(t, "", "--store", st, "report", "--week", "2024-W09", "--format", "md")
	if !strings.Contains(md, "\n国家互联网应急中心CNCERT\n") || strings.Contains(md, today) {
		t.Errorf("a draft not reviewed: the issuer, no date:\n%.300s", md)
	}
	sitrep(t, "", "--store", st, "review", "--week", "2024-W09")
	_, html, _ := sitrep(t, "", "--store", st, "report", "--week", "2024-W09", "--format", "html")
	if !strings.Contains(html, "国家互联网应急中心CNCERT · "+today) {
		t.Errorf("a reviewed draft: the issuer and the review's day %s", today)
	}
}

// TestClosingNote ends the Chinese edition with the note SITREP_CLOSING names, escaped as any
// text; a note that is not one is refused by name.
func TestClosingNote(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "events.csv")
	os.WriteFile(csv, []byte("time,kind,url\n2024-02-27 10:00:00,phishing,https://a.example.top/\n"), 0o600)
	st := filepath.Join(dir, "store")
	sitrep(t, "", "--store", st, "ingest", csv)
	note := filepath.Join(dir, "closing.txt")
	os.WriteFile(note, []byte("关于本中心\n\n本周报由<b>本中心</b>编制。\n"), 0o600)
	t.Setenv("SITREP_CLOSING", note)
	_, md, errs := sitrep(t, "", "--store", st, "report", "--week", "2024-W09", "--format", "md")
	if !strings.Contains(md, "## 关于本中心\n\n本周报由&lt;b&gt;本中心&lt;/b&gt;编制。") {
		t.Errorf("the closing note in Markdown:\n%s%s", md, errs)
	}
	_, html, _ := sitrep(t, "", "--store", st, "report", "--week", "2024-W09", "--format", "html")
	if !strings.Contains(html, "关于本中心") || strings.Contains(html, "<b>本中心</b>") {
		t.Errorf("the closing note in HTML is missing or not escaped")
	}
	_, en, _ := sitrep(t, "", "--store", st, "report", "--week", "2024-W09", "--format", "md", "--lang", "en")
	if strings.Contains(en, "关于本中心") {
		t.Errorf("the Chinese closing note in the English edition")
	}
	os.WriteFile(note, []byte("a heading alone\n"), 0o600)
	if code, _, errs := sitrep(t, "", "--store", st, "report", "--week", "2024-W09"); code != 1 || !strings.Contains(errs, "SITREP_CLOSING") {
		t.Errorf("a note that is not one: %d %s", code, errs)
	}
}
