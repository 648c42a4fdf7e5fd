package bulletin

import (
	"sort"

	"sitrep/internal/stats"
	"sitrep/internal/store"
)

// Highlight rules: a move is worth naming from MinMove percent; an extreme needs at least
// MinWeeks weeks with data behind it; at most MaxMoves moves are named.
const (
	MinMove  = 10
	MinWeeks = 4
	MaxMoves = 3
)

type metric struct {
	name      string
	cur, prev int
	series    func(h store.Headline) int
}

// highlights names the metrics at a high or low over the history window, then the largest
// week-over-week moves among the rest. Everything comes from the numbers; nothing is
// said when nothing stands out.
func highlights(s *stats.Week, history []WeekCount, t phrasebook, v voice) []string {
	metrics := []metric{
		{MetInfected, s.InfectedHosts.Total, s.InfectedHosts.PrevTotal, func(h store.Headline) int { return h.TrojanBotnet + h.Conficker }},
		{MetDefaced, s.Defaced.Total, s.Defaced.PrevTotal, func(h store.Headline) int { return h.Defaced }},
		{MetBackdoored, s.Backdoored.Total, s.Backdoored.PrevTotal, func(h store.Headline) int { return h.Backdoored }},
		{MetPhishing, s.Phishing.Pages, s.Phishing.PrevPages, func(h store.Headline) int { return h.PhishingPages }},
		{MetVulns, s.Vulnerabilities.Total, s.Vulnerabilities.PrevTotal, func(h store.Headline) int { return h.Vulns }},
	}
	if n := len(history); n > 1 {
		metrics = append(metrics, metric{MetIncidents, s.Incidents.Handled, history[n-2].Incidents, func(h store.Headline) int { return h.Incidents }})
	}
	var out []string
	named := map[string]bool{}
	for _, m := range metrics {
		if high, weeks, ok := extreme(m, history); ok {
			out = append(out, t.extreme(m.name, m.cur, high, weeks))
			named[m.name] = true
		}
	}
	type move struct {
		m metric
		c stats.Tenths
	}
	var moves []move
	for _, m := range metrics {
		c := stats.Change(m.cur, m.prev)
		if named[m.name] || c == nil || *c < MinMove*10 && *c > -MinMove*10 {
			continue
		}
		moves = append(moves, move{m, *c})
	}
	sort.SliceStable(moves, func(i, j int) bool { return abs(moves[i].c) > abs(moves[j].c) })
	for i, mv := range moves {
		if i == MaxMoves {
			break
		}
		c := mv.c
		out = append(out, t.move(moveFact{metric: mv.m.name, cur: mv.m.cur, prev: mv.m.prev, change: c, thin: !v.plausible(&c)}))
	}
	return out
}

// extreme tells whether the last value of the history is above (high) or below all the
// earlier weeks that have data, counting from the first week with data.
func extreme(m metric, history []WeekCount) (high bool, weeks int, ok bool) {
	first := -1
	for i, h := range history {
		if m.series(h.Headline) > 0 {
			first = i
			break
		}
	}
	n := len(history)
	if first < 0 || n-first < MinWeeks {
		return false, 0, false
	}
	lo, hi := m.series(history[first].Headline), m.series(history[first].Headline)
	for _, h := range history[first : n-1] {
		v := m.series(h.Headline)
		lo, hi = min(lo, v), max(hi, v)
	}
	cur := m.series(history[n-1].Headline)
	switch {
	case cur > hi:
		return true, n - first, true
	case cur < lo:
		return false, n - first, true
	}
	return false, 0, false
}

func abs(t stats.Tenths) stats.Tenths {
	if t < 0 {
		return -t
	}
	return t
}
