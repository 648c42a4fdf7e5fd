package bulletin

import (
	"fmt"
	"strings"

	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// zh words an issue in the house style of the published Chinese issues.
type zh struct{ voice }

func (zh) title(w week.Week) string { return stats.Title(w) }

func (zh) weekLabel(w week.Week) string {
	m := w.Monday()
	return fmt.Sprintf("%d.%d", int(m.Month()), m.Day())
}

func (zh) number(n int) string { return fmt.Sprint(n) }

// tileNumber writes a key number as the cards print it: "18.4万" from 10,000 up.
func (zh) tileNumber(n int) string {
	if n >= 10000 {
		return roundTenThousands(n).String() + "万"
	}
	return fmt.Sprint(n)
}

func (zh) tileChange(d delta) string {
	switch d.way() {
	case wayNone:
		return ""
	case wayThin:
		return fmt.Sprintf("上周%d", d.prev)
	case wayUp:
		return "较上周 ▲" + d.abs().String() + "%"
	case wayDown:
		return "较上周 ▼" + d.abs().String() + "%"
	case wayNearly:
		return "与上周基本持平"
	}
	return "与上周持平"
}

func (zh) level(l string) string { return l }

func (z zh) threatsNote(threats []string) string {
	names := make([]string, len(threats))
	for i, t := range threats {
		names[i] = zhThreats[t]
	}
	return "主要安全威胁：" + strings.Join(names, "、")
}

func (zh) vulnLevelNote(level string) string {
	return "信息安全漏洞威胁整体评价级别：" + level
}

func (zh) words() Words {
	return Words{Highlights: "本周要点", Recent: "近期回顾", Figure: "图%d",
		Internal: "TLP:%s — 内部版本：含公开版本不得使用的数据，不得公开发布，仅限 TLP:%[1]s 许可的范围内传递。",
		Archive:  "往期周报", Previous: "上一期", Next: "下一期", Language: "English", Downloads: "下载"}
}

// count writes a count in the house style: "约18.4万" from 10,000 up, the number below.
func (zh) count(n int) string {
	if n >= 10000 {
		return "约" + roundTenThousands(n).String() + "万"
	}
	return fmt.Sprint(n)
}

// change says how a count moved on last week, as the published issues do; no clause when
// last week had nothing to compare with; both numbers when thin.
func (zh) change(d delta) string {
	switch d.way() {
	case wayNone:
		return ""
	case wayThin:
		return fmt.Sprintf("，上周为%d个", d.prev)
	case wayUp:
		return "，较上周环比上升了" + d.abs().String() + "%"
	case wayDown:
		return "，较上周环比下降了" + d.abs().String() + "%"
	case wayNearly:
		return "，与上周基本持平"
	}
	return "，与上周持平"
}

// list joins names as "A、B和C".
func (zh) list(names []string, last string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], "、") + last + names[len(names)-1]
}

var zhHeadings = map[string]string{
	SecOverview: "本周网络安全基本态势", SecMalware: "本周网络病毒活动情况", SecWebsites: "本周网站安全情况",
	SecVulns: "本周重要漏洞情况", SecIncidents: "本周事件处理情况",
}

func (zh) heading(id string) string { return zhHeadings[id] }

var zhNoData = map[string]string{
	SecOverview:    "本周未收到任何监测数据和事件处理记录，不作态势评价。",
	SecMalware:     "本周未收到境内感染网络病毒主机和放马站点的监测数据。",
	noHosts:        "本周未收到境内感染网络病毒主机的监测数据。",
	noMalwareSites: "本周未收到放马站点的监测数据。",
	SecWebsites:    "本周未收到境内网站被篡改、被植入后门和仿冒页面的监测数据。",
	SecVulns:       "本周未收录新的安全漏洞记录。",
	SecIncidents:   "本周未收到网络安全事件的处理记录。",
}

func (zh) noData(what string) string { return zhNoData[what] }

