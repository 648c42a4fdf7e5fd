package native

import (
	"strings"
	"testing"

	"sitrep/internal/tabular"
)

// TestExtraColumnsAreBounded keeps a row's unknown columns up to MaxExtra and sets aside a row
// whose unknown columns carry more, naming why, in each of the three formats.
func TestExtraColumnsAreBounded(t *testing.T) {
	small, big := strings.Repeat("x", 100), strings.Repeat("x", MaxExtra+1)
	tests := []struct {
		name   string
		parse  func(row tabular.Row) *tabular.RowError
		header []string
		fields []string
	}{
		{"events", func(row tabular.Row) *tabular.RowError { _, re := NewEventParser(config()).Parse(row); return re },
			[]string{"time", "kind", "ip", "country", "note"}, []string{"2024-02-27 10:00:00", "infected_host", "36.0.0.1", "CN"}},
		{"vulnerabilities", func(row tabular.Row) *tabular.RowError { _, re := NewVulnParser(config()).Parse(row); return re },
			[]string{"id", "published", "severity", "note"}, []string{"CNVD-2024-1", "2024-02-27 10:00:00", "high"}},
		{"incidents", func(row tabular.Row) *tabular.RowError { _, re := NewIncidentParser(config()).Parse(row); return re },
			[]string{"id", "opened", "type", "note"}, []string{"INC-1", "2024-02-27 10:00:00", "phishing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if re := tc.parse(tabular.Row{Line: 2, Header: tc.header, Fields: append(tc.fields, small)}); re != nil {
				t.Fatalf("a small unknown column: %v", re)
			}
			re := tc.parse(tabular.Row{Line: 3, Header: tc.header, Fields: append(tc.fields, big)})
			if re == nil || re.Line != 3 || re.Field != "(unknown columns)" || !strings.Contains(re.Reason, "the limit is 16384") {
				t.Errorf("a row with %d bytes of unknown columns: %+v", len(big), re)
			}
		})
	}
}
