package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sitrep/internal/queue"
	storepkg "sitrep/internal/store"
	"sitrep/internal/store/postgres"
	"sitrep/internal/testenv"
)

// worker is a `sitrep worker` process a test started.
type worker struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startWorker runs `sitrep worker` over the store of args, stopped when the test ends.
func startWorker(t *testing.T, args []string, queueAddr string) *worker {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(args, "worker", "--queue", queueAddr, "--workers", "2")...)
	cmd.Env = append(os.Environ(), "SITREP_AS_MAIN=1")
	cmd.Stderr = io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &worker{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-w.done:
		case <-time.After(10 * time.Second):
			w.kill()
		}
	})
	return w
}

// kill ends the worker at once, as a machine that fails would.
func (w *worker) kill() {
	syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	<-w.done
}

// cluster is a store on ClickHouse with records in PostgreSQL, and the flags that name it.
func cluster(t *testing.T) []string {
	t.Helper()
	t.Setenv("SITREP_LOCAL", t.TempDir())
	return []string{"--store", testenv.ClickHouseServer(t), "--records", testenv.PostgresDatabase(t, testenv.PostgresServer(t))}
}

// TestQueue: uploads through a server with --queue are answered at once with a job, written
// by two workers, and counted as the embedded store counts the same files; a message that is
// not a batch goes to the dead-letter subject with its reason.
func TestQueue(t *testing.T) {
	store := cluster(t)
	nats := testenv.NATSServers(t, 1)[0]
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "2", "--events", "20000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(data, "*.csv"))
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium")
	code, tok, errs := sitrep(t, "", append(store, "token", "create", "--role", "admin", "--name", "chief")...)
	if code != 0 {
		t.Fatal(errs)
	}
	t.Setenv("SITREP_TOKEN", strings.TrimSpace(tok))
	// What this server left when it last stopped: a job it was still handing to the queue
	// and one it ran itself (started without --queue), which it marks failed when it starts
	// again, and one it had handed over, which is the workers' (waiting here for a batch that
	// never comes).
	records, err := postgres.Open(context.Background(), store[3])
	if err != nil {
		t.Fatal(err)
	}
	defer records.Close()
	handed, _ := json.Marshal(queue.Pending{Queued: true, Input: 999, Batches: 1})
	for _, j := range []storepkg.Job{
		{ID: "cut-off", Kind: "ingest", Actor: "chief", State: storepkg.JobQueued, Created: time.Now(), Server: serverName(store[1])},
		{ID: "in-process", Kind: "ingest", Actor: "chief", State: storepkg.JobRunning, Created: time.Now(), Server: serverName(store[1])},
		{ID: "handed", Kind: "ingest", Actor: "chief", State: storepkg.JobRunning, Created: time.Now(), Server: storepkg.QueueServer, Result: handed},
	} {
		if err := records.SaveJob(context.Background(), j); err != nil {
			t.Fatal(err)
		}
	}
	url := startServerOn(t, store, os.Getenv("SITREP_LOCAL"), "--queue", nats.URL)
	for _, id := range []string{"cut-off", "in-process"} {
		if j, err := records.Job(context.Background(), id); err != nil || j.State != storepkg.JobFailed || !strings.Contains(j.Error, "the server stopped") {
			t.Errorf("job %s, after the server started again: %+v, %v", id, j, err)
		}
	}
	if j, err := records.Job(context.Background(), "handed"); err != nil || j.State != storepkg.JobRunning {
		t.Errorf("a job handed to the workers, after the server started again: %+v, %v", j, err)
	}
	for range 2 {
		startWorker(t, store, nats.URL)
	}
	local := []string{"--store", filepath.Join(dir, "local")}
	_, want, _ := sitrep(t, "", append(append(local, "ingest"), files...)...)
	code, got, errs := sitrep(t, "", append([]string{"--server", url, "ingest"}, files...)...)
	if code != 0 || got != want || !strings.Contains(errs, "still ingesting it as job") {
		t.Fatalf("ingest through the queue: %d\n%s\nwant\n%s\n%s", code, got, want, errs)
	}
	for _, wk := range []string{"2024-W08", "2024-W09"} {
		_, a, _ := sitrep(t, "", append(local, "stats", "--week", wk, "--json")...)
		_, b, _ := sitrep(t, "", "--server", url, "stats", "--week", wk, "--json")
		if a != b || len(a) < 1000 {
			t.Errorf("%s through the queue and on the embedded store:\n%.300s\n%.300s", wk, b, a)
		}
	}
	// The same file again says what it says on the embedded store.
	_, wantAgain, _ := sitrep(t, "", append(local, "ingest", files[1])...)
	code, again, _ := sitrep(t, "", "--server", url, "ingest", files[1])
	if code != 0 || again != wantAgain {
		t.Errorf("a file sent again through the queue: %d %s, want %s", code, again, wantAgain)
	}

	// New bytes sent twice at once: both uploads end, and the rows count once.
	late := filepath.Join(dir, "late.csv")
	var rows strings.Builder
	rows.WriteString("time,kind,url,ip,country\n")
	for i := range 50 {
		fmt.Fprintf(&rows, "2024-02-28 10:00:00,phishing,https://late.example.top/%d,203.0.113.%d,US\n", i, i+1)
	}
	if err := os.WriteFile(late, []byte(rows.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	both := make(chan string, 2)
	for range 2 {
		go func() {
			code, out, errs := sitrep(t, "", "--server", url, "ingest", late)
			both <- fmt.Sprintf("%d %s %s", code, out, errs)
		}()
	}
	for range 2 {
		select {
		case got := <-both:
			if !strings.HasPrefix(got, "0 read 50, ") {
				t.Errorf("an upload of bytes sent twice at once: %s", got)
			}
		case <-time.After(2 * time.Minute):
			t.Fatal("an upload of bytes sent twice at once did not end")
		}
	}
	sitrep(t, "", append(local, "ingest", late)...)
	_, a, _ := sitrep(t, "", append(local, "stats", "--week", "2024-W09", "--json")...)
	_, b, _ := sitrep(t, "", "--server", url, "stats", "--week", "2024-W09", "--json")
	if a != b {
		t.Errorf("the week after the same bytes twice at once:\n%.300s\n%.300s", b, a)
	}

	ctx := context.Background()
	q, err := queue.Open(ctx, nats.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	if err := q.PublishRaw(ctx, []byte("not a batch")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		dead, err := q.DeadLetters(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(dead) == 1 && strings.Contains(dead[0].Reason, "not a batch") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dead letters: %+v", dead)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestQueueFaults: three NATS servers as a JetStream cluster (the stream on all three) and two
// workers; one worker and one NATS server are killed (SIGKILL) while a week of 200,000 events
// (SITREP_FAULT_EVENTS) goes through. The job ends done, and the week says and counts what
// the embedded store does for the same file.
func TestQueueFaults(t *testing.T) {
	store := cluster(t)
	servers := testenv.NATSServers(t, 3)
	addr := servers[0].URL + "," + servers[1].URL + "," + servers[2].URL + "?replicas=3"
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	events := "200000" // bench/queue.sh runs it with 2,000,000
	if n := os.Getenv("SITREP_FAULT_EVENTS"); n != "" {
		events = n
	}
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "1", "--events", events); code != 0 {
		t.Fatal(errs)
	}
	week := filepath.Join(data, "events.csv")
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium")
	code, tok, errs := sitrep(t, "", append(store, "token", "create", "--role", "admin", "--name", "chief")...)
	if code != 0 {
		t.Fatal(errs)
	}
	t.Setenv("SITREP_TOKEN", strings.TrimSpace(tok))
	url := startServerOn(t, store, os.Getenv("SITREP_LOCAL"), "--queue", addr)
	doomed := startWorker(t, store, addr)
	startWorker(t, store, addr)

	done := make(chan string, 1)
	go func() {
		start := time.Now()
		code, out, errs := sitrep(t, "", "--server", url, "ingest", week)
		t.Logf("%s events through the queue in %v", events, time.Since(start))
		done <- fmt.Sprintf("%d\n%s\n%s", code, out, errs)
	}()
	time.Sleep(3 * time.Second) // some batches written, most not
	doomed.kill()
	servers[2].Kill()
	select {
	case got := <-done:
		t.Fatalf("the week went through before the faults, so they tested nothing: make it larger\n%s", got)
	default:
	}
	var got string
	select {
	case got = <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the job did not end within 5 minutes")
	}
	local := []string{"--store", filepath.Join(dir, "local")}
	start := time.Now()
	_, want, _ := sitrep(t, "", append(local, "ingest", week)...)
	t.Logf("%s events into the embedded store in %v", events, time.Since(start))
	if !strings.HasPrefix(got, "0\n"+want) {
		t.Errorf("ingest through the queue while a worker and a NATS server died:\n%s\nwant\n%s", got, want)
	}
	_, a, _ := sitrep(t, "", append(local, "stats", "--week", "2024-W09", "--json")...)
	_, b, _ := sitrep(t, "", "--server", url, "stats", "--week", "2024-W09", "--json")
	if a != b || len(a) < 1000 {
		t.Errorf("the week through the queue and on the embedded store:\n%.300s\n%.300s", b, a)
	}
}
