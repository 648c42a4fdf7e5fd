package storetest

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// testScope stores, for each TLP label, an infected host with a province and a family, a
// phishing page with a target, a high vulnerability and a closed incident with a source, and
// checks what each scope lets the counts draw on: numbers only from its Count labels, names
// (and the counts beside them) only from its Names labels.
func testScope(t testing.TB, st store.Store) {
	in := input(t, st, "scope")
	provinces := map[event.TLP]string{event.Clear: "广东省", event.Green: "江苏省", event.Amber: "浙江省", event.AmberStrict: "四川省", event.Red: "西藏自治区"}
	b := store.Batch{Input: in.ID, No: 0}
	// An earlier TLP:CLEAR host, so that the week's families can be new.
	b.Events = append(b.Events, event.Event{Time: from.Add(-24 * time.Hour), Kind: event.InfectedHost, IP: "36.0.0.250", Country: "CN", Province: "广东省", Family: "old", TLP: event.Clear})
	for i, l := range event.TLPOrder {
		ip := "36.0.0." + string(rune('1'+i))
		closed := mid
		b.Events = append(b.Events,
			event.Event{Time: mid, Kind: event.InfectedHost, IP: ip, Country: "CN", Province: provinces[l], Family: "fam-" + strings.ToLower(string(l)), TLP: l},
			event.Event{Time: mid, Kind: event.Phishing, IP: ip, URL: "https://p" + ip + ".top/", Domain: "p.top", Target: "target-" + string(l), TLP: l})
		b.Vulns = append(b.Vulns, event.Vuln{ID: "CNVD-" + string(l), Published: mid, Severity: event.High, Object: event.OS, TLP: l, Line: i + 1})
		b.Incidents = append(b.Incidents, event.Incident{ID: "INC-" + string(l), Opened: from, Closed: &closed, Type: event.PhishingIncident,
			Source: "source-" + string(l), Impact: "none", TLP: l, Line: i + 1})
	}
	b.Read = len(b.Events) + len(b.Vulns) + len(b.Incidents)
	commit(t, st, b)

	tests := []struct {
		name         string
		scope        store.Scope
		count, names int // how many labels count, and how many may name
	}{
		{"public", store.PublicScope, 3, 1},
		{"clear only", store.Scope{Count: event.Clear.AtMost(), Names: event.Clear.AtMost()}, 1, 1},
		{"counts without names", store.Scope{Count: event.Green.AtMost()}, 2, 0},
		{"all records", store.AllRecords, 5, 5},
	}
	for _, tc := range tests {
		c, err := st.EventCounts(ctx, week, tc.scope, 10)
		if err != nil {
			t.Fatalf("%s: EventCounts: %v", tc.name, err)
		}
		if c.TrojanBotnet != tc.count || c.PhishingPages != tc.count {
			t.Errorf("%s: %d hosts and %d pages, want %d of each", tc.name, c.TrojanBotnet, c.PhishingPages, tc.count)
		}
		var wantProvinces, wantTargets []store.NameCount
		var wantFamilies []string
		for _, l := range event.TLPOrder[:tc.names] {
			wantProvinces = append(wantProvinces, store.NameCount{Name: provinces[l], Count: 1})
			wantTargets = append(wantTargets, store.NameCount{Name: "target-" + string(l), Count: 1})
			wantFamilies = append(wantFamilies, "fam-"+strings.ToLower(string(l)))
		}
		sortNames := func(ns []store.NameCount) {
			slices.SortFunc(ns, func(a, b store.NameCount) int { return strings.Compare(a.Name, b.Name) })
		}
		sortNames(wantProvinces)
		sortNames(wantTargets)
		slices.Sort(wantFamilies)
		if !equalNames(c.Provinces, wantProvinces) || !equalNames(c.PhishingTargets, wantTargets) {
			t.Errorf("%s: provinces %v and targets %v, want %v and %v", tc.name, c.Provinces, c.PhishingTargets, wantProvinces, wantTargets)
		}
		if tc.names > 0 && !slices.Equal(c.NewFamilies, wantFamilies) {
			t.Errorf("%s: new families %v, want %v", tc.name, c.NewFamilies, wantFamilies)
		}
		if tc.names == 0 && len(c.NewFamilies) != 0 {
			t.Errorf("%s: new families %v from records that may not name", tc.name, c.NewFamilies)
		}
		vc, err := st.VulnCounts(ctx, week, tc.scope)
		if err != nil {
			t.Fatalf("%s: VulnCounts: %v", tc.name, err)
		}
		if vc.Total != tc.count || vc.BySeverity[event.High] != tc.count {
			t.Errorf("%s: vulnerabilities %+v, want %d", tc.name, vc, tc.count)
		}
		ic, err := st.IncidentCounts(ctx, week, tc.scope)
		if err != nil {
			t.Fatalf("%s: IncidentCounts: %v", tc.name, err)
		}
		wantSources := map[string]int{}
		for _, l := range event.TLPOrder[:tc.names] {
			wantSources["source-"+string(l)] = 1
		}
		if tc.count > tc.names {
			wantSources[""] = tc.count - tc.names
		}
		if ic.Handled != tc.count || !maps.Equal(ic.BySource, wantSources) {
			t.Errorf("%s: %d incidents by source %v, want %d by %v", tc.name, ic.Handled, ic.BySource, tc.count, wantSources)
		}
		h, err := st.History(ctx, []time.Time{from, to}, tc.scope)
		if err != nil {
			t.Fatalf("%s: History: %v", tc.name, err)
		}
		if len(h) != 1 || h[0].TrojanBotnet != tc.count || h[0].Vulns != tc.count || h[0].Incidents != tc.count {
			t.Errorf("%s: history %+v, want %d of each", tc.name, h, tc.count)
		}
	}
	if _, err := st.EventCounts(ctx, week, store.Scope{}, 0); !errors.Is(err, store.ErrNoScope) {
		t.Errorf("EventCounts without a scope: %v, want ErrNoScope", err)
	}
	if _, err := st.VulnCounts(ctx, week, store.Scope{Count: []event.TLP{"CLEAR') OR (true"}}); err == nil {
		t.Error("VulnCounts took a scope with a label that is not TLP")
	}
}

