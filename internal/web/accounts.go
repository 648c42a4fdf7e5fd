package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// listAccounts lists the workspace's accounts and the live sessions (administrators).
func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Admin) {
		return
	}
	as, err := s.Store.ListAccounts(r.Context())
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list accounts: "+err.Error())
		return
	}
	ss, err := s.Store.Sessions(r.Context(), s.now())
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list sessions: "+err.Error())
		return
	}
	if as == nil {
		as = []store.Account{}
	}
	if ss == nil {
		ss = []store.Session{}
	}
	writeJSON(w, map[string]any{"accounts": as, "sessions": ss})
}

// AccountRequest is the body of POST /api/v1/accounts: a new account, or a new role and
// password for one. The password travels in the body, never in the address.
type AccountRequest struct {
	Name     string `json:"name"`
	Role     string `json:"role"`
	Password string `json:"password"`
}

// setAccount adds an account or replaces its role and password (administrators).
func (s *Server) setAccount(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Admin) {
		return
	}
	var req AccountRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		jsonError(w, http.StatusBadRequest, "the body is a JSON object with name, role and password")
		return
	}
	a, err := NewAccount(req.Name, req.Role, req.Password, s.now())
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	s.writing(func(st store.Store) {
		if err := st.SetAccount(r.Context(), a, who.name); err != nil {
			jsonError(w, http.StatusInternalServerError, "set account: "+err.Error())
			return
		}
		writeJSONStatus(w, http.StatusCreated, map[string]string{"name": a.Name, "role": a.Role})
	})
}

// NewAccount checks an account's name, role and password and returns the account to store,
// its password hashed.
func NewAccount(name, role, password string, at time.Time) (store.Account, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 || strings.ContainsFunc(name, func(c rune) bool { return c < ' ' || c == 0x7f }) {
		return store.Account{}, errors.New("an account's name is 1 to 64 printable characters")
	}
	role, err := auth.ParseRole(role)
	if err != nil {
		return store.Account{}, err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return store.Account{}, err
	}
	return store.Account{Name: name, Role: role, Hash: hash, CreatedAt: at}, nil
}

// changeAccount disables an account (disable) or ends its sessions (logout), administrators.
func (s *Server) changeAccount(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Admin) {
		return
	}
	name, verb := r.PathValue("name"), r.PathValue("verb")
	ctx := r.Context()
	s.writing(func(st store.Store) {
		var n int
		var err error
		switch verb {
		case "disable":
			err = st.DisableAccount(ctx, name, who.name, s.now())
		case "logout":
			if _, err = st.Account(ctx, name); err == nil {
				n, err = st.EndSessions(ctx, name, who.name, s.now())
			}
		default:
			jsonError(w, http.StatusNotFound, "no such change: "+verb+" (disable or logout)")
			return
		}
		switch {
		case errors.Is(err, store.ErrNotFound):
			jsonError(w, http.StatusNotFound, "no account "+name)
		case err != nil:
			jsonError(w, http.StatusInternalServerError, err.Error())
		case verb == "disable": // its sessions ended with it
			writeJSON(w, map[string]any{"name": name, "disabled": true})
		default:
			writeJSON(w, map[string]any{"name": name, "logout": true, "sessions_ended": n})
		}
	})
}

// AuditFilterOf reads the audit log's filters from a query (the API's) or the command's
// flags: actor, action, subject, since and until (dates in zone, or RFC 3339 times; until a
// date takes the whole day), limit (200 by default, 0 for all).
func AuditFilterOf(q url.Values, zone *time.Location) (store.AuditFilter, error) {
	f := store.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), Subject: q.Get("subject"), Limit: 200}
	for _, t := range []struct {
		name string
		to   *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		v := q.Get(t.name)
		if v == "" {
			continue
		}
		at, err := time.ParseInLocation(time.DateOnly, v, zone)
		if err != nil {
			if at, err = time.Parse(time.RFC3339, v); err != nil {
				return f, errors.New(t.name + " is a date (2024-03-01) or a time (2024-03-01T08:00:00Z)")
			}
		} else if t.name == "until" {
			at = at.AddDate(0, 0, 1)
		}
		*t.to = at
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return f, errors.New("limit is a whole number, 0 for all")
		}
		f.Limit = n
	}
	return f, nil
}

// auditLog answers the audit log, newest first (administrators).
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Admin) {
		return
	}
	f, err := AuditFilterOf(r.URL.Query(), s.zone())
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	log, err := s.Store.AuditLog(r.Context(), f)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	if log == nil {
		log = []store.AuditEntry{}
	}
	writeJSON(w, log)
}

// workAccounts shows the accounts and the live sessions, with forms to add an account or set
// one's role and password, to end an account's sessions and to disable it (administrators).
func (s *Server) workAccounts(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Admin)
	if !ok {
		return
	}
	var list struct {
		Accounts []store.Account `json:"accounts"`
		Sessions []store.Session `json:"sessions"`
	}
	if !s.read(w, r, who, s.listAccounts, "/api/v1/accounts", nil, nil, &list) {
		return
	}
	live := map[string]int{}
	for _, ss := range list.Sessions {
		live[ss.Account]++
	}
	type row struct {
		store.Account
		Sessions int
	}
	body := struct {
		Rows  []row
		Roles []string
	}{Roles: auth.Roles}
	for _, a := range list.Accounts {
		body.Rows = append(body.Rows, row{a, live[a.Name]})
	}
	s.page(w, r, http.StatusOK, "accounts", pageData{Title: words(r).Accounts, Who: who, Current: "/work/accounts", Body: body})
}

// workAccountAct does the accounts page's forms: set (name, role, password), and disable or
// logout of an account.
func (s *Server) workAccountAct(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Admin)
	if !ok {
		return
	}
	verb := r.PathValue("verb")
	if verb == "disable" || verb == "logout" {
		name := r.PostFormValue("name")
		s.act(w, r, who, s.changeAccount, "/api/v1/accounts/"+url.PathEscape(name)+"/"+verb, map[string]string{"name": name, "verb": verb}, nil, "/work/accounts", "account")
		return
	}
	if verb != "set" {
		s.refuse(w, r, http.StatusNotFound, "no such change: "+verb)
		return
	}
	a, err := NewAccount(r.PostFormValue("name"), r.PostFormValue("role"), r.PostFormValue("password"), s.now())
	if err != nil {
		s.refuse(w, r, http.StatusBadRequest, err.Error())
		return
	}
	var failed error
	s.writing(func(st store.Store) { failed = st.SetAccount(r.Context(), a, who.name) })
	if failed != nil {
		jsonError(w, http.StatusInternalServerError, "set account: "+failed.Error())
		return
	}
	http.Redirect(w, r, "/work/accounts?done=account", http.StatusSeeOther)
}
