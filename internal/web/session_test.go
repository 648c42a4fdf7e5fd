package web_test

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sitrep/internal/assess"
	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/stats"
	"sitrep/internal/store"
	"sitrep/internal/synth"
	"sitrep/internal/web"
	"sitrep/internal/week"
)

// sentinel is in a TLP:RED ticket: no answer to a caller without the right may carry it.
const sentinel = "sentinel-red.example"

// workspace serves a store with two weeks of data, an account of each role (the password is
// the role's name twice) and a token of each role, a RED ticket and an ordinary one.
func workspace(t *testing.T, tlsToo bool) (ts *httptest.Server, st store.Store, tokens map[string]string, ticket string) {
	t.Helper()
	auth.PasswordCost = 4 // bcrypt's least: these tests check who may do what, not the cost
	files := ingesttest.Generate(t, synth.Published(synth.Issue2024No9)[:2], shanghai)
	db := ingesttest.Load(t, shanghai, files...)
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	tokens = map[string]string{}
	for _, role := range auth.Roles {
		a, err := web.NewAccount(role, role, role+role+role, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetAccount(ctx, a, "test"); err != nil {
			t.Fatal(err)
		}
		tok, digest, _ := auth.NewToken()
		if err := db.AddToken(ctx, store.Token{Digest: digest, Name: role + "-token", Role: role, CreatedAt: time.Now()}, "test"); err != nil {
			t.Fatal(err)
		}
		tokens[role] = tok
	}
	svc := &incident.Service{Store: db}
	if _, err := svc.Open(ctx, incident.Ticket{ID: "RED-1", Type: event.PhishingIncident, URL: "http://" + sentinel + "/login", TLP: event.Red}, incident.Change{Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	tk, err := svc.Open(ctx, incident.Ticket{Type: event.PhishingIncident, URL: "http://phish.example/a"}, incident.Change{Actor: "test"})
	if err != nil {
		t.Fatal(err)
	}
	srv := &web.Server{Store: db, Zone: shanghai, Limits: web.Limits{Rate: 1000, Burst: 1000},
		Render: func(ctx context.Context, st store.Store, wk, lang, format string, tlp event.TLP, page bool) ([]byte, error) {
			return []byte("<p>live " + wk + "</p>"), nil
		},
		Stats: func(ctx context.Context, st store.Store, wk string, tlp event.TLP) (any, error) {
			w, err := week.Parse(wk)
			if err != nil {
				return nil, web.Refuse(err)
			}
			return stats.Compute(ctx, st, w, stats.Options{Zone: shanghai, Edition: stats.EditionFor(assess.Default(), tlp)})
		},
		Review: func(ctx context.Context, st store.Store, wk, actor, note string) (string, any, error) {
			return "digest", nil, st.AddReview(ctx, store.Review{Week: wk, Digest: "digest", Actor: actor, ReviewedAt: time.Now(), Note: note})
		},
		Publish: func(ctx context.Context, st store.Store, wk, actor string) (int, error) { return 0, nil },
		Ingest: func(ctx context.Context, st store.Store, path string, q web.IngestQuery) (any, error) {
			return map[string]any{"read": 0}, nil
		},
		Draft: func(ctx context.Context, st store.Store, wk string) (string, []web.DraftWarning, error) {
			return "digest", []web.DraftWarning{{ZH: "提示", EN: "a warning"}}, nil
		},
	}
	if tlsToo {
		ts = httptest.NewTLSServer(srv.Handler())
	} else {
		ts = httptest.NewServer(srv.Handler())
	}
	t.Cleanup(ts.Close)
	return ts, db, tokens, tk.ID
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// browser is a client with its own cookies, logged in as an account.
type browser struct {
	t    *testing.T
	c    *http.Client
	base string
	csrf string // the session's token, read from its pages
}

func newBrowser(t *testing.T, ts *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	c := *ts.Client() // its own: the server's client is one for all
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, c: &c, base: ts.URL}
}

func (b *browser) do(method, path string, form url.Values, header http.Header) (int, http.Header, string) {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if m := csrfField.FindStringSubmatch(sb.String()); m != nil && path != "/login" {
		b.csrf = m[1]
	}
	return resp.StatusCode, resp.Header, sb.String()
}

// login logs in by the login form and says how it was answered.
func (b *browser) login(name, password string) (int, http.Header) {
	b.t.Helper()
	_, _, page := b.do("GET", "/login", nil, nil)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("the login page has no CSRF token:\n%s", page)
	}
	code, h, _ := b.do("POST", "/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {password}, "next": {"/work/"}}, nil)
	if code == http.StatusSeeOther {
		b.do("GET", "/work/", nil, nil) // reads the session's CSRF token
	}
	return code, h
}

func (b *browser) cookie() *http.Cookie {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "sitrep_session" {
			return c
		}
	}
	return nil
}

// TestRouteAccess asks every route as nobody, with a forged, an expired, an ended cookie and
// one of a disabled account, and as each role by session and by token: 401 and 403 exactly
// where the route needs more, never the data; the right role gets past.
func TestRouteAccess(t *testing.T) {
	ts, st, tokens, ticket := workspace(t, false)
	ctx := context.Background()
	routes := []struct{ method, path, need string }{
		{"GET", "/", ""}, {"GET", "/feed.atom", ""}, {"GET", "/healthz", ""}, {"GET", "/login", ""}, {"GET", "/assets/work.css", ""},
		{"GET", "/api/v1/stats/2024-W09", auth.Viewer}, {"GET", "/api/v1/ratings/2024-W09", auth.Viewer},
		{"GET", "/api/v1/stats/2024-W09/defaced.gov/records", auth.Analyst}, {"GET", "/api/v1/incidents", auth.Analyst},
		{"GET", "/api/v1/incidents/" + ticket, auth.Analyst}, {"POST", "/api/v1/incidents/" + ticket + "/note?note=x", auth.Analyst},
		{"POST", "/api/v1/incidents?type=phishing&url=http://x.example/", auth.Analyst}, {"POST", "/api/v1/incidents/from-events?week=2024-W09", auth.Analyst},
		{"GET", "/api/v1/incidents/" + ticket + "/notice", auth.Analyst}, {"GET", "/api/v1/partners", auth.Analyst},
		{"POST", "/api/v1/partners?name=p&kind=telecom", auth.Analyst}, {"GET", "/api/v1/events?week=2024-W09&kind=phishing", auth.Analyst},
		{"GET", "/api/v1/export?week=2024-W09", auth.Analyst}, {"GET", "/api/v1/rejects", auth.Analyst}, {"GET", "/api/v1/jobs", auth.Analyst},
		{"GET", "/api/v1/jobs/nothing", auth.Analyst}, {"GET", "/api/v1/feeds", auth.Analyst}, {"POST", "/api/v1/ingest?format=sitrep-events", auth.Analyst},
		{"POST", "/api/v1/ratings/2024-W09?level=中&reason=r", auth.Analyst},
		{"GET", "/api/v1/bulletins/2024-W09", auth.Editor}, {"POST", "/api/v1/bulletins/2024-W09/review", auth.Editor},
		{"POST", "/api/v1/bulletins/2024-W09/publish", auth.Publisher},
		{"GET", "/api/v1/tokens", auth.Admin}, {"POST", "/api/v1/tokens?role=viewer", auth.Admin}, {"POST", "/api/v1/tokens/revoke?name=nobody", auth.Admin},
		{"GET", "/api/v1/accounts", auth.Admin}, {"POST", "/api/v1/accounts/nobody/logout", auth.Admin}, {"GET", "/api/v1/audit", auth.Admin},
		{"GET", "/work/", auth.Viewer}, {"GET", "/work/draft/2024-W09", auth.Viewer}, {"GET", "/work/trends", auth.Viewer},
		{"GET", "/work/records/2024-W09/defaced.gov", auth.Analyst}, {"GET", "/work/incidents", auth.Analyst},
		{"GET", "/work/incidents/" + ticket, auth.Analyst}, {"POST", "/work/incidents/" + ticket + "/note", auth.Analyst},
		{"POST", "/work/incidents/from-events", auth.Analyst}, {"GET", "/work/ingest", auth.Analyst}, {"GET", "/work/jobs/nothing", auth.Analyst},
		{"GET", "/work/feeds", auth.Analyst}, {"POST", "/work/draft/2024-W09/rating", auth.Analyst},
		{"POST", "/work/draft/2024-W09/review", auth.Editor}, {"POST", "/work/draft/2024-W09/publish", auth.Publisher},
		{"GET", "/work/audit", auth.Admin}, {"GET", "/work/accounts", auth.Admin}, {"POST", "/work/accounts/logout", auth.Admin},
	}
	type identity struct {
		name, role string
		header     http.Header
		b          *browser
	}
	var ids []identity
	for _, role := range auth.Roles {
		b := newBrowser(t, ts)
		if code, _ := b.login(role, role+role+role); code != http.StatusSeeOther {
			t.Fatalf("login as %s: %d", role, code)
		}
		ids = append(ids, identity{name: role + " session", role: role, b: b, header: http.Header{"X-Csrf-Token": {b.csrf}}},
			identity{name: role + " token", role: role, header: http.Header{"Authorization": {"Bearer " + tokens[role]}}})
	}
	cookie := func(v string) http.Header {
		return http.Header{"Cookie": {"sitrep_session=" + v}, "X-Csrf-Token": {auth.CSRFToken(v)}}
	}
	expired, expiredDigest, _ := auth.NewSession()
	st.AddSession(ctx, store.Session{Digest: expiredDigest, Account: auth.Admin, Created: time.Now().Add(-13 * time.Hour), Expires: time.Now().Add(-time.Hour)})
	ended, endedDigest, _ := auth.NewSession()
	st.AddSession(ctx, store.Session{Digest: endedDigest, Account: auth.Admin, Created: time.Now(), Expires: time.Now().Add(time.Hour)})
	st.EndSession(ctx, endedDigest, time.Now())
	gone, _ := web.NewAccount("gone", auth.Admin, "gonegonegone", time.Now())
	st.SetAccount(ctx, gone, "test")
	disabled, disabledDigest, _ := auth.NewSession()
	st.AddSession(ctx, store.Session{Digest: disabledDigest, Account: "gone", Created: time.Now(), Expires: time.Now().Add(time.Hour)})
	st.DisableAccount(ctx, "gone", "test", time.Now())
	forged := "s_" + strings.Repeat("A", 43)
	ids = append(ids, identity{name: "nobody"}, identity{name: "forged cookie", header: cookie(forged)},
		identity{name: "expired session", header: cookie(expired)}, identity{name: "ended session", header: cookie(ended)},
		identity{name: "disabled account", header: cookie(disabled)})

	plain := newBrowser(t, ts)
	for _, rt := range routes {
		for _, id := range ids {
			b := id.b
			if b == nil {
				b = plain
			}
			code, _, body := b.do(rt.method, rt.path, nil, id.header)
			allowed := rt.need == "" || auth.Allows(id.role, rt.need)
			switch {
			case !allowed && id.role == "" && code != http.StatusUnauthorized:
				t.Errorf("%s %s as %s: %d, want 401\n%.200s", rt.method, rt.path, id.name, code, body)
			case !allowed && id.role != "" && code != http.StatusForbidden:
				t.Errorf("%s %s as %s: %d, want 403\n%.200s", rt.method, rt.path, id.name, code, body)
			case allowed && (code == http.StatusUnauthorized || code == http.StatusForbidden):
				t.Errorf("%s %s as %s: %d, want it let through\n%.200s", rt.method, rt.path, id.name, code, body)
			}
			if !allowed && (strings.Contains(body, sentinel) || strings.Contains(body, "phish.example")) {
				t.Errorf("%s %s as %s: the answer carries records", rt.method, rt.path, id.name)
			}
			if strings.Contains(body, sentinel) && !auth.Allows(id.role, auth.Admin) {
				t.Errorf("%s %s as %s: a TLP:RED record in the answer", rt.method, rt.path, id.name)
			}
		}
	}
}

// TestLogin: the login form's answers, the session cookie's flags, limits on guessing, and a
// session's end by logout, by disabling its account, or by its role's change taking hold.
func TestLogin(t *testing.T) {
	ts, st, _, _ := workspace(t, true)
	ctx := context.Background()
	b := newBrowser(t, ts)
	// A cookie planted before the login does not become the session.
	u, _ := url.Parse(ts.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "sitrep_session", Value: "s_planted"}})
	if code, _ := b.login("editor", "wrong password here"); code != http.StatusUnauthorized {
		t.Errorf("a wrong password: %d", code)
	}
	code, h := b.login("editor", "editoreditoreditor")
	if code != http.StatusSeeOther || h.Get("Location") != "/work/" {
		t.Fatalf("login: %d %v", code, h)
	}
	set := strings.Join(h.Values("Set-Cookie"), "\n")
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Secure", "Max-Age=43200"} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie without %s:\n%s", want, set)
		}
	}
	if c := b.cookie(); c == nil || c.Value == "s_planted" {
		t.Fatalf("session cookie after login: %v", c)
	}
	if code, _, page := b.do("GET", "/work/", nil, nil); code != 200 || !strings.Contains(page, "editor · 编辑") {
		t.Errorf("the workspace after login: %d", code)
	}
	// The role changes at once for the session open.
	a, _ := st.Account(ctx, "editor")
	a.Role = auth.Publisher // the same hash: a new role only
	st.SetAccount(ctx, a, "test")
	if code, _, page := b.do("GET", "/work/draft/2024-W09", nil, nil); code != 200 || !strings.Contains(page, `id="publish-blocked"`) || !strings.Contains(page, "尚未审核") {
		t.Errorf("a publisher's draft page has no publish button: %d", code)
	}
	// Logging out ends the session on the server, not only in the browser.
	old := b.cookie().Value
	if code, _, _ := b.do("POST", "/logout", url.Values{"csrf": {b.csrf}}, nil); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	replay := newBrowser(t, ts)
	if code, _, _ := replay.do("GET", "/work/", nil, http.Header{"Cookie": {"sitrep_session=" + old}}); code != http.StatusUnauthorized {
		t.Errorf("a logged-out cookie replayed: %d", code)
	}
	// Disabling an account ends its sessions.
	b2 := newBrowser(t, ts)
	b2.login("analyst", "analystanalystanalyst")
	if err := st.DisableAccount(ctx, "analyst", "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := b2.do("GET", "/work/", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("a disabled account's session: %d", code)
	}
	if code, _ := newBrowser(t, ts).login("analyst", "analystanalystanalyst"); code != http.StatusUnauthorized {
		t.Errorf("a disabled account logged in: %d", code)
	}
	// A login goes only to this site's pages.
	b3 := newBrowser(t, ts)
	_, _, page := b3.do("GET", "/login", nil, nil)
	tok := csrfField.FindStringSubmatch(page)[1]
	for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", "/\v/evil.example", "/\x7f/evil.example"} {
		b3 = newBrowser(t, ts)
		_, _, page = b3.do("GET", "/login", nil, nil)
		tok = csrfField.FindStringSubmatch(page)[1]
		_, h, _ := b3.do("POST", "/login", url.Values{"csrf": {tok}, "name": {"viewer"}, "password": {"viewerviewerviewer"}, "next": {next}}, nil)
		if h.Get("Location") != "/work/" {
			t.Errorf("login with next %q goes to %q", next, h.Get("Location"))
		}
	}
	// A login form without its token is refused.
	if code, _, _ := newBrowser(t, ts).do("POST", "/login", url.Values{"name": {"viewer"}, "password": {"viewerviewerviewer"}}, nil); code != http.StatusForbidden {
		t.Errorf("a login without its form's token: %d", code)
	}
	// Guessing: the sixth wrong password in the window is not even checked.
	g := newBrowser(t, ts)
	for i := 1; i <= 6; i++ {
		code, h := g.login("admin", "not the password")
		want := http.StatusUnauthorized
		if i == 6 {
			want = http.StatusTooManyRequests
		}
		if code != want || (i == 6 && h.Get("Retry-After") == "") {
			t.Errorf("wrong password %d: %d", i, code)
		}
	}
	if code, _ := g.login("admin", "adminadminadmin"); code != http.StatusTooManyRequests {
		t.Errorf("the right password while blocked: %d", code)
	}
	// Another server sharing the records counts the same failures: it blocks the same login.
	other := httptest.NewServer((&web.Server{Store: st, Zone: shanghai}).Handler())
	defer other.Close()
	if code, _ := newBrowser(t, other).login("admin", "adminadminadmin"); code != http.StatusTooManyRequests {
		t.Errorf("the right password, blocked on one server, on another sharing its records: %d", code)
	}
	// Another name from the same address is not blocked by the five.
	if code, _ := newBrowser(t, other).login("viewer", "viewerviewerviewer"); code != http.StatusSeeOther {
		t.Errorf("another account's login from the address: %d", code)
	}
	// A name no account could have is kept no longer than one could.
	if code, _ := newBrowser(t, ts).login(strings.Repeat("名", 1000), "x"); code != http.StatusUnauthorized {
		t.Errorf("a login with a long name: %d", code)
	}
	log, err := st.AuditLog(ctx, store.AuditFilter{Action: "session"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if len(e.Actor) > 64 || len(e.Subject) > 64 {
			t.Errorf("an audit entry of %d bytes for a name", len(e.Actor))
		}
	}
	counts := map[string]int{}
	for _, e := range log {
		counts[e.Action]++
		if e.From != "127.0.0.1" {
			t.Errorf("audit entry %+v: not from the client's address", e)
		}
	}
	if counts["session.login"] < 4 || counts["session.logout"] != 1 || counts["session.login.fail"] < 7 {
		t.Errorf("session audit: %v", counts)
	}
}

