package stats_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sitrep/internal/assess"
	"sitrep/internal/event"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/synth"
	"sitrep/internal/week"
)

// TestDrillMatchesTheCounts lists the items behind every event count of a generated week, in
// the public edition's scope and in all records': each list holds exactly as many items as the
// count says, no item twice, and its pages put together are the whole list.
func TestDrillMatchesTheCounts(t *testing.T) {
	w, _ := week.Parse("2024-W09")
	specs := synth.Weeks(w, 2, 9)
	for i := range specs {
		specs[i] = specs[i].Scale(0.01)
	}
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	ctx := context.Background()
	from, to := w.Bounds(shanghai)
	pol := assess.Default()
	for _, ed := range []stats.Edition{stats.Public(pol), stats.EditionFor(pol, event.Red)} {
		s, err := stats.Compute(ctx, st, w, stats.Options{Zone: shanghai, Edition: ed})
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &doc)
		nonzero := 0
		for _, metric := range store.DrillMetrics {
			var v any = doc
			for _, k := range strings.Split(metric, ".") {
				v = v.(map[string]any)[k]
			}
			want := int(v.(float64))
			page, err := st.Drill(ctx, store.Range{From: from, To: to}, ed.Scope, metric, store.DrillQuery{Limit: 1000000})
			if err != nil {
				t.Fatalf("%s: %v", metric, err)
			}
			if page.Total != want || len(page.Items) != want {
				t.Errorf("%s (%s): %d items (total %d), the count says %d", metric, ed.TLP, len(page.Items), page.Total, want)
			}
			seen := map[string]bool{}
			for _, it := range page.Items {
				if seen[it.Value] && metric != "ddos.events" {
					t.Errorf("%s: %s listed twice", metric, it.Value)
				}
				seen[it.Value] = true
			}
			if want > 0 {
				nonzero++
				half, _ := st.Drill(ctx, store.Range{From: from, To: to}, ed.Scope, metric, store.DrillQuery{Limit: want / 2})
				rest, _ := st.Drill(ctx, store.Range{From: from, To: to}, ed.Scope, metric, store.DrillQuery{Limit: want, Offset: want / 2})
				if len(half.Items)+len(rest.Items) != want || (len(rest.Items) > 0 && rest.Items[0] != page.Items[want/2]) {
					t.Errorf("%s: pages of %d and %d from %d items", metric, len(half.Items), len(rest.Items), want)
				}
				// A part of a value selects exactly the items that hold it, in any case; an
				// order by events is one.
				part := strings.ToUpper(page.Items[want/2].Value)
				part = part[len(part)/3 : max(len(part)/3+1, 2*len(part)/3)]
				matched, err := st.Drill(ctx, store.Range{From: from, To: to}, ed.Scope, metric, store.DrillQuery{Limit: want, Match: part, Sort: "-events"})
				if err != nil {
					t.Fatalf("%s matching %q: %v", metric, part, err)
				}
				holding := 0
				for _, it := range page.Items {
					if strings.Contains(strings.ToUpper(it.Value), part) {
						holding++
					}
				}
				if matched.Total != want || matched.Matching != holding || len(matched.Items) != holding || holding == 0 {
					t.Errorf("%s matching %q: total %d, matching %d, %d items; %d hold it", metric, part, matched.Total, matched.Matching, len(matched.Items), holding)
				}
				for i := 1; i < len(matched.Items); i++ {
					if matched.Items[i].Events > matched.Items[i-1].Events {
						t.Errorf("%s by events: %d after %d", metric, matched.Items[i].Events, matched.Items[i-1].Events)
						break
					}
				}
			}
		}
		if nonzero < 12 {
			t.Errorf("only %d counts had items: the week generated too little to test", nonzero)
		}
	}
	if _, err := st.Drill(ctx, store.Range{From: from, To: to}, store.AllRecords, "events; DROP TABLE events", store.DrillQuery{Limit: 10}); err == nil {
		t.Error("an unknown metric drilled")
	}
}
