package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/event"
	"sitrep/internal/ingest"
	"sitrep/internal/issue"
	"sitrep/internal/period"
	"sitrep/internal/render"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/synth"
	"sitrep/internal/week"
)

func runDemo(e *env, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	out := fs.String("out", "sitrep-demo", "`directory` for the sample data, its store and the outputs")
	weeks := fs.Int("weeks", 12, "how many `weeks` of data")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *weeks < 2 {
		return usageError{"--weeks must be 2 or more"}
	}
	last := week.Of(time.Now(), e.cfg.Zone).Prev()
	data := filepath.Join(*out, "data")
	storeDir := filepath.Join(*out, "store")
	if err := os.RemoveAll(storeDir); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "generating %d weeks of sample data (%s to %s) in %s\n", *weeks, last.Add(1-*weeks), last, data)
	files, err := writeSample(data, synth.Weeks(last, *weeks, 2024))
	if err != nil {
		return err
	}
	cfg := *e.cfg
	cfg.Store, cfg.Records = storeDir, "" // the demo keeps both parts in its own store
	st, err := cfg.Open(e.ctx, false)
	if err != nil {
		return err
	}
	opt := cfg.IngestOptions()
	opt.Source = "demo"
	for _, f := range files {
		start := time.Now()
		sum, err := ingest.File(e.ctx, st, f, nil, opt)
		if err != nil {
			st.Close()
			return err
		}
		fmt.Fprintf(e.stderr, "ingested %s: %s (%.1fs)\n", f, sum, time.Since(start).Seconds())
	}
	s, err := cfg.Stats(e.ctx, st, last, event.Clear)
	if err != nil {
		st.Close()
		return err
	}
	if err := printStats(e.stdout, s); err != nil {
		st.Close()
		return err
	}
	index, err := renderDemo(e, st, filepath.Join(*out, "bulletins"), last, 2)
	if err != nil {
		st.Close()
		return err
	}
	// The weeks before the latest are reviewed and published, as a CERT's archive would be;
	// the latest stays a draft.
	published := 0
	for i := min(*weeks-1, 3); i >= 1; i-- {
		w := last.Add(-i)
		svc := e.issues("demo")
		if _, err := svc.Review(e.ctx, st, period.OfWeek(w), "demo", "generated data"); err != nil {
			st.Close()
			return err
		}
		if _, err := svc.Publish(e.ctx, st, period.OfWeek(w), "demo", issue.PublishOptions{NoPDF: true}); err != nil {
			st.Close()
			return err
		}
		published++
	}
	st.Close()
	fmt.Fprintf(e.stderr, "\nthe bulletins are in %s (open %s)\n", filepath.Dir(index), index)
	fmt.Fprintf(e.stderr, "the demo store is %s, with %d weeks published before %s (still a draft); try:\n", storeDir, published, last)
	fmt.Fprintf(e.stderr, "  sitrep --store %s user add --role editor NAME   # an account for the team's workspace, before serve\n", storeDir)
	fmt.Fprintf(e.stderr, "  sitrep --store %s serve               # the archive on http://127.0.0.1:8080/, the workspace on /work/\n", storeDir)
	fmt.Fprintf(e.stderr, "  sitrep --store %s report --week %s --lang en\n", storeDir, last)
	fmt.Fprintf(e.stderr, "  sitrep --store %s rate --week %s\n", storeDir, last)
	fmt.Fprintf(e.stderr, "  sitrep --store %s ingest --rejects\n", storeDir)
	return nil
}

