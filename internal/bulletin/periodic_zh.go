package bulletin

import (
	"fmt"
	"strings"
	"time"

	"sitrep/internal/period"
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// The Chinese of a month's, a quarter's and a year's issue, in the house style of the published
// monthly analyses (《2022年4月网络安全监测数据分析》): "与上月相比减少4.7%", "与上月的5,052个相比
// 增加4.5%", "…月度统计如图1所示", numbers with thousands separators.

func (zh) periodTitle(p period.Period) string {
	if p.Kind == period.Year {
		return p.Label() + "网络安全监测数据年度分析"
	}
	return p.Label() + "网络安全监测数据分析"
}

func (zh) periodLabel(p period.Period) string {
	switch p.Kind {
	case period.Month:
		return fmt.Sprintf("%d.%d", p.Year, p.N)
	case period.Quarter:
		return fmt.Sprintf("%dQ%d", p.Year, p.N)
	}
	return p.Label()
}

var zhPeriodHeadings = map[string]string{
	SecPOverview: "1 网络安全基本态势", SecPBasic: "2 基础网络安全", SecPCritical: "3 关键信息基础设施安全",
	SecPPublic: "4 公共网络环境安全", SecPMalware: "4.1 恶意代码活动监测数据", SecPWebsites: "4.2 网站安全监测数据",
	SecPVulns: "4.3 安全漏洞收录情况", SecPIncidents: "4.4 网络安全事件接收与处理",
	SecPProvinces: "5 受控主机地区分布", SecPFamilies: "6 主要恶意程序家族", SecPTargets: "7 主要仿冒对象",
	SecPDistribution: "8 事件来源与协调处置", SecPHighest: "9 各项指标的最高周",
}

func (zh) periodHeading(id string, _ period.Period) string { return zhPeriodHeadings[id] }

// zhStat is how a period's series is called in a caption: 月度统计, 季度统计.
func zhStat(p period.Period) string {
	if p.Kind == period.Quarter {
		return "季度统计"
	}
	return "月度统计"
}

var zhPeriodCaptions = map[string]string{
	FigPTrojan: "境内木马或僵尸程序受控主机IP数量", FigPDefaced: "境内被篡改网站数量", FigPBackdoored: "境内被植入后门网站数量",
	FigPPhishing: "仿冒境内网站页面数量", FigPVulns: "收录安全漏洞数量", FigPIncidents: "处理网络安全事件数量",
}

func (zh) periodCaption(id string, p period.Period) string {
	switch id {
	case FigPTypes:
		return p.Label() + "处理网络安全事件按类型分布"
	case FigPProvinces:
		return p.Label() + "境内木马或僵尸程序受控主机按地区分布（前十位）"
	}
	return zhPeriodCaptions[id] + zhStat(p)
}

func (z zh) periodWords(p period.Period) Words {
	w := z.words()
	w.Highlights, w.Recent = "要点", "往期回顾"
	w.Archive = map[period.Kind]string{period.Month: "往期月报", period.Quarter: "往期季报", period.Year: "往期年报"}[p.Kind]
	w.Previous, w.Next = "上一期", "下一期"
	return w
}

// zhSpan is how the sentences speak of a period and the one before it.
type zhSpan struct {
	label, this, prev, ago string
}

func zhSpanOf(p period.Period) zhSpan {
	switch p.Kind {
	case period.Month:
		return zhSpan{label: p.Label(), this: "本月", prev: "上月", ago: "上年同期"}
	case period.Quarter:
		return zhSpan{label: p.Label(), this: "本季度", prev: "上季度", ago: "上年同期"}
	}
	return zhSpan{label: p.Label(), this: p.Label(), prev: p.Prev().Label()}
}

// zhN writes a count as the monthly analyses do: "约507万" from a million up, "约18.4万" from
// 10,000 up, else with thousands separators.
func zhN(n int) string {
	switch {
	case n >= 1000000:
		return fmt.Sprintf("约%d万", (n+5000)/10000)
	case n >= 10000:
		return "约" + roundTenThousands(n).String() + "万"
	}
	return Thousands(n)
}

// byPct says how a count moved as a percentage: "，与上月相比减少4.7%"; with was, it names the
// count before: "，与上月的5,052个相比增加4.5%". A change beyond the policy's bound gives the
// number before instead; no clause where the period before had nothing to compare with.
func (sp zhSpan) byPct(d delta, unit string, was bool) string {
	base := "与" + sp.prev + "相比"
	if was {
		base = "与" + sp.prev + "的" + Thousands(d.prev) + unit + "相比"
	}
	if d.cur == 0 && d.prev > 0 {
		return "，" + sp.prev + "为" + Thousands(d.prev) + unit
	}
	switch d.way() {
	case wayNone:
		if d.cur > 0 && !d.unmeasured {
			return "，" + sp.prev + "为0" + unit
		}
		return ""
	case wayThin:
		return "，" + sp.prev + "为" + Thousands(d.prev) + unit
	case wayUp:
		return "，" + base + "增加" + d.abs().String() + "%"
	case wayDown:
		return "，" + base + "减少" + d.abs().String() + "%"
	case wayNearly:
		return "，与" + sp.prev + "基本持平"
	}
	return "，与" + sp.prev + "持平"
}

// byCount says how a small count moved, in units: "，与上月相比减少25个".
func (sp zhSpan) byCount(d delta, unit string) string {
	switch {
	case d.cur > d.prev:
		return "，与" + sp.prev + "相比增加" + Thousands(d.cur-d.prev) + unit
	case d.cur < d.prev:
		return "，与" + sp.prev + "相比减少" + Thousands(d.prev-d.cur) + unit
	}
	return "，与" + sp.prev + "持平"
}

// yearAgo says how a count moved on the same period a year earlier (同比), where known.
func (sp zhSpan) yearAgo(d pdelta, unit string) string {
	if d.ago == nil || sp.ago == "" {
		return ""
	}
	switch a := *d.ago; a.way() {
	case wayNone:
		return ""
	case wayThin:
		return "，" + sp.ago + "为" + Thousands(a.prev) + unit
	case wayUp:
		return "，同比增长" + a.abs().String() + "%"
	case wayDown:
		return "，同比下降" + a.abs().String() + "%"
	case wayNearly:
		return "，与" + sp.ago + "基本持平"
	}
	return "，与" + sp.ago + "持平"
}

// seriesSpan names the periods a figure plots: "2023年3月至2024年2月", "2024年1月至12月".
func (zh) seriesSpan(pp periodPlan) string {
	if len(pp.series) != 2 {
		return ""
	}
	a, _ := period.Parse(pp.series[0])
	b, _ := period.Parse(pp.series[1])
	if a == b {
		return a.Label()
	}
	if a.Kind == period.Month && b.Kind == period.Month && a.Year == b.Year {
		return fmt.Sprintf("%s至%d月", a.Label(), b.N)
	}
	return a.Label() + "至" + b.Label()
}

func (z zh) figureRef(pp periodPlan, what string, fig int) string {
	if fig == 0 || len(pp.series) != 2 {
		return ""
	}
	return fmt.Sprintf("%s，%s%s如图%d所示。", z.seriesSpan(pp), what, zhStat(pp.p), fig)
}

var zhMoved = map[string]string{
	"infected_hosts.trojan_botnet": "境内感染木马或僵尸程序的主机IP数量", "infected_hosts.conficker": "境内感染飞客蠕虫的主机IP数量",
	"defaced.total": "境内被篡改网站数量", "defaced.gov": "境内被篡改政府网站数量",
	"backdoored.total": "境内被植入后门的网站数量", "backdoored.gov": "境内被植入后门的政府网站数量",
	"phishing.pages": "仿冒境内网站的页面数量", "vulnerabilities.total": "收录的安全漏洞数量", "incidents.handled": "处理的网络安全事件数量",
}

func (z zh) moved(ms []string) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = zhMoved[m]
	}
	return z.list(names, "和")
}

