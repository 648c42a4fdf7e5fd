package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"sitrep/internal/charset"
	"sitrep/internal/store"
	"sitrep/internal/tabular"
)

// The rows these tests put around a bad one.
const (
	csvHead = "time,kind,ip,note\n"
	csvRow  = "2024-02-26 08:00:00,infected_host,10.0.0.%d,n\n"
)

func csvRows(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, csvRow, i)
	}
	return b.String()
}

func cnvdRecord(n int, title string) string {
	return fmt.Sprintf("<vulnerability><number>CNVD-2024-%d</number><title>%s</title><serverity>高</serverity><openTime>2024-02-27</openTime></vulnerability>\n", n, title)
}

const cnvdProlog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vulnerabilitys>\n"

type wantReject struct {
	line          int
	field, reason string
}

// TestBadRowsCostOnlyThemselves: a row too long, holding a NUL byte or bytes that are not text,
// or a CNVD record that breaks the XML rules, is set aside with its line, field and reason,
// and every other row of the input lands.
func TestBadRowsCostOnlyThemselves(t *testing.T) {
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	long := strings.Repeat("y", 3<<20)
	tests := []struct {
		name    string
		in      string
		summary string
		enc     charset.Encoding
		rejects []wantReject
	}{
		{
			name:    "a NUL byte in row 2",
			in:      csvHead + csvRows(1, 1) + "2024-02-26 08:00:00,infected_host,10.0.0.2,a\x00b\n" + csvRows(3, 4),
			summary: "read 4, stored 3, duplicate 0, rejected 1",
			enc:     charset.UTF8,
			rejects: []wantReject{{3, "note", "holds a NUL byte at byte 2"}},
		},
		{
			name:    "an invalid UTF-8 sequence in row 2",
			in:      csvHead + csvRows(1, 1) + "2024-02-26 08:00:00,infected_host,10.0.0.2,广\xe4\xb8\n" + csvRows(3, 4),
			summary: "read 4, stored 3, duplicate 0, rejected 1",
			enc:     charset.UTF8,
			rejects: []wantReject{{3, "note", "holds bytes that are not text in the input's encoding, from byte 4"}},
		},
		{
			name:    "a byte GB18030 does not define in a GBK file",
			in:      gbk(csvHead+"2024-02-26 08:00:00,infected_host,10.0.0.1,广东\n") + "2024-02-26 08:00:00,infected_host,10.0.0.2," + gbk("广") + "\xff\n" + gbk(csvRows(3, 4)),
			summary: "read 4, stored 3, duplicate 0, rejected 1",
			enc:     charset.GB18030,
			rejects: []wantReject{{3, "note", "holds bytes that are not text in the input's encoding, from byte 4"}},
		},
		{
			name:    "a row over the limit, where its cut would have had too few fields",
			in:      csvHead + csvRows(1, 1) + "2024-02-26 08:00:00,infected_host," + long + ",x,\n" + csvRows(3, 4),
			summary: "read 4, stored 3, duplicate 0, rejected 1",
			enc:     charset.UTF8,
			rejects: []wantReject{{3, "", fmt.Sprintf("row is %d bytes, the limit is %d", len(long)+37, tabular.MaxRecord)}},
		},
		{
			name:    "JSON Lines whose first line is over the limit",
			in:      `{"time":"2024-02-26 08:00:00","kind":"infected_host","note":"` + long + `"}` + "\n" + `{"time":"2024-02-26 08:00:00","kind":"infected_host","ip":"10.0.0.2"}` + "\n",
			summary: "read 2, stored 1, duplicate 0, rejected 1",
			enc:     charset.UTF8,
			rejects: []wantReject{{1, "", fmt.Sprintf("row is %d bytes, the limit is %d", len(long)+63, tabular.MaxRecord)}},
		},
		{
			name:    "a CNVD record with an undefined entity",
			in:      cnvdProlog + cnvdRecord(1, "t1") + cnvdRecord(2, "t2 &foo;") + cnvdRecord(3, "t3") + "</vulnerabilitys>\n",
			summary: "read 3, stored 2, duplicate 0, rejected 1",
			enc:     charset.UTF8,
			rejects: []wantReject{{4, "title", "invalid character entity &foo;"}},
		},
		{
			name:    "a CNVD record with a title over the record limit",
			in:      cnvdProlog + cnvdRecord(1, "t1") + cnvdRecord(2, long) + cnvdRecord(3, "t3") + "</vulnerabilitys>\n",
			summary: "read 3, stored 2, duplicate 0, rejected 1",
			enc:     charset.UTF8,
			rejects: []wantReject{{4, "title", fmt.Sprintf("record is %d bytes, the limit is %d", len(cnvdRecord(2, long))-1, tabular.MaxRecord)}},
		},
		{
			name:    "a CNVD record with a NUL byte",
			in:      cnvdProlog + cnvdRecord(1, "t1") + cnvdRecord(2, "t\x00") + cnvdRecord(3, "t3") + cnvdRecord(4, "t4") + "</vulnerabilitys>\n",
			summary: "read 4, stored 3, duplicate 0, rejected 1",
			enc:     charset.UTF8,
			rejects: []wantReject{{4, "title", "illegal character code U+0000"}},
		},
		{
			name:    "a URL list with a byte that is not UTF-8 and a line over the limit",
			in:      "https://a.example.top/1\nhttps://b.example.top/\xff\nhttps://c.example.top/" + long + "\nhttps://d.example.top/4\nhttps://e.example.top/5\nhttps://f.example.top/6\nhttps://g.example.top/7\nhttps://h.example.top/8\n",
			summary: "read 8, stored 6, duplicate 0, rejected 2",
			enc:     charset.UTF8,
			rejects: []wantReject{{2, "url", "holds bytes that are not text in the input's encoding, from byte 23"}, {3, "url", "line is over the field limit"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			sum, err := File(ctx, st, write(t, "in", []byte(tc.in)), nil, opts())
			if err != nil {
				t.Fatal(err)
			}
			if sum.String() != tc.summary || sum.Encoding != tc.enc {
				t.Errorf("summary %q in %s, want %q in %s", sum, sum.Encoding, tc.summary, tc.enc)
			}
			rj, err := st.Rejects(ctx, store.RejectFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []wantReject
			for _, r := range rj {
				got = append(got, wantReject{r.Line, r.Field, r.Reason})
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.rejects) {
				t.Errorf("rejects %v, want %v", got, tc.rejects)
			}
		})
	}
}

// TestInputsRefusedAsWhatTheyAre: an input sitrep cannot read is refused with an error that
// names the file and says what it is, and nothing of it is stored.
func TestInputsRefusedAsWhatTheyAre(t *testing.T) {
	many := func(n int) string {
		cols := make([]string, n)
		for i := range cols {
			cols[i] = fmt.Sprintf("c%d", i)
		}
		return "time,kind," + strings.Join(cols, ",") + "\n"
	}
	tests := []struct {
		name, in, want string
	}{
		{"100,000 columns", many(100000) + "2024-02-26 08:00:00,infected_host" + strings.Repeat(",x", 100000) + "\n", "the header has 100002 columns, the limit is 4096"},
		{"one column over the limit", many(4095) + "2024-02-26 08:00:00,infected_host" + strings.Repeat(",", 4095) + "\n", "the header has 4097 columns, the limit is 4096"},
		{"a pretty-printed JSON document", "{\n  \"listVersion\": \"2024.02.27\",\n  \"entries\": [\n    {\"id\": \"CVE-2024-1\"}\n  ]\n}\n", "a JSON document, not a format sitrep reads: top-level keys listVersion, entries"},
		{"a JSON array", "[\n  {\"a\": 1},\n  {\"a\": 2},\n  {\"a\": 3}\n]\n", "a JSON document, not a format sitrep reads: an array of 3 objects"},
		{"an RSS feed", "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>x</title><item><title>y</title></item></channel></rss>\n", "XML with root <rss>, not CNVD's <vulnerabilitys> export"},
		{"UTF-16", "\xff\xfet\x00i\x00m\x00e\x00\n\x00", "UTF-16 byte-order mark"},
		{"binary data", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + strings.Repeat("\x00\x01\xfe\n", 100), "not text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := newStore(t)
			path := write(t, "in", []byte(tc.in))
			sum, err := File(ctx, st, path, nil, opts())
			if err == nil || !strings.Contains(err.Error(), path+": ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s and saying %q", err, path, tc.want)
			}
			if sum.Read != 0 || sum.Stored != 0 {
				t.Errorf("summary %s", sum)
			}
			c, _ := st.EventCounts(ctx, seedWeek, store.AllRecords, 0)
			if c.Events != 0 {
				t.Errorf("%d events stored from a refused input", c.Events)
			}
		})
	}
}

