package web

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/event"
	"sitrep/internal/store"
)

// A bulletin page of the site opens with a navigation bar: the archive, the previous and next
// published issues, the other language, and this issue's downloads. The bar is added when the
// page is served, not frozen into it: a published page's bytes never change, while the issue
// after it is published later.

type navLink struct{ Name, Href string }

type navBar struct {
	W          bulletin.Words
	Lang       string
	Prev, Next string // addresses; empty where there is none
	Other      string // the page in the other language; empty where it is not published
	OtherLang  string
	Downloads  []navLink
	Archive    string // the archive in the page's language
	// Revisions lists a corrected issue's revisions, the one shown without an address.
	Revisions     []navLink
	RevisionsWord string
}

// revisionWords name an issue's revisions in each language: the list's label, and one.
var revisionWords = map[string][2]string{"zh": {"版本", "第%d版（%s）"}, "en": {"Revisions", "revision %d (%s)"}}

var navTemplate = template.Must(template.New("nav").Parse(`<nav id="issue-nav" aria-label="{{.W.Archive}}" style="max-width:720px;margin:0 auto;padding:10px 20px;font-size:14px;line-height:1.8;display:flex;flex-wrap:wrap;gap:4px 16px;font-family:'Noto Sans CJK SC',sans-serif">
<a href="{{.Archive}}">{{.W.Archive}}</a>
{{- if .Prev}}
<a href="{{.Prev}}" rel="prev">← {{.W.Previous}}</a>
{{- end}}
{{- if .Next}}
<a href="{{.Next}}" rel="next">{{.W.Next}} →</a>
{{- end}}
{{- if .Other}}
<a href="{{.Other}}" hreflang="{{.OtherLang}}" lang="{{.OtherLang}}">{{.W.Language}}</a>
{{- end}}
{{- if .Downloads}}
<span>{{.W.Downloads}}:{{range .Downloads}} <a href="{{.Href}}">{{.Name}}</a>{{end}}</span>
{{- end}}
{{- if .Revisions}}
<span id="revisions">{{.RevisionsWord}}:{{range .Revisions}} {{if .Href}}<a href="{{.Href}}">{{.Name}}</a>{{else}}<b aria-current="page">{{.Name}}</b>{{end}}{{end}}</span>
{{- end}}
</nav>
`))

// pageAddress is the site address of week's page in lang, of the edition labelled tlp.
func pageAddress(week, lang string, tlp event.TLP) string {
	q := url.Values{}
	if lang != "zh" {
		q.Set("lang", lang)
	}
	if tlp != event.Clear {
		q.Set("tlp", string(tlp))
	}
	if len(q) == 0 {
		return "/bulletins/" + week
	}
	return "/bulletins/" + week + "?" + q.Encode()
}

// navigate puts the navigation bar at the top of a bulletin page's body.
func (s *Server) navigate(ctx context.Context, page []byte, q request) ([]byte, error) {
	i := bytes.Index(page, []byte("<body>"))
	if i < 0 {
		return page, nil
	}
	i += len("<body>")
	other := map[string]string{"zh": "en", "en": "zh"}[q.lang]
	edition := editionOf(q.week)
	bar := navBar{W: bulletin.WordsIn(q.lang), Lang: q.lang, OtherLang: other, Archive: archiveAddress(edition, q.lang)}
	if a := archiveLabels[edition][q.lang]; a != "" {
		bar.W.Archive = a // the weekly's is the bulletin's own word
	}
	issues, err := s.publishedOf(ctx, edition, q.lang, "html") // a month's previous issue is a month's
	if err != nil {
		return nil, err
	}
	weeks := make([]string, len(issues))
	for i, is := range issues {
		weeks[i] = is.Week
	}
	// weeks are newest first: the previous issue is the first older one.
	for _, w := range weeks {
		if w < q.week {
			bar.Prev = pageAddress(w, q.lang, event.Clear)
			break
		}
	}
	for _, w := range slices.Backward(weeks) {
		if w > q.week {
			bar.Next = pageAddress(w, q.lang, event.Clear)
			break
		}
	}
	switch in, err := s.publishedSet(ctx, other, "html"); {
	case err != nil:
		return nil, err
	case in[q.week] || q.tlp != event.Clear: // an internal edition is live in both languages
		bar.Other = pageAddress(q.week, other, q.tlp)
	}
	if q.tlp == event.Clear {
		for _, d := range []struct{ name, format string }{{"PDF", "pdf"}, {"Markdown", "md"}, {"JSON", "json"}} {
			in, err := s.publishedSet(ctx, q.lang, d.format)
			if err != nil {
				return nil, err
			}
			if in[q.week] {
				href := downloadAddress(q.week, q.lang, d.format)
				if q.rev > 0 {
					href += "&rev=" + strconv.Itoa(q.rev)
				}
				bar.Downloads = append(bar.Downloads, navLink{d.name, href})
			}
		}
		vs, err := s.Store.Revisions(ctx, q.week)
		if err != nil {
			return nil, err
		}
		if len(vs) > 1 {
			words := revisionWords[q.lang]
			bar.RevisionsWord = words[0]
			shown := cmp.Or(q.rev, vs[len(vs)-1].Number)
			for _, v := range vs {
				l := navLink{Name: fmt.Sprintf(words[1], v.Number, v.PublishedAt.In(s.zone()).Format(time.DateOnly))}
				if v.Number != shown {
					l.Href = revisionAddress(q.week, q.lang, v.Number, len(vs))
				}
				bar.Revisions = append(bar.Revisions, l)
			}
		}
	}
	var buf bytes.Buffer
	buf.Grow(len(page) + 1024)
	buf.Write(page[:i])
	if err := navTemplate.Execute(&buf, bar); err != nil {
		return nil, err
	}
	buf.Write(page[i:])
	return buf.Bytes(), nil
}

// revisionAddress is the page of an issue's revision rev of n: the latest at the issue's own.
func revisionAddress(week, lang string, rev, n int) string {
	a := pageAddress(week, lang, event.Clear)
	if rev == n {
		return a
	}
	if strings.Contains(a, "?") {
		return a + "&rev=" + strconv.Itoa(rev)
	}
	return a + "?rev=" + strconv.Itoa(rev)
}

// downloadAddress is where an issue published in lang and format is downloaded.
func downloadAddress(week, lang, format string) string {
	v := url.Values{"format": {format}}
	if lang != "zh" {
		v.Set("lang", lang)
	}
	return "/api/v1/bulletins/" + week + "?" + v.Encode()
}

// publishedSet holds the weeks published in lang and format.
func (s *Server) publishedSet(ctx context.Context, lang, format string) (map[string]bool, error) {
	weeks, err := s.publishedWeeks(ctx, lang, format)
	set := make(map[string]bool, len(weeks))
	for _, w := range weeks {
		set[w] = true
	}
	return set, err
}

// publishedOf lists the issues of an edition published in lang and format, newest first.
func (s *Server) publishedOf(ctx context.Context, edition, lang, format string) ([]store.Rendering, error) {
	all, err := s.Store.PublishedIssues(ctx, lang, format, 0)
	return slices.DeleteFunc(all, func(r store.Rendering) bool { return editionOf(r.Week) != edition }), err
}

// publishedWeeks lists the weeks published in lang and format, newest first.
func (s *Server) publishedWeeks(ctx context.Context, lang, format string) ([]string, error) {
	rs, err := s.Store.PublishedIssues(ctx, lang, format, 0)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Week
	}
	return out, nil
}
