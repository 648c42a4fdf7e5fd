// Package storetest is the conformance suite every store engine passes: the ledger and its
// batches, keyed records, the quarantine, and each statistic of CONTRACT.md computed by the
// engine. An engine's test calls Run with a function that opens a fresh, empty store.
//
// The suite is what qualifies an engine, so an error from any call fails it, with a message
// that names the call: a check never passes because a call failed and left a zero value that
// happens to look right. The checks take a testing.TB so that the suite's own tests can run
// them against an engine that fails on purpose and see them fail.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// Opener returns a new empty store, closed by the test's cleanup.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("Ledger", func(t *testing.T) { testLedger(t, open(t)) })
	t.Run("KeyedRecords", func(t *testing.T) { testKeyed(t, open(t)) })
	t.Run("Quarantine", func(t *testing.T) { testQuarantine(t, open(t)) })
	t.Run("Staging", func(t *testing.T) { testStaging(t, open(t)) })
	t.Run("EventCounts", func(t *testing.T) { testEventCounts(t, open) })
	t.Run("VulnAndIncidentCounts", func(t *testing.T) { testRecordCounts(t, open(t)) })
	t.Run("KnownExploited", func(t *testing.T) { testExploited(t, open(t)) })
	t.Run("Withdrawn", func(t *testing.T) { testWithdrawn(t, open(t)) })
	t.Run("History", func(t *testing.T) { testHistory(t, open(t)) })
	t.Run("Overrides", func(t *testing.T) { testOverrides(t, open(t)) })
	t.Run("Tickets", func(t *testing.T) { testTickets(t, open(t)) })
	t.Run("Archive", func(t *testing.T) { testArchive(t, open(t)) })
	t.Run("NewFamilies", func(t *testing.T) { testNewFamilies(t, open(t)) })
	t.Run("Families", func(t *testing.T) { testFamilies(t, open(t)) })
	t.Run("Indicators", func(t *testing.T) { testIndicators(t, open(t)) })
	t.Run("Scope", func(t *testing.T) { testScope(t, open(t)) })
	t.Run("LaterRowWins", func(t *testing.T) { testLaterRowWins(t, open(t)) })
	t.Run("Jobs", func(t *testing.T) { testJobs(t, open(t)) })
	t.Run("Accounts", func(t *testing.T) { testAccounts(t, open(t)) })
	t.Run("Corrections", func(t *testing.T) { testCorrections(t, open(t)) })
	t.Run("TicketRows", func(t *testing.T) { testTicketRows(t, open(t)) })
	t.Run("ImportedBecomesTicket", func(t *testing.T) { testImportedBecomesTicket(t, open(t)) })
	t.Run("CountsStayCurrent", func(t *testing.T) { testCurrent(t, open(t)) })
	t.Run("CountsStayCurrentWhileCommitting", func(t *testing.T) {
		testCurrentWhileCommitting(t, func() store.Store { return open(t) })
	})
}

var (
	ctx = context.Background()
	// week is 2024-W09 in Asia/Shanghai, as UTC instants.
	from = time.Date(2024, 2, 25, 16, 0, 0, 0, time.UTC)
	to   = from.AddDate(0, 0, 7)
	week = store.Range{From: from, To: to}
	mid  = from.Add(3 * 24 * time.Hour)
)

func input(t testing.TB, st store.Store, digest string) store.Input {
	t.Helper()
	in, err := st.OpenInput(ctx, store.Input{SHA256: digest, Name: digest + ".csv", Format: "sitrep-events", Encoding: "UTF-8"})
	if err != nil {
		t.Fatalf("OpenInput(%s): %v", digest, err)
	}
	return in
}

func commit(t testing.TB, st store.Store, b store.Batch) store.Tally {
	t.Helper()
	tally, err := st.Commit(ctx, b)
	if err != nil {
		t.Fatalf("commit batch %d: %v", b.No, err)
	}
	return tally
}

