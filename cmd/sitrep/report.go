package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sitrep/internal/bulletin"
	"sitrep/internal/issue"
	"sitrep/internal/render"
)

func runReport(e *env, args []string) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	span := addSpanFlags(fs)
	lang := fs.String("lang", "zh", "`language`: zh or en")
	format := fs.String("format", "md", "`format`: md, html, json or pdf")
	out := fs.String("out", "", "write to `path` instead of standard output (figures of md go beside it)")
	org := fs.String("org", "", "the CERT's `name` in the sentences (default $SITREP_ORG or CNCERT)")
	figs := fs.String("figures", "svg", "how HTML and Markdown files carry figures: `svg` or png (for editors that drop SVG)")
	style := fs.String("style", "", "the issue's `form`: charts (every section in words, seven charts, as 2016–2020) or infographic (cards of key numbers, as 2021 on); default $SITREP_STYLE or charts")
	tlp := tlpFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	label, err := parseEdition(*tlp)
	if err != nil {
		return err
	}
	w, err := span.pick(e.cfg.Zone)
	if err != nil {
		return err
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
	if *style != "" && *style != bulletin.StyleCharts && *style != bulletin.StyleInfographic {
		return usageError{fmt.Sprintf("unknown style %q (want %s or %s)", *style, bulletin.StyleCharts, bulletin.StyleInfographic)}
	}
	if c := e.remote(); c != nil {
		if *org != "" || *figs != "svg" || *style != "" {
			return errRemoteOnly("--org, --figures and --style")
		}
		return remoteReport(e, c, w, *lang, string(f), string(label), *out)
	}
	st, err := e.cfg.Open(e.ctx, true)
	if err != nil {
		return err
	}
	e.org = *org
	svc := e.issues("report")
	if *style != "" {
		svc.Style = *style
	}
	b, err := svc.Build(e.ctx, st, w, *lang, e.cfg.Edition(label))
	if err == nil {
		err = svc.ShowDraft(e.ctx, st, b, e.fileLinkBase())
	}
	st.Close() // the store is not held while the issue is rendered (a PDF takes seconds)
	if err != nil {
		return err
	}
	figures := issue.Figures{PNG: *figs == "png"}
	if *out != "" && f == render.Markdown {
		figures.Dir = strings.TrimSuffix(*out, filepath.Ext(*out)) + "-figures"
	}
	content, err := svc.Render(e.ctx, b, f, figures)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(content)
		return err
	}
	if err := os.WriteFile(*out, content, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote %s\n", *out)
	return nil
}