func (z zh) pOverview(pp periodPlan) []string {
	sp := zhSpanOf(pp.p)
	if pp.noData {
		return []string{sp.this + "未收到任何监测数据和事件处理记录，不作态势评价。"}
	}
	var b strings.Builder
	if c := pp.covered; c != nil {
		if c.First == "" {
			b.WriteString(sp.this + "没有监测数据，以下仅为漏洞和事件处理记录的统计，不作态势评价，也不与其他时期比较。")
		} else {
			b.WriteString(sp.this + "的监测数据仅覆盖" + zhDays(*c) + "，以下为该期间的统计，不作态势评价，也不与其他时期比较。")
		}
	}
	b.WriteString(sp.label + "，")
	if pp.level != "" {
		b.WriteString("互联网网络安全状况整体评价为" + pp.level + "。")
	}
	if n := pp.impact["national"] + pp.impact["provincial"]; n > 0 {
		fmt.Fprintf(&b, "%s处理造成省级行政区域以上影响的网络安全事件%d起。", sp.this, n)
	} else {
		b.WriteString("我国基础网络运行总体平稳，未发生较大以上网络安全事件。")
	}
	if pp.p.Kind == period.Year {
		fmt.Fprintf(&b, "全年共监测发现境内被木马或僵尸程序控制的主机IP%s个、被篡改网站%s个、被植入后门的网站%s个、仿冒页面%s个，收录安全漏洞%s个，处理网络安全事件%s起。",
			zhN(pp.hosts.cur), Thousands(pp.defaced.cur), Thousands(pp.backdoored.cur), Thousands(pp.pages.cur), Thousands(pp.vulns.cur), Thousands(pp.handled.cur))
	}
	if pp.compare {
		lead, cmp := "在我国互联网网络安全环境方面，", "较"+sp.prev
		switch {
		case len(pp.rose) > 0 && len(pp.fell) > 0 && len(pp.flat) == 0:
			b.WriteString(lead + z.moved(pp.rose) + "等" + cmp + "有所增长，其他各类网络安全事件数量均有不同程度的下降。")
		case len(pp.rose) == 0 && len(pp.fell) > 0 && len(pp.flat) == 0:
			b.WriteString(lead + "各类网络安全事件数量" + cmp + "均有不同程度的下降。")
		case len(pp.rose) > 0 && len(pp.fell) == 0 && len(pp.flat) == 0:
			b.WriteString(lead + "各类网络安全事件数量" + cmp + "均有不同程度的增长。")
		case len(pp.rose)+len(pp.fell) == 0 && len(pp.flat) > 0:
			b.WriteString(lead + "各类网络安全事件数量与" + sp.prev + "持平。")
		case len(pp.flat) > 0:
			var parts []string
			if len(pp.rose) > 0 {
				parts = append(parts, z.moved(pp.rose)+cmp+"有所增长")
			}
			if len(pp.fell) > 0 {
				parts = append(parts, z.moved(pp.fell)+cmp+"有所下降")
			}
			parts = append(parts, z.moved(pp.flat)+"与"+sp.prev+"持平")
			b.WriteString(lead + strings.Join(parts, "，") + "。")
		}
	}
	return []string{b.String()}
}

