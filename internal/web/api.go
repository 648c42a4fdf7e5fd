package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/export"
	"sitrep/internal/period"
	"sitrep/internal/store"
)

// caller is who sent a request: the token's or the account's name and role, or nobody.
type caller struct {
	name, role string
	// session is the session cookie's value where a browser's session sent the request.
	session string
}

// identify reads the bearer token, if any. A token that is not valid answers 401 at once.
func (s *Server) identify(w http.ResponseWriter, r *http.Request) (caller, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return s.sessionCaller(w, r)
	}
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || token == "" {
		fail(w, http.StatusUnauthorized, "Authorization is Bearer TOKEN")
		return caller{}, false
	}
	t, err := s.lookup(r, token)
	if err != nil {
		fail(w, http.StatusUnauthorized, "the token is not valid")
		return caller{}, false
	}
	return caller{name: t.Name, role: t.Role}, true
}

// may answers 401 (no token) or 403 (a token without the role) unless the caller has need.
func (c caller) may(w http.ResponseWriter, need string) bool {
	switch {
	case auth.Allows(c.role, need):
		return true
	case c.role == "":
		fail(w, http.StatusUnauthorized, "this needs an API token with the role "+need+" or above")
	default:
		jsonError(w, http.StatusForbidden, "the token's role "+c.role+" may not do this; it needs "+need+" or above")
	}
	return false
}

func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

func writeJSONStatus(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	writeJSONTo(w, v)
}

// writeJSONTo writes v as the API's JSON: indented.
func writeJSONTo(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// MaxBody bounds what one ingest request may send.
const MaxBody = 1 << 30

// ingest ingests the request's body as `sitrep ingest` would (analysts and up). The body is
// received whole into a file before the ingest takes its turn as the writer, so a slow
// upload keeps no one else from writing; then it is a job (jobs.go): answered with its
// summary when it is done within the wait, or 202 with the job's address.
func (s *Server) ingest(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	if s.Ingest == nil && s.Enqueue == nil {
		jsonError(w, http.StatusNotFound, "this server takes no uploads")
		return
	}
	wait, err := s.syncWait(r)
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return
	}
	if s.Enqueue != nil {
		wait = 0 // the workers finish the job: answered at once
	}
	l := s.Limits.withDefaults()
	path, err := s.receive(newUploadReader(w, http.MaxBytesReader(w, r.Body, l.MaxUpload), l))
	if errors.Is(err, errTooSlow) {
		jsonError(w, http.StatusRequestTimeout, fmt.Sprintf("the upload was cut off: it arrived slower than %d bytes a second", l.MinUploadRate))
		return
	}
	if err != nil {
		jsonError(w, errorStatus(err, http.StatusBadRequest), "receive the body: "+err.Error())
		return
	}
	q := r.URL.Query()
	iq := IngestQuery{Format: q.Get("format"), Source: q.Get("source"), Observed: q.Get("observed"), Name: q.Get("name")}
	if iq.Name == "" {
		iq.Name = "-"
	}
	j, end, err := s.startIngest(r, who, path, iq)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.awaitJob(w, r, j, end, wait, func(sum any) { writeJSON(w, sum) })
}

// startIngest ingests an upload received whole into path as a job, and removes the file
// when done. The upload is written to the audit log: who sent what, from where.
func (s *Server) startIngest(r *http.Request, who caller, path string, iq IngestQuery) (store.Job, <-chan jobEnd, error) {
	from := store.OriginOf(r.Context())
	if s.Enqueue != nil {
		return s.enqueue(r, who, path, iq)
	}
	j, end, err := s.runJob(r.Context(), "ingest", who, func(ctx context.Context, st store.Store) (any, error) {
		defer os.Remove(path)
		sum, err := s.Ingest(ctx, st, path, iq)
		if err == nil {
			s.log().Info("ingested over HTTP", "by", who.name, "summary", sum)
			b, _ := json.Marshal(sum)
			st.AddAudit(store.WithOrigin(ctx, from), store.AuditEntry{At: s.now(), Actor: who.name, Action: "ingest", Subject: iq.Name, Detail: string(b)})
		}
		return sum, err
	})
	if err != nil {
		os.Remove(path)
	}
	return j, end, err
}