func testLedger(t testing.TB, st store.Store) {
	in := input(t, st, "aaaa")
	if in.ID == 0 || in.Complete || len(in.Committed) != 0 {
		t.Fatalf("new input: %+v", in)
	}
	ev := event.Event{Time: mid, Kind: event.Phishing, URL: "https://x.top/a", TLP: event.Clear}
	tally := commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 3, Events: []event.Event{ev, ev},
		Rejects: []store.Reject{{Line: 3, Reason: "bad"}}})
	if want := (store.Tally{Read: 3, Stored: 2, Rejected: 1}); tally != want {
		t.Errorf("tally %+v, want %+v", tally, want)
	}
	_, err := st.Commit(ctx, store.Batch{Input: in.ID, No: 0, Read: 3, Events: []event.Event{ev}})
	if !errors.Is(err, store.ErrCommitted) {
		t.Errorf("second commit of batch 0: %v, want ErrCommitted", err)
	}
	again := input(t, st, "aaaa")
	if again.ID != in.ID || !reflect.DeepEqual(again.Committed, map[int]store.Tally{0: tally}) || again.Complete {
		t.Errorf("reopened input: %+v", again)
	}
	if err := st.FinishInput(ctx, in.ID); err != nil {
		t.Fatalf("FinishInput: %v", err)
	}
	if !input(t, st, "aaaa").Complete {
		t.Error("finished input is not complete")
	}
	if other := input(t, st, "bbbb"); other.ID == in.ID {
		t.Error("two digests share an input")
	}
	c, err := st.EventCounts(ctx, week, store.AllRecords, 0)
	if err != nil {
		t.Fatalf("EventCounts: %v", err)
	}
	if c.Events != 2 || c.PhishingPages != 1 {
		t.Errorf("events %d pages %d after a refused duplicate batch", c.Events, c.PhishingPages)
	}
}

func testKeyed(t testing.TB, st store.Store) {
	in := input(t, st, "keys")
	v := event.Vuln{ID: "CNVD-2024-1", Published: mid, Severity: event.High, Object: event.Application, TLP: event.Clear}
	w := event.Vuln{ID: "CNVD-2024-2", Published: mid, Severity: event.Low, Object: event.OS, TLP: event.Clear}
	tally := commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 3, Vulns: []event.Vuln{v, w, v}})
	if want := (store.Tally{Read: 3, Stored: 2, Duplicate: 1}); tally != want {
		t.Errorf("first batch %+v, want %+v", tally, want)
	}
	changed := w
	changed.Severity = event.Medium
	tally = commit(t, st, store.Batch{Input: in.ID, No: 1, Read: 2, Vulns: []event.Vuln{v, changed}})
	if want := (store.Tally{Read: 2, Stored: 1, Duplicate: 1}); tally != want {
		t.Errorf("second batch %+v, want %+v", tally, want)
	}
	vc, err := st.VulnCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatalf("VulnCounts: %v", err)
	}
	if vc.Total != 2 || vc.BySeverity[event.High] != 1 || vc.BySeverity[event.Medium] != 1 || vc.BySeverity[event.Low] != 0 {
		t.Errorf("vulnerability counts after update: %+v", vc)
	}
	closed := mid
	open := event.Incident{ID: "INC-1", Opened: mid.Add(-time.Hour), Type: event.PhishingIncident, Impact: "none", TLP: event.Clear}
	commit(t, st, store.Batch{Input: in.ID, No: 2, Read: 1, Incidents: []event.Incident{open}})
	ic, err := st.IncidentCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatalf("IncidentCounts with the incident open: %v", err)
	}
	if ic.Handled != 0 {
		t.Errorf("an open incident counts as handled: %+v", ic)
	}
	done := open
	done.Closed = &closed
	commit(t, st, store.Batch{Input: in.ID, No: 3, Read: 1, Incidents: []event.Incident{done}})
	if ic, err = st.IncidentCounts(ctx, week, store.AllRecords); err != nil {
		t.Fatalf("IncidentCounts with the incident closed: %v", err)
	}
	if ic.Handled != 1 || ic.Phishing != 1 {
		t.Errorf("the closed export of the same ticket: %+v", ic)
	}
}