// testLaterRowWins commits the batches of one input out of order: the record read later (the
// higher line) stands, whichever batch landed first.
func testLaterRowWins(t testing.TB, st store.Store) {
	in := input(t, st, "order")
	closed := mid
	open := event.Incident{ID: "INC-O", Opened: from, Type: event.PhishingIncident, Impact: "none", TLP: event.Clear, Line: 2}
	done := open
	done.Closed, done.Line = &closed, 5000
	commit(t, st, store.Batch{Input: in.ID, No: 1, Read: 1, Incidents: []event.Incident{done}})
	tally := commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 1, Incidents: []event.Incident{open}})
	if tally.Stored != 0 || tally.Duplicate != 1 {
		t.Errorf("an earlier row after a later one: %+v, want it counted as a duplicate", tally)
	}
	ic, err := st.IncidentCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatalf("IncidentCounts: %v", err)
	}
	if ic.Handled != 1 {
		t.Errorf("INC-O counts %d times as handled; its later row closed it", ic.Handled)
	}
	// A later input wins over an earlier one, even when the earlier one's rows come after.
	later := input(t, st, "order-later")
	reopened := open
	reopened.Line = 1
	commit(t, st, store.Batch{Input: later.ID, No: 0, Read: 1, Incidents: []event.Incident{reopened}})
	commit(t, st, store.Batch{Input: in.ID, No: 2, Read: 1, Incidents: []event.Incident{done}})
	if ic, err = st.IncidentCounts(ctx, week, store.AllRecords); err != nil {
		t.Fatalf("IncidentCounts: %v", err)
	}
	if ic.Handled != 0 {
		t.Errorf("INC-O counts %d times as handled; the later input reopened it", ic.Handled)
	}
}

func equalNames(got, want []store.NameCount) bool {
	g := slices.Clone(got)
	slices.SortFunc(g, func(a, b store.NameCount) int { return strings.Compare(a.Name, b.Name) })
	return len(g) == len(want) && (len(g) == 0 || slices.Equal(g, want))
}
