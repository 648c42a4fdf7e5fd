package native

import (
	"strings"
	"testing"

	"sitrep/internal/tabular"
)

// TestRestore checks that a field neutralised against spreadsheet formulas reads as the value
// it stood for, and that no other field loses a quote.
func TestRestore(t *testing.T) {
	tests := []struct{ cell, want string }{
		{`'=HYPERLINK("http://x")`, `=HYPERLINK("http://x")`},
		{"'+1", "+1"},
		{"'-2", "-2"},
		{"'@SUM(1)", "@SUM(1)"},
		{"'\tx", "\tx"},
		{"'\rx", "\rx"},
		{"''=x", "'=x"},
		{"'''-y", "''-y"},
		{"'quoted'", "'quoted'"},
		{"''", "''"},
		{"'", "'"},
		{"it's", "it's"},
		{"=x", "=x"}, // written by hand, not by an export: nothing to take off
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.cell, func(t *testing.T) {
			if got := restore(tc.cell); got != tc.want {
				t.Errorf("restore(%q) = %q, want %q", tc.cell, got, tc.want)
			}
		})
	}
}

// TestNeutralisedFields reads neutralised cells through the events parser: every known field
// is restored, unknown columns are kept as written.
func TestNeutralisedFields(t *testing.T) {
	in := "time,kind,ip,family,target,source,id,note,malware\n" +
		"2024-02-27 10:00:00,infected_host,36.0.0.1,'-mirai,\"'=HYPERLINK(\"\"http://x\"\")\",'@feed,''+7,'=1+1,Trojan.Win32.Agent.abc\n"
	r, err := tabular.NewCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	e, bad := NewEventParser(config()).Parse(row)
	if bad != nil {
		t.Fatalf("rejected: %v", bad)
	}
	for _, f := range []struct{ name, got, want string }{
		{"family", e.Family, "-mirai"},
		{"target", e.Target, `=HYPERLINK("http://x")`},
		{"source", e.Source, "@feed"},
		{"id", e.FeedID, "'+7"},
		{"extra", e.Extra, `{"note":"'=1+1"}`},
		{"malware", e.Malware, "Trojan.Win32.Agent.abc"},
	} {
		t.Run(f.name, func(t *testing.T) {
			if f.got != f.want {
				t.Errorf("got %q, want %q", f.got, f.want)
			}
		})
	}
}
