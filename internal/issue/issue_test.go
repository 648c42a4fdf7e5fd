package issue_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sitrep/internal/blacklist"
	"sitrep/internal/chart"
	"sitrep/internal/event"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/issue"
	"sitrep/internal/period"
	"sitrep/internal/render"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/synth"
	"sitrep/internal/testenv"
	"sitrep/internal/week"
)

var shanghai, _ = time.LoadLocation(week.DefaultZone)

// TestReviewThenPublish takes the seed week through its life: refused unreviewed, refused
// after its data changed, published once reviewed, then frozen.
func TestReviewThenPublish(t *testing.T) {
	ctx := context.Background()
	specs := synth.Published(synth.Issue2024No9)
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	w := period.OfWeek(specs[len(specs)-1].Week)
	svc := &issue.Service{Zone: shanghai, Chromium: "/nonexistent/chromium"}
	var warned []error
	opt := issue.PublishOptions{Warn: func(err error) { warned = append(warned, err) }}
	if _, err := svc.Publish(ctx, st, w, "pub", opt); !errors.Is(err, issue.ErrNotReviewed) {
		t.Fatalf("publishing unreviewed: %v", err)
	}
	reviewed, err := svc.Review(ctx, st, w, "ed", "checked")
	if err != nil {
		t.Fatal(err)
	}
	digest := reviewed.Digest
	again, _, _, err := svc.Both(ctx, st, w)
	if err != nil || again != digest {
		t.Fatalf("the same data gave digest %s, then %s (%v)", digest, again, err)
	}
	if err := st.SetOverride(ctx, store.Override{Week: w.String(), Level: "差", Reason: "late change", Actor: "an", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(ctx, st, w, "pub", opt); !errors.Is(err, issue.ErrChanged) {
		t.Fatalf("publishing after a change: %v", err)
	}
	if _, err := svc.Review(ctx, st, w, "ed", ""); err != nil {
		t.Fatal(err)
	}
	n, err := svc.Publish(ctx, st, w, "pub", opt)
	if err != nil || n != 6 {
		t.Fatalf("published %d renderings: %v", n, err)
	}
	// The week's blacklist is frozen with it.
	if bl, err := st.Rendering(ctx, w.String(), "", blacklist.Format); err != nil || !strings.Contains(string(bl.Content), `"serial":2024030300`) {
		t.Errorf("the week's blacklist: %v %.200s", err, bl.Content)
	}
	if len(warned) == 0 || !strings.Contains(warned[0].Error(), "no PDF") {
		t.Errorf("no warning about the PDF: %v", warned)
	}
	// A correction needs a review made after the issue was published, of the issue as it
	// reads now.
	if _, err := svc.Correct(ctx, st, w, "pub", "why", opt); !errors.Is(err, issue.ErrNotReviewed) {
		t.Errorf("a correction without its review: %v", err)
	}
	if _, err := svc.Review(ctx, st, w, "ed", "the correction"); err != nil {
		t.Fatalf("reviewing the correction: %v", err)
	}
	if rev, err := svc.Correct(ctx, st, w, "pub", "a count was wrong", opt); err != nil || rev != 2 {
		t.Fatalf("correct: %d %v", rev, err)
	}
	if _, err := svc.Correct(ctx, st, w, "pub", "again", opt); !errors.Is(err, issue.ErrNotReviewed) {
		t.Errorf("a second correction on the first's review: %v", err)
	}
	if r, err := st.Rendering(ctx, w.String(), "zh", "md"); err != nil || r.Revision != 2 || !strings.Contains(string(r.Content), "更正原因：a count was wrong。") {
		t.Errorf("the correction: %v\n%.400s", err, r.Content)
	}
}

// TestReviewCoversTheBlacklist: data that would change the week's frozen blacklist after the
// review — here an old sighting of a listed host, which moves its first-seen day and no
// number of the bulletin — make the review stale.
func TestReviewCoversTheBlacklist(t *testing.T) {
	ctx := context.Background()
	specs := synth.Published(synth.Issue2024No9)
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	w := period.OfWeek(specs[len(specs)-1].Week)
	svc := &issue.Service{Zone: shanghai, Chromium: "/nonexistent/chromium"}
	start, end := w.Bounds(shanghai)
	site := func(at time.Time) event.Event {
		return event.Event{Time: at, Kind: event.MalwareSite, URL: "http://listed.example/x.exe", Host: "listed.example", Domain: "listed.example",
			IP: "198.51.100.20", Country: "US", TLP: event.Clear}
	}
	commit := func(sha string, e event.Event) {
		t.Helper()
		in, err := st.OpenInput(ctx, store.Input{SHA256: sha, Name: sha + ".csv", Format: "sitrep-events"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Commit(ctx, store.Batch{Input: in.ID, No: 1, Read: 1, Events: []event.Event{e}}); err != nil {
			t.Fatal(err)
		}
	}
	commit("this-week", site(start.Add(time.Hour)))
	reviewed, err := svc.Review(ctx, st, w, "ed", "checked")
	if err != nil {
		t.Fatal(err)
	}
	l, err := blacklist.Build(ctx, st, end, 0, shanghai)
	if err != nil || !slices.ContainsFunc(l.Entries, func(e blacklist.Entry) bool { return e.Value == "listed.example" }) {
		t.Fatalf("the week's blacklist does not list the site: %v", err)
	}
	commit("a-year-ago", site(start.AddDate(-1, 0, 0)))
	now, _, _, err := svc.Both(ctx, st, w)
	if err != nil {
		t.Fatal(err)
	}
	if now == reviewed.Digest {
		t.Error("an old sighting of a listed site, which the frozen blacklist would date it from, left the review current")
	}
}

// TestRenderStopsWithItsContext renders a PDF under a context already cancelled: the print
// does not start, and the error says why.
func TestRenderStopsWithItsContext(t *testing.T) {
	_, err := render.Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	testenv.Need(t, testenv.CJKFont, chart.Font())
	specs := synth.Published(synth.Issue2024No9)
	st := ingesttest.Load(t, shanghai, ingesttest.Generate(t, specs, shanghai)...)
	svc := &issue.Service{Zone: shanghai, Chromium: os.Getenv("SITREP_CHROMIUM")}
	b, err := svc.Build(context.Background(), st, period.OfWeek(specs[len(specs)-1].Week), "zh", stats.Edition{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := svc.Render(ctx, b, render.PDF, issue.Figures{}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled render: %v", err)
	}
	// Markdown with figure files: each figure is a file beside the text.
	dir := filepath.Join(t.TempDir(), "b-figures")
	md, err := svc.Render(context.Background(), b, render.Markdown, issue.Figures{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "figure*.svg"))
	if len(files) == 0 || !strings.Contains(string(md), "b-figures/figure1.svg") {
		t.Errorf("figures %v, Markdown links: %v", files, strings.Contains(string(md), "b-figures/"))
	}
}