func (z zh) pBasic(pp periodPlan) []string {
	sp := zhSpanOf(pp.p)
	if pp.empty[SecPBasic] {
		return []string{sp.this + "未收到任何监测数据和事件处理记录，无从判断基础网络运行情况。"}
	}
	nat, prov := pp.impact["national"], pp.impact["provincial"]
	if nat+prov == 0 {
		return []string{sp.label + "，我国基础网络运行总体平稳，未出现省级行政区域以上的造成较大影响的基础网络运行故障，未发生较大以上网络安全事件。"}
	}
	return []string{fmt.Sprintf("%s，%s处理造成较大影响的网络安全事件%d起，其中全国范围影响的%d起、省级行政区域影响的%d起。", sp.label, z.org, nat+prov, nat, prov)}
}

func (z zh) pCritical(pp periodPlan) []string {
	sp := zhSpanOf(pp.p)
	var b strings.Builder
	if pp.empty[SecPCritical] {
		return []string{sp.this + "未收到境内网站被篡改、被植入后门的监测数据，也未处置安全漏洞事件。"}
	}
	if pp.defaced.cur+pp.defaced.prev+pp.backdoored.cur+pp.backdoored.prev > 0 {
		b.WriteString(sp.this + "，监测发现境内政府网站被篡改的数量为" + Thousands(pp.govDefaced.cur) + "个")
		if pp.compare {
			b.WriteString(sp.byCount(pp.govDefaced.delta, "个"))
		}
		if pp.govDefacedPct != nil && pp.govDefaced.cur > 0 {
			b.WriteString("，占境内被篡改网站的比例为" + pp.govDefacedPct.String() + "%")
		}
		b.WriteString("。境内政府网站被植入后门的数量为" + Thousands(pp.govBackdoored.cur) + "个")
		if pp.compare {
			b.WriteString(sp.byCount(pp.govBackdoored.delta, "个"))
		}
		if pp.govBackPct != nil && pp.govBackdoored.cur > 0 {
			b.WriteString("，占境内被植入后门网站的比例为" + pp.govBackPct.String() + "%")
		}
		b.WriteString("。")
	}
	if pp.vulnIncidents > 0 {
		fmt.Fprintf(&b, "%s共协调处置安全漏洞事件%s起。", z.org, Thousands(pp.vulnIncidents))
	}
	return []string{b.String()}
}

