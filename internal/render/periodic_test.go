package render_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sitrep/internal/bulletin"
	"sitrep/internal/chart"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/period"
	"sitrep/internal/render"
	"sitrep/internal/store/duck"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
)

// TestPeriodEditions builds the monthly edition of February 2024 (a month that starts on a
// Thursday) and the annual edition of 2023 from 62 generated weeks, in both languages. Their
// whole Markdown is compared with testdata/golden (-update rewrites it); their counts are the
// period's own distinct ones, not sums of their parts; and their HTML is looked at in headless
// Chromium at a desk's width and a phone's (the screenshots are kept in
// $SITREP_TEST_ARTIFACTS where it is set).
func TestPeriodEditions(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and ingests 62 weeks")
	}
	specs := synth.Weeks(mustWeek("2024-W09"), 62, 11)
	for i := range specs {
		specs[i] = specs[i].Scale(0.02)
	}
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	editions := map[string]map[string]*bulletin.Bulletin{}
	for _, key := range []string{"2024-02", "2023"} {
		editions[key] = map[string]*bulletin.Bulletin{}
		for _, lang := range []string{"zh", "en"} {
			b := buildPeriod(t, st, key, lang)
			editions[key][lang] = b
			var md bytes.Buffer
			if err := render.WriteMarkdown(&md, b, render.Options{}); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata", "golden", key+"."+lang+".md"), md.String())
			// The title runs at the head of each printed page: html/template must not have
			// refused it (a title such as "Data: …" reads to it as a URL).
			var html bytes.Buffer
			if _, err := render.WriteHTML(&html, b, render.Options{}); err != nil {
				t.Fatal(err)
			}
			if page := html.String(); strings.Contains(page, "ZgotmplZ") || !strings.Contains(page, `@top-center{content:"`+b.Title[:10]) {
				t.Errorf("%s %s: the running header is not the title %q", key, lang, b.Title)
			}
		}
	}

	// A host seen in several months is one host of the year: the year's count is below the
	// sum of its months', which the figures plot.
	year := editions["2023"]["zh"].PeriodStats
	sum := 0
	for _, m := range year.Series {
		sum += m.TrojanBotnet
	}
	if hosts := year.Figure("infected_hosts.trojan_botnet").Value; hosts == 0 || hosts >= sum || len(year.Series) != 12 {
		t.Errorf("2023: %d hosts over the year against %d summed over %d months", hosts, sum, len(year.Series))
	}
	feb := editions["2024-02"]["zh"].PeriodStats
	if feb.Start != "2024-02-01" || feb.End != "2024-02-29" || len(feb.Series) != 12 || feb.Series[11].Period != "2024-02" || feb.Rating == nil {
		t.Errorf("February 2024: %s to %s, series %v, rating %v", feb.Start, feb.End, feb.Series, feb.Rating)
	}

	t.Run("screenshots", func(t *testing.T) {
		bin, err := render.Browser(os.Getenv("SITREP_CHROMIUM"))
		testenv.Need(t, testenv.Chromium, err)
		testenv.Need(t, testenv.CJKFont, chart.Font())
		keep := os.Getenv("SITREP_TEST_ARTIFACTS")
		for key, langs := range editions {
			for lang, b := range langs {
				var html bytes.Buffer
				if _, err := render.WriteHTML(&html, b, render.Options{Figures: chart.SVG}); err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				page := filepath.Join(dir, "edition.html")
				if err := os.WriteFile(page, html.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
				for _, width := range []int{1280, 390} {
					shot := filepath.Join(dir, fmt.Sprintf("%s.%s.%d.png", key, lang, width))
					l := shoot(t, bin, page, shot, width, 7000)
					// Seven figures (eight for a year) of red bars: far more red than one.
					if l.ink < 0.05 || l.red < 20000 {
						t.Errorf("%s %s at %d px: %.1f%% ink, %d pixels of the figures' red: text or figures missing", key, lang, width, 100*l.ink, l.red)
					}
					if l.inkIn(image.Rect(width-6, 0, width, l.bounds.Dy())) {
						t.Errorf("%s %s at %d px: something runs off the right edge", key, lang, width)
					}
					if keep != "" {
						data, _ := os.ReadFile(shot)
						os.MkdirAll(keep, 0o755)
						if err := os.WriteFile(filepath.Join(keep, filepath.Base(shot)), data, 0o644); err != nil {
							t.Error(err)
						}
					}
				}
			}
		}
	})
}

func buildPeriod(t *testing.T, st *duck.DB, key, lang string) *bulletin.Bulletin {
	t.Helper()
	p, err := period.Parse(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bulletin.BuildPeriod(context.Background(), st, p, shanghai, bulletin.Options{Lang: lang})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