func testQuarantine(t testing.TB, st store.Store) {
	a, b := input(t, st, "qa"), input(t, st, "qb")
	commit(t, st, store.Batch{Input: a.ID, No: 0, Read: 2, Rejects: []store.Reject{
		{Line: 9, Field: "ip", Reason: "not an IP", Raw: "x,300.1.1.1"}, {Line: 4, Reason: "unterminated quoted field", Raw: `"x`}}})
	commit(t, st, store.Batch{Input: b.ID, No: 0, Read: 1, Rejects: []store.Reject{{Line: 2, Field: "kind", Reason: "unknown kind"}}})
	all, err := st.Rejects(ctx, store.RejectFilter{})
	if err != nil {
		t.Fatalf("Rejects: %v", err)
	}
	if len(all) != 3 || all[0].Line != 4 || all[1].Line != 9 || all[1].Field != "ip" || all[1].Input != "qa.csv" || all[1].Raw != "x,300.1.1.1" {
		t.Errorf("quarantine: %+v", all)
	}
	only, err := st.Rejects(ctx, store.RejectFilter{Input: "qb.csv"})
	if err != nil {
		t.Fatalf("Rejects of an input: %v", err)
	}
	if len(only) != 1 || only[0].Field != "kind" {
		t.Errorf("filtered by input: %+v", only)
	}
	byDigest, err := st.Rejects(ctx, store.RejectFilter{Input: "q"})
	if err != nil {
		t.Fatalf("Rejects by digest prefix: %v", err)
	}
	if len(byDigest) != 3 {
		t.Errorf("filtered by digest prefix: %d rows", len(byDigest))
	}
	for _, wild := range []string{"%", "_", "q%"} { // a digest is matched by its start, not as a pattern
		if rows, err := st.Rejects(ctx, store.RejectFilter{Input: wild}); err != nil || len(rows) != 0 {
			t.Errorf("filtered by %q: %d rows, %v; want none", wild, len(rows), err)
		}
	}
	limited, err := st.Rejects(ctx, store.RejectFilter{Limit: 2})
	if err != nil {
		t.Fatalf("Rejects with a limit: %v", err)
	}
	if len(limited) != 2 {
		t.Errorf("limit 2 gave %d rows", len(limited))
	}
}

func testStaging(t testing.TB, st store.Store) {
	sg, ok := store.StagingOf(st)
	if !ok {
		t.Skip("engine does not stage")
	}
	in := input(t, st, "staged")
	stage, err := sg.NewStage()
	if err != nil {
		t.Fatalf("NewStage: %v", err)
	}
	evs := []event.Event{
		{Time: mid, Kind: event.Phishing, URL: `https://x.top/a,"b"`, Host: "x.top", Domain: "x.top", IP: "203.0.113.1", TLP: event.Clear, Line: 2},
		{Time: mid, Kind: event.Phishing, URL: "https://y.top/\nnewline", Host: "y.top", Domain: "y.top", TLP: event.Clear, Line: 3},
	}
	if err := stage.AddEvents(sg.EncodeEvents(nil, evs[:1]), 1, store.SpanOf(evs[:1])); err != nil {
		t.Fatalf("AddEvents of the first event: %v", err)
	}
	if err := stage.AddEvents(sg.EncodeEvents(nil, evs[1:]), 1, store.SpanOf(evs[1:])); err != nil {
		t.Fatalf("AddEvents of the second event: %v", err)
	}
	if err := stage.AddRejects(sg.EncodeRejects(nil, []store.Reject{{Line: 4, Field: "time", Reason: "bad, \"really\"", Raw: "a,b\nc"}}), 1); err != nil {
		t.Fatalf("AddRejects: %v", err)
	}
	tally := commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 3, Stage: stage})
	if want := (store.Tally{Read: 3, Stored: 2, Rejected: 1}); tally != want {
		t.Errorf("tally %+v, want %+v", tally, want)
	}
	c, err := st.EventCounts(ctx, week, store.AllRecords, 0)
	if err != nil {
		t.Fatalf("EventCounts of staged events: %v", err)
	}
	if c.PhishingPages != 2 || c.PhishingIPs != 1 || c.PhishingPagesWithIP != 1 {
		t.Errorf("staged events counted as %+v", c)
	}
	rj, err := st.Rejects(ctx, store.RejectFilter{Input: "staged.csv"})
	if err != nil {
		t.Fatalf("Rejects of staged rows: %v", err)
	}
	if len(rj) != 1 || rj[0].Reason != `bad, "really"` || rj[0].Raw != "a,b\nc" {
		t.Errorf("staged reject: %+v", rj)
	}
	dropped, err := sg.NewStage()
	if err != nil {
		t.Fatalf("NewStage of a stage to discard: %v", err)
	}
	if err := dropped.AddEvents(sg.EncodeEvents(nil, evs), 2, store.SpanOf(evs)); err != nil {
		t.Fatalf("AddEvents to a stage to discard: %v", err)
	}
	dropped.Discard()
}

