package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"sitrep/internal/bulletin"
)

// mdEscaper escapes what Markdown or the HTML it may carry would act on: text from data
// (province names, an organisation's name) shows as written.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "&", "&amp;", "|", `\|`, "#", `\#`,
)

func md(s string) string { return mdEscaper.Replace(s) }

// byline is who publishes the issue and, where it has one, its date.
func byline(b *bulletin.Bulletin) []string {
	out := []string{b.Issuer}
	if b.Date != "" {
		out = append(out, b.Date)
	}
	return out
}

// WriteMarkdown writes the issue as Markdown: title, highlights, the sections with their
// figures (an image where opt.FigureLinks has one, and the figure's numbers as a table), and
// the previous issues.
func WriteMarkdown(w io.Writer, b *bulletin.Bulletin, opt Options) error {
	bw := bufio.NewWriter(w)
	l := b.Words
	if b.Banner != "" {
		fmt.Fprintf(bw, "**%s**\n\n", md(b.Banner))
	}
	fmt.Fprintf(bw, "# %s\n\n", md(b.Title))
	fmt.Fprintf(bw, "%s\n\n", md(strings.Join(byline(b), " · ")))
	fmt.Fprintf(bw, "TLP:%s · %s – %s\n\n", b.TLP, b.Start, b.End)
	if b.Correction != "" {
		fmt.Fprintf(bw, "> %s\n\n", md(b.Correction))
	}
	if len(b.Highlights) > 0 {
		fmt.Fprintf(bw, "## %s\n\n", md(l.Highlights))
		for _, h := range b.Highlights {
			fmt.Fprintf(bw, "- %s\n", md(h))
		}
		fmt.Fprintln(bw)
	}
	for _, s := range b.Sections {
		level := "##"
		if s.Sub {
			level = "###"
		}
		fmt.Fprintf(bw, "%s %s\n\n", level, md(s.Heading))
		for _, p := range s.Paragraphs {
			fmt.Fprintf(bw, "%s\n\n", md(p))
		}
		for _, n := range s.Figures {
			f := b.Figures[n-1]
			caption := md(l.FigureLabel(f.Number) + " " + f.Caption)
			if f.Card != nil { // a card carries its title: no number
				caption = md(f.Caption)
			}
			if link, ok := opt.FigureLinks[n]; ok {
				fmt.Fprintf(bw, "![%s](%s)\n\n", caption, link)
			}
			fmt.Fprintf(bw, "**%s**\n\n", caption)
			if f.Card != nil {
				cardText(bw, f.Card)
				continue
			}
			figureTable(bw, b, f)
		}
	}
	fmt.Fprintf(bw, "## %s\n\n", md(l.Recent))
	for _, r := range b.Recent {
		if r.Href == "" { // not published, or no site to link to
			fmt.Fprintf(bw, "- %s\n", md(r.Title))
			continue
		}
		fmt.Fprintf(bw, "- [%s](%s)\n", md(r.Title), r.Href)
	}
	return bw.Flush()
}

// cardText writes a card's numbers and notes as a list.
func cardText(w io.Writer, c *bulletin.Card) {
	if c.Lead != "" {
		fmt.Fprintf(w, "**%s**\n\n", md(c.Lead))
	}
	for _, t := range c.Tiles {
		fmt.Fprintf(w, "- %s: **%s**", md(t.Label), md(t.Value))
		if t.Change != "" {
			fmt.Fprintf(w, " (%s)", md(t.Change))
		}
		fmt.Fprintln(w)
	}
	for _, n := range c.Notes {
		fmt.Fprintf(w, "- %s\n", md(n))
	}
	fmt.Fprintln(w)
}

// figureTable writes a figure's numbers: one row per label, one column per series.
func figureTable(w io.Writer, b *bulletin.Bulletin, f bulletin.Figure) {
	fmt.Fprint(w, "| |")
	for _, s := range f.Series {
		fmt.Fprintf(w, " %s |", md(s.Name))
	}
	fmt.Fprint(w, "\n|---|")
	for range f.Series {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for i, label := range f.Labels {
		fmt.Fprintf(w, "| %s |", md(label))
		for _, s := range f.Series {
			fmt.Fprintf(w, " %s |", b.Num(s.Values[i]))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}
