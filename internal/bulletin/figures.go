package bulletin

import (
	"sort"

	"sitrep/internal/event"
	"sitrep/internal/stats"
	"sitrep/internal/week"
)

// Figure is a chart's data: what it plots, not how it looks. Values line up with Labels.
type Figure struct {
	Number  int      `json:"number"`
	ID      string   `json:"id"`
	Caption string   `json:"caption"`
	Kind    string   `json:"kind"`           // "stacked" bars, "bars", "hbars" (lying, for rankings) or "pie"
	Unit    string   `json:"unit,omitempty"` // what the counts count, for the axis
	Card    *Card    `json:"card,omitempty"` // an infographic's content (kind "card")
	Labels  []string `json:"labels"`
	Series  []Series `json:"series"`
}

// Series is one named row of values.
type Series struct {
	Name   string `json:"name"`
	Values []int  `json:"values"`
}

// Figure IDs, in the order they are numbered.
const (
	FigInfected    = "infected-hosts"
	FigSites       = "website-incidents"
	FigDefacedGov  = "defaced-gov-share"
	FigBackdoorGov = "backdoored-gov-share"
	FigSeverity    = "vulnerabilities-by-severity"
	FigObject      = "vulnerabilities-by-object"
	FigIncidents   = "incidents-by-type"
)

func figures(s *stats.Week, history []WeekCount, t phrasebook) []Figure {
	var weeks []string
	var trojan, conficker []int
	for _, h := range history {
		label := h.Week
		if w, err := week.Parse(h.Week); err == nil {
			label = t.weekLabel(w)
		}
		weeks = append(weeks, label)
		trojan = append(trojan, h.TrojanBotnet)
		conficker = append(conficker, h.Conficker)
	}
	v := s.Vulnerabilities
	objects := objectOrder(v.ByObject)
	var objLabels []string
	var objValues []int
	for _, o := range objects {
		objLabels = append(objLabels, t.object(o))
		objValues = append(objValues, v.ByObject[o])
	}
	types := sortedKeys(s.Incidents.ByType)
	var typeLabels []string
	var typeValues []int
	for _, k := range types {
		typeLabels = append(typeLabels, t.incidentType(k))
		typeValues = append(typeValues, s.Incidents.ByType[k])
	}
	figs := []Figure{
		{ID: FigInfected, Kind: "stacked", Unit: t.label("unit_hosts"), Labels: weeks, Series: []Series{
			{Name: t.label("trojan"), Values: trojan}, {Name: t.label("conficker"), Values: conficker}}},
		{ID: FigSites, Kind: "bars", Unit: t.label("unit_sites"), Labels: []string{t.label("defaced"), t.label("backdoored"), t.label("phishing")},
			Series: []Series{{Name: t.label("sites"), Values: []int{s.Defaced.Total, s.Backdoored.Total, s.Phishing.Pages}}}},
		govPie(FigDefacedGov, s.Defaced, t),
		govPie(FigBackdoorGov, s.Backdoored, t),
		{ID: FigSeverity, Kind: "bars", Unit: t.label("unit_vulns"), Labels: []string{t.label("high"), t.label("medium"), t.label("low")},
			Series: []Series{{Name: t.label("vulns"), Values: []int{v.High, v.Medium, v.Low}}}},
		{ID: FigObject, Kind: "pie", Labels: objLabels, Series: []Series{{Name: t.label("vulns"), Values: objValues}}},
		{ID: FigIncidents, Kind: "hbars", Unit: t.label("unit_incidents"), Labels: typeLabels, Series: []Series{{Name: t.label("incidents"), Values: typeValues}}},
	}
	for i := range figs {
		figs[i].Number = i + 1
		figs[i].Caption = t.caption(figs[i].ID)
		if c := t.caption(figs[i].ID + ".gathered"); c != "" && v.NotCNVD > 0 {
			figs[i].Caption = c // not CNVD's collection alone
		}
	}
	return figs
}

func govPie(id string, s stats.Sites, t phrasebook) Figure {
	return Figure{ID: id, Kind: "pie", Labels: []string{t.label("gov"), t.label("other")},
		Series: []Series{{Name: t.label("sites"), Values: []int{s.Gov, s.Total - s.Gov}}}}
}

// objectOrder ranks affected-object classes most first; ties keep the classes' own order.
func objectOrder(m map[string]int) []string {
	var out []string
	for _, o := range event.Objects {
		if m[string(o)] > 0 {
			out = append(out, string(o))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return m[out[i]] > m[out[j]] })
	return out
}

// sortedKeys orders a count map most first, then by key.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// figureNumber returns the number of the figure with id.
func figureNumber(figs []Figure, id string) int {
	for _, f := range figs {
		if f.ID == id {
			return f.Number
		}
	}
	return 0
}
