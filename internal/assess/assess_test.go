package assess

import (
	"strings"
	"testing"
)

func TestDefaultPolicyParses(t *testing.T) {
	p := Default()
	if p.Name != "baseline" || p.BaselineWeeks != 12 || p.Normal != "良" || len(p.Metrics) != 6 || p.Fixed.RisePct != 20 {
		t.Errorf("default policy: %+v", p)
	}
}

func TestParseRefuses(t *testing.T) {
	base := DefaultPolicyTOML()
	for name, text := range map[string]string{
		"unknown key":    base + "\nsurprise = 1\n",
		"unknown metric": strings.Replace(base, `name = "ddos.events"`, `name = "ufo.sightings"`, 1),
		"bad normal":     strings.Replace(base, `normal = "良"`, `normal = "好"`, 1),
		"short baseline": strings.Replace(base, "baseline_weeks = 12", "baseline_weeks = 1", 1),
		"descending":     strings.Replace(base, "rise = [2.0, 4.0]", "rise = [4.0, 2.0]", 1),
		"not toml":       "name = ",
	} {
		if _, err := Parse(text); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestBaseline(t *testing.T) {
	med, spread, weeks := baseline([]int{0, 0, 100, 110, 90, 100, 105}, 5)
	if med != 100 || weeks != 5 || spread < 7.4 || spread > 7.5 { // MAD 5 × 1.4826
		t.Errorf("median %v spread %v weeks %d", med, spread, weeks)
	}
	if _, spread, _ := baseline([]int{50, 50, 50, 50}, 5); spread != 2.5 {
		t.Errorf("a flat history's spread is %v, want 5%% of the median", spread)
	}
	if _, _, weeks := baseline([]int{0, 0}, 5); weeks != 0 {
		t.Errorf("no data gives %d weeks", weeks)
	}
}

// steady is n weeks of the same values with a little noise.
func steady(n int, v int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = v + (i%3-1)*v/50
	}
	return out
}

func input(values map[string]int, weeks int) Input {
	in := Input{Values: values, Prev: map[string]int{}, History: map[string][]int{}, VulnTotal: 300}
	typical := map[string]int{"infected_hosts.total": 150000, "malware_sites.domains": 200, "defaced.total": 1800,
		"backdoored.total": 700, "phishing.pages": 200, "ddos.events": 300, "vulnerabilities.high": 80}
	for k, v := range typical {
		if _, ok := in.Values[k]; !ok {
			in.Values[k] = v
		}
		in.History[k] = steady(weeks, v)
		in.Prev[k] = v
	}
	return in
}

func TestRate(t *testing.T) {
	p := Default()
	tests := []struct {
		name   string
		in     Input
		level  string
		vuln   string
		policy string // the rule of every metric's reason
		first  string // the rule of the first reason
	}{
		{"an ordinary week", input(map[string]int{}, 12), "良", "中", "baseline", "baseline"},
		{"a spike in defacements", input(map[string]int{"defaced.total": 2400}, 12), "差", "中", "baseline", "baseline"},
		{"a moderate rise", input(map[string]int{"phishing.pages": 225}, 12), "中", "中", "baseline", "baseline"},
		{"many high-severity vulnerabilities", input(map[string]int{"vulnerabilities.high": 120}, 12), "中", "高", "baseline", "vulnerabilities"},
		{"a quiet week", input(map[string]int{"infected_hosts.total": 100000, "defaced.total": 1000, "backdoored.total": 300, "phishing.pages": 50,
			"malware_sites.domains": 50, "ddos.events": 30, "vulnerabilities.high": 40}, 12), "优", "低", "baseline", "quiet"},
		{"no history: fixed thresholds", input(map[string]int{"defaced.total": 2400}, 2), "中", "中", "fixed", "fixed"},
		{"national impact", func() Input { i := input(map[string]int{}, 12); i.NationalImpact = 1; return i }(), "危", "中", "baseline", "impact"},
		{"provincial impact", func() Input { i := input(map[string]int{}, 12); i.ProvincialImpact = 2; return i }(), "差", "中", "baseline", "impact"},
		{"everything up still caps at 差", input(map[string]int{"defaced.total": 9000, "phishing.pages": 900, "infected_hosts.total": 900000}, 12), "差", "中", "baseline", "baseline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := p.Rate(tc.in)
			if r.Level != tc.level || r.VulnLevel != tc.vuln {
				t.Errorf("level %s vuln %s, want %s %s\n%+v", r.Level, r.VulnLevel, tc.level, tc.vuln, r.Reasons)
			}
			if r.Reasons[0].Rule != tc.first {
				t.Errorf("first reason %+v, want rule %s", r.Reasons[0], tc.first)
			}
			for _, reason := range r.Reasons {
				if reason.ZH == "" || reason.EN == "" {
					t.Errorf("reason without words: %+v", reason)
				}
				if reason.Metric != "" && reason.Metric != "vulnerabilities.high" && !strings.HasPrefix(reason.Metric, "incidents") && reason.Rule != tc.policy {
					t.Errorf("reason %s by rule %s, want %s", reason.Metric, reason.Rule, tc.policy)
				}
			}
			again := p.Rate(tc.in)
			if again.Level != r.Level || len(again.Reasons) != len(r.Reasons) || again.Reasons[0].ZH != r.Reasons[0].ZH {
				t.Error("the same input rated twice differs")
			}
		})
	}
}

