// Package synth generates realistic input data in sitrep's own formats whose weekly
// statistics are known in advance: given the numbers of a week (such as a published
// bulletin's), it writes events, vulnerability records and incidents that produce exactly
// those numbers, plus the noise a correct counter must ignore — repeated sightings, foreign
// hosts, rows without the field a statistic needs, incidents still open or closed later. It
// is the source of the demo, the golden tests and the benchmarks.
package synth

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/week"
)

// Spec is the numbers one week must produce. Zero values generate nothing of that kind.
type Spec struct {
	Week              week.Week
	Seed              uint64
	Trojan, Conficker int
	Malware           Malware
	Defaced           Sites
	Backdoored        Sites
	Phishing          Phishing
	DDoS              int
	Vulns             map[event.Object][3]int // high, medium, low per object
	Incidents         Incidents
	// HostOffset shifts the infected-host address space, so that consecutive weeks share some
	// hosts as real weeks do.
	HostOffset int
	// Provinces, most trojan/botnet hosts first; empty means the package's Provinces.
	Provinces []string
}

// Malware is the week's malware download sites. IPURLs <= IPs; IPs <= IPURLs + Domains.
type Malware struct {
	Domains, IPs, IPURLs                 int
	DomainsAbroad, DomainsCom, IPsAbroad int
}

// Sites is defaced or backdoored domestic sites and the GOV-class ones among them.
type Sites struct{ Total, Gov int }

// Phishing is the week's phishing pages. Domains <= Pages; IPs <= PagesWithIP <= Pages.
type Phishing struct{ Pages, Domains, IPs, PagesWithIP int }

// Incidents is the week's closed incidents. Phishing + max(AppPlatforms, AppURLs) <= Handled.
type Incidents struct {
	Handled, CrossBorder, Phishing, AppPlatforms, AppURLs int
	Provincial, National                                  int
}

// Provinces are drawn with these weights for trojan/botnet hosts, so the top three are
// stable: 广东省, 江苏省, 浙江省.
var Provinces = []string{"广东省", "江苏省", "浙江省", "山东省", "河南省", "四川省", "河北省", "湖北省", "北京市", "上海市"}

var provinceWeights = []int{24, 16, 13, 10, 9, 8, 7, 6, 4, 3}

// EventHeader is the column order of generated events.
var EventHeader = []string{"time", "kind", "ip", "url", "domain", "country", "province", "asn", "registrant_country", "family", "target", "source", "tlp"}

type gen struct {
	spec   Spec
	rnd    *rand.Rand
	monday time.Time
	loc    *time.Location
}

func newGen(s Spec, loc *time.Location) *gen {
	m := s.Week.Monday()
	return &gen{spec: s, rnd: rand.New(rand.NewPCG(s.Seed, uint64(s.Week.Year*100+s.Week.Number))), loc: loc,
		monday: time.Date(m.Year(), m.Month(), m.Day(), 0, 0, 0, 0, loc)}
}

// at returns a time inside the week as "YYYY-MM-DD HH:MM:SS" local time.
func (g *gen) at() string {
	return g.monday.Add(time.Duration(g.rnd.Int64N(int64(7*24*time.Hour/time.Second))) * time.Second).Format(time.DateTime)
}

func ip4(n int) string {
	return fmt.Sprintf("%d.%d.%d.%d", n>>24&255, n>>16&255, n>>8&255, n&255)
}

