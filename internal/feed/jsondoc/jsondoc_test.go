package jsondoc

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/export"
	"sitrep/internal/feed"
	"sitrep/internal/feed/native"
	"sitrep/internal/feed/objects"
	"sitrep/internal/tabular"
	"sitrep/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type parsed struct {
	Kind    Kind
	Records []any
	Rejects []*tabular.RowError
	Err     string `json:",omitempty"`
}

// read sniffs and reads a document whole, through the native parsers the ingest uses.
func read(t testing.TB, in []byte) parsed {
	t.Helper()
	var out parsed
	k, ok := Sniff(in[:min(len(in), 64<<10)])
	if !ok {
		out.Err = "not sniffed"
		return out
	}
	out.Kind = k
	r, err := Open(bytes.NewReader(in), k)
	if err != nil {
		out.Err = err.Error()
		return out
	}
	cfg := native.Config{Zone: time.UTC, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Objects: objects.Shipped()}
	var rows tabular.Reader = r
	if k.Feed() != "" { // rows of a feed, mapped as the ingest maps its CSV
		fd := feed.ByName(k.Feed())
		if !fd.Fits(r.Header()) {
			t.Fatalf("%s: the header %v is not that of %s", k, r.Header(), fd.Name)
		}
		rows = feed.Reader(r, fd, "")
	} else if err := native.CheckHeader(k.Format(), r.Header()); err != nil {
		t.Fatalf("%s: the header is not that of %s: %v", k, k.Format(), err)
	}
	format := k.Format()
	var err2 error
	out.Records, out.Rejects, err2 = native.ReadAll(rows, format, cfg)
	if err2 != nil {
		out.Err = err2.Error()
	}
	return out
}

// TestGolden reads each document of testdata and compares the records and rejections with
// testdata/want/<name> (-update rewrites them).
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if len(files) == 0 {
		t.Fatal("no documents in testdata")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			in, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			testenv.GoldenJSON(t, filepath.Join("testdata", "want", filepath.Base(f)), read(t, in), *update)
		})
	}
}

