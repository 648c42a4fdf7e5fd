package collect_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"sitrep/internal/collect"
	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/ingest"
	"sitrep/internal/ingest/ingesttest"
	"sitrep/internal/store"
)

const urlhausCSV = `# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
"1","2024-02-27 07:30:07","http://42.225.0.9:38173/Mozi.m","online","","malware_download","elf,Mozi","https://urlhaus.abuse.ch/url/1/","r"
"2","2024-02-27 07:31:00","http://61.160.0.8/i","online","","malware_download","None","https://urlhaus.abuse.ch/url/2/","r"
`

const sinkholeCSV = `"timestamp","src_ip","src_geo","src_region","src_asn","infection","event_id"
"2024-02-27 01:02:03","36.110.1.2","CN","GUANGDONG SHENG",4134,"mirai","e1"
`

const phishCSV = `"phish_id","url","phish_detail_url","submission_time","verified","verification_time","online","target"
"1","https://icbc.example.top/login","https://phishtank.org/1","2024-02-27T03:00:00+00:00","yes","2024-02-27T03:10:00+00:00","yes","Other"
`

func gz(s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	w.Close()
	return b.Bytes()
}

func zipped(files map[string]string) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for name, body := range files {
		f, _ := w.Create(name)
		f.Write([]byte(body))
	}
	w.Close()
	return b.Bytes()
}

// served answers path with body and an ETag, 304 to a request that brings the ETag back, and
// counts the requests of each kind.
type served struct {
	full, conditional atomic.Int32
}

func (s *served) handler(body []byte, disposition string) http.HandlerFunc {
	etag := fmt.Sprintf(`"%x"`, len(body))
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag {
			s.conditional.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		s.full.Add(1)
		w.Header().Set("ETag", etag)
		if disposition != "" {
			w.Header().Set("Content-Disposition", `attachment; filename="`+disposition+`"`)
		}
		w.Write(body)
	}
}

func writeConfig(t *testing.T, text string) *collect.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "feeds.toml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := collect.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func collector(t *testing.T, cfg *collect.Config, st store.Ingest) *collect.Collector {
	return &collect.Collector{
		Config: cfg,
		Fetch:  &collect.Fetcher{Client: &http.Client{Timeout: 2 * time.Second}, Tries: 3, Backoff: time.Millisecond},
		Ingest: func(ctx context.Context, path, name string, f collect.Feed) (string, error) {
			opt := ingest.Options{Zone: time.UTC, GovSuffixes: enrich.DefaultGovSuffixes, Source: f.Source, TLP: event.TLP(f.TLP)}
			sum, err := ingest.Input(ctx, st, name, func() (*os.File, error) { return os.Open(path) }, opt)
			return sum.String(), err
		},
	}
}

