package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sitrep/internal/charset"
	"sitrep/internal/enrich"
	"sitrep/internal/feed"
	"sitrep/internal/feed/native"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/tabular"
)

var (
	ctx      = context.Background()
	shanghai = mustZone("Asia/Shanghai")
	seedWeek = store.Range{From: time.Date(2024, 2, 25, 16, 0, 0, 0, time.UTC), To: time.Date(2024, 3, 3, 16, 0, 0, 0, time.UTC)}
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

func newStore(t *testing.T) *duck.DB {
	t.Helper()
	st, err := duck.Open(ctx, t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func opts() Options {
	return Options{Zone: shanghai, GovSuffixes: enrich.DefaultGovSuffixes, Source: "test"}
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const eventsCSV = `time,kind,ip,url,country,province,family,note
2024-02-26 08:00:00,infected_host,10.0.0.1,,CN,广东,mirai,first
2024-02-26 09:00:00,infected_host,10.0.0.2,,CN,浙江省,conficker,
2024-02-27T10:00:00+08:00,phishing,203.0.113.5,https://secure-bank.example.top/login,US,,,
2024-02-28 10:00:00,defacement,198.51.100.7,http://www.example.gov.cn/index.html,CN,,,"quoted, with comma"
`

func TestFormatsAndEncodings(t *testing.T) {
	gbk, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(eventsCSV))
	if err != nil {
		t.Fatal(err)
	}
	jsonl := `{"time":"2024-02-26 08:00:00","kind":"infected_host","ip":"10.0.0.1","country":"CN","province":"广东省","family":"mirai","note":"first"}
{"time":"2024-02-26 09:00:00","kind":"infected_host","ip":"10.0.0.2","country":"CN","province":"浙江","family":"conficker"}
{"time":"2024-02-27T10:00:00+08:00","kind":"phishing","ip":"203.0.113.5","url":"https://secure-bank.example.top/login","country":"US"}
{"time":"2024-02-28 10:00:00","kind":"defacement","ip":"198.51.100.7","url":"http://www.example.gov.cn/index.html","country":"CN","note":"quoted, with comma"}
`
	tests := []struct {
		name string
		data []byte
		enc  charset.Encoding
	}{
		{"utf-8", []byte(eventsCSV), charset.UTF8},
		{"utf-8 with bom", append([]byte{0xEF, 0xBB, 0xBF}, eventsCSV...), charset.UTF8BOM},
		{"gbk", gbk, charset.GB18030},
		{"json lines", []byte(jsonl), charset.UTF8},
		{"crlf", []byte(strings.ReplaceAll(eventsCSV, "\n", "\r\n")), charset.UTF8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			sum, err := File(ctx, st, write(t, "in", tc.data), nil, opts())
			if err != nil {
				t.Fatal(err)
			}
			if sum.Format != native.Events || sum.Encoding != tc.enc || sum.String() != "read 4, stored 4, duplicate 0, rejected 0" {
				t.Fatalf("summary %+v %s", sum, sum)
			}
			c, err := st.EventCounts(ctx, seedWeek, store.AllRecords, 3)
			if err != nil {
				t.Fatal(err)
			}
			if c.TrojanBotnet != 1 || c.Conficker != 1 || c.PhishingPages != 1 || c.PhishingDomains != 1 || (c.Defaced != store.Sites{Total: 1, Gov: 1}) {
				t.Errorf("counts %+v", c)
			}
			if len(c.Provinces) != 1 || c.Provinces[0].Name != "广东省" {
				t.Errorf("province read as %+v", c.Provinces)
			}
		})
	}
}

func TestSameFileTwiceStoresNothing(t *testing.T) {
	st := newStore(t)
	path := write(t, "events.csv", []byte(eventsCSV+"not-a-time,phishing,,,,,,\n"))
	first, err := File(ctx, st, path, nil, opts())
	if err != nil {
		t.Fatal(err)
	}
	if first.String() != "read 5, stored 4, duplicate 0, rejected 1" {
		t.Fatalf("first run: %s", first)
	}
	// The same bytes under another name are the same input.
	second, err := File(ctx, st, write(t, "copy.csv", []byte(eventsCSV+"not-a-time,phishing,,,,,,\n")), nil, opts())
	if err != nil {
		t.Fatal(err)
	}
	if second.String() != "read 5, stored 0, duplicate 4, rejected 1" {
		t.Fatalf("second run: %s", second)
	}
	rj, _ := st.Rejects(ctx, store.RejectFilter{})
	if len(rj) != 1 {
		t.Errorf("the quarantine holds %d rows after two runs, want 1", len(rj))
	}
	c, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 0)
	if c.Events != 4 {
		t.Errorf("%d events stored, want 4", c.Events)
	}
}

func TestQuarantineNamesLineFieldAndReason(t *testing.T) {
	st := newStore(t)
	in := "time,kind,ip,url,country,gov,tlp\n" +
		"2024-02-26 08:00:00,phishing,203.0.113.1,https://ok.example.top/,US,,\n" + // 2: good
		"2024-02-30 08:00:00,phishing,,,,,\n" + // 3: impossible date
		"2024-02-26 08:00:00,worm,,,,,\n" + // 4: unknown kind
		"2024-02-26 08:00:00,phishing,999.1.1.1,,,,\n" + // 5: bad IP
		"2024-02-26 08:00:00,phishing,,not a url,,,\n" + // 6: bad URL
		"2024-02-26 08:00:00,phishing,,,USA,,\n" + // 7: bad country
		"2024-02-26 08:00:00,phishing,,,,maybe,\n" + // 8: bad boolean
		"2024-02-26 08:00:00,phishing,,,,,PURPLE\n" + // 9: bad TLP
		"2024-02-26 08:00:00,phishing,,\"https://x.top/\n" + // 10: unterminated quote
		"2024-02-26 08:00:00,phishing,,,\n" + // 11: too few fields
		"2024-02-26 08:00:00,phishing,,https://x.top/" + strings.Repeat("a", 70000) + ",,,\n" + // 12: huge field
		"2099-02-26 08:00:00,phishing,,,,,\n" + // 13: future
		",phishing,,,,,\n" + // 14: missing time
		"2024-02-26 09:00:00,defacement,198.51.100.1,http://www.a.gov.cn/,CN,,\n" // 15: good
	sum, err := File(ctx, st, write(t, "bad.csv", []byte(in)), nil, opts())
	if err != nil {
		t.Fatal(err)
	}
	if sum.String() != "read 14, stored 2, duplicate 0, rejected 12" {
		t.Fatalf("summary %s", sum)
	}
	rj, err := st.Rejects(ctx, store.RejectFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line          int
		field, reason string
	}{
		{3, "time", "not a valid time"}, {4, "kind", "unknown kind"}, {5, "ip", "not an IP address"},
		{6, "url", "not a URL"}, {7, "country", "not an ISO 3166"}, {8, "gov", "not true or false"},
		{9, "tlp", "unknown TLP"}, {10, "", "unterminated quoted field"}, {11, "", "has 5 fields, the header has 7"},
		{12, "url", "over the 65536-byte limit"}, {13, "time", "in the future"}, {14, "time", "missing"},
	}
	if len(rj) != len(want) {
		t.Fatalf("%d rejects, want %d: %+v", len(rj), len(want), rj)
	}
	for i, w := range want {
		r := rj[i]
		if r.Line != w.line || r.Field != w.field || !strings.Contains(r.Reason, w.reason) || !strings.HasSuffix(r.Input, "bad.csv") {
			t.Errorf("reject %d: %s line %d field %q reason %q; want line %d field %q reason ~%q", i, r.Input, r.Line, r.Field, r.Reason, w.line, w.field, w.reason)
		}
	}
}

func TestWholeFileErrors(t *testing.T) {
	st := newStore(t)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"unknown header", []byte("a,b,c\n1,2,3\n"), "not a format sitrep knows"},
		{"empty", nil, "empty input"},
		{"binary", []byte("time,kind\n\x00\x01\x02"), "not text"},
		{"latin-1", []byte("time,kind,target\n2024-02-26 08:00:00,phishing,Soci\xe9t\xe9 G\xe9n\xe9rale\n"), "not text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, "f.csv", tc.data)
			_, err := File(ctx, st, path, nil, opts())
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v, want one naming %s and saying %q", err, path, tc.want)
			}
		})
	}
	if _, err := File(ctx, st, filepath.Join(t.TempDir(), "missing.csv"), nil, opts()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	c, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 0)
	if c.Events != 0 {
		t.Errorf("%d events stored from refused files", c.Events)
	}
}