// TestCSRF: a change asked with a session's cookie but without the session's token — a form
// posted from another site — is refused and changes nothing.
func TestCSRF(t *testing.T) {
	ts, st, _, ticket := workspace(t, false)
	ctx := context.Background()
	b := newBrowser(t, ts)
	b.login("analyst", "analystanalystanalyst")
	history := func() int {
		tk, err := st.Ticket(ctx, ticket)
		if err != nil {
			t.Fatal(err)
		}
		return len(tk.History)
	}
	before := history()
	other := newBrowser(t, ts)
	other.login("viewer", "viewerviewerviewer")
	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		header http.Header
	}{
		{"form without a token", "/work/incidents/" + ticket + "/note", url.Values{"note": {"forged"}}, nil},
		{"form with another session's token", "/work/incidents/" + ticket + "/note", url.Values{"note": {"forged"}, "csrf": {other.csrf}}, nil},
		{"form with a made-up token", "/work/incidents/" + ticket + "/note", url.Values{"note": {"forged"}, "csrf": {"x"}}, nil},
		{"API without a token", "/api/v1/incidents/" + ticket + "/note?note=forged", nil, nil},
		{"API with a wrong header", "/api/v1/incidents/" + ticket + "/note?note=forged", nil, http.Header{"X-Csrf-Token": {other.csrf}}},
	} {
		if code, _, _ := b.do("POST", tc.path, tc.form, tc.header); code != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, code)
		}
	}
	if n := history(); n != before {
		t.Fatalf("a forged request changed the ticket: %d entries, was %d", n, before)
	}
	// A multipart upload whose first field is not the token.
	var body strings.Builder
	body.WriteString("--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\ntime,kind\r\n--B--\r\n")
	req, _ := http.NewRequest("POST", ts.URL+"/work/ingest", strings.NewReader(body.String()))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=B")
	if resp, err := b.c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("an upload without its token: %v %v", resp.StatusCode, err)
	}
	// The page's own form goes through.
	if code, h, _ := b.do("POST", "/work/incidents/"+ticket+"/note", url.Values{"note": {"checked"}, "csrf": {b.csrf}}, nil); code != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "done=ticket") {
		t.Errorf("the page's own form: %d %v", code, h)
	}
	if n := history(); n != before+1 {
		t.Errorf("the note was not added: %d entries", n)
	}
}

