package incident_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sitrep/internal/enrich"
	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/ingest"
	"sitrep/internal/store"
)

// TestTicketsFromEventsKeepTheirLabel opens tickets from a week's phishing events: a URL seen
// in a TLP:RED event gives a TLP:RED ticket, and lowering that label needs a reason and leaves
// an audit entry.
func TestTicketsFromEventsKeepTheirLabel(t *testing.T) {
	svc, st := newService(t)
	csv := "time,kind,url,ip,tlp\n" +
		"2024-02-27 10:00:00,phishing,https://red.example.top/login,203.0.113.5,CLEAR\n" +
		"2024-02-27 11:00:00,phishing,https://red.example.top/login,203.0.113.5,RED\n" +
		"2024-02-27 12:00:00,phishing,https://amber.example.top/,203.0.113.6,AMBER\n" +
		"2024-02-27 13:00:00,phishing,https://clear.example.top/,203.0.113.7,\n"
	path := filepath.Join(t.TempDir(), "events.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.File(ctx, st, path, nil, ingest.Options{Zone: shanghai, GovSuffixes: enrich.DefaultGovSuffixes}); err != nil {
		t.Fatal(err)
	}
	from, to := at(0, 0), at(7, 0)
	opened, _, err := svc.OpenFromEvents(ctx, st, store.Range{From: from, To: to}, event.Phishing, incident.Change{Actor: "alice", At: at(2, 9)})
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]event.TLP{}
	for _, tk := range opened {
		labels[tk.URL] = tk.TLP
	}
	want := map[string]event.TLP{"https://red.example.top/login": event.Red, "https://amber.example.top/": event.Amber, "https://clear.example.top/": event.Clear}
	for url, l := range want {
		if labels[url] != l {
			t.Errorf("ticket of %s labelled %q, want %q", url, labels[url], l)
		}
	}

	var red string
	for _, tk := range opened {
		if tk.TLP == event.Red {
			red = tk.ID
		}
	}
	if err := svc.Relabel(ctx, red, event.Clear, incident.Change{Actor: "bob", At: at(2, 10)}); !errors.Is(err, incident.ErrReasonNeeded) {
		t.Fatalf("lowering RED to CLEAR without a reason: %v", err)
	}
	if err := svc.Relabel(ctx, red, event.Green, incident.Change{Actor: "bob", At: at(2, 10), Note: "the reporter agreed to share"}); err != nil {
		t.Fatal(err)
	}
	got, err := st.Ticket(ctx, red)
	if err != nil {
		t.Fatal(err)
	}
	last := got.History[len(got.History)-1]
	if got.TLP != event.Green || last.Action != "relabel" || !strings.Contains(last.Note, "TLP:RED → TLP:GREEN") {
		t.Errorf("ticket %s labelled %s, last history entry %+v", red, got.TLP, last)
	}
	log, err := st.AuditLog(ctx, store.AuditFilter{Subject: red, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Action != "ticket.relabel" || log[0].Actor != "bob" || !strings.Contains(log[0].Detail, "the reporter agreed") {
		t.Errorf("audit log of %s: %+v", red, log)
	}
	// Raising a label needs no reason.
	if err := svc.Relabel(ctx, red, event.AmberStrict, incident.Change{Actor: "bob", At: at(2, 11)}); err != nil {
		t.Fatal(err)
	}
}