// enqueue hands an upload received whole into path to the queue's workers as a job, and
// removes the file once its batches are sent. The upload is written to the audit log.
func (s *Server) enqueue(r *http.Request, who caller, path string, iq IngestQuery) (store.Job, <-chan jobEnd, error) {
	j := store.Job{ID: newJobID(), Server: s.Name, Kind: "ingest", Actor: who.name, State: store.JobQueued, Created: time.Now().UTC()}
	if err := s.Store.SaveJob(r.Context(), j); err != nil {
		os.Remove(path)
		return j, nil, err
	}
	from := store.OriginOf(r.Context())
	base := s.Context
	if base == nil {
		base = context.Background()
	}
	end := make(chan jobEnd, 1)
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer os.Remove(path)
		got, err := s.Enqueue(base, s.Store, j, path, iq)
		if err != nil {
			now := time.Now().UTC()
			j.State, j.Finished, j.Status, j.Error = store.JobFailed, &now, errorStatus(err, http.StatusUnprocessableEntity), err.Error()
			if j.Status >= 500 {
				s.log().Error("job failed", "job", j.ID, "kind", j.Kind, "err", err)
				j.Error = "the job failed on the server's side; the server's log says why (job " + j.ID + ")"
			}
			s.saveJob(base, j)
		} else {
			s.log().Info("queued an upload", "by", who.name, "job", got.ID, "state", got.State)
			s.Store.AddAudit(store.WithOrigin(base, from), store.AuditEntry{At: s.now(), Actor: who.name, Action: "ingest", Subject: iq.Name,
				Detail: "queued as job " + j.ID})
		}
		end <- jobEnd{err: err}
	}()
	return j, end, nil
}

// receive writes an upload into a new file, readable by the owner only, and returns its path.
func (s *Server) receive(body io.Reader) (string, error) {
	f, err := os.CreateTemp(s.TempDir, "sitrep-upload-*")
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), f.Close()
}

// issueAction reads the period of a request that acts on an issue, and checks that the caller
// has the role need and that the server does it (served); otherwise it answers why, and ok is
// false.
func (s *Server) issueAction(w http.ResponseWriter, r *http.Request, need string, served bool, notServed string) (p period.Period, who caller, ok bool) {
	p, err := period.Parse(r.PathValue("week"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, err.Error())
		return p, who, false
	}
	if who, ok = s.identify(w, r); !ok || !who.may(w, need) {
		return p, who, false
	}
	if !served {
		jsonError(w, http.StatusNotFound, notServed)
		return p, who, false
	}
	return p, who, true
}

// correct publishes a correction of a published issue (publishers and up): ?reason= says
// why. It answers the new revision's number.
func (s *Server) correct(w http.ResponseWriter, r *http.Request) {
	wk, who, ok := s.issueAction(w, r, auth.Publisher, s.Correct != nil, "corrections are not published here")
	if !ok {
		return
	}
	reason := strings.TrimSpace(r.URL.Query().Get("reason"))
	if reason == "" {
		jsonError(w, http.StatusBadRequest, "say why with reason")
		return
	}
	s.writing(func(a store.Store) {
		rev, err := s.Correct(r.Context(), a, wk.String(), who.name, reason)
		if err != nil {
			jsonError(w, errorStatus(err, http.StatusUnprocessableEntity), err.Error())
			return
		}
		s.issueFacts.Delete(wk.String()) // its rating may have changed
		writeJSONStatus(w, http.StatusCreated, map[string]any{"week": wk.String(), "revision": rev, "corrected_by": who.name})
	})
}

// publish freezes the bulletin of a week, a month, a quarter or a year (publishers and up).
func (s *Server) publish(w http.ResponseWriter, r *http.Request) {
	wk, who, ok := s.issueAction(w, r, auth.Publisher, s.Publish != nil, "publishing is not done here")
	if !ok {
		return
	}
	s.writing(func(a store.Store) {
		n, err := s.Publish(r.Context(), a, wk.String(), who.name)
		if err != nil {
			jsonError(w, errorStatus(err, http.StatusUnprocessableEntity), err.Error())
			return
		}
		writeJSONStatus(w, http.StatusCreated, map[string]any{"week": wk.String(), "renderings": n})
	})
}

// review records an editor's review of a period's bulletin as it reads now (editors and up).
func (s *Server) review(w http.ResponseWriter, r *http.Request) {
	wk, who, ok := s.issueAction(w, r, auth.Editor, s.Review != nil, "reviews are not taken here")
	if !ok {
		return
	}
	s.writing(func(a store.Store) {
		digest, warnings, err := s.Review(r.Context(), a, wk.String(), who.name, r.URL.Query().Get("note"))
		if err != nil {
			jsonError(w, errorStatus(err, http.StatusUnprocessableEntity), err.Error())
			return
		}
		writeJSONStatus(w, http.StatusCreated, map[string]any{"week": wk.String(), "reviewed_by": who.name, "digest": digest, "warnings": warnings})
	})
}