var zhThreats = map[string]string{
	"vulns": "软件高危漏洞", "malware": "恶意代码传播", "websites": "网站攻击", "phishing": "网络仿冒", "ddos": "拒绝服务攻击",
}

func (z zh) situation(o overviewPlan) string {
	p := "本周，互联网网络安全态势整体评价为" + o.level + "。"
	if o.impactful > 0 {
		p += fmt.Sprintf("本周全国范围或省级行政区域内发生造成重大影响的基础设施运行安全事件%d起。", o.impactful)
	} else {
		p += "我国互联网基础设施运行整体平稳，全国范围或省级行政区域内未发生造成重大影响的基础设施运行安全事件。"
	}
	if len(o.threats) > 0 {
		var names []string
		for _, t := range o.threats {
			names = append(names, zhThreats[t])
		}
		p += "针对政府、企业以及广大互联网用户的主要安全威胁来自于" + z.list(names, "以及") + "。"
	}
	return p
}

// movement says how the week's counts moved against last week, as CNCERT's analyses word it.
func (z zh) movement(p movePlan) string {
	names := func(ms []string) string {
		var out []string
		for _, name := range ms {
			out = append(out, zhMetrics[name])
		}
		return z.list(out, "和")
	}
	const lead, all = "在我国互联网网络安全环境方面，", "各类网络安全事件数量"
	switch p.all {
	case "up":
		return lead + all + "较上周均有所增长。"
	case "down":
		return lead + all + "较上周均有不同程度的下降。"
	case "flat":
		return lead + all + "与上周持平。"
	}
	var parts []string
	if len(p.up) > 0 {
		parts = append(parts, names(p.up)+"较上周有所增长")
	}
	switch {
	case p.othersFell:
		parts = append(parts, "其他"+all+"均有不同程度的下降")
	case len(p.down) > 0 && len(parts) > 0:
		parts = append(parts, names(p.down)+"有所下降")
	case len(p.down) > 0:
		parts = append(parts, names(p.down)+"较上周有所下降")
	}
	if len(p.flat) > 0 {
		parts = append(parts, names(p.flat)+"与上周持平")
	}
	return lead + strings.Join(parts, "，") + "。"
}

// is writes "为1234", or for a rounded count "约为18.4万" (never "为约").
func (z zh) is(n int) string {
	return strings.Replace("为"+z.count(n), "为约", "约为", 1)
}

func (z zh) hosts(h stats.InfectedHosts) string {
	total := z.is(h.Total)
	return fmt.Sprintf("本周境内感染网络病毒的主机数量%s个，其中包括境内被木马或被僵尸程序控制的主机%s以及境内感染飞客（conficker）蠕虫的主机%s。",
		total, z.count(h.TrojanBotnet), z.count(h.Conficker))
}

// zhSmall are the numerals of "排名前三位".
var zhSmall = []string{"零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十"}

func (z zh) provinces(top []string) string {
	if len(top) == 1 {
		return "木马或僵尸程序受控主机数量排名第一的省份是" + top[0] + "。"
	}
	return fmt.Sprintf("木马或僵尸程序受控主机数量排名前%s位的省份分别是%s。", zhSmall[len(top)], z.list(top, "和"))
}

// newMalware counts the week's new malware names and families as CNCERT does ("按网络病毒名称
// 统计新增N个，按网络病毒家族统计新增M个").
func (z zh) newMalware(p newMalwarePlan) string {
	fams := strings.Join(p.shown, "、")
	if p.more {
		fams += "等"
	}
	if fams != "" {
		fams = "（" + fams + "）"
	}
	switch {
	case p.byName && p.families > 0:
		return fmt.Sprintf("本周%s捕获的网络病毒按名称统计新增%d个，按家族统计新增%d个%s。", z.org, p.names, p.families, fams)
	case p.byName:
		return fmt.Sprintf("本周%s捕获的网络病毒按名称统计新增%d个，按家族统计无新增。", z.org, p.names)
	}
	return fmt.Sprintf("本周%s捕获了%d个新的网络病毒家族%s。", z.org, p.families, fams)
}

