package web

import (
	"bytes"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
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
// records). ?format=json (default), csv (cells a spreadsheet shows as text), stix (a STIX 2.1
// bundle of indicators) or misp (a MISP event), the last two each value with its TLP marking
// and never a TLP:RED one (X-Sitrep-Withheld says how many were left out); ?limit= (1000, at
// most 100,000) and ?offset=.
func (s *Server) drill(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	d, code, bad := parseDrill(r, 1000)
	if bad != "" {
		jsonError(w, code, bad)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" && format != "stix" && format != "misp" {
		jsonError(w, http.StatusBadRequest, "format is json, csv, stix or misp")
		return
	}
	page, ok := s.drillPage(w, r, who, d)
	if !ok {
		return
	}
	p, metric := d.period, d.metric
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Sitrep-Total", strconv.Itoa(page.Total))
	switch format {
	case "json":
		writeJSON(w, page)
		return
	case "stix", "misp":
		evs, withheld := drillEvents(page)
		w.Header().Set("X-Sitrep-Withheld", strconv.Itoa(withheld))
		var buf bytes.Buffer
		var err error
		if format == "stix" {
			err = export.STIX(&buf, evs)
			w.Header().Set("Content-Type", "application/stix+json;version=2.1")
		} else {
			err = export.MISP(&buf, p.String()+" "+metric, evs)
			w.Header().Set("Content-Type", "application/json")
		}
		w.Header().Set("Content-Disposition", `attachment; filename="`+p.String()+"-"+metric+"."+format+`.json"`)
		if err != nil {
			jsonError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.Write(buf.Bytes())
		return
	}
	rows := make([][]string, len(page.Items))
	for i, it := range page.Items {
		rows[i] = []string{it.Value, it.First.Format(time.RFC3339), it.Last.Format(time.RFC3339), strconv.Itoa(it.Events),
			it.URL, it.Country, it.Province, it.Target, it.Family, string(it.TLP)}
	}
	var buf bytes.Buffer
	if err := export.Rows(&buf, []string{"value", "first_seen", "last_seen", "events", "url", "country", "province", "target", "family", "tlp"}, rows); err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+p.String()+"-"+metric+`.csv"`)
	w.Write(buf.Bytes())
}

// drillArgs is what a drill-down asks for: a count of a period, and which of its items.
type drillArgs struct {
	period period.Period
	metric string
	q      store.DrillQuery
}

// parseDrill reads a drill-down's period and metric from the path, and ?limit= (n by
// default), ?offset=, ?match= and ?sort=; or says why not, with the status to answer.
func parseDrill(r *http.Request, n int) (drillArgs, int, string) {
	var d drillArgs
	var err error
	if d.period, err = period.Parse(r.PathValue("week")); err != nil {
		return d, http.StatusBadRequest, err.Error()
	}
	d.metric = r.PathValue("metric")
	if !slices.Contains(store.DrillMetrics, d.metric) {
		return d, http.StatusNotFound, "no count " + strconv.Quote(d.metric) + " whose items are listed; they are the statistics' event counts, such as defaced.gov or malware_sites.ips"
	}
	q := r.URL.Query()
	d.q = store.DrillQuery{Limit: n, Match: q.Get("match"), Sort: q.Get("sort")}
	if d.q.Sort != "" && !slices.Contains(store.DrillSorts, d.q.Sort) {
		return d, http.StatusBadRequest, "sort is one of " + strings.Join(store.DrillSorts, ", ")
	}
	if len(d.q.Match) > 256 {
		return d, http.StatusBadRequest, "match is at most 256 bytes"
	}
	for _, v := range []struct {
		name string
		to   *int
		min  int
	}{{"limit", &d.q.Limit, 1}, {"offset", &d.q.Offset, 0}} {
		s := q.Get(v.name)
		if s == "" {
			continue
		}
		x, err := strconv.Atoi(s)
		if err != nil || x < v.min {
			return d, http.StatusBadRequest, v.name + " is a whole number from " + strconv.Itoa(v.min)
		}
		*v.to = x
	}
	d.q.Limit = min(d.q.Limit, maxDrill)
	return d, 0, ""
}

// drillPage lists the items d asks for, from the records of the labels the caller's role may
// read, in a query slot.
func (s *Server) drillPage(w http.ResponseWriter, r *http.Request, who caller, d drillArgs) (store.DrillPage, bool) {
	var labels []event.TLP
	for _, l := range auth.TLPs(who.role) {
		labels = append(labels, event.TLP(l))
	}
	release, ok := s.slot(w, r)
	if !ok {
		return store.DrillPage{}, false
	}
	defer release()
	from, to := d.period.Bounds(s.zone())
	page, err := s.Store.Drill(r.Context(), store.Range{From: from, To: to}, store.Scope{Count: labels, Names: labels}, d.metric, d.q)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return page, false
	}
	return page, true
}

// drillEvents makes a page's items the events a sharing format writes: one per item, of the
// counted kind, its value in the field its type names, first seen when the item was; TLP:RED
// items are withheld (and counted).
func drillEvents(page store.DrillPage) (evs []event.Event, withheld int) {
	for _, it := range page.Items {
		if it.TLP == event.Red {
			withheld++
			continue
		}
		e := event.Event{Time: it.First, Kind: page.Kind, TLP: it.TLP, Family: it.Family}
		switch page.ValueType {
		case "url":
			e.URL = it.Value
		case "domain":
			e.Domain = it.Value
		case "host": // a site: shared as one of its URLs, which names it exactly, where it has one
			if it.URL != "" {
				e.URL = it.URL
			} else if _, err := netip.ParseAddr(it.Value); err == nil {
				e.IP = it.Value
			} else {
				e.Host = it.Value
			}
		default:
			e.IP = it.Value
		}
		evs = append(evs, e)
	}
	return evs, withheld
}
