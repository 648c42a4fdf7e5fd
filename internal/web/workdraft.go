package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/period"
	"sitrep/internal/store"
	"sitrep/internal/week"
)

// DraftWarning is one of the editor's warnings about an issue, in both languages.
type DraftWarning struct{ ZH, EN string }

// issueRow is how an issue stands, on the workspace's home page.
type issueRow struct {
	Key, Dates string
	Published  bool
	Review     *store.Review
}

// workHome shows the latest issues of the data and how each stands, and the incident queue's
// size; ?p= opens an issue's draft.
func (s *Server) workHome(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Viewer)
	if !ok {
		return
	}
	ctx := r.Context()
	if v := r.URL.Query().Get("p"); v != "" {
		p, err := period.Parse(strings.TrimSpace(v))
		if err != nil {
			s.refuse(w, r, http.StatusBadRequest, err.Error())
			return
		}
		http.Redirect(w, r, "/work/draft/"+p.String(), http.StatusSeeOther)
		return
	}
	span, err := s.Store.DataSpan(ctx, store.PublicScope)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "the data's span: "+err.Error())
		return
	}
	latest := week.Of(span.To, s.zone())
	if span.IsZero() && span.To.IsZero() {
		latest = week.Of(s.now(), s.zone())
	}
	published, err := s.publishedSet(ctx, "zh", "html")
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "read the archive: "+err.Error())
		return
	}
	row := func(p period.Period) (issueRow, error) {
		first, last := p.Days()
		ir := issueRow{Key: p.String(), Dates: first.Format("2006-01-02") + " – " + last.Format("2006-01-02"), Published: published[p.String()]}
		rv, err := s.Store.LatestReview(ctx, p.String())
		if err == nil {
			ir.Review = &rv
		} else if !errors.Is(err, store.ErrNotFound) {
			return ir, err
		}
		return ir, nil
	}
	var body struct {
		Weeks, Months   []issueRow
		Open, Overdue   int
		ShowQueue       bool
		LatestWeek, Now string
	}
	for i := 0; i < 8; i++ {
		ir, err := row(period.OfWeek(latest.Add(-i)))
		if err != nil {
			jsonError(w, http.StatusInternalServerError, "read the reviews: "+err.Error())
			return
		}
		body.Weeks = append(body.Weeks, ir)
	}
	lm := span.To.In(s.zone())
	if span.To.IsZero() {
		lm = s.now().In(s.zone())
	}
	month := period.Period{Kind: period.Month, Year: lm.Year(), N: int(lm.Month())}
	for i := 0; i < 3; i++ {
		ir, err := row(month.Add(-i))
		if err != nil {
			jsonError(w, http.StatusInternalServerError, "read the reviews: "+err.Error())
			return
		}
		body.Months = append(body.Months, ir)
	}
	if auth.Allows(who.role, auth.Analyst) {
		body.ShowQueue = true
		open := []string{string(incident.New), string(incident.Triaged), string(incident.Coordinating)}
		for _, f := range []store.TicketFilter{{States: open}, {States: open, OverdueAt: s.now()}} {
			ts, err := s.Store.ListTickets(ctx, f)
			if err != nil {
				jsonError(w, http.StatusInternalServerError, "list tickets: "+err.Error())
				return
			}
			n := 0
			for _, t := range ts {
				if who.readable(t) {
					n++
				}
			}
			if f.OverdueAt.IsZero() {
				body.Open = n
			} else {
				body.Overdue = n
			}
		}
	}
	s.page(w, r, http.StatusOK, "home", pageData{Title: words(r).Home, Who: who, Current: "/work/", Body: body})
}

// metricRow is one count of an issue, linked to its records where the role may read them.
type metricRow struct {
	Metric, Name string
	Value        int
	Href         string
	Sub          bool // a part of the count before it ("of them …")
	// Live is the count from the data as they are now, where it differs from the published
	// Value.
	Live *int
}

// subMetrics are the counts that are parts of the one before them.
var subMetrics = map[string]bool{"malware_sites.domains_abroad": true, "malware_sites.domains_com": true, "malware_sites.ips_abroad": true,
	"defaced.gov": true, "backdoored.gov": true}

// draftRating is the rating as the statistics JSON carries it.
type draftRating struct {
	Level    string `json:"level"`
	Computed string `json:"computed_level"`
	NoData   bool   `json:"no_data"`
	Reasons  []struct {
		ZH string `json:"zh"`
		EN string `json:"en"`
	} `json:"reasons"`
	Override *store.Override `json:"override"`
}