// malwareSites words the 放马站点 paragraph as CNCERT's weekly issues do.
func (z zh) malwareSites(m sitesPlan) string {
	p := fmt.Sprintf("放马站点是网络病毒传播的源头。本周，%s监测发现的放马站点共涉及域名%d个，涉及IP地址%d个。", z.org, m.Domains, m.IPs)
	var parts []string
	if m.Domains > 0 {
		parts = append(parts, fmt.Sprintf("在%d个域名中，有约%s%%为境外注册，且顶级域为.com的约占%s%%", m.Domains, m.DomainsAbroadPct, m.DomainsComPct))
	}
	if m.IPs > 0 {
		parts = append(parts, fmt.Sprintf("在%d个IP中，有约%s%%位于境外", m.IPs, m.IPsAbroadPct))
	}
	p += strings.Join(parts, "；") + "。"
	switch m.reach {
	case reachDomains:
		p += "根据对放马URL的分析发现，放马站点均通过域名访问。"
	case reachMostly:
		p += fmt.Sprintf("根据对放马URL的分析发现，大部分放马站点是通过域名访问，而通过IP直接访问的涉及%d个IP。", m.IPURLs)
	case reachIPs:
		if m.Domains == 0 {
			p += fmt.Sprintf("根据对放马URL的分析发现，放马站点均通过IP直接访问，涉及%d个IP。", m.IPURLs)
		} else {
			p += fmt.Sprintf("根据对放马URL的分析发现，通过IP直接访问的放马站点涉及%d个IP，不少于通过域名访问的%d个域名。", m.IPURLs, m.Domains)
		}
	}
	return p
}

func (z zh) blacklist(publisher string) string {
	return fmt.Sprintf("针对%s自主监测发现以及各单位报送数据，%[1]s积极协调域名注册机构等进行处理，同时通过%s在其官方网站上发布恶意地址黑名单。", z.org, publisher)
}

func (z zh) websiteCounts(defaced, backdoored, pages int) string {
	return fmt.Sprintf("本周%s监测发现境内被篡改的网站数量为%d个；境内被植入后门的网站数量为%d个；针对境内网站的仿冒页面数量为%d个。",
		z.org, defaced, backdoored, pages)
}

func (z zh) websiteDetail(w websitesPlan) string {
	var parts []string
	if d := w.defacedGov; d != nil {
		parts = append(parts, fmt.Sprintf("本周境内被篡改的政府网站（GOV类）数量为%d个（约占境内%s%%）%s", d.gov, d.pct, z.change(d.moved)))
	}
	if b := w.backdoorGov; b != nil {
		parts = append(parts, fmt.Sprintf("境内被植入后门的政府网站（GOV类）数量为%d个（约占境内%s%%）%s", b.gov, b.pct, z.change(b.moved)))
	}
	if p := w.phishing; p != nil {
		q := fmt.Sprintf("针对境内网站的仿冒页面涉及域名%d个，IP地址%d个", p.domains, p.ips)
		if p.perIP != nil {
			q += fmt.Sprintf("，平均每个IP地址承载了约%d个仿冒页面", *p.perIP)
		}
		parts = append(parts, q)
	}
	return strings.Join(parts, "；") + "。"
}

func (z zh) targets(names []string) string {
	return "本周仿冒页面主要仿冒" + z.list(names, "和") + "等机构。"
}

var zhObjects = map[string]string{
	"application": "应用程序", "web_application": "WEB应用", "os": "操作系统", "network_device": "网络设备",
	"security_product": "安全产品", "database": "数据库", "smart_device": "智能设备", "other": "其他",
}

