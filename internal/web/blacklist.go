package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"sitrep/internal/blacklist"
	"sitrep/internal/bulletin"
	"sitrep/internal/period"
	"sitrep/internal/store"
)

// blacklistFile serves a file of the public blacklist (/blacklist/domains.txt, ips.txt,
// urls.txt, hosts.txt, rpz.zone, entries.json) of the latest published week, as frozen when it
// was published (a week published before weeks kept theirs: as of its end, from the data now):
// anyone may pull it, it changes only when a week is published, and an unchanged file answers
// 304 to the ETag a resolver or firewall kept.
func (s *Server) blacklistFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if _, ok := blacklist.Files[name]; !ok && name != "entries.json" {
		jsonError(w, http.StatusNotFound, "the blacklist's files are domains.txt, ips.txt, urls.txt, hosts.txt, rpz.zone and entries.json")
		return
	}
	ctx := r.Context()
	weeks, err := s.publishedOf(ctx, bulletin.Weekly, "zh", "html")
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "read the archive: "+err.Error())
		return
	}
	if len(weeks) == 0 {
		jsonError(w, http.StatusNotFound, "no week is published yet: the blacklist follows the published weeks")
		return
	}
	latest := weeks[0].Week // newest first
	l := new(blacklist.List)
	frozen, err := s.Store.Rendering(ctx, latest, "", blacklist.Format)
	switch {
	case err == nil:
		err = json.Unmarshal(frozen.Content, l)
	case errors.Is(err, store.ErrNotFound):
		p, _ := period.Parse(latest)
		_, asOf := p.Bounds(s.zone())
		l, err = blacklist.Build(ctx, s.Store, asOf, 0, s.zone())
	}
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "the blacklist: "+err.Error())
		return
	}
	var body bytes.Buffer
	contentType := "text/plain; charset=utf-8"
	if name == "entries.json" {
		writeJSONTo(&body, l)
		contentType = "application/json"
	} else if err := l.Write(&body, name, s.RPZOrigin); err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	sum := sha256.Sum256(body.Bytes())
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Content-Type", contentType)
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body.Bytes())
}

// etagMatches applies If-None-Match (RFC 9110 13.1.2): "*", or a list of tags compared weakly
// (W/"x" matches "x").
func etagMatches(header, etag string) bool {
	if strings.TrimSpace(header) == "*" {
		return true
	}
	for _, t := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(t), "W/") == etag {
			return true
		}
	}
	return false
}