func testHistory(t testing.TB, st store.Store) {
	in := input(t, st, "history")
	day := 24 * time.Hour
	bounds := []time.Time{from.Add(-14 * day), from.Add(-7 * day), from, to}
	host := func(ip string, at time.Time, fam string) event.Event {
		return event.Event{Time: at, Kind: event.InfectedHost, IP: ip, Country: "CN", Family: fam, TLP: event.Clear}
	}
	evs := []event.Event{
		host("10.0.0.1", from.Add(-13*day), "mirai"), host("10.0.0.1", from.Add(-12*day), "mirai"),
		host("10.0.0.2", from.Add(-10*day), "Conficker"),
		host("10.0.0.1", from.Add(time.Hour), "mirai"), host("10.0.0.3", to.Add(-time.Microsecond), "mirai"),
		host("10.0.0.4", to, "mirai"), host("10.0.0.5", bounds[0].Add(-time.Microsecond), "mirai"),
	}
	evs = append(evs,
		event.Event{Time: from.Add(-day), Kind: event.Defacement, Host: "www.a.cn", Country: "CN"},
		event.Event{Time: from.Add(-day), Kind: event.Defacement, Host: "www.a.cn", Country: "CN"},
		event.Event{Time: from.Add(day), Kind: event.Phishing, URL: "https://p.top/1"})
	closed := from.Add(day)
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: len(evs), Events: evs,
		Vulns:     []event.Vuln{{ID: "V1", Published: from.Add(-day), Severity: event.High}, {ID: "V2", Published: from, Severity: event.Low}},
		Incidents: []event.Incident{{ID: "I1", Opened: from, Closed: &closed, Type: event.OtherIncident}}})
	got, err := st.History(ctx, bounds, store.AllRecords)
	if err != nil {
		t.Fatalf("History: %v", err)
	}
	want := []store.Headline{{TrojanBotnet: 1, Conficker: 1}, {Defaced: 1, Vulns: 1, HighVulns: 1},
		{TrojanBotnet: 2, PhishingPages: 1, Vulns: 1, Incidents: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("history %+v, want %+v", got, want)
	}
}

func testOverrides(t testing.TB, st store.Store) {
	if o, err := st.Override(ctx, "2024-W09"); err != nil {
		t.Fatalf("Override of a fresh store: %v", err)
	} else if o != nil {
		t.Errorf("override of a fresh store: %+v", o)
	}
	t0 := time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)
	steps := []store.Override{
		{Week: "2024-W09", Level: "中", Reason: "unreported outage", Actor: "alice", At: t0},
		{Week: "2024-W09", Level: "差", Reason: "confirmed", Actor: "bob", At: t0.Add(time.Hour)},
		{Week: "2024-W08", Level: "优", Reason: "other week", Actor: "bob", At: t0.Add(2 * time.Hour)},
	}
	for _, o := range steps {
		if err := st.SetOverride(ctx, o); err != nil {
			t.Fatalf("SetOverride(%s, %s): %v", o.Week, o.Level, err)
		}
	}
	o, err := st.Override(ctx, "2024-W09")
	if err != nil {
		t.Fatalf("Override in force: %v", err)
	}
	if o == nil || o.Level != "差" || o.Actor != "bob" || o.Reason != "confirmed" || !o.At.Equal(t0.Add(time.Hour)) {
		t.Fatalf("override in force: %+v", o)
	}
	if err := st.SetOverride(ctx, store.Override{Week: "2024-W09", Reason: "back to computed", Actor: "carol", At: t0.Add(3 * time.Hour)}); err != nil {
		t.Fatalf("SetOverride withdrawing: %v", err)
	}
	if o, err := st.Override(ctx, "2024-W09"); err != nil {
		t.Fatalf("Override after the withdrawal: %v", err)
	} else if o != nil {
		t.Errorf("withdrawn override still in force: %+v", o)
	}
	log, err := st.AuditLog(ctx, store.AuditFilter{Subject: "2024-W09"})
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Actor+" "+e.Action)
	}
	want := []string{"carol rating.override.withdraw", "bob rating.override", "alice rating.override"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("audit log %v, want %v", got, want)
	}
	if all, err := st.AuditLog(ctx, store.AuditFilter{Limit: 2}); err != nil {
		t.Fatalf("AuditLog with a limit: %v", err)
	} else if len(all) != 2 {
		t.Errorf("limited audit log has %d entries", len(all))
	}
}