func (z zh) vulnCounts(p vulnsPlan) string {
	v := p.v
	exploited := ""
	if v.KnownExploited > 0 {
		exploited = fmt.Sprintf("其中%d个漏洞已列入已知被利用漏洞目录，需优先处置。", v.KnownExploited)
	}
	if p.gathered {
		return fmt.Sprintf("本周，%s汇总新公开的网络安全漏洞%d个，其中高危%d个、中危%d个、低危%d个，信息安全漏洞威胁整体评价级别为%s。",
			z.org, v.Total, v.High, v.Medium, v.Low, v.Level) + exploited
	}
	return fmt.Sprintf("本周，国家信息安全漏洞共享平台（CNVD）新收录网络安全漏洞%d个，其中高危%d个、中危%d个、低危%d个，信息安全漏洞威胁整体评价级别为%s。",
		v.Total, v.High, v.Medium, v.Low, v.Level) + exploited
}

func (zh) vulnObjects(p vulnsPlan) string {
	var names []string
	for _, o := range p.objects {
		names = append(names, zhObjects[o]+"漏洞")
	}
	lead, all, more := "本周CNVD发布的网络安全漏洞中，", "本周CNVD发布的网络安全漏洞", "更多漏洞有关的详细情况，请见CNVD漏洞周报。"
	if p.gathered { // not CNVD's collection alone: no CNVD report to point to
		lead, all, more = "本周汇总的网络安全漏洞中，", "本周汇总的网络安全漏洞", ""
	}
	rest := ""
	if p.unclassified > 0 {
		rest = fmt.Sprintf("另有%d个漏洞未能按影响对象归类。", p.unclassified)
	}
	switch {
	case len(names) == 0:
		return all + "均未能按影响对象归类。" + more
	case len(names) == 1 && p.allClassified:
		return all + "均为" + names[0] + "。" + more
	case len(names) == 1:
		return lead + names[0] + "占比最高。" + rest + more
	case len(names) == 2:
		return lead + names[0] + "占比最高，其次是" + names[1] + "。" + rest + more
	}
	return lead + names[0] + "占比最高，其次是" + names[1] + "和" + names[2] + "。" + rest + more
}

var zhPartners = map[string]string{
	"telecom": "基础电信运营企业", "cloud": "云服务商", "registrar": "域名注册服务机构", "app_store": "应用商店",
	"branch": "各省分中心", "international": "国际合作组织",
}

func (z zh) incidentsOpened(n int) string {
	return fmt.Sprintf("本周，%s新接报网络安全事件%d起，尚无处理完毕的事件。", z.org, n)
}

func (z zh) incidentsHandled(in incidentsPlan) string {
	p := "本周，" + z.org
	if len(in.partners) > 0 {
		var partners []string
		for _, k := range in.partners {
			partners = append(partners, zhPartners[k])
		}
		p += "协调" + z.list(partners, "以及")
	}
	p += fmt.Sprintf("共处理网络安全事件%d起，含跨境网络安全事件%d起。", in.handled, in.crossBorder)
	if in.phishing > 0 {
		p += fmt.Sprintf("其中，协调境内外域名注册机构、境外CERT等机构重点处理%d起仿冒投诉事件。", in.phishing)
	}
	switch {
	case in.apps && in.appPlatforms > 0:
		p += fmt.Sprintf("协调%d个提供恶意移动应用程序下载服务的平台开展移动互联网恶意代码处理工作，共处理传播移动互联网恶意代码的恶意URL链接%d个。", in.appPlatforms, in.appURLs)
	case in.apps:
		p += fmt.Sprintf("共处理传播移动互联网恶意代码的恶意URL链接%d个。", in.appURLs)
	}
	return p
}

var zhCaptions = map[string]string{
	FigInfected:             "本周境内感染网络病毒主机数量",
	FigSites:                "本周境内网站感染情况分布",
	FigDefacedGov:           "本周我国境内被篡改网站占比",
	FigBackdoorGov:          "本周我国境内被植入后门网站占比",
	FigSeverity:             "本周收录网络安全漏洞情况",
	FigObject:               "本周CNVD收录漏洞按影响对象类型分布",
	FigObject + ".gathered": "本周汇总漏洞按影响对象类型分布",
	FigIncidents:            "本周事件处理情况按事件类型分布",
}