func TestFixedVulnLevel(t *testing.T) {
	p := Default()
	for _, tc := range []struct {
		total, high int
		want        string
	}{{284, 0, "中"}, {45, 17, "低"}, {400, 150, "高"}, {60, 30, "高"}, {120, 5, "中"}, {0, 0, "低"}} {
		in := Input{Values: map[string]int{"vulnerabilities.high": tc.high}, VulnTotal: tc.total}
		if got, _ := p.vulnLevel(in); got != tc.want {
			t.Errorf("vulnLevel(%d of %d) = %s, want %s", tc.high, tc.total, got, tc.want)
		}
	}
}

// TestThinBase: a rating reason built on a change beyond changes.max_change_pct says its base
// was too small; one within it does not; the bound comes from the policy.
func TestThinBase(t *testing.T) {
	p := Default()
	in := input(map[string]int{"phishing.pages": 400}, 2) // fixed thresholds: against last week
	in.Prev["phishing.pages"] = 8                         // +4900%
	in.Prev["defaced.total"] = 1500                       // 1800 on 1500: +20%
	thin := map[string]Reason{}
	for _, r := range p.Rate(in).Reasons {
		thin[r.Metric] = r
	}
	if r := thin["phishing.pages"]; !r.Thin || !strings.Contains(r.ZH, "上周基数过小（8）") || !strings.Contains(r.EN, "too small a base") {
		t.Errorf("phishing from 8 to 400: %+v", r)
	}
	if r := thin["defaced.total"]; r.Thin || strings.Contains(r.ZH, "基数过小") {
		t.Errorf("defacements up 20%%: %+v", r)
	}
	wide, err := Parse(strings.Replace(DefaultPolicyTOML(), "max_change_pct = 500", "max_change_pct = 10000", 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range wide.Rate(in).Reasons {
		if r.Thin {
			t.Errorf("with a bound of 10000%%: %+v", r)
		}
	}
	// On a baseline of a dozen weeks, a median of 1 is as thin.
	in = input(map[string]int{"ddos.events": 40}, 12)
	in.History["ddos.events"] = steady(12, 1)
	for _, r := range p.Rate(in).Reasons {
		if r.Metric == "ddos.events" && (!r.Thin || !strings.Contains(r.ZH, "近期中位数过小（1）")) {
			t.Errorf("40 DDoS events on a median of 1: %+v", r)
		}
	}
	if _, err := Parse(strings.Replace(DefaultPolicyTOML(), "max_change_pct = 500", "max_change_pct = 0", 1)); err == nil {
		t.Error("max_change_pct = 0 accepted")
	}
}

// TestEnglishReasonsSeparateThousands: the English reasons write large numbers as the English
// edition does; the Chinese ones as the Chinese bulletin does, without separators.
func TestEnglishReasonsSeparateThousands(t *testing.T) {
	r := Default().Rate(input(map[string]int{"infected_hosts.total": 188786}, 12))
	for _, reason := range r.Reasons {
		if reason.Metric != "infected_hosts.total" {
			continue
		}
		if !strings.Contains(reason.EN, "188,786") || !strings.Contains(reason.ZH, "188786") {
			t.Errorf("reason %q / %q", reason.EN, reason.ZH)
		}
		return
	}
	t.Errorf("no reason for infected_hosts.total: %+v", r.Reasons)
}
