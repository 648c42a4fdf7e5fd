package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sitrep/internal/app"
	"sitrep/internal/testenv"
)

// labelled is what the records of one TLP label carry: strings that name something and that
// no output may show unless the label allows it.
type labelled struct {
	tlp                     string
	province, provinceEN    string
	family, target, source  string
	phishDomain, ip, vulnID string
	incidentID              string
}

var labels = []labelled{
	{"CLEAR", "广东省", "Guangdong", "famclear", "TargetClear", "SourceClear", "phish-clear.top", "36.0.1.1", "CNVD-2024-0001", "INC-CLEAR"},
	{"GREEN", "江苏省", "Jiangsu", "famgreen", "TargetGreen", "SourceGreen", "phish-green.top", "36.0.2.1", "CNVD-2024-0002", "INC-GREEN"},
	{"AMBER", "浙江省", "Zhejiang", "famamber", "TargetAmber", "SourceAmber", "phish-amber.top", "36.0.3.1", "CNVD-2024-0003", "INC-AMBER"},
	{"AMBER+STRICT", "四川省", "Sichuan", "famstrict", "TargetStrict", "SourceStrict", "phish-strict.top", "36.0.4.1", "CNVD-2024-0004", "INC-STRICT"},
	{"RED", "西藏自治区", "Tibet", "famred", "TargetRed", "SourceRed", "phish-red.top", "36.0.5.1", "CNVD-2024-0005", "INC-RED"},
}

// names are the strings of a label's records that name something.
func (l labelled) names() []string {
	return []string{l.province, l.provinceEN, l.family, l.target, l.source, l.phishDomain, l.ip}
}

// tlpStore ingests one record of each kind for every label into a new store: 2024-W09 with a
// host, a phishing page, a vulnerability and a closed incident per label, and one TLP:CLEAR
// host in 2024-W08 so that families can be new.
func tlpStore(t *testing.T, dir string) string {
	t.Helper()
	store := filepath.Join(dir, "store")
	var ev, vu, in strings.Builder
	ev.WriteString("time,kind,ip,url,country,province,family,target,tlp\n")
	ev.WriteString("2024-02-20 10:00:00,infected_host,36.0.9.9,,CN,广东省,oldfam,,CLEAR\n")
	vu.WriteString("id,published,severity,object,title,tlp\n")
	in.WriteString("id,opened,closed,type,source,partner_kind,url,tlp\n")
	for _, l := range labels {
		fmt.Fprintf(&ev, "2024-02-27 10:00:00,infected_host,%s,,CN,%s,%s,,%s\n", l.ip, l.province, l.family, l.tlp)
		fmt.Fprintf(&ev, "2024-02-27 11:00:00,phishing,%s,https://%s/login,US,,,%s,%s\n", l.ip, l.phishDomain, l.target, l.tlp)
		fmt.Fprintf(&vu, "%s,2024-02-27 09:00:00,high,os,%s flaw,%s\n", l.vulnID, l.target, l.tlp)
		fmt.Fprintf(&in, "%s,2024-02-26 09:00:00,2024-02-28 10:00:00,phishing,%s,registrar,https://%s/login,%s\n", l.incidentID, l.source, l.phishDomain, l.tlp)
	}
	for name, body := range map[string]string{"events.csv": ev.String(), "vulns.csv": vu.String(), "incidents.csv": in.String()} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, errs := sitrep(t, "", "--store", store, "ingest", p); code != 0 {
			t.Fatalf("ingest %s: %s", name, errs)
		}
	}
	return store
}

// allowed says which labels' names an output may show: up to names, and whose counts: up to count.
type allowed struct{ names, count int }

// public is what a public edition may draw on by default: counts up to AMBER, names CLEAR.
var public = allowed{names: 0, count: 2}

// checkNames fails when out shows a name of a label beyond what a allows, or lacks the names
// of the labels it allows where required lists them.
func checkNames(t *testing.T, what, out string, a allowed, required ...string) {
	t.Helper()
	for i, l := range labels {
		for _, n := range l.names() {
			if i > a.names && strings.Contains(out, n) {
				t.Errorf("%s shows %q of a TLP:%s record", what, n, l.tlp)
			}
		}
	}
	for _, r := range required {
		if !strings.Contains(out, r) {
			t.Errorf("%s lacks %q", what, r)
		}
	}
}

