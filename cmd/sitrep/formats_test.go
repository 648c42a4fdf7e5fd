package main

import (
	"strings"
	"testing"

	"sitrep/internal/feed"
)

// TestFormatsCommand lists every feed with the kind it yields, and every report type sitrep
// knows, read as a feed or refused with why.
func TestFormatsCommand(t *testing.T) {
	code, out, errs := sitrep(t, "", "formats")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(out, "\n")
	find := func(prefix string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix+" ") {
				return l
			}
		}
		return ""
	}
	for _, f := range feed.Feeds {
		l := find(f.Name)
		if l == "" || f.Kind != "" && !strings.HasSuffix(strings.TrimSpace(l), "events: "+strings.Join(append([]string{f.Kind}, f.Also...), " or ")) {
			t.Errorf("feed %s: %q", f.Name, l)
		}
	}
	for _, r := range feed.Reports() {
		l := find(r.Family + " " + r.Type + "*")
		switch {
		case l == "":
			t.Errorf("report %s is not listed", r.Type)
		case r.Feed != nil && !strings.Contains(l, r.Feed.Name):
			t.Errorf("report %s: %q", r.Type, l)
		case r.Feed == nil && !strings.Contains(l, r.Why):
			t.Errorf("refused report %s without its reason: %q", r.Type, l)
		}
	}
	for _, name := range []string{"shadowserver-sinkhole", "shadowserver-honeypot-brute-force", "shadowserver-scan"} {
		if l := find(name); !strings.Contains(l, "its file's report type (") {
			t.Errorf("%s does not say it is read by its report type: %q", name, l)
		}
	}
}