// workDraft shows an issue as it stands: its numbers, each a link to the records it counts;
// the rating with its reasons and the override form; the review, the editor's warnings and
// the buttons to review and publish, by role; and the bulletin as it will be published.
func (s *Server) workDraft(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Viewer)
	if !ok {
		return
	}
	ctx := r.Context()
	p, err := period.Parse(r.PathValue("week"))
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	key := p.String()
	var body struct {
		Key, Dates, Lang          string
		Published                 bool
		Review                    *store.Review
		ReviewCurrent             bool
		Rows                      []metricRow
		Rating                    *draftRating
		Rated                     bool
		Warnings                  []string
		CanReview, CanPublish     bool
		CanOverride, ShowPreview  bool
		Levels                    []string
		PreviewHref, Unrated      string
		DigestKnown, PeriodIsOver bool
		CanCorrect                bool
		Revisions                 []navLink
		// Why the publish button is not offered, where it would be; whether the numbers
		// changed since the issue was published.
		PublishBlocked string
		Changed        bool
	}
	first, last := p.Days()
	body.Key, body.Dates, body.Lang = key, first.Format("2006-01-02")+" – "+last.Format("2006-01-02"), lang(r)
	_, end := p.Bounds(s.zone())
	body.PeriodIsOver = !s.now().Before(end)
	vs, err := s.Store.Revisions(ctx, key) // none while the issue is not published
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	body.Published = len(vs) > 0
	latest := vs[max(0, len(vs)-1):] // the latest revision of a published issue
	for _, v := range vs {
		name := fmt.Sprintf(revisionWords[lang(r)][1], v.Number, when(v.PublishedAt, s.zone())) + " · " + v.Actor
		if v.Reason != "" {
			name += " · " + v.Reason
		}
		body.Revisions = append(body.Revisions, navLink{name, revisionAddress(key, lang(r), v.Number, len(vs))})
	}
	if rv, err := s.Store.LatestReview(ctx, key); err == nil {
		body.Review = &rv
	} else if !errors.Is(err, store.ErrNotFound) {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if s.Stats == nil {
		s.refuse(w, r, http.StatusNotFound, "live statistics are not served here")
		return
	}
	release, ok := s.slot(w, r)
	if !ok {
		return
	}
	defer release()
	st, err := s.Stats(ctx, s.Store, key, event.Clear)
	if err != nil {
		if ctx.Err() == nil {
			jsonError(w, errorStatus(err, http.StatusInternalServerError), err.Error())
		}
		return
	}
	b, _ := json.Marshal(st)
	var doc, published map[string]any
	json.Unmarshal(b, &doc)
	if body.Published { // the numbers as published, beside the data as they are now
		rend, err := s.Store.Rendering(ctx, key, "zh", "json")
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		var frozen struct {
			Stats       map[string]any `json:"stats"`
			PeriodStats map[string]any `json:"period_stats"`
		}
		if err == nil && json.Unmarshal(rend.Content, &frozen) == nil {
			if published = frozen.Stats; published == nil {
				published = frozen.PeriodStats
			}
		}
	}
	var rated struct {
		Rating *draftRating `json:"rating"`
	}
	json.Unmarshal(b, &rated)
	body.Rating = rated.Rating
	body.Rated = p.Kind == period.Week || p.Kind == period.Month
	analyst := auth.Allows(who.role, auth.Analyst)
	for _, m := range store.DrillMetrics {
		v, ok := jsonPath(doc, m)
		if !ok {
			continue
		}
		row := metricRow{Metric: m, Name: words(r).Metrics[m], Value: v, Sub: subMetrics[m]}
		if pv, ok := jsonPath(published, m); ok && published != nil {
			row.Value = pv
			if pv != v {
				live := v
				row.Live, body.Changed = &live, true
			}
		}
		if analyst {
			row.Href = "/work/records/" + key + "/" + m
		}
		body.Rows = append(body.Rows, row)
	}
	editor := auth.Allows(who.role, auth.Editor)
	body.CanOverride = analyst && body.Rated && !body.Published
	body.CanReview = editor && body.PeriodIsOver // of a published issue: its correction's review
	body.CanPublish = auth.Allows(who.role, auth.Publisher) && !body.Published && body.PeriodIsOver
	body.CanCorrect = auth.Allows(who.role, auth.Publisher) && body.Published
	if !body.PeriodIsOver && !body.Published && editor {
		body.PublishBlocked = words(r).NotOver
	}
	body.ShowPreview = editor || body.Published
	body.PreviewHref = pageAddress(key, lang(r), event.Clear)
	body.Levels = []string{"优", "良", "中", "差", "危"}
	if editor && s.Draft != nil {
		digest, warnings, err := s.Draft(ctx, s.Store, key)
		if err != nil {
			if ctx.Err() == nil {
				jsonError(w, errorStatus(err, http.StatusInternalServerError), err.Error())
			}
			return
		}
		body.DigestKnown = true
		body.ReviewCurrent = body.Review != nil && body.Review.Digest == digest
		switch {
		case body.Published || !body.PeriodIsOver:
		case body.Review == nil:
			body.PublishBlocked = words(r).NotReviewed
		case !body.ReviewCurrent:
			body.PublishBlocked = words(r).ReviewStale
		}
		if body.PublishBlocked != "" {
			body.CanPublish = false
		}
		if body.Published && body.Review != nil && len(latest) > 0 && !body.Review.ReviewedAt.After(latest[0].PublishedAt) {
			body.ReviewCurrent = false // a review of the issue as published, not of a correction
		}
		for _, wn := range warnings {
			if lang(r) == "en" {
				body.Warnings = append(body.Warnings, wn.EN)
			} else {
				body.Warnings = append(body.Warnings, wn.ZH)
			}
		}
	}
	state := words(r).Draft
	if body.Published {
		state = words(r).Published
	}
	s.page(w, r, http.StatusOK, "draft", pageData{Title: key + " · " + state, Who: who, Current: "/work/", Body: body})
}