func (zh) caption(id string) string { return zhCaptions[id] }

var zhLabels = map[string]string{
	"trojan": "木马或僵尸程序受控主机", "conficker": "飞客蠕虫感染主机", "defaced": "被篡改网站",
	"backdoored": "被植入后门网站", "phishing": "仿冒页面", "sites": "数量", "gov": "政府网站", "other": "其他网站",
	"high": "高危", "medium": "中危", "low": "低危", "vulns": "漏洞数量", "incidents": "事件数量",
	"unit_hosts": "主机数量（个）", "unit_sites": "数量（个）", "unit_vulns": "漏洞数量（个）", "unit_incidents": "事件数量（起）",
	"card_infected": "境内感染网络病毒主机", "card_defaced": "境内被篡改网站", "card_phishing": "仿冒页面", "card_vulns": "新收录漏洞",
	"card_malware_domains": "放马站点域名", "card_malware_ips": "放马站点IP", "card_defaced_gov": "其中政府网站",
	"card_backdoored": "境内被植入后门网站", "card_backdoored_gov": "其中政府网站", "card_phishing_ips": "仿冒页面IP",
	"card_handled": "处理网络安全事件（起）", "card_cross_border": "跨境事件（起）", "card_phishing_complaints": "仿冒投诉事件（起）",
	"card_app_urls": "恶意移动应用URL", "map_caption": "木马或僵尸程序受控主机在我国大陆的分布",
	"card_rating": "互联网网络安全态势整体评价", "unit_trojan": "受控主机数量（个）",
	"unit_pages": "页面数量（个）", "not_high": "中低危",
}

func (zh) label(k string) string { return zhLabels[k] }

func (zh) object(o string) string { return zhObjects[o] }

var zhTypes = map[string]string{
	"phishing": "网页仿冒", "mobile_malware": "移动互联网恶意代码", "malware": "恶意程序", "defacement": "网页篡改",
	"backdoor": "网站后门", "vulnerability": "安全漏洞", "ddos": "拒绝服务攻击", "other": "其他",
}

func (zh) incidentType(t string) string {
	if n, ok := zhTypes[t]; ok {
		return n
	}
	return t
}

var zhMetrics = map[string]string{
	MetInfected: "境内感染网络病毒的主机数量", MetDefaced: "境内被篡改网站数量", MetBackdoored: "境内被植入后门网站数量",
	MetPhishing: "仿冒页面数量", MetVulns: "新收录漏洞数量", MetIncidents: "处理网络安全事件数量",
	MetMalware: "放马站点数量", MetDDoS: "拒绝服务攻击事件数量",
}

// zhUnit is the measure word of a metric's count: incidents are counted in 起, the rest in 个.
func zhUnit(metric string) string {
	if metric == MetIncidents {
		return "起"
	}
	return "个"
}

func (z zh) move(m moveFact) string {
	u := zhUnit(m.metric)
	if m.thin {
		return fmt.Sprintf("%s%s%s，上周为%s%s。", zhMetrics[m.metric], z.is(m.cur), u, z.count(m.prev), u)
	}
	dir, c := "上升", m.change
	if c < 0 {
		dir, c = "下降", -c
	}
	return fmt.Sprintf("%s%s%s，较上周%s%s%%。", zhMetrics[m.metric], z.is(m.cur), u, dir, c)
}

func (z zh) extreme(metric string, cur int, high bool, weeks int) string {
	which := "最高"
	if !high {
		which = "最低"
	}
	return fmt.Sprintf("%s%s%s，为近%d周%s。", zhMetrics[metric], z.is(cur), zhUnit(metric), weeks, which)
}