// TestForwardedFor: X-Forwarded-For names the client only where the request comes from a proxy
// the server trusts, and then only as far as the proxies wrote it.
func TestForwardedFor(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []netip.Prefix
		xff     []string
		want    string
	}{
		{"no proxy trusted", nil, []string{"198.51.100.7"}, "127.0.0.1"},
		{"the proxy's client", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, []string{"198.51.100.7"}, "198.51.100.7"},
		{"a client naming itself", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, []string{"10.9.9.9, 198.51.100.7"}, "198.51.100.7"},
		{"two proxies", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("192.0.2.0/24")}, []string{"198.51.100.7", "192.0.2.10"}, "198.51.100.7"},
		{"garbage", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, []string{"<script>"}, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, st, _, _ := workspace(t, false)
			// The server under test is ts's; make one like it with the proxies trusted.
			srv := &web.Server{Store: st, Zone: shanghai, TrustedProxies: tc.proxies}
			ts2 := httptest.NewServer(srv.Handler())
			defer ts2.Close()
			_ = ts
			b := newBrowser(t, ts2)
			_, _, page := b.do("GET", "/login", nil, nil)
			tok := csrfField.FindStringSubmatch(page)[1]
			b.do("POST", "/login", url.Values{"csrf": {tok}, "name": {"viewer"}, "password": {"wrong password"}}, http.Header{"X-Forwarded-For": tc.xff})
			log, err := st.AuditLog(context.Background(), store.AuditFilter{Action: "session.login.fail"})
			if err != nil || len(log) != 1 || log[0].From != tc.want {
				t.Errorf("the failed login is from %+v, want %s (%v)", log, tc.want, err)
			}
		})
	}
}