// TestLateNonUTF8 feeds a GBK file whose first 64 KiB are plain ASCII, so the first guess is
// UTF-8; the fingerprint disproves it before anything is committed and the file is read again.
func TestLateNonUTF8(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("time,kind,ip,country,province\n")
	for b.Len() < 70000 {
		b.WriteString("2024-02-26 08:00:00,infected_host,10.0.0.1,CN,\n")
	}
	tail, _ := simplifiedchinese.GBK.NewEncoder().String("2024-02-26 08:00:00,infected_host,10.0.0.2,CN,江苏省\n")
	b.WriteString(tail)
	st := newStore(t)
	sum, err := File(ctx, st, write(t, "late.csv", b.Bytes()), nil, opts())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Encoding != charset.GB18030 || sum.Rejected != 0 {
		t.Fatalf("summary %+v", sum)
	}
	c, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 3)
	if len(c.Provinces) != 1 || c.Provinces[0].Name != "江苏省" {
		t.Errorf("provinces %+v", c.Provinces)
	}
}

func TestStdinAndFormatFlag(t *testing.T) {
	st := newStore(t)
	vulns := "id,published,severity,object,title\nCNVD-2024-1,2024-02-27,high,application,x\nCNVD-2024-2,2024-02-27,low,os,y\n"
	o := opts()
	o.Format = native.Vulns
	sum, err := File(ctx, st, "-", strings.NewReader(vulns), o)
	if err != nil || sum.String() != "read 2, stored 2, duplicate 0, rejected 0" {
		t.Fatalf("stdin: %s %v", sum, err)
	}
	o.Format = native.Incidents
	if _, err := File(ctx, st, "-", strings.NewReader(vulns), o); err == nil || !strings.Contains(err.Error(), "lacks required column") {
		t.Errorf("vulnerabilities read as incidents: %v", err)
	}
	vc, _ := st.VulnCounts(ctx, seedWeek, store.AllRecords)
	if vc.Total != 2 {
		t.Errorf("vulnerabilities stored: %+v", vc)
	}
}

