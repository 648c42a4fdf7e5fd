package storetest

import (
	"errors"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// testImportedBecomesTicket: the first change to an imported incident record makes it a
// ticket — its history starts, the change counts, a later change follows on, and an import
// can no longer replace it; a change to no record at all is refused.
func testImportedBecomesTicket(t testing.TB, st store.Store) {
	opened := mid.Add(-time.Hour)
	in := input(t, st, "imported")
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 1, Incidents: []event.Incident{{ID: "IMP-1", Opened: opened, Type: event.PhishingIncident, Line: 2}}})
	tk, err := st.Ticket(ctx, "IMP-1")
	if err != nil {
		t.Fatalf("Ticket(IMP-1): %v", err)
	}
	if tk.Seq != 0 || tk.State != "new" {
		t.Errorf("the imported record as a ticket: %+v", tk)
	}
	closed := mid
	if err := st.AppendTicket(ctx, "IMP-1", 0, []store.TicketEntry{{At: closed, Actor: "a", Action: "close", From: "new", To: "closed"}},
		store.TicketChange{Closed: &closed}); err != nil {
		t.Fatalf("the first change: %v", err)
	}
	if tk, err = st.Ticket(ctx, "IMP-1"); err != nil || tk.State != "closed" || tk.Seq != 1 || len(tk.History) != 1 || tk.Closed == nil {
		t.Errorf("after the first change: %+v, %v", tk, err)
	}
	if err := st.AppendTicket(ctx, "IMP-1", 1, []store.TicketEntry{{At: closed.Add(time.Hour), Actor: "a", Action: "note", Note: "called"}}, store.TicketChange{}); err != nil {
		t.Errorf("the second change: %v", err)
	}
	ic, err := st.IncidentCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatalf("IncidentCounts: %v", err)
	}
	if ic.Handled != 1 {
		t.Errorf("%d handled, want the ticket closed in the week", ic.Handled)
	}
	list, err := st.ListTickets(ctx, store.TicketFilter{})
	if err != nil || len(list) != 1 || list[0].ID != "IMP-1" || list[0].Seq != 2 {
		t.Errorf("ListTickets: %+v, %v", list, err)
	}
	again := input(t, st, "imported-again")
	if tally := commit(t, st, store.Batch{Input: again.ID, No: 0, Read: 1, Incidents: []event.Incident{{ID: "IMP-1", Opened: opened, Type: event.DDoSIncident, Line: 2}}}); tally.Rejected != 1 {
		t.Errorf("an import over the ticket: %+v, want it set aside", tally)
	}
	if err := st.AppendTicket(ctx, "NOPE", 0, []store.TicketEntry{{At: closed, Actor: "a", Action: "note", Note: "x"}}, store.TicketChange{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a change to no ticket: %v, want ErrNotFound", err)
	}
}