// jsonPath is the whole number at a dotted path of a JSON document.
func jsonPath(doc map[string]any, path string) (int, bool) {
	var v any = doc
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return 0, false
		}
		v = m[k]
	}
	f, ok := v.(float64)
	return int(f), ok
}

// workAct does the draft page's forms: review, publish and the rating, by the API's handlers.
func (s *Server) workDraftAct(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Viewer)
	if !ok {
		return
	}
	key, verb := r.PathValue("week"), r.PathValue("verb")
	back := "/work/draft/" + url.PathEscape(key)
	path := map[string]string{"week": key}
	switch verb {
	case "review":
		s.act(w, r, who, s.review, "/api/v1/bulletins/"+key+"/review", path, form(r, "note"), back, "review")
	case "publish":
		s.act(w, r, who, s.publish, "/api/v1/bulletins/"+key+"/publish", path, nil, back, "publish")
	case "correct":
		s.act(w, r, who, s.correct, "/api/v1/bulletins/"+key+"/correct", path, form(r, "reason"), back, "correct")
	case "rating":
		q := form(r, "level", "reason")
		s.act(w, r, who, s.override, "/api/v1/ratings/"+key, path, q, back, "rating")
	default:
		s.refuse(w, r, http.StatusNotFound, "no such action: "+verb)
	}
}

// pageSize is how many records a page of the workspace lists.
const pageSize = 100

// workRecords lists the records behind one number of an issue (analysts and up, only those
// of labels the role may read): filtered by a part of their value, ordered, paged, and
// exportable as the API's drill-down answers.
func (s *Server) workRecords(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	d, code, bad := parseDrill(r, pageSize)
	if bad != "" {
		s.refuse(w, r, code, bad)
		return
	}
	d.q.Limit = min(d.q.Limit, 1000)
	page, ok := s.drillPage(w, r, who, d)
	if !ok {
		return
	}
	ww := words(r)
	q := url.Values{}
	if d.q.Match != "" {
		q.Set("match", d.q.Match)
	}
	if d.q.Sort != "" {
		q.Set("sort", d.q.Sort)
	}
	at := func(off int) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		}
		if len(v) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + v.Encode()
	}
	api := "/api/v1/stats/" + d.period.String() + "/" + d.metric + "/records"
	body := struct {
		Key, Metric, Name, Match, Sort string
		Page                           store.DrillPage
		Showing, PrevHref, NextHref    string
		Sorts                          []string
		Exports                        []navLink
	}{Key: d.period.String(), Metric: d.metric, Name: ww.Metrics[d.metric], Match: d.q.Match, Sort: d.q.Sort, Page: page, Sorts: store.DrillSorts}
	if n := len(page.Items); n > 0 {
		body.Showing = fmt.Sprintf(ww.Showing, d.q.Offset+1, d.q.Offset+n, page.Matching)
	}
	if d.q.Offset > 0 {
		body.PrevHref = at(max(0, d.q.Offset-d.q.Limit))
	}
	if d.q.Offset+len(page.Items) < page.Matching {
		body.NextHref = at(d.q.Offset + d.q.Limit)
	}
	for _, f := range []string{"csv", "json", "stix", "misp"} {
		v := url.Values{"format": {f}, "limit": {strconv.Itoa(maxDrill)}}
		for k, vs := range q {
			v[k] = vs
		}
		body.Exports = append(body.Exports, navLink{strings.ToUpper(f), api + "?" + v.Encode()})
	}
	s.page(w, r, http.StatusOK, "records", pageData{Title: d.period.String() + " · " + body.Name, Who: who, Current: "/work/", Body: body})
}