// FuzzNewRowReader: whatever the bytes, recognising their shape never panics, and the reader
// it gives ends, with rows as wide as their header and lines that go forward.
func FuzzNewRowReader(f *testing.F) {
	for _, pattern := range []string{"../feed/testdata/*/input*", "../feed/native/testdata/*/input*", "../feed/jsondoc/testdata/*"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		csvHead + csvRows(1, 1) + "2024-02-26 08:00:00,infected_host,10.0.0.2,a\x00b\n",
		"{\n \"catalogVersion\": 1,\n \"vulnerabilities\": []\n}\n", "[\n{\"a\": 1}\n]", "[id],[name]\n1,2\n",
		`{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2024-1","state":"PUBLISHED","datePublished":"2024-02-27T00:00:00Z"},"containers":{"cna":{"metrics":[{"cvssV3_1":{"baseScore":7.5}}]}}}` + "\n{\"cveMetadata\":{}}\n",
		`{"resultsPerPage":1,"format":"NVD_CVE","vulnerabilities":[{"cve":{"id":"CVE-2024-2","published":"2024-02-27T01:00:00.000","metrics":{"cvssMetricV2":[{"type":"Primary","cvssData":{"baseScore":5}}]}}},{"cve":1}]}`,
		`{"time":"1","kind":"x"}` + "\n" + `{"kind` + "\n",
		"<?xml version=\"1.0\"?><rss/>", cnvdProlog + cnvdRecord(1, "t &foo;") + cnvdRecord(2, "t") + "</vulnerabilitys>",
		"https://a.example.top/\nhttps://b.example.top/\xff\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rows, err := newRowReader(bytes.NewReader(in), opts())
		if err != nil {
			return
		}
		last := 0
		for i := 0; ; i++ {
			if i > len(in)+1 {
				t.Fatal("more rows than bytes")
			}
			row, err := rows.Next()
			if err == io.EOF {
				return
			}
			var re *tabular.RowError
			if errors.As(err, &re) {
				if re.Line < last {
					t.Fatalf("a row error at line %d after line %d", re.Line, last)
				}
				last = re.Line
				continue
			}
			if err != nil {
				return // an input that cannot be read further
			}
			if len(row.Fields) != len(row.Header) || row.Line < last {
				t.Fatalf("row of %d fields, header of %d, line %d after %d", len(row.Fields), len(row.Header), row.Line, last)
			}
			last = row.Line
		}
	})
}