// Events writes the week's events as sitrep-events CSV rows (no header) through w.
func Events(w *csv.Writer, s Spec, loc *time.Location) error {
	g := newGen(s, loc)
	row := func(kind, ip, url, domain, country, province, asn, rc, family, target string) error {
		return w.Write([]string{g.at(), kind, ip, url, domain, country, province, asn, rc, family, target, "synth", "CLEAR"})
	}
	families := []string{"mirai", "gafgyt", "zeus", "ramnit", "xorddos", "necurs"}
	provs := Provinces
	if len(s.Provinces) > 0 {
		provs = s.Provinces[:min(len(s.Provinces), len(provinceWeights))]
	}
	// Infected hosts: one address range per family group, a fifth seen twice, plus hosts abroad.
	for i := 0; i < s.Trojan+s.Conficker; i++ {
		conf := i >= s.Trojan
		base, k := 36<<24, s.HostOffset+i
		fam := families[i%len(families)]
		prov := pick(g.rnd, provs, provinceWeights[:len(provs)])
		if conf {
			base, k, fam, prov = 58<<24, s.HostOffset+i-s.Trojan, "Conficker", provs[g.rnd.IntN(len(provs))]
		}
		a := ip4(base + k)
		for seen := 0; seen < 1+btoi(i%5 == 0); seen++ {
			if err := row("infected_host", a, "", "", "CN", prov, "4134", "", fam, ""); err != nil {
				return err
			}
		}
	}
	for i := 0; i < (s.Trojan+s.Conficker)/50; i++ {
		if err := row("infected_host", ip4(45<<24+i), "", "", "US", "", "7922", "", "mirai", ""); err != nil {
			return err
		}
	}
	if err := g.malware(row); err != nil {
		return err
	}
	for _, site := range []struct {
		kind string
		s    Sites
		tag  string
	}{{"defacement", s.Defaced, "d"}, {"backdoor", s.Backdoored, "b"}} {
		for k := 0; k < site.s.Total; k++ {
			host := fmt.Sprintf("www.%s%d.com.cn", site.tag, k)
			if k < site.s.Gov {
				host = fmt.Sprintf("www.%s%d.gov.cn", site.tag, k)
			}
			for seen := 0; seen < 1+btoi(k%4 == 0); seen++ {
				if err := row(site.kind, ip4(61<<24+k), "http://"+host+"/index.html", "", "CN", "", "", "", "", ""); err != nil {
					return err
				}
			}
		}
		for k := 0; k < 3; k++ { // abroad: not domestic sites
			if err := row(site.kind, ip4(104<<24+k), fmt.Sprintf("http://www.%sx%d.gov/", site.tag, k), "", "US", "", "", "", "", ""); err != nil {
				return err
			}
		}
	}
	p := s.Phishing
	for k := 0; k < p.Pages; k++ {
		d := fmt.Sprintf("secure-bank%d.top", k%max(p.Domains, 1))
		a, cc := "", ""
		if k < p.PagesWithIP {
			a, cc = ip4(119<<24+k%max(p.IPs, 1)), "US"
		}
		if err := row("phishing", a, fmt.Sprintf("https://%s/login/%d", d, k), "", cc, "", "", "", "", "中国工商银行"); err != nil {
			return err
		}
	}
	for k := 0; k < s.DDoS; k++ {
		if err := row("ddos", ip4(121<<24+k%97), "", "", "CN", "", "", "", "mirai", ""); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) malware(row func(kind, ip, url, domain, country, province, asn, rc, family, target string) error) error {
	m := g.spec.Malware
	if m.IPs == 0 && m.Domains == 0 {
		return nil
	}
	ip := func(k int) (string, string) {
		if k < m.IPsAbroad {
			return ip4(91<<24 + k), "RU"
		}
		return ip4(110<<24 + k), "CN"
	}
	for k := 0; k < m.IPURLs; k++ {
		a, cc := ip(k)
		if err := row("malware_site", a, fmt.Sprintf("http://%s:8080/bins/x%d", a, k), "", cc, "", "", "", "mirai", ""); err != nil {
			return err
		}
	}
	// Domain k is under .com for the first DomainsCom; a scattered DomainsAbroad of them are
	// registered abroad.
	domain := func(k int) (name, registrant string) {
		tld := "com"
		if k >= m.DomainsCom {
			tld = []string{"net", "cn", "top", "xyz"}[k%4]
		}
		registrant = "CN"
		if (k*7919)%m.Domains < m.DomainsAbroad {
			registrant = "US"
		}
		return fmt.Sprintf("dl%d-soft.%s", k, tld), registrant
	}
	next := m.IPURLs
	for k := 0; k < m.Domains; k++ {
		d, rc := domain(k)
		a, cc := ip(next % max(m.IPs, 1))
		next++
		if err := row("malware_site", a, fmt.Sprintf("http://%s/p/%d.apk", d, k), "", cc, "", "", rc, "", ""); err != nil {
			return err
		}
	}
	for ; next < m.IPs && m.Domains > 0; next++ { // remaining addresses: a second address of some domains
		d, rc := domain(next % m.Domains)
		a, cc := ip(next)
		if err := row("malware_site", a, "http://"+d+"/q.exe", "", cc, "", "", rc, "", ""); err != nil {
			return err
		}
	}
	return nil
}

// VulnHeader is the column order of generated vulnerability records.
var VulnHeader = []string{"id", "published", "title", "severity", "object", "cve"}

// Vulns writes the week's vulnerability records as sitrep-vulns CSV rows (no header).
func Vulns(w *csv.Writer, s Spec, loc *time.Location) error {
	g := newGen(s, loc)
	n := 0
	for _, o := range event.Objects {
		counts := s.Vulns[o]
		for si, sev := range event.Severities {
			for i := 0; i < counts[si]; i++ {
				n++
				id := fmt.Sprintf("CNVD-%d-%02d%04d", s.Week.Year, s.Week.Number, n)
				if err := w.Write([]string{id, g.at(), fmt.Sprintf("%s %s flaw %d", o, sev, n), string(sev), string(o), ""}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// IncidentHeader is the column order of generated incidents.
var IncidentHeader = []string{"id", "opened", "closed", "type", "source", "partner", "partner_kind", "cross_border", "impact", "url", "platform"}

// WriteIncidents writes the week's incidents as sitrep-incidents CSV rows (no header): those closed
// in the week, and some opened in it that are still open.
func WriteIncidents(w *csv.Writer, s Spec, loc *time.Location) error {
	g := newGen(s, loc)
	in := s.Incidents
	mobile := max(in.AppPlatforms, in.AppURLs)
	others := []string{"malware", "defacement", "backdoor", "vulnerability", "ddos", "other"}
	sources := []string{"境内用户报告", "境外机构报告", "自主监测发现"}
	tag := s.Week.String()
	for k := 0; k < in.Handled; k++ {
		typ, kind, url, plat := others[k%len(others)], "cloud", "", ""
		switch {
		case k < in.Phishing:
			typ, kind, url = "phishing", "registrar", fmt.Sprintf("https://fake%d-%s.top/", k, tag)
		case k < in.Phishing+mobile:
			j := k - in.Phishing
			typ, kind = "mobile_malware", "app_store"
			url = fmt.Sprintf("http://apps.example.cn/%s/m%d.apk", tag, min(j, in.AppURLs-1))
			plat = fmt.Sprintf("应用商店%d", min(j, in.AppPlatforms-1))
		case typ == "other":
			kind = "branch"
		}
		impact := "none"
		if k < in.National {
			impact = "national"
		} else if k < in.National+in.Provincial {
			impact = "provincial"
		}
		closed := g.at()
		opened := g.monday.Add(-time.Duration(1+g.rnd.IntN(72)) * time.Hour).Format(time.DateTime)
		if err := w.Write([]string{fmt.Sprintf("INC-%s-%04d", tag, k), opened, closed, typ, sources[k%len(sources)],
			fmt.Sprintf("partner%d", k%9), kind, strconv.FormatBool(k < in.CrossBorder), impact, url, plat}); err != nil {
			return err
		}
	}
	for k := 0; k < 5; k++ { // still open: not handled yet
		if err := w.Write([]string{fmt.Sprintf("OPEN-%s-%d", tag, k), g.at(), "", "phishing", sources[0], "p", "registrar", "true", "none", "", ""}); err != nil {
			return err
		}
	}
	return nil
}

// Write writes the three files of a spec's week into events, vulns and incidents, each with
// its header.
func Write(events, vulns, incidents io.Writer, specs []Spec, loc *time.Location) error {
	for _, f := range []struct {
		w      io.Writer
		header []string
		write  func(*csv.Writer, Spec, *time.Location) error
	}{{events, EventHeader, Events}, {vulns, VulnHeader, Vulns}, {incidents, IncidentHeader, WriteIncidents}} {
		if f.w == nil {
			continue
		}
		cw := csv.NewWriter(f.w)
		if err := cw.Write(f.header); err != nil {
			return err
		}
		for _, s := range specs {
			if err := f.write(cw, s, loc); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
	}
	return nil
}

func pick(r *rand.Rand, names []string, weights []int) string {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return names[i]
		}
		n -= w
	}
	return names[len(names)-1]
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
