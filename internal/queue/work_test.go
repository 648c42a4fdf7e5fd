package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/internal/ingest"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/testenv"
)

// TestLongRowsFitTheQueue: through servers whose messages hold 64 KiB, rows of long URLs (half
// a megabyte of text, little of it compressible) go in batches small enough for a message;
// the job ends done with every row stored, as the embedded store stores the file itself.
func TestLongRowsFitTheQueue(t *testing.T) {
	nats := testenv.NATSServers(t, 1, "max_payload: 65536")[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	q, err := Open(ctx, nats.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if q.BatchBytes() != 65536 {
		t.Fatalf("batches of %d bytes through servers of max_payload 65536", q.BatchBytes())
	}
	st, err := duck.Open(ctx, t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	var rows strings.Builder
	rows.WriteString("time,kind,url,ip,country\n")
	h := sha256.Sum256([]byte("seed"))
	for i := range 400 {
		var path strings.Builder
		for range 20 { // 1,280 hex digits: random to a compressor
			h = sha256.Sum256(h[:])
			path.WriteString(hex.EncodeToString(h[:]))
		}
		fmt.Fprintf(&rows, "2024-02-27 10:%02d:00,phishing,https://p%d.example.top/%s,203.0.113.%d,US\n", i%60, i, path.String(), i%250+1)
	}
	file := filepath.Join(t.TempDir(), "long.csv")
	if err := os.WriteFile(file, []byte(rows.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() { done <- q.Work(ctx, st, slog.New(slog.DiscardHandler)) }()
	job := store.Job{ID: "long", Kind: "ingest", Actor: "feed", State: store.JobQueued, Created: time.Now()}
	if err := st.SaveJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	job, err = Enqueue(ctx, st, q, job, "long.csv", func() (*os.File, error) { return os.Open(file) }, ingest.Options{})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	var p Pending
	if err := json.Unmarshal(job.Result, &p); err != nil || p.Batches < 8 {
		t.Errorf("half a megabyte in %d batches (%v), want at least 8 of 64 KiB", p.Batches, err)
	}
	for deadline := time.Now().Add(time.Minute); job.State != store.JobDone; time.Sleep(100 * time.Millisecond) {
		if job, err = Settle(ctx, st, job.ID); err != nil || job.State == store.JobFailed || time.Now().After(deadline) {
			t.Fatalf("the job: %+v, %v", job, err)
		}
	}
	var got map[string]any
	if err := json.Unmarshal(job.Result, &got); err != nil || got["stored"] != float64(400) || got["rejected"] != float64(0) {
		t.Errorf("the job's result: %s (%v)", job.Result, err)
	}

	// A job handed over whose batches are all in but that nobody settled (its settling
	// failed after the last ack) is settled by the next worker that starts.
	left := store.Job{ID: "left", Kind: "ingest", Actor: "feed", State: store.JobRunning, Created: time.Now(), Server: store.QueueServer}
	left.Result, _ = json.Marshal(p)
	if err := st.SaveJob(ctx, left); err != nil {
		t.Fatal(err)
	}
	go q.Work(ctx, st, slog.New(slog.DiscardHandler))
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		j, err := st.Job(ctx, "left")
		if err == nil && j.State == store.JobDone {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a job left unsettled, after a worker started: %+v, %v", j, err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}