func testTickets(t testing.TB, st store.Store) {
	id, err := st.NextTicketID(ctx)
	if err != nil {
		t.Fatalf("NextTicketID: %v", err)
	}
	if id == "" {
		t.Fatal("NextTicketID gave an empty ID")
	}
	opened := from.Add(time.Hour)
	due := opened.Add(72 * time.Hour)
	tk := store.Ticket{Incident: event.Incident{ID: id, Opened: opened, Type: event.PhishingIncident, Source: "report", Impact: "none", TLP: event.Amber},
		Due: &due, Links: []store.Link{{Kind: "url", Value: "https://fake.top/"}}}
	if err := st.CreateTicket(ctx, tk, store.TicketEntry{At: opened, Actor: "alice", Action: "open", To: "new"}); err != nil {
		t.Fatalf("CreateTicket(%s): %v", id, err)
	}
	if err := st.CreateTicket(ctx, tk, store.TicketEntry{At: opened, Actor: "alice", Action: "open", To: "new"}); err == nil {
		t.Error("a ticket ID was used twice")
	}
	if next, err := st.NextTicketID(ctx); err != nil {
		t.Fatalf("NextTicketID after a ticket: %v", err)
	} else if next == "" || next == id {
		t.Errorf("NextTicketID gave %q after %q was used", next, id)
	}
	got, err := st.Ticket(ctx, id)
	if err != nil {
		t.Fatalf("Ticket(%s): %v", id, err)
	}
	if got.State != "new" || got.Seq != 1 || len(got.History) != 1 || got.History[0].Actor != "alice" ||
		len(got.Links) != 1 || got.Due == nil || !got.Due.Equal(due) || got.TLP != event.Amber {
		t.Fatalf("ticket %+v", got)
	}
	cross := true
	closed := opened.Add(24 * time.Hour)
	partner := store.Partner{Name: "Registrar X", Kind: "registrar", Country: "US", Contact: "abuse@example.com"}
	entries := []store.TicketEntry{
		{At: opened.Add(time.Hour), Actor: "bob", Action: "transition", From: "new", To: "triaged"},
		{At: opened.Add(time.Hour), Actor: "bob", Action: "assign", From: "triaged", To: "coordinating", Note: "Registrar X"},
	}
	if err := st.AppendTicket(ctx, id, 1, entries, store.TicketChange{Partner: &partner, CrossBorder: &cross}); err != nil {
		t.Fatalf("AppendTicket(%s) assigning: %v", id, err)
	}
	if err := st.AppendTicket(ctx, id, 1, []store.TicketEntry{{At: closed, Actor: "eve", Action: "note", Note: "late"}}, store.TicketChange{}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("append after a stale read: %v, want ErrConflict", err)
	}
	if err := st.AppendTicket(ctx, id, 3, []store.TicketEntry{
		{At: closed, Actor: "bob", Action: "transition", From: "coordinating", To: "resolved"},
		{At: closed, Actor: "bob", Action: "transition", From: "resolved", To: "closed"}}, store.TicketChange{Closed: &closed}); err != nil {
		t.Fatalf("AppendTicket(%s) closing: %v", id, err)
	}
	if got, err = st.Ticket(ctx, id); err != nil {
		t.Fatalf("Ticket(%s) after its history: %v", id, err)
	}
	if got.State != "closed" || got.Seq != 5 || got.Partner != "Registrar X" || got.PartnerKind != "registrar" ||
		got.CrossBorder == nil || !*got.CrossBorder || got.Closed == nil || !got.Closed.Equal(closed) {
		t.Errorf("ticket after its history: %+v", got)
	}
	ic, err := st.IncidentCounts(ctx, week, store.AllRecords)
	if err != nil {
		t.Fatalf("IncidentCounts: %v", err)
	}
	if ic.Handled != 1 || ic.CrossBorder != 1 || ic.Phishing != 1 || ic.ByPartnerKind["registrar"] != 1 || ic.ByPartner["Registrar X"] != 1 {
		t.Errorf("the closed ticket counts as %+v", ic)
	}

	// A second ticket, still open and overdue; and an imported incident without history.
	id2, err := st.NextTicketID(ctx)
	if err != nil {
		t.Fatalf("NextTicketID for a second ticket: %v", err)
	}
	due2 := opened.Add(time.Hour)
	if err := st.CreateTicket(ctx, store.Ticket{Incident: event.Incident{ID: id2, Opened: opened, Type: event.DDoSIncident, Impact: "none"}, Due: &due2},
		store.TicketEntry{At: opened, Actor: "alice", Action: "open", To: "new"}); err != nil {
		t.Fatalf("CreateTicket(%s): %v", id2, err)
	}
	in := input(t, st, "tickets")
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 1, Incidents: []event.Incident{{ID: "CSV-1", Opened: opened, Closed: &closed, Type: event.OtherIncident}}})
	for _, tc := range []struct {
		name string
		f    store.TicketFilter
		want []string
	}{
		{"all", store.TicketFilter{}, []string{id2, id, "CSV-1"}}, // opened alike: by ID, descending
		{"open states", store.TicketFilter{States: []string{"new", "triaged"}}, []string{id2}},
		{"closed", store.TicketFilter{States: []string{"closed"}}, []string{id, "CSV-1"}},
		{"by type", store.TicketFilter{Type: "phishing"}, []string{id}},
		{"by partner", store.TicketFilter{Partner: "Registrar X"}, []string{id}},
		{"closed in the week", store.TicketFilter{ClosedIn: &week}, []string{id, "CSV-1"}},
		{"overdue", store.TicketFilter{OverdueAt: opened.Add(2 * time.Hour)}, []string{id2}},
		{"linked", store.TicketFilter{Link: &store.Link{Kind: "url", Value: "https://fake.top/"}}, []string{id}},
		{"limit", store.TicketFilter{Limit: 1}, []string{id2}},
	} {
		list, err := st.ListTickets(ctx, tc.f)
		if err != nil {
			t.Fatalf("ListTickets %s: %v", tc.name, err)
		}
		var ids []string
		for _, x := range list {
			ids = append(ids, x.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, ids, tc.want)
		}
	}
	if _, err := st.Ticket(ctx, "NOPE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing ticket: %v", err)
	}
	if err := st.SetPartner(ctx, partner); err != nil {
		t.Fatalf("SetPartner(%s): %v", partner.Name, err)
	}
	partner.Contact = "cert@example.com"
	if err := st.SetPartner(ctx, partner); err != nil {
		t.Fatalf("SetPartner(%s) again: %v", partner.Name, err)
	}
	if err := st.SetPartner(ctx, store.Partner{Name: "App Store A", Kind: "app_store", Country: "CN"}); err != nil {
		t.Fatalf("SetPartner(App Store A): %v", err)
	}
	p, err := st.Partner(ctx, "Registrar X")
	if err != nil {
		t.Fatalf("Partner(Registrar X): %v", err)
	}
	if p.Contact != "cert@example.com" {
		t.Errorf("partner %+v", p)
	}
	if all, err := st.Partners(ctx); err != nil {
		t.Fatalf("Partners: %v", err)
	} else if len(all) != 2 || all[0].Name != "App Store A" {
		t.Errorf("partners %+v", all)
	}
	if _, err := st.Partner(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing partner: %v", err)
	}
}