// failAfter is a store that dies after n commits, as a killed process would.
type failAfter struct {
	*duck.DB
	n int
}

var errKilled = errors.New("killed")

func (f *failAfter) Commit(ctx context.Context, b store.Batch) (store.Tally, error) {
	if f.n == 0 {
		if b.Stage != nil {
			b.Stage.Discard()
		}
		return store.Tally{}, errKilled
	}
	f.n--
	return f.DB.Commit(ctx, b)
}

// TestResumeAfterFailure interrupts an ingest after two of its batches and runs it again:
// the second run stores only what the first did not, and the counts equal a clean run's.
func TestResumeAfterFailure(t *testing.T) {
	var b strings.Builder
	b.WriteString("time,kind,ip,country,family\n")
	for i := 0; i < 1000; i++ {
		fam := "mirai"
		if i%3 == 0 {
			fam = "conficker"
		}
		b.WriteString("2024-02-27 08:00:00,infected_host,10.0." + strconv.Itoa(i/250) + "." + strconv.Itoa(i%250) + ",CN," + fam + "\n")
		if i%100 == 0 {
			b.WriteString("bad,row\n")
		}
	}
	path := write(t, "big.csv", []byte(b.String()))
	o := opts()
	o.BatchSize = 128

	clean := newStore(t)
	want, err := File(ctx, clean, path, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts, _ := clean.EventCounts(ctx, seedWeek, store.AllRecords, 0)

	st := newStore(t)
	_, err = File(ctx, &failAfter{st, 2}, path, nil, o)
	if !errors.Is(err, errKilled) {
		t.Fatalf("interrupted run: %v", err)
	}
	// Two whole batches landed — which two depends on which finished parsing first.
	partial, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 0)
	f, _ := os.Open(path)
	info, _ := charset.Sniff(f)
	f.Close()
	in, err := st.OpenInput(ctx, store.Input{SHA256: info.SHA256})
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(b.String(), "\n")[1:]
	landed := 0
	for no := range in.Committed {
		for _, row := range rows[no*128 : min((no+1)*128, len(rows))] {
			if strings.HasPrefix(row, "2024") {
				landed++
			}
		}
	}
	if len(in.Committed) != 2 || in.Complete || partial.Events != landed {
		t.Errorf("after the interruption: batches %v, complete %v, %d events stored, want %d", in.Committed, in.Complete, partial.Events, landed)
	}
	got, err := File(ctx, st, path, nil, o)
	if err != nil {
		t.Fatal(err)
	}
	if got.Read != want.Read || got.Stored+got.Duplicate != want.Stored || got.Duplicate != partial.Events || got.Rejected != want.Rejected {
		t.Errorf("resumed run %s; clean run %s", got, want)
	}
	gotCounts, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 0)
	if !reflect.DeepEqual(gotCounts, wantCounts) {
		t.Errorf("counts after resume %+v, clean %+v", gotCounts, wantCounts)
	}
	rj, _ := st.Rejects(ctx, store.RejectFilter{})
	if len(rj) != want.Rejected {
		t.Errorf("%d rows in quarantine, want %d", len(rj), want.Rejected)
	}
}

