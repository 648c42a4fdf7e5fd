package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sitrep/internal/app"
)

var (
	stamp       = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`)
	mailHeaders = regexp.MustCompile(`(?m)^(Date|Message-ID): .*$`)
)

// startServer runs `sitrep serve` as its own process over the store in dir and returns the
// address it answers at, once it answers; the process is stopped when the test ends. flags
// are serve's own.
func startServer(t *testing.T, dir string, flags ...string) string {
	t.Helper()
	return startServerOn(t, []string{"--store", dir}, dir, flags...)
}

// startServerOn starts sitrep serve with the store of args, which announces itself in dir.
func startServerOn(t *testing.T, args []string, dir string, flags ...string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append(append(args, "serve", "--addr", "127.0.0.1:0"), flags...)...)
	cmd.Env = append(os.Environ(), "SITREP_AS_MAIN=1", "SITREP_CHROMIUM=/nonexistent/chromium")
	cmd.Stderr = io.Discard
	if os.Getenv("SITREP_TEST_SERVER_LOG") != "" { // to see what a server in a test says
		cmd.Stderr = os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-done:
			t.Fatal("sitrep serve ended before it answered")
		default:
		}
		si, ok := app.HeldBy(dir)
		if !ok || si.PID != cmd.Process.Pid {
			continue
		}
		if resp, err := http.Get(si.URL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return si.URL
			}
		}
	}
	t.Fatal("sitrep serve did not answer within 30 s")
	return ""
}

// TestCommandsThroughTheServer runs the same commands on a store of their own and, with
// --server, through a server that holds an identical store: the output is the same. While the
// server holds its store, a command that opens it says where the server answers. The server
// answers an ingest before it is done (--sync-wait 1ms), so the command line waits for the job.
func TestCommandsThroughTheServer(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "2", "--events", "3000"); code != 0 {
		t.Fatal(errs)
	}
	files, err := filepath.Glob(filepath.Join(data, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("sample files %v: %v", files, err)
	}
	local, served := filepath.Join(dir, "local"), filepath.Join(dir, "served")
	tokens := map[string]string{}
	for _, role := range []string{"admin", "analyst"} {
		code, out, errs := sitrep(t, "", "--store", served, "token", "create", "--role", role, "--name", role)
		if code != 0 {
			t.Fatal(errs)
		}
		tokens[role] = strings.TrimSpace(out)
	}
	url := startServer(t, served, "--sync-wait", "1ms")

	code, _, errs := sitrep(t, "", "--store", served, "stats", "--week", "2024-W09")
	if code != 1 || !strings.Contains(errs, "sitrep serve") || !strings.Contains(errs, "--server "+url) {
		t.Errorf("a command on the server's store: exit %d, %s", code, errs)
	}

	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium") // both sides without PDF
	t.Setenv("SITREP_ACTOR", "admin")                    // the local actor, as the token's name is the server's
	t.Setenv("SITREP_TOKEN", tokens["admin"])
	steps := [][]string{
		append([]string{"ingest", "--source", "feed-a"}, files...),
		{"stats", "--week", "2024-W09"},
		{"stats", "--week", "2024-W09", "--json"},
		{"stats", "--week", "2024-W09", "--json", "--tlp", "AMBER"},
		{"report", "--week", "2024-W09"},
		{"report", "--week", "2024-W09", "--lang", "en", "--format", "json"},
		{"report", "--week", "2024-W09", "--format", "html", "--tlp", "AMBER"},
		{"incident", "partner", "--name", "Registrar X", "--kind", "registrar", "--country", "US", "--contact", "abuse@x.example"},
		{"incident", "partners"},
		{"incident", "open", "--type", "phishing", "--partner", "Registrar X", "--url", "https://fake-bank.example.top/login", "--at", "2024-02-27 09:00:00", "--note", "a complaint"},
		{"incident", "note", "INC-000001", "--note", "called the registrar", "--at", "2024-02-27 10:00:00"},
		{"incident", "close", "INC-000001", "--at", "2024-02-28 10:00:00"},
		{"incident", "label", "INC-000001", "--tlp", "AMBER", "--at", "2024-02-28 11:00:00"},
		{"incident", "label", "INC-000001", "--tlp", "CLEAR", "--at", "2024-02-28 12:00:00"},
		{"incident", "show", "INC-000001"},
		{"incident", "notify", "INC-000001", "--dry-run"},
		{"incident", "notify", "INC-000001"}, // neither side has SMTP settings
		{"ingest", "--rejects"},
		{"incident", "open", "--from-events", "--week", "2024-W09", "--kind", "phishing", "--at", "2024-03-01 09:00:00"},
		{"incident", "list", "--week", "2024-W09"},
		{"rate", "--week", "2024-W08", "--level", "中", "--reason", "late change"},
		{"rate", "--week", "2024-W08"},
		{"export", "--week", "2024-W09"},
		{"export", "--week", "2024-W09", "--format", "stix", "--tlp", "AMBER", "--kind", "phishing"},
		{"review", "--week", "2024-W09", "--note", "numbers checked"},
		{"publish", "--week", "2024-W09"},
		{"publish", "--week", "2024-W09"},
		{"token", "revoke", "--name", "nobody"},
	}
	for _, step := range steps {
		lc, lout, lerr := sitrep(t, "", append([]string{"--store", local}, step...)...)
		sc, sout, serr := sitrep(t, "", append([]string{"--server", url}, step...)...)
		name := strings.Join(step[:min(len(step), 5)], " ")
		// The two sides run a moment apart: the times they record may differ, and a notice's
		// Message-ID is new each time.
		lout, sout = stamp.ReplaceAllString(lout, "TIME"), stamp.ReplaceAllString(sout, "TIME")
		lout, sout = mailHeaders.ReplaceAllString(lout, "$1: …"), mailHeaders.ReplaceAllString(sout, "$1: …")
		if lc != sc || lout != sout {
			t.Errorf("%s: locally exit %d\n%.400s\n%.200s\nthrough the server exit %d\n%.400s\n%.200s", name, lc, lout, lerr, sc, sout, serr)
		}
		if step[0] == "ingest" && step[1] != "--rejects" && !strings.Contains(serr, "as job ") {
			t.Errorf("ingest through the server: it did not say it waited for a job: %s", serr)
		}
		// A refusal gives the same reason both ways (the server adds its status and request id).
		reasons := map[string]string{"publish": "never changes", "token": "no live token is named", "incident": "needs a reason", "incident notify": "SITREP_SMTP_ADDR"}
		want := reasons[step[0]]
		if r, ok := reasons[step[0]+" "+step[1]]; ok {
			want = r
		}
		if lc == 1 && (!strings.Contains(lerr, want) || !strings.Contains(serr, want)) {
			t.Errorf("%s: the reasons differ: %q and %q", name, lerr, serr)
		}
	}
	// Tokens are made, listed and revoked through the server by an administrator.
	code, out, errs := sitrep(t, "", "--server", url, "token", "create", "--role", "viewer", "--name", "reader")
	if code != 0 || !strings.HasPrefix(out, "sitrep_") || !strings.Contains(errs, `token "reader" with role viewer`) {
		t.Fatalf("token create through the server: %d %s %s", code, out, errs)
	}
	reader := strings.TrimSpace(out)
	if code, out, _ := sitrep(t, "", "--server", url, "token", "list"); code != 0 || !strings.Contains(out, "reader") || strings.Contains(out, "sitrep_") {
		t.Errorf("token list through the server: %d %s", code, out)
	}
	t.Setenv("SITREP_TOKEN", reader)
	if code, _, errs := sitrep(t, "", "--server", url, "stats", "--week", "2024-W09"); code != 0 {
		t.Errorf("the new viewer's token: %s", errs)
	}
	t.Setenv("SITREP_TOKEN", tokens["admin"])
	if code, out, _ := sitrep(t, "", "--server", url, "token", "revoke", "--name", "reader"); code != 0 || !strings.Contains(out, "revoked 1") {
		t.Errorf("token revoke through the server: %d %s", code, out)
	}
	// An analyst may ingest but not publish: the server's refusal comes back as the reason.
	t.Setenv("SITREP_TOKEN", tokens["analyst"])
	if code, _, errs := sitrep(t, "", "--server", url, "publish", "--week", "2024-W08"); code != 1 || !strings.Contains(errs, "403") || !strings.Contains(errs, "needs publisher") {
		t.Errorf("publishing with an analyst's token: exit %d, %s", code, errs)
	}
}

// TestUploadInProgress sends an upload slowly, and while it is on its way an anonymous upload
// is refused and readers get their answers; then the slow upload lands whole.
func TestUploadInProgress(t *testing.T) {
	dir := t.TempDir()
	served := filepath.Join(dir, "served")
	code, out, errs := sitrep(t, "", "--store", served, "token", "create", "--role", "analyst", "--name", "feed")
	if code != 0 {
		t.Fatal(errs)
	}
	token := strings.TrimSpace(out)
	url := startServer(t, served)

	pr, pw := io.Pipe()
	type answer struct {
		code int
		body string
		err  error
	}
	slow := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", url+"/api/v1/ingest?format=sitrep-events", pr)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- answer{resp.StatusCode, string(b), err}
	}()
	if _, err := io.WriteString(pw, "time,kind,ip,country\n2024-02-26 10:00:00,infected_host,36.0.0.1,CN\n"); err != nil {
		t.Fatal(err)
	}
	for _, rq := range []struct {
		method, path string
		want         int
	}{{"POST", "/api/v1/ingest", 401}, {"GET", "/healthz", 200}, {"GET", "/", 200}, {"GET", "/feed.atom", 200}} {
		req, _ := http.NewRequest(rq.method, url+rq.path, strings.NewReader("time,kind\n"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != rq.want {
			t.Errorf("%s %s during an upload: %d, want %d", rq.method, rq.path, resp.StatusCode, rq.want)
		}
	}
	if _, err := io.WriteString(pw, "2024-02-27 10:00:00,infected_host,36.0.0.2,CN\n"); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-slow
	if a.err != nil || a.code != 200 || !strings.Contains(a.body, "read 2, stored 2, duplicate 0, rejected 0") {
		t.Errorf("the slow upload: %d %v %s", a.code, a.err, a.body)
	}
}

// TestReadersDuringAnIngest reads the site, the feed and the live statistics while an ingest
// runs in the server: every answer is 200, the ingest completes as a job, and the numbers
// after it are those of the same input ingested locally.
func TestReadersDuringAnIngest(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--events", "150000"); code != 0 {
		t.Fatal(errs)
	}
	events := filepath.Join(data, "events.csv")
	served, local := filepath.Join(dir, "served"), filepath.Join(dir, "local")
	code, out, errs := sitrep(t, "", "--store", served, "token", "create", "--role", "analyst", "--name", "feed")
	if code != 0 {
		t.Fatal(errs)
	}
	token := strings.TrimSpace(out)
	url := startServer(t, served, "--rate", "1000") // the readers here are one caller
	body, err := os.Open(events)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	req, _ := http.NewRequest("POST", url+"/api/v1/ingest?wait=0", body)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("the upload: %d, want 202", resp.StatusCode)
	}
	job := url + resp.Header.Get("Location")
	get := func(path string) (int, string) {
		code, _, body := call(t, "GET", url+path, token, "")
		return code, body
	}
	reads, during := 0, 0
	for deadline := time.Now().Add(2 * time.Minute); ; {
		_, state := get(strings.TrimPrefix(job, url))
		done := strings.Contains(state, `"state": "done"`)
		if strings.Contains(state, `"state": "failed"`) || time.Now().After(deadline) {
			t.Fatalf("the ingest: %s", state)
		}
		for _, p := range []string{"/", "/feed.atom", "/healthz", "/api/v1/stats/2024-W09"} {
			if code, b := get(p); code != 200 {
				t.Errorf("GET %s during the ingest: %d %.200s", p, code, b)
			}
			reads++
			if !done {
				during++
			}
		}
		if done {
			break
		}
	}
	if during == 0 {
		t.Log("the ingest was done before the first read")
	}
	sitrep(t, "", "--store", local, "ingest", events)
	_, want, _ := sitrep(t, "", "--store", local, "stats", "--week", "2024-W09", "--json")
	t.Setenv("SITREP_TOKEN", token)
	_, got, _ := sitrep(t, "", "--server", url, "stats", "--week", "2024-W09", "--json")
	if got != want || want == "" {
		t.Errorf("the served store's statistics differ from a local ingest's:\n%.300s\n%.300s", got, want)
	}
	t.Logf("%d reads, %d of them during the ingest", reads, during)

	// A parameter the server cannot read is the sender's mistake, said as such.
	if code, _, b := call(t, "POST", url+"/api/v1/ingest?observed=yesterday", token, "http://x.example/\n"); code != http.StatusUnprocessableEntity || !strings.Contains(b, "observed") {
		t.Errorf("?observed=yesterday: %d %s", code, b)
	}
}