func testArchive(t testing.TB, st store.Store) {
	at := time.Date(2024, 3, 4, 9, 0, 0, 0, time.UTC)
	rs := []store.Rendering{
		{Week: "2024-W09", Lang: "zh", Format: "html", Title: "第9期", Content: []byte("<html>9</html>"), PublishedAt: at, Actor: "pub"},
		{Week: "2024-W09", Lang: "zh", Format: "json", Title: "第9期", Content: []byte(`{"week":"2024-W09"}`), PublishedAt: at, Actor: "pub"},
	}
	if err := st.Publish(ctx, rs); err != nil {
		t.Fatalf("Publish(2024-W09): %v", err)
	}
	if err := st.Publish(ctx, rs[:1]); !errors.Is(err, store.ErrPublished) {
		t.Errorf("publishing twice: %v", err)
	}
	if err := st.Publish(ctx, []store.Rendering{{Week: "2024-W10", Lang: "zh", Format: "html", Title: "第10期", Content: []byte("x"), PublishedAt: at, Actor: "pub"}}); err != nil {
		t.Fatalf("Publish(2024-W10): %v", err)
	}
	r, err := st.Rendering(ctx, "2024-W09", "zh", "html")
	if err != nil {
		t.Fatalf("Rendering(2024-W09 zh html): %v", err)
	}
	if string(r.Content) != "<html>9</html>" || r.Title != "第9期" || r.Actor != "pub" {
		t.Errorf("rendering %+v", r)
	}
	if _, err := st.Rendering(ctx, "2024-W09", "en", "html"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing rendering: %v", err)
	}
	list, err := st.PublishedIssues(ctx, "zh", "html", 0)
	if err != nil {
		t.Fatalf("PublishedIssues: %v", err)
	}
	if len(list) != 2 || list[0].Week != "2024-W10" || list[0].Content != nil {
		t.Errorf("archive %+v", list)
	}
	if log, err := st.AuditLog(ctx, store.AuditFilter{Subject: "2024-W09"}); err != nil {
		t.Fatalf("AuditLog: %v", err)
	} else if len(log) != 1 || log[0].Action != "bulletin.publish" {
		t.Errorf("audit %+v", log)
	}
	if _, err := st.LatestReview(ctx, "2024-W11"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("review of an unreviewed week: %v", err)
	}
	for _, rv := range []store.Review{
		{Week: "2024-W11", Digest: "aa", Actor: "ed1", ReviewedAt: at, Note: "ok"},
		{Week: "2024-W11", Digest: "bb", Actor: "ed2", ReviewedAt: at.Add(time.Hour)},
	} {
		if err := st.AddReview(ctx, rv); err != nil {
			t.Fatalf("AddReview(%s by %s): %v", rv.Week, rv.Actor, err)
		}
	}
	if r, err := st.LatestReview(ctx, "2024-W11"); err != nil {
		t.Fatalf("LatestReview: %v", err)
	} else if r.Digest != "bb" || r.Actor != "ed2" {
		t.Errorf("latest review %+v", r)
	}
}

