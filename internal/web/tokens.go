package web

import (
	"net/http"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// createToken makes a new API token (administrators): ?role= and ?name=. The answer carries
// the token itself, once; the store keeps only its digest.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Admin) {
		return
	}
	q := r.URL.Query()
	role, err := auth.ParseRole(q.Get("role"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	name := q.Get("name")
	if name == "" {
		name = role + "-" + time.Now().Format("20060102-150405")
	}
	token, digest, err := auth.NewToken()
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "new token: "+err.Error())
		return
	}
	s.writing(func(a store.Store) {
		if err := a.AddToken(r.Context(), store.Token{Digest: digest, Name: name, Role: role, CreatedAt: time.Now()}, who.name); err != nil {
			jsonError(w, http.StatusInternalServerError, "add token: "+err.Error())
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		writeJSONStatus(w, http.StatusCreated, map[string]string{"token": token, "name": name, "role": role})
	})
}

// listTokens lists the tokens, revoked ones too, without their digests (administrators).
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Admin) {
		return
	}
	ts, err := s.Store.ListTokens(r.Context())
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list tokens: "+err.Error())
		return
	}
	writeJSON(w, ts)
}

// revokeTokens revokes the live tokens named ?name= (administrators); 404 when there is none.
func (s *Server) revokeTokens(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Admin) {
		return
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		jsonError(w, http.StatusBadRequest, "name is required")
		return
	}
	s.writing(func(a store.Store) {
		n, err := a.RevokeTokens(r.Context(), name, who.name, time.Now())
		switch {
		case err != nil:
			jsonError(w, http.StatusInternalServerError, "revoke tokens: "+err.Error())
		case n == 0:
			jsonError(w, http.StatusNotFound, "no live token is named "+name)
		default:
			writeJSON(w, map[string]any{"name": name, "revoked": n})
		}
	})
}