// TestCollectOnce fetches a CSV, a Shadowserver report named by Content-Disposition, a gzip
// and a zip body, and a directory, each once; the second run asks with the ETags, is told
// nothing changed, and ingests nothing.
func TestCollectOnce(t *testing.T) {
	var s served
	mux := http.NewServeMux()
	mux.Handle("/urlhaus.csv", s.handler([]byte(urlhausCSV), ""))
	mux.Handle("/reports/download", s.handler([]byte(sinkholeCSV), "2024-02-27-event4_sinkhole-asn-cn.csv"))
	mux.Handle("/recent.csv.gz", s.handler(gz(phishCSV), ""))
	mux.Handle("/dump.zip", s.handler(zipped(map[string]string{"csv.txt": urlhausCSV + `"3","2024-02-27 07:40:00","http://61.160.0.9/x","online","","malware_download","Mirai","https://urlhaus.abuse.ch/url/3/","r"` + "\n"}), ""))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "2024-02-27-event4_sinkhole-asn-cn.csv"), []byte(strings.Replace(sinkholeCSV, "36.110.1.2", "36.110.1.3", 1)), 0o600)
	cfg := writeConfig(t, fmt.Sprintf(`
[[feed]]
name = "urlhaus"
url = "%[1]s/urlhaus.csv"
tlp = "green"
[[feed]]
name = "shadowserver"
url = "%[1]s/reports/download"
[[feed]]
name = "phishtank"
url = "%[1]s/recent.csv.gz"
[[feed]]
name = "urlhaus-dump"
url = "%[1]s/dump.zip"
[[feed]]
name = "mailbox"
dir = %[2]q
`, srv.URL, dir))
	st := ingesttest.Load(t, time.UTC)
	c := collector(t, cfg, st)
	rs, err := c.Once(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"urlhaus": "urlhaus.csv: read 2, stored 2", "shadowserver": "2024-02-27-event4_sinkhole-asn-cn.csv: read 1, stored 1",
		"phishtank": "recent.csv: read 1, stored 1", "urlhaus-dump": "csv.txt: read 3, stored 3", "mailbox": "read 1, stored 1"}
	for _, r := range rs {
		if r.Err != nil || len(r.Files) != 1 || !strings.Contains(r.Files[0], want[r.Feed]) {
			t.Errorf("%s: %v %v, want %q", r.Feed, r.Files, r.Err, want[r.Feed])
		}
	}
	c2, _ := st.EventCounts(context.Background(), store.Range{From: time.Date(2024, 2, 26, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)}, store.AllRecords, 0)
	if c2.TrojanBotnet != 2 || c2.PhishingPages != 1 || c2.MalwareIPs != 3 {
		t.Errorf("counts after collecting: %+v", c2)
	}

	rs, err = c.Once(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		switch {
		case r.Feed == "mailbox":
			if r.Err != nil || len(r.Files) != 1 || !strings.Contains(r.Files[0], "stored 0, duplicate 1") {
				t.Errorf("mailbox again: %v %v", r.Files, r.Err)
			}
		case !r.Unchanged || r.Err != nil || len(r.Files) != 0:
			t.Errorf("%s again: unchanged %v, %v %v", r.Feed, r.Unchanged, r.Files, r.Err)
		}
	}
	if s.full.Load() != 4 || s.conditional.Load() != 4 {
		t.Errorf("%d full and %d conditional requests, want 4 and 4", s.full.Load(), s.conditional.Load())
	}
	states, _ := c.LoadState()
	if st := states["urlhaus"]; st.ETag == "" || st.LastRun.IsZero() || !st.NextRun.After(st.LastRun) || st.Result != "unchanged" {
		t.Errorf("urlhaus state %+v", st)
	}
}

// TestCollectFailures: a server that fails and recovers is retried; one that keeps failing,
// times out, lies about its body's size, sends a bomb or too much, or refuses, is reported
// by name and costs only its own feed; a 4xx is not retried.
func TestCollectFailures(t *testing.T) {
	var flaky, refused atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/flaky.csv", func(w http.ResponseWriter, r *http.Request) {
		if flaky.Add(1) < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(urlhausCSV))
	})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusInternalServerError) })
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/liar", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Write([]byte(urlhausCSV))
	})
	bomb := gz(strings.Repeat("0", 4<<20))
	mux.HandleFunc("/bomb.gz", func(w http.ResponseWriter, r *http.Request) { w.Write(bomb) })
	zipBomb := zipped(map[string]string{"a.csv": strings.Repeat("0", 4<<20)})
	mux.HandleFunc("/bomb.zip", func(w http.ResponseWriter, r *http.Request) { w.Write(zipBomb) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), 300<<10)) })
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) {
		refused.Add(1)
		http.Error(w, "no", http.StatusForbidden)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var b strings.Builder
	for _, name := range []string{"flaky.csv", "down", "slow", "liar", "bomb.gz", "bomb.zip", "big", "forbidden"} {
		fmt.Fprintf(&b, "[[feed]]\nname = %q\nurl = \"%s/%s\"\nmax_bytes = %d\n", name, srv.URL, name, 256<<10)
	}
	cfg := writeConfig(t, b.String())
	st := ingesttest.Load(t, time.UTC)
	c := collector(t, cfg, st)
	c.Fetch.Client.Timeout = 300 * time.Millisecond
	rs, err := c.Once(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"down": "answered 500 Internal Server Error (after 3 tries)", "slow": "Client.Timeout", "liar": "",
		"bomb.gz": "expands to more than 262144 bytes (max_bytes): refused", "bomb.zip": "bomb.zip: a.csv expands to more than 262144 bytes",
		"big": "over the cap of 262144 bytes", "forbidden": "answered 403 Forbidden",
	}
	for _, r := range rs {
		switch r.Feed {
		case "flaky.csv":
			if r.Err != nil || len(r.Files) != 1 || !strings.Contains(r.Files[0], "stored 2") || flaky.Load() != 3 {
				t.Errorf("flaky: %v %v after %d requests", r.Files, r.Err, flaky.Load())
			}
		case "liar":
			if r.Err == nil || !strings.Contains(r.Err.Error(), "broke off") && !strings.Contains(r.Err.Error(), "where the server said 100000") {
				t.Errorf("liar: %v", r.Err)
			}
		default:
			if r.Err == nil || !strings.Contains(r.Err.Error(), want[r.Feed]) {
				t.Errorf("%s: %v, want %q", r.Feed, r.Err, want[r.Feed])
			}
		}
	}
	if refused.Load() != 1 {
		t.Errorf("a 403 was asked %d times", refused.Load())
	}
	states, _ := c.LoadState()
	if s := states["down"]; !strings.Contains(s.LastError, "500") || s.ETag != "" {
		t.Errorf("the state of a failed feed: %+v", s)
	}
}