// testIndicators lists what malware sites and phishing pages point at, from the labels asked
// for only: a host name (never an address as a host), an address, a URL, each with when it
// was first and last seen.
func testIndicators(t testing.TB, st store.Store) {
	in := input(t, st, "indicators")
	ev := func(at time.Time, kind event.Kind, url, host, ip string, tlp event.TLP) event.Event {
		return event.Event{Time: at, Kind: kind, URL: url, Host: host, HostIsIP: host == ip && ip != "", IP: ip, TLP: tlp}
	}
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 5, Events: []event.Event{
		ev(mid, event.MalwareSite, "http://evil.example/a", "evil.example", "198.51.100.1", event.Clear),
		ev(mid.Add(time.Hour), event.MalwareSite, "http://evil.example/a", "evil.example", "198.51.100.1", event.Clear),
		ev(mid, event.MalwareSite, "http://203.0.113.5/x", "203.0.113.5", "203.0.113.5", event.Clear),
		ev(mid, event.Phishing, "http://secret.example/", "secret.example", "", event.Amber),
		ev(mid, event.InfectedHost, "", "", "10.0.0.1", event.Clear),
	}})
	got, err := st.Indicators(ctx, week, []event.Kind{event.MalwareSite, event.Phishing}, []event.TLP{event.Clear})
	if err != nil {
		t.Fatalf("Indicators: %v", err)
	}
	var short []string
	for _, ind := range got {
		short = append(short, ind.Type+" "+ind.Value+" "+string(ind.Kind))
	}
	want := []string{"host evil.example malware_site", "ip 198.51.100.1 malware_site", "ip 203.0.113.5 malware_site",
		"url http://203.0.113.5/x malware_site", "url http://evil.example/a malware_site"}
	if !reflect.DeepEqual(short, want) {
		t.Fatalf("indicators %q, want %q", short, want)
	}
	if !got[0].First.Equal(mid) || !got[0].Last.Equal(mid.Add(time.Hour)) {
		t.Errorf("evil.example seen %v to %v, want %v to %v", got[0].First, got[0].Last, mid, mid.Add(time.Hour))
	}
}

