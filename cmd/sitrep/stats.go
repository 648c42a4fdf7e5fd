package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/text/width"

	"sitrep/internal/bulletin"
	"sitrep/internal/event"
	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

func runStats(e *env, args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	span := addSpanFlags(fs)
	asJSON := fs.Bool("json", false, "print the statistics as JSON")
	tlp := tlpFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	label, err := parseEdition(*tlp)
	if err != nil {
		return err
	}
	p, err := span.pick(e.cfg.Zone)
	if err != nil {
		return err
	}
	if p.Kind != period.Week {
		return periodStats(e, p, label, *asJSON)
	}
	w := p.Week()
	if c := e.remote(); c != nil {
		return remoteStats(e, c, w, string(label), *asJSON)
	}
	st, err := e.cfg.Open(e.ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := e.cfg.Stats(e.ctx, st, w, label)
	if err != nil {
		return err
	}
	if *asJSON {
		return printStatsJSON(e.stdout, s)
	}
	return printStats(e.stdout, s)
}

// periodStats prints a month's, a quarter's or a year's statistics.
func periodStats(e *env, p period.Period, label event.TLP, asJSON bool) error {
	var s *stats.Period
	if c := e.remote(); c != nil {
		b, err := c.Stats(e.ctx, p.String(), string(label))
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("the server's statistics: %w", err)
		}
	} else {
		st, err := e.cfg.Open(e.ctx, true)
		if err != nil {
			return err
		}
		defer st.Close()
		if s, err = e.cfg.PeriodStats(e.ctx, st, p, label); err != nil {
			return err
		}
	}
	if asJSON {
		return printStatsJSON(e.stdout, s)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "%s（%s至%s，%s）\n", s.Label, s.Start, s.End, s.Zone)
	yearAgo := ""
	if s.YearAgo != "" {
		yearAgo = "\t" + s.YearAgo + "\t同比"
	}
	fmt.Fprintf(tw, "指标\t%s\t%s\t环比%s\n", s.Period, s.Prev, yearAgo)
	pct := func(t *stats.Tenths) string {
		if t == nil {
			return "-"
		}
		return t.String() + "%"
	}
	for _, f := range s.Figures {
		line := fmt.Sprintf("%s\t%d\t%d\t%s", f.Metric, f.Value, f.Prev, pct(f.PrevPct))
		if f.YearAgo != nil {
			line += fmt.Sprintf("\t%d\t%s", *f.YearAgo, pct(f.YearAgoPct))
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// printStatsJSON writes statistics (a week's, as CONTRACT.md's JSON, or a period's): indented,
// text as it is.
func printStatsJSON(w io.Writer, s any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(s)
}

// tlpFlag declares the --tlp flag of the commands that count.
func tlpFlag(fs *flag.FlagSet) *string {
	return fs.String("tlp", "CLEAR", "the edition's TLP `label`: CLEAR is the public edition (what the policy lets it draw on); GREEN, AMBER, AMBER+STRICT or RED an internal one that counts and names more and says so")
}

// parseEdition reads the --tlp flag.
func parseEdition(s string) (event.TLP, error) {
	t, err := event.ParseTLP(s)
	if err != nil {
		return "", usageError{err.Error()}
	}
	return t, nil
}

// pickWeek parses a week, or returns the last complete week in loc.
func pickWeek(s string, loc *time.Location) (week.Week, error) {
	if s != "" {
		return week.Parse(s)
	}
	return week.Of(time.Now(), loc).Prev(), nil
}

// printStats writes the statistics as a readable table in Chinese.
func printStats(w io.Writer, s *stats.Week) error {
	t := &table{w: w}
	t.title(s.Issue.Title)
	t.note(fmt.Sprintf("%s（%s 至 %s，%s）", s.Week, s.Start, s.End, s.Zone))
	t.row("态势评价", s.Rating.Level, "")
	for _, r := range s.Rating.Reasons {
		t.row("", "· "+r.ZH, "")
	}
	t.section("网络病毒活动（境内主机）")
	t.row("感染网络病毒的主机", num(s.InfectedHosts.Total), wow(s.InfectedHosts.TotalWoWPct))
	t.row("木马或僵尸程序受控主机", num(s.InfectedHosts.TrojanBotnet), "")
	t.row("飞客蠕虫感染主机", num(s.InfectedHosts.Conficker), "")
	var provs []string
	for i, p := range s.InfectedHosts.TopProvinces {
		if i == 3 {
			break
		}
		provs = append(provs, fmt.Sprintf("%s %s", printable(p.Name), num(p.Count)))
	}
	t.row("受控主机最多的省份", orDash(strings.Join(provs, "、")), "")
	m := s.MalwareSites
	t.row("放马站点域名", num(m.Domains), "境外注册 "+pct(m.DomainsAbroadPct)+"，.com "+pct(m.DomainsComPct))
	t.row("放马站点IP", num(m.IPs), "境外 "+pct(m.IPsAbroadPct)+"，以IP直接访问 "+num(m.IPURLs))
	t.section("网站安全（境内网站）")
	for _, x := range []struct {
		name string
		s    stats.Sites
	}{{"被篡改网站", s.Defaced}, {"被植入后门网站", s.Backdoored}} {
		t.row(x.name, num(x.s.Total), wow(x.s.TotalWoWPct))
		t.row("　其中政府网站", num(x.s.Gov), "占 "+pct(x.s.GovPct)+"，"+wow(x.s.GovWoWPct))
	}
	p := s.Phishing
	ppi := "-"
	if p.PagesPerIP != nil {
		ppi = fmt.Sprint(*p.PagesPerIP)
	}
	t.row("仿冒页面", num(p.Pages), wow(p.PagesWoWPct))
	t.row("　域名 / IP", num(p.Domains)+" / "+num(p.IPs), "平均每IP约 "+ppi+" 个页面")
	t.section("漏洞")
	v := s.Vulnerabilities
	t.row("新增漏洞", num(v.Total), wow(v.TotalWoWPct))
	t.row("　高危 / 中危 / 低危", fmt.Sprintf("%d / %d / %d", v.High, v.Medium, v.Low), "威胁等级 "+v.Level)
	for _, o := range sortedCounts(v.ByObject) {
		t.row("　"+bulletin.ObjectName("zh", o.name), num(o.n), "")
	}
	t.section("事件处理（本周关闭）")
	in := s.Incidents
	t.row("处理网络安全事件", num(in.Handled), "跨境 "+num(in.CrossBorder))
	t.row("仿冒投诉事件", num(in.Phishing), "")
	t.row("恶意移动应用平台 / URL", num(in.AppPlatforms)+" / "+num(in.AppURLs), "")
	return t.err
}

type nameN struct {
	name string
	n    int
}

// sortedCounts orders a count map most first, then by name, for stable output.
func sortedCounts(m map[string]int) []nameN {
	out := make([]nameN, 0, len(m))
	for k, v := range m {
		out = append(out, nameN{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].name < out[j].name
	})
	return out
}

func num(n int) string { return fmt.Sprint(n) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func pct(t *stats.Tenths) string {
	if t == nil {
		return "-"
	}
	return t.String() + "%"
}

func wow(t *stats.Tenths) string {
	switch {
	case t == nil:
		return "环比 -（上周为0）"
	case *t > 0:
		return "环比上升 " + t.String() + "%"
	case *t < 0:
		return "环比下降 " + (-*t).String() + "%"
	}
	return "环比持平"
}

// table writes label/value/note rows aligned by display width, counting wide characters as
// two columns, which text/tabwriter does not.
type table struct {
	w   io.Writer
	err error
}

const labelWidth, valueWidth = 26, 14

func (t *table) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *table) title(s string)   { t.printf("%s\n", s) }
func (t *table) note(s string)    { t.printf("%s\n", s) }
func (t *table) section(s string) { t.printf("\n【%s】\n", s) }

func (t *table) row(label, value, note string) {
	t.printf("  %s%s%s\n", pad(label, labelWidth), pad(value, valueWidth), note)
}

func pad(s string, n int) string {
	w := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			w += 2
		default:
			w++
		}
	}
	if w >= n {
		return s + " "
	}
	return s + strings.Repeat(" ", n-w)
}
