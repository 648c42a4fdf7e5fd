package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	neturl "net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/incident"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/testenv"
)

var ctx = context.Background()

// TestSameHistoriesAsEmbedded runs one random sequence of ticket work — opening, assigning,
// notes, moves (allowed or not), relabelling, stale appends — on the embedded store and on a
// store whose records are in PostgreSQL, and compares every answer, every ticket with its
// history, the lists, the audit log and the week's incident counts.
func TestSameHistoriesAsEmbedded(t *testing.T) {
	dsn := testenv.PostgresServer(t)
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			embedded, err := duck.Open(ctx, t.TempDir(), duck.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { embedded.Close() })
			an, err := duck.Open(ctx, t.TempDir(), duck.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { an.Close() })
			split := store.NewSplit(an, open(t, dsn))

			a, b := work(t, embedded, seed), work(t, split, seed)
			if len(a) != len(b) {
				t.Fatalf("%d answers on the embedded store, %d on PostgreSQL", len(a), len(b))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Errorf("step %d: embedded %q, PostgreSQL %q", i, a[i], b[i])
				}
			}
			for _, st := range []store.Store{embedded, split} {
				if _, err := st.Ticket(ctx, "INC-000001"); err != nil {
					t.Fatalf("no ticket after the work: %v", err)
				}
			}
			ta, _ := embedded.ListTickets(ctx, store.TicketFilter{})
			tb, _ := split.ListTickets(ctx, store.TicketFilter{})
			if len(ta) < 10 || !reflect.DeepEqual(ta, tb) {
				t.Errorf("the lists differ:\nembedded   %+v\nPostgreSQL %+v", ta, tb)
			}
			for _, tk := range ta {
				x, errA := embedded.Ticket(ctx, tk.ID)
				y, errB := split.Ticket(ctx, tk.ID)
				if errA != nil || errB != nil || !reflect.DeepEqual(x, y) {
					t.Errorf("ticket %s:\nembedded   %+v %v\nPostgreSQL %+v %v", tk.ID, x, errA, y, errB)
				}
			}
			for _, f := range []store.TicketFilter{{States: []string{"coordinating", "new"}}, {Type: "phishing"},
				{OverdueAt: day.Add(72 * time.Hour)}, {Partner: "Registrar X"}, {Link: &store.Link{Kind: "url", Value: "https://site3.example/"}}, {Limit: 3}} {
				x, _ := embedded.ListTickets(ctx, f)
				y, _ := split.ListTickets(ctx, f)
				if !reflect.DeepEqual(x, y) {
					t.Errorf("tickets %+v:\nembedded   %+v\nPostgreSQL %+v", f, x, y)
				}
			}
			la, _ := embedded.AuditLog(ctx, store.AuditFilter{})
			lb, _ := split.AuditLog(ctx, store.AuditFilter{})
			if len(la) == 0 || len(la) != len(lb) {
				t.Fatalf("audit logs of %d and %d entries", len(la), len(lb))
			}
			for i := range la {
				la[i].At, lb[i].At = time.Time{}, time.Time{} // a relabelling is logged when it is made
			}
			if !reflect.DeepEqual(la, lb) {
				t.Errorf("the audit logs differ:\nembedded   %+v\nPostgreSQL %+v", la, lb)
			}
			w := store.Range{From: day, To: day.AddDate(0, 0, 7)}
			ca, errA := embedded.IncidentCounts(ctx, w, store.AllRecords)
			cb, errB := split.IncidentCounts(ctx, w, store.AllRecords)
			if errA != nil || errB != nil || ca.Handled == 0 || !reflect.DeepEqual(ca, cb) {
				t.Errorf("incident counts:\nembedded   %+v %v\nPostgreSQL %+v %v", ca, errA, cb, errB)
			}
		})
	}
}

// day is the Monday the work starts on.
var day = time.Date(2024, 2, 26, 1, 0, 0, 0, time.UTC)