func (z zh) pPublic(pp periodPlan) []string {
	if pp.empty[SecPPublic] {
		return []string{zhSpanOf(pp.p).this + "未收到公共网络环境的监测数据。"}
	}
	return []string{zhSpanOf(pp.p).label + "，根据" + z.org + "的监测数据，我国互联网网络安全环境主要指标情况如下。"}
}

func (z zh) pMalware(pp periodPlan, fig int) []string {
	sp := zhSpanOf(pp.p)
	var out []string
	if h := pp.hosts; h.cur+h.prev > 0 {
		p := sp.label + "，境内" + zhN(h.cur) + "个IP地址对应的主机被木马或僵尸程序控制" + sp.byPct(h.delta, "个", false) + sp.yearAgo(h, "个") + "。" +
			z.figureRef(pp, "境内被木马或僵尸程序控制的主机IP数量", fig)
		switch len(pp.provinces) {
		case 0:
		case 1:
			p += "按地区分布，感染数量最多的是" + pp.provinces[0] + "。"
		default:
			p += fmt.Sprintf("按地区分布，感染数量排名前%s位的分别是%s。", zhDigits[len(pp.provinces)], z.list(pp.provinces, "和"))
		}
		out = append(out, p)
	}
	var more strings.Builder
	if pp.ccServers > 0 {
		more.WriteString("监测发现木马或僵尸程序控制服务器IP共" + Thousands(pp.ccServers) + "个。")
	}
	if c := pp.conficker; c.cur+c.prev > 0 {
		more.WriteString("境内" + zhN(c.cur) + "个IP地址对应的主机感染飞客（Conficker）蠕虫" + sp.byPct(c.delta, "个", false) + sp.yearAgo(c, "个") + "。")
	}
	if d := pp.domains; d.cur > 0 {
		more.WriteString("监测发现放马站点域名" + Thousands(d.cur) + "个" + sp.byPct(d.delta, "个", false) + "。")
	}
	if more.Len() > 0 {
		out = append(out, more.String())
	}
	if len(out) == 0 {
		out = append(out, sp.this+"未收到境内感染恶意代码主机的监测数据。")
	}
	return out
}

var zhDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

func (z zh) pWebsites(pp periodPlan, figs [3]int) []string {
	sp := zhSpanOf(pp.p)
	var out []string
	if d := pp.defaced; d.cur+d.prev > 0 {
		out = append(out, sp.label+"，境内被篡改网站的数量为"+Thousands(d.cur)+"个"+sp.byPct(d.delta, "个", true)+sp.yearAgo(d, "个")+"。"+
			z.figureRef(pp, "境内被篡改网站数量", figs[0]))
	}
	if d := pp.backdoored; d.cur+d.prev > 0 {
		out = append(out, sp.label+"，境内被植入后门的网站数量为"+Thousands(d.cur)+"个"+sp.byPct(d.delta, "个", true)+sp.yearAgo(d, "个")+"。"+
			z.figureRef(pp, "境内被植入后门的网站数量", figs[1]))
	}
	if d := pp.pages; d.cur+d.prev > 0 {
		p := sp.label + "，" + z.org + "共监测到针对境内网站的仿冒页面" + Thousands(d.cur) + "个" + sp.byPct(d.delta, "个", true) + sp.yearAgo(d, "个") + "。"
		if len(pp.targets) > 0 {
			p += "仿冒对象主要为" + z.list(pp.targets, "和") + "。"
		}
		out = append(out, p+z.figureRef(pp, "仿冒境内网站的页面数量", figs[2]))
	}
	if len(out) == 0 {
		out = append(out, sp.this+"未收到境内网站被篡改、被植入后门和仿冒页面的监测数据。")
	}
	return out
}

