package assess

import "testing"

func TestVulnLevel(t *testing.T) {
	for _, tc := range []struct {
		total, high int
		want        string
	}{
		{284, 0, "中"},   // 2018 No. 6 was published as 中
		{45, 17, "低"},   // few records, few of them high
		{400, 150, "高"}, // many high-severity
		{60, 30, "高"},   // half of 50 or more
		{120, 5, "中"},
		{0, 0, "低"},
	} {
		if got, _ := VulnLevel(tc.total, tc.high); got != tc.want {
			t.Errorf("VulnLevel(%d, %d) = %s, want %s", tc.total, tc.high, got, tc.want)
		}
	}
}

func TestRate(t *testing.T) {
	flat := []Metric{{Name: "defaced.total", Cur: 100, Prev: 100}, {Name: "phishing.pages", Cur: 50, Prev: 60}}
	up := []Metric{{Name: "defaced.total", Cur: 130, Prev: 100}, {Name: "phishing.pages", Cur: 80, Prev: 60}}
	tests := []struct {
		name string
		in   Input
		want string
		why  string
	}{
		{"quiet week", Input{Headline: flat, VulnLevel: "中"}, "优", "headline"},
		{"one rise", Input{Headline: up[:1], VulnLevel: "中"}, "良", "defaced.total"},
		{"two rises and high vulns", Input{Headline: up, VulnLevel: "高"}, "差", "vulnerabilities.level"},
		{"rise from zero is no signal", Input{Headline: []Metric{{Name: "x", Cur: 5, Prev: 0}}}, "优", "headline"},
		{"provincial impact", Input{Headline: flat, ProvincialImpact: 1}, "差", "incidents.impact.provincial"},
		{"national impact", Input{Headline: flat, NationalImpact: 2}, "危", "incidents.impact.national"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			level, reasons := Rate(tc.in)
			if level != tc.want {
				t.Errorf("level %s, want %s (%+v)", level, tc.want, reasons)
			}
			if len(reasons) == 0 || reasons[0].Metric != tc.why || reasons[0].ZH == "" || reasons[0].EN == "" {
				t.Errorf("reasons %+v, want first about %s", reasons, tc.why)
			}
		})
	}
}
