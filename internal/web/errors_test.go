package web_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/web"
	"sitrep/internal/web/webtest"
)

// logBuffer collects a server's log records, written as JSON lines from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// find returns the record logged about a request id, or nil.
func (l *logBuffer) find(t *testing.T, id string) map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if rec["request_id"] == id {
			return rec
		}
	}
	return nil
}

// emptyStore creates a store with its schema and no data, and returns its directory.
func emptyStore(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	st, err := duck.Open(context.Background(), dir, duck.Options{})
	if err != nil {
		t.Fatalf("create a store: %v", err)
	}
	st.Close()
	return dir
}

// dropTable breaks a store the way a damaged file or a half-applied migration would: the
// schema says it is current, but a table is gone.
func dropTable(t *testing.T, dir, table string) {
	t.Helper()
	db, err := sql.Open("duckdb", filepath.Join(dir, duck.FileName))
	if err != nil {
		t.Fatalf("open the store's file: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec("DROP TABLE " + table); err != nil {
		t.Fatalf("drop table %s: %v", table, err)
	}
}

// serve serves srv over the store in dir, open for the server's life, and logs to the buffer
// it returns.
func serve(t *testing.T, dir string, srv *web.Server) (*httptest.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	srv.Log = slog.New(slog.NewJSONHandler(logs, nil))
	st, err := duck.Open(context.Background(), dir, duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		srv.Wait() // jobs end before the store closes, as in sitrep serve
		st.Close()
	})
	srv.Store = st
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, logs
}

// call sends a request to a server the test started (webtest.Call).
var call = webtest.Call

// internals are what an answer must never show of a failure.
func internals(dir string) []string {
	return []string{dir, duck.FileName, "duckdb", "DuckDB", "Catalog Error", "IO Error", "published"}
}

// TestInternalErrorsAnswerGenerically breaks the store under a running server and checks
// that each answer gives a fixed reason and the request id, and nothing of the store's path or
// the engine's message, while the log holds both under that id.
func TestInternalErrorsAnswerGenerically(t *testing.T) {
	setups := []struct {
		name       string
		breakStore func(t *testing.T, dir string)
		logged     func(dir string) string // what the log must say about the failure
	}{
		{"a table is gone", func(t *testing.T, dir string) { dropTable(t, dir, "published") },
			func(string) string { return "Catalog Error" }},
		// A store whose file is not a database no longer reaches a request: the server holds
		// the store from its start, and sitrep serve refuses to start on it.
	}
	requests := []struct {
		path string
		code map[string]int // by setup
		page bool           // a page of the site rather than the API
	}{
		{"/", map[string]int{"a table is gone": 500, "the store's file is not a database": 503}, true},
		{"/feed.atom", map[string]int{"a table is gone": 500, "the store's file is not a database": 503}, true},
		{"/bulletins/2024-W09", map[string]int{"a table is gone": 500, "the store's file is not a database": 503}, true},
		{"/healthz", map[string]int{"a table is gone": 503, "the store's file is not a database": 503}, true},
		{"/api/v1/stats/2024-W09", map[string]int{"a table is gone": 500, "the store's file is not a database": 503}, false},
		{"/api/v1/bulletins/2024-W09?format=json", map[string]int{"a table is gone": 500, "the store's file is not a database": 503}, false},
	}
	for _, su := range setups {
		t.Run(su.name, func(t *testing.T) {
			dir := emptyStore(t)
			su.breakStore(t, dir)
			ts, logs := serve(t, dir, &web.Server{})
			for _, rq := range requests {
				t.Run(rq.path, func(t *testing.T) {
					code, h, body := call(t, "GET", ts.URL+rq.path, "", "")
					id := h.Get(web.RequestIDHeader)
					if want := rq.code[su.name]; code != want {
						t.Errorf("status %d, want %d: %s", code, want, body)
					}
					if id == "" || !strings.Contains(body, id) {
						t.Errorf("the answer does not carry its request id %q: %s", id, body)
					}
					for _, bad := range internals(dir) {
						if strings.Contains(body, bad) {
							t.Errorf("the answer shows %q: %s", bad, body)
						}
					}
					reason := "internal error"
					if code == 503 {
						reason = "unavailable; try again shortly"
					}
					if rq.page {
						if want := reason + "\nrequest id: " + id + "\n"; body != want || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
							t.Errorf("page %s %q, want %q", h.Get("Content-Type"), body, want)
						}
					} else {
						var got map[string]string
						if err := json.Unmarshal([]byte(body), &got); err != nil || len(got) != 2 || got["error"] != reason || got["request_id"] != id {
							t.Errorf("API answer %s, want the reason %q and the request id", body, reason)
						}
					}
					rec := logs.find(t, id)
					if rec == nil {
						t.Fatalf("nothing logged under request id %s", id)
					}
					if rec["method"] != "GET" || rec["path"] != strings.Split(rq.path, "?")[0] || rec["status"] != float64(code) {
						t.Errorf("log record %v", rec)
					}
					if detail, _ := rec["detail"].(string); !strings.Contains(detail, su.logged(dir)) {
						t.Errorf("the log does not say what failed (%q): %v", su.logged(dir), rec)
					}
				})
			}
		})
	}
}

