package bulletin

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"sort"

	"sitrep/internal/assess"

	"sitrep/internal/stats"
	"sitrep/internal/store"
)

// voice is what both languages' wording is configured with: the CERT that speaks, the
// policy that bounds the changes worth printing as percentages, and the English names of
// organisations.
type voice struct {
	org   string
	pol   *assess.Policy // nil: the shipped policy
	names Names          // nil: the shipped table
	// blacklist is who publishes the CERT's blacklist of malicious addresses; empty: none.
	blacklist string
}

// plausible tells whether a week-over-week change is one to print as a percentage; beyond
// the policy's bound (changes.max_change_pct) a sentence gives both weeks' numbers instead.
func (v voice) plausible(c *stats.Tenths) bool {
	return c == nil || v.policy().PlausibleChange(int64(*c))
}

func (v voice) policy() *assess.Policy {
	if v.pol == nil {
		return assess.Default()
	}
	return v.pol
}

// orgName is an organisation's English name (names.go).
func (v voice) orgName(name string) string {
	n, _ := v.nameTable().english(name)
	return n
}

func (v voice) nameTable() Names {
	if v.names == nil {
		return ShippedNames()
	}
	return v.names
}

// book returns the phrasebook of a language.
func book(lang string, v voice) (phrasebook, error) {
	switch lang {
	case "zh":
		return zh{v}, nil
	case "en":
		return en{v}, nil
	}
	return nil, fmt.Errorf("language %q: sitrep writes zh and en", lang)
}

// Words are the fixed words a rendering of an issue needs in its language: headings of its
// parts, the form of a figure's number, the banner of an internal edition, and the labels of
// a page's navigation.
type Words struct {
	Highlights string `json:"highlights"`
	Recent     string `json:"recent"`
	Figure     string `json:"figure"` // a format of the figure's number: "图%d", "Figure %d."
	Internal   string `json:"-"`      // a format of the TLP label: the Bulletin's Banner
	Archive    string `json:"archive"`
	Previous   string `json:"previous"`
	Next       string `json:"next"`
	Language   string `json:"language"` // the name of the other language, in that language
	Downloads  string `json:"downloads"`
}

// WordsIn returns the fixed words of a language ("zh" or "en"; anything else is Chinese).
func WordsIn(lang string) Words {
	t, err := book(lang, voice{})
	if err != nil {
		t = zh{}
	}
	return t.words()
}

// FigureLabel is the number of figure n as the issue prints it.
func (w Words) FigureLabel(n int) string { return fmt.Sprintf(w.Figure, n) }

// InternalBanner is the first line of an internal edition labelled tlp.
func (w Words) InternalBanner(tlp string) string { return fmt.Sprintf(w.Internal, tlp) }

// Num writes a count as the tables and charts print it in its language: with
// thousands separators in English.
func (b *Bulletin) Num(n int) string {
	if b.Lang == "en" || b.Edition != "" { // the monthly form writes 5,279 in Chinese too
		return Thousands(n)
	}
	return fmt.Sprint(n)
}

// Section IDs, in order.
const (
	SecOverview  = "overview"
	SecMalware   = "malware"
	SecWebsites  = "websites"
	SecVulns     = "vulnerabilities"
	SecIncidents = "incidents"
	SecClosing   = "closing" // the CERT's own closing note, where it has one
)

// Closing is a closing note: a heading and paragraphs of plain text.
type Closing struct {
	Heading    string
	Paragraphs []string
}

// joinLines joins the lines of a paragraph: with a space between words of a script that
// spaces them, without one after Chinese.
func joinLines(p string) string {
	var b strings.Builder
	for _, line := range strings.Split(p, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if s := b.String(); s != "" {
			if r, _ := utf8.DecodeLastRuneInString(s); r < utf8.RuneSelf {
				b.WriteByte(' ')
			}
		}
		b.WriteString(line)
	}
	return b.String()
}

// ParseClosing reads a closing note from text: its first line is the heading, and blank lines
// part the paragraphs that follow; a note without paragraphs is refused.
func ParseClosing(text string) (*Closing, error) {
	text = strings.ReplaceAll(strings.TrimSpace(text), "\r\n", "\n")
	heading, body, _ := strings.Cut(text, "\n")
	c := &Closing{Heading: strings.TrimSpace(heading)}
	for _, p := range strings.Split(body, "\n\n") {
		if p = joinLines(p); p != "" {
			c.Paragraphs = append(c.Paragraphs, p)
		}
	}
	if c.Heading == "" || len(c.Paragraphs) == 0 {
		return nil, errors.New("a closing note is a heading on its first line, then its paragraphs")
	}
	return c, nil
}

// Headline metrics named in highlights.
const (
	MetInfected   = "infected_hosts.total"
	MetDefaced    = "defaced.total"
	MetBackdoored = "backdoored.total"
	MetPhishing   = "phishing.pages"
	MetVulns      = "vulnerabilities.total"
	MetIncidents  = "incidents.handled"
	MetMalware    = "malware_sites.domains"
	MetDDoS       = "ddos.events"
)

// roundTenThousands returns n in tenths of 10,000, rounded half up: 184,000 is 184 (18.4万).
func roundTenThousands(n int) stats.Tenths {
	return stats.Tenths((int64(n)*2 + 1000) / 2000)
}