// TestConfigRefused: a configuration that cannot be run is refused naming the feed and why.
func TestConfigRefused(t *testing.T) {
	for text, want := range map[string]string{
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\n[[feed]]\nname = \"a\"\nurl = \"https://y\"\n": `feed "a" is named twice`,
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\ndir = \"/tmp\"\n":                              `feed "a" needs a url or a dir, not both`,
		"[[feed]]\nname = \"a\"\nurl = \"ftp://x\"\n":                                                `url "ftp://x" is not http, https, imap or imaps`,
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\ntlp = \"blue\"\n":                              `feed "a": tlp`,
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\nkey_env = \"SITREP_TEST_NO_SUCH_KEY\"\n":       "SITREP_TEST_NO_SUCH_KEY holds no key",
		"[[feeds]]\nname = \"a\"\n":                                                                                                              "unknown key feeds",
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\napi = \"abuse\"\n":                                                                         `api "abuse" is not one sitrep knows`,
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\napi = \"shadowserver\"\n":                                                                  "needs url (its root), key_env and secret_env",
		"[[feed]]\nname = \"a\"\nurl = \"imaps://mail.example.org/INBOX\"\n":                                                                     "a mailbox needs user and key_env",
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\nuser = \"u\"\n":                                                                            "user and from belong to a mailbox",
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\ntypes = [\"scan\"]\n":                                                                      "belong to an api feed",
		"[[feed]]\nname = \"a\"\nurl = \"https://x\"\napi = \"shadowserver\"\nkey_env = \"HOME\"\nsecret_env = \"SITREP_TEST_NO_SUCH_SECRET\"\n": "SITREP_TEST_NO_SUCH_SECRET holds no secret",
	} {
		path := filepath.Join(t.TempDir(), "feeds.toml")
		os.WriteFile(path, []byte(text), 0o600)
		if _, err := collect.Read(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}

// shadowserverAPI is Shadowserver's Reports API on loopback: reports/list answers the reports
// listed so far, to a request signed with the secret (HMAC2) that carries the key; each file
// is downloaded by its ID.
type shadowserverAPI struct {
	key, secret string
	reports     []map[string]string
	files       map[string]string
	lists       atomic.Int32
	downloads   atomic.Int32
	flaky       atomic.Int32 // downloads to fail with 503 before they answer
}

func (a *shadowserverAPI) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api2/reports/list", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(a.secret))
		mac.Write(body)
		var q struct {
			APIKey string   `json:"apikey"`
			Date   string   `json:"date"`
			Report []string `json:"report"`
		}
		json.Unmarshal(body, &q)
		if r.Header.Get("HMAC2") != hex.EncodeToString(mac.Sum(nil)) || q.APIKey != a.key {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error": "authentication failed"}`))
			return
		}
		if from, to, ok := strings.Cut(q.Date, ":"); !ok || from > "2024-02-25" || to < "2024-02-28" || fmt.Sprint(q.Report) != "[china]" {
			t.Errorf("reports/list asked for %+v", q)
		}
		a.lists.Add(1)
		json.NewEncoder(w).Encode(a.reports)
	})
	mux.HandleFunc("GET /dl/{id}", func(w http.ResponseWriter, r *http.Request) {
		if a.flaky.Load() > 0 {
			a.flaky.Add(-1)
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		body, ok := a.files[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		a.downloads.Add(1)
		w.Write([]byte(body))
	})
	return mux
}

// TestShadowserverAPI collects from Shadowserver's Reports API on loopback: the listed
// reports of the types asked for are downloaded by ID and ingested as the report types their
// file names carry; a second run downloads nothing; a report listed later is the only one
// fetched then; a wrong secret is refused by the API and reported as the feed's error.
func TestShadowserverAPI(t *testing.T) {
	api := &shadowserverAPI{key: "k-123", secret: "s-456", files: map[string]string{
		"id-sink":  sinkholeCSV,
		"id-scan":  "\"timestamp\",\"ip\",\"port\",\"tag\",\"geo\"\n\"2024-02-27 01:02:03\",\"36.1.1.1\",3389,\"rdp\",\"CN\"\n",
		"id-other": "\"timestamp\",\"ip\"\n\"2024-02-27 01:02:03\",\"36.1.1.2\"\n",
		"id-later": strings.Replace(sinkholeCSV, "36.110.1.2", "36.110.1.9", 1),
	}}
	api.reports = []map[string]string{
		{"id": "id-sink", "type": "event4_sinkhole", "report": "china", "file": "2024-02-27-event4_sinkhole-china-geo.csv", "timestamp": "2024-02-27"},
		{"id": "id-scan", "type": "scan_rdp", "report": "china", "file": "2024-02-27-scan_rdp-china-geo.csv", "timestamp": "2024-02-27"},
		{"id": "id-other", "type": "device_id", "report": "china", "file": "2024-02-27-device_id-china-geo.csv", "timestamp": "2024-02-27"},
	}
	api.flaky.Store(1)
	srv := httptest.NewServer(api.handler(t))
	defer srv.Close()
	t.Setenv("SS_KEY", "k-123")
	t.Setenv("SS_SECRET", "s-456")
	cfg := writeConfig(t, fmt.Sprintf(`
[[feed]]
name = "shadowserver"
api = "shadowserver"
url = "%[1]s/api2/"
download = "%[1]s/dl/"
key_env = "SS_KEY"
secret_env = "SS_SECRET"
reports = ["china"]
types = ["event4_sinkhole", "scan"]
tlp = "amber"
`, srv.URL))
	st := ingesttest.Load(t, time.UTC)
	c := collector(t, cfg, st)
	c.Now = func() time.Time { return time.Date(2024, 2, 27, 12, 0, 0, 0, time.UTC) }
	rs, err := c.Once(context.Background(), false)
	if err != nil || len(rs) != 1 || rs[0].Err != nil {
		t.Fatalf("first run: %+v %v", rs, err)
	}
	if got := strings.Join(rs[0].Files, "\n"); !strings.Contains(got, "2024-02-27-event4_sinkhole-china-geo.csv: read 1, stored 1") ||
		!strings.Contains(got, "2024-02-27-scan_rdp-china-geo.csv: read 1, stored 1") || strings.Contains(got, "device_id") {
		t.Errorf("first run ingested:\n%s", got)
	}
	week := store.Range{From: time.Date(2024, 2, 26, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)}
	counts, _ := st.EventCounts(context.Background(), week, store.AllRecords, 0)
	if counts.TrojanBotnet != 1 || counts.VulnerableHosts != 1 {
		t.Errorf("counts: %+v", counts)
	}
	// Again: nothing new is downloaded.
	rs, err = c.Once(context.Background(), false)
	if err != nil || rs[0].Err != nil || len(rs[0].Files) != 0 || api.downloads.Load() != 2 {
		t.Fatalf("second run: %+v %v, %d downloads", rs, err, api.downloads.Load())
	}
	// A report listed later is the only one fetched.
	api.reports = append(api.reports, map[string]string{"id": "id-later", "type": "event4_sinkhole", "report": "china", "file": "2024-02-28-event4_sinkhole-china-geo.csv", "timestamp": "2024-02-28"})
	rs, _ = c.Once(context.Background(), false)
	if rs[0].Err != nil || len(rs[0].Files) != 1 || !strings.Contains(rs[0].Files[0], "2024-02-28-event4_sinkhole-china-geo.csv: read 1, stored 1") || api.downloads.Load() != 3 {
		t.Errorf("third run: %+v, %d downloads", rs, api.downloads.Load())
	}
	// A wrong secret: the API refuses, the feed records why, nothing is downloaded.
	t.Setenv("SS_SECRET", "wrong")
	rs, _ = c.Once(context.Background(), false)
	if rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "authentication failed") || api.downloads.Load() != 3 {
		t.Errorf("wrong secret: %+v", rs)
	}
	states, _ := c.LoadState()
	if st := states["shadowserver"]; !strings.Contains(st.LastError, "authentication failed") || len(st.Seen) != 3 {
		t.Errorf("state: %+v", st)
	}
}

// literal is a message for the in-memory mail server's Append.
type literal struct {
	*strings.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// reportMail is an e-mail as Shadowserver sends reports: a text part and attachments, each a
// file name and its bytes (base64).
func reportMail(from string, n int, files map[string][]byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: cert@example.org\r\nSubject: report %d\r\nDate: Tue, 27 Feb 2024 09:00:00 +0000\r\nMessage-ID: <%d@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n", from, n, n)
	b.WriteString("--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAttached are the reports for your network.\r\n")
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "--b\r\nContent-Type: application/octet-stream; name=\"%s\"\r\nContent-Disposition: attachment; filename=\"%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n", name, name, base64.StdEncoding.EncodeToString(files[name]))
	}
	b.WriteString("--b--\r\n")
	return b.String()
}

