package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"sitrep/internal/bulletin"
	"sitrep/internal/chart"
	"sitrep/internal/render"
)

func runReport(e *env, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	wk := fs.String("week", "", "ISO `week` such as 2024-W09 (default: the last complete week)")
	lang := fs.String("lang", "zh", "`language`: zh or en")
	format := fs.String("format", "md", "`format`: md, html, json or pdf")
	out := fs.String("out", "", "write to `path` instead of standard output (figures of md go beside it)")
	org := fs.String("org", "", "the CERT's `name` in the sentences (default $SITREP_ORG or CNCERT)")
	figs := fs.String("figures", "svg", "how HTML and Markdown files carry figures: `svg` or png (for editors that drop SVG)")
	tlp := tlpFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	label, err := parseEdition(*tlp)
	if err != nil {
		return err
	}
	w, err := pickWeek(*wk, e.cfg.Zone)
	if err != nil {
		return usageError{err.Error()}
	}
	f, err := render.ParseFormat(*format)
	if err != nil {
		return usageError{err.Error()}
	}
	if *lang != "zh" && *lang != "en" {
		return usageError{fmt.Sprintf("unknown language %q (want zh or en)", *lang)}
	}
	if *figs != "svg" && *figs != "png" {
		return usageError{fmt.Sprintf("unknown figure format %q (want svg or png)", *figs)}
	}
	if *org == "" {
		*org = e.cfg.Org
	}
	st, err := e.cfg.Open(e.ctx, true)
	if err != nil {
		return err
	}
	b, err := bulletin.Build(e.ctx, st, w, e.cfg.Zone, bulletin.Options{Lang: *lang, Org: *org, Policy: e.cfg.Policy, Edition: e.cfg.Edition(label)})
	st.Close()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := renderTo(e, &buf, b, f, *out, *figs == "png"); err != nil {
		return err
	}
	if f == render.PDF {
		pdf, err := printPDF(e, buf.Bytes())
		if err != nil {
			return err
		}
		buf.Reset()
		buf.Write(pdf)
	}
	if *out == "" {
		_, err = e.stdout.Write(buf.Bytes())
		return err
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", *out)
	return nil
}

// renderTo renders b in format f (a PDF as the HTML it is printed from), figures as SVG or,
// with png, as PNG. Markdown written to a file gets its figures as files in a directory beside
// it, linked from the text.
func renderTo(e *env, w io.Writer, b *bulletin.Bulletin, f render.Format, out string, png bool) error {
	opt := render.Options{Figures: chart.SVG}
	ext := "svg"
	if png {
		opt.PNG, ext = chart.PNG, "png"
	}
	switch f {
	case render.JSON:
		return render.WriteJSON(w, b)
	case render.HTML, render.PDF:
		warnings, err := render.WriteHTML(w, b, opt)
		if len(warnings) > 0 {
			fmt.Fprintf(e.stderr, "sitrep report: %v (%d figure(s) shown as tables)\n", warnings[0], len(warnings))
		}
		return err
	case render.Markdown:
		if out != "" {
			dir := strings.TrimSuffix(out, filepath.Ext(out)) + "-figures"
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			opt.FigureLinks = map[int]string{}
			draw := opt.Figures
			if png {
				draw = opt.PNG
			}
			for _, fig := range b.Figures {
				img, err := draw(fig)
				if err != nil { // no font: the figures stay tables
					fmt.Fprintf(e.stderr, "sitrep report: %v (figures are shown as tables)\n", err)
					opt.FigureLinks = nil
					break
				}
				name := fmt.Sprintf("figure%d.%s", fig.Number, ext)
				if err := os.WriteFile(filepath.Join(dir, name), img, 0o644); err != nil {
					return err
				}
				opt.FigureLinks[fig.Number] = filepath.Base(dir) + "/" + name
			}
		}
		return render.WriteMarkdown(w, b, opt)
	}
	return fmt.Errorf("unknown format %s", f)
}