// incidents lists tickets (analysts and up), only those of TLP labels the role may read.
// Filters: state, type, partner, week (closed in).
func (s *Server) incidents(w http.ResponseWriter, r *http.Request) {
	a := s.Store
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	q := r.URL.Query()
	f := store.TicketFilter{Type: q.Get("type"), Partner: q.Get("partner"), Limit: limit(q.Get("limit"))}
	if st := q.Get("state"); st != "" {
		f.States = strings.Split(st, ",")
	}
	if wq := q.Get("week"); wq != "" {
		rg, err := s.weekRange(wq)
		if err != nil {
			jsonError(w, http.StatusBadRequest, err.Error())
			return
		}
		f.ClosedIn = &rg
	}
	if q.Get("overdue") == "true" {
		f.OverdueAt = time.Now()
	}
	list, err := a.ListTickets(r.Context(), f)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list tickets: "+err.Error())
		return
	}
	out := []store.Ticket{}
	for _, t := range list {
		if who.readable(t) {
			out = append(out, t)
		}
	}
	writeJSON(w, out)
}

// events lists a week's events of a kind (analysts and up), of the TLP labels the role may read.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	a := s.Store
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	q := r.URL.Query()
	rg, kind, ok := s.weekAndKind(w, q)
	if !ok {
		return
	}
	list, err := a.ListEvents(r.Context(), rg, kind, auth.TLPs(who.role), limit(q.Get("limit")))
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list events: "+err.Error())
		return
	}
	writeJSON(w, list)
}

// exportEvents writes a week's events for sharing, as `sitrep export` does (analysts and
// up): ?week=, ?format=csv|stix, ?kind=, ?tlp= the most restricted label to include (CLEAR by
// default), never beyond what the role may read and never RED.
func (s *Server) exportEvents(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	q := r.URL.Query()
	rg, kind, ok := s.weekAndKind(w, q)
	if !ok {
		return
	}
	max, err := event.ParseTLP(q.Get("tlp"))
	if err != nil || max == event.Red {
		jsonError(w, http.StatusBadRequest, "tlp is CLEAR, GREEN, AMBER or AMBER+STRICT")
		return
	}
	if !who.mayRead(w, max) {
		return
	}
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "stix" {
		jsonError(w, http.StatusBadRequest, "format is csv or stix")
		return
	}
	evs, err := s.Store.ListEvents(r.Context(), rg, kind, max.UpTo(), exportLimit)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "list events: "+err.Error())
		return
	}
	var buf bytes.Buffer
	if format == "stix" {
		err = export.STIX(&buf, evs)
		w.Header().Set("Content-Type", "application/stix+json;version=2.1")
	} else {
		err = export.CSV(&buf, evs)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	}
	if err != nil {
		jsonError(w, http.StatusInternalServerError, "export: "+err.Error())
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set(EventsHeader, strconv.Itoa(len(evs)))
	w.Write(buf.Bytes())
}

// EventsHeader carries how many events an export holds.
const EventsHeader = "X-Sitrep-Events"

// exportLimit bounds the events of one export, as `sitrep export`'s default --limit does.
const exportLimit = 1000000

// weekAndKind reads the ?week= and ?kind= of a request for events, or answers 400.
func (s *Server) weekAndKind(w http.ResponseWriter, q url.Values) (store.Range, string, bool) {
	rg, err := s.weekRange(q.Get("week"))
	if err != nil {
		jsonError(w, http.StatusBadRequest, "week: "+err.Error())
		return rg, "", false
	}
	kind := q.Get("kind")
	if kind != "" {
		if _, err := event.ParseKind(kind); err != nil {
			jsonError(w, http.StatusBadRequest, "kind: "+err.Error())
			return rg, "", false
		}
	}
	return rg, kind, true
}

// weekRange reads the span of an API filter in the bulletin's zone: an ISO week, or a month, a
// quarter or a year (?week=2024-02).
func (s *Server) weekRange(v string) (store.Range, error) {
	wk, err := period.Parse(v)
	if err != nil {
		return store.Range{}, err
	}
	from, to := wk.Bounds(s.zone())
	return store.Range{From: from, To: to}, nil
}

func limit(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > 10000 {
		return 1000
	}
	return n
}