func (z zh) pVulns(pp periodPlan, fig int) []string {
	sp := zhSpanOf(pp.p)
	d := pp.vulns
	if d.cur+d.prev == 0 {
		return []string{sp.this + "未收录新的安全漏洞记录。"}
	}
	who := "国家信息安全漏洞共享平台（CNVD）"
	if pp.gathered {
		who = z.org + "汇总"
	}
	p := sp.label + "，" + who + "收集整理信息系统安全漏洞" + Thousands(d.cur) + "个" + sp.byPct(d.delta, "个", true) + sp.yearAgo(d, "个")
	if d.cur > 0 {
		p += "。其中，高危漏洞" + Thousands(pp.high) + "个"
		if pp.exploited > 0 {
			p += "，已列入已知被利用漏洞目录的" + Thousands(pp.exploited) + "个，需优先处置"
		}
	}
	return []string{p + "。" + z.figureRef(pp, "收录的安全漏洞数量", fig)}
}

func (z zh) pIncidents(pp periodPlan, figs [2]int) []string {
	sp := zhSpanOf(pp.p)
	d := pp.handled
	if d.cur+d.prev == 0 {
		return []string{sp.this + "未收到网络安全事件的处理记录。"}
	}
	p := sp.label + "，" + z.org + "共处理网络安全事件" + Thousands(d.cur) + "起" + sp.byPct(d.delta, "起", true) + sp.yearAgo(d, "起") + "。"
	if len(pp.types) > 0 {
		var parts []string
		for _, t := range pp.types {
			parts = append(parts, fmt.Sprintf("%s事件%s起，占%s%%", z.incidentType(t.typ), Thousands(t.n), t.share))
		}
		p += "其中，" + strings.Join(parts, "；") + "。"
	}
	if ref := z.figureRef(pp, "处理的网络安全事件数量", figs[0]); ref != "" {
		p += strings.TrimSuffix(ref, "。")
		if figs[1] != 0 && len(pp.types) > 0 {
			p += fmt.Sprintf("，%s处理的事件按类型分布如图%d所示", sp.label, figs[1])
		}
		p += "。"
	}
	return []string{p}
}

func (z zh) pProvinces(pp periodPlan, fig int) []string {
	sp := zhSpanOf(pp.p)
	if len(pp.topProvinces) == 0 {
		return []string{sp.label + "未收到可按地区统计的受控主机监测数据。"}
	}
	var parts []string
	for _, nc := range pp.topProvinces {
		parts = append(parts, fmt.Sprintf("%s（%s个）", nc.Name, Thousands(nc.Count)))
	}
	p := fmt.Sprintf("%s，境内被木马或僵尸程序控制的主机IP按地区分布，数量居前%s位的是%s", sp.label, zhDigits[min(len(parts), 10)], strings.Join(parts, "、"))
	if fig != 0 {
		p += fmt.Sprintf("，如图%d所示", fig)
	}
	return []string{p + "。"}
}

func (z zh) pTargets(pp periodPlan) []string {
	sp := zhSpanOf(pp.p)
	if len(pp.topTargets) == 0 {
		return []string{sp.label + "未监测到可公开其仿冒对象的仿冒页面。"}
	}
	var parts []string
	for _, nc := range pp.topTargets {
		parts = append(parts, fmt.Sprintf("%s（%s个）", nc.Name, Thousands(nc.Count)))
	}
	return []string{sp.label + "，仿冒页面数量居前的仿冒对象为" + strings.Join(parts, "、") + "。"}
}

