package storetest

import (
	"strings"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// testTicketRows holds the counted rows of tickets kept in a records part: they count as the
// ticket last written, an older write changes nothing, writing twice is harmless, and an
// import cannot replace them.
func testTicketRows(t testing.TB, st store.Store) {
	opened, closed := mid.Add(-time.Hour), mid
	tk := store.Ticket{Incident: event.Incident{ID: "T-1", Opened: opened, Closed: &closed, Type: event.PhishingIncident,
		Partner: "Registrar X", PartnerKind: "registrar", TLP: event.Amber}, Seq: 2}
	handled := func(step string, want int) {
		t.Helper()
		ic, err := st.IncidentCounts(ctx, week, store.AllRecords)
		if err != nil {
			t.Fatalf("%s: IncidentCounts: %v", step, err)
		}
		if ic.Handled != want || ic.Phishing != want {
			t.Errorf("%s: %d handled, %d phishing; want %d", step, ic.Handled, ic.Phishing, want)
		}
	}
	write := func(step string, ts ...store.Ticket) {
		t.Helper()
		if err := st.CountTickets(ctx, ts); err != nil {
			t.Fatalf("%s: CountTickets: %v", step, err)
		}
	}
	write("closed in the week", tk)
	handled("closed in the week", 1)
	older := tk
	older.Closed, older.Seq = nil, 1
	write("an older write", older)
	handled("an older write", 1)
	reopened := tk
	reopened.Closed, reopened.Seq = nil, 3
	write("reopened", reopened, reopened)
	handled("reopened, written twice", 0)
	later := closed.AddDate(0, 0, 7)
	moved := tk
	moved.Closed, moved.Seq = &later, 4
	write("closed the week after", moved)
	handled("closed the week after", 0)

	in := input(t, st, "over-a-ticket")
	tally := commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 1, Incidents: []event.Incident{{ID: "T-1", Opened: opened, Closed: &closed, Type: event.PhishingIncident, Line: 2}}})
	if tally.Rejected != 1 || tally.Stored != 0 {
		t.Errorf("an import over a counted ticket: %+v, want it set aside", tally)
	}
	handled("after the import", 0)
	rs, err := st.Rejects(ctx, store.RejectFilter{Input: in.SHA256})
	if err != nil {
		t.Fatalf("Rejects: %v", err)
	}
	if len(rs) != 1 || rs[0].Field != "id" || !strings.Contains(rs[0].Reason, "sitrep incident") {
		t.Errorf("the import set aside as %+v", rs)
	}
}
