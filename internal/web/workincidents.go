package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/store"
)

// workIncidents shows the incident queue (analysts and up) with the API's filters — state,
// type, partner, week closed in, overdue — and the form that opens tickets from a week's
// events.
func (s *Server) workIncidents(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	in := r.URL.Query()
	q := url.Values{}
	for _, k := range []string{"state", "type", "partner", "week", "overdue"} {
		if v := in.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	state := in.Get("state")
	switch state {
	case "": // the queue: what still needs work
		state = openStates
		q.Set("state", state)
	case "all":
		q.Del("state")
	}
	q.Set("limit", strconv.Itoa(queueLimit))
	var tickets []store.Ticket
	if !s.read(w, r, who, s.incidents, "/api/v1/incidents", nil, q, &tickets) {
		return
	}
	var partners []store.Partner
	if !s.read(w, r, who, s.partners, "/api/v1/partners", nil, nil, &partners) {
		return
	}
	body := struct {
		Tickets                           []store.Ticket
		State, Type, Partner, Week        string
		Overdue                           bool
		States, Types, Kinds, PartnerList []string
		More                              string
	}{Tickets: tickets, State: state, Type: in.Get("type"), Partner: in.Get("partner"), Week: in.Get("week"), Overdue: in.Get("overdue") == "true"}
	if len(tickets) >= queueLimit {
		body.More = fmt.Sprintf(words(r).FirstOnly, queueLimit)
	}
	body.States = append(body.States, openStates)
	for _, st := range incident.States {
		body.States = append(body.States, string(st))
	}
	for _, t := range event.IncidentTypes {
		body.Types = append(body.Types, string(t))
	}
	for _, k := range event.BulletinKinds {
		body.Kinds = append(body.Kinds, string(k))
	}
	for _, p := range partners {
		body.PartnerList = append(body.PartnerList, p.Name)
	}
	for _, t := range tickets { // partners of tickets imported from elsewhere, too
		if t.Partner != "" && !slices.Contains(body.PartnerList, t.Partner) {
			body.PartnerList = append(body.PartnerList, t.Partner)
		}
	}
	slices.Sort(body.PartnerList)
	s.page(w, r, http.StatusOK, "incidents", pageData{Title: words(r).Incidents, Who: who, Current: "/work/incidents", Body: body})
}

// The queue shows the tickets that still need work unless asked otherwise, at most queueLimit.
const (
	openStates = "new,triaged,coordinating"
	queueLimit = 500
)

// verbTargets are the moves a ticket page offers, by the state each leads to; reject has a
// form of its own, which asks why.
var verbTargets = []struct {
	verb string
	to   incident.State
}{{"triage", incident.Triaged}, {"resolve", incident.Resolved}, {"close", incident.Closed}, {"reopen", incident.Coordinating}, {"reject", incident.Rejected}}

// workTicket shows a ticket with its history, its links (defanged, never links), its partner
// and deadline; the moves its state allows as buttons; the notice it would send.
func (s *Server) workTicket(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	id := r.PathValue("id")
	path := map[string]string{"id": id}
	var t store.Ticket
	if !s.read(w, r, who, s.ticket, "/api/v1/incidents/"+id, path, nil, &t) {
		return
	}
	var partners []store.Partner
	if !s.read(w, r, who, s.partners, "/api/v1/partners", nil, nil, &partners) {
		return
	}
	body := struct {
		T                 store.Ticket
		Verbs             []navLink
		Partners          []string
		Labels            []string
		Final, Assignable bool
		Rejectable        bool
		Notice, NoticeErr string
		Overdue           bool
	}{T: t, Final: incident.State(t.State).Final()}
	ww := words(r)
	for _, v := range verbTargets {
		if !incident.CanMove(incident.State(t.State), v.to) {
			continue
		}
		if v.verb == "reject" {
			body.Rejectable = true
			continue
		}
		name := ww.Verbs[v.verb]
		if v.verb == "reopen" && t.State == string(incident.Resolved) {
			name = ww.Verbs["reopen:resolved"]
		}
		body.Verbs = append(body.Verbs, navLink{name, v.verb})
	}
	body.Assignable = !body.Final && t.State != string(incident.Resolved)
	for _, p := range partners {
		body.Partners = append(body.Partners, p.Name)
	}
	for _, l := range auth.TLPs(who.role) {
		body.Labels = append(body.Labels, l)
	}
	body.Overdue = t.Due != nil && t.Due.Before(s.now()) && incident.State(t.State).Open()
	if t.Partner != "" && !body.Final && s.Notice != nil {
		rec := s.inner(r, who, http.MethodGet, s.notice, "/api/v1/incidents/"+id+"/notice", path, nil)
		if rec.Code == http.StatusOK {
			body.Notice = rec.Body.String()
		} else {
			body.NoticeErr = apiError(rec)
		}
	}
	s.page(w, r, http.StatusOK, "ticket", pageData{Title: ww.Incidents + " " + t.ID, Who: who, Current: "/work/incidents", Body: body})
}

// workTicketAct does a ticket page's forms by the API's handler: a move, a note, an
// assignment, a new label, a notice sent.
func (s *Server) workTicketAct(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	id, verb := r.PathValue("id"), r.PathValue("verb")
	known := slices.ContainsFunc(verbTargets, func(v struct {
		verb string
		to   incident.State
	}) bool {
		return v.verb == verb
	})
	if !known && verb != "note" && verb != "assign" && verb != "label" && verb != "notify" {
		s.refuse(w, r, http.StatusNotFound, "no such change: "+verb)
		return
	}
	what := "ticket"
	if verb == "notify" {
		what = "notify"
	}
	s.act(w, r, who, s.changeTicket, "/api/v1/incidents/"+id+"/"+verb, map[string]string{"id": id, "verb": verb},
		form(r, "note", "partner", "tlp", "duplicate_of"), "/work/incidents/"+url.PathEscape(id), what)
}

// workFromEvents opens tickets from a week's events of a kind, by the API's handler.
func (s *Server) workFromEvents(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	rec := s.inner(r, who, http.MethodPost, s.ticketsFromEvents, "/api/v1/incidents/from-events", nil, form(r, "week", "kind", "note"))
	var answer struct {
		Opened  int `json:"opened"`
		Skipped int `json:"skipped"`
	}
	if rec.Code/100 != 2 || json.Unmarshal(rec.Body.Bytes(), &answer) != nil {
		s.actFailed(w, r, who, rec, "/work/incidents")
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/work/incidents?done=opened&n=%d&skipped=%d", answer.Opened, answer.Skipped), http.StatusSeeOther)
}