// TestCallbackErrors checks the answers to errors of the work the API hands to the command
// line's functions: a refusal keeps its reason, a failure shows none of its own.
func TestCallbackErrors(t *testing.T) {
	dir := emptyStore(t)
	tokens := map[string]string{}
	st, err := duck.Open(context.Background(), dir, duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, role := range []string{auth.Analyst, auth.Publisher} {
		tok, digest, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddToken(context.Background(), store.Token{Digest: digest, Name: role + "-1", Role: role, CreatedAt: time.Now()}, "test"); err != nil {
			t.Fatalf("AddToken(%s): %v", role, err)
		}
		tokens[role] = tok
	}
	st.Close()
	dropTable(t, dir, "published") // so that the engine can be made to fail for real

	var fail func(ctx context.Context, a store.Store) error // what the next call answers
	srv := &web.Server{
		Publish: func(ctx context.Context, a store.Store, week, actor string) (int, error) { return 0, fail(ctx, a) },
		Ingest: func(ctx context.Context, a store.Store, path string, q web.IngestQuery) (any, error) {
			return nil, fail(ctx, a)
		},
	}
	ts, logs := serve(t, dir, srv)
	const publish, ingest = "/api/v1/bulletins/2024-W09/publish", "/api/v1/ingest?format=sitrep-events"
	tests := []struct {
		name, path string
		fail       func(ctx context.Context, a store.Store) error
		code       int
		show       string // the reason the answer gives; "" for a failure's fixed one
	}{
		{"missing review", publish, func(context.Context, store.Store) error {
			return errors.New("2024-W09 has not been reviewed: an editor runs sitrep review --week 2024-W09 first")
		}, 422, "2024-W09 has not been reviewed"},
		{"already published", publish, func(context.Context, store.Store) error {
			return fmt.Errorf("2024-W09: %w", store.ErrPublished)
		}, 409, "already published"},
		{"input in no known format", ingest, func(context.Context, store.Store) error {
			return fmt.Errorf("-: %w", errors.New("not a format sitrep knows: the header has a, b"))
		}, 422, "not a format sitrep knows"},
		{"a parameter refused with the parser's own error", ingest, func(context.Context, store.Store) error {
			_, err := time.Parse(time.DateTime, "yesterday")
			return web.Refuse(fmt.Errorf("observed: %w", err))
		}, 422, "observed: parsing time"},
		{"body too large", ingest, func(context.Context, store.Store) error {
			return fmt.Errorf("read: %w", &http.MaxBytesError{Limit: web.MaxBody})
		}, 413, "request body too large"},
		{"the engine fails", publish, func(ctx context.Context, a store.Store) error {
			_, err := a.Rendering(ctx, "2024-W09", "zh", "html")
			return fmt.Errorf("read the published issue: %w", err)
		}, 500, ""},
		{"a file under the store fails", ingest, func(context.Context, store.Store) error {
			return fmt.Errorf("-: %w", &fs.PathError{Op: "write", Path: filepath.Join(dir, "ingest-1.tmp"), Err: syscall.ENOSPC})
		}, 500, ""},
		{"the request is cancelled", ingest, func(context.Context, store.Store) error {
			return fmt.Errorf("batch 3: %w", context.Canceled)
		}, 500, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fail = tc.fail
			role := auth.Publisher
			if tc.path == ingest {
				role = auth.Analyst
			}
			code, h, body := call(t, "POST", ts.URL+tc.path, tokens[role], "time,kind\n")
			id := h.Get(web.RequestIDHeader)
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("answer %q: %v", body, err)
			}
			if code != tc.code || got["request_id"] != id || id == "" {
				t.Errorf("status %d, want %d; %s (request id %q)", code, tc.code, body, id)
			}
			if tc.show != "" {
				if !strings.Contains(got["error"], tc.show) {
					t.Errorf("the answer lacks the reason %q: %s", tc.show, body)
				}
				return
			}
			if got["error"] != "internal error" {
				t.Errorf("a failure answered %q", got["error"])
			}
			for _, bad := range internals(dir) {
				if strings.Contains(body, bad) {
					t.Errorf("the answer shows %q: %s", bad, body)
				}
			}
			if rec := logs.find(t, id); rec == nil || rec["path"] != strings.Split(tc.path, "?")[0] || rec["method"] != "POST" {
				t.Errorf("log record under %s: %v", id, rec)
			}
		})
	}
}

// TestRequestIDs checks that every answer, whatever its status, carries its own request id,
// and that an error answer that is the caller's to fix keeps its reason and names the id too.
func TestRequestIDs(t *testing.T) {
	ts, _ := serve(t, emptyStore(t), &web.Server{})
	tests := []struct {
		path string
		code int
		want string
	}{
		{"/", 200, "尚未发布任何一期"},
		{"/healthz", 200, "ok"},
		{"/feed.atom", 200, "urn:sitrep:bulletins"},
		{"/bulletins/2024-W99", 400, "ISO year 2024 has weeks 1 to 52"},
		{"/api/v1/bulletins/2024-W09?format=docx", 400, "format is html, md, json or pdf"},
		{"/api/v1/stats/2024-W09", 401, "2024-W09 is not published"},
		{"/api/v1/events?week=2024-W09", 401, "needs an API token"},
		{"/nothing-here", 404, "not found"},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			code, h, body := call(t, "GET", ts.URL+tc.path, "", "")
			id := h.Get(web.RequestIDHeader)
			if code != tc.code || !strings.Contains(body, tc.want) {
				t.Errorf("status %d, want %d: %s", code, tc.code, body)
			}
			if id == "" || seen[id] {
				t.Errorf("request id %q (empty, or given before)", id)
			}
			seen[id] = true
			if strings.HasPrefix(h.Get("Content-Type"), "application/json") && code >= 400 {
				var got map[string]string
				if err := json.Unmarshal([]byte(body), &got); err != nil || got["request_id"] != id {
					t.Errorf("error answer %s does not name its request id %s", body, id)
				}
			}
		})
	}
}