// TestIMAP collects report e-mails from a mailbox on loopback (an in-memory IMAP server): the
// attachments of each message — a CSV, a zipped report — are ingested under their names; a
// second run reads nothing; a message that came later is the only one read then; messages
// from other senders are left; a wrong password is the feed's error; the messages stay
// unread, as the mailbox is only examined.
func TestIMAP(t *testing.T) {
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("reports", "pw-1")
	if err := user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(user)
	add := func(msg string) {
		if _, err := user.Append("INBOX", literal{strings.NewReader(msg), int64(len(msg))}, &imap.AppendOptions{Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	add(reportMail("autoreports@shadowserver.org", 1, map[string][]byte{
		"2024-02-27-event4_sinkhole-asn-cn.csv": []byte(sinkholeCSV),
		"urlhaus.zip":                           zipped(map[string]string{"csv.txt": urlhausCSV}),
	}))
	add(reportMail("someone@example.net", 2, map[string][]byte{"other.csv": []byte(phishCSV)}))
	add(reportMail("autoreports@shadowserver.org", 3, map[string][]byte{"logo.png": {0x89, 'P', 'N', 'G', 0, 0, 0, 0x0d, 0xff, 0xfe}}))
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	t.Setenv("IMAP_PW", "pw-1")
	cfg := writeConfig(t, fmt.Sprintf(`
[[feed]]
name = "report-mail"
url = "imap://%s/INBOX"
user = "reports"
key_env = "IMAP_PW"
from = "shadowserver.org"
tlp = "amber"
`, ln.Addr()))
	st := ingesttest.Load(t, time.UTC)
	c := collector(t, cfg, st)
	rs, err := c.Once(context.Background(), false)
	// The picture is no report: said, and passed, so that the messages after it are read.
	if err != nil || len(rs) != 1 || rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "message 3") || !strings.Contains(rs[0].Err.Error(), "logo.png") {
		t.Fatalf("first run: %+v %v", rs, err)
	}
	if got := strings.Join(rs[0].Files, "\n"); !strings.Contains(got, "2024-02-27-event4_sinkhole-asn-cn.csv: read 1, stored 1") ||
		!strings.Contains(got, "csv.txt: read 2, stored 2") || strings.Contains(got, "other.csv") {
		t.Errorf("first run ingested:\n%s", got)
	}
	rs, _ = c.Once(context.Background(), false)
	if rs[0].Err != nil || len(rs[0].Files) != 0 {
		t.Errorf("second run: %+v", rs)
	}
	add(reportMail("autoreports@shadowserver.org", 4, map[string][]byte{
		"2024-02-28-event4_sinkhole-asn-cn.csv.gz": gz(strings.Replace(sinkholeCSV, "36.110.1.2", "36.110.1.9", 1)),
	}))
	rs, _ = c.Once(context.Background(), false)
	if rs[0].Err != nil || len(rs[0].Files) != 1 || !strings.Contains(rs[0].Files[0], "2024-02-28-event4_sinkhole-asn-cn.csv: read 1, stored 1") {
		t.Errorf("third run: %+v", rs)
	}
	week := store.Range{From: time.Date(2024, 2, 26, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 4, 0, 0, 0, 0, time.UTC)}
	counts, _ := st.EventCounts(context.Background(), week, store.AllRecords, 0)
	if counts.TrojanBotnet != 2 || counts.MalwareIPs != 2 || counts.PhishingPages != 0 {
		t.Errorf("counts: %+v", counts)
	}
	status, _ := user.Status("INBOX", &imap.StatusOptions{NumUnseen: true})
	if status.NumUnseen == nil || *status.NumUnseen != 4 {
		t.Errorf("the messages were marked read: %+v", status)
	}
	t.Setenv("IMAP_PW", "wrong")
	rs, _ = c.Once(context.Background(), false)
	if rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "log in to") {
		t.Errorf("a wrong password: %+v", rs)
	}
}

// TestResume: a body that breaks off is resumed where it stopped, from a server that takes
// ranges of the body its ETag pins; the bytes come whole and are ingested once. A server
// that gives no validator is asked for the whole body again.
func TestResume(t *testing.T) {
	body := urlhausCSV + strings.Repeat(`"9","2024-02-27 08:00:00","http://61.160.0.7/p","online","","malware_download","Mirai","https://urlhaus.abuse.ch/url/9/","r"`+"\n", 2000)
	var ranges []string
	var served atomic.Int64
	cut := func(w http.ResponseWriter, n int, length int) {
		w.Header().Set("Content-Length", fmt.Sprint(length))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(body[:n]))
		served.Add(int64(n))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // the connection drops
	}
	var calls atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("/resumable.csv", func(w http.ResponseWriter, r *http.Request) {
		ranges = append(ranges, r.Header.Get("Range")+" "+r.Header.Get("If-Range"))
		w.Header().Set("ETag", `"v7"`)
		w.Header().Set("Accept-Ranges", "bytes")
		if calls.Add(1) == 1 {
			cut(w, len(body)/2, len(body))
		}
		rec := httptest.NewRecorder()
		rec.Header().Set("ETag", `"v7"`) // what If-Range is checked against
		http.ServeContent(rec, r, "resumable.csv", time.Time{}, strings.NewReader(body))
		served.Add(int64(rec.Body.Len()))
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	})
	var plain atomic.Int32
	other := strings.ReplaceAll(body, "61.160.0.7", "61.160.0.8") // not the same bytes, so not a duplicate input
	mux.HandleFunc("/plain.csv", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Range") != "" {
			t.Errorf("a range was asked of a server that gave no validator: %s", r.Header.Get("Range"))
		}
		if plain.Add(1) == 1 {
			w.Header().Set("Content-Length", fmt.Sprint(len(other)))
			w.WriteHeader(http.StatusOK)
			w.Write([]byte(other[:len(other)/3]))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		w.Write([]byte(other))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := writeConfig(t, fmt.Sprintf("[[feed]]\nname = \"resumable\"\nurl = \"%[1]s/resumable.csv\"\n[[feed]]\nname = \"plain\"\nurl = \"%[1]s/plain.csv\"\n", srv.URL))
	st := ingesttest.Load(t, time.UTC)
	c := collector(t, cfg, st)
	rs, err := c.Once(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Err != nil || len(r.Files) != 1 || !strings.Contains(r.Files[0], "read 2002, stored 2002") {
			t.Errorf("%s: %+v", r.Feed, r)
		}
	}
	if want := []string{" ", fmt.Sprintf(`bytes=%d- "v7"`, len(body)/2)}; fmt.Sprint(ranges) != fmt.Sprint(want) {
		t.Errorf("requests' Range and If-Range: %q, want %q", ranges, want)
	}
	if served.Load() != int64(len(body)) {
		t.Errorf("the resumable server sent %d bytes for a body of %d", served.Load(), len(body))
	}
}

// TestHungMailServer: a mail server that greets and then says nothing is given up after the
// idle time, and the feeds after it still run.
func TestHungMailServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conn.Write([]byte("* OK ready\r\n")) // and then nothing
			defer conn.Close()
		}
	}()
	var s served
	srv := httptest.NewServer(s.handler([]byte(urlhausCSV), ""))
	defer srv.Close()
	t.Setenv("IMAP_PW", "x")
	cfg := writeConfig(t, fmt.Sprintf("[[feed]]\nname = \"mail\"\nurl = \"imap://%s/INBOX\"\nuser = \"u\"\nkey_env = \"IMAP_PW\"\n[[feed]]\nname = \"after\"\nurl = \"%s/u.csv\"\n", ln.Addr(), srv.URL))
	c := collector(t, cfg, ingesttest.Load(t, time.UTC))
	c.Fetch.Idle = 300 * time.Millisecond
	start := time.Now()
	rs, err := c.Once(context.Background(), false)
	if err != nil || len(rs) != 2 || rs[0].Err == nil || rs[1].Err != nil || len(rs[1].Files) != 1 {
		t.Fatalf("%+v %v", rs, err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the hung server held the feeds for %s", d)
	}
}

