package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"sitrep/internal/auth"
	"sitrep/internal/store"
	"sitrep/internal/web"
)

// TestRejectsByRole: analysts see where and why rows were set aside; only roles that may read
// TLP:RED see the rows' text, whose label nobody vouched for.
func TestRejectsByRole(t *testing.T) {
	srv := &web.Server{}
	ts, _ := serve(t, emptyStore(t), srv)
	ctx := context.Background()
	in, err := srv.Store.OpenInput(ctx, store.Input{SHA256: "feed1", Name: "feed.csv", Format: "sitrep-events"})
	if err != nil {
		t.Fatal(err)
	}
	const secret = "2024-02-27 10:00:00,phishing,10.0.0.1,https://secret.example/,RED-ONLY"
	if _, err := srv.Store.Commit(ctx, store.Batch{Input: in.ID, Read: 1, Rejects: []store.Reject{{Line: 2, Field: "tlp", Reason: `"RED-ONLY \"victim\" jdoe" is not a TLP label`, Raw: secret}}}); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Input, Field, Reason string
		Line                 int
		Raw                  *string
	}
	list := func(token string) (int, []row) {
		t.Helper()
		code, _, body := call(t, "GET", ts.URL+"/api/v1/rejects?input=feed.csv", token, "")
		var rows []row
		if code == 200 {
			if err := json.Unmarshal([]byte(body), &rows); err != nil {
				t.Fatalf("%s: %v", body, err)
			}
		}
		return code, rows
	}
	if code, _ := list(""); code != 401 {
		t.Errorf("anonymous: %d, want 401", code)
	}
	if code, _ := list(addToken(t, srv.Store, auth.Viewer)); code != 403 {
		t.Errorf("a viewer: %d, want 403", code)
	}
	code, rows := list(addToken(t, srv.Store, auth.Analyst))
	// The reason says why without the value it quotes, which is the row's text too.
	if code != 200 || len(rows) != 1 || rows[0].Raw != nil || rows[0].Line != 2 || rows[0].Field != "tlp" || rows[0].Input != "feed.csv" ||
		rows[0].Reason != `"…" is not a TLP label` {
		t.Errorf("an analyst: %d %+v", code, rows)
	}
	code, rows = list(addToken(t, srv.Store, auth.Admin))
	if code != 200 || len(rows) != 1 || rows[0].Raw == nil || *rows[0].Raw != secret || !strings.Contains(rows[0].Reason, "jdoe") {
		t.Errorf("an administrator: %d %+v", code, rows)
	}
	if code, _, _ := call(t, "GET", ts.URL+"/api/v1/rejects?limit=all", addToken(t, srv.Store, auth.Admin), ""); code != 400 {
		t.Errorf("?limit=all: %d, want 400", code)
	}
}