// work does seed's random ticket work on st and returns what each step answered.
func work(t *testing.T, st store.Store, seed uint64) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	clock := day
	svc := &incident.Service{Store: st, Now: func() time.Time { clock = clock.Add(17 * time.Minute); return clock }}
	for _, p := range []store.Partner{{Name: "Registrar X", Kind: "registrar", Country: "US", Contact: "abuse@x.example"},
		{Name: "省分中心", Kind: "branch", Country: "CN"}} {
		if err := st.SetPartner(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	var ids, out []string
	answer := func(what string, err error) {
		msg := "ok"
		if err != nil {
			msg = err.Error()
		}
		out = append(out, what+": "+msg)
	}
	types := []event.IncidentType{event.PhishingIncident, event.DDoSIncident, event.DefacementIncident, event.MalwareIncident}
	for step := 0; step < 160; step++ {
		c := incident.Change{Actor: []string{"ana", "bo", "陈"}[rng.IntN(3)]}
		if len(ids) == 0 || rng.IntN(5) == 0 {
			tk, err := svc.Open(ctx, incident.Ticket{Type: types[rng.IntN(len(types))], Source: "report",
				URL: fmt.Sprintf("https://site%d.example/", rng.IntN(6)), TLP: event.TLPOrder[rng.IntN(3)]}, c)
			answer("open", err)
			if err == nil {
				ids = append(ids, tk.ID)
			}
			continue
		}
		id := ids[rng.IntN(len(ids))]
		switch rng.IntN(6) {
		case 0:
			answer("assign "+id, svc.Assign(ctx, id, []string{"Registrar X", "省分中心", "nobody"}[rng.IntN(3)], c))
		case 1:
			c.Note = fmt.Sprintf("note %d <b>&", step)
			answer("note "+id, svc.Note(ctx, id, c))
		case 2:
			to := incident.States[rng.IntN(len(incident.States))]
			c.Note = "moved"
			answer("move "+id+" "+string(to), svc.Move(ctx, id, to, c))
		case 3:
			to := event.TLPOrder[rng.IntN(len(event.TLPOrder))]
			if rng.IntN(2) == 0 {
				c.Note = "shared with the sector"
			}
			answer("relabel "+id, svc.Relabel(ctx, id, to, c))
		case 4:
			tk, err := st.Ticket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			err = st.AppendTicket(ctx, id, tk.Seq-1, []store.TicketEntry{{At: clock, Actor: c.Actor, Action: "note", Note: "stale"}}, store.TicketChange{})
			answer("stale "+id, err)
		case 5:
			err := st.AppendTicket(ctx, "INC-999999", 0, []store.TicketEntry{{At: clock, Actor: c.Actor, Action: "note", Note: "x"}}, store.TicketChange{})
			answer("missing", err)
		}
	}
	return out
}

// TestConcurrentAppends: writers in two processes' worth of connections append to one ticket,
// each reading it first and retrying when the history moved on. Every append that succeeded
// is in the history once, at its own number, whatever the number of writers.
func TestConcurrentAppends(t *testing.T) {
	dsn := testenv.PostgresDatabase(t, testenv.PostgresServer(t))
	var dbs [2]*DB
	for i := range dbs {
		d, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		dbs[i] = d
	}
	for _, writers := range []int{2, 4, 8} {
		for round := range 3 {
			id := fmt.Sprintf("INC-%d-%d", writers, round)
			if err := dbs[0].CreateTicket(ctx, store.Ticket{Incident: event.Incident{ID: id, Opened: day, Type: event.PhishingIncident}},
				store.TicketEntry{At: day, Actor: "ana", Action: "open", To: "new"}); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			var notes []string
			conflicts := 0
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					d := dbs[w%2]
					for n := range 5 {
						note := fmt.Sprintf("w%d-%d", w, n)
						for {
							tk, err := d.Ticket(ctx, id)
							if err != nil {
								t.Error(err)
								return
							}
							err = d.AppendTicket(ctx, id, tk.Seq, []store.TicketEntry{{At: day, Actor: "w", Action: "note", Note: note}}, store.TicketChange{})
							if errors.Is(err, store.ErrConflict) {
								mu.Lock()
								conflicts++
								mu.Unlock()
								continue
							}
							if err != nil {
								t.Error(err)
								return
							}
							mu.Lock()
							notes = append(notes, note)
							mu.Unlock()
							break
						}
					}
				}()
			}
			wg.Wait()
			tk, err := dbs[1].Ticket(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, e := range tk.History {
				if e.Seq != i+1 {
					t.Errorf("%s: entry %d has number %d", id, i+1, e.Seq)
				}
				if i > 0 {
					got = append(got, e.Note)
				}
			}
			slices.Sort(got)
			slices.Sort(notes)
			if len(notes) != writers*5 || !slices.Equal(got, notes) {
				t.Errorf("%d writers: history %v, appended %v", writers, got, notes)
			}
			t.Logf("%d writers, round %d: %d conflicts refused and retried", writers, round, conflicts)
		}
	}
}