// TestRedacted: a key in a feed URL's query, or a password in it, is not in the error the
// state keeps and the status shows.
func TestRedacted(t *testing.T) {
	cfg := writeConfig(t, "[[feed]]\nname = \"keyed\"\nurl = \"http://user:pw-123@127.0.0.1:1/export.csv?auth-key=TOPSECRET\"\n")
	c := collector(t, cfg, ingesttest.Load(t, time.UTC))
	rs, _ := c.Once(context.Background(), false)
	fs, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(cfg.State)
	for _, text := range []string{rs[0].Err.Error(), fs[0].LastError, fs[0].URL, string(b)} {
		if strings.Contains(text, "TOPSECRET") || strings.Contains(text, "pw-123") {
			t.Errorf("a key in %q", text)
		}
	}
	if !strings.Contains(fs[0].LastError, "127.0.0.1:1/export.csv") {
		t.Errorf("the error no longer says where: %q", fs[0].LastError)
	}
}

// TestRedirects: a key header goes to no other host on a redirect, and a redirect from https
// to http is not followed.
func TestRedirects(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != "" {
			leaked.Add(1)
		}
		w.Write([]byte(urlhausCSV))
	}))
	defer other.Close()
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/moved.csv", http.StatusFound)
	}))
	defer first.Close()
	t.Setenv("FEED_KEY", "k-1")
	cfg := writeConfig(t, fmt.Sprintf("[[feed]]\nname = \"moved\"\nurl = \"%s/feed.csv\"\nkey_env = \"FEED_KEY\"\nheader = \"X-Api-Key\"\n", first.URL))
	c := collector(t, cfg, ingesttest.Load(t, time.UTC))
	rs, _ := c.Once(context.Background(), false)
	if rs[0].Err != nil || leaked.Load() != 0 {
		t.Errorf("%+v; the key reached the other host %d times", rs, leaked.Load())
	}
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/plain.csv", http.StatusFound)
	}))
	defer tlsSrv.Close()
	cfg = writeConfig(t, fmt.Sprintf("[[feed]]\nname = \"down\"\nurl = \"%s/feed.csv\"\n", tlsSrv.URL))
	c = collector(t, cfg, ingesttest.Load(t, time.UTC))
	c.Fetch.Client = tlsSrv.Client()
	rs, _ = c.Once(context.Background(), false)
	if rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "from https to http") {
		t.Errorf("a redirect to http: %+v", rs)
	}
}
