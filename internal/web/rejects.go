package web

import (
	"net/http"
	"regexp"
	"strconv"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/store"
)

// queryLimit reads ?limit=: def when absent, 0 for all; anything else is answered 400.
func queryLimit(w http.ResponseWriter, r *http.Request, def int) (int, bool) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		jsonError(w, http.StatusBadRequest, "limit is a number, 0 for all")
		return 0, false
	}
	return n, true
}

// rejectAnswer is one row set aside, as GET /api/v1/rejects answers it.
type rejectAnswer struct {
	Input  string    `json:"input"`
	Line   int       `json:"line"`
	Field  string    `json:"field"`
	Reason string    `json:"reason"`
	Raw    *string   `json:"raw"` // null where the caller may not read it
	At     time.Time `json:"set_aside_at"`
}

// quoted finds the values a reason quotes (as Go's %q writes them).
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// rejects lists the rows set aside (analysts and up), newest input first: ?input= (a name or
// SHA-256 prefix), ?limit= (200 by default, 0 for all). A rejected row has no label anyone
// vouched for — it was refused before its TLP field was read or trusted — so its raw text may
// be TLP:RED: only roles that may read RED get it; the others get where and why (without the
// values the reason quotes), and raw null.
func (s *Server) rejects(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	limit, ok := queryLimit(w, r, 200)
	if !ok {
		return
	}
	rows, err := s.Store.Rejects(r.Context(), store.RejectFilter{Input: r.URL.Query().Get("input"), Limit: limit})
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list the rows set aside: "+err.Error())
		return
	}
	raw := who.reads(event.Red)
	out := make([]rejectAnswer, len(rows))
	for i, rj := range rows {
		out[i] = rejectAnswer{Input: rj.Input, Line: rj.Line, Field: rj.Field, Reason: rj.Reason, At: rj.At}
		if raw {
			out[i].Raw = &rows[i].Raw
		} else {
			out[i].Reason = quoted.ReplaceAllString(rj.Reason, `"…"`) // the values it quotes are the row's text
		}
	}
	writeJSON(w, out)
}
