package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sitrep/internal/testenv"
)

var (
	isoStamp = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
	digest   = regexp.MustCompile(`bulletin [0-9a-f]{12}`)
)

// TestRecordsApart runs the same commands on one store and on a store whose records part is
// kept apart (--records): the output is the same, and the records part holds the tickets,
// reviews and the archive, the store none of them.
func TestRecordsApart(t *testing.T) {
	dir := t.TempDir()
	sameAsOneStore(t, dir, "", filepath.Join(dir, "records"))
	if _, err := os.Stat(filepath.Join(dir, "records", "sitrep.duckdb")); err != nil {
		t.Errorf("the records part: %v", err)
	}
}

// TestRecordsInPostgres runs the same commands on one store and on a store whose records part
// is kept in a PostgreSQL database (--records postgres://…).
func TestRecordsInPostgres(t *testing.T) {
	dsn := testenv.PostgresDatabase(t, testenv.PostgresServer(t))
	sameAsOneStore(t, t.TempDir(), "", dsn)
}

// TestStoreInClickHouse runs the same commands on one store and on a store whose analytical
// part is kept in ClickHouse and its records in PostgreSQL: the ingest, the statistics, the
// bulletin, the tickets and the publication say the same.
func TestStoreInClickHouse(t *testing.T) {
	records := testenv.PostgresDatabase(t, testenv.PostgresServer(t))
	analytics := testenv.ClickHouseServer(t)
	t.Setenv("SITREP_LOCAL", t.TempDir())
	sameAsOneStore(t, t.TempDir(), analytics, records)
}

// sameAsOneStore runs the same commands on one store in dir and on a store whose analytical
// part is kept at analytics (a directory in dir where empty) and its records part at records,
// and compares what they say.
func sameAsOneStore(t *testing.T, dir, analytics, records string) {
	t.Helper()
	data := filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "2", "--events", "2000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(data, "*.csv"))
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium")
	t.Setenv("SITREP_ACTOR", "alice")
	one := []string{"--store", filepath.Join(dir, "one")}
	if analytics == "" {
		analytics = filepath.Join(dir, "analytics")
	}
	apart := []string{"--store", analytics, "--records", records}
	steps := [][]string{
		append([]string{"ingest"}, files...),
		{"incident", "open", "--type", "phishing", "--url", "https://fake-bank.example.top/login", "--at", "2024-02-27 09:00:00"},
		{"incident", "close", "INC-000001", "--at", "2024-02-28 10:00:00"},
		{"incident", "list", "--week", "2024-W09"},
		{"incident", "show", "INC-000001"},
		{"rate", "--week", "2024-W09", "--level", "中", "--reason", "checked by hand"},
		{"stats", "--week", "2024-W09", "--json"},
		{"report", "--week", "2024-W09", "--lang", "en", "--format", "json"},
		{"review", "--week", "2024-W09"},
		{"publish", "--week", "2024-W09"},
	}
	for _, step := range steps {
		oc, oout, oerr := sitrep(t, "", append(one, step...)...)
		ac, aout, aerr := sitrep(t, "", append(apart, step...)...)
		// The two run a moment apart: the times they record differ, and with them the digest
		// of a bulletin that names its rating override's time.
		for _, re := range []*regexp.Regexp{stamp, isoStamp, digest} {
			oout, aout = re.ReplaceAllString(oout, "…"), re.ReplaceAllString(aout, "…")
		}
		if oc != 0 || ac != 0 || oout != aout {
			t.Errorf("%s: one store exit %d\n%.400s\n%.300s\nrecords apart exit %d\n%.400s\n%.300s",
				strings.Join(step[:2], " "), oc, oout, oerr, ac, aout, aerr)
		}
	}
	// The store alone has no tickets' histories, reviews or published issues.
	if !strings.Contains(analytics, "://") {
		code, out, _ := sitrep(t, "", "--store", analytics, "incident", "show", "INC-000001")
		if code != 0 || strings.Contains(out, "alice") {
			t.Errorf("the analytical part alone shows the ticket's history: %d %s", code, out)
		}
	}
}