// TestFeeds ingests feed formats through the pipeline: recognised from the header (or the
// XML) and, for Shadowserver, the report its file is named for; mapped onto the native
// formats, counted.
func TestFeeds(t *testing.T) {
	st := newStore(t)
	event4 := []byte(`"timestamp","src_ip","src_geo","src_region","src_asn","infection","event_id"
"2024-02-27 01:02:03","36.110.1.2","CN","GUANGDONG SHENG",4134,"mirai","e1"
"2024-02-27 01:02:04","36.110.1.3","CN","HENAN SHENG",4134,"conficker"
`) // the second row drops its trailing empty column, as exports do
	sinkhole := write(t, "2024-02-28-event4_sinkhole-asn-cn.csv", event4)
	sum, err := File(ctx, st, sinkhole, nil, opts())
	if err != nil || sum.Feed != "shadowserver-sinkhole" || sum.String() != "read 2, stored 2, duplicate 0, rejected 0" {
		t.Fatalf("sinkhole: %+v %v", sum, err)
	}
	xml := write(t, "cnvd.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><vulnerabilitys><vulnerability><number>CNVD-2024-1</number><title>t</title><serverity>高</serverity><openTime>2024-02-27</openTime></vulnerability></vulnerabilitys>`))
	if sum, err := File(ctx, st, xml, nil, opts()); err != nil || sum.Format != native.Vulns || sum.Stored != 1 {
		t.Fatalf("cnvd: %+v %v", sum, err)
	}
	c, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 3)
	vc, _ := st.VulnCounts(ctx, seedWeek, store.AllRecords)
	if c.TrojanBotnet != 1 || c.Conficker != 1 || len(c.Provinces) != 1 || c.Provinces[0].Name != "广东省" || vc.BySeverity["high"] != 1 {
		t.Errorf("counts %+v, vulnerabilities %+v", c, vc)
	}
	o := opts()
	o.Feed = feed.ByName("phishtank")
	if _, err := File(ctx, st, sinkhole, nil, o); err == nil || !strings.Contains(err.Error(), "not that of phishtank") {
		t.Errorf("a sinkhole report read as PhishTank: %v", err)
	}
	// The same columns in a honeypot report are read as what that report's addresses are,
	// never as infected hosts; unnamed, they are refused; a report sitrep does not count is
	// refused with why.
	for name, want := range map[string]string{
		"2024-02-28-event4_honeypot_brute_force-asn-cn.csv": "shadowserver-honeypot-brute-force",
		"2024-02-28-event6_honeypot_ddos_amp-asn-cn.csv":    "shadowserver-honeypot-ddos-amp",
		"2024-02-28-event4_honeypot_darknet-asn-cn.csv":     "shadowserver-honeypot-darknet",
	} {
		// Each its own file: the same bytes would be one input, already ingested.
		body := append([]byte{}, event4...)
		body = append(body, []byte(`"2024-02-27 01:02:09","36.110.9.9","CN","HENAN SHENG",4134,"`+want+`"`+"\n")...)
		if sum, err := File(ctx, st, write(t, name, body), nil, opts()); err != nil || sum.Feed != want || sum.Stored != 3 {
			t.Errorf("%s: %+v %v", name, sum, err)
		}
	}
	for name, want := range map[string]string{
		"report.csv": "a Shadowserver event report whose columns do not say which",
		"2024-02-28-event4_ip_spoofer-asn-cn.csv": "a Shadowserver event4_ip_spoofer report: sitrep does not read it: it lists networks that allow spoofed traffic",
		"2024-02-28-blocklist-asn-cn.csv":         "a Shadowserver blocklist report by its name, but the header lacks ip, source, reason",
	} {
		if _, err := File(ctx, st, write(t, name, event4), nil, opts()); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	o = opts()
	o.Feed = feed.ByName("shadowserver-sinkhole")
	if sum, err := File(ctx, st, write(t, "report.csv", event4), nil, o); err != nil || sum.Duplicate != 2 {
		t.Errorf("an unnamed sinkhole report, named by the caller: %+v %v", sum, err)
	}
	scan := []byte("\"timestamp\",\"ip\",\"protocol\",\"port\",\"tag\",\"asn\",\"geo\",\"region\"\n" +
		"\"2024-02-27 01:02:03\",\"36.110.1.2\",\"tcp\",80,\"cve-2021-26855\",4134,\"CN\",\"GUANGDONG SHENG\"\n" +
		"\"2024-02-27 01:02:04\",\"36.110.1.3\",\"tcp\",80,,4134,\"CN\",\"GUANGDONG SHENG\"\n")
	if sum, err := File(ctx, st, write(t, "2024-02-28-scan_http-asn-cn.csv", scan), nil, opts()); err != nil || sum.Feed != "shadowserver-scan" || sum.Stored != 2 {
		t.Errorf("a scan report: %+v %v", sum, err)
	}
	if _, err := File(ctx, st, write(t, "2024-02-28-scan6_rdp-asn-cn.csv", append(scan, '\n')), nil, opts()); err != nil {
		t.Errorf("an IPv6 scan report: %v", err)
	}
	bc, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 5)
	wantServices := []store.NameCount{{Name: "http", Count: 2}, {Name: "rdp", Count: 2}}
	if bc.BruteForceSources != 3 || bc.Scanners != 3 || bc.AmplificationVictims != 3 || bc.VulnerableHosts != 2 || !reflect.DeepEqual(bc.ByService, wantServices) ||
		bc.TrojanBotnet != 1 || bc.Conficker != 1 {
		t.Errorf("counts of the honeypot and scan reports: %+v", bc)
	}
	bad := write(t, "bad.xml", []byte(`<vulnerabilitys><vulnerability><number>CNVD-2024-2</number>`))
	if _, err := File(ctx, st, bad, nil, opts()); err == nil || !strings.Contains(err.Error(), "bad.xml") {
		t.Errorf("broken XML: %v", err)
	}
}

