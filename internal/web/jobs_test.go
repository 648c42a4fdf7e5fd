package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"strings"
	"testing"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
	"sitrep/internal/web"
)

// jobAnswer is GET /api/v1/jobs/{id}.
type jobAnswer struct {
	ID     string          `json:"id"`
	Actor  string          `json:"actor"`
	State  string          `json:"state"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
	Status int             `json:"status"`
}

func getJob(t *testing.T, url, token string) (int, jobAnswer) {
	t.Helper()
	code, _, body := call(t, "GET", url, token, "")
	var j jobAnswer
	if code == 200 {
		if err := json.Unmarshal([]byte(body), &j); err != nil {
			t.Fatalf("job answer %s: %v", body, err)
		}
	}
	return code, j
}

// awaitJob asks for a job until it has ended.
func awaitJob(t *testing.T, url, token string) jobAnswer {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, j := getJob(t, url, token)
		if code != 200 {
			t.Fatalf("GET %s: %d", url, code)
		}
		if j.State == store.JobDone || j.State == store.JobFailed {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s", j.ID, j.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestLongIngestBecomesAJob: an ingest that outlasts the wait is answered 202 with the job's
// address; the job is its sender's (and administrators') to see, and once done gives the very
// answer the request would have had. One that ends within the wait is answered as always.
func TestLongIngestBecomesAJob(t *testing.T) {
	release := make(chan struct{})
	var fail error
	// The quick ingests below are waited for as long as it takes; the long one, which waits
	// for release, is asked to be answered after a tenth of a second.
	srv := &web.Server{SyncWait: time.Minute,
		Ingest: func(ctx context.Context, a store.Store, path string, q web.IngestQuery) (any, error) {
			<-release
			if fail != nil {
				return nil, fail
			}
			return map[string]any{"summary": "read 1, stored 1, duplicate 0, rejected 0", "source": q.Source}, nil
		}}
	ts, _ := serve(t, emptyStore(t), srv)
	analyst, other, admin := addToken(t, srv.Store, auth.Analyst), addToken(t, srv.Store, auth.Analyst), addToken(t, srv.Store, auth.Admin)

	code, h, body := call(t, "POST", ts.URL+"/api/v1/ingest?source=feed-a&wait=0.1", analyst, "time,kind,ip\n")
	if code != http.StatusAccepted || !strings.HasPrefix(h.Get("Location"), "/api/v1/jobs/") {
		t.Fatalf("a long ingest: %d, Location %q, %s", code, h.Get("Location"), body)
	}
	href := ts.URL + h.Get("Location")
	if code, j := getJob(t, href, analyst); code != 200 || j.State == store.JobDone || j.Actor == "" {
		t.Errorf("the job while it runs: %d %+v", code, j)
	}
	if code, _ := getJob(t, href, other); code != http.StatusNotFound {
		t.Errorf("another analyst asked for the job: %d, want 404", code)
	}
	if code, _ := getJob(t, href, ""); code != http.StatusUnauthorized {
		t.Errorf("nobody asked for the job: %d, want 401", code)
	}
	close(release)
	j := awaitJob(t, href, analyst)
	var sum map[string]any
	if err := json.Unmarshal(j.Result, &sum); err != nil || j.State != store.JobDone || j.Status != 200 ||
		sum["summary"] != "read 1, stored 1, duplicate 0, rejected 0" || sum["source"] != "feed-a" {
		t.Errorf("the job done: %+v (%v)", j, err)
	}
	if code, j := getJob(t, href, admin); code != 200 || j.State != store.JobDone {
		t.Errorf("an administrator asked for the job: %d %+v", code, j)
	}
	code, _, body = call(t, "GET", ts.URL+"/api/v1/jobs", other, "")
	if code != 200 || strings.Contains(body, j.ID) {
		t.Errorf("another analyst's list of jobs: %d %s", code, body)
	}

	// Within the wait: the summary itself, and where the job is.
	code, h, body = call(t, "POST", ts.URL+"/api/v1/ingest", analyst, "time,kind,ip\n")
	if code != 200 || !strings.Contains(body, `"summary"`) || !strings.HasPrefix(h.Get("Content-Location"), "/api/v1/jobs/") {
		t.Errorf("a quick ingest: %d %s, Content-Location %q", code, body, h.Get("Content-Location"))
	}
	// A mistake: 422 at once, or as the job's end.
	fail = errors.New("the header names no known format")
	if code, _, body := call(t, "POST", ts.URL+"/api/v1/ingest", analyst, "x\n"); code != 422 || !strings.Contains(body, "no known format") {
		t.Errorf("a refused ingest: %d %s", code, body)
	}
	if code, h, _ := call(t, "POST", ts.URL+"/api/v1/ingest?wait=0", analyst, "x\n"); code != 202 {
		t.Errorf("?wait=0: %d, want 202", code)
	} else if j := awaitJob(t, ts.URL+h.Get("Location"), analyst); j.State != store.JobFailed || j.Status != 422 || !strings.Contains(j.Error, "no known format") {
		t.Errorf("a refused ingest's job: %+v", j)
	}
	// A failure underneath: its reason stays in the log, never in the job.
	fail = &fs.PathError{Op: "open", Path: "/secret/store/sitrep.duckdb", Err: fs.ErrPermission}
	if code, h, _ := call(t, "POST", ts.URL+"/api/v1/ingest?wait=0", analyst, "x\n"); code != 202 {
		t.Errorf("?wait=0: %d, want 202", code)
	} else if j := awaitJob(t, ts.URL+h.Get("Location"), analyst); j.Status != 500 || strings.Contains(j.Error, "secret") {
		t.Errorf("a failed ingest's job: %+v", j)
	}
	if code, _, _ := call(t, "POST", ts.URL+"/api/v1/ingest?wait=soon", analyst, "x\n"); code != 400 {
		t.Errorf("?wait=soon: %d, want 400", code)
	}
}

// TestJobOutlivesItsRequest: a client that goes away once its upload is received loses
// nothing; a server that stops marks its unfinished job failed with what to do, and the next
// server start marks the jobs left behind.
func TestJobOutlivesItsRequest(t *testing.T) {
	base, stop := context.WithCancel(context.Background())
	defer stop()
	started, release := make(chan struct{}), make(chan struct{})
	var ranWith error
	srv := &web.Server{Context: base, SyncWait: time.Minute,
		Ingest: func(ctx context.Context, a store.Store, path string, q web.IngestQuery) (any, error) {
			close(started)
			select {
			case <-release:
				ranWith = ctx.Err()
				return map[string]any{"summary": "read 1"}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}}
	ts, _ := serve(t, emptyStore(t), srv)
	tok := addToken(t, srv.Store, auth.Analyst)
	ctx, leave := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", ts.URL+"/api/v1/ingest", strings.NewReader("time,kind,ip\n"))
	req.Header.Set("Authorization", "Bearer "+tok)
	go func() { <-started; leave() }()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the request was answered though its client left")
	}
	close(release)
	list := func() []store.Job {
		js, err := srv.Store.ListJobs(context.Background(), "", 0)
		if err != nil || len(js) == 0 {
			t.Fatalf("jobs: %v %v", js, err)
		}
		return js
	}
	j := awaitJob(t, ts.URL+"/api/v1/jobs/"+list()[0].ID, tok)
	if j.State != store.JobDone || ranWith != nil {
		t.Errorf("the job of a client that left: %+v, its context %v", j, ranWith)
	}

	// The server stops while a job runs.
	started, release = make(chan struct{}), make(chan struct{})
	code, h, _ := call(t, "POST", ts.URL+"/api/v1/ingest?wait=0", tok, "time,kind,ip\n")
	if code != 202 {
		t.Fatalf("?wait=0: %d", code)
	}
	<-started
	stop()
	srv.Wait()
	j = awaitJob(t, ts.URL+h.Get("Location"), tok)
	if j.State != store.JobFailed || j.Status != 503 || !strings.Contains(j.Error, "send the input again") {
		t.Errorf("the job the server stopped: %+v", j)
	}

	// A job recorded as running by a server that died is marked at the next start.
	dead := store.Job{ID: "left-behind", Kind: "ingest", Actor: "a", State: store.JobRunning, Created: time.Now()}
	if err := srv.Store.SaveJob(context.Background(), dead); err != nil {
		t.Fatal(err)
	}
	if n, err := srv.Abandoned(context.Background()); err != nil || n != 1 {
		t.Errorf("Abandoned: %d, %v; want 1", n, err)
	}
	if got, err := srv.Store.Job(context.Background(), "left-behind"); err != nil || got.State != store.JobFailed || got.Finished == nil {
		t.Errorf("the job left behind: %+v, %v", got, err)
	}
}
