package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"sitrep/internal/store"
)

// testAccounts holds accounts and their sessions: a session lives until it expires, is
// ended, or its account is disabled; an account's role is read afresh with each session; the
// audit log records who changed accounts, from where, and selects by actor, action and time.
func testAccounts(t testing.TB, st store.Store) {
	at := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	origin := store.WithOrigin(ctx, "192.0.2.7")
	for _, a := range []store.Account{{Name: "wang", Role: "editor", Hash: "h1", CreatedAt: at}, {Name: "li", Role: "analyst", Hash: "h2", CreatedAt: at}} {
		if err := st.SetAccount(origin, a, "admin"); err != nil {
			t.Fatalf("SetAccount(%s): %v", a.Name, err)
		}
	}
	if _, err := st.Account(ctx, "zhao"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Account of no account: %v", err)
	}
	sessions := []store.Session{
		{Digest: "d1", Account: "wang", Created: at, Expires: at.Add(8 * time.Hour), From: "192.0.2.7"},
		{Digest: "d2", Account: "wang", Created: at.Add(time.Minute), Expires: at.Add(time.Hour)},
		{Digest: "d3", Account: "li", Created: at.Add(2 * time.Minute), Expires: at.Add(8 * time.Hour)},
	}
	for _, s := range sessions {
		if err := st.AddSession(ctx, s); err != nil {
			t.Fatalf("AddSession(%s): %v", s.Digest, err)
		}
	}
	s, err := st.SessionByDigest(ctx, "d1", at.Add(time.Hour))
	if err != nil {
		t.Fatalf("SessionByDigest(d1): %v", err)
	}
	if s.Account != "wang" || s.Role != "editor" || s.From != "192.0.2.7" || !s.Expires.Equal(at.Add(8*time.Hour)) {
		t.Errorf("session d1: %+v", s)
	}
	if _, err := st.SessionByDigest(ctx, "d2", at.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session at its expiry: %v", err)
	}
	if _, err := st.SessionByDigest(ctx, "nope", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("no session: %v", err)
	}
	// A new role holds at once for sessions already open.
	if err := st.SetAccount(ctx, store.Account{Name: "wang", Role: "publisher", Hash: "h1", CreatedAt: at.Add(time.Hour)}, "admin"); err != nil {
		t.Fatalf("SetAccount changing wang: %v", err)
	}
	if a, err := st.Account(ctx, "wang"); err != nil || a.Role != "publisher" || a.Hash != "h1" || !a.CreatedAt.Equal(at) {
		t.Errorf("changed account: %+v, %v", a, err)
	}
	if s, err := st.SessionByDigest(ctx, "d1", at.Add(time.Hour)); err != nil || s.Role != "publisher" {
		t.Errorf("session after the role changed: %+v, %v", s, err)
	}
	// A new password ends them.
	if err := st.AddSession(ctx, store.Session{Digest: "d6", Account: "li", Created: at, Expires: at.Add(8 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetAccount(ctx, store.Account{Name: "li", Role: "analyst", Hash: "h2-new", CreatedAt: at.Add(time.Hour)}, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SessionByDigest(ctx, "d6", at.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session after its account's password changed: %v", err)
	}
	if live, err := st.Sessions(ctx, at.Add(30*time.Minute)); err != nil || len(live) != 2 || live[0].Digest != "d2" { // li's d3 ended with its password
		t.Errorf("live sessions: %+v, %v", live, err)
	}
	if err := st.EndSession(ctx, "d3", at.Add(2*time.Hour)); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	if _, err := st.SessionByDigest(ctx, "d3", at.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an ended session: %v", err)
	}
	if err := st.AddSession(ctx, store.Session{Digest: "d4", Account: "wang", Created: at, Expires: at.Add(8 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if n, err := st.EndSessions(ctx, "wang", "admin", at.Add(2*time.Hour)); err != nil || n != 2 {
		t.Errorf("EndSessions(wang) = %d, %v; want 2 (d1, d4; d2 had expired)", n, err)
	}
	if _, err := st.SessionByDigest(ctx, "d4", at.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session of an account logged out: %v", err)
	}
	if err := st.AddSession(ctx, store.Session{Digest: "d5", Account: "li", Created: at, Expires: at.Add(8 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.DisableAccount(origin, "li", "admin", at.Add(3*time.Hour)); err != nil {
		t.Fatalf("DisableAccount: %v", err)
	}
	if _, err := st.SessionByDigest(ctx, "d5", at.Add(3*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a session of a disabled account: %v", err)
	}
	if err := st.DisableAccount(ctx, "zhao", "admin", at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disabling no account: %v", err)
	}
	as, err := st.ListAccounts(ctx)
	if err != nil || len(as) != 2 || as[0].Name != "li" || as[0].DisabledAt == nil || as[1].DisabledAt != nil {
		t.Errorf("ListAccounts: %+v, %v", as, err)
	}
	// Enabling again by setting the account.
	if err := st.SetAccount(ctx, store.Account{Name: "li", Role: "analyst", Hash: "h4", CreatedAt: at.Add(4 * time.Hour)}, "admin"); err != nil {
		t.Fatal(err)
	}
	if a, _ := st.Account(ctx, "li"); a.DisabledAt != nil {
		t.Errorf("account set again is still disabled: %+v", a)
	}

	if err := st.AddAudit(store.WithOrigin(ctx, "198.51.100.1"), store.AuditEntry{At: at.Add(5 * time.Hour), Actor: "li", Action: "session.login"}); err != nil {
		t.Fatalf("AddAudit: %v", err)
	}
	log, err := st.AuditLog(ctx, store.AuditFilter{Action: "account"})
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	var got []string
	for _, e := range log {
		got = append(got, e.Action+" "+e.Subject+" "+e.From)
	}
	want := []string{"account.change li ", "account.disable li 192.0.2.7", "account.logout wang ", "account.change li ", "account.change wang ", "account.add li 192.0.2.7", "account.add wang 192.0.2.7"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("account audit:\n%q\nwant\n%q", got, want)
	}
	if log, err := st.AuditLog(ctx, store.AuditFilter{Actor: "li", Since: at.Add(5 * time.Hour), Until: at.Add(6 * time.Hour)}); err != nil || len(log) != 1 || log[0].From != "198.51.100.1" {
		t.Errorf("audit by actor and time: %+v, %v", log, err)
	}
	if log, err := st.AuditLog(ctx, store.AuditFilter{Action: "acc"}); err != nil || len(log) != 0 {
		t.Errorf("an action's prefix that is not a whole word selected %d entries (%v)", len(log), err)
	}
	// By where they were asked from: the address whole, not a pattern or a prefix.
	if log, err := st.AuditLog(ctx, store.AuditFilter{From: "192.0.2.7"}); err != nil || len(log) != 3 || log[0].Action != "account.disable" {
		t.Errorf("audit from 192.0.2.7: %+v, %v; want the disabling and the two additions", log, err)
	}
	for _, from := range []string{"192.0.2.", "192.0.2.%", "%"} {
		if log, err := st.AuditLog(ctx, store.AuditFilter{From: from}); err != nil || len(log) != 0 {
			t.Errorf("audit from %q: %d entries, %v", from, len(log), err)
		}
	}
	if log, err := st.AuditLog(ctx, store.AuditFilter{Action: "account.add", From: "192.0.2.7", Limit: 1}); err != nil || len(log) != 1 || log[0].Subject != "li" {
		t.Errorf("the latest addition from 192.0.2.7: %+v, %v", log, err)
	}
	// Exact: the action itself, not those under it.
	if err := st.AddAudit(ctx, store.AuditEntry{At: at.Add(7 * time.Hour), Actor: "li", Action: "session"}); err != nil {
		t.Fatal(err)
	}
	if log, err := st.AuditLog(ctx, store.AuditFilter{Action: "session", Exact: true}); err != nil || len(log) != 1 || log[0].Action != "session" {
		t.Errorf("the entries of exactly session: %+v, %v", log, err)
	}
	if log, err := st.AuditLog(ctx, store.AuditFilter{Action: "session"}); err != nil || len(log) != 2 {
		t.Errorf("the entries of session and under it: %+v, %v; want session and session.login", log, err)
	}
}