// TestURLList ingests a plain list of phishing URLs, as OpenPhish publishes it: every URL is
// an event at the time the list was fetched.
func TestURLList(t *testing.T) {
	st := newStore(t)
	list := write(t, "feed.txt", []byte("https://evil.example.top/login\nhttps://evil.example.top/login\nhttps://other.example.net/x\nnot a url at all\n"))
	o := opts()
	o.Source = "openphish"
	o.Observed = time.Date(2024, 2, 27, 10, 0, 0, 0, time.UTC)
	sum, err := File(ctx, st, list, nil, o)
	if err != nil || sum.String() != "read 4, stored 3, duplicate 0, rejected 1" {
		t.Fatalf("%s %v", sum, err)
	}
	c, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 0)
	if c.PhishingPages != 2 || c.PhishingDomains != 2 {
		t.Errorf("counts %+v", c)
	}
	evs, _ := st.ListEvents(ctx, seedWeek, "phishing", []string{"CLEAR"}, 10)
	if len(evs) != 3 || evs[0].Source != "openphish" || !evs[0].Time.Equal(o.Observed) {
		t.Errorf("events %+v", evs)
	}
}

// TestKnownDocuments: a JSON document sitrep does not read is refused by what it is, whether
// written on one line or pretty-printed, and the refusal lists what sitrep reads.
func TestKnownDocuments(t *testing.T) {
	st := newStore(t)
	for name, tc := range map[string]struct{ text, want string }{
		"bazaar.json": {"{\n \"query_status\": \"ok\",\n \"data\": [{\"sha256_hash\": \"x\"}]\n}\n", "an abuse.ch API answer sitrep does not read"},
		"nvd11.json":  {`{"CVE_data_type":"CVE","CVE_data_format":"MITRE","CVE_Items":[]}`, "an NVD JSON 1.1 feed (retired in 2023"},
		"other.json":  {"{\n \"a\": 1,\n \"b\": 2\n}\n", "a JSON document, not a format sitrep reads: top-level keys a, b"},
	} {
		_, err := File(ctx, st, write(t, name, []byte(tc.text)), nil, opts())
		if err == nil || !strings.Contains(err.Error(), name+": "+tc.want) || name != "other.json" && !strings.Contains(err.Error(), "sitrep does not read yet; it reads sitrep-events") {
			t.Errorf("%s: %v", name, err)
		}
		// A refusal is the caller's mistake, told as a plain error: the server answers an
		// error of another type as its own failure, withholding the reason.
		if errors.As(err, new(*tabular.DocumentError)) {
			t.Errorf("%s: the refusal carries a %T", name, new(tabular.DocumentError))
		}
	}
}

