package feed_test

import (
	"bufio"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/feed"
	"sitrep/internal/feed/cnvd"
	"sitrep/internal/feed/native"
	"sitrep/internal/feed/objects"
	"sitrep/internal/tabular"
	"sitrep/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the want.json files")

type parsed struct {
	Feed    string              `json:"feed"`
	Records []any               `json:"records"`
	Rejects []*tabular.RowError `json:"rejects"`
}

// read maps a feed file onto native rows and validates them as the ingest does.
func read(t testing.TB, path string) (parsed, error) {
	f, err := os.Open(path)
	if err != nil {
		return parsed{}, err
	}
	defer f.Close()
	out := parsed{Records: []any{}, Rejects: []*tabular.RowError{}}
	var rows tabular.Reader
	target := native.Vulns
	if strings.HasSuffix(path, ".xml") {
		rows, out.Feed = cnvd.NewReader(bufio.NewReader(f)), "cnvd-xml"
	} else {
		var c interface {
			tabular.Reader
		}
		if strings.HasSuffix(path, ".jsonl") {
			j, err := tabular.NewJSONL(f)
			if err != nil {
				return out, err
			}
			c = j
		} else {
			csv, err := tabular.NewCSV(f)
			if err != nil {
				return out, err
			}
			csv.PadShortRows = true
			c = csv
		}
		fd, report, err := feed.Match(path, c.Header())
		if err != nil {
			return out, err
		}
		if fd == nil {
			return out, errors.New("no feed matches " + strings.Join(c.Header(), ","))
		}
		rows, out.Feed, target = feed.Reader(c, fd, report), fd.Name, fd.Target
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cfg := native.Config{Zone: sh, GovSuffixes: enrich.DefaultGovSuffixes, Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Objects: objects.Shipped()}
	out.Records, out.Rejects, err = native.ReadAll(rows, target, cfg)
	return out, err
}

// TestGolden reads testdata/<feed>/input.* and compares with want.json (-update rewrites it).
func TestGolden(t *testing.T) {
	// Each directory holds one input: input.*, or a file under the name its source gives it
	// (a Shadowserver report is read as the report its name says).
	all, _ := filepath.Glob(filepath.Join("testdata", "*", "*"))
	var inputs []string
	for _, in := range all {
		if filepath.Base(in) != "want.json" {
			inputs = append(inputs, in)
		}
	}
	if len(inputs) < 8 {
		t.Fatalf("%d golden inputs", len(inputs))
	}
	for _, in := range inputs {
		t.Run(filepath.Base(filepath.Dir(in)), func(t *testing.T) {
			got, err := read(t, in)
			if err != nil {
				t.Fatal(err)
			}
			testenv.GoldenJSON(t, filepath.Join(filepath.Dir(in), "want.json"), got, *update)
		})
	}
}

// TestSharedSamples reads the real-format samples of ../shared/data/feeds where present: every
// sample is recognised as its feed and no row is refused.
func TestSharedSamples(t *testing.T) {
	dir := testenv.SharedDir(t, "data", "feeds")
	for file, want := range map[string]string{
		"shadowserver/event4_sinkhole.csv": "shadowserver-sinkhole", "shadowserver/event4_honeypot_ddos.csv": "shadowserver-honeypot-ddos",
		"shadowserver/malware_url.csv": "shadowserver-malware-url", "shadowserver/phish_url.csv": "shadowserver-phish-url",
		"shadowserver/compromised_website.csv": "shadowserver-compromised-website", "zoneh/defacement_accepted.csv": "zone-h",
		"phishtank/verified_online.csv": "phishtank", "cnvd/cnvd-1471.xml": "cnvd-xml",
	} {
		got, err := read(t, filepath.Join(dir, file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if got.Feed != want || len(got.Records) == 0 || len(got.Rejects) != 0 {
			t.Errorf("%s: feed %s, %d records, rejects %+v", file, got.Feed, len(got.Records), got.Rejects)
		}
		if want == "cnvd-xml" {
			checkClasses(t, got)
		}
	}
}

// checkClasses: CNVD's export classes no record; the rule table classes the sample's records
// as CNVD's weekly reports would, and leaves few unclassified.
func checkClasses(t *testing.T, got parsed) {
	want := map[string]event.Object{
		"Apple iOS和iPadOS缓冲区溢出漏洞":       event.OS,
		"启明星辰天玥网络安全审计系统存在文件上传漏洞":        event.SecurityProduct,
		"Cisco IP Phone跨站脚本漏洞":          event.NetworkDevice,
		"Cisco Webex Meetings任意文件上传漏洞":  event.Application,
		"Pluck CMS跨站脚本漏洞":               event.WebApplication,
		"Microsoft Outlook欺骗漏洞":         event.Application,
		"用友UAP系统存在信息泄露漏洞":               event.WebApplication,
		"Microsoft QUIC拒绝服务漏洞":          event.OS,
		"Adobe After Effects未初始化指针访问漏洞": event.Application,
	}
	unclassified := 0
	for _, r := range got.Records {
		v := r.(event.Vuln)
		if v.Object == "" {
			unclassified++
		}
		if w, ok := want[v.Title]; ok && v.Object != w {
			t.Errorf("%s: class %q, want %q", v.Title, v.Object, w)
		}
	}
	if unclassified > len(got.Records)/10 {
		t.Errorf("%d of %d CNVD records unclassified", unclassified, len(got.Records))
	}
}

func TestNames(t *testing.T) {
	for _, f := range feed.Feeds {
		if feed.ByName(f.Name) != f || f.Map == nil || len(f.Columns) == 0 {
			t.Errorf("feed %q is not listed properly", f.Name)
		}
	}
	if f, _, err := feed.Match("events.csv", []string{"time", "kind"}); f != nil || err != nil {
		t.Errorf("a native header matched a feed: %v %v", f, err)
	}
}

// FuzzFeeds reads arbitrary files under arbitrary names as the ingest does: a feed is chosen
// by the name's report type and the header, or the file is refused with a reason; nothing
// panics; every row read is an event of the feed's kind or a rejection with its line; and a
// refused report type is never read as another.
func FuzzFeeds(f *testing.F) {
	all, _ := filepath.Glob(filepath.Join("testdata", "*", "*.csv"))
	for _, s := range all {
		b, _ := os.ReadFile(s)
		f.Add(filepath.Base(s), string(b))
	}
	f.Add("2024-02-26-event4_honeypot_brute_force-asn-cn.csv", "\"timestamp\",\"src_ip\",\"src_geo\",\"infection\"\n\"2024-02-27 01:02:03\",\"36.1.1.1\",\"CN\",\"ssh\"\n")
	f.Add("2024-02-26-scan_rdp-asn-cn.csv", "\"timestamp\",\"ip\",\"port\",\"tag\"\n\"2024-02-27 01:02:03\",\"36.1.1.1\",3389,\"rdp\"\n")
	f.Add("2024-02-26-device_id-asn-cn.csv", "\"timestamp\",\"ip\"\n\"2024-02-27 01:02:03\",\"36.1.1.1\"\n")
	sh, _ := time.LoadLocation("Asia/Shanghai")
	cfg := native.Config{Zone: sh, GovSuffixes: enrich.DefaultGovSuffixes, Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	f.Fuzz(func(t *testing.T, name, in string) {
		c, err := tabular.NewCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		c.PadShortRows = true
		fd, report, err := feed.Match(name, c.Header())
		if err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a reason")
			}
			return
		}
		if fd == nil {
			return
		}
		if r, typ, ok := feed.ReportOf(name); ok && r.Feed == nil {
			t.Fatalf("%s is refused (%s) but was read as %s", typ, r.Why, fd.Name)
		}
		if fd.Target != native.Events {
			return
		}
		rows := feed.Reader(c, fd, report)
		p := native.NewEventParser(cfg)
		for {
			row, err := rows.Next()
			if err == io.EOF {
				return
			}
			var re *tabular.RowError
			if errors.As(err, &re) {
				if re.Line < 1 || re.Reason == "" {
					t.Fatalf("rejection %+v", re)
				}
				continue
			}
			if err != nil {
				return
			}
			e, re := p.Parse(row)
			if re != nil {
				if re.Line < 1 || re.Reason == "" {
					t.Fatalf("rejection %+v", re)
				}
				continue
			}
			if string(e.Kind) != fd.Kind && !slices.Contains(fd.Also, string(e.Kind)) {
				t.Fatalf("%s yielded a %s event", fd.Name, e.Kind)
			}
		}
	})
}
