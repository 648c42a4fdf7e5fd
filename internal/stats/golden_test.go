package stats_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/stats"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
	"sitrep/internal/week"
)

var shanghai, _ = time.LoadLocation(week.DefaultZone)

// compute generates the specs' data, ingests it into a fresh store and returns the last
// week's statistics.
func compute(t *testing.T, specs []synth.Spec) *stats.Week {
	t.Helper()
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	s, err := stats.Compute(context.Background(), st, specs[len(specs)-1].Week, stats.Options{Zone: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func pct(t *stats.Tenths) string {
	if t == nil {
		return "null"
	}
	return t.String()
}

func topObjects(m map[string]int, n int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	return keys[:min(n, len(keys))]
}

type check struct {
	what      string
	got, want any
}

func verify(t *testing.T, checks []check) {
	t.Helper()
	for _, c := range checks {
		g, err := json.Marshal(c.got)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		w, err := json.Marshal(c.want)
		if err != nil {
			t.Fatalf("%s: %v", c.what, err)
		}
		if string(g) != string(w) {
			t.Errorf("%s = %s, want %s", c.what, g, w)
		}
	}
}

func TestPublished2018No6(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a published week")
	}
	s := compute(t, synth.Published(synth.Issue2018No6))
	verify(t, []check{
		{"title", s.Issue.Title, "网络安全信息与动态周报2018年第6期（2月5日-2月11日）"},
		{"start, end", []string{s.Start, s.End}, []string{"2018-02-05", "2018-02-11"}},
		{"infected", []int{s.InfectedHosts.Total, s.InfectedHosts.TrojanBotnet, s.InfectedHosts.Conficker}, []int{184000, 113000, 71000}},
		{"defaced", []any{s.Defaced.Total, s.Defaced.Gov, pct(s.Defaced.GovPct), pct(s.Defaced.GovWoWPct)}, []any{1865, 28, "1.5", "null"}},
		{"backdoored", []any{s.Backdoored.Total, s.Backdoored.Gov, pct(s.Backdoored.GovPct), pct(s.Backdoored.GovWoWPct)}, []any{717, 9, "1.3", "-35.7"}},
		{"phishing", []any{s.Phishing.Pages, s.Phishing.Domains, s.Phishing.IPs, *s.Phishing.PagesPerIP}, []any{187, 157, 60, 3}},
		{"vulnerabilities", []any{s.Vulnerabilities.Total, s.Vulnerabilities.Level}, []any{284, "中"}},
		{"object ranking", topObjects(s.Vulnerabilities.ByObject, 3), []string{"application", "web_application", "security_product"}},
	})
}

func TestPublished2014No6(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a published week")
	}
	s := compute(t, synth.Published(synth.Issue2014No6))
	var top []string
	for _, p := range s.InfectedHosts.TopProvinces[:3] {
		top = append(top, p.Name)
	}
	v := s.Vulnerabilities
	verify(t, []check{
		{"title", s.Issue.Title, "网络安全信息与动态周报2014年第6期（2月3日-2月9日）"},
		{"infected", []int{s.InfectedHosts.Total, s.InfectedHosts.TrojanBotnet, s.InfectedHosts.Conficker}, []int{578000, 322000, 256000}},
		{"top provinces", top, []string{"广东省", "安徽省", "浙江省"}},
		{"defaced", []any{s.Defaced.Total, s.Defaced.Gov, pct(s.Defaced.GovPct), pct(s.Defaced.GovWoWPct)}, []any{4988, 381, "7.6", "3.5"}},
		{"backdoored", []any{s.Backdoored.Total, s.Backdoored.Gov, pct(s.Backdoored.GovPct), pct(s.Backdoored.GovWoWPct)}, []any{1190, 39, "3.3", "11.4"}},
		{"phishing", []any{s.Phishing.Pages, s.Phishing.Domains, s.Phishing.IPs, *s.Phishing.PagesPerIP}, []any{113, 79, 55, 2}},
		{"vulnerabilities", []int{v.Total, v.High, v.Medium, v.Low}, []int{45, 17, 24, 4}},
		{"object ranking", topObjects(v.ByObject, 3), []string{"application", "web_application", "network_device"}},
	})
}

func TestPublished2024No9(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests a published week")
	}
	s := compute(t, synth.Published(synth.Issue2024No9))
	in := s.Incidents
	verify(t, []check{
		{"title", s.Issue.Title, "网络安全信息与动态周报2024年第9期（2月26日-3月3日）"},
		{"issue", []int{s.Issue.Year, s.Issue.Number}, []int{2024, 9}},
		{"incidents", []int{in.Handled, in.CrossBorder, in.Phishing, in.AppPlatforms, in.AppURLs}, []int{103, 37, 74, 2, 2}},
		{"GOV week-over-week", []string{pct(s.Defaced.GovWoWPct), pct(s.Backdoored.GovWoWPct)}, []string{"-20.0", "0.0"}},
	})
}

