// Package assess judges a week: the overall situation level (优/良/中/差/危) and the
// vulnerability threat level (高/中/低), each with the reasons that moved it.
//
// This is the fixed-threshold policy, the documented fallback for a store without the
// history a baseline needs. Its rules, in order:
//
//   - An incident of national impact closed in the week makes the level 危; one of provincial
//     impact makes it at most 差.
//   - Otherwise the level starts at 优 and drops one step for each signal: the vulnerability
//     threat level is 高; and each headline count (infected hosts, defaced sites, backdoored
//     sites, phishing pages) rose by more than Rise against the week before.
//   - It never drops below 差 without an incident of national impact.
package assess

import "fmt"

// Levels of the overall situation, best first.
var Levels = []string{"优", "良", "中", "差", "危"}

// Rise is the week-over-week increase, in percent, that counts as a signal.
const Rise = 20

// Reason is one thing that set or moved a level, in both languages.
type Reason struct {
	Metric string `json:"metric"`
	Value  int    `json:"value"`
	// Baseline is what the value was compared with (last week's value, or a threshold).
	Baseline int    `json:"baseline"`
	Effect   int    `json:"effect"` // steps the level moved: +1 is one step worse
	ZH       string `json:"zh"`
	EN       string `json:"en"`
}

// Metric is a headline count with last week's value.
type Metric struct {
	Name, ZH, EN string
	Cur, Prev    int
}

// Input is what the policy looks at.
type Input struct {
	Headline         []Metric
	VulnLevel        string
	HighVulns        int
	NationalImpact   int
	ProvincialImpact int
}

// Rate applies the fixed-threshold policy.
func Rate(in Input) (level string, reasons []Reason) {
	if in.NationalImpact > 0 {
		return "危", []Reason{{Metric: "incidents.impact.national", Value: in.NationalImpact, Effect: 4,
			ZH: fmt.Sprintf("本周处理全国范围影响的基础设施安全事件%d起", in.NationalImpact),
			EN: fmt.Sprintf("%d incident(s) of national impact closed this week", in.NationalImpact)}}
	}
	step := 0
	if in.VulnLevel == "高" {
		step++
		reasons = append(reasons, Reason{Metric: "vulnerabilities.level", Value: in.HighVulns, Effect: 1,
			ZH: fmt.Sprintf("漏洞威胁等级为高（高危漏洞%d个）", in.HighVulns),
			EN: fmt.Sprintf("vulnerability threat level high (%d high-severity)", in.HighVulns)})
	}
	for _, m := range in.Headline {
		if m.Prev > 0 && (m.Cur-m.Prev)*100 > Rise*m.Prev {
			step++
			reasons = append(reasons, Reason{Metric: m.Name, Value: m.Cur, Baseline: m.Prev, Effect: 1,
				ZH: fmt.Sprintf("%s%d，较上周%d上升超过%d%%", m.ZH, m.Cur, m.Prev, Rise),
				EN: fmt.Sprintf("%s %d, up more than %d%% from %d last week", m.EN, m.Cur, Rise, m.Prev)})
		}
	}
	if step > 3 {
		step = 3
	}
	if in.ProvincialImpact > 0 && step < 3 {
		reasons = append(reasons, Reason{Metric: "incidents.impact.provincial", Value: in.ProvincialImpact, Effect: 3 - step,
			ZH: fmt.Sprintf("本周处理省级行政区域影响的基础设施安全事件%d起", in.ProvincialImpact),
			EN: fmt.Sprintf("%d incident(s) of provincial impact closed this week", in.ProvincialImpact)})
		step = 3
	}
	if step == 0 {
		reasons = append(reasons, Reason{Metric: "headline", Effect: 0,
			ZH: fmt.Sprintf("各项主要指标较上周上升均未超过%d%%，漏洞威胁等级不为高", Rise),
			EN: fmt.Sprintf("no headline count rose more than %d%% and the vulnerability threat level is not high", Rise)})
	}
	return Levels[step], reasons
}

// VulnLevel grades the week's vulnerability records: 高 with at least HighVulnsHigh
// high-severity records, or when at least half of 50 or more are high; 低 with fewer than
// HighVulnsLow high-severity records among fewer than 100; 中 otherwise.
func VulnLevel(total, high int) (string, Reason) {
	level := "中"
	switch {
	case high >= HighVulnsHigh || total >= 50 && high*2 >= total:
		level = "高"
	case high < HighVulnsLow && total < 100:
		level = "低"
	}
	return level, Reason{Metric: "vulnerabilities.high", Value: high, Baseline: HighVulnsHigh,
		ZH: fmt.Sprintf("本周漏洞%d个，其中高危漏洞%d个", total, high),
		EN: fmt.Sprintf("%d vulnerabilities this week, %d of them high-severity", total, high)}
}

// Thresholds of VulnLevel.
const (
	HighVulnsHigh = 150
	HighVulnsLow  = 20
)