// TestReviewWarnsOfAThinBase: a week whose phishing pages went from 1 to 20 is reviewed with a
// warning, locally and through a server; the bulletin gives both numbers, not "+1900.0%"; the
// rating says last week's base was too small.
func TestReviewWarnsOfAThinBase(t *testing.T) {
	dir := t.TempDir()
	var rows strings.Builder
	rows.WriteString("time,kind,url,ip,country\n2024-02-20 10:00:00,phishing,https://a.example.top/0,203.0.113.1,US\n")
	for i := range 20 {
		fmt.Fprintf(&rows, "2024-02-27 10:00:00,phishing,https://a.example.top/%d,203.0.113.%d,US\n", i+1, i+1)
	}
	csv := filepath.Join(dir, "events.csv")
	if err := os.WriteFile(csv, []byte(rows.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	local, served := filepath.Join(dir, "local"), filepath.Join(dir, "served")
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium")
	code, tok, errs := sitrep(t, "", "--store", served, "token", "create", "--role", "editor", "--name", "ed")
	if code != 0 {
		t.Fatal(errs)
	}
	for _, st := range []string{local, served} {
		if code, _, errs := sitrep(t, "", "--store", st, "ingest", csv); code != 0 {
			t.Fatal(errs)
		}
	}
	url := startServer(t, served)
	t.Setenv("SITREP_TOKEN", strings.TrimSpace(tok))
	const warning = "warning: Phishing pages went from 1 last week to 20 (+1900.0%)"
	for name, where := range map[string][]string{"locally": {"--store", local}, "through the server": {"--server", url}} {
		code, out, errs := sitrep(t, "", append(where, "review", "--week", "2024-W09")...)
		if code != 0 || !strings.HasPrefix(out, "reviewed 2024-W09") || !strings.Contains(errs, warning) {
			t.Errorf("review %s: %d %s %s", name, code, out, errs)
		}
	}
	_, md, _ := sitrep(t, "", "--store", local, "report", "--week", "2024-W09", "--format", "md")
	if !strings.Contains(md, "仿冒页面数量为20个，上周为1个。") || strings.Contains(md, "1900.0%") {
		t.Errorf("the bulletin:\n%s", md)
	}
	_, rating, _ := sitrep(t, "", "--store", local, "rate", "--week", "2024-W09")
	if !strings.Contains(rating, "上周基数过小（1）") {
		t.Errorf("the rating:\n%s", rating)
	}
}

// TestRecordsApartGuards: a store that has kept records itself is not split from them (they
// would vanish and ticket IDs would repeat), and --records naming the store's own directory by
// another path is the store itself.
func TestRecordsApartGuards(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "store")
	if code, _, errs := sitrep(t, "", "--store", st, "incident", "open", "--type", "ddos", "--at", "2024-02-27 09:00:00"); code != 0 {
		t.Fatal(errs)
	}
	code, _, errs := sitrep(t, "", "--store", st, "--records", filepath.Join(dir, "records"), "incident", "list")
	if code != 1 || !strings.Contains(errs, "keeps its own records (tickets)") {
		t.Errorf("splitting a store with tickets: %d %s", code, errs)
	}
	link := filepath.Join(dir, "same")
	if err := os.Symlink(st, link); err != nil {
		t.Fatal(err)
	}
	code, out, errs := sitrep(t, "", "--store", st, "--records", link, "incident", "list")
	if code != 0 || strings.Count(out, "INC-000001") != 1 {
		t.Errorf("--records naming the store itself: %d %s %s", code, out, errs)
	}
}

// TestStatsPeriods: stats --month, --quarter and --year count their span on their own, in the
// table and the JSON; one span at a time, and a week given as a week.
func TestStatsPeriods(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "events.csv")
	os.WriteFile(csv, []byte("time,kind,ip,country\n2024-02-01 00:30:00,infected_host,36.0.0.1,CN\n2024-02-06 10:00:00,infected_host,36.0.0.1,CN\n2024-02-06 11:00:00,infected_host,36.0.0.2,CN\n"), 0o600)
	store := filepath.Join(dir, "store")
	if code, _, errs := sitrep(t, "", "--store", store, "ingest", csv); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := sitrep(t, "", "--store", store, "stats", "--month", "2024-02", "--json")
	if code != 0 || !strings.Contains(out, `"period": "2024-02"`) || !strings.Contains(out, `"metric": "infected_hosts.trojan_botnet",`+"\n"+`      "value": 2,`) {
		t.Errorf("stats --month --json: exit %d\n%.800s%s", code, out, errs)
	}
	code, out, errs = sitrep(t, "", "--store", store, "stats", "--quarter", "2024-Q1")
	if code != 0 || !strings.Contains(out, "2024年第一季度（2024-01-01至2024-03-31") || !strings.Contains(out, "环比") {
		t.Errorf("stats --quarter: exit %d\n%s%s", code, out, errs)
	}
	code, token, errs := sitrep(t, "", "--store", store, "token", "create", "--role", "viewer", "--name", "v")
	if code != 0 {
		t.Fatal(errs)
	}
	_, editor, _ := sitrep(t, "", "--store", store, "token", "create", "--role", "editor", "--name", "ed")
	url := startServer(t, store)
	req, _ := http.NewRequest("GET", url+"/api/v1/stats/2024-02", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(token))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"period": "2024-02"`) {
		t.Errorf("GET /api/v1/stats/2024-02: %d %.300s", resp.StatusCode, body)
	}
	t.Setenv("SITREP_TOKEN", strings.TrimSpace(token))
	if code, out, errs := sitrep(t, "", "--server", url, "stats", "--year", "2024"); code != 0 || !strings.Contains(out, "2024年（2024-01-01至2024-12-31") {
		t.Errorf("stats --year over the server: exit %d\n%s%s", code, out, errs)
	}
	// A month's edition is not published: no one without a token sees it; an editor reads it
	// live over the server as a week's.
	if resp, err := http.Get(url + "/api/v1/bulletins/2024-02"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unpublished month's edition: %v %v", resp.StatusCode, err)
	}
	t.Setenv("SITREP_TOKEN", strings.TrimSpace(editor))
	if code, out, errs := sitrep(t, "", "--server", url, "report", "--month", "2024-02"); code != 0 || !strings.Contains(out, "# 2024年2月网络安全监测数据分析") {
		t.Errorf("report --month over the server: exit %d\n%.400s%s", code, out, errs)
	}
	if code, out, errs := sitrep(t, "", "--server", url, "review", "--month", "2024-02"); code != 0 || !strings.HasPrefix(out, "reviewed 2024-02") {
		t.Errorf("review --month over the server: exit %d %s%s", code, out, errs)
	}
	if code, out, errs := sitrep(t, "", "--server", url, "rate", "--month", "2024-02"); code != 0 || !strings.Contains(out, "2024-02 2024年2月: ") {
		t.Errorf("rate --month over the server: exit %d %s%s", code, out, errs)
	}
	for _, args := range [][]string{{"--month", "2024-02", "--year", "2024"}, {"--month", "2024-W09"}, {"--year", "24"}} {
		if code, _, errs := sitrep(t, "", append([]string{"--store", store, "stats"}, args...)...); code != 2 || errs == "" {
			t.Errorf("stats %v: exit %d %s", args, code, errs)
		}
	}
}

// TestServersShareRecords: two servers, each holding an embedded store of the same data, share
// one records database. A token made on one works on both; a ticket opened through one reads
// the same through the other; an issue reviewed through one is published through the other,
// then refused a second publication through the first; both serve it byte for byte alike, and
// both audit logs hold every step.
func TestServersShareRecords(t *testing.T) {
	dsn := testenv.PostgresDatabase(t, testenv.PostgresServer(t))
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "2", "--events", "2000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(data, "*.csv"))
	t.Setenv("SITREP_RECORDS", dsn)
	t.Setenv("SITREP_CHROMIUM", "/nonexistent/chromium")
	stores := []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}
	for _, st := range stores {
		if code, _, errs := sitrep(t, "", append([]string{"--store", st, "ingest"}, files...)...); code != 0 {
			t.Fatal(errs)
		}
	}
	code, tok, errs := sitrep(t, "", "--store", stores[0], "token", "create", "--role", "admin", "--name", "chief")
	if code != 0 {
		t.Fatal(errs)
	}
	t.Setenv("SITREP_TOKEN", strings.TrimSpace(tok))
	a, b := startServer(t, stores[0]), startServer(t, stores[1])

	run := func(server string, args ...string) (int, string, string) {
		return sitrep(t, "", append([]string{"--server", server}, args...)...)
	}
	if code, out, errs := run(a, "incident", "open", "--type", "phishing", "--url", "https://fake-bank.example.top/login", "--at", "2024-02-27 09:00:00"); code != 0 {
		t.Fatalf("open through the first server: %s %s", out, errs)
	}
	if code, _, errs := run(b, "incident", "close", "INC-000001", "--at", "2024-02-28 10:00:00"); code != 0 {
		t.Fatalf("close through the second server: %s", errs)
	}
	_, showA, _ := run(a, "incident", "show", "INC-000001")
	_, showB, _ := run(b, "incident", "show", "INC-000001")
	if showA != showB || !strings.Contains(showA, "closed") {
		t.Errorf("the ticket through each server:\n%s\n%s", showA, showB)
	}
	_, statsA, _ := run(a, "stats", "--week", "2024-W09", "--json")
	_, statsB, _ := run(b, "stats", "--week", "2024-W09", "--json")
	if statsA != statsB || !strings.Contains(statsA, `"handled": 1`) {
		t.Errorf("the week's statistics through each server differ or miss the closed ticket:\n%.600s\n%.600s", statsA, statsB)
	}
	if code, out, errs := run(a, "review", "--week", "2024-W09", "--note", "checked"); code != 0 {
		t.Fatalf("review: %s %s", out, errs)
	}
	if code, out, errs := run(b, "publish", "--week", "2024-W09"); code != 0 {
		t.Fatalf("publish through the other server after the review through the first: %s %s", out, errs)
	}
	if code, _, errs := run(a, "publish", "--week", "2024-W09"); code != 1 || !strings.Contains(errs, "already published") {
		t.Errorf("a second publication through the first server: %d %s", code, errs)
	}
	var pages [2]string
	for i, url := range []string{a, b} {
		resp, err := http.Get(url + "/bulletins/2024-W09")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s/bulletins/2024-W09: %s", url, resp.Status)
		}
		pages[i] = string(body)
	}
	if pages[0] != pages[1] {
		t.Error("the two servers serve the published issue differently")
	}

	// A browser behind a balancer: logged in through one server, it works through the other
	// (cookies do not tell ports apart, as they would not tell a balancer's servers apart).
	if code, _, errs := sitrep(t, "a passphrase of the analyst\n", "--server", a, "user", "add", "--role", "analyst", "--password-stdin", "ana"); code != 0 {
		t.Fatalf("user add: %s", errs)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	page := func(method, url string, form neturl.Values) (int, string) {
		t.Helper()
		var resp *http.Response
		var err error
		if form == nil {
			resp, err = browser.Get(url)
		} else {
			resp, err = browser.PostForm(url, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	_, login := page("GET", a+"/login", nil)
	m := csrf.FindStringSubmatch(login)
	if m == nil {
		t.Fatalf("the login page has no token:\n%s", login)
	}
	if code, _ := page("POST", a+"/login", neturl.Values{"csrf": {m[1]}, "name": {"ana"}, "password": {"a passphrase of the analyst"}, "next": {"/work/"}}); code != http.StatusSeeOther {
		t.Fatalf("login through the first server: %d", code)
	}
	code, ticket := page("GET", b+"/work/incidents/INC-000001", nil)
	m = csrf.FindStringSubmatch(ticket)
	if code != http.StatusOK || m == nil {
		t.Fatalf("the ticket's page through the second server, logged in through the first: %d\n%.500s", code, ticket)
	}
	if code, _ := page("POST", b+"/work/incidents/INC-000001/note", neturl.Values{"csrf": {m[1]}, "note": {"seen through the second"}}); code != http.StatusSeeOther {
		t.Errorf("a note through the second server: %d", code)
	}
	if _, show, _ := run(a, "incident", "show", "INC-000001"); !strings.Contains(show, "seen through the second") {
		t.Errorf("the note is not in the ticket through the first server:\n%s", show)
	}
	if code, _ := page("POST", a+"/logout", neturl.Values{"csrf": {m[1]}}); code != http.StatusSeeOther {
		t.Errorf("logout through the first server: %d", code)
	}
	if code, body := page("GET", b+"/work/", nil); code != http.StatusUnauthorized || !strings.Contains(body, `name="password"`) {
		t.Errorf("after logging out through the first server, the second answers %d without the login form", code)
	}

	for _, url := range []string{a, b} {
		_, log, _ := run(url, "audit", "--subject", "2024-W09")
		for _, action := range []string{"bulletin.review", "bulletin.publish"} {
			if !strings.Contains(log, action) {
				t.Errorf("the audit log through %s lacks %s:\n%s", url, action, log)
			}
		}
	}
}

// TestStoreInitCluster: `store init --cluster` lays a ClickHouse store out over two servers
// (and prints the statements with --print); a week ingested through one server is counted the
// same through the other, with its records in a directory.
func TestStoreInitCluster(t *testing.T) {
	addrs := testenv.ClickHouseShards(t, 2)
	t.Setenv("SITREP_LOCAL", t.TempDir())
	dir := t.TempDir()
	urls := []string{strings.Replace(addrs[0], "/default", "/bulletin", 1), strings.Replace(addrs[1], "/default", "/bulletin", 1)}
	code, out, errs := sitrep(t, "", "--store", urls[0], "store", "init", "--cluster", testenv.ClickHouseCluster, "--print")
	if code != 0 || !strings.Contains(out, "CREATE TABLE IF NOT EXISTS bulletin.events AS bulletin.events_local ENGINE = Distributed(sitrep, bulletin, events_local, rand());") {
		t.Fatalf("--print: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = sitrep(t, "", "--store", urls[0], "store", "init", "--cluster", testenv.ClickHouseCluster, "--print", "--replicated")
	if code != 0 || !strings.Contains(out, "ENGINE = ReplicatedMergeTree('/clickhouse/tables/sitrep/{shard}/bulletin/events_local', '{replica}') PARTITION BY") ||
		!strings.Contains(out, "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/sitrep/{shard}/bulletin/kept_local', '{replica}') ORDER BY") {
		t.Fatalf("--print --replicated: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = sitrep(t, "", "--store", urls[0], "store", "init", "--cluster", testenv.ClickHouseCluster, "--replicated")
	if code != 1 || !strings.Contains(errs, "replicated tables need ZooKeeper") {
		t.Errorf("--replicated on servers without ZooKeeper: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = sitrep(t, "", "--store", urls[0], "store", "init", "--cluster", testenv.ClickHouseCluster)
	if code != 0 || strings.Count(out, "shard ") != 2 || !strings.Contains(out, "not replicated") {
		t.Fatalf("store init --cluster: %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := sitrep(t, "", "--store", urls[1], "stats", "--week", "2024-W09"); code != 1 || !strings.Contains(errs, "--records") {
		t.Errorf("a ClickHouse store without records: %d %s", code, errs)
	}
	data := filepath.Join(dir, "data")
	if code, _, errs := sitrep(t, "", "sample", "--out", data, "--week", "2024-W09", "--weeks", "2", "--events", "3000"); code != 0 {
		t.Fatal(errs)
	}
	files, _ := filepath.Glob(filepath.Join(data, "*.csv"))
	records := filepath.Join(dir, "records")
	if code, _, errs := sitrep(t, "", append([]string{"--store", urls[0], "--records", records, "ingest"}, files...)...); code != 0 {
		t.Fatal(errs)
	}
	_, one, _ := sitrep(t, "", "--store", urls[0], "--records", records, "stats", "--week", "2024-W09", "--json")
	_, two, _ := sitrep(t, "", "--store", urls[1], "--records", records, "stats", "--week", "2024-W09", "--json")
	if one != two || !strings.Contains(one, `"infected_hosts"`) {
		t.Errorf("the week through each server:\n%.400s\n%.400s", one, two)
	}
	local := filepath.Join(dir, "local")
	if code, _, errs := sitrep(t, "", append([]string{"--store", local, "ingest"}, files...)...); code != 0 {
		t.Fatal(errs)
	}
	if _, embedded, _ := sitrep(t, "", "--store", local, "stats", "--week", "2024-W09", "--json"); embedded != one {
		t.Errorf("the week on two shards and on the embedded store:\n%.400s\n%.400s", one, embedded)
	}
}
