package native

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/feed/objects"
	"sitrep/internal/tabular"
	"sitrep/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the want.json files from the parsers' output")

func config() Config {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	return Config{Zone: sh, Now: time.Date(2024, 3, 1, 0, 0, 0, 0, sh), Source: "test", GovSuffixes: enrich.DefaultGovSuffixes, Objects: objects.Shipped()}
}

// parsed is what a golden case records: the format found, each record, each rejected row.
type parsed struct {
	Format  Format              `json:"format"`
	Records []any               `json:"records"`
	Rejects []*tabular.RowError `json:"rejects"`
}

func parseAll(t testing.TB, in io.Reader) (parsed, error) {
	r, err := tabular.NewCSV(in)
	if err != nil {
		return parsed{}, err
	}
	f, err := Detect(r.Header())
	if err != nil {
		return parsed{}, err
	}
	out := parsed{Format: f}
	out.Records, out.Rejects, err = ReadAll(r, f, config())
	return out, err
}

// TestGolden parses testdata/<case>/input.csv and compares with want.json; -update rewrites it.
func TestGolden(t *testing.T) {
	cases, _ := filepath.Glob(filepath.Join("testdata", "*", "input.csv"))
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	for _, in := range cases {
		dir := filepath.Dir(in)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := parseAll(t, f)
			if err != nil {
				t.Fatal(err)
			}
			testenv.GoldenJSON(t, filepath.Join(dir, "want.json"), got, *update)
		})
	}
}

func TestDetect(t *testing.T) {
	for header, want := range map[string]Format{
		"time,kind,ip":                 Events,
		"id,published,severity,object": Vulns,
		"id,opened,type,closed":        Incidents,
	} {
		if got, err := Detect(strings.Split(header, ",")); got != want || err != nil {
			t.Errorf("Detect(%s) = %s, %v; want %s", header, got, err, want)
		}
	}
	_, err := Detect([]string{"time", "url"})
	if err == nil || !strings.Contains(err.Error(), "sitrep-events (time, kind)") {
		t.Errorf("unknown header: %v", err)
	}
}

// FuzzParsers feeds arbitrary text through the row reader and every parser: nothing panics,
// and every rejected row names its line and, when it blames a field, a field of the header.
func FuzzParsers(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "input.csv"))
	for _, s := range seeds {
		b, _ := os.ReadFile(s)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, in string) {
		r, err := tabular.NewCSV(strings.NewReader(in))
		if err != nil {
			return
		}
		header := map[string]bool{}
		for _, h := range r.Header() {
			header[h] = true
		}
		got, err := parseAll(t, strings.NewReader(in))
		if err != nil {
			return
		}
		for _, re := range got.Rejects {
			if re.Line < 2 || re.Reason == "" || re.Field != "" && !header[re.Field] {
				t.Fatalf("reject %+v with header %v", re, r.Header())
			}
		}
	})
}

func TestLocateFillsOnlyWhatIsMissing(t *testing.T) {
	cfg := config()
	calls := 0
	cfg.Locate = func(ip string) (string, string, uint32) {
		calls++
		if strings.HasPrefix(ip, "36.") {
			return "CN", "广东省", 4134
		}
		return "US", "", 15169
	}
	p := NewEventParser(cfg)
	header := []string{"time", "kind", "ip", "country", "province", "asn"}
	tests := []struct {
		fields        []string
		country, prov string
		asn           uint32
		looked        bool
	}{
		{[]string{"2024-02-27 10:00:00", "infected_host", "36.0.0.1", "", "", ""}, "CN", "广东省", 4134, true},
		{[]string{"2024-02-27 10:00:00", "infected_host", "36.0.0.1", "CN", "浙江", "4812"}, "CN", "浙江省", 4812, false},
		{[]string{"2024-02-27 10:00:00", "infected_host", "36.0.0.1", "JP", "", "1"}, "JP", "", 1, false},
		{[]string{"2024-02-27 10:00:00", "infected_host", "8.8.8.8", "", "", ""}, "US", "", 15169, true},
		{[]string{"2024-02-27 10:00:00", "infected_host", "", "", "", ""}, "", "", 0, false},
	}
	for _, tc := range tests {
		calls = 0
		e, re := p.Parse(tabular.Row{Line: 2, Header: header, Fields: tc.fields})
		if re != nil {
			t.Fatal(re)
		}
		if e.Country != tc.country || e.Province != tc.prov || e.ASN != tc.asn || (calls > 0) != tc.looked {
			t.Errorf("%v: %q %q %d (looked up %v)", tc.fields, e.Country, e.Province, e.ASN, calls > 0)
		}
	}
}