// TestUploadPage: a file uploaded from the page is ingested whole, and one larger than the
// server takes is refused, not cut short and ingested.
func TestUploadPage(t *testing.T) {
	_, st, _, _ := workspace(t, false)
	var got []string
	srv := &web.Server{Store: st, Limits: web.Limits{MaxUpload: 64},
		Ingest: func(ctx context.Context, st store.Store, path string, q web.IngestQuery) (any, error) {
			b, err := os.ReadFile(path)
			got = append(got, string(b))
			return map[string]any{"read": 0, "name": q.Name}, err
		}}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	b := newBrowser(t, ts)
	b.login("analyst", "analystanalystanalyst")
	upload := func(content string) (int, http.Header) {
		t.Helper()
		var body strings.Builder
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf", b.csrf)
		fw, _ := mw.CreateFormFile("file", "feed.csv")
		io.WriteString(fw, content)
		mw.Close()
		req, _ := http.NewRequest("POST", ts.URL+"/work/ingest", strings.NewReader(body.String()))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	fits := "time,kind,ip\n2024-02-27 10:00:00,ddos,203.0.113.9\n"
	if code, h := upload(fits); code != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/work/jobs/") {
		t.Errorf("an upload: %d %v", code, h)
	}
	if code, _ := upload(fits + strings.Repeat("2024-02-27 10:00:00,ddos,203.0.113.9\n", 3)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("an upload larger than the server takes: %d", code)
	}
	srv.Wait()
	if len(got) != 1 || got[0] != fits {
		t.Errorf("ingested %q", got)
	}
}

