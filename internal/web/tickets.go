package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/store"
)

// reads reports whether the caller's role may read records of label l (none is CLEAR).
func (c caller) reads(l event.TLP) bool {
	if l == "" {
		l = event.Clear
	}
	return slices.Contains(auth.TLPs(c.role), string(l))
}

// mayRead answers 403 unless the caller's role may read records of label l.
func (c caller) mayRead(w http.ResponseWriter, l event.TLP) bool {
	if c.reads(l) {
		return true
	}
	jsonError(w, http.StatusForbidden, "the token's role "+c.role+" may not read TLP:"+string(l))
	return false
}

// readable reports whether the caller's role may read a ticket of its label.
func (c caller) readable(t store.Ticket) bool { return c.reads(t.TLP) }

// readTicket reads ticket id for the caller; a ticket of a label the role may not read is
// answered 404 as one that does not exist.
func (c caller) readTicket(w http.ResponseWriter, r *http.Request, st store.Tickets, id string) (store.Ticket, bool) {
	t, err := st.Ticket(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !c.readable(t) {
		jsonError(w, http.StatusNotFound, "no ticket "+id)
		return t, false
	}
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "read ticket: "+err.Error())
		return t, false
	}
	return t, true
}

// ticket answers one ticket with its history (analysts and up); a ticket of a label the role
// may not read is answered as one that does not exist.
func (s *Server) ticket(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	if t, ok := who.readTicket(w, r, s.Store, r.PathValue("id")); ok {
		writeJSON(w, t)
	}
}

// formTime reads an RFC 3339 time of a form value; empty is the zero time.
func formTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, v)
}

// openTicket opens a ticket as `sitrep incident open` does (analysts and up): ?type=, and
// optionally id, source, partner, impact, url, platform, cross_border, tlp, due, at, note.
// The caller may open a ticket only of a label the role may read.
func (s *Server) openTicket(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	q := r.URL.Query()
	t := incident.Ticket{ID: q.Get("id"), Type: event.IncidentType(q.Get("type")), Source: q.Get("source"), Partner: q.Get("partner"),
		Impact: q.Get("impact"), URL: q.Get("url"), Platform: q.Get("platform")}
	var err error
	if t.TLP, err = event.ParseTLP(q.Get("tlp")); err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	if !who.mayRead(w, t.TLP) {
		return
	}
	if v := q.Get("cross_border"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			jsonError(w, http.StatusBadRequest, "cross_border is true or false")
			return
		}
		t.CrossBorder = &b
	}
	at, err := formTime(q.Get("at"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "at: "+err.Error())
		return
	}
	due, err := formTime(q.Get("due"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "due: "+err.Error())
		return
	}
	if !due.IsZero() {
		t.Due = &due
	}
	s.writing(func(a store.Store) {
		got, err := (&incident.Service{Store: a}).Open(r.Context(), t, incident.Change{Actor: who.name, At: at, Note: q.Get("note")})
		if err != nil {
			jsonError(w, errorStatus(err, http.StatusUnprocessableEntity), err.Error())
			return
		}
		writeJSONStatus(w, http.StatusCreated, got)
	})
}

// changeTicket applies one verb of `sitrep incident` to a ticket (analysts and up): assign
// (?partner=), note, resolve, close, reject (?duplicate_of=), triage, reopen, label (?tlp=);
// ?note= and ?at= with each. It answers the ticket as it then is.
func (s *Server) changeTicket(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	id, verb, q := r.PathValue("id"), r.PathValue("verb"), r.URL.Query()
	at, err := formTime(q.Get("at"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "at: "+err.Error())
		return
	}
	c := incident.Change{Actor: who.name, At: at, Note: q.Get("note")}
	s.writing(func(a store.Store) {
		t, ok := who.readTicket(w, r, a, id)
		if !ok {
			return
		}
		var err error
		svc := &incident.Service{Store: a}
		switch verb {
		case "assign":
			if q.Get("partner") == "" {
				jsonError(w, http.StatusBadRequest, "partner is required")
				return
			}
			err = svc.Assign(r.Context(), id, q.Get("partner"), c)
		case "note":
			if strings.TrimSpace(c.Note) == "" {
				jsonError(w, http.StatusBadRequest, "note is required")
				return
			}
			err = svc.Note(r.Context(), id, c)
		case "label":
			to, perr := event.ParseTLP(q.Get("tlp"))
			if q.Get("tlp") == "" || perr != nil {
				jsonError(w, http.StatusBadRequest, "tlp is CLEAR, GREEN, AMBER, AMBER+STRICT or RED")
				return
			}
			if !who.mayRead(w, to) {
				return
			}
			err = svc.Relabel(r.Context(), id, to, c)
		case "notify":
			if s.Notice == nil {
				jsonError(w, http.StatusNotImplemented, "this server sends no notices")
				return
			}
			_, err = s.Notice(r.Context(), a, id, who.name, true)
		case "reject":
			to := incident.Rejected
			if d := q.Get("duplicate_of"); d != "" {
				to = incident.Duplicate
				c.Note = strings.TrimSpace("duplicate of " + d + ". " + c.Note)
			}
			err = svc.Move(r.Context(), id, to, c)
		default:
			to, known := map[string]incident.State{"resolve": incident.Resolved, "close": incident.Closed, "triage": incident.Triaged, "reopen": incident.Coordinating}[verb]
			if !known {
				jsonError(w, http.StatusNotFound, "no such change: "+verb)
				return
			}
			err = svc.Move(r.Context(), id, to, c)
		}
		if err != nil {
			jsonError(w, errorStatus(err, http.StatusUnprocessableEntity), err.Error())
			return
		}
		if t, err = a.Ticket(r.Context(), id); err != nil {
			jsonError(w, http.StatusInternalServerError, "read ticket: "+err.Error())
			return
		}
		writeJSON(w, t)
	})
}

