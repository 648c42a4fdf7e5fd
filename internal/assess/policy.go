package assess

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"

	"sitrep/internal/event"
)

//go:embed default.toml
var defaultPolicy string

// DefaultPolicyTOML is the policy sitrep ships, with its comments.
func DefaultPolicyTOML() string { return defaultPolicy }

// Policy is the rating policy: which metrics are judged, against what baseline, and how much
// each may move the level. It is read from TOML; DefaultPolicyTOML documents every field.
type Policy struct {
	Name          string       `toml:"name"`
	BaselineWeeks int          `toml:"baseline_weeks"`
	MinHistory    int          `toml:"min_history"`
	MinSpreadPct  float64      `toml:"min_spread_pct"`
	Normal        string       `toml:"normal"`
	Metrics       []MetricRule `toml:"metric"`
	Vulns         VulnRule     `toml:"vulnerabilities"`
	Fixed         FixedRule    `toml:"fixed"`
	Public        PublicRule   `toml:"public"`
	Changes       ChangeRule   `toml:"changes"`
	Month         MonthRule    `toml:"month"`
}

// MonthRule rates a month: against its own trailing months, and with fixed thresholds of a
// month's size where it has too few of them, since a month's counts are not a week's.
type MonthRule struct {
	BaselineMonths int       `toml:"baseline_months"`
	MinHistory     int       `toml:"min_history"`
	Fixed          FixedRule `toml:"fixed"`
}

// defaultMonth is the month table of a policy written before it existed: a week's fixed
// vulnerability thresholds times 52/12, rounded.
var defaultMonth = MonthRule{BaselineMonths: 12, MinHistory: 4,
	Fixed: FixedRule{RisePct: 20, HighCount: 650, HighShareMin: 220, LowCount: 85, LowTotal: 430}}

// ForMonths returns the policy as it rates a month: the same metrics, rises and falls, with the
// month table's history and fixed thresholds.
func (p *Policy) ForMonths() *Policy {
	m := *p
	m.BaselineWeeks, m.MinHistory, m.Fixed = p.Month.BaselineMonths, p.Month.MinHistory, p.Month.Fixed
	return &m
}

// ChangeRule bounds the week-over-week changes worth printing as percentages.
type ChangeRule struct {
	// MaxPct is the largest change, in percent either way, that a bulletin states; beyond it
	// (a near-empty last week) it gives both weeks' numbers instead, and the editor is warned.
	MaxPct float64 `toml:"max_change_pct"`
}

// PlausibleChange tells whether a change of tenths tenths of a percent is one to print.
func (p *Policy) PlausibleChange(tenths int64) bool {
	if tenths < 0 {
		tenths = -tenths
	}
	return float64(tenths) <= p.Changes.MaxPct*10
}

// PublicRule says what a public edition may draw on: counts from records labelled up to
// CountUpTo, and every string that names something only from records labelled up to
// NamesUpTo. AMBER+STRICT and RED records never reach a public edition.
type PublicRule struct {
	CountUpTo string `toml:"count_up_to"`
	NamesUpTo string `toml:"names_up_to"`
}

// MetricRule judges one headline metric.
type MetricRule struct {
	Name string    `toml:"name"`
	Rise []float64 `toml:"rise"`
	Fall float64   `toml:"fall"`
}

// VulnRule sets the vulnerability threat level.
type VulnRule struct {
	High   float64 `toml:"high"`
	Low    float64 `toml:"low"`
	Worsen int     `toml:"worsen"`
}

// FixedRule is the fallback for metrics without enough history.
type FixedRule struct {
	RisePct      int `toml:"rise_pct"`
	HighCount    int `toml:"high_count"`
	HighShareMin int `toml:"high_share_min"`
	LowCount     int `toml:"low_count"`
	LowTotal     int `toml:"low_total"`
}

// DefaultMaxChangePct is changes.max_change_pct for a policy that does not set it.
const DefaultMaxChangePct = 500

// Default returns the shipped policy.
func Default() *Policy {
	p, err := Parse(defaultPolicy)
	if err != nil {
		panic(err) // the embedded policy is tested
	}
	return p
}

// Load reads a policy file.
func Load(path string) (*Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Parse(string(b))
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, nil
}

// Parse reads a policy from TOML, refusing unknown keys and values that make no sense.
func Parse(text string) (*Policy, error) {
	// A policy written before the public table existed gets the default one.
	p := Policy{Public: PublicRule{CountUpTo: string(event.Amber), NamesUpTo: string(event.Clear)},
		Changes: ChangeRule{MaxPct: DefaultMaxChangePct}, Month: defaultMonth}
	md, err := toml.Decode(text, &p)
	if err != nil {
		return nil, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		var keys []string
		for _, k := range und {
			keys = append(keys, k.String())
		}
		return nil, fmt.Errorf("unknown key(s) %s", strings.Join(keys, ", "))
	}
	return &p, p.check()
}

