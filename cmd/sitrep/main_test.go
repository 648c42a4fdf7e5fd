package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sitrep/internal/app"
	"sitrep/internal/testenv"
)

// TestMain lets the test binary stand in for sitrep in the tests that need a real process.
func TestMain(m *testing.M) {
	if os.Getenv("SITREP_AS_MAIN") != "" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// sitrep runs the command in-process and returns its exit status and output.
func sitrep(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("time,kind,ip,country\n2024-02-26 10:00:00,infected_host,10.0.0.1,CN\n2024-02-26 10:00:00,worm,10.0.0.2,CN\n"), 0o644)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string // a substring, or "" for none required
		stderr string
	}{
		{"no command", nil, 2, "", "usage: sitrep"},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"unknown flag", []string{"stats", "--bogus"}, 2, "", "flag provided but not defined"},
		{"bad week", []string{"--store", store, "stats", "--week", "2024-W60"}, 2, "", "weeks 1 to 52"},
		{"ingest without files", []string{"--store", store, "ingest"}, 2, "", "name one or more files"},
		{"bad format name", []string{"--store", store, "ingest", "--format", "xml", good}, 2, "", "unknown format"},
		{"stats before any data", []string{"--store", store, "stats", "--week", "2024-W09"}, 1, "", "ingest some data first"},
		{"ingest", []string{"--store", store, "ingest", good}, 0, "read 2, stored 1, duplicate 0, rejected 1\n", "set aside"},
		{"again", []string{"ingest", "--store", store, good}, 0, "read 2, stored 0, duplicate 1, rejected 1\n", ""},
		{"missing file", []string{"--store", store, "ingest", filepath.Join(dir, "nope.csv")}, 1, "read 0, stored 0", "nope.csv"},
		{"not a known format", []string{"--store", store, "ingest", "-"}, 1, "", "stdin"},
		{"rejects", []string{"--store", store, "ingest", "--rejects"}, 0, "unknown kind", ""},
		{"stats table", []string{"--store", store, "stats", "--week", "2024-W09"}, 0, "木马或僵尸程序受控主机", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdin := ""
			if tc.name == "not a known format" {
				stdin = "a,b\n1,2\n"
				tc.stderr = "not a format sitrep knows"
			}
			code, out, errs := sitrep(t, stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			if tc.stdout != "" && !strings.Contains(out, tc.stdout) {
				t.Errorf("stdout %q lacks %q", out, tc.stdout)
			}
			if tc.stderr != "" && !strings.Contains(errs, tc.stderr) {
				t.Errorf("stderr %q lacks %q", errs, tc.stderr)
			}
		})
	}
}

// TestStatsJSONHasEveryContractPath checks each JSON path CONTRACT.md names.
func TestStatsJSONHasEveryContractPath(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	if code, _, errs := sitrep(t, "", "sample", "--out", filepath.Join(dir, "data"), "--week", "2024-W09", "--weeks", "2", "--events", "3000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*.csv"))
	if code, _, errs := sitrep(t, "", append([]string{"--store", store, "ingest"}, files...)...); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := sitrep(t, "", "--store", store, "stats", "--week", "2024-W09", "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var s map[string]any
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	paths := []string{"week", "start", "end", "issue.year", "issue.number", "issue.title", "rating.level", "rating.reasons",
		"infected_hosts.trojan_botnet", "infected_hosts.conficker", "infected_hosts.total", "infected_hosts.top_provinces",
		"malware_sites.domains", "malware_sites.ips", "malware_sites.domains_abroad_pct", "malware_sites.domains_com_pct",
		"malware_sites.ips_abroad_pct", "malware_sites.ip_urls",
		"defaced.total", "defaced.gov", "defaced.gov_pct", "defaced.gov_wow_pct",
		"backdoored.total", "backdoored.gov", "backdoored.gov_pct", "backdoored.gov_wow_pct",
		"phishing.pages", "phishing.domains", "phishing.ips", "phishing.pages_per_ip",
		"vulnerabilities.total", "vulnerabilities.high", "vulnerabilities.medium", "vulnerabilities.low",
		"vulnerabilities.by_object", "vulnerabilities.level",
		"incidents.handled", "incidents.cross_border", "incidents.phishing", "incidents.app_platforms", "incidents.app_urls",
		"incidents.by_type", "incidents.by_source"}
	for _, p := range paths {
		var cur any = s
		for _, k := range strings.Split(p, ".") {
			obj, ok := cur.(map[string]any)
			if !ok {
				cur = nil
				break
			}
			if cur, ok = obj[k]; !ok {
				t.Errorf("stats JSON lacks %s", p)
				break
			}
		}
	}
	if s["week"] != "2024-W09" || s["start"] != "2024-02-26" || s["end"] != "2024-03-03" {
		t.Errorf("week fields: %v %v %v", s["week"], s["start"], s["end"])
	}
}