// testFamilies ranks a range's families by distinct domestic infected hosts: a host seen twice
// is one, spellings are one family spelled as most events spell it, Conficker (counted on its
// own), hosts abroad, malware sites and records the scope may not name from stay out.
func testFamilies(t testing.TB, st store.Store) {
	in := input(t, st, "family ranking")
	host := func(ip, fam, country string, kind event.Kind, tlp event.TLP) event.Event {
		return event.Event{Time: mid, Kind: kind, IP: ip, Country: country, Family: fam, TLP: tlp}
	}
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 10, Events: []event.Event{
		host("10.0.0.1", "mirai", "CN", event.InfectedHost, event.Clear), host("10.0.0.1", "Mirai", "CN", event.InfectedHost, event.Clear),
		host("10.0.0.2", "Mirai", "CN", event.InfectedHost, event.Clear), host("10.0.0.3", "Mirai", "CN", event.InfectedHost, event.Clear),
		host("10.0.0.4", "Gafgyt", "CN", event.InfectedHost, event.Clear), host("10.0.0.5", "Gafgyt", "US", event.InfectedHost, event.Clear),
		host("10.0.0.6", "Gafgyt", "CN", event.MalwareSite, event.Clear), host("10.0.0.7", "Conficker", "CN", event.InfectedHost, event.Clear),
		host("10.0.0.8", "Secret", "CN", event.InfectedHost, event.Amber), host("10.0.0.9", "Secret", "CN", event.InfectedHost, event.Amber),
	}})
	fams, err := st.FamilyCounts(ctx, week, store.Scope{Count: event.Amber.AtMost(), Names: event.Clear.AtMost()}, 5)
	if err != nil {
		t.Fatalf("FamilyCounts: %v", err)
	}
	want := []store.NameCount{{Name: "Mirai", Count: 3}, {Name: "Gafgyt", Count: 1}}
	if !reflect.DeepEqual(fams, want) {
		t.Errorf("families %v, want %v", fams, want)
	}
	if fams, _ := st.FamilyCounts(ctx, week, store.AllRecords, 1); len(fams) != 1 || fams[0] != (store.NameCount{Name: "Mirai", Count: 3}) {
		t.Errorf("the top family of all records: %v", fams)
	}
	// Counted again (kept, or not) it is the same.
	if again, _ := st.FamilyCounts(ctx, week, store.Scope{Count: event.Amber.AtMost(), Names: event.Clear.AtMost()}, 5); !reflect.DeepEqual(again, want) {
		t.Errorf("families counted again %v, want %v", again, want)
	}
}

func testNewFamilies(t testing.TB, st store.Store) {
	in := input(t, st, "families")
	host := func(at time.Time, fam string, kind event.Kind) event.Event {
		return event.Event{Time: at, Kind: kind, IP: "10.0.0.1", Country: "CN", Family: fam, TLP: event.Clear}
	}
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 1, Events: []event.Event{host(mid, "Mirai", event.InfectedHost)}})
	if c, err := st.EventCounts(ctx, week, store.AllRecords, 3); err != nil {
		t.Fatalf("EventCounts without history: %v", err)
	} else if c.NewFamilies != nil {
		t.Errorf("a store without history calls families new: %v", c.NewFamilies)
	}
	named := func(at time.Time, name string) event.Event {
		e := host(at, "mirai", event.InfectedHost)
		e.Malware = name
		return e
	}
	commit(t, st, store.Batch{Input: in.ID, No: 1, Read: 4, Events: []event.Event{
		host(from.Add(-30*24*time.Hour), "mirai", event.InfectedHost), // seen before, in another case
		host(mid, "Mozi", event.MalwareSite), host(mid, "zeus", event.InfectedHost),
		host(mid, "ZeuS", event.InfectedHost), host(mid.Add(time.Hour), "ZeuS", event.MalwareSite), // spelled so most often
		host(mid, "Conficker", event.InfectedHost),     // counted on its own, never new
		host(from.Add(-time.Hour), "zeus", event.DDoS), // a DDoS event does not count
		host(to, "later", event.InfectedHost),
		named(from.Add(-48*time.Hour), "Trojan.Win32.A"), named(mid, "trojan.win32.a"), // seen before
		named(mid, "Worm.B"), named(mid, "Worm.B"), named(to, "Later.C"),
	}})
	c, err := st.EventCounts(ctx, week, store.AllRecords, 3)
	if err != nil {
		t.Fatalf("EventCounts with history: %v", err)
	}
	if !reflect.DeepEqual(c.NewFamilies, []string{"Mozi", "ZeuS"}) {
		t.Errorf("new families %v, want [Mozi ZeuS]", c.NewFamilies)
	}
	if c.MalwareNames != 2 || c.NewNames != 1 {
		t.Errorf("malware names %d, new %d; want 2 and 1", c.MalwareNames, c.NewNames)
	}
}
