package duck

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"sitrep/internal/event"
	"sitrep/internal/store"
	"sitrep/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		st, err := Open(context.Background(), t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := st.OpenInput(ctx, store.Input{SHA256: "x", Name: "x.csv"})
	st.Close()
	ro, err := Open(ctx, dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var v int
	if err := ro.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != SchemaVersion {
		t.Errorf("schema version %d, %v; want %d", v, err, SchemaVersion)
	}
	var name string
	if err := ro.db.QueryRow(`SELECT name FROM inputs WHERE id = ?`, in.ID).Scan(&name); err != nil || name != "x.csv" {
		t.Errorf("input after reopen: %q, %v", name, err)
	}
}

func TestReadOnlyNeedsAStore(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir(), Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "ingest some data first") {
		t.Errorf("read-only open of an empty directory: %v", err)
	}
}

// TestLockedByAnotherProcess opens the store in a child process that holds it, and checks
// that this process gets store.ErrLocked naming the holder's PID.
func TestLockedByAnotherProcess(t *testing.T) {
	if os.Getenv("SITREP_HOLD_STORE") != "" {
		st, err := Open(context.Background(), os.Getenv("SITREP_HOLD_STORE"), Options{})
		if err != nil {
			os.Exit(3)
		}
		defer st.Close()
		os.Stdout.WriteString("held\n")
		buf := make([]byte, 1)
		os.Stdin.Read(buf) // hold until the parent closes stdin
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockedByAnotherProcess$")
	cmd.Env = append(os.Environ(), "SITREP_HOLD_STORE="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	buf := make([]byte, 5)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "held\n" {
		t.Fatalf("child did not open the store: %q %v", buf, err)
	}
	_, err := Open(context.Background(), dir, Options{})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("open while held: %v, want ErrLocked", err)
	}
	if pid := cmd.Process.Pid; !strings.Contains(err.Error(), "process "+strconv.Itoa(pid)) {
		t.Errorf("message does not name the holder %d: %v", pid, err)
	}
}

// TestReaderMigratesAnOldStore opens for reading a store whose schema is one version behind.
func TestReaderMigratesAnOldStore(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	// A store an older sitrep made: every migration but the last.
	conn, err := duckdb.NewConnector(filepath.Join(dir, FileName), nil)
	if err != nil {
		t.Fatal(err)
	}
	old := &DB{db: sql.OpenDB(conn), dir: dir}
	last := SchemaVersion
	if err := old.migrateTo(ctx, last-1); err != nil {
		t.Fatal(err)
	}
	old.db.Close()
	ro, err := Open(ctx, dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open of an older store: %v", err)
	}
	defer ro.Close()
	var v int
	if err := ro.db.QueryRow(`SELECT max(version) FROM schema_migrations`).Scan(&v); err != nil || v != last {
		t.Errorf("schema version %d, %v; want %d", v, err, last)
	}
	if _, err := ro.ListTickets(ctx, store.TicketFilter{}); err != nil {
		t.Errorf("the migrated tables: %v", err)
	}
}

// TestConformanceSplit runs the suite over a store whose two parts are two embedded stores:
// the interfaces hold without a transaction over both parts.
func TestConformanceSplit(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		var parts [2]*DB
		for i := range parts {
			st, err := Open(context.Background(), t.TempDir(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			parts[i] = st
		}
		return store.Split{Analytics: parts[0], Records: parts[1]}
	})
}

// TestSplitReconcile: a ticket whose counted row was never written (the process died between
// the two parts) counts once the store is reconciled, and reconciling again changes nothing.
func TestSplitReconcile(t *testing.T) {
	ctx := context.Background()
	var parts [2]*DB
	for i := range parts {
		st, err := Open(ctx, t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		parts[i] = st
	}
	sp := store.Split{Analytics: parts[0], Records: parts[1]}
	opened := time.Date(2024, 2, 27, 1, 0, 0, 0, time.UTC)
	closed := opened.Add(time.Hour)
	tk := store.Ticket{Incident: event.Incident{ID: "INC-9", Opened: opened, Closed: &closed, Type: event.PhishingIncident}}
	// Straight into the records part, as if the counted row's write had been lost.
	if err := parts[1].CreateTicket(ctx, tk, store.TicketEntry{At: opened, Actor: "a", Action: "open", To: "closed"}); err != nil {
		t.Fatal(err)
	}
	week := store.Range{From: opened.Add(-24 * time.Hour), To: opened.Add(24 * time.Hour)}
	handled := func() int {
		ic, err := sp.IncidentCounts(ctx, week, store.AllRecords)
		if err != nil {
			t.Fatal(err)
		}
		return ic.Handled
	}
	if n := handled(); n != 0 {
		t.Fatalf("before reconciling, %d handled", n)
	}
	for i := range 2 {
		if err := sp.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		if n := handled(); n != 1 {
			t.Errorf("after reconciling %d time(s), %d handled; want 1", i+1, n)
		}
	}
}

// TestKindsEnum: the store's type of events.kind holds every kind sitrep knows, no more.
func TestKindsEnum(t *testing.T) {
	st, err := Open(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var typ string
	if err := st.db.QueryRow(`SELECT data_type FROM information_schema.columns WHERE table_name = 'events' AND column_name = 'kind'`).Scan(&typ); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, k := range event.Kinds {
		want = append(want, "'"+string(k)+"'")
	}
	if w := "ENUM(" + strings.Join(want, ", ") + ")"; typ != w {
		t.Errorf("events.kind is %s, want %s", typ, w)
	}
}
