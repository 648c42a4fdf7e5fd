package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
)

// Jobs. An upload received whole becomes a job: it waits for the writer's turn and runs under
// the server's context, not the request's, so a client that goes away after sending loses
// nothing. The request waits for its job up to SyncWait (or less: ?wait=SECONDS), and is
// answered as it always was when the job is done by then; a job that takes longer is answered
// 202 Accepted with the job's address (Location), where GET gives its state and, once it is
// done, the very answer the request would have had. A job left unfinished when the server
// stopped says so when the server starts again.

// jobEnd is how a job ended, for the request still waiting for it.
type jobEnd struct {
	result any
	err    error
}

// DefaultSyncWait is how long an ingest request waits for its job by default.
const DefaultSyncWait = time.Minute

// runJob records a job, then runs it in the writer's turn under the server's context. The
// channel gets its end; the job's record gets it too.
func (s *Server) runJob(ctx context.Context, kind string, who caller, run func(ctx context.Context, st store.Store) (any, error)) (store.Job, <-chan jobEnd, error) {
	j := store.Job{ID: newJobID(), Server: s.Name, Kind: kind, Actor: who.name, State: store.JobQueued, Created: time.Now().UTC()}
	if err := s.Store.SaveJob(ctx, j); err != nil {
		return j, nil, err
	}
	end := make(chan jobEnd, 1)
	base := s.Context
	if base == nil {
		base = context.Background()
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		var e jobEnd
		s.writing(func(st store.Store) {
			now := time.Now().UTC()
			j.State, j.Started = store.JobRunning, &now
			s.saveJob(base, j)
			e.result, e.err = run(base, st)
		})
		now := time.Now().UTC()
		j.Finished = &now
		if e.err == nil {
			j.State, j.Status = store.JobDone, http.StatusOK
			j.Result, e.err = json.Marshal(e.result)
		}
		if e.err != nil {
			j.State, j.Status, j.Error = store.JobFailed, errorStatus(e.err, http.StatusUnprocessableEntity), e.err.Error()
			if base.Err() != nil {
				j.Status, j.Error = http.StatusServiceUnavailable, "the server stopped before the job was done; the batches it committed are kept: send the input again to finish it"
			} else if j.Status >= 500 {
				s.log().Error("job failed", "job", j.ID, "kind", kind, "err", e.err)
				j.Error = "the job failed on the server's side; the server's log says why (job " + j.ID + ")"
			}
		}
		s.saveJob(base, j)
		end <- e
	}()
	return j, end, nil
}

// saveJob records a job's state, even while the server stops.
func (s *Server) saveJob(ctx context.Context, j store.Job) {
	if err := s.Store.SaveJob(context.WithoutCancel(ctx), j); err != nil {
		s.log().Error("job not recorded", "job", j.ID, "state", j.State, "err", err)
	}
}

// Wait waits for the jobs running or queued to end. Call it after the HTTP server has shut
// down and the server's context is cancelled, before closing the store.
func (s *Server) Wait() { s.jobs.Wait() }

// Abandoned marks the jobs a server that stopped left unfinished, at start: those it ran
// and those it had not finished handing to the workers of a queue. A job handed over whole
// is the workers' (store.QueueServer), whichever server took it and however it starts again.
func (s *Server) Abandoned(ctx context.Context) (int, error) {
	return s.Store.AbandonJobs(ctx, s.Name, "the server stopped before the job was done, or before it had handed the upload to the queue; the batches committed are kept: send the input again to finish it", time.Now())
}

// syncWait is how long the request r waits for its job.
func (s *Server) syncWait(r *http.Request) (time.Duration, error) {
	wait := s.SyncWait
	if wait <= 0 {
		wait = DefaultSyncWait
	}
	if v := r.URL.Query().Get("wait"); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs < 0 {
			return 0, errors.New("wait is a number of seconds")
		}
		wait = min(wait, time.Duration(secs*float64(time.Second)))
	}
	return wait, nil
}

// awaitJob answers a request with its job's end when it comes within wait, or with 202 and
// the job's address.
func (s *Server) awaitJob(w http.ResponseWriter, r *http.Request, j store.Job, end <-chan jobEnd, wait time.Duration, answer func(result any)) {
	href := "/api/v1/jobs/" + j.ID
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case e := <-end:
		w.Header().Set("Content-Location", href)
		if e.err != nil {
			jsonError(w, errorStatus(e.err, http.StatusUnprocessableEntity), e.err.Error())
			return
		}
		answer(e.result)
	case <-timer.C:
		w.Header().Set("Location", href)
		w.Header().Set("Retry-After", "5")
		writeJSONStatus(w, http.StatusAccepted, map[string]any{"job": j.ID, "state": j.State, "href": href,
			"note": "still " + j.State + "; GET " + href + " for its state and, once done, its answer"})
	case <-r.Context().Done():
	}
}

// job answers a job's record to its actor and to administrators (analysts and up); to
// anyone else it does not exist.
func (s *Server) job(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	j, err := s.Store.Job(r.Context(), r.PathValue("id"))
	if errors.Is(err, store.ErrNotFound) || err == nil && j.Actor != who.name && !auth.Allows(who.role, auth.Admin) {
		jsonError(w, http.StatusNotFound, "no job "+r.PathValue("id"))
		return
	}
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, j)
}

// listJobs lists the caller's jobs, newest first (every job for administrators, or an
// ?actor='s); ?limit=N, 0 for all.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) {
	who, ok := s.identify(w, r)
	if !ok || !who.may(w, auth.Analyst) {
		return
	}
	limit, ok := queryLimit(w, r, 100)
	if !ok {
		return
	}
	actor := who.name
	if auth.Allows(who.role, auth.Admin) {
		actor = r.URL.Query().Get("actor")
	}
	js, err := s.Store.ListJobs(r.Context(), actor, limit)
	if err != nil {
		jsonError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, js)
}

// newJobID is a new job's ID: random, not to be guessed.
func newJobID() string {
	id := make([]byte, 12)
	rand.Read(id)
	return hex.EncodeToString(id)
}
