package render

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"regexp"

	"sitrep/internal/bulletin"
)

//go:embed templates/bulletin.html
var templates embed.FS

var pageTemplate = template.Must(template.ParseFS(templates, "templates/bulletin.html"))

type htmlPage struct {
	Lang     string
	B        *bulletin.Bulletin
	Internal string // the banner of an internal edition
	Indent   bool   // paragraphs open with an indent, as Chinese text does
	Sections []htmlSection
}

type htmlSection struct {
	S       bulletin.Section
	Figures []htmlFigure
}

type htmlFigure struct {
	F       bulletin.Figure
	Caption string
	SVG     template.HTML // the drawn figure, or empty for a table of its numbers
	PNG     template.URL  // the drawn figure as a data: URL, when drawn as PNG
	Head    []string
	Rows    [][]string
}

// svgProlog matches what precedes the <svg> element in a standalone SVG file.
var svgProlog = regexp.MustCompile(`(?s)^.*?(<svg\b)`)

// WriteHTML writes the issue as one self-contained HTML page: styles inline (so it pastes
// into an article editor), figures as inline SVG, every string from data escaped by
// html/template. A figure that cannot be drawn is shown as a table of its numbers, and the
// reason is returned in warnings.
func WriteHTML(w io.Writer, b *bulletin.Bulletin, opt Options) (warnings []error, err error) {
	l := b.Words
	page := htmlPage{Lang: map[string]string{"zh": "zh-CN", "en": "en"}[b.Lang], B: b, Indent: b.Lang == "zh"}
	page.Internal = b.Banner
	for _, s := range b.Sections {
		hs := htmlSection{S: s}
		for _, n := range s.Figures {
			f := b.Figures[n-1]
			hf := htmlFigure{F: f, Caption: l.FigureLabel(f.Number) + " " + f.Caption}
			if f.Card != nil {
				hf.Caption = "" // the card's band carries its title
			}
			switch {
			case opt.PNG != nil:
				png, err := opt.PNG(f)
				if err != nil {
					warnings = append(warnings, fmt.Errorf("figure %d: %w", f.Number, err))
				} else {
					hf.PNG = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
				}
			case opt.Figures != nil:
				svg, err := opt.Figures(f)
				if err != nil {
					warnings = append(warnings, fmt.Errorf("figure %d: %w", f.Number, err))
				} else {
					// The SVG comes from the charting library, which escapes its text.
					hf.SVG = template.HTML(svgProlog.ReplaceAllString(string(svg), "$1"))
				}
			}
			if hf.SVG == "" && hf.PNG == "" && f.Card != nil {
				hf.Caption = f.Caption
				if f.Card.Lead != "" {
					hf.Rows = append(hf.Rows, []string{f.Card.Lead})
				}
				for _, t := range f.Card.Tiles {
					hf.Rows = append(hf.Rows, []string{t.Label, t.Value, t.Change})
				}
				for _, n := range f.Card.Notes {
					hf.Rows = append(hf.Rows, []string{n})
				}
			} else if hf.SVG == "" && hf.PNG == "" {
				for _, s := range f.Series {
					hf.Head = append(hf.Head, s.Name)
				}
				for i, label := range f.Labels {
					row := []string{label}
					for _, s := range f.Series {
						row = append(row, b.Num(s.Values[i]))
					}
					hf.Rows = append(hf.Rows, row)
				}
			}
			hs.Figures = append(hs.Figures, hf)
		}
		page.Sections = append(page.Sections, hs)
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, page); err != nil {
		return warnings, err
	}
	_, err = w.Write(buf.Bytes())
	return warnings, err
}