// notice answers a ticket's notification as it would be sent now, without sending it
// (analysts and up; a ticket of a label the role may not read does not exist).
func (s *Server) notice(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	id := r.PathValue("id")
	if _, ok := who.readTicket(w, r, s.Store, id); !ok {
		return
	}
	if s.Notice == nil {
		jsonError(w, http.StatusNotImplemented, "this server sends no notices")
		return
	}
	msg, err := s.Notice(r.Context(), s.Store, id, who.name, false)
	if err != nil {
		jsonError(w, errorStatus(err, http.StatusUnprocessableEntity), err.Error())
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Write(msg)
}

// partners lists the partner directory (analysts and up).
func (s *Server) partners(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	ps, err := s.Store.Partners(r.Context())
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list partners: "+err.Error())
		return
	}
	writeJSON(w, ps)
}

// setPartner adds or replaces a partner of the directory (analysts and up): ?name=, ?kind=
// (telecom, cloud, registrar, app_store, branch, international), ?country= (ISO alpha-2),
// ?contact=.
func (s *Server) setPartner(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	q := r.URL.Query()
	kind, err := event.ParseEnum("partner kind", q.Get("kind"), event.PartnerKinds)
	if q.Get("name") == "" || err != nil {
		jsonError(w, http.StatusBadRequest, "name and kind are required; kind is one of "+strings.Join(event.PartnerKinds, ", "))
		return
	}
	cc := strings.ToUpper(strings.TrimSpace(q.Get("country")))
	if cc != "" && len(cc) != 2 {
		jsonError(w, http.StatusBadRequest, "country is an ISO 3166 alpha-2 code such as CN")
		return
	}
	p := store.Partner{Name: q.Get("name"), Kind: kind, Country: cc, Contact: q.Get("contact")}
	s.writing(func(a store.Store) {
		if err := a.SetPartner(r.Context(), p); err != nil {
			jsonError(w, http.StatusInternalServerError, "set partner: "+err.Error())
			return
		}
		writeJSONStatus(w, http.StatusCreated, p)
	})
}

// ticketsFromEvents opens a ticket for each URL of a week's events of a kind that has none
// open, as `sitrep incident open --from-events` does (analysts and up): ?week=, ?kind=
// (phishing by default), ?at=, ?note=. Each ticket takes the most restrictive label of its
// events; the answer lists only those the role may read, and counts the others.
func (s *Server) ticketsFromEvents(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	q := r.URL.Query()
	if q.Get("kind") == "" {
		q.Set("kind", string(event.Phishing))
	}
	rg, kind, ok := s.weekAndKind(w, q)
	if !ok {
		return
	}
	at, err := formTime(q.Get("at"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "at: "+err.Error())
		return
	}
	s.writing(func(a store.Store) {
		opened, skipped, err := (&incident.Service{Store: a}).OpenFromEvents(r.Context(), a, rg, event.Kind(kind), incident.Change{Actor: who.name, At: at, Note: q.Get("note")})
		if err != nil {
			jsonError(w, errorStatus(err, http.StatusUnprocessableEntity), err.Error())
			return
		}
		shown := []store.Ticket{}
		for _, t := range opened {
			if who.readable(t) {
				shown = append(shown, t)
			}
		}
		writeJSONStatus(w, http.StatusCreated, map[string]any{"opened": len(opened), "skipped": skipped, "tickets": shown})
	})
}