// threats lists the week's main sources of threat that have data, the most unusual first by
// the rating's scores (how far each metric stands above its baseline); ties keep the order
// software with high-severity flaws, malware, attacks on websites, phishing, denial of service.
func threats(s *stats.Week) []string {
	type threat struct {
		name    string
		present bool
		metrics []string
	}
	all := []threat{
		{"vulns", s.Vulnerabilities.High > 0, []string{"vulnerabilities.high"}},
		{"malware", s.InfectedHosts.Total > 0 || s.MalwareSites.Domains+s.MalwareSites.IPs > 0, []string{"infected_hosts.total", "malware_sites.domains"}},
		{"websites", s.Defaced.Total+s.Backdoored.Total > 0, []string{"defaced.total", "backdoored.total"}},
		{"phishing", s.Phishing.Pages > 0, []string{"phishing.pages"}},
		{"ddos", s.DDoS.Events > 0, []string{"ddos.events"}},
	}
	score := func(t threat) float64 {
		best := math.Inf(-1)
		for _, m := range t.metrics {
			if v, ok := s.Rating.Scores[m]; ok {
				best = max(best, v)
			}
		}
		return best
	}
	var present []threat
	for _, t := range all {
		if t.present {
			present = append(present, t)
		}
	}
	sort.SliceStable(present, func(i, j int) bool { return score(present[i]) > score(present[j]) })
	var out []string
	for _, t := range present {
		out = append(out, t.name)
	}
	return out
}

// movements sorts the week's counts by how they moved against last week — rose, fell or
// stayed the same — in the bulletin's order. A count that was zero last week and is not now
// rose; a count that was zero both weeks says nothing and is left out. Every summary sentence
// is made from these, so it speaks only of what moved the way it says.
type movements struct{ up, down, flat []string }

// n is how many counts moved or stayed.
func (m movements) n() int { return len(m.up) + len(m.down) + len(m.flat) }

// movePlan is what a summary sentence says, in any language: every count moved one way (all:
// "up", "down" or "flat", of two counts or more), or the groups one by one, the fallen ones
// as "every other count" where that is what they are (othersFell).
type movePlan struct {
	all            string
	up, down, flat []string
	othersFell     bool
}

// planMoves decides the summary sentence; false when there is nothing to say.
func planMoves(s *stats.Week) (movePlan, bool) {
	m := moves(s)
	n := m.n()
	p := movePlan{up: m.up, down: m.down, flat: m.flat}
	switch {
	case n == 0:
		return p, false
	case n > 1 && len(m.up) == n:
		p.all = "up"
	case n > 1 && len(m.down) == n:
		p.all = "down"
	case n > 1 && len(m.flat) == n:
		p.all = "flat"
	default:
		p.othersFell = len(m.down) > 1 && len(m.up) > 0 && len(m.flat) == 0
	}
	return p, true
}

func moves(s *stats.Week) movements {
	var m movements
	for _, c := range []struct {
		name      string
		cur, prev int
	}{
		{MetInfected, s.InfectedHosts.Total, s.InfectedHosts.PrevTotal},
		{MetMalware, s.MalwareSites.Domains, s.MalwareSites.PrevDomains},
		{MetDefaced, s.Defaced.Total, s.Defaced.PrevTotal},
		{MetBackdoored, s.Backdoored.Total, s.Backdoored.PrevTotal},
		{MetPhishing, s.Phishing.Pages, s.Phishing.PrevPages},
		{MetDDoS, s.DDoS.Events, s.DDoS.PrevEvents},
		{MetVulns, s.Vulnerabilities.Total, s.Vulnerabilities.PrevTotal},
	} {
		switch {
		case c.cur == 0 && c.prev == 0:
		case c.cur > c.prev:
			m.up = append(m.up, c.name)
		case c.cur < c.prev:
			m.down = append(m.down, c.name)
		default:
			m.flat = append(m.flat, c.name)
		}
	}
	return m
}

// partnerKinds lists the kinds of partner the week's closed incidents were handled with, in
// the bulletin's order.
func partnerKinds(s *stats.Week) []string {
	var out []string
	for _, k := range []string{"telecom", "cloud", "registrar", "app_store", "branch", "international"} {
		if s.Incidents.ByPartnerKind[k] > 0 {
			out = append(out, k)
		}
	}
	return out
}

// impactful counts the week's incidents of provincial or national impact.
func impactful(s *stats.Week) int {
	return s.Incidents.ByImpact["provincial"] + s.Incidents.ByImpact["national"]
}

// topNames returns the names of the first n entries.
func topNames(ncs []store.NameCount, n int) []string {
	var out []string
	for i, nc := range ncs {
		if i == n {
			break
		}
		out = append(out, nc.Name)
	}
	return out
}

// ObjectName returns the name of an affected-object class in a language ("zh" or "en").
func ObjectName(lang, object string) string {
	names := zhObjects
	if lang == "en" {
		names = enObjects
	}
	if n, ok := names[object]; ok {
		return n
	}
	return object
}

// empty reports whether nothing at all was recorded for the week.
func empty(s *stats.Week) bool { return s.Rating.NoData }

// firstN returns at most n names and whether there were more.
func firstN(names []string, n int) ([]string, bool) {
	if len(names) <= n {
		return names, false
	}
	return names[:n], true
}
