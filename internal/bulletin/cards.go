package bulletin

import (
	"sitrep/internal/stats"
	"sitrep/internal/store"
)

// The infographic style is the form of the issues since 2021, as the seed's 2024 No. 9 was
// published: the situation in words, then five cards of key numbers — each count with an
// arrow and its change on last week — in place of sections 2 to 4, then the incidents handled
// in words. The cards are figures (kind "card"), drawn as SVG for the page and as PNG for
// pasting into an article editor.

// Styles of an issue.
const (
	StyleCharts      = "charts"      // the 2016–2020 form: every section in words, seven charts
	StyleInfographic = "infographic" // the 2021– form: five cards of key numbers
)

// Card is what an infographic figure shows: a lead word (the rating), tiles of key numbers,
// short notes, and a map.
type Card struct {
	Lead      string   `json:"lead,omitempty"`
	LeadLabel string   `json:"lead_label,omitempty"`
	Tiles     []Tile   `json:"tiles"`
	Notes     []string `json:"notes,omitempty"`
	Map       *Figure  `json:"map,omitempty"`
}

// Tile is one key number: its label, the number as printed, and how it moved on last week
// (Trend 1 rose, -1 fell, 0 flat or not compared).
type Tile struct {
	Label  string `json:"label"`
	Value  string `json:"value"`
	Change string `json:"change,omitempty"`
	Trend  int    `json:"trend"`
}

// Card IDs, in order.
const (
	CardOverview  = "card-overview"
	CardMalware   = "card-malware"
	CardWebsites  = "card-websites"
	CardVulns     = "card-vulnerabilities"
	CardIncidents = "card-incidents"
)

// tile makes a tile of a count and how it moved from prev (no change shown where compare is
// false).
func tile(t phrasebook, v voice, label string, cur, prev int, compare bool) Tile {
	tl := Tile{Label: label, Value: t.tileNumber(cur)}
	if !compare || cur == 0 && prev == 0 {
		return tl
	}
	d := newDelta(cur, prev, v)
	switch d.way() {
	case wayUp:
		tl.Trend = 1
	case wayDown:
		tl.Trend = -1
	}
	tl.Change = t.tileChange(d)
	return tl
}

// cards composes the five cards of the infographic style from the plan and the statistics.
func cards(s *stats.Week, history []WeekCount, p plan, t phrasebook, v voice) []Figure {
	h, m, d, b, ph, vu, in := s.InfectedHosts, s.MalwareSites, s.Defaced, s.Backdoored, s.Phishing, s.Vulnerabilities, s.Incidents
	card := func(id, section string, c Card, noData bool) Figure {
		if noData {
			c = Card{Notes: []string{t.noData(section)}}
		}
		return Figure{ID: id, Kind: "card", Caption: t.heading(section), Card: &c}
	}

	// The overview's tiles are the headline counts of the sections that have data: a count
	// of nothing received is not a zero.
	o := Card{Lead: t.level(p.overview.level), LeadLabel: t.label("card_rating")}
	if p.malware.hosts != nil {
		o.Tiles = append(o.Tiles, tile(t, v, t.label("card_infected"), h.Total, h.PrevTotal, true))
	}
	if !p.websites.noData {
		o.Tiles = append(o.Tiles, tile(t, v, t.label("card_defaced"), d.Total, d.PrevTotal, true),
			tile(t, v, t.label("card_phishing"), ph.Pages, ph.PrevPages, true))
	}
	if !p.vulns.noData {
		o.Tiles = append(o.Tiles, tile(t, v, t.label("card_vulns"), vu.Total, vu.PrevTotal, true))
	}
	if len(p.overview.threats) > 0 {
		o.Notes = append(o.Notes, t.threatsNote(p.overview.threats))
	}
	o.Notes = append(o.Notes, highlights(s, history, t, v)...)

	mw := Card{Tiles: []Tile{
		tile(t, v, t.label("card_infected"), h.Total, h.PrevTotal, true),
		tile(t, v, t.label("trojan"), h.TrojanBotnet, 0, false),
		tile(t, v, t.label("conficker"), h.Conficker, 0, false),
		tile(t, v, t.label("card_malware_domains"), m.Domains, m.PrevDomains, true),
		tile(t, v, t.label("card_malware_ips"), m.IPs, 0, false),
	}}
	if len(p.malware.provinces) > 0 {
		mw.Notes = append(mw.Notes, t.provinces(p.malware.provinces))
	}
	if n := p.malware.newMalware; n != nil {
		mw.Notes = append(mw.Notes, t.newMalware(*n))
	}
	if len(h.Provinces) > 0 {
		mw.Map = provinceMap(h.Provinces, t)
		mw.Notes = append(mw.Notes, mw.Map.Caption)
	}

	ws := Card{Tiles: []Tile{
		tile(t, v, t.label("card_defaced"), d.Total, d.PrevTotal, true),
		tile(t, v, t.label("card_defaced_gov"), d.Gov, d.PrevGov, d.Total > 0),
		tile(t, v, t.label("card_backdoored"), b.Total, b.PrevTotal, true),
		tile(t, v, t.label("card_backdoored_gov"), b.Gov, b.PrevGov, b.Total > 0),
		tile(t, v, t.label("card_phishing"), ph.Pages, ph.PrevPages, true),
		tile(t, v, t.label("card_phishing_ips"), ph.IPs, 0, false),
	}}
	if len(p.websites.targets) > 0 {
		ws.Notes = append(ws.Notes, t.targets(p.websites.targets))
	}

	vc := Card{Tiles: []Tile{
		tile(t, v, t.label("card_vulns"), vu.Total, vu.PrevTotal, true),
		tile(t, v, t.label("high"), vu.High, 0, false),
		tile(t, v, t.label("medium"), vu.Medium, 0, false),
		tile(t, v, t.label("low"), vu.Low, 0, false),
	}}
	if !p.vulns.noData {
		vc.Notes = append(vc.Notes, t.vulnLevelNote(vu.Level))
		if len(p.vulns.objects) > 0 || p.vulns.unclassified > 0 {
			vc.Notes = append(vc.Notes, t.vulnObjects(p.vulns))
		}
	}

	prevHandled, compare := 0, false
	if n := len(history); n > 1 {
		prevHandled, compare = history[n-2].Incidents, true
	}
	ic := Card{Tiles: []Tile{
		tile(t, v, t.label("card_handled"), in.Handled, prevHandled, compare),
		tile(t, v, t.label("card_cross_border"), in.CrossBorder, 0, false),
		tile(t, v, t.label("card_phishing_complaints"), in.Phishing, 0, false),
		tile(t, v, t.label("card_app_urls"), in.AppURLs, 0, false),
	}}

	figs := []Figure{
		card(CardOverview, SecOverview, o, p.overview.noData),
		card(CardMalware, SecMalware, mw, p.malware.noData),
		card(CardWebsites, SecWebsites, ws, p.websites.noData),
		card(CardVulns, SecVulns, vc, p.vulns.noData),
		card(CardIncidents, SecIncidents, ic, p.incidents.noData),
	}
	for i := range figs {
		figs[i].Number = i + 1
	}
	return figs
}

// provinceMap is the map of the provinces' trojan/botnet hosts.
func provinceMap(provinces []store.NameCount, t phrasebook) *Figure {
	f := &Figure{ID: "province-map", Kind: "map", Unit: t.label("unit_trojan"), Caption: t.label("map_caption")}
	s := Series{Name: t.label("trojan")}
	for _, p := range provinces {
		f.Labels = append(f.Labels, p.Name)
		s.Values = append(s.Values, p.Count)
	}
	f.Series = []Series{s}
	return f
}
