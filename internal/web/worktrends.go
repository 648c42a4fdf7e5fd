package web

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/bulletin"
	"sitrep/internal/chart"
	"sitrep/internal/event"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// trendMetrics are the headline numbers a trend page follows (store.HeadlineOf reads them).
var trendMetrics = []string{"infected_hosts.trojan_botnet", "infected_hosts.conficker", "malware_sites.domains", "defaced.total",
	"backdoored.total", "phishing.pages", "ddos.events", "vulnerabilities.high", "incidents.handled"}

// liveLevels is how many of the latest unpublished weeks a trend page rates live; earlier
// ones show the level they were published with, or none.
const liveLevels = 12

// trendWeek is one week of a trend page.
type trendWeek struct {
	Week   string
	Level  string
	Live   bool // rated now, not as published
	Values []int
}

// workTrends shows the headline numbers over the latest 12 or 52 weeks of the data
// (?weeks=), each week with its rating level, and one number (?metric=) as a figure.
func (s *Server) workTrends(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Viewer)
	if !ok {
		return
	}
	ctx := r.Context()
	n, asked := 12, 0
	if v := r.URL.Query().Get("weeks"); v != "" {
		if v != "12" && v != "52" {
			s.refuse(w, r, http.StatusBadRequest, "weeks is 12 or 52")
			return
		}
		n, _ = strconv.Atoi(v)
		asked = n
	}
	metric := r.URL.Query().Get("metric")
	if metric == "" {
		metric = trendMetrics[0]
	}
	mi := slices.Index(trendMetrics, metric)
	if mi < 0 {
		s.refuse(w, r, http.StatusBadRequest, "no such metric: "+metric)
		return
	}
	span, err := s.Store.DataSpan(ctx, store.PublicScope)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	last := week.Of(span.To, s.zone())
	if span.To.IsZero() {
		last = week.Of(s.now(), s.zone())
	} else {
		// Weeks before the data began are not weeks of nothing: they are left out.
		for first := week.Of(span.From, s.zone()); n > 1 && last.Add(1-n).Before(first); {
			n--
		}
	}
	weeks := make([]week.Week, n)
	bounds := make([]time.Time, 0, n+1)
	for i := range weeks {
		weeks[i] = last.Add(i - n + 1)
		from, _ := weeks[i].Bounds(s.zone())
		bounds = append(bounds, from)
	}
	_, end := last.Bounds(s.zone())
	bounds = append(bounds, end)
	release, ok := s.slot(w, r)
	if !ok {
		return
	}
	defer release()
	hs, err := s.Store.History(ctx, bounds, store.PublicScope)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "the weeks' numbers: "+err.Error())
		return
	}
	rows := make([]trendWeek, n)
	live := 0
	for i := n - 1; i >= 0; i-- {
		key := weeks[i].String()
		row := trendWeek{Week: key}
		for _, m := range trendMetrics {
			v, _ := store.HeadlineOf(hs[i], m)
			row.Values = append(row.Values, v)
		}
		f, err := s.facts(ctx, key)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		row.Level = f.Level
		if row.Level == "" && live < liveLevels && s.Stats != nil {
			if err := store.Unpublished(ctx, s.Store, key); err == nil {
				live++
				st, err := s.Stats(ctx, s.Store, key, event.Clear)
				if err != nil {
					if ctx.Err() == nil {
						jsonError(w, http.StatusInternalServerError, err.Error())
					}
					return
				}
				row.Level, row.Live = levelOf(st), true
			} else if !errors.Is(err, store.ErrPublished) {
				jsonError(w, http.StatusInternalServerError, err.Error())
				return
			}
		}
		rows[i] = row
	}
	fig := bulletin.Figure{Kind: "bars", Caption: words(r).Metrics[metric]}
	series := bulletin.Series{Name: fig.Caption}
	every := (len(rows) + 12) / 13 // at most 13 labels: more would overlap
	for i, row := range rows {
		label := ""
		if (len(rows)-1-i)%every == 0 { // the latest week always has its label
			label = row.Week[2:] // 24-W09
		}
		fig.Labels = append(fig.Labels, label)
		series.Values = append(series.Values, row.Values[mi])
	}
	fig.Series = []bulletin.Series{series}
	var img template.URL
	if svg, err := chart.SVG(fig); err == nil {
		img = template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(svg))
	} else {
		s.log().Warn("trend figure", "err", err)
	}
	body := struct {
		Weeks, Shown int
		Metric       string
		Metrics      []navLink
		Rows         []trendWeek
		Figure       template.URL
		FigureTitle  string
	}{Weeks: cmp.Or(asked, 12), Shown: n, Metric: metric, Rows: rows, Figure: img, FigureTitle: fig.Caption}
	for _, m := range trendMetrics {
		body.Metrics = append(body.Metrics, navLink{cmp.Or(words(r).Metrics[m], m), m})
	}
	s.page(w, r, http.StatusOK, "trends", pageData{Title: words(r).Trends, Who: who, Current: "/work/trends", Body: body})
}

// levelOf is the level of a rating in a statistics document, "" where none was given.
func levelOf(st any) string {
	b, _ := json.Marshal(st)
	var doc struct {
		Rating *draftRating `json:"rating"`
	}
	if json.Unmarshal(b, &doc) != nil || doc.Rating == nil || doc.Rating.NoData {
		return ""
	}
	return doc.Rating.Level
}
