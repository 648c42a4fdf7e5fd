package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/period"
	"sitrep/internal/store"
)

// rating answers a week's rating as `sitrep rate` shows it (viewers and up): the public
// edition's statistics, whose rating holds the level, its reasons and any override, and the
// week's audit log.
func (s *Server) rating(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Viewer) {
		return
	}
	s.answerRating(w, r)
}

// override records an analyst's rating of a week in place of the computed one (analysts and
// up): ?level= one of 优 良 中 差 危, or empty to withdraw the override, and ?reason=.
func (s *Server) override(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	wk, ok := ratedPeriod(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	level, reason := q.Get("level"), strings.TrimSpace(q.Get("reason"))
	switch {
	case level != "" && !slices.Contains(assess.Levels, level):
		jsonError(w, http.StatusBadRequest, "level is one of "+strings.Join(assess.Levels, " ")+", or empty to withdraw the override")
		return
	case reason == "":
		jsonError(w, http.StatusBadRequest, "say why with reason")
		return
	}
	failed := false
	s.writing(func(a store.Store) {
		if err := store.Unpublished(r.Context(), a, wk.String()); err != nil {
			jsonError(w, errorStatus(err, http.StatusConflict), err.Error())
			failed = true
			return
		}
		o := store.Override{Week: wk.String(), Level: level, Reason: reason, Actor: who.name, At: time.Now()}
		if err := a.SetOverride(r.Context(), o); err != nil {
			jsonError(w, http.StatusInternalServerError, "set override: "+err.Error())
			failed = true
		}
	})
	if !failed {
		s.answerRating(w, r)
	}
}

// ratedPeriod reads the week or month of a rating request; quarters and years are not rated.
func ratedPeriod(w http.ResponseWriter, r *http.Request) (period.Period, bool) {
	p, err := period.Parse(r.PathValue("week"))
	switch {
	case err != nil:
		jsonError(w, http.StatusBadRequest, err.Error())
		return p, false
	case p.Kind != period.Week && p.Kind != period.Month:
		jsonError(w, http.StatusBadRequest, p.String()+": weeks and months are rated; quarters and years are not")
		return p, false
	}
	return p, true
}

func (s *Server) answerRating(w http.ResponseWriter, r *http.Request) {
	wk, ok := ratedPeriod(w, r)
	if !ok {
		return
	}
	if s.Stats == nil {
		fail(w, http.StatusNotFound, "ratings are not served here")
		return
	}
	release, ok := s.slot(w, r)
	if !ok {
		return
	}
	defer release()
	st, err := s.Stats(r.Context(), s.Store, wk.String(), event.Clear)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	log, err := s.Store.AuditLog(r.Context(), store.AuditFilter{Subject: wk.String(), Limit: 10})
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "audit log: "+err.Error())
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	writeJSON(w, map[string]any{"stats": st, "audit": log})
}