// TestReportNames: reports sitrep must not count as what their columns suggest are refused by
// their names; a caller's --format does not override what the file's name says.
func TestReportNames(t *testing.T) {
	st := newStore(t)
	event4 := []byte("\"timestamp\",\"src_ip\",\"src_geo\",\"dst_ip\",\"dst_network\",\"infection\",\"family\"\n" +
		"\"2024-02-27 01:02:03\",\"36.110.1.2\",\"CN\",\"203.0.113.10\",\"\",\"ddos\",\"mirai\"\n")
	for name, want := range map[string]string{
		"2024-02-28-event4_ddos_participant-asn-cn.csv": "event4_ddos_participant report: sitrep does not read it: its addresses took part in DDoS attacks",
		"2024-02-28-event4_sinkhole_dns-asn-cn.csv":     "its addresses queried sinkholed domains",
		"2024-02-28-device_id6-asn-cn.csv":              "a Shadowserver device_id6 report by its name, but the header lacks ip",
		"2024-02-28-sandbox_conn-asn-cn.csv":            "sandbox runs of malware samples",
		"2024-02-28-botnet_drone-asn-cn.csv":            "Shadowserver's format before 2021",
		"ddos.csv":                                      "or give --format with the feed of the report it is (shadowserver-honeypot-ddos, shadowserver-sinkhole, shadowserver-honeypot-brute-force",
	} {
		if _, err := File(ctx, st, write(t, name, event4), nil, opts()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	referer := write(t, "2024-02-28-event4_sinkhole_http_referer-asn-cn.csv", []byte("\"timestamp\",\"http_referer_ip\",\"http_referer\"\n\"2024-02-27 01:02:03\",\"36.110.1.2\",\"x\"\n"))
	if _, err := File(ctx, st, referer, nil, opts()); err == nil || !strings.Contains(err.Error(), "websites that referred visitors") {
		t.Errorf("a referer report: %v", err)
	}
	o := opts()
	o.Feed = feed.ByName("shadowserver-sinkhole")
	brute := write(t, "2024-02-28-event4_honeypot_brute_force-asn-cn.csv", event4)
	if _, err := File(ctx, st, brute, nil, o); err == nil || !strings.Contains(err.Error(), "read as shadowserver-honeypot-brute-force, not shadowserver-sinkhole") {
		t.Errorf("a brute-force report read as a sinkhole report by --format: %v", err)
	}
	// The DDoS target report: the victim is the event's address (the commanding server is
	// kept as an extra field: testdata/shadowserver-ddos in internal/feed).
	o.Feed = nil
	if sum, err := File(ctx, st, write(t, "2024-02-28-event4_honeypot_ddos_target-asn-cn.csv", event4), nil, o); err != nil || sum.Stored != 1 {
		t.Fatalf("a DDoS target report: %+v %v", sum, err)
	}
	evs, _ := st.ListEvents(ctx, seedWeek, "ddos", []string{"CLEAR"}, 10)
	if len(evs) != 1 || evs[0].IP != "203.0.113.10" {
		t.Errorf("DDoS events %+v", evs)
	}
}

// TestProgress: a reader told of the progress hears of it as the rows are read, the bytes and
// rows only growing, never past the input's size; without one, nothing is counted.
func TestProgress(t *testing.T) {
	st := newStore(t)
	var b strings.Builder
	b.WriteString("time,kind,ip,country\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "2024-02-27T01:02:03Z,infected_host,36.1.%d.%d,CN\n", i>>8&255, i&255)
	}
	path := write(t, "big.csv", []byte(b.String()))
	var seen []Progress
	o := opts()
	o.Progress = func(p Progress) { seen = append(seen, p) }
	o.ProgressEvery = time.Nanosecond
	if _, err := File(ctx, st, path, nil, o); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 5 {
		t.Fatalf("%d progress reports for 20,000 rows", len(seen))
	}
	for i, p := range seen {
		if p.Name != path || p.Total != int64(b.Len()) || p.Bytes > p.Total || p.Rows <= 0 ||
			i > 0 && (p.Bytes < seen[i-1].Bytes || p.Rows <= seen[i-1].Rows) {
			t.Fatalf("report %d: %+v after %+v", i, p, seen[max(i-1, 0)])
		}
	}
}