// TestConcurrentPublication: an issue published from several processes at once is published
// once; corrections made at once get revisions of their own.
func TestConcurrentPublication(t *testing.T) {
	dsn := testenv.PostgresDatabase(t, testenv.PostgresServer(t))
	var dbs [3]*DB
	for i := range dbs {
		d, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		dbs[i] = d
	}
	for round := range 3 {
		week := fmt.Sprintf("2024-W%02d", 10+round)
		publishAtOnce(t, dbs[:], week)
		vs, err := dbs[0].Revisions(ctx, week)
		if err != nil || len(vs) != 7 {
			t.Errorf("%s: %d revisions, %v", week, len(vs), err)
		}
	}
}

// publishAtOnce publishes week from six writers over dbs at once, and then corrects it from
// six: it must be published once, and corrected as revisions 2 to 7.
func publishAtOnce(t *testing.T, dbs []*DB, week string) {
	t.Helper()
	errs := make([]error, 6)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = dbs[i%len(dbs)].Publish(ctx, renderings(week, fmt.Sprint("publisher ", i)))
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrPublished):
			t.Errorf("%s: %v", week, err)
		}
	}
	if ok != 1 {
		t.Errorf("%s published %d times", week, ok)
	}
	revs := make([]int, 6)
	for i := range revs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if revs[i], err = dbs[i%len(dbs)].Correct(ctx, renderings(week, "corrector"), fmt.Sprint("fix ", i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	slices.Sort(revs)
	if want := []int{2, 3, 4, 5, 6, 7}; !slices.Equal(revs, want) {
		t.Errorf("%s: revisions %v, want %v", week, revs, want)
	}
}

func renderings(week, actor string) []store.Rendering {
	var rs []store.Rendering
	for _, lang := range []string{"zh", "en"} {
		for _, format := range []string{"html", "md"} {
			rs = append(rs, store.Rendering{Week: week, Lang: lang, Format: format, Title: week, Content: []byte(actor),
				PublishedAt: day, Actor: actor})
		}
	}
	return rs
}

// TestSharedBetweenServers: what one process records, another sharing the database sees at
// once — a session, its end, a disabled account, a token's revocation, a job's result.
func TestSharedBetweenServers(t *testing.T) {
	dsn := testenv.PostgresDatabase(t, testenv.PostgresServer(t))
	var a, b *DB
	for _, p := range []**DB{&a, &b} {
		d, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		*p = d
	}
	now := day
	if err := a.SetAccount(ctx, store.Account{Name: "ana", Role: "editor", Hash: "h1", CreatedAt: now}, "admin"); err != nil {
		t.Fatal(err)
	}
	if err := a.AddSession(ctx, store.Session{Digest: "s1", Account: "ana", Created: now, Expires: now.Add(time.Hour), From: "10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	if s, err := b.SessionByDigest(ctx, "s1", now.Add(time.Minute)); err != nil || s.Role != "editor" || s.From != "10.0.0.1" {
		t.Fatalf("the other server reads the session as %+v, %v", s, err)
	}
	if err := b.SetAccount(ctx, store.Account{Name: "ana", Role: "publisher", Hash: "h1", CreatedAt: now}, "admin"); err != nil {
		t.Fatal(err)
	}
	if s, err := a.SessionByDigest(ctx, "s1", now.Add(time.Minute)); err != nil || s.Role != "publisher" {
		t.Errorf("a new role is not seen at once by the first server: %+v, %v", s, err)
	}
	if err := b.DisableAccount(ctx, "ana", "admin", now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SessionByDigest(ctx, "s1", now.Add(3*time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a disabled account's session still opens the first server: %v", err)
	}
	if err := a.AddToken(ctx, store.Token{Digest: "d1", Name: "ci", Role: "analyst", CreatedAt: now}, "admin"); err != nil {
		t.Fatal(err)
	}
	if n, err := b.RevokeTokens(ctx, "ci", "admin", now); n != 1 || err != nil {
		t.Fatalf("revoked %d, %v", n, err)
	}
	if _, err := a.TokenByDigest(ctx, "d1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a revoked token still works on the first server: %v", err)
	}
	if err := a.SaveJob(ctx, store.Job{ID: "j1", Kind: "ingest", Actor: "ana", State: store.JobDone, Created: now,
		Result: []byte(`{"stored": 3}`), Status: 200}); err != nil {
		t.Fatal(err)
	}
	if j, err := b.Job(ctx, "j1"); err != nil || string(j.Result) != `{"stored": 3}` || j.State != store.JobDone {
		t.Errorf("the other server reads the job as %+v, %v", j, err)
	}
	log, err := b.AuditLog(ctx, store.AuditFilter{Subject: "ana"})
	if err != nil || len(log) != 3 || log[0].Action != "account.disable" || !strings.Contains(log[0].Detail, "1 session(s) ended") {
		t.Errorf("the audit log of ana: %+v, %v", log, err)
	}
}

// TestMigrateTogether: processes that open a new database at once migrate it once.
func TestMigrateTogether(t *testing.T) {
	dsn := testenv.PostgresDatabase(t, testenv.PostgresServer(t))
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := Open(ctx, dsn)
			if err == nil {
				d.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	d, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var n, v int
	if err := d.pool.QueryRow(ctx, `SELECT count(*), max(version) FROM sitrep_schema`).Scan(&n, &v); err != nil || n != SchemaVersion || v != SchemaVersion {
		t.Errorf("%d migrations recorded up to %d (%v), want %d", n, v, err, SchemaVersion)
	}
	if _, err := d.pool.Exec(ctx, `INSERT INTO sitrep_schema (version) VALUES ($1)`, SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, dsn); err == nil || !strings.Contains(err.Error(), "newer than this sitrep") {
		t.Errorf("a database of a newer schema opened: %v", err)
	}
}

// TestNoPasswordInErrors: a database that cannot be reached is named without its password.
func TestNoPasswordInErrors(t *testing.T) {
	_, err := Open(ctx, "postgres://sitrep:hunter2secret@127.0.0.1:1/records?connect_timeout=2")
	if err == nil {
		t.Fatal("a database on port 1 opened")
	}
	if strings.Contains(err.Error(), "hunter2secret") || !strings.Contains(err.Error(), "127.0.0.1:1/records") {
		t.Errorf("error %q", err)
	}
}

// TestTicketsChanged: a change committed late by a transaction that began before another's is
// still found, on the next look; and a look with nothing new finds nothing.
func TestTicketsChanged(t *testing.T) {
	d := open(t, testenv.PostgresServer(t))
	for _, id := range []string{"INC-1", "INC-2", "INC-3"} {
		if err := d.CreateTicket(ctx, store.Ticket{Incident: event.Incident{ID: id, Opened: day, Type: event.DDoSIncident}},
			store.TicketEntry{At: day, Actor: "ana", Action: "open", To: "new"}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ts []store.Ticket) []string {
		var out []string
		for _, tk := range ts {
			out = append(out, tk.ID)
		}
		return out
	}
	ts, since, err := d.TicketsChanged(ctx, 0)
	if err != nil || !slices.Equal(ids(ts), []string{"INC-1", "INC-2", "INC-3"}) {
		t.Fatalf("from the start: %v, %v", ids(ts), err)
	}
	if ts, again, err := d.TicketsChanged(ctx, since); err != nil || len(ts) != 0 || again != since {
		t.Errorf("nothing changed, yet %v from %d to %d (%v)", ids(ts), since, again, err)
	}
	// A slow writer begins, changes INC-1 and holds on; a quick one changes INC-2 and commits.
	slow, err := d.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	if _, err := slow.Exec(ctx, `UPDATE tickets SET closed = $1, changed = pg_current_xact_id() WHERE id = 'INC-1'`, day.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	closed := day.Add(2 * time.Hour)
	if err := d.AppendTicket(ctx, "INC-2", 1, []store.TicketEntry{{At: closed, Actor: "bo", Action: "transition", From: "new", To: "closed"}},
		store.TicketChange{Closed: &closed}); err != nil {
		t.Fatal(err)
	}
	ts, next, err := d.TicketsChanged(ctx, since)
	if err != nil || !slices.Equal(ids(ts), []string{"INC-2"}) || ts[0].State != "closed" {
		t.Fatalf("after the quick writer: %+v, %v", ts, err)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	ts, _, err = d.TicketsChanged(ctx, next)
	if err != nil || !slices.Contains(ids(ts), "INC-1") || ts[0].Closed == nil {
		t.Errorf("the slow writer's change, committed after the look: %+v, %v", ts, err)
	}
}

// TestRedacted: no form of a password reaches a message.
func TestRedacted(t *testing.T) {
	for _, dsn := range []string{
		"postgres://sitrep:hunter2secret@db.example/records",
		"postgres://sitrep@db.example/records?sslmode=require&password=hunter2secret",
		"postgresql://sitrep:hunter2secret#x%@db.example/records",
		"host=db.example user=sitrep password=hunter2secret dbname=records",
		"host=db.example password='hunter2secret with spaces' dbname=records",
	} {
		if r := Redacted(dsn); strings.Contains(r, "hunter2secret") || r == "" {
			t.Errorf("Redacted(%q) = %q", dsn, r)
		}
		if _, err := Open(ctx, dsn); err == nil || strings.Contains(err.Error(), "hunter2secret") {
			t.Errorf("Open(%q): %v", dsn, err)
		}
	}
}

// TestOpenWithLeastRights: a database whose schema is current opens for a user that may only
// read and write rows, and for one whose transactions are read-only; and one being migrated
// by another process makes the opener wait, then find nothing left to do.
func TestOpenWithLeastRights(t *testing.T) {
	server := testenv.PostgresServer(t)
	dsn := testenv.PostgresDatabase(t, server)
	owner := connect(t, dsn)
	for _, q := range []string{
		`CREATE ROLE app LOGIN`, `CREATE ROLE reader LOGIN`, `GRANT USAGE ON SCHEMA public TO app, reader`, `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO app`,
		`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO app`,
		`GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader`,
		`ALTER ROLE reader SET default_transaction_read_only = on`,
	} {
		if _, err := owner.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	as := func(role string) string { return strings.Replace(dsn, "sitrep@", role+"@", 1) }
	app, err := Open(ctx, as("app"))
	if err != nil {
		t.Fatalf("a user of rows only: %v", err)
	}
	defer app.Close()
	if err := app.SetPartner(ctx, store.Partner{Name: "CNCERT 分中心", Kind: "branch"}); err != nil {
		t.Errorf("a user of rows only writes: %v", err)
	}
	reader, err := Open(ctx, as("reader"))
	if err != nil {
		t.Fatalf("a read-only user: %v", err)
	}
	defer reader.Close()
	if ps, err := reader.Partners(ctx); err != nil || len(ps) != 1 {
		t.Errorf("a read-only user reads %v, %v", ps, err)
	}
	if err := reader.SetPartner(ctx, store.Partner{Name: "x"}); err == nil {
		t.Error("a read-only user wrote")
	}
	// Text PostgreSQL cannot hold names nothing, and is refused in words when written.
	if _, err := reader.Account(ctx, "ana\x00"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an account name with a NUL byte: %v", err)
	}
	if err := app.SetPartner(ctx, store.Partner{Name: "nul\x00"}); err == nil || !strings.Contains(err.Error(), "NUL byte") {
		t.Errorf("a partner with a NUL byte: %v", err)
	}
}

// TestIsolationOfTheDatabase: the locks hold whatever isolation the database defaults to.
func TestIsolationOfTheDatabase(t *testing.T) {
	server := testenv.PostgresServer(t)
	for _, iso := range []string{"repeatable read", "serializable"} {
		t.Run(iso, func(t *testing.T) {
			dsn := testenv.PostgresDatabase(t, server)
			u, _ := neturl.Parse(dsn)
			name := strings.TrimPrefix(u.Path, "/")
			first := connect(t, dsn)
			if _, err := first.pool.Exec(ctx, `ALTER DATABASE `+name+` SET default_transaction_isolation = '`+iso+`'`); err != nil {
				t.Fatal(err)
			}
			var dbs [3]*DB
			for i := range dbs {
				dbs[i] = connect(t, dsn)
			}
			publishAtOnce(t, dbs[:], "2024-W10")
		})
	}
}

// TestEmptyListsAsEmbedded: lists of nothing read as the embedded store gives them.
func TestEmptyListsAsEmbedded(t *testing.T) {
	pg := open(t, testenv.PostgresServer(t))
	du, err := duck.Open(ctx, t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer du.Close()
	for _, st := range []store.Records{du, pg} {
		ts, _ := st.ListTickets(ctx, store.TicketFilter{})
		ps, _ := st.Partners(ctx)
		vs, _ := st.Revisions(ctx, "2024-W09")
		rs, _ := st.PublishedIssues(ctx, "zh", "html", 0)
		js, _ := st.ListJobs(ctx, "", 0)
		if ts != nil || ps != nil || vs != nil || rs != nil || js == nil {
			t.Errorf("%T: tickets %#v, partners %#v, revisions %#v, issues %#v, jobs %#v", st, ts, ps, vs, rs, js)
		}
	}
}
