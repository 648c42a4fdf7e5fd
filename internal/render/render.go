// Package render lays out an issue (bulletin.Bulletin) as Markdown, self-contained HTML,
// JSON or PDF. It decides nothing about numbers or wording; it escapes everything that came
// from data for the format it writes.
package render

import (
	"encoding/json"
	"fmt"
	"io"

	"sitrep/internal/bulletin"
)

// Format is an output format.
type Format string

// The formats of `sitrep report`.
const (
	Markdown Format = "md"
	HTML     Format = "html"
	JSON     Format = "json"
	PDF      Format = "pdf"
)

// ParseFormat accepts a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case Markdown, HTML, JSON, PDF:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want md, html, json or pdf)", s)
}

// Draw draws a figure as an image file's bytes; Options carries the drawing functions so
// that this package does not depend on a charting library.
type Draw func(f bulletin.Figure) ([]byte, error)

// Options tune rendering.
type Options struct {
	// Figures draws each figure for HTML and PDF; nil leaves figures as tables.
	Figures Draw // as SVG
	// PNG, when set, draws HTML figures as embedded PNG images instead of inline SVG: what
	// article editors that drop SVG (the WeChat editor among them) keep when pasted.
	PNG Draw
	// FigureLinks, for Markdown, maps a figure number to the address of its image.
	FigureLinks map[int]string
}

// WriteJSON writes the issue with every number, sentence and figure's data, indented, keys in
// a stable order, and HTML-significant characters escaped.
func WriteJSON(w io.Writer, b *bulletin.Bulletin) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}