// TestKillDuringIngest kills a real ingest with SIGKILL after its first batches have landed,
// runs it again, and compares the statistics with those of a clean run.
func TestKillDuringIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("ingests a few hundred thousand rows twice")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--events", "400000"); code != 0 {
		t.Fatal(errs)
	}
	events := filepath.Join(data, "events.csv")
	statsOf := func(store string) string {
		code, out, errs := sitrep(t, "", "--store", store, "stats", "--week", "2024-W09", "--json")
		if code != 0 {
			t.Fatal(errs)
		}
		return out
	}
	clean := filepath.Join(dir, "clean")
	if code, _, errs := sitrep(t, "", "--store", clean, "ingest", "--batch", "40000", events); code != 0 {
		t.Fatal(errs)
	}
	want := statsOf(clean)

	killed := filepath.Join(dir, "killed")
	cmd := exec.Command(os.Args[0], "--store", killed, "ingest", "--batch", "40000", events)
	cmd.Env = append(os.Environ(), "SITREP_AS_MAIN=1", "SITREP_DEBUG=1")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	committed := 0
	for sc.Scan() {
		if strings.Contains(sc.Text(), "batch committed") {
			if committed++; committed == 2 {
				cmd.Process.Signal(syscall.SIGKILL)
				break
			}
		}
	}
	go func() { // drain
		for sc.Scan() {
		}
	}()
	err := cmd.Wait()
	if committed < 2 {
		t.Fatalf("the ingest ended (%v) before two batches were committed", err)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Skipf("the ingest finished before it could be killed (%v)", err)
	}
	time.Sleep(100 * time.Millisecond)
	code, out, errs := sitrep(t, "", "--store", killed, "ingest", "--batch", "40000", events)
	if code != 0 {
		t.Fatalf("rerun after kill: %s", errs)
	}
	var read, stored, dup, rej int
	if _, err := fmtSscanf(out, &read, &stored, &dup, &rej); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	if dup < 2*40000-100 || stored+dup+rej != read {
		t.Errorf("rerun summary %q: the batches that landed before the kill should count as duplicates", out)
	}
	if got := statsOf(killed); got != want {
		t.Errorf("statistics after kill and rerun differ from a clean run:\n%s\nclean:\n%s", got, want)
	}
}

func fmtSscanf(s string, read, stored, dup, rej *int) (int, error) {
	return fmt.Sscanf(strings.TrimSpace(s), "read %d, stored %d, duplicate %d, rejected %d", read, stored, dup, rej)
}

func TestPrintableNeutralisesEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain 中文":                "plain 中文",
		"\x1b[2J\x1b]0;pwned\x07": `\x1b[2J\x1b]0;pwned\x07`,
		"two\nlines\r":            `two\x0alines\x0d`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "evil.csv")
	os.WriteFile(bad, []byte("time,kind\n2024-02-26 10:00:00,\x1b[31mworm\n"), 0o644)
	store := filepath.Join(dir, "store")
	sitrep(t, "", "--store", store, "ingest", bad)
	_, out, _ := sitrep(t, "", "--store", store, "ingest", "--rejects")
	if strings.Contains(out, "\x1b") || !strings.Contains(out, `\x1b[31mworm`) {
		t.Errorf("rejects listing passes an escape sequence through: %q", out)
	}
}

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	if code, _, errs := sitrep(t, "", "sample", "--out", filepath.Join(dir, "data"), "--week", "2024-W09", "--weeks", "2", "--events", "2000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*.csv"))
	sitrep(t, "", append([]string{"--store", store, "ingest"}, files...)...)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout, or in the file written
	}{
		{"markdown", []string{"report", "--week", "2024-W09"}, 0, "# 网络安全信息与动态周报2024年第9期（2月26日-3月3日）"},
		{"english", []string{"report", "--week", "2024-W09", "--lang", "en"}, 0, "# Weekly Network Security Bulletin, 2024 No. 9 (Feb 26–Mar 3)"},
		{"json", []string{"report", "--week", "2024-W09", "--format", "json"}, 0, `"title": "网络安全信息与动态周报2024年第9期（2月26日-3月3日）"`},
		{"html file", []string{"report", "--week", "2024-W09", "--format", "html", "--out", filepath.Join(dir, "b.html")}, 0, "<!DOCTYPE html>"},
		{"markdown file with figures", []string{"report", "--week", "2024-W09", "--out", filepath.Join(dir, "b.md")}, 0, "](b-figures/figure1.svg)"},
		{"unknown format", []string{"report", "--week", "2024-W09", "--format", "docx"}, 2, ""},
		{"unknown language", []string{"report", "--week", "2024-W09", "--lang", "fr"}, 2, ""},
		{"pdf without chromium", []string{"report", "--week", "2024-W09", "--format", "pdf"}, 1, ""},
		{"org", []string{"report", "--week", "2024-W09", "--org", "GDCERT"}, 0, "本周GDCERT监测发现"},
		{"infographic", []string{"report", "--week", "2024-W09", "--style", "infographic", "--out", filepath.Join(dir, "i.md")}, 0, "![本周网站安全情况](i-figures/figure3.svg)"},
		{"unknown style", []string{"report", "--week", "2024-W09", "--style", "poster"}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "pdf without chromium" {
				t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium")
			}
			code, out, errs := sitrep(t, "", append([]string{"--store", store}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errs)
			}
			if i := len(tc.args) - 1; tc.args[i-1] == "--out" {
				b, _ := os.ReadFile(tc.args[i])
				out = string(b)
			}
			if tc.name == "markdown file with figures" && strings.Contains(errs, "no font") {
				testenv.Need(t, testenv.CJKFont, fmt.Errorf("%s", strings.TrimSpace(errs)))
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%.400s", tc.want, out)
			}
		})
	}
}

