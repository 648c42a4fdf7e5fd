package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// workIngest shows the upload form and the caller's latest uploads (analysts and up).
func (s *Server) workIngest(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	var jobs []store.Job
	if !s.read(w, r, who, s.listJobs, "/api/v1/jobs", nil, url.Values{"limit": {"20"}}, &jobs) {
		return
	}
	s.page(w, r, http.StatusOK, "ingest", pageData{Title: words(r).Ingest, Who: who, Current: "/work/ingest", Body: jobs})
}

// maxFormField bounds a form field sent beside an upload.
const maxFormField = 1024

// workUpload receives an uploaded feed file as the API's ingest does — whole, at a minimum
// rate, then a job in the writer's turn — and sends the browser to the job's page. The form's
// fields come in order: csrf (read by the session check), format, source, file.
func (s *Server) workUpload(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	if s.Ingest == nil {
		s.refuse(w, r, http.StatusNotFound, "this server takes no uploads")
		return
	}
	mr, _ := r.Context().Value(multipartKey{}).(*multipart.Reader)
	if mr == nil {
		s.refuse(w, r, http.StatusBadRequest, "the upload is a multipart form with csrf, format, source and file, in that order")
		return
	}
	iq := IngestQuery{Name: "-"}
	var path string
	for path == "" {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			s.refuse(w, r, http.StatusBadRequest, "the form has no file")
			return
		}
		if err != nil {
			s.refuse(w, r, http.StatusBadRequest, "read the form: "+err.Error())
			return
		}
		switch p.FormName() {
		case "format", "source":
			b, _ := io.ReadAll(io.LimitReader(p, maxFormField))
			v := strings.TrimSpace(string(b))
			if p.FormName() == "format" {
				iq.Format = v
			} else {
				iq.Source = v
			}
		case "file":
			if p.FileName() != "" {
				iq.Name = p.FileName()
			}
			l := s.Limits.withDefaults()
			path, err = s.receive(newUploadReader(w, io.LimitReader(p, l.MaxUpload+1), l))
			if err != nil {
				s.refuse(w, r, errorStatus(err, http.StatusBadRequest), "receive the file: "+err.Error())
				return
			}
			if fi, err := os.Stat(path); err != nil || fi.Size() > l.MaxUpload {
				os.Remove(path)
				s.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than this server takes (%d bytes)", l.MaxUpload))
				return
			}
		}
	}
	j, end, err := s.startIngest(r, who, path, iq)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	wait := s.SyncWait
	if wait <= 0 {
		wait = DefaultSyncWait
	}
	select { // a small file is done by the time its page is shown
	case <-end:
	case <-time.After(min(wait, 10*time.Second)):
	case <-r.Context().Done():
		return
	}
	http.Redirect(w, r, "/work/jobs/"+j.ID, http.StatusSeeOther)
}

// workJob shows an upload's job: how it stands, what it read, stored and refused, and the
// rows it set aside with their reasons (the rows' text only to roles that may read RED).
func (s *Server) workJob(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	id := r.PathValue("id")
	var j store.Job
	if !s.read(w, r, who, s.job, "/api/v1/jobs/"+id, map[string]string{"id": id}, nil, &j) {
		return
	}
	body := struct {
		Job     store.Job
		Done    bool
		Summary map[string]any
		Rejects []rejectAnswer
		Running string
	}{Job: j, Done: j.State == store.JobDone || j.State == store.JobFailed}
	if len(j.Result) > 0 {
		json.Unmarshal(j.Result, &body.Summary)
	}
	if sha, _ := body.Summary["sha256"].(string); sha != "" {
		if !s.read(w, r, who, s.rejects, "/api/v1/rejects", nil, url.Values{"input": {sha}, "limit": {"500"}}, &body.Rejects) {
			return
		}
	}
	title := fmt.Sprintf("%s %s", words(r).Job, j.ID[:min(8, len(j.ID))])
	if name, _ := body.Summary["name"].(string); name != "" && name != "-" {
		title = words(r).Job + " " + name
	}
	refresh := 0
	if !body.Done {
		refresh = 3
	}
	s.page(w, r, http.StatusOK, "job", pageData{Title: title, Who: who, Current: "/work/ingest", Body: body, Refresh: refresh})
}

// workFeeds shows how each configured feed's collection stands (analysts and up).
func (s *Server) workFeeds(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Analyst)
	if !ok {
		return
	}
	var feeds []map[string]any
	if s.Feeds != nil && !s.read(w, r, who, s.feeds, "/api/v1/feeds", nil, nil, &feeds) {
		return
	}
	s.page(w, r, http.StatusOK, "feeds", pageData{Title: words(r).Feeds, Who: who, Current: "/work/feeds", Body: feeds})
}

// workAudit shows the audit log with its filters (administrators).
func (s *Server) workAudit(w http.ResponseWriter, r *http.Request) {
	who, ok := s.member(w, r, auth.Admin)
	if !ok {
		return
	}
	q := url.Values{}
	for _, k := range []string{"actor", "action", "subject", "since", "until"} {
		if v := r.URL.Query().Get(k); v != "" {
			q.Set(k, v)
		}
	}
	var log []store.AuditEntry
	if !s.read(w, r, who, s.auditLog, "/api/v1/audit", nil, q, &log) {
		return
	}
	body := struct {
		Log                                  []store.AuditEntry
		Actor, Action, Subject, Since, Until string
	}{log, q.Get("actor"), q.Get("action"), q.Get("subject"), q.Get("since"), q.Get("until")}
	s.page(w, r, http.StatusOK, "audit", pageData{Title: words(r).Audit, Who: who, Current: "/work/audit", Body: body})
}