// TestSniff: documents are known by their keys, wherever those come; others are not taken.
func TestSniff(t *testing.T) {
	for in, want := range map[string]Kind{
		`{"dataType":"CVE_RECORD","dataVersion":"5.1"}`:                                      CVE5,
		`{"containers":{"cna":{}},"cveMetadata":{}}`:                                         CVE5,
		`[{"dataVersion":"5.0","dataType":"CVE_RECORD"}]`:                                    CVE5,
		`{"timestamp":"x","format":"NVD_CVE","vulnerabilities":[]}`:                          NVD,
		`{"resultsPerPage":0}`:                                                               NVD,
		`{"title":"t","extra":{"a":[1,{"b":2}]},"vulnerabilities":[{"cve":{"id":"CVE-1"}}]}`: NVD,
		`[{"cve":{"id":"CVE-1"}}]`:                                                           NVD,
		`{"id":"CVE-1","sourceIdentifier":"x"}`:                                              NVDCVE,
		`{"title":"CISA","catalogVersion":"2024.02.29"}`:                                     KEV,
		`{"vulnerabilities":[{"cveID":"CVE-1"}]}`:                                            KEV,
		`[{"cveID":"CVE-1"}]`:                                                                KEV,
		`{"type":"bundle","objects":[]}`:                                                     STIX,
		`{"objects":[{"type":"indicator","spec_version":"2.1"}]}`:                            STIX,
		`{"Event":{"Attribute":[]}}`:                                                         MISP,
		`{"response":[{"Event":{"id":"1"}}]}`:                                                MISP,
		`[{"Event":{"id":"1"}}]`:                                                             MISP,
		`{"type":"report","objects":[]}`:                                                     "",
		`{"time":"2024-02-27","kind":"phishing","url":"http://x/"}`:                          "",
		`{"format":"csv","vulnerabilities":[1,2]}`:                                           "",
		`[1,2,3]`: "",
		`[]`:      "",
		`{"dataT`: "",
		"":        "",
	} {
		if got, ok := Sniff([]byte(in)); got != want || ok != (want != "") {
			t.Errorf("Sniff(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// TestBroken: a record that cannot be read costs only itself; a document that breaks off or
// goes on after its end is refused at the line where it does, after the records before.
func TestBroken(t *testing.T) {
	rec := func(id string) string {
		return `{"cve":{"id":"` + id + `","published":"2024-02-27T08:00:00.000","metrics":{"cvssMetricV31":[{"type":"Primary","cvssData":{"baseScore":5}}]}}}`
	}
	long := `{"cve":{"id":"CVE-2024-1009","descriptions":[{"lang":"en","value":"` + strings.Repeat("x", tabular.MaxRecord) + `"}]}}`
	tests := []struct {
		name, in string
		ids      []string // records read, in order
		rejects  []string // line:field:reason
		err      string
	}{
		{"a record over the limit", "[\n" + rec("CVE-2024-1001") + ",\n" + long + ",\n" + rec("CVE-2024-1003") + "\n]",
			[]string{"CVE-2024-1001", "CVE-2024-1003"}, []string{fmt.Sprintf("3::the record is over %d bytes, the limit", tabular.MaxRecord)}, ""},
		{"a record of the wrong shape", "[" + rec("CVE-2024-1001") + ",\n{\"cve\": 5},\n" + rec("CVE-2024-1003") + "]",
			[]string{"CVE-2024-1001", "CVE-2024-1003"}, []string{"2:cve:not an item of an NVD CVE API 2.0 page: cve is a JSON number"}, ""},
		{"bytes that are not UTF-8", "[" + rec("CVE-2024-1001") + ",\n" + rec("CVE-2024-\xff") + "]",
			[]string{"CVE-2024-1001"}, []string{"2::the record holds bytes that are not UTF-8"}, ""},
		{"a NUL escaped", "[" + rec("CVE-2024-1001") + ",\n" + `{"cve":{"id":"CVE-2024-1002","published":"2024-02-27T08:00:00.000","descriptions":[{"lang":"en","value":"a\u0000b"}],"metrics":{"cvssMetricV31":[{"type":"Primary","cvssData":{"baseScore":5}}]}}}` + "]",
			[]string{"CVE-2024-1001"}, []string{"2:cve.descriptions:holds a NUL byte at byte 2"}, ""},
		{"cut inside a record", "[" + rec("CVE-2024-1001") + ",\n" + rec("CVE-2024-1002")[:40],
			[]string{"CVE-2024-1001"}, nil, "a page of NVD's CVE API 2.0 (or an array of its items), line 2: the document ends inside the record that starts on line 2"},
		{"cut between records", "{\"format\":\"NVD_CVE\",\"vulnerabilities\":[" + rec("CVE-2024-1001") + ",\n",
			[]string{"CVE-2024-1001"}, nil, "a page of NVD's CVE API 2.0 (or an array of its items), line 2: the document ends early"},
		{"junk after the end", "{\"format\":\"NVD_CVE\",\"vulnerabilities\":[" + rec("CVE-2024-1001") + "]}\n}",
			[]string{"CVE-2024-1001"}, nil, "a page of NVD's CVE API 2.0 (or an array of its items), line 2: '}' after the end of the document"},
		{"members after the records", "{\"format\":\"NVD_CVE\",\"vulnerabilities\":[" + rec("CVE-2024-1001") + "],\n\"more\":{\"a\":[\"]\"]}}\n",
			[]string{"CVE-2024-1001"}, nil, ""},
		{"NVD items one to a line", "{\"cve\":{\"id\":\"CVE-2024-1001\",\"published\":\"2024-02-27T08:00:00.000\",\"metrics\":{\"cvssMetricV2\":[{\"type\":\"Primary\",\"cvssData\":{\"baseScore\":5}}]}}}\n" +
			"{\"cve\":{\"id\":\"not a cve\",\"published\":\"2024-02-27T08:00:00.000\"}}\n" + rec("CVE-2024-1003") + "\n",
			[]string{"CVE-2024-1001", "CVE-2024-1003"}, []string{"2:cve.id:\"not a cve\" is not a CVE ID (CVE-YYYY-NNNN)"}, ""},
		{"records one to a line", `{"id":"CVE-2024-1001","sourceIdentifier":"x","published":"2024-02-27T08:00:00.000","metrics":{"cvssMetricV2":[{"type":"Primary","cvssData":{"baseScore":5}}]}}` + "\n" +
			`{"id":"CVE-2024-1002","sourceIdentifier":"x","published":"2024-02-27T08:00:00.000","metrics":{"cvssMetricV2":[{"type":"Primary","cvssData":{"baseScore":5}}]}}` + "\n",
			[]string{"CVE-2024-1001", "CVE-2024-1002"}, nil, ""},
		{"a first record over the limit", `{"id":"CVE-2024-1001","sourceIdentifier":"x","descriptions":[{"lang":"en","value":"` + strings.Repeat("y", tabular.MaxRecord) + `"}]}` + "\n" +
			`{"id":"CVE-2024-1002","sourceIdentifier":"x","published":"2024-02-27T08:00:00.000","metrics":{"cvssMetricV2":[{"type":"Primary","cvssData":{"baseScore":5}}]}}`,
			[]string{"CVE-2024-1002"}, []string{fmt.Sprintf("1::the record is over %d bytes, the limit", tabular.MaxRecord)}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := read(t, []byte(tc.in))
			var ids, rejects []string
			for _, r := range got.Records {
				switch r := r.(type) {
				case event.Vuln:
					ids = append(ids, r.ID)
				case event.Exploited:
					ids = append(ids, r.CVE)
				case event.Event:
					ids = append(ids, r.URL+r.IP+r.Domain)
				}
			}
			for _, re := range got.Rejects {
				rejects = append(rejects, fmt.Sprintf("%d:%s:%s", re.Line, re.Field, re.Reason))
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.ids) || fmt.Sprint(rejects) != fmt.Sprint(tc.rejects) || got.Err != tc.err {
				t.Errorf("records %q rejects %q err %q\nwant %q %q %q", ids, rejects, got.Err, tc.ids, tc.rejects, tc.err)
			}
		})
	}
}

// FuzzDocuments reads any bytes as each kind of document: nothing panics, reading ends, rows
// are as wide as their header, and lines go forward.
func FuzzDocuments(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for i, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b, uint8(i))
		}
	}
	f.Add([]byte(`[{"cve":{"id":"CVE-1","metrics":{"cvssMetricV2":[{"cvssData":{"baseScore":"7"}}]}}},{"cve":"x"}]`), uint8(1))
	f.Add([]byte("{\"a\":\"\\\"}\",\"vulnerabilities\":[{}]}"), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, k uint8) {
		r, err := Open(bytes.NewReader(in), Kinds[int(k)%len(Kinds)])
		if err != nil {
			return
		}
		last := 0
		for i := 0; ; i++ {
			if i > len(in)+1 {
				t.Fatal("more rows than bytes")
			}
			row, err := r.Next()
			if err == io.EOF {
				return
			}
			var re *tabular.RowError
			if errors.As(err, &re) {
				if re.Line < last || re.Reason == "" {
					t.Fatalf("rejection %+v after line %d", re, last)
				}
				last = re.Line
				continue
			}
			if err != nil {
				return
			}
			if len(row.Fields) != len(row.Header) || row.Line < last || len(row.From) != len(row.Header) {
				t.Fatalf("row %+v after line %d", row, last)
			}
			last = row.Line
		}
	})
}

