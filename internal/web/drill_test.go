package web_test

import (
	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/store"
	"sitrep/internal/web"
	"sitrep/internal/web/webtest"
)

// TestDrillDown asks for the records behind a number as each role: analysts and up get the
// items, as JSON or as a CSV a spreadsheet shows as text, from the labels their role may read
// (an AMBER+STRICT site is behind a publisher's number, not an analyst's); viewers and anonymous
// callers get nothing; an unknown count is 404.
func TestDrillDown(t *testing.T) {
	csvPath := t.TempDir() + "/events.csv"
	rows := "time,kind,ip,url,country,tlp,target\n" +
		"2024-02-27 10:00:00,defacement,61.0.0.1,http://www.a.gov.cn/,CN,CLEAR,\n" +
		"2024-02-27 11:00:00,defacement,61.0.0.1,http://www.a.gov.cn/x,CN,CLEAR,\n" + // the same site
		"2024-02-27 12:00:00,defacement,61.0.0.2,http://b.example.cn/,CN,CLEAR,\n" +
		"2024-02-28 10:00:00,defacement,61.0.0.3,http://www.secret.com.cn/,CN,AMBER+STRICT,\n" +
		"2024-02-28 11:00:00,phishing,203.0.113.9,http://login.example.top/,US,CLEAR,\"=HYPERLINK(\"\"http://x\"\")\"\n"
	if err := os.WriteFile(csvPath, []byte(rows), 0o600); err != nil {
		t.Fatal(err)
	}
	st := ingesttest.Load(t, shanghai, csvPath)
	t.Cleanup(func() { st.Close() })
	tokens := map[string]string{}
	for _, role := range []string{auth.Viewer, auth.Analyst, auth.Publisher} {
		tok, digest, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddToken(context.Background(), store.Token{Digest: digest, Name: role, Role: role, CreatedAt: time.Now()}, "test"); err != nil {
			t.Fatal(err)
		}
		tokens[role] = tok
	}
	ts := httptest.NewServer((&web.Server{Store: st, Zone: shanghai}).Handler())
	t.Cleanup(ts.Close)
	path := ts.URL + "/api/v1/stats/2024-W09/defaced.total/records"
	for role, want := range map[string]int{"": 401, auth.Viewer: 403} {
		if code, _, _ := webtest.Call(t, "GET", path, tokens[role], ""); code != want {
			t.Errorf("%q: %d, want %d", role, code, want)
		}
	}
	for role, want := range map[string]int{auth.Analyst: 2, auth.Publisher: 3} {
		code, h, body := webtest.Call(t, "GET", path, tokens[role], "")
		var page store.DrillPage
		if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || page.Total != want || len(page.Items) != want || h.Get("X-Sitrep-Total") != strconv.Itoa(want) {
			t.Errorf("%s: %d %v total %d, %d items, want %d:\n%s", role, code, err, page.Total, len(page.Items), want, body)
		}
		if role == auth.Analyst && (page.Items[1].Value != "www.a.gov.cn" || page.Items[1].Events != 2) {
			t.Errorf("the site seen twice: %+v", page.Items)
		}
	}
	code, h, body := webtest.Call(t, "GET", path+"?format=csv&limit=5", tokens[auth.Analyst], "")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || err != nil || len(recs) != 3 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || recs[0][0] != "value" {
		t.Fatalf("CSV: %d %v %q", code, err, recs)
	}
	_, _, body = webtest.Call(t, "GET", ts.URL+"/api/v1/stats/2024-W09/phishing.pages/records?format=csv", tokens[auth.Analyst], "")
	recs, _ = csv.NewReader(strings.NewReader(body)).ReadAll()
	if len(recs) != 2 || recs[1][7] != `'=HYPERLINK("http://x")` || recs[1][9] != "CLEAR" {
		t.Errorf("a phishing target that is a formula: %q", recs)
	}
	// Shared as STIX and as a MISP event, the items read back into a store as themselves:
	// each site a host name of its kind, with its label.
	for _, f := range []string{"stix", "misp"} {
		code, h, body := webtest.Call(t, "GET", path+"?format="+f, tokens[auth.Publisher], "")
		if code != 200 || h.Get("X-Sitrep-Withheld") != "0" {
			t.Fatalf("%s: %d %s", f, code, body)
		}
		file := t.TempDir() + "/shared.json"
		os.WriteFile(file, []byte(body), 0o600)
		back := ingesttest.Load(t, shanghai, file)
		evs, err := back.ListEvents(context.Background(), store.Range{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
			"", []string{"CLEAR", "GREEN", "AMBER", "AMBER+STRICT"}, 10)
		back.Close()
		var got []string
		for _, e := range evs {
			got = append(got, string(e.Kind)+" "+cmp.Or(e.Host, e.Domain)+" "+string(e.TLP))
		}
		slices.Sort(got)
		want := []string{"defacement b.example.cn CLEAR", "defacement www.a.gov.cn CLEAR", "defacement www.secret.com.cn AMBER+STRICT"}
		if !slices.Equal(got, want) || err != nil {
			t.Errorf("%s read back as %q (%v), want %q:\n%.600s", f, got, err, want, body)
		}
	}
	for _, bad := range []string{"limit=-1", "limit=abc", "offset=-5", "offset=99999999999999999999"} {
		if code, _, _ := webtest.Call(t, "GET", path+"?"+bad, tokens[auth.Analyst], ""); code != 400 {
			t.Errorf("?%s: %d, want 400", bad, code)
		}
	}
	if code, _, _ := webtest.Call(t, "GET", ts.URL+"/api/v1/stats/2024-W09/passwords/records", tokens[auth.Analyst], ""); code != 404 {
		t.Errorf("an unknown count: %d", code)
	}
	if code, _, body := webtest.Call(t, "GET", ts.URL+"/api/v1/stats/2024-02/defaced.total/records", tokens[auth.Publisher], ""); code != 200 || !strings.Contains(body, `"total": 3`) {
		t.Errorf("a month: %d %s", code, body)
	}
}