// renderDemo renders the latest n weeks' bulletins in both languages as Markdown and HTML,
// and as PDF when Chromium is there, into dir, with an index page; it returns the index's path.
func renderDemo(e *env, st store.Counter, dir string, last week.Week, n int) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	_, noBrowser := render.Browser(e.cfg.Chromium)
	if noBrowser != nil {
		fmt.Fprintf(e.stderr, "no PDFs: %v\n", noBrowser)
	}
	svc := e.issues("demo")
	svc.Link = func(lang string) func(w week.Week) string {
		return func(w week.Week) string { return fmt.Sprintf("%s.%s.html", w, lang) }
	}
	var entries []render.Entry
	rendered := map[string]bool{} // the files link only to the files written beside them
	for i := 0; i < n; i++ {
		rendered[last.Add(-i).String()] = true
	}
	for i := 0; i < n; i++ {
		w := last.Add(-i)
		entry := render.Entry{Title: stats.Title(w)}
		_, zh, en, err := svc.Both(e.ctx, st, period.OfWeek(w))
		if err != nil {
			return "", err
		}
		for _, b := range []*bulletin.Bulletin{zh, en} {
			issue.Relink(b, rendered, "")
			for _, f := range []render.Format{render.Markdown, render.HTML, render.PDF} {
				if f == render.PDF && (noBrowser != nil || i > 0) { // PDFs of the latest week only
					continue
				}
				link, err := writeRendering(e, svc, b, dir, w.String(), f)
				if err != nil {
					return "", err
				}
				entry.Links = append(entry.Links, link)
			}
		}
		entries = append(entries, entry)
	}
	// The last whole month of the data, in the monthly form.
	sun := last.Sunday()
	month := period.Period{Kind: period.Month, Year: sun.Year(), N: int(sun.Month())}
	if sun.AddDate(0, 0, 1).Month() == sun.Month() { // the month runs on past the data
		month = month.Prev()
	}
	entry := render.Entry{}
	for _, lang := range []string{"zh", "en"} {
		b, err := svc.Build(e.ctx, st, month, lang, stats.Edition{})
		if err != nil {
			return "", err
		}
		issue.Relink(b, nil, "") // the demo writes no earlier months
		if lang == "zh" {
			entry.Title = b.Title
		}
		for _, f := range []render.Format{render.Markdown, render.HTML} {
			link, err := writeRendering(e, svc, b, dir, month.String(), f)
			if err != nil {
				return "", err
			}
			entry.Links = append(entry.Links, link)
		}
	}
	entries = append(entries, entry)
	index := filepath.Join(dir, "index.html")
	f, err := os.Create(index)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := render.WriteIndex(f, "sitrep demo", entries); err != nil {
		return "", err
	}
	return index, f.Close()
}

// writeRendering writes b in format f into dir as KEY.LANG.FORMAT (a Markdown file's figures
// beside it), and returns the index's link to it.
func writeRendering(e *env, svc *issue.Service, b *bulletin.Bulletin, dir, key string, f render.Format) (render.Link, error) {
	name := fmt.Sprintf("%s.%s.%s", key, b.Lang, f)
	path := filepath.Join(dir, name)
	var figs issue.Figures
	if f == render.Markdown {
		figs.Dir = strings.TrimSuffix(path, filepath.Ext(path)) + "-figures"
	}
	content, err := svc.Render(e.ctx, b, f, figs)
	if err != nil {
		return render.Link{}, err
	}
	return render.Link{Label: b.Lang + " " + string(f), Href: name}, os.WriteFile(path, content, 0o644)
}

// writeSample writes the specs' events, vulnerabilities and incidents into dir, plus a file
// of broken rows that shows the quarantine at work, and returns the files in ingest order.
func writeSample(dir string, specs []synth.Spec) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	names := []string{"events.csv", "vulns.csv", "incidents.csv"}
	var files []*os.File
	var paths []string
	for _, n := range names {
		f, err := os.Create(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		files = append(files, f)
		paths = append(paths, f.Name())
	}
	zone, _ := time.LoadLocation(week.DefaultZone)
	if err := synth.Write(files[0], files[1], files[2], specs, zone); err != nil {
		return nil, err
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			return nil, err
		}
	}
	last := specs[len(specs)-1].Week.Monday().Format(time.DateOnly)
	broken := filepath.Join(dir, "events-with-errors.csv")
	err := os.WriteFile(broken, []byte("time,kind,ip,url,country\n"+
		last+" 09:00:00,phishing,203.0.113.9,https://secure-login.example.top/a,US\n"+
		last+" 25:61:00,phishing,203.0.113.9,https://x.example.top/,US\n"+
		last+" 10:00:00,worm,203.0.113.10,,US\n"+
		last+" 11:00:00,infected_host,300.1.2.3,,CN\n"+
		last+" 12:00:00,phishing,,javascript:alert(1),\n"+
		last+" 13:00:00,defacement,198.51.100.7,\"http://www.example.gov.cn/,CN\n"), 0o644)
	return append(paths, broken), err
}

func runSample(e *env, args []string) error {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	out := fs.String("out", "", "`directory` to write events.csv, vulns.csv and incidents.csv into")
	wk := fs.String("week", "", "last `week` (default: the last complete week)")
	weeks := fs.Int("weeks", 1, "how many `weeks`")
	events := fs.Int("events", 0, "scale each week to about `N` events (default: a typical week)")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	last, err := pickWeek(*wk, e.cfg.Zone)
	if err != nil {
		return usageError{err.Error()}
	}
	specs := synth.Weeks(last, max(*weeks, 1), 2024)
	if *events > 0 {
		for i := range specs {
			specs[i] = specs[i].Scale(float64(*events) / float64(specs[i].Events()))
		}
	}
	paths, err := writeSample(*out, specs)
	if err != nil {
		return err
	}
	total := 0
	for _, s := range specs {
		total += s.Events()
	}
	fmt.Fprintf(e.stdout, "wrote about %d events over %d week(s) ending %s: %v\n", total, len(specs), last, paths)
	return nil
}