// TestOwnSTIX: sitrep's own STIX export reads back as the events it was made from, one for
// each URL (or address) at the time it was first seen, of the same kind, family and TLP.
func TestOwnSTIX(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2024, 2, 27, h, 0, 0, 0, time.UTC) }
	evs := []event.Event{
		{Time: at(5), Kind: event.MalwareSite, URL: "http://dl.example.top/x.sh", Family: "Mirai", TLP: event.Clear},
		{Time: at(3), Kind: event.MalwareSite, URL: "http://dl.example.top/x.sh", Family: "Mirai", TLP: event.Clear}, // first seen
		{Time: at(4), Kind: event.Phishing, URL: "http://login.example.xyz/it's", TLP: event.Green},
		{Time: at(6), Kind: event.InfectedHost, IP: "36.1.2.3", Family: "gafgyt", TLP: event.Amber},
		{Time: at(7), Kind: event.Defacement, URL: "http://www.example.gov.cn/", TLP: event.Clear},
		{Time: at(8), Kind: event.BotnetCC, IP: "2001:db8::7", TLP: event.AmberStrict},
		{Time: at(9), Kind: event.DDoS, IP: "203.0.113.5", TLP: event.Clear},
	}
	var b bytes.Buffer
	if err := export.STIX(&b, evs); err != nil {
		t.Fatal(err)
	}
	got := read(t, b.Bytes())
	if got.Kind != STIX || got.Err != "" || len(got.Rejects) != 0 {
		t.Fatalf("kind %s, err %q, rejects %+v", got.Kind, got.Err, got.Rejects)
	}
	var gots, wants []string
	for _, r := range got.Records {
		e := r.(event.Event)
		gots = append(gots, fmt.Sprintf("%s %s %s%s %s %s", e.Time.Format(time.RFC3339), e.Kind, e.URL, e.IP, strings.ToLower(e.Family), e.TLP))
	}
	for _, e := range append(evs[1:2], evs[2:]...) {
		wants = append(wants, fmt.Sprintf("%s %s %s%s %s %s", e.Time.Format(time.RFC3339), e.Kind, e.URL, e.IP, strings.ToLower(e.Family), e.TLP))
	}
	if fmt.Sprint(gots) != fmt.Sprint(wants) {
		t.Errorf("read back:\n%s\nwant:\n%s", strings.Join(gots, "\n"), strings.Join(wants, "\n"))
	}
}