func (p *Policy) check() error {
	switch {
	case p.BaselineWeeks < 2:
		return fmt.Errorf("baseline_weeks is %d; it must be 2 or more", p.BaselineWeeks)
	case p.MinHistory < 2 || p.MinHistory > p.BaselineWeeks:
		return fmt.Errorf("min_history is %d; it must be from 2 to baseline_weeks (%d)", p.MinHistory, p.BaselineWeeks)
	case !slices.Contains(Levels, p.Normal):
		return fmt.Errorf("normal is %q; it must be one of %s", p.Normal, strings.Join(Levels, " "))
	case p.Fixed.RisePct <= 0:
		return fmt.Errorf("fixed.rise_pct must be above 0")
	case p.Changes.MaxPct <= 0:
		return fmt.Errorf("changes.max_change_pct is %g; it must be above 0", p.Changes.MaxPct)
	}
	switch m := p.Month; {
	case m.BaselineMonths < 2:
		return fmt.Errorf("month.baseline_months is %d; it must be 2 or more", m.BaselineMonths)
	case m.MinHistory < 2 || m.MinHistory > m.BaselineMonths:
		return fmt.Errorf("month.min_history is %d; it must be from 2 to month.baseline_months (%d)", m.MinHistory, m.BaselineMonths)
	case m.Fixed.RisePct <= 0:
		return fmt.Errorf("month.fixed.rise_pct must be above 0")
	}
	if err := p.Public.check(); err != nil {
		return fmt.Errorf("public: %w", err)
	}
	seen := map[string]bool{}
	for _, m := range p.Metrics {
		if _, ok := metricNames[m.Name]; !ok {
			return fmt.Errorf("metric %q is not one sitrep knows (%s)", m.Name, strings.Join(knownMetrics(), ", "))
		}
		if seen[m.Name] {
			return fmt.Errorf("metric %q is listed twice", m.Name)
		}
		seen[m.Name] = true
		if !slices.IsSorted(m.Rise) || len(m.Rise) == 0 || m.Rise[0] <= 0 {
			return fmt.Errorf("metric %s: rise must be ascending thresholds above 0", m.Name)
		}
	}
	return nil
}

func (r PublicRule) check() error {
	count, err := event.ParseTLP(r.CountUpTo)
	if err != nil || r.CountUpTo == "" {
		return fmt.Errorf("count_up_to is %q; it must be CLEAR, GREEN or AMBER", r.CountUpTo)
	}
	names, err := event.ParseTLP(r.NamesUpTo)
	if err != nil || r.NamesUpTo == "" {
		return fmt.Errorf("names_up_to is %q; it must be CLEAR, GREEN or AMBER", r.NamesUpTo)
	}
	switch {
	case count == event.AmberStrict || count == event.Red:
		return fmt.Errorf("count_up_to is %s: AMBER+STRICT and RED records never reach a public edition", count)
	case slices.Index(event.TLPOrder, names) > slices.Index(event.TLPOrder, count):
		return fmt.Errorf("names_up_to (%s) is more restricted than count_up_to (%s): a name would come from a record that is not counted", names, count)
	}
	return nil
}

// PublicLabels returns the labels whose records a public edition counts, and those whose
// records may name something in it.
func (p *Policy) PublicLabels() (count, names []event.TLP) {
	c, _ := event.ParseTLP(p.Public.CountUpTo)
	n, _ := event.ParseTLP(p.Public.NamesUpTo)
	return c.AtMost(), n.AtMost()
}

// metricNames are the metrics a policy may judge, with their names in both languages.
var metricNames = map[string][2]string{
	"infected_hosts.total":  {"感染网络病毒的主机", "infected hosts"},
	"malware_sites.domains": {"放马站点域名", "malware download domains"},
	"defaced.total":         {"被篡改网站", "defaced websites"},
	"backdoored.total":      {"被植入后门网站", "backdoored websites"},
	"phishing.pages":        {"仿冒页面", "phishing pages"},
	"ddos.events":           {"拒绝服务攻击事件", "DDoS events"},
	"vulnerabilities.high":  {"高危漏洞", "high-severity vulnerabilities"},
}

func knownMetrics() []string {
	var out []string
	for k := range metricNames {
		if k != "vulnerabilities.high" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// MetricName returns a metric's name in a language ("zh" or "en").
func MetricName(metric, lang string) string {
	n, ok := metricNames[metric]
	if !ok {
		return metric
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}
