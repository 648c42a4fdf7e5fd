package storetest

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"sitrep/internal/store"
)

// testJobs holds a job's record through its life, the lists by actor, and the marking of
// the jobs a stopped server left unfinished.
func testJobs(t testing.TB, st store.Store) {
	at := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	jobs := []store.Job{
		{ID: "j1", Kind: "ingest", Actor: "feed", State: store.JobQueued, Created: at},
		{ID: "j2", Kind: "ingest", Actor: "analyst", State: store.JobRunning, Created: at.Add(time.Minute)},
		{ID: "j3", Kind: "ingest", Actor: "feed", State: store.JobQueued, Created: at.Add(2 * time.Minute), Server: "host-a:/srv/sitrep"},
		{ID: "j4", Kind: "ingest", Actor: "robot", State: store.JobRunning, Created: at.Add(-time.Minute), Server: "host-b:/srv/sitrep"},
		{ID: "j5", Kind: "ingest", Actor: "robot", State: store.JobRunning, Created: at.Add(-2 * time.Minute), Server: store.QueueServer},
	}
	for _, j := range jobs {
		if err := st.SaveJob(ctx, j); err != nil {
			t.Fatalf("SaveJob(%s): %v", j.ID, err)
		}
	}
	started, finished := at.Add(3*time.Minute), at.Add(4*time.Minute)
	done := jobs[0]
	done.State, done.Started, done.Finished, done.Status = store.JobDone, &started, &finished, 200
	done.Result = json.RawMessage(`{"read":3,"stored":3}`)
	if err := st.SaveJob(ctx, done); err != nil {
		t.Fatalf("SaveJob of the job done: %v", err)
	}
	got, err := st.Job(ctx, "j1")
	if err != nil {
		t.Fatalf("Job(j1): %v", err)
	}
	if got.State != store.JobDone || got.Status != 200 || string(got.Result) != `{"read":3,"stored":3}` ||
		got.Started == nil || !got.Started.Equal(started) || got.Finished == nil || !got.Finished.Equal(finished) || !got.Created.Equal(at) {
		t.Errorf("the job done reads back as %+v", got)
	}
	if _, err := st.Job(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Job of no job: %v, want ErrNotFound", err)
	}
	ids := func(js []store.Job) (out []string) {
		for _, j := range js {
			out = append(out, j.ID)
		}
		return out
	}
	if js, err := st.ListJobs(ctx, "feed", 0); err != nil || len(js) != 2 || js[0].ID != "j3" || js[1].ID != "j1" {
		t.Errorf("ListJobs(feed): %v, %v; want j3 then j1", ids(js), err)
	}
	if js, err := st.ListJobs(ctx, "", 2); err != nil || len(js) != 2 || js[0].ID != "j3" {
		t.Errorf("ListJobs of all, 2: %v, %v", ids(js), err)
	}
	n, err := st.AbandonJobs(ctx, "host-a:/srv/sitrep", "the server stopped", finished)
	if err != nil || n != 2 {
		t.Errorf("AbandonJobs: %d, %v; want the 2 unfinished of host-a and of no server", n, err)
	}
	if j, err := st.Job(ctx, "j4"); err != nil || j.State != store.JobRunning || j.Server != "host-b:/srv/sitrep" {
		t.Errorf("another server's running job after AbandonJobs: %+v, %v", j, err)
	}
	if j, err := st.Job(ctx, "j5"); err != nil || j.State != store.JobRunning {
		t.Errorf("a job handed to a queue's workers after AbandonJobs: %+v, %v", j, err)
	}
	for _, id := range []string{"j2", "j3"} {
		if j, err := st.Job(ctx, id); err != nil || j.State != store.JobFailed || j.Error != "the server stopped" || j.Finished == nil {
			t.Errorf("%s after AbandonJobs: %+v, %v", id, j, err)
		}
	}
	if j, err := st.Job(ctx, "j1"); err != nil || j.State != store.JobDone {
		t.Errorf("the job done after AbandonJobs: %+v, %v", j, err)
	}
	// A job that ended is not made to end otherwise; one still running is.
	failed := done
	failed.State, failed.Error = store.JobFailed, "late"
	if ok, err := st.SaveJobIf(ctx, failed, store.JobQueued, store.JobRunning); ok || err != nil {
		t.Errorf("SaveJobIf of a job done: %v, %v; want not saved", ok, err)
	}
	if j, err := st.Job(ctx, "j1"); err != nil || j.State != store.JobDone {
		t.Errorf("the job done after a refused SaveJobIf: %+v, %v", j, err)
	}
	running, _ := st.Job(ctx, "j4")
	running.State, running.Status = store.JobDone, 200
	if ok, err := st.SaveJobIf(ctx, running, store.JobQueued, store.JobRunning); !ok || err != nil {
		t.Errorf("SaveJobIf of a running job: %v, %v; want saved", ok, err)
	}
	if j, err := st.Job(ctx, "j4"); err != nil || j.State != store.JobDone || j.Status != 200 || j.Server != "host-b:/srv/sitrep" {
		t.Errorf("the job after SaveJobIf: %+v, %v", j, err)
	}
	if ok, err := st.SaveJobIf(ctx, store.Job{ID: "nope", State: store.JobDone}, store.JobRunning); ok || err != nil {
		t.Errorf("SaveJobIf of no job: %v, %v", ok, err)
	}
}