// TestSharingLabels: what a STIX object or MISP attribute is, and how far it may go, is read
// from what it says exactly: the strictest of its markings and tags (granular ones, those of
// what observed data refers to), labels matched as whole words, nothing taken from silence,
// and what was withdrawn left out.
func TestSharingLabels(t *testing.T) {
	const red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
	ind := func(extra string) string {
		return `{"type":"indicator","spec_version":"2.1","id":"indicator--1","valid_from":"2024-02-27T01:00:00Z",` + extra + `}`
	}
	bundle := func(objs ...string) string {
		return `{"type":"bundle","id":"bundle--1","objects":[` + strings.Join(objs, ",") + `]}`
	}
	mispEvent := func(tags, dist string, attrs ...string) string {
		return `{"Event":{"date":"2024-02-27","distribution":"` + dist + `","Orgc":{"name":"X"},"Tag":[` + tags + `],"Attribute":[` + strings.Join(attrs, ",") + `]}}`
	}
	attr := func(typ, cat, value, extra string) string {
		return `{"uuid":"a-` + value + `","type":"` + typ + `","category":"` + cat + `","to_ids":true,"value":"` + value + `"` + extra + `}`
	}
	tests := []struct {
		name, in string
		want     []string // kind tlp address
		rejects  []string // field: reason (start)
	}{
		{"a granular marking", bundle(ind(`"indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.100.1']","granular_markings":[{"marking_ref":"` + red + `","selectors":["pattern"]}]`)),
			[]string{"malware_site RED 198.51.100.1"}, nil},
		{"what observed data refers to", bundle(`{"type":"url","spec_version":"2.1","id":"url--1","value":"http://p.example.top/","object_marking_refs":["`+red+`"]}`,
			`{"type":"observed-data","spec_version":"2.1","id":"observed-data--1","first_observed":"2024-02-27T01:00:00Z","labels":["phishing"],"object_refs":["url--1"]}`),
			[]string{"phishing RED http://p.example.top/"}, nil},
		{"words, whole", bundle(ind(`"indicator_types":["malicious-activity"],"labels":["aws-ec2","anti-phishing-allowlist"],"pattern":"[ipv4-addr:value = '198.51.100.2']"`)),
			[]string{"malware_site  198.51.100.2"}, nil},
		{"nothing said", bundle(ind(`"pattern":"[ipv4-addr:value = '198.51.100.3']"`)), nil,
			[]string{"labels: an indicator over ipv4-addr whose labels and indicator_types do not say what it is"}},
		{"benign", bundle(ind(`"indicator_types":["benign"],"labels":["phishing"],"pattern":"[url:value = 'http://ok.example/']"`)), nil,
			[]string{"indicator_types: a benign indicator"}},
		{"revoked", bundle(ind(`"revoked":true,"indicator_types":["malicious-activity"],"pattern":"[url:value = 'http://x.example/']"`)), nil,
			[]string{"revoked: a revoked indicator"}},
		{"a join on another line", bundle(ind(`"indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value = '198.51.100.4']\nFOLLOWEDBY\n[ipv4-addr:value = '198.51.100.5']"`)), nil,
			[]string{"pattern: the pattern joins its comparisons by FOLLOWEDBY"}},
		{"an operator among ORs", bundle(ind(`"indicator_types":["malicious-activity"],"pattern":"[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR ipv4-addr:value = '198.51.100.8']"`)), nil,
			[]string{"pattern: the pattern compares ipv4-addr:value with ISSUBSET"}},
		{"MISP: the strictest tag", mispEvent(`{"name":"tlp:amber+strict"},{"name":"tlp:amber"}`, "1", attr("ip-dst", "Network activity", "198.51.100.9", "")),
			[]string{"malware_site AMBER+STRICT 198.51.100.9"}, nil},
		{"MISP: an attribute does not loosen its event", mispEvent(`{"name":"tlp:red"}`, "1", attr("ip-dst", "Network activity", "198.51.100.10", `,"Tag":[{"name":"tlp:clear"}]`)),
			[]string{"malware_site RED 198.51.100.10"}, nil},
		{"MISP: a TLP sitrep does not know", mispEvent(`{"name":"tlp:ex:chr"}`, "1", attr("ip-dst", "Network activity", "198.51.100.11", "")),
			[]string{"malware_site RED 198.51.100.11"}, nil},
		{"MISP: the organisation only", mispEvent(``, "0", attr("ip-dst", "Network activity", "198.51.100.12", "")),
			[]string{"malware_site AMBER+STRICT 198.51.100.12"}, nil},
		{"MISP: an attack pattern is no phishing", mispEvent(`{"name":"misp-galaxy:mitre-attack-pattern=\"Spearphishing Attachment - T1566.001\""}`, "1", attr("ip-dst", "Network activity", "198.51.100.13", "")),
			[]string{"malware_site  198.51.100.13"}, nil},
		{"MISP: a deleted attribute", mispEvent(`{"name":"tlp:clear"}`, "1", attr("ip-dst", "Network activity", "198.51.100.14", `,"deleted":true`), attr("url", "Network activity", "http://c2.example.top/", `,"Tag":[{"name":"kill-chain:Command and Control"}]`)),
			[]string{"botnet_cc CLEAR http://c2.example.top/"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := read(t, []byte(tc.in))
			if got.Err != "" {
				t.Fatal(got.Err)
			}
			var evs, rejects []string
			for _, r := range got.Records {
				e := r.(event.Event)
				evs = append(evs, fmt.Sprintf("%s %s %s%s", e.Kind, tlpOf(e, tc.in), e.IP, e.URL))
			}
			for _, re := range got.Rejects {
				rejects = append(rejects, re.Field+": "+re.Reason)
			}
			if fmt.Sprint(evs) != fmt.Sprint(tc.want) || len(rejects) != len(tc.rejects) {
				t.Fatalf("events %q rejects %q\nwant %q %q", evs, rejects, tc.want, tc.rejects)
			}
			for i, w := range tc.rejects {
				if !strings.HasPrefix(rejects[i], w) {
					t.Errorf("rejection %q, want %q…", rejects[i], w)
				}
			}
		})
	}
}

// tlpOf is an event's label as read: empty where the document gave none (the ingest's default).
func tlpOf(e event.Event, in string) string {
	if e.TLP == event.Clear && !strings.Contains(in, "tlp:clear") && !strings.Contains(in, "94868c89") {
		return ""
	}
	return string(e.TLP)
}
