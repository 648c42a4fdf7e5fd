package assess

import (
	"slices"
	"strings"
	"testing"

	"sitrep/internal/event"
)

// TestPublicTable reads the [public] table of a policy: what a public edition may draw on.
func TestPublicTable(t *testing.T) {
	base := strings.Replace(DefaultPolicyTOML(), "[public]\ncount_up_to = \"AMBER\"\nnames_up_to = \"CLEAR\"\n", "", 1)
	if base == DefaultPolicyTOML() {
		t.Fatal("the shipped policy has no [public] table to replace")
	}
	tests := []struct {
		name         string
		table        string
		count, names []event.TLP
		err          string
	}{
		{"absent: the default", "", []event.TLP{event.Clear, event.Green, event.Amber}, []event.TLP{event.Clear}, ""},
		{"tightened", "[public]\ncount_up_to = \"CLEAR\"\nnames_up_to = \"CLEAR\"\n", []event.TLP{event.Clear}, []event.TLP{event.Clear}, ""},
		{"names from green", "[public]\ncount_up_to = \"GREEN\"\nnames_up_to = \"tlp:green\"\n", []event.TLP{event.Clear, event.Green}, []event.TLP{event.Clear, event.Green}, ""},
		{"red never", "[public]\ncount_up_to = \"RED\"\nnames_up_to = \"CLEAR\"\n", nil, nil, "never reach a public edition"},
		{"amber+strict never", "[public]\ncount_up_to = \"AMBER+STRICT\"\nnames_up_to = \"CLEAR\"\n", nil, nil, "never reach a public edition"},
		{"names beyond counts", "[public]\ncount_up_to = \"GREEN\"\nnames_up_to = \"AMBER\"\n", nil, nil, "more restricted than count_up_to"},
		{"not a label", "[public]\ncount_up_to = \"PINK\"\nnames_up_to = \"CLEAR\"\n", nil, nil, "count_up_to is \"PINK\""},
		{"unknown key", "[public]\ncount_up_to = \"AMBER\"\nnames_up_to = \"CLEAR\"\nnames = \"x\"\n", nil, nil, "unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(base + "\n" + tc.table)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			count, names := p.PublicLabels()
			if !slices.Equal(count, tc.count) || !slices.Equal(names, tc.names) {
				t.Errorf("count %v names %v, want %v and %v", count, names, tc.count, tc.names)
			}
		})
	}
}
