package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/feed/native"
	"sitrep/internal/tabular"
)

var t0 = time.Date(2024, 2, 27, 2, 0, 0, 0, time.UTC)

var evs = []event.Event{
	{Time: t0.Add(time.Hour), Kind: event.Phishing, URL: "https://evil.example.top/it's", IP: "203.0.113.1", TLP: event.Clear, Target: "Bank"},
	{Time: t0, Kind: event.Phishing, URL: "https://evil.example.top/it's", IP: "203.0.113.1", TLP: event.Clear},
	{Time: t0, Kind: event.InfectedHost, IP: "2001:db8::5", Family: "Mirai", TLP: event.Amber},
	{Time: t0, Kind: event.DDoS, TLP: event.Clear}, // nothing to point at
}

func TestSTIX(t *testing.T) {
	var a, b bytes.Buffer
	if err := STIX(&a, evs); err != nil {
		t.Fatal(err)
	}
	STIX(&b, evs)
	if a.String() != b.String() {
		t.Error("two exports of the same events differ")
	}
	var got struct {
		Type, ID string
		Objects  []map[string]any
	}
	if err := json.Unmarshal(a.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Type != "bundle" || !strings.HasPrefix(got.ID, "bundle--") || len(got.Objects) != 2 {
		t.Fatalf("bundle %+v", got)
	}
	url, host := got.Objects[0], got.Objects[1]
	if url["pattern"] != `[url:value = 'https://evil.example.top/it\'s']` || url["valid_from"] != "2024-02-27T02:00:00.000Z" ||
		url["spec_version"] != "2.1" || url["object_marking_refs"].([]any)[0] != tlpMarkings[event.Clear] {
		t.Errorf("URL indicator %v", url)
	}
	if host["pattern"] != "[ipv6-addr:value = '2001:db8::5']" || host["indicator_types"].([]any)[0] != "compromised" ||
		host["object_marking_refs"].([]any)[0] != tlpMarkings[event.Amber] {
		t.Errorf("host indicator %v", host)
	}
	if err := STIX(new(bytes.Buffer), []event.Event{{Time: t0, Kind: event.Phishing, URL: "https://x.top/", TLP: event.Red}}); err == nil {
		t.Error("a TLP:RED event was exported")
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := CSV(&b, evs[:1]); err != nil {
		t.Fatal(err)
	}
	want := "time,kind,ip,url,domain,country,province,asn,registrant_country,family,target,source,tlp,id,malware\n" +
		"2024-02-27T03:00:00Z,phishing,203.0.113.1,https://evil.example.top/it's,,,,,,,Bank,,CLEAR,,\n"
	if b.String() != want {
		t.Errorf("CSV\n%s", b.String())
	}
}

// hostile are values a spreadsheet would run, or that look like the quote put before them.
var hostile = []string{`=HYPERLINK("http://x")`, "+1", "-2", "@SUM(1)", "\tx", "\rx", "'quoted'", "'=x", "''-y", "it's", "'", "=", "-", "a=b"}

func TestCSVNeutralises(t *testing.T) {
	tests := []struct{ value, cell string }{
		{`=HYPERLINK("http://x")`, `'=HYPERLINK("http://x")`},
		{"+1", "'+1"},
		{"-2", "'-2"},
		{"@SUM(1)", "'@SUM(1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'=x", "''=x"},
		{"''-y", "'''-y"},
		{"'quoted'", "'quoted'"},
		{"it's", "it's"},
		{"'", "'"},
		{"a=b", "a=b"},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			var b bytes.Buffer
			e := event.Event{Time: t0, Kind: event.InfectedHost, IP: "203.0.113.9", Family: tc.value, Target: tc.value, Source: tc.value, FeedID: tc.value, TLP: event.Clear}
			if err := CSV(&b, []event.Event{e}); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatalf("read the export back: %v", err)
			}
			if len(rows) != 2 {
				t.Fatalf("%d rows, want the header and one event", len(rows))
			}
			for i, cell := range rows[1] {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("column %s starts with %q: %q", CSVHeader[i], cell[0], cell)
				}
			}
			for _, col := range []int{9, 10, 11, 13} { // family, target, source, id
				if rows[1][col] != tc.cell {
					t.Errorf("column %s is %q, want %q", CSVHeader[col], rows[1][col], tc.cell)
				}
			}
		})
	}
}

// TestCSVIngestsBack reads an export with the parser `sitrep ingest` uses for sitrep-events
// and finds every value as it was, hostile ones included.
func TestCSVIngestsBack(t *testing.T) {
	var evs []event.Event
	for i, v := range hostile {
		evs = append(evs, event.Event{Time: t0.Add(time.Duration(i) * time.Minute), Kind: event.Phishing,
			IP: "203.0.113.7", URL: "https://evil.example.top/" + strconv.Itoa(i), Domain: "example.top", Country: "US",
			ASN: 64500, RegistrantCountry: "PA", Family: v, Target: v, Source: v, FeedID: v, TLP: event.Green})
	}
	var b bytes.Buffer
	if err := CSV(&b, evs); err != nil {
		t.Fatal(err)
	}
	r, err := tabular.NewCSV(&b)
	if err != nil {
		t.Fatalf("read the export's header: %v", err)
	}
	if f, err := native.Detect(r.Header()); err != nil || f != native.Events {
		t.Fatalf("the export reads as %q, %v", f, err)
	}
	p := native.NewEventParser(native.Config{Zone: time.UTC, Source: "default"})
	for i, want := range evs {
		t.Run(hostile[i], func(t *testing.T) {
			row, err := r.Next()
			if err != nil {
				t.Fatalf("row %d: %v", i, err)
			}
			got, bad := p.Parse(row)
			if bad != nil {
				t.Fatalf("row %d rejected: %v", i, bad)
			}
			same := []struct{ name, got, want string }{
				{"family", got.Family, want.Family}, {"target", got.Target, want.Target},
				{"source", got.Source, want.Source}, {"id", got.FeedID, want.FeedID},
				{"url", got.URL, want.URL}, {"ip", got.IP, want.IP}, {"domain", got.Domain, want.Domain},
				{"country", got.Country, want.Country}, {"registrant_country", got.RegistrantCountry, want.RegistrantCountry},
				{"kind", string(got.Kind), string(want.Kind)}, {"tlp", string(got.TLP), string(want.TLP)},
			}
			for _, f := range same {
				if f.got != f.want {
					t.Errorf("%s: got %q, want %q", f.name, f.got, f.want)
				}
			}
			if !got.Time.Equal(want.Time) || got.ASN != want.ASN {
				t.Errorf("time %v asn %d, want %v %d", got.Time, got.ASN, want.Time, want.ASN)
			}
		})
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the last event: %v, want EOF", err)
	}
}