// TestLoginGuessesAtOnce: wrong passwords sent side by side from one address are checked one
// at a time against the limit, so no more than it are checked; and a guess whose client goes
// away before its answer still counts.
func TestLoginGuessesAtOnce(t *testing.T) {
	ts, st, _, _ := workspace(t, false)
	codes := make(chan int, 20)
	var wg sync.WaitGroup
	for range 20 {
		b := newBrowser(t, ts)
		_, _, page := b.do("GET", "/login", nil, nil)
		tok := csrfField.FindStringSubmatch(page)[1]
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, _ := b.do("POST", "/login", url.Values{"csrf": {tok}, "name": {"admin"}, "password": {"not the password"}}, nil)
			codes <- code
		}()
	}
	wg.Wait()
	close(codes)
	counts := map[int]int{}
	for c := range codes {
		counts[c]++
	}
	if counts[http.StatusUnauthorized] != 5 || counts[http.StatusTooManyRequests] != 15 {
		t.Errorf("20 wrong passwords at once were answered %v; want 5 checked (401) and 15 refused (429)", counts)
	}
	fails, err := st.AuditLog(context.Background(), store.AuditFilter{Action: "session.login.fail"})
	if err != nil || len(fails) != 5 {
		t.Errorf("%d failed logins recorded (%v), want 5", len(fails), err)
	}

	// Another name, guessed by a client that closes its connection as soon as it has sent
	// the form, one guess after the other's check: each is recorded all the same. (A guess
	// whose client goes while another of its address's is checked is not checked at all.)
	for i := range 3 {
		b := newBrowser(t, ts)
		_, _, page := b.do("GET", "/login", nil, nil)
		tok := csrfField.FindStringSubmatch(page)[1]
		u, _ := url.Parse(ts.URL)
		var cookies []string
		for _, c := range b.c.Jar.Cookies(u) {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
		form := url.Values{"csrf": {tok}, "name": {"viewer"}, "password": {fmt.Sprintf("guess %d", i)}}.Encode()
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
			u.Host, strings.Join(cookies, "; "), len(form), form)
		conn.Close()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			fails, err := st.AuditLog(context.Background(), store.AuditFilter{Action: "session.login.fail", Actor: "viewer"})
			if err == nil && len(fails) == i+1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("guess %d of a client gone before the answer: %d recorded (%v), want %d", i+1, len(fails), err, i+1)
			}
		}
	}
}