// TestTLPInEveryOutput is the table of TLP label × output: each output of a public edition
// counts records up to TLP:AMBER and names only from TLP:CLEAR ones; an internal edition says
// on its first line which label it carries and draws on records up to it.
func TestTLPInEveryOutput(t *testing.T) {
	dir := t.TempDir()
	store := tlpStore(t, dir)

	t.Run("stats", func(t *testing.T) {
		for _, tc := range []struct {
			tlp   string
			a     allowed
			count int
		}{{"", public, 3}, {"CLEAR", public, 3}, {"GREEN", allowed{1, 2}, 3}, {"AMBER", allowed{2, 2}, 3}, {"AMBER+STRICT", allowed{3, 3}, 4}, {"RED", allowed{4, 4}, 5}} {
			args := []string{"--store", store, "stats", "--week", "2024-W09", "--json"}
			if tc.tlp != "" {
				args = append(args, "--tlp", tc.tlp)
			}
			code, out, errs := sitrep(t, "", args...)
			if code != 0 {
				t.Fatalf("stats --tlp %s: %s", tc.tlp, errs)
			}
			var s struct {
				TLP           string `json:"tlp"`
				Public        bool   `json:"public"`
				InfectedHosts struct {
					TrojanBotnet int      `json:"trojan_botnet"`
					NewFamilies  []string `json:"new_families"`
				} `json:"infected_hosts"`
				Phishing        struct{ Pages int }       `json:"phishing"`
				Vulnerabilities struct{ Total, High int } `json:"vulnerabilities"`
				Incidents       struct {
					Handled  int            `json:"handled"`
					BySource map[string]int `json:"by_source"`
				} `json:"incidents"`
			}
			if err := json.Unmarshal([]byte(out), &s); err != nil {
				t.Fatal(err)
			}
			label := tc.tlp
			if label == "" {
				label = "CLEAR"
			}
			if s.TLP != label || s.Public != (label == "CLEAR") {
				t.Errorf("--tlp %q: the statistics say tlp %q, public %v", tc.tlp, s.TLP, s.Public)
			}
			if s.InfectedHosts.TrojanBotnet != tc.count || s.Phishing.Pages != tc.count || s.Vulnerabilities.High != tc.count || s.Incidents.Handled != tc.count {
				t.Errorf("--tlp %q counts hosts %d, pages %d, high vulnerabilities %d, incidents %d; want %d of each",
					tc.tlp, s.InfectedHosts.TrojanBotnet, s.Phishing.Pages, s.Vulnerabilities.High, s.Incidents.Handled, tc.count)
			}
			if want := tc.a.names + 1; len(s.InfectedHosts.NewFamilies) != want {
				t.Errorf("--tlp %q: new families %v, want %d", tc.tlp, s.InfectedHosts.NewFamilies, want)
			}
			if named := s.Incidents.Handled - s.Incidents.BySource[""]; named != tc.a.names+1 {
				t.Errorf("--tlp %q: incidents by source %v name %d sources, want %d", tc.tlp, s.Incidents.BySource, named, tc.a.names+1)
			}
			checkNames(t, "stats --tlp "+tc.tlp, out, tc.a, labels[tc.a.names].family)
		}
	})

	t.Run("report", func(t *testing.T) {
		formats := []string{"md", "html", "json"}
		// The PDF's text is read with poppler's pdftotext: where it is missing the PDF is not
		// checked, except in CI (which installs it), where readText fails naming it.
		if _, err := exec.LookPath("pdftotext"); err == nil || testenv.InCI() {
			formats = append(formats, "pdf")
		}
		for _, f := range formats {
			for _, lang := range []string{"zh", "en"} {
				out := filepath.Join(dir, "report-"+lang+"."+f)
				if code, _, errs := sitrep(t, "", "--store", store, "report", "--week", "2024-W09", "--lang", lang, "--format", f, "--out", out); code != 0 {
					t.Fatalf("report %s %s: %s", lang, f, errs)
				}
				text := readText(t, out)
				checkNames(t, "report "+lang+" "+f, text, public)
				if strings.Contains(text, "TLP:AMBER") || strings.Contains(text, "internal edition") || strings.Contains(text, "内部版本") {
					t.Errorf("report %s %s: the public edition calls itself internal", lang, f)
				}
			}
		}
		code, out, errs := sitrep(t, "", "--store", store, "report", "--week", "2024-W09", "--tlp", "AMBER")
		if code != 0 {
			t.Fatal(errs)
		}
		first, _, _ := strings.Cut(out, "\n")
		if !strings.Contains(first, "TLP:AMBER") || !strings.Contains(first, "内部版本") {
			t.Errorf("the internal edition's first line is %q", first)
		}
		checkNames(t, "report --tlp AMBER", out, allowed{2, 2}, "famamber")
		code, out, _ = sitrep(t, "", "--store", store, "report", "--week", "2024-W09", "--tlp", "AMBER", "--lang", "en", "--format", "html")
		if code != 0 || !strings.Contains(out, `id="tlp-banner"`) || !strings.Contains(out, "<title>TLP:AMBER") {
			t.Errorf("the internal HTML edition does not say its label at the top")
		}
	})

	t.Run("export", func(t *testing.T) {
		for _, f := range []string{"csv", "stix"} {
			code, out, errs := sitrep(t, "", "--store", store, "export", "--week", "2024-W09", "--format", f)
			if code != 0 {
				t.Fatalf("export %s: %s", f, errs)
			}
			checkNames(t, "export "+f, out, public, "phish-clear.top")
		}
	})

	t.Run("site", func(t *testing.T) {
		t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium") // no PDF: keep it quick
		tokens := map[string]string{}
		for _, role := range []string{"viewer", "analyst", "editor", "publisher", "admin"} {
			code, out, errs := sitrep(t, "", "--store", store, "token", "create", "--role", role, "--name", role)
			if code != 0 {
				t.Fatal(errs)
			}
			tokens[role] = strings.TrimSpace(out)
		}
		cfg := &app.Config{Store: store}
		if err := cfg.Defaults(); err != nil {
			t.Fatal(err)
		}
		e := &env{ctx: context.Background(), cfg: cfg, stdout: io.Discard, stderr: io.Discard}
		st, err := cfg.Open(context.Background(), false)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		ts := httptest.NewServer(newWebServer(e, st, nil).Handler())
		defer ts.Close()
		get := func(path, role string) (int, string) {
			t.Helper()
			req, err := http.NewRequest("GET", ts.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if role != "" {
				req.Header.Set("Authorization", "Bearer "+tokens[role])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, string(b)
		}
		type route struct {
			path, role string
			code       int
			a          allowed
		}
		routes := []route{
			{"/api/v1/stats/2024-W09", "viewer", 200, public},
			{"/api/v1/stats/2024-W09?tlp=AMBER", "viewer", 403, public},
			{"/api/v1/stats/2024-W09?tlp=AMBER", "analyst", 403, public},
			{"/api/v1/stats/2024-W09?tlp=AMBER", "editor", 200, allowed{2, 2}},
			{"/api/v1/stats/2024-W09?tlp=RED", "editor", 403, public},
			{"/api/v1/stats/2024-W09?tlp=RED", "admin", 200, allowed{4, 4}},
			{"/api/v1/stats/2024-W09?tlp=CLEAR&tlp=RED", "editor", 400, public},
			{"/bulletins/2024-W09", "editor", 200, public},
			{"/bulletins/2024-W09?tlp=AMBER", "editor", 200, allowed{2, 2}},
			{"/api/v1/bulletins/2024-W09?format=json&lang=en", "editor", 200, public},
			{"/api/v1/events?week=2024-W09", "analyst", 200, allowed{2, 2}},
			{"/api/v1/export?week=2024-W09", "analyst", 200, public},
			{"/api/v1/export?week=2024-W09&format=stix&tlp=AMBER", "analyst", 200, allowed{2, 2}},
			{"/api/v1/export?week=2024-W09&tlp=AMBER%2BSTRICT", "analyst", 403, public},
			{"/api/v1/export?week=2024-W09&tlp=RED", "admin", 400, public},
			{"/api/v1/export?week=2024-W09", "viewer", 403, public},
			{"/api/v1/incidents/INC-RED", "analyst", 404, public},
			{"/api/v1/incidents/INC-STRICT", "analyst", 404, public},
			{"/api/v1/incidents/INC-AMBER", "analyst", 200, allowed{2, 2}},
			{"/api/v1/incidents/INC-RED", "admin", 200, allowed{4, 4}},
			{"/api/v1/incidents?week=2024-W09", "analyst", 200, allowed{2, 2}},
		}
		check := func() {
			for _, r := range routes {
				code, body := get(r.path, r.role)
				if code != r.code {
					t.Errorf("GET %s as %s: %d, want %d\n%.300s", r.path, r.role, code, r.code, body)
					continue
				}
				checkNames(t, "GET "+r.path+" as "+r.role, body, r.a)
			}
		}
		check()
		// The server holds the store: the week is reviewed and published through it.
		for _, step := range []struct{ path, role string }{{"/review", "editor"}, {"/publish", "publisher"}} {
			req, err := http.NewRequest("POST", ts.URL+"/api/v1/bulletins/2024-W09"+step.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tokens[step.role])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("POST %s: %d", step.path, resp.StatusCode)
			}
		}
		// Once published, anonymous readers get the frozen public edition everywhere.
		routes = append(routes, route{"/", "", 200, public}, route{"/feed.atom", "", 200, public},
			route{"/api/v1/stats/2024-W09?tlp=AMBER", "", 401, public}, route{"/bulletins/2024-W09?tlp=AMBER", "viewer", 403, public})
		for _, p := range []string{"/bulletins/2024-W09", "/bulletins/2024-W09?lang=en", "/api/v1/stats/2024-W09"} {
			routes = append(routes, route{p, "", 200, public})
		}
		for _, f := range []string{"md", "html", "json"} {
			for _, lang := range []string{"zh", "en"} {
				routes = append(routes, route{"/api/v1/bulletins/2024-W09?format=" + f + "&lang=" + lang, "", 200, public})
			}
		}
		check()
	})
}

// readText returns a file's text; a PDF's as pdftotext extracts it.
func readText(t *testing.T, path string) string {
	t.Helper()
	if strings.HasSuffix(path, ".pdf") {
		out, err := exec.Command("pdftotext", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext %s (install Debian's poppler-utils): %v", path, err)
		}
		return string(out)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