func (z zh) pFamilies(pp periodPlan) []string {
	sp := zhSpanOf(pp.p)
	if len(pp.families) == 0 {
		return []string{sp.label + "的监测数据未载明境内受控主机所感染的恶意程序家族。"}
	}
	var parts []string
	for _, nc := range pp.families {
		parts = append(parts, fmt.Sprintf("%s（%s个）", nc.Name, Thousands(nc.Count)))
	}
	return []string{fmt.Sprintf("%s，境内被木马或僵尸程序控制的主机IP按所感染的恶意程序家族统计，数量居前%s位的是%s。",
		sp.label, zhDigits[min(len(parts), 10)], strings.Join(parts, "、"))}
}

func (z zh) pDistribution(pp periodPlan) []string {
	sp := zhSpanOf(pp.p)
	if len(pp.sources)+len(pp.partners) == 0 {
		return []string{sp.label + "未收到网络安全事件的处理记录。"}
	}
	var out []string
	if len(pp.sources) > 0 {
		var parts []string
		for _, nc := range pp.sources {
			parts = append(parts, fmt.Sprintf("%s%s起", nc.Name, Thousands(nc.Count)))
		}
		out = append(out, sp.label+"处理的网络安全事件按来源分："+strings.Join(parts, "，")+"。")
	}
	if len(pp.partners) > 0 {
		var parts []string
		for _, nc := range pp.partners {
			name := zhPartners[nc.Name]
			if name == "" {
				name = nc.Name
			}
			parts = append(parts, fmt.Sprintf("%s%s起", name, Thousands(nc.Count)))
		}
		p := "按协调处置的合作方分：" + strings.Join(parts, "，") + "。"
		if len(pp.partnerNames) > 0 {
			var names []string
			for _, nc := range pp.partnerNames {
				names = append(names, fmt.Sprintf("%s（%s起）", nc.Name, Thousands(nc.Count)))
			}
			p += "协调处置事件最多的合作方为" + strings.Join(names, "、") + "。"
		}
		out = append(out, p)
	}
	return out
}

func (z zh) pHighest(pp periodPlan) []string {
	sp := zhSpanOf(pp.p)
	if len(pp.highest) == 0 {
		return []string{sp.label + "各周均无监测数据。"}
	}
	var parts []string
	for _, h := range pp.highest {
		w, _ := week.Parse(h.week)
		unit := "个"
		if h.metric == "incidents.handled" {
			unit = "起"
		}
		parts = append(parts, fmt.Sprintf("%s以%s（%s）最多，为%s%s", zhMoved[h.metric], zhWeekOf(w, pp.p.Year), zhWeekDays(w), Thousands(h.n), unit))
	}
	return []string{sp.label + "各项指标中，" + strings.Join(parts, "；") + "。"}
}

// zhDays writes a span of days: "2024年3月1日至3月3日".
func zhDays(d stats.Days) string {
	a, errA := time.Parse(time.DateOnly, d.First)
	b, errB := time.Parse(time.DateOnly, d.Last)
	if errA != nil || errB != nil {
		return d.First + "至" + d.Last
	}
	if a.Year() == b.Year() {
		return fmt.Sprintf("%d年%d月%d日至%d月%d日", a.Year(), int(a.Month()), a.Day(), int(b.Month()), b.Day())
	}
	return fmt.Sprintf("%d年%d月%d日至%d年%d月%d日", a.Year(), int(a.Month()), a.Day(), b.Year(), int(b.Month()), b.Day())
}

// zhWeekOf names a week of a year: "第9周", with its own year where it is another's.
func zhWeekOf(w week.Week, year int) string {
	if w.Year != year {
		return fmt.Sprintf("%d年第%d周", w.Year, w.Number)
	}
	return fmt.Sprintf("第%d周", w.Number)
}

func (zh) province(name string) string { return name }

// zhWeekDays writes a week's days: "2月26日至3月3日".
func zhWeekDays(w week.Week) string {
	m, s := w.Monday(), w.Sunday()
	return fmt.Sprintf("%d月%d日至%d月%d日", int(m.Month()), m.Day(), int(s.Month()), s.Day())
}
