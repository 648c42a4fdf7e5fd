package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
	"sitrep/internal/web"
)

// TestRateLimitPerCaller lets a caller make its burst of requests, then answers 429 with
// Retry-After; another caller is not held back by the first.
func TestRateLimitPerCaller(t *testing.T) {
	srv := &web.Server{Limits: web.Limits{Rate: 0.001, Burst: 3}}
	ts, _ := serve(t, emptyStore(t), srv)
	tok := addToken(t, srv.Store, auth.Analyst)
	var codes []int
	for i := 0; i < 5; i++ {
		code, h, _ := call(t, "GET", ts.URL+"/healthz", "", "")
		if code == http.StatusTooManyRequests && h.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		codes = append(codes, code)
	}
	if want := []int{200, 200, 200, 429, 429}; !slices.Equal(codes, want) {
		t.Errorf("anonymous answers %v, want %v", codes, want)
	}
	if code, _, body := call(t, "GET", ts.URL+"/api/v1/incidents", tok, ""); code != 200 {
		t.Errorf("a token's first request after another caller's limit: %d %s", code, body)
	}
}

// TestSlowUploadIsCutOff sends the start of an upload and then nothing: the server cuts it
// off with 408 once a window passes, and the store is free for the next writer.
func TestSlowUploadIsCutOff(t *testing.T) {
	srv := &web.Server{Limits: web.Limits{MinUploadRate: 1 << 20, UploadWindow: 300 * time.Millisecond},
		Ingest: func(ctx context.Context, a store.Store, path string, q web.IngestQuery) (any, error) {
			return map[string]string{"summary": "read 1"}, nil
		}}
	ts, _ := serve(t, emptyStore(t), srv)
	tok := addToken(t, srv.Store, auth.Analyst)
	pr, pw := io.Pipe()
	defer pw.Close()
	go io.WriteString(pw, "time,kind,ip\n")
	req, err := http.NewRequest("POST", ts.URL+"/api/v1/ingest", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "too slow") && !strings.Contains(string(b), "slower than") {
		t.Errorf("a stalled upload: %d %s", resp.StatusCode, b)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("the stalled upload was held %v", waited)
	}
	if code, _, body := call(t, "POST", ts.URL+"/api/v1/ingest", tok, "time,kind,ip\n"); code != 200 {
		t.Errorf("the next upload: %d %s", code, body)
	}
}

// addToken gives the store a new token of role and returns it.
func addToken(t *testing.T, st store.Store, role string) string {
	t.Helper()
	tok, digest, err := auth.NewToken()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddToken(context.Background(), store.Token{Digest: digest, Name: role + "-" + digest[:8], Role: role, CreatedAt: time.Now()}, "test"); err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestMadeUpTokensShareTheAddressLimit sends requests each with a different made-up token:
// they count against the address, as requests without a token do.
func TestMadeUpTokensShareTheAddressLimit(t *testing.T) {
	srv := &web.Server{Limits: web.Limits{Rate: 0.001, Burst: 3}}
	ts, _ := serve(t, emptyStore(t), srv)
	limited := 0
	for i := 0; i < 6; i++ {
		code, _, _ := call(t, "GET", ts.URL+"/healthz", "sitrep_made-up-"+strings.Repeat("x", i), "")
		if code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 3 {
		t.Errorf("%d of 6 requests with made-up tokens were limited, want 3", limited)
	}
}

// TestSlowBodyIsCutOff: a body that trickles in — a login form, the fields before an upload's
// file — is cut off once Limits.BodyWait has passed, not held for as long as it trickles.
func TestSlowBodyIsCutOff(t *testing.T) {
	srv := &web.Server{Limits: web.Limits{BodyWait: 300 * time.Millisecond}}
	ts, _ := serve(t, emptyStore(t), srv)
	u, _ := url.Parse(ts.URL)
	for _, head := range []string{
		"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 16000\r\n\r\ncsrf=",
		"POST /work/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=B\r\nContent-Length: 16000\r\n\r\n--B\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n",
	} {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		io.WriteString(conn, head)
		done := make(chan struct{})
		go func() { // one byte a while, for longer than the test waits
			defer close(done)
			for i := 0; i < 40; i++ {
				time.Sleep(100 * time.Millisecond)
				if _, err := conn.Write([]byte("x")); err != nil {
					return
				}
			}
		}()
		conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		io.ReadAll(conn) // the answer, if any, then the server's close
		if held := time.Since(start); held > 2500*time.Millisecond {
			t.Errorf("%.20q: the connection was held %v", head, held)
		}
		conn.Close()
		<-done
	}
}