// TestSharedGolden runs the published issues' generator of ../shared/tools/golden, where it
// is present, and compares the statistics with the numbers its specs expect.
func TestSharedGolden(t *testing.T) {
	dir := testenv.SharedDir(t, "tools", "golden")
	specs, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) == 0 {
		testenv.Need(t, testenv.Shared, fmt.Errorf("no golden specs (*.json) in %s", dir))
	}
	testenv.Command(t, "python3", testenv.Python3)
	for _, spec := range specs {
		t.Run(filepath.Base(spec), func(t *testing.T) {
			var sp struct {
				Week   string         `json:"week"`
				Expect map[string]any `json:"expect"`
			}
			raw, err := os.ReadFile(spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(raw, &sp); err != nil {
				t.Fatalf("%s: %v", spec, err)
			}
			out := t.TempDir()
			if b, err := exec.Command("python3", filepath.Join(dir, "golden.py"), spec, out).CombinedOutput(); err != nil {
				t.Fatalf("golden.py: %v\n%s", err, b)
			}
			paths, err := filepath.Glob(filepath.Join(out, "*.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if len(paths) == 0 {
				t.Fatalf("golden.py wrote no CSV files to %s", out)
			}
			w, err := week.Parse(sp.Week)
			if err != nil {
				t.Fatalf("%s: week: %v", spec, err)
			}
			s, err := stats.Compute(context.Background(), ingesttest.Load(t, shanghai, paths...), w, stats.Options{Zone: shanghai})
			if err != nil {
				t.Fatal(err)
			}
			if raw, err = json.Marshal(s); err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatal(err)
			}
			for path, want := range sp.Expect {
				g := lookup(got, path)
				if gf, ok := g.(float64); ok {
					if wf, ok := want.(float64); ok && gf-wf < 0.051 && wf-gf < 0.051 {
						continue
					}
				}
				if g != want {
					t.Errorf("%s = %v, want %v", path, g, want)
				}
			}
		})
	}
}

func lookup(m map[string]any, path string) any {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return "<missing>"
		}
		if cur, ok = obj[p]; !ok {
			return "<missing>"
		}
	}
	return cur
}

func TestNoDataWeek(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "one.csv")
	os.WriteFile(csv, []byte("time,kind,ip,country\n2024-02-27 10:00:00,infected_host,36.0.0.1,CN\n"), 0o644)
	st := ingesttest.Load(t, shanghai, csv)
	for w, want := range map[string]bool{"2024-W09": false, "2024-W20": true} {
		wk, _ := week.Parse(w)
		s, err := stats.Compute(context.Background(), st, wk, stats.Options{Zone: shanghai})
		if err != nil {
			t.Fatal(err)
		}
		if s.Rating.NoData != want || want && s.Rating.Reasons[0].Rule != "no-data" {
			t.Errorf("%s: no data %v, reasons %+v", w, s.Rating.NoData, s.Rating.Reasons)
		}
	}
}
