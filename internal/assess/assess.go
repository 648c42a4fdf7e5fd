// Package assess judges a week: the overall situation level (优/良/中/差/危) and the
// vulnerability threat level (高/中/低), each with the reasons that moved it, by a Policy an
// operator can read and change (default.toml is the one sitrep ships).
//
// Each headline metric is compared with its own trailing baseline — the median of recent weeks
// and a robust spread — so that a CERT of any size gets a meaningful rating. A metric without
// enough history falls back to fixed week-over-week thresholds, and says so. Incidents of
// provincial or national impact set a floor under the level. The same input always gives the
// same rating.
package assess

import (
	"fmt"
	"math"
	"slices"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Levels of the overall situation, best first.
var Levels = []string{"优", "良", "中", "差", "危"}

// en writes the English reasons' numbers with thousands separators, as the English edition does.
var en = message.NewPrinter(language.English)

// Reason is one rule that set or moved a level, in both languages.
type Reason struct {
	Rule string `json:"rule"` // baseline, fixed, quiet, vulnerabilities, impact or override
	// Thin is set where the week is compared with a base too small for the change to mean
	// much (policy changes.max_change_pct).
	Thin   bool   `json:"thin,omitempty"`
	Metric string `json:"metric,omitempty"`
	Value  int    `json:"value"`
	// Baseline is what the value was compared with: the median of the trailing weeks, last
	// week's value (rule fixed) or a threshold.
	Baseline int `json:"baseline"`
	// Spread is the baseline's robust spread; Score how many spreads the value stands from
	// the median (rule baseline only).
	Spread float64 `json:"spread,omitempty"`
	Score  float64 `json:"score,omitempty"`
	Weeks  int     `json:"weeks,omitempty"` // weeks of history behind the baseline
	Effect int     `json:"effect"`          // steps the level moved: +1 is one step worse
	ZH     string  `json:"zh"`
	EN     string  `json:"en"`
}

// Input is what the policy judges, by metric name (see MetricName): this week's values, last
// week's, and the trailing weeks before this one, oldest first.
type Input struct {
	Values, Prev     map[string]int
	History          map[string][]int
	VulnTotal        int
	NationalImpact   int
	ProvincialImpact int
	// Span is what is rated, for the reasons' words: "week" (also when empty) or "month".
	Span string
}

// span is how the reasons speak of the rated period and its series.
type span struct {
	this, last, thisEN, lastEN string
	count                      func(n int) string // "12周", "12个月"
	countEN                    func(n int) string
}

func spanOf(s string) span {
	if s == "month" {
		return span{this: "本月", last: "上月", thisEN: "this month", lastEN: "last month",
			count:   func(n int) string { return fmt.Sprintf("%d个月", n) },
			countEN: func(n int) string { return plural(n, "month") }}
	}
	return span{this: "本周", last: "上周", thisEN: "this week", lastEN: "last week",
		count:   func(n int) string { return fmt.Sprintf("%d周", n) },
		countEN: func(n int) string { return plural(n, "week") }}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// Rating is the outcome.
type Rating struct {
	Level      string
	Policy     string
	Reasons    []Reason
	VulnLevel  string
	VulnReason Reason
	// Scores says how unusual each metric is this week (spreads above its baseline, or the
	// week-over-week change as a fraction where there is no baseline), for ranking threats.
	Scores map[string]float64
}

// Rate applies the policy.
func (p *Policy) Rate(in Input) Rating {
	r := Rating{Policy: p.Name, Scores: map[string]float64{}}
	steps, rose, quiet, judged := 0, false, 0, 0
	for _, m := range p.Metrics {
		reason, score, hasBaseline := p.judge(m, in)
		r.Scores[m.Name] = score
		if reason.Effect > 0 {
			rose = true
		}
		if hasBaseline {
			judged++
			if score <= -m.Fall {
				quiet++
			}
		}
		steps += reason.Effect
		r.Reasons = append(r.Reasons, reason)
	}
	r.VulnLevel, r.VulnReason = p.vulnLevel(in)
	r.Scores["vulnerabilities.high"] = r.VulnReason.Score
	if r.VulnLevel == "高" {
		steps += p.Vulns.Worsen
		r.VulnReason.Effect = p.Vulns.Worsen
	}
	r.Reasons = append(r.Reasons, r.VulnReason)
	if !rose && judged > 0 && quiet*2 >= judged {
		steps--
		r.Reasons = append(r.Reasons, Reason{Rule: "quiet", Value: quiet, Baseline: judged, Effect: -1,
			ZH: fmt.Sprintf("没有指标明显上升，%d项中有%d项明显低于基线，等级提高一级", judged, quiet),
			EN: en.Sprintf("no metric rose and %d of %d stand well below their baselines: one level better", quiet, judged)})
	}
	level := slices.Index(Levels, p.Normal) + steps
	level = max(0, min(level, 3)) // 危 only with an incident of national impact
	sp := spanOf(in.Span)
	switch {
	case in.NationalImpact > 0:
		r.Reasons = append(r.Reasons, Reason{Rule: "impact", Metric: "incidents.by_impact.national", Value: in.NationalImpact, Effect: 4 - level,
			ZH: fmt.Sprintf("%s处理全国范围影响的基础设施安全事件%d起，等级定为危", sp.this, in.NationalImpact),
			EN: en.Sprintf("%d incident(s) of national impact closed %s: the level is critical", in.NationalImpact, sp.thisEN)})
		level = 4
	case in.ProvincialImpact > 0 && level < 3:
		r.Reasons = append(r.Reasons, Reason{Rule: "impact", Metric: "incidents.by_impact.provincial", Value: in.ProvincialImpact, Effect: 3 - level,
			ZH: fmt.Sprintf("%s处理省级行政区域影响的基础设施安全事件%d起，等级至少为差", sp.this, in.ProvincialImpact),
			EN: en.Sprintf("%d incident(s) of provincial impact closed %s: the level is at least poor", in.ProvincialImpact, sp.thisEN)})
		level = 3
	}
	r.Level = Levels[level]
	slices.SortStableFunc(r.Reasons, func(a, b Reason) int { return abs(b.Effect) - abs(a.Effect) })
	return r
}

// judge compares one metric with its baseline, or with last week where history is short.
func (p *Policy) judge(m MetricRule, in Input) (Reason, float64, bool) {
	v := in.Values[m.Name]
	name := func(lang string) string { return MetricName(m.Name, lang) }
	sp := spanOf(in.Span)
	med, spread, weeks := baseline(in.History[m.Name], p.MinSpreadPct)
	if weeks >= p.MinHistory {
		score := round1((float64(v) - med) / spread)
		effect := 0
		for _, th := range m.Rise {
			if score >= th {
				effect++
			}
		}
		r := Reason{Rule: "baseline", Metric: m.Name, Value: v, Baseline: int(math.Round(med)), Spread: round1(spread), Score: score, Weeks: weeks, Effect: effect,
			ZH: fmt.Sprintf("%s%d，近%s中位数%d，偏离%+.1f倍离散度%s", name("zh"), v, sp.count(weeks), int(math.Round(med)), score, zhEffect(effect)),
			EN: en.Sprintf("%s %d against a median of %d over %s: %+.1f spreads%s", name("en"), v, int(math.Round(med)), sp.countEN(weeks), score, enEffect(effect)),
		}
		if p.thin(v, r.Baseline) {
			r.Thin = true
			r.ZH += fmt.Sprintf("；近期中位数过小（%d），偏离幅度仅供参考", r.Baseline)
			r.EN += fmt.Sprintf("; the median (%d) is too small a base for the deviation to mean much", r.Baseline)
		}
		return r, score, true
	}
	prev := in.Prev[m.Name]
	effect, score := 0, 0.0
	if prev > 0 {
		score = round1(float64(v-prev) / float64(prev))
		if (v-prev)*100 >= p.Fixed.RisePct*prev {
			effect = 1
		}
	}
	r := Reason{Rule: "fixed", Metric: m.Name, Value: v, Baseline: prev, Weeks: weeks, Effect: effect,
		ZH: fmt.Sprintf("%s%d，%s%d；近期数据不足（%s），按固定阈值（上升%d%%）判断%s", name("zh"), v, sp.last, prev, sp.count(weeks), p.Fixed.RisePct, zhEffect(effect)),
		EN: en.Sprintf("%s %d, %s %d; too little history (%s), so the fixed threshold (up %d%%) applies%s", name("en"), v, sp.lastEN, prev, sp.countEN(weeks), p.Fixed.RisePct, enEffect(effect)),
	}
	if p.thin(v, prev) {
		r.Thin = true
		r.ZH += fmt.Sprintf("；%s基数过小（%d），变化幅度仅供参考", sp.last, prev)
		r.EN += fmt.Sprintf("; %s's count (%d) is too small a base for the change to mean much", sp.lastEN, prev)
	}
	return r, score, false
}

// thin tells whether v against base is a change beyond the policy's bound: a base too small to
// compare with.
func (p *Policy) thin(v, base int) bool {
	switch {
	case v == base:
		return false
	case base <= 0:
		return v > 0
	}
	return !p.PlausibleChange(int64(math.Round(float64(v-base) * 1000 / float64(base))))
}

// vulnLevel grades the week's high-severity vulnerability records against their baseline, or
// by the fixed thresholds.
func (p *Policy) vulnLevel(in Input) (string, Reason) {
	const metric = "vulnerabilities.high"
	high, total := in.Values[metric], in.VulnTotal
	sp := spanOf(in.Span)
	med, spread, weeks := baseline(in.History[metric], p.MinSpreadPct)
	if weeks >= p.MinHistory {
		score := round1((float64(high) - med) / spread)
		level := "中"
		if score >= p.Vulns.High {
			level = "高"
		} else if score <= -p.Vulns.Low {
			level = "低"
		}
		return level, Reason{Rule: "vulnerabilities", Metric: metric, Value: high, Baseline: int(math.Round(med)), Spread: round1(spread), Score: score, Weeks: weeks,
			ZH: fmt.Sprintf("高危漏洞%d个，近%s中位数%d，偏离%+.1f倍离散度，漏洞威胁等级为%s", high, sp.count(weeks), int(math.Round(med)), score, level),
			EN: en.Sprintf("%d high-severity vulnerabilities against a median of %d over %s (%+.1f spreads): threat level %s", high, int(math.Round(med)), sp.countEN(weeks), score, enVuln[level]),
		}
	}
	f := p.Fixed
	level := "中"
	switch {
	case high >= f.HighCount || total >= f.HighShareMin && high*2 >= total:
		level = "高"
	case high < f.LowCount && total < f.LowTotal:
		level = "低"
	}
	return level, Reason{Rule: "vulnerabilities", Metric: metric, Value: high, Baseline: f.HighCount, Weeks: weeks,
		ZH: fmt.Sprintf("%s漏洞%d个，其中高危漏洞%d个；近期数据不足（%s），按固定阈值漏洞威胁等级为%s", sp.this, total, high, sp.count(weeks), level),
		EN: en.Sprintf("%d vulnerabilities, %d high-severity; too little history (%s), so the fixed thresholds give threat level %s", total, high, sp.countEN(weeks), enVuln[level]),
	}
}

var enVuln = map[string]string{"高": "high", "中": "medium", "低": "low"}

// baseline returns the median and robust spread of the weeks of history from the first week
// with data, and how many weeks that is. The spread is 1.4826 times the median absolute
// deviation (the standard deviation, for normal data), at least minPct percent of the median
// and at least 1, so that a flat history does not make every change look extreme.
func baseline(history []int, minPct float64) (median, spread float64, weeks int) {
	first := slices.IndexFunc(history, func(v int) bool { return v > 0 })
	if first < 0 {
		return 0, 1, 0
	}
	xs := make([]float64, 0, len(history)-first)
	for _, v := range history[first:] {
		xs = append(xs, float64(v))
	}
	median = med(xs)
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - median)
	}
	spread = max(1.4826*med(dev), median*minPct/100, 1)
	return median, spread, len(xs)
}

func med(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func zhEffect(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("，等级降低%d级", n)
}

func enEffect(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(": %d level(s) worse", n)
}
