package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/chart"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/render"
	"sitrep/internal/store"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
	"sitrep/internal/web"
	"sitrep/internal/week"
)

var shanghai, _ = time.LoadLocation(week.DefaultZone)

// site builds a store with two weeks of data, publishes the later one (with a province that is
// markup, to see it escaped), and serves it.
func site(t *testing.T) (*httptest.Server, store.Store) {
	t.Helper()
	specs := synth.Published(synth.Issue2024No9)
	files := ingesttest.Generate(t, specs, shanghai)
	st := ingesttest.Load(t, shanghai, files...)
	w, _ := week.Parse("2024-W09")
	var rs []store.Rendering
	for _, lang := range []string{"zh", "en"} {
		b, err := bulletin.Build(context.Background(), st, w, shanghai, bulletin.Options{Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		var html, md, js bytes.Buffer
		render.WriteHTML(&html, b, render.Options{Figures: chart.SVG})
		render.WriteMarkdown(&md, b, render.Options{})
		render.WriteJSON(&js, b)
		for f, c := range map[string][]byte{"html": html.Bytes(), "md": md.Bytes(), "json": js.Bytes()} {
			rs = append(rs, store.Rendering{Week: "2024-W09", Lang: lang, Format: f, Title: b.Title, Content: c, PublishedAt: time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC), Actor: "pub"})
		}
	}
	if err := st.Publish(context.Background(), rs); err != nil {
		t.Fatal(err)
	}
	srv := &web.Server{Store: st}
	t.Cleanup(func() { st.Close() })
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, st
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestSite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and publishes a week")
	}
	ts, _ := site(t)
	tests := []struct {
		path, ctype string
		code        int
		want        string
	}{
		{"/", "text/html", 200, `href="/bulletins/2024-W09">网络安全信息与动态周报2024年第9期（2月26日-3月3日）</a>`},
		{"/bulletins/2024-W09", "text/html", 200, "本周事件处理情况"},
		{"/bulletins/2024-W09?lang=en", "text/html", 200, "Weekly Network Security Bulletin, 2024 No. 9"},
		{"/bulletins/2024-W08", "text/html", 404, "2024-W08 尚未发布。"}, // a reader is told, in a page
		{"/bulletins/2024-W08?lang=en", "text/html", 404, `2024-W08 is not published.</p><p><a href="/?lang=en">All issues</a>`},
		{"/api/v1/bulletins/2024-W08", "application/json", 401, "2024-W08 is not published"}, // a program may bring a token
		{"/bulletins/2024-W99", "application/json", 400, "ISO year 2024 has weeks 1 to 52"},
		{"/bulletins/2024-W09?lang=fr", "application/json", 400, "lang is zh or en"},
		{"/api/v1/bulletins/2024-W09", "text/markdown", 200, "# 网络安全信息与动态周报2024年第9期"},
		{"/api/v1/bulletins/2024-W09?format=pdf", "application/json", 404, "not published in that format"},
		{"/api/v1/bulletins/2024-W09?format=docx", "application/json", 400, "format is"},
		{"/api/v1/stats/2024-W09", "application/json", 200, `"handled": 103`},
		{"/api/v1/stats/2024-W08", "application/json", 401, "not published"},
		{"/feed.atom", "application/atom+xml", 200, "urn:sitrep:bulletin:2024-W09"},
		{"/healthz", "text/plain", 200, "ok"},
		{"/api/v1/incidents", "application/json", 401, "token"},
		{"/api/v1/events?week=2024-W09&kind=phishing", "application/json", 401, "token"},
		{"/nothing-here", "text/plain", 404, ""},
	}
	for _, tc := range tests {
		code, h, body := get(t, ts.URL+tc.path)
		if code != tc.code || !strings.HasPrefix(h.Get("Content-Type"), tc.ctype) || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %s\n%.300s", tc.path, code, h.Get("Content-Type"), body)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s: missing security headers", tc.path)
		}
	}
	resp, _ := http.Post(ts.URL+"/api/v1/ingest?format=sitrep-events", "text/csv", strings.NewReader("time,kind\n"))
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("anonymous ingest: %d", resp.StatusCode)
	}
	_, _, atom := get(t, ts.URL+"/feed.atom")
	var feed struct {
		Author  string `xml:"author>name"`
		Entries []struct {
			Title     string `xml:"title"`
			Published string `xml:"published"`
			Summary   string `xml:"summary"`
			Link      struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(atom), &feed); err != nil || len(feed.Entries) != 1 || feed.Author != "CNCERT" {
		t.Fatalf("feed %+v, %v", feed, err)
	}
	// Absolute links (a feed reader resolves nothing), the publication time, a summary.
	if e := feed.Entries[0]; e.Link.Href != ts.URL+"/bulletins/2024-W09" || e.Published != "2024-03-04T09:00:00Z" ||
		!strings.Contains(e.Summary, "互联网网络安全态势整体评价为") {
		t.Errorf("feed entry %+v", e)
	}
	_, _, js := get(t, ts.URL+"/api/v1/stats/2024-W09")
	var s map[string]any
	if err := json.Unmarshal([]byte(js), &s); err != nil || s["week"] != "2024-W09" {
		t.Errorf("stats: %v %v", s["week"], err)
	}
}

// TestSiteInChromium opens the archive and the bulletin in a real browser: links lead to the
// issue, the page has its figures.
func TestSiteInChromium(t *testing.T) {
	bin, err := render.Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	if testing.Short() {
		t.Skip("builds and publishes a week")
	}
	ts, _ := site(t)
	dom := func(url string) string {
		out, err := exec.Command(bin, append(render.HeadlessArgs(filepath.Join(t.TempDir(), "p")), "--dump-dom", url)...).Output()
		if err != nil {
			t.Fatalf("chromium %s: %v", url, err)
		}
		return string(out)
	}
	if page := dom(ts.URL + "/"); !strings.Contains(page, `<a href="/bulletins/2024-W09">网络安全信息与动态周报2024年第9期`) {
		t.Errorf("archive page:\n%.500s", page)
	}
	page := dom(ts.URL + "/bulletins/2024-W09")
	if !strings.Contains(page, "<title>网络安全信息与动态周报2024年第9期（2月26日-3月3日）</title>") || strings.Count(page, "<figure") < 3 {
		t.Errorf("bulletin page: %d figures", strings.Count(page, "<figure"))
	}
}
