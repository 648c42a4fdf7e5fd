package web

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/store"
)

// TestWorkWords: every word of the workspace is there in both languages, and so are the names
// of every count, order and move the pages show.
func TestWorkWords(t *testing.T) {
	for lang, w := range workWords {
		v := reflect.ValueOf(w)
		for i := range v.NumField() {
			f := v.Field(i)
			name := v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" {
					t.Errorf("%s: %s is empty", lang, name)
				}
			case reflect.Map:
				if f.Len() == 0 {
					t.Errorf("%s: %s is empty", lang, name)
				}
			}
		}
		for _, m := range store.DrillMetrics {
			if w.Metrics[m] == "" {
				t.Errorf("%s: no name for %s", lang, m)
			}
		}
		for _, m := range trendMetrics {
			if w.Metrics[m] == "" {
				t.Errorf("%s: no name for %s", lang, m)
			}
			if _, ok := store.HeadlineOf(store.Headline{}, m); !ok {
				t.Errorf("%s is not a headline count", m)
			}
		}
		for _, s := range store.DrillSorts {
			if w.Sorts[s] == "" {
				t.Errorf("%s: no name for the order %s", lang, s)
			}
		}
		for _, v := range verbTargets {
			if w.Verbs[v.verb] == "" {
				t.Errorf("%s: no name for %s", lang, v.verb)
			}
		}
		for _, d := range []string{"review", "publish", "rating", "ticket", "opened", "notify", "correct", "account"} {
			if w.Done[d] == "" {
				t.Errorf("%s: nothing said when %s is done", lang, d)
			}
		}
	}
	// The values pages show by name.
	var values []string
	for _, st := range incident.States {
		values = append(values, string(st))
	}
	for _, ty := range event.IncidentTypes {
		values = append(values, string(ty))
	}
	values = append(values, auth.Roles...)
	values = append(values, event.PartnerKinds...)
	values = append(values, store.JobQueued, store.JobRunning, store.JobDone, store.JobFailed, "url", "domain", "ip", openStates)
	for _, lang := range []string{"zh", "en"} {
		for _, v := range values {
			if vocab[lang][v] == "" {
				t.Errorf("%s: no name for %q", lang, v)
			}
		}
	}
	if keys := slices.Sorted(maps.Keys(workWords)); !slices.Equal(keys, []string{"en", "zh"}) {
		t.Errorf("languages %v", keys)
	}
}
