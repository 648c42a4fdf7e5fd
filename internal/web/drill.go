package web

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/export"
	"sitrep/internal/period"
	"sitrep/internal/store"
)

// maxDrill is the most items one drill-down answer lists; ?offset= pages on.
const maxDrill = 100000

// drill answers GET /api/v1/stats/{week}/{metric}/records (analysts and up): the distinct items
// a count of the statistics counts over a week, a month, a quarter or a year — the sites
// behind defaced.gov, the addresses behind malware_sites.ips — from the records of the labels
// the caller's role may read, with how many there are in all (the count's value over those
// records). ?format=json (default) or csv (cells a spreadsheet shows as text); ?limit= (1000,
// at most 100,000) and ?offset=.
func (s *Server) drill(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	p, err := period.Parse(r.PathValue("week"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	metric := r.PathValue("metric")
	if !slices.Contains(store.DrillMetrics, metric) {
		jsonError(w, http.StatusNotFound, "no count "+strconv.Quote(metric)+" whose items are listed; they are the statistics' event counts, such as defaced.gov or malware_sites.ips")
		return
	}
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" {
		jsonError(w, http.StatusBadRequest, "format is json or csv")
		return
	}
	n, err := strconv.Atoi(q.Get("limit"))
	if err != nil || n <= 0 {
		n = 1000
	}
	off, err := strconv.Atoi(q.Get("offset"))
	if err != nil || off < 0 {
		off = 0
	}
	var labels []event.TLP
	for _, l := range auth.TLPs(who.role) {
		labels = append(labels, event.TLP(l))
	}
	release, ok := s.slot(w, r)
	if !ok {
		return
	}
	defer release()
	from, to := p.Bounds(s.zone())
	page, err := s.Store.Drill(r.Context(), store.Range{From: from, To: to}, store.Scope{Count: labels, Names: labels}, metric, min(n, maxDrill), off)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Sitrep-Total", strconv.Itoa(page.Total))
	if format == "json" {
		writeJSON(w, page)
		return
	}
	rows := make([][]string, len(page.Items))
	for i, it := range page.Items {
		rows[i] = []string{it.Value, it.First.Format(time.RFC3339), it.Last.Format(time.RFC3339), strconv.Itoa(it.Events),
			it.URL, it.Country, it.Province, it.Target, it.Family}
	}
	var buf bytes.Buffer
	if err := export.Rows(&buf, []string{"value", "first_seen", "last_seen", "events", "url", "country", "province", "target", "family"}, rows); err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+p.String()+"-"+metric+`.csv"`)
	w.Write(buf.Bytes())
}