// TestOverrideRoundTrip overrides a week's rating, finds it in the statistics, the bulletin and
// the audit trail, and withdraws it.
func TestOverrideRoundTrip(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	csv := filepath.Join(dir, "incidents.csv")
	os.WriteFile(csv, []byte("id,opened,closed,type,impact\nI-1,2024-02-26 09:00:00,2024-02-27 09:00:00,ddos,national\n"), 0o644)
	if code, _, errs := sitrep(t, "", "--store", store, "ingest", csv); code != 0 {
		t.Fatal(errs)
	}
	_, out, _ := sitrep(t, "", "--store", store, "report", "--week", "2024-W09")
	if !strings.Contains(out, "整体评价为危") || strings.Contains(out, "未发生造成重大影响") || !strings.Contains(out, "发生造成重大影响的基础设施运行安全事件1起") {
		t.Errorf("a national-impact week:\n%.600s", out)
	}
	for _, bad := range [][]string{
		{"rate", "--week", "2024-W09", "--level", "中"},                             // no reason
		{"rate", "--week", "2024-W09", "--level", "好", "--reason", "x"},            // no such level
		{"rate", "--week", "2024-W09", "--level", "中", "--clear", "--reason", "x"}, // both
	} {
		if code, _, _ := sitrep(t, "", append([]string{"--store", store}, bad...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	t.Setenv("SITREP_ACTOR", "analyst-7")
	code, out, errs := sitrep(t, "", "--store", store, "rate", "--week", "2024-W09", "--level", "差", "--reason", "impact contained by Sunday")
	if code != 0 || !strings.Contains(out, "差 (computed 危, set by analyst-7") || !strings.Contains(out, "impact contained by Sunday") {
		t.Fatalf("override: %d\n%s%s", code, out, errs)
	}
	_, js, _ := sitrep(t, "", "--store", store, "stats", "--week", "2024-W09", "--json")
	var s struct {
		Rating struct {
			Level    string
			Computed string `json:"computed_level"`
			Override *struct{ Level, Actor, Reason string }
			Reasons  []struct{ Rule, ZH string }
		}
	}
	json.Unmarshal([]byte(js), &s)
	if s.Rating.Level != "差" || s.Rating.Override == nil || s.Rating.Override.Actor != "analyst-7" || s.Rating.Computed != "危" ||
		len(s.Rating.Reasons) < 2 || s.Rating.Reasons[0].Rule != "override" {
		t.Errorf("rating after override: %+v", s.Rating)
	}
	_, out, _ = sitrep(t, "", "--store", store, "report", "--week", "2024-W09")
	if !strings.Contains(out, "整体评价为差") {
		t.Errorf("the bulletin does not use the override")
	}
	code, out, _ = sitrep(t, "", "--store", store, "rate", "--week", "2024-W09", "--clear", "--reason", "second thoughts")
	if code != 0 || !strings.HasPrefix(out, "2024-W09 网络安全信息与动态周报2024年第9期（2月26日-3月3日）: 危\n") ||
		!strings.Contains(out, "rating.override.withdraw") || !strings.Contains(out, "analyst-7  rating.override ") {
		t.Errorf("withdrawal:\n%s", out)
	}
	code, out, _ = sitrep(t, "", "rate", "--print-policy")
	if code != 0 || !strings.Contains(out, "baseline_weeks = 12") {
		t.Errorf("print-policy: %d %s", code, out)
	}
}

func TestIncidentCommands(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	t.Setenv("SITREP_ACTOR", "analyst-3")
	run := func(want int, args ...string) string {
		t.Helper()
		code, out, errs := sitrep(t, "", append([]string{"--store", store, "incident"}, args...)...)
		if code != want {
			t.Fatalf("incident %v: exit %d, want %d\n%s%s", args, code, want, out, errs)
		}
		return out + errs
	}
	run(0, "partner", "--name", "Registrar Abroad", "--kind", "registrar", "--country", "us", "--contact", "abuse@example.com")
	run(2, "partner", "--name", "X", "--kind", "courier")
	if out := run(0, "partners"); !strings.Contains(out, "Registrar Abroad  registrar  US") {
		t.Errorf("partners:\n%s", out)
	}
	id := strings.TrimSpace(run(0, "open", "--type", "phishing", "--url", "https://fake-bank.top/login", "--source", "投诉",
		"--at", "2024-02-26 09:00:00", "--note", "reported by mail"))
	if !strings.HasPrefix(id, "INC-") {
		t.Fatalf("open printed %q", id)
	}
	run(2, "open", "--url", "https://x.top/")   // no type
	run(1, "assign", id, "--partner", "Nobody") // not in the directory
	run(0, "assign", id, "--partner", "Registrar Abroad", "--at", "2024-02-26 10:00:00")
	run(0, "note", id, "--note", "registrar acknowledged", "--at", "2024-02-26 11:00:00")
	run(1, "close", id, "--at", "2024-02-26 08:00:00") // before it was opened
	run(0, "close", id, "--at", "2024-02-26 11:30:00") // through resolved, both recorded
	out := run(0, "show", id)
	for _, want := range []string{"phishing  closed", "cross-border true", "hxxps://fake-bank[.]top/login", "analyst-3  assign",
		"coordinating → resolved", "resolved → closed", "registrar acknowledged"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	run(1, "reject", id) // final
	other := strings.TrimSpace(run(0, "open", "--type", "ddos", "--at", "2024-02-27 09:00:00", "--due", "2024-02-27 12:00:00"))
	dup := strings.TrimSpace(run(0, "open", "--type", "ddos", "--at", "2024-02-27 09:30:00"))
	run(0, "reject", dup, "--duplicate-of", other)
	if out := run(0, "list", "--overdue"); !strings.Contains(out, other) || strings.Contains(out, id) || strings.Contains(out, dup) {
		t.Errorf("overdue:\n%s", out)
	}
	if out := run(0, "list", "--state", "duplicate"); !strings.Contains(out, dup) || strings.Contains(out, other) {
		t.Errorf("duplicates:\n%s", out)
	}
	if out := run(0, "list", "--week", "2024-W09", "--type", "phishing"); !strings.Contains(out, id) {
		t.Errorf("closed in the week:\n%s", out)
	}
	run(2, "list", "--state", "sleeping")
	_, js, _ := sitrep(t, "", "--store", store, "stats", "--week", "2024-W09", "--json")
	if !strings.Contains(js, `"handled": 1`) || !strings.Contains(js, `"cross_border": 1`) {
		t.Errorf("the closed ticket is not counted:\n%.300s", js)
	}

	// Tickets from this week's phishing events, once per URL.
	csv := filepath.Join(dir, "events.csv")
	os.WriteFile(csv, []byte("time,kind,ip,url,country,target\n"+
		"2024-02-27 10:00:00,phishing,203.0.113.1,https://fake-bank.top/login,US,中国工商银行\n"+
		"2024-02-27 11:00:00,phishing,203.0.113.2,https://phish-two.top/a,US,中国银行\n"+
		"2024-02-28 11:00:00,phishing,203.0.113.2,https://phish-two.top/a,US,中国银行\n"+
		"2024-03-05 11:00:00,phishing,203.0.113.3,https://next-week.top/,US,\n"), 0o644)
	sitrep(t, "", "--store", store, "ingest", csv)
	out = run(0, "open", "--from-events", "--week", "2024-W09", "--at", "2024-03-01 09:00:00")
	if !strings.Contains(out, "opened 1 ticket(s)") || !strings.Contains(out, "1 URL(s) already had one") || !strings.Contains(out, "hxxps://phish-two[.]top/a") {
		t.Errorf("from events:\n%s", out)
	}
	if out := run(0, "open", "--from-events", "--week", "2024-W09"); !strings.Contains(out, "opened 0 ticket(s)") {
		t.Errorf("from events again:\n%s", out)
	}
}

// TestSeedWeekThroughCommands handles the seed issue's 103 incidents with the incident
// commands — partners, open, assign, close — and finds the published sentences in the report.
func TestSeedWeekThroughCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a few hundred commands")
	}
	store := filepath.Join(t.TempDir(), "store")
	t.Setenv("SITREP_ACTOR", "duty")
	cmd := func(args ...string) string {
		t.Helper()
		code, out, errs := sitrep(t, "", append([]string{"--store", store, "incident"}, args...)...)
		if code != 0 {
			t.Fatalf("incident %v: %s", args, errs)
		}
		return strings.TrimSpace(out)
	}
	for _, p := range [][3]string{{"Registrar Abroad", "registrar", "US"}, {"Registrar Home", "registrar", "CN"},
		{"应用商店甲", "app_store", "CN"}, {"应用商店乙", "app_store", "CN"}, {"Cloud Co", "cloud", "CN"}, {"广东分中心", "branch", "CN"}} {
		cmd("partner", "--name", p[0], "--kind", p[1], "--country", p[2])
	}
	handle := func(i int, partner string, open ...string) {
		day := fmt.Sprintf("2024-02-%02d", 26+i%4)
		id := cmd(append([]string{"open", "--at", day + " 08:00:00", "--partner", partner}, open...)...)
		cmd("close", id, "--at", day+" 17:00:00")
	}
	for i := 0; i < 74; i++ {
		partner := "Registrar Home"
		if i < 37 {
			partner = "Registrar Abroad"
		}
		handle(i, partner, "--type", "phishing", "--url", fmt.Sprintf("https://fake%d.top/", i))
	}
	for i, p := range []string{"应用商店甲", "应用商店乙"} {
		handle(i, p, "--type", "mobile_malware", "--platform", p, "--url", fmt.Sprintf("http://apps.example.cn/m%d.apk", i))
	}
	for i := 0; i < 27; i++ {
		handle(i, []string{"Cloud Co", "广东分中心"}[i%2], "--type", []string{"malware", "defacement", "ddos"}[i%3])
	}
	cmd("open", "--type", "phishing", "--at", "2024-03-03 20:00:00") // still open: not handled
	_, out, errs := sitrep(t, "", "--store", store, "report", "--week", "2024-W09")
	for _, want := range []string{"共处理网络安全事件103起，含跨境网络安全事件37起", "重点处理74起仿冒投诉事件",
		"协调2个提供恶意移动应用程序下载服务的平台", "共处理传播移动互联网恶意代码的恶意URL链接2个"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q\n%s", want, errs)
		}
	}
}

// TestGeoipFillsMissingCountries builds a country database from tor-format ranges with the
// geoip command and ingests rows without a country: the domestic ones count.
func TestGeoipFillsMissingCountries(t *testing.T) {
	dir := t.TempDir()
	tor := filepath.Join(dir, "geoip")
	os.WriteFile(tor, []byte("# from tor-geoipdb\n603979776,604045311,CN\n134744064,134744319,US\n"), 0o644) // 36.0.0.0/16, 8.8.8.0/24
	mmdb := filepath.Join(dir, "country.mmdb")
	if code, out, errs := sitrep(t, "", "geoip", "import", "--tor", tor, "--tor6", "", "--out", mmdb); code != 0 || !strings.Contains(out, "2 ranges") {
		t.Fatalf("geoip import: %d %s%s", code, out, errs)
	}
	csv := filepath.Join(dir, "events.csv")
	os.WriteFile(csv, []byte("time,kind,ip,country\n"+
		"2024-02-27 10:00:00,infected_host,36.0.0.1,\n"+
		"2024-02-27 10:00:00,infected_host,36.0.0.2,\n"+
		"2024-02-27 10:00:00,infected_host,8.8.8.8,\n"+
		"2024-02-27 10:00:00,infected_host,9.9.9.9,\n"+
		"2024-02-27 10:00:00,infected_host,8.8.8.9,CN\n"), 0o644) // stated countries stand
	store := filepath.Join(dir, "store")
	if code, _, errs := sitrep(t, "", "--store", store, "ingest", "--geoip", mmdb, csv); code != 0 {
		t.Fatal(errs)
	}
	_, js, _ := sitrep(t, "", "--store", store, "stats", "--week", "2024-W09", "--json")
	if !strings.Contains(js, `"trojan_botnet": 3,`) {
		t.Errorf("domestic hosts after lookup:\n%.400s", js)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "ingest", "--geoip", filepath.Join(dir, "missing.mmdb"), csv); code != 1 || !strings.Contains(errs, "missing.mmdb") {
		t.Errorf("a missing database: %d %s", code, errs)
	}

	// Through a server: it locates uploads with the database it was started with; the same
	// setting on the sending side is no reason to refuse, an explicit --geoip is.
	served := filepath.Join(dir, "served")
	code, tok, errs := sitrep(t, "", "--store", served, "token", "create", "--role", "analyst", "--name", "feed")
	if code != 0 {
		t.Fatal(errs)
	}
	t.Setenv("SITREP_GEOIP", mmdb)
	t.Setenv("SITREP_TOKEN", strings.TrimSpace(tok))
	url := startServer(t, served)
	if code, _, errs := sitrep(t, "", "--server", url, "ingest", csv); code != 0 {
		t.Fatalf("ingest through a server with a geoip database: %d %s", code, errs)
	}
	if _, js, _ := sitrep(t, "", "--server", url, "stats", "--week", "2024-W09", "--json"); !strings.Contains(js, `"trojan_botnet": 3,`) {
		t.Errorf("domestic hosts after the server's lookup:\n%.400s", js)
	}
	if code, _, errs := sitrep(t, "", "--server", url, "ingest", "--geoip", mmdb, csv); code != 2 || !strings.Contains(errs, "SITREP_GEOIP") {
		t.Errorf("--geoip through a server: %d %s", code, errs)
	}
}

func TestPublishCommand(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	if code, _, errs := sitrep(t, "", "sample", "--out", filepath.Join(dir, "data"), "--week", "2024-W09", "--weeks", "2", "--events", "2000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*.csv"))
	sitrep(t, "", append([]string{"--store", store, "ingest"}, files...)...)
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium") // keep the test quick: no PDF
	if code, _, errs := sitrep(t, "", "--store", store, "publish", "--week", "2023-W09"); code != 1 || !strings.Contains(errs, "nothing at all was recorded") {
		t.Errorf("publishing an empty week: %d %s", code, errs)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "publish", "--week", "2024-W09"); code != 1 || !strings.Contains(errs, "has not been reviewed") {
		t.Errorf("publishing unreviewed: %d %s", code, errs)
	}
	if code, out, errs := sitrep(t, "", "--store", store, "review", "--week", "2024-W09", "--note", "numbers checked"); code != 0 || !strings.HasPrefix(out, "reviewed 2024-W09") {
		t.Fatalf("review: %d %s%s", code, out, errs)
	}
	sitrep(t, "", "--store", store, "rate", "--week", "2024-W09", "--level", "差", "--reason", "late change") // the bulletin changes
	if code, _, errs := sitrep(t, "", "--store", store, "publish", "--week", "2024-W09"); code != 1 || !strings.Contains(errs, "changed since") {
		t.Errorf("publishing after a change: %d %s", code, errs)
	}
	sitrep(t, "", "--store", store, "review", "--week", "2024-W09")
	code, out, errs := sitrep(t, "", "--store", store, "publish", "--week", "2024-W09")
	if code != 0 || !strings.Contains(out, "published 2024-W09: 6 renderings") {
		t.Fatalf("publish: %d %s%s", code, out, errs)
	}
	if code, out, _ := sitrep(t, "", "--store", store, "publish", "--week", "2024-W08", "--without-review"); code != 0 || !strings.Contains(out, "published 2024-W08") {
		t.Errorf("publishing without review: %d %s", code, out)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "publish", "--week", "2024-W09"); code != 1 || !strings.Contains(errs, "never changes") {
		t.Errorf("publishing again: %d %s", code, errs)
	}
	_, out, _ = sitrep(t, "", "--store", store, "rate", "--week", "2024-W09")
	if !strings.Contains(out, "bulletin.publish") || !strings.Contains(out, "bulletin.review") {
		t.Errorf("the audit trail lacks the review and publication:\n%s", out)
	}
	_, out, _ = sitrep(t, "", "--store", store, "rate", "--week", "2024-W08")
	if !strings.Contains(out, "(without review)  bulletin.publish") {
		t.Errorf("the audit trail does not say the week went out without review:\n%s", out)
	}
	// A correction is a new revision saying when and why; the first stays as it was.
	if code, _, errs := sitrep(t, "", "--store", store, "publish", "--week", "2024-W07", "--correct", "x"); code != 1 || !strings.Contains(errs, "not published") {
		t.Errorf("correcting a week not published: %d %s", code, errs)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "publish", "--week", "2024-W09", "--correct", "广东省的数字有误"); code != 1 || !strings.Contains(errs, "the correction has not been reviewed") {
		t.Errorf("a correction without its review: %d %s", code, errs)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "review", "--week", "2024-W09", "--note", "the correction"); code != 0 {
		t.Fatalf("review of the correction: %s", errs)
	}
	if code, out, errs := sitrep(t, "", "--store", store, "publish", "--week", "2024-W09", "--correct", "广东省的数字有误"); code != 0 || out != "corrected 2024-W09: revision 2\n" {
		t.Fatalf("correct: %d %q %s", code, out, errs)
	}
	st, err := (&app.Config{Store: store}).Open(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	zh, _ := st.Rendering(context.Background(), "2024-W09", "zh", "md")
	en, _ := st.Rendering(context.Background(), "2024-W09", "en", "md")
	orig, _ := st.RenderingAt(context.Background(), "2024-W09", "zh", "md", 1)
	if zh.Revision != 2 || !strings.Contains(string(zh.Content), "> 更正说明：本期于") || !strings.Contains(string(zh.Content), "（第2版）。更正原因：广东省的数字有误。") ||
		!strings.Contains(string(en.Content), "(revision 2): 广东省的数字有误.") || strings.Contains(string(orig.Content), "更正") {
		t.Errorf("the correction:\n%s\n%s", zh.Content, en.Content)
	}
}

// TestAPIRoles runs the site as `sitrep serve` wires it, with tokens of each role.
func TestAPIRoles(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium") // no PDFs: keep it quick
	csv := filepath.Join(dir, "events.csv")
	os.WriteFile(csv, []byte("time,kind,ip,url,country,tlp\n"+
		"2024-02-27 10:00:00,phishing,203.0.113.1,https://a.top/x,US,CLEAR\n"+
		"2024-02-27 11:00:00,phishing,203.0.113.2,https://b.top/y,US,AMBER\n"+
		"2024-02-27 12:00:00,phishing,203.0.113.3,https://c.top/z,US,RED\n"+
		"2024-02-27 12:00:00,infected_host,36.0.0.1,,CN,CLEAR\n"), 0o644)
	if code, _, errs := sitrep(t, "", "--store", store, "ingest", csv); code != 0 {
		t.Fatal(errs)
	}
	tokens := map[string]string{}
	for _, role := range []string{"viewer", "analyst", "editor", "publisher"} {
		code, out, errs := sitrep(t, "", "--store", store, "token", "create", "--role", role, "--name", role+"-1")
		if code != 0 || !strings.HasPrefix(out, "sitrep_") {
			t.Fatalf("token: %s%s", out, errs)
		}
		tokens[role] = strings.TrimSpace(out)
	}
	if code, _, _ := sitrep(t, "", "--store", store, "token", "create", "--role", "wizard"); code != 2 {
		t.Error("unknown role accepted")
	}
	cfg := &app.Config{Store: store}
	cfg.Defaults()
	e := &env{ctx: context.Background(), cfg: cfg, stdout: io.Discard, stderr: io.Discard}
	st, err := cfg.Open(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ts := httptest.NewServer(newWebServer(e, st, nil).Handler())
	defer ts.Close()
	do := func(method, path, role, body string) (int, string) {
		t.Helper()
		token := tokens[role]
		if role == "bogus" {
			token = "sitrep_not-a-token"
		}
		code, _, b := call(t, method, ts.URL+path, token, body)
		return code, b
	}
	tests := []struct {
		method, path, role, body string
		code                     int
		want, not                string
	}{
		{"GET", "/api/v1/stats/2024-W09", "", "", 401, "needs an API token", "trojan_botnet"},
		{"GET", "/api/v1/stats/2024-W09", "bogus", "", 401, "not valid", ""},
		{"GET", "/api/v1/stats/2024-W09", "viewer", "", 200, `"trojan_botnet": 1`, ""},
		{"GET", "/bulletins/2024-W09", "viewer", "", 403, "needs editor", "<html"},
		{"GET", "/bulletins/2024-W09", "editor", "", 200, "网络安全信息与动态周报2024年第9期", ""},
		{"GET", "/api/v1/bulletins/2024-W09?lang=en&format=json", "editor", "", 200, `"lang": "en"`, ""},
		{"GET", "/api/v1/events?week=2024-W09&kind=phishing", "viewer", "", 403, "needs analyst", "a.top"},
		{"GET", "/api/v1/events?week=2024-W09&kind=phishing", "analyst", "", 200, "https://b.top/y", "c.top"},
		{"GET", "/api/v1/events?week=2024-W09&kind=worm", "analyst", "", 400, "unknown kind", ""},
		{"GET", "/api/v1/incidents", "", "", 401, "token", ""},
		{"GET", "/api/v1/incidents", "analyst", "", 200, "[]", ""},
		{"POST", "/api/v1/ingest", "viewer", "time,kind\n", 403, "needs analyst", ""},
		{"POST", "/api/v1/ingest?format=sitrep-events", "analyst", "time,kind,ip,country\n2024-02-28 10:00:00,infected_host,36.0.0.2,CN\nbad,row,,\n", 200, `"summary": "read 2, stored 1, duplicate 0, rejected 1"`, ""},
		{"POST", "/api/v1/ingest", "analyst", "a,b\n1,2\n", 422, "not a format sitrep knows", ""},
		{"POST", "/api/v1/bulletins/2024-W09/publish", "editor", "", 403, "needs publisher", ""},
		{"POST", "/api/v1/bulletins/2024-W09/publish", "publisher", "", 422, "has not been reviewed", ""},
		{"POST", "/api/v1/bulletins/2024-W09/review?note=ok", "analyst", "", 403, "needs editor", ""},
		{"POST", "/api/v1/bulletins/2024-W09/review?note=ok", "editor", "", 201, `"reviewed_by": "editor-1"`, ""},
		{"POST", "/api/v1/bulletins/2024-W09/publish", "publisher", "", 201, `"renderings": 6`, ""},
		{"POST", "/api/v1/bulletins/2024-W09/publish", "publisher", "", 409, "never changes", ""},
		{"GET", "/bulletins/2024-W09", "", "", 200, "网络安全信息与动态周报2024年第9期", ""},
		{"GET", "/api/v1/stats/2024-W09", "", "", 200, `"trojan_botnet": 2`, ""},
		{"GET", "/", "", "", 200, "/bulletins/2024-W09", ""},
	}
	for _, tc := range tests {
		code, body := do(tc.method, tc.path, tc.role, tc.body)
		if code != tc.code || !strings.Contains(body, tc.want) || tc.not != "" && strings.Contains(body, tc.not) {
			t.Errorf("%s %s as %q: %d\n%.300s", tc.method, tc.path, tc.role, code, body)
		}
	}
	// The command line works on the store once the server has let it go.
	ts.Close()
	st.Close()
	_, out, _ := sitrep(t, "", "--store", store, "rate", "--week", "2024-W09")
	if !strings.Contains(out, "publisher-1  bulletin.publish") {
		t.Errorf("the audit trail lacks who published:\n%s", out)
	}
	if code, out, _ := sitrep(t, "", "--store", store, "token", "revoke", "--name", "viewer-1"); code != 0 || !strings.Contains(out, "revoked 1") {
		t.Errorf("revoke: %d %s", code, out)
	}
	st2, err := cfg.Open(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(newWebServer(e, st2, nil).Handler())
	ts.URL = ts2.URL
	code, _ := do("GET", "/api/v1/stats/2024-W10", "viewer", "")
	ts2.Close()
	st2.Close()
	if code != 401 {
		t.Errorf("a revoked token still works: %d", code)
	}
	if code, _, _ := sitrep(t, "", "--store", store, "token", "revoke", "--name", "viewer-1"); code != 1 {
		t.Error("revoking twice succeeded")
	}
	_, list, _ := sitrep(t, "", "--store", store, "token", "list")
	if !strings.Contains(list, "analyst-1") || strings.Count(list, "\n") != 5 || strings.Contains(list, "sitrep_") {
		t.Errorf("token list:\n%s", list)
	}
}

// TestExportRoundTrip exports a week as CSV and ingests it into another store: the same
// numbers; and as STIX, without the events above the TLP asked for.
func TestExportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	csv := filepath.Join(dir, "events.csv")
	os.WriteFile(csv, []byte("time,kind,ip,url,country,province,family,tlp\n"+
		"2024-02-27 10:00:00,infected_host,36.0.0.1,,CN,广东省,mirai,CLEAR\n"+
		"2024-02-27 10:00:00,infected_host,36.0.0.2,,CN,江苏省,conficker,CLEAR\n"+
		"2024-02-27 11:00:00,phishing,203.0.113.2,https://b.top/y,US,,,CLEAR\n"+
		"2024-02-27 12:00:00,phishing,203.0.113.3,https://c.top/z,US,,,AMBER\n"), 0o644)
	sitrep(t, "", "--store", a, "ingest", csv)
	out := filepath.Join(dir, "export.csv")
	if code, _, errs := sitrep(t, "", "--store", a, "export", "--week", "2024-W09", "--out", out); code != 0 {
		t.Fatal(errs)
	}
	if code, sum, errs := sitrep(t, "", "--store", b, "ingest", out); code != 0 || !strings.Contains(sum, "stored 3") {
		t.Fatalf("ingest of the export: %s %s", sum, errs)
	}
	_, sa, _ := sitrep(t, "", "--store", a, "stats", "--week", "2024-W09", "--json")
	_, sb, _ := sitrep(t, "", "--store", b, "stats", "--week", "2024-W09", "--json")
	for _, want := range []string{`"trojan_botnet": 1`, `"conficker": 1`, `"name": "广东省"`} {
		if !strings.Contains(sb, want) || !strings.Contains(sa, want) {
			t.Errorf("round trip lost %s", want)
		}
	}
	if !strings.Contains(sb, `"pages": 1,`) || !strings.Contains(sa, `"pages": 2,`) {
		t.Error("the AMBER page should stay behind in a CLEAR export")
	}
	code, stix, _ := sitrep(t, "", "--store", a, "export", "--week", "2024-W09", "--format", "stix", "--tlp", "AMBER", "--kind", "phishing")
	if code != 0 || strings.Count(stix, `"type": "indicator"`) != 2 || !strings.Contains(stix, "[url:value = 'https://c.top/z']") {
		t.Errorf("STIX export:\n%.600s", stix)
	}
	if code, _, _ := sitrep(t, "", "--store", a, "export", "--week", "2024-W09", "--tlp", "RED"); code != 2 {
		t.Error("a RED export was allowed")
	}
}

// TestPeriodCommands takes a month through the commands as a week goes: its edition in each
// format, its rating and override, review and publication; quarters and years are reported
// but not rated, and a span is given once.
func TestPeriodCommands(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	if code, _, errs := sitrep(t, "", "sample", "--out", filepath.Join(dir, "data"), "--week", "2024-W09", "--weeks", "10", "--events", "2000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*.csv"))
	sitrep(t, "", append([]string{"--store", store, "ingest"}, files...)...)
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium")
	code, out, errs := sitrep(t, "", "--store", store, "report", "--month", "2024-02", "--format", "json")
	var b struct {
		Period, Edition, Title string
		Sections               []struct{ Heading string }
	}
	if err := json.Unmarshal([]byte(out), &b); code != 0 || err != nil || b.Period != "2024-02" || b.Edition != "monthly" ||
		b.Title != "2024年2月网络安全监测数据分析" || len(b.Sections) != 8 || b.Sections[4].Heading != "4.1 恶意代码活动监测数据" {
		t.Fatalf("report --month: %d %v %+v %s", code, err, b, errs)
	}
	if code, out, _ := sitrep(t, "", "--store", store, "report", "--year", "2024", "--lang", "en"); code != 0 || !strings.Contains(out, "## 9 Peak weeks") {
		t.Errorf("report --year: %d\n%s", code, out)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "report", "--month", "2024-02", "--week", "2024-W09"); code != 2 || !strings.Contains(errs, "give one of") {
		t.Errorf("two spans: %d %s", code, errs)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "report", "--month", "2024-Q1"); code != 2 || !strings.Contains(errs, "give it as --quarter") {
		t.Errorf("a quarter as --month: %d %s", code, errs)
	}
	if code, out, _ := sitrep(t, "", "--store", store, "rate", "--month", "2024-02", "--level", "中", "--reason", "a month of outages"); code != 0 ||
		!strings.Contains(out, "2024-02 2024年2月: 中 (computed") || !strings.Contains(out, "近") {
		t.Errorf("rate --month: %d\n%s", code, out)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "rate", "--quarter", "2024-Q1"); code != 2 || !strings.Contains(errs, "quarters and years are not") {
		t.Errorf("rate --quarter: %d %s", code, errs)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "publish", "--month", "2024-02"); code != 1 || !strings.Contains(errs, "sitrep review --month 2024-02") {
		t.Errorf("publishing an unreviewed month: %d %s", code, errs)
	}
	if code, out, errs := sitrep(t, "", "--store", store, "review", "--month", "2024-02"); code != 0 || !strings.HasPrefix(out, "reviewed 2024-02") {
		t.Fatalf("review --month: %d %s%s", code, out, errs)
	}
	if code, out, errs := sitrep(t, "", "--store", store, "publish", "--month", "2024-02"); code != 0 || !strings.Contains(out, "published 2024-02: 6 renderings") {
		t.Fatalf("publish --month: %d %s%s", code, out, errs)
	}
	if code, out, _ := sitrep(t, "", "--store", store, "report", "--month", "2024-02"); code != 0 || !strings.Contains(out, "整体评价为中") {
		t.Errorf("the month's override is not in its edition: %d\n%s", code, out)
	}
	// A published month's rating is part of it; a month not over yet is not reviewed.
	if code, _, errs := sitrep(t, "", "--store", store, "rate", "--month", "2024-02", "--level", "差", "--reason", "after the fact"); code != 1 || !strings.Contains(errs, "already published") {
		t.Errorf("rating a published month: %d %s", code, errs)
	}
	now := time.Now().Format("2006-01")
	if code, _, errs := sitrep(t, "", "--store", store, "review", "--month", now); code != 1 || !strings.Contains(errs, "has not ended yet") {
		t.Errorf("reviewing the current month: %d %s", code, errs)
	}
	if code, _, errs := sitrep(t, "", "--store", store, "report", "--month", "0001-01"); code != 2 || !strings.Contains(errs, "outside 1970 to 2999") {
		t.Errorf("a month of year 1: %d %s", code, errs)
	}
}
