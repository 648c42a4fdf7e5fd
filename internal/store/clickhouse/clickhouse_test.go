package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"

	"sitrep/internal/event"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/store/storetest"
	"sitrep/internal/testenv"
)

var ctx = context.Background()

var databases atomic.Int64

// database creates a new, empty database on the server of dsn and returns its address.
func database(t testing.TB, dsn string) string {
	t.Helper()
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := fmt.Sprintf("sitrep_test_%d", databases.Add(1))
	if err := conn.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(dsn, "/default", "/"+name, 1)
}

// open opens a new, empty store on the server of dsn.
func open(t testing.TB, dsn string) *DB {
	t.Helper()
	d, err := Open(ctx, database(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// TestConformance runs the suite over a store whose analytical part is ClickHouse and whose
// records part is the embedded store.
func TestConformance(t *testing.T) {
	dsn := testenv.ClickHouseServer(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		rec, err := duck.Open(ctx, t.TempDir(), duck.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rec.Close() })
		return store.Split{Analytics: open(t, dsn), Records: rec}
	})
}

// TestBatchDeliveredTwice: a batch whose writer died before its ledger entry counts nothing,
// and a batch committed by several writers at once (a redelivered message) counts once, as do
// its keyed records; a writer that finds an earlier attempt recorded is told ErrCommitted.
// Repeated, with 2, 4 and 8 writers.
func TestBatchDeliveredTwice(t *testing.T) {
	dsn := database(t, testenv.ClickHouseServer(t))
	var dbs [2]*DB
	for i := range dbs {
		d, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		dbs[i] = d
	}
	day := time.Date(2024, 2, 27, 2, 0, 0, 0, time.UTC)
	wk := store.Range{From: day.Add(-48 * time.Hour), To: day.Add(5 * 24 * time.Hour)}
	batch := func(in int64, no int) store.Batch {
		var evs []event.Event
		for i := range 50 {
			evs = append(evs, event.Event{Time: day, Kind: event.DDoS, IP: fmt.Sprintf("198.51.100.%d", i), TLP: event.Clear, Line: i + 1})
		}
		return store.Batch{Input: in, No: no, Read: len(evs), Events: evs,
			Vulns: []event.Vuln{{ID: fmt.Sprintf("CNVD-%d-%d", in, no), Published: day, Severity: event.High, TLP: event.Clear, Line: 60}}}
	}
	counts := func() (int, int) {
		c, err := dbs[1].EventCounts(ctx, wk, store.AllRecords, 0)
		if err != nil {
			t.Fatal(err)
		}
		v, err := dbs[1].VulnCounts(ctx, wk, store.AllRecords)
		if err != nil {
			t.Fatal(err)
		}
		return c.DDoSEvents, v.Total
	}
	in, err := dbs[0].OpenInput(ctx, store.Input{SHA256: "partial", Name: "partial.csv"})
	if err != nil {
		t.Fatal(err)
	}
	// A writer that died after its rows and before its ledger entry.
	w := writer{d: dbs[0], input: in.ID, batch: 0, attempt: newAttempt()}
	if err := w.events(ctx, batch(in.ID, 0).Events); err != nil {
		t.Fatal(err)
	}
	if ev, v := counts(); ev != 0 || v != 0 {
		t.Fatalf("an unfinished batch counts %d events, %d vulnerabilities", ev, v)
	}
	if _, err := dbs[0].Commit(ctx, batch(in.ID, 0)); err != nil {
		t.Fatal(err)
	}
	if ev, v := counts(); ev != 50 || v != 1 {
		t.Fatalf("the batch done again after an unfinished one: %d events, %d vulnerabilities; want 50, 1", ev, v)
	}
	want := 50
	for _, writers := range []int{2, 4, 8} {
		for round := range 3 {
			no := writers*10 + round
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = dbs[i%2].Commit(ctx, batch(in.ID, no))
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, store.ErrCommitted):
					t.Errorf("%d writers: %v", writers, err)
				}
			}
			want += 50
			if won < 1 {
				t.Errorf("%d writers, round %d: no commit succeeded", writers, round)
			}
			var events uint64
			if err := dbs[1].conn.QueryRow(ctx, `SELECT count() FROM events WHERE `+committed).Scan(&events); err != nil {
				t.Fatal(err)
			}
			if int(events) != want {
				t.Errorf("%d writers, round %d: %d events counted, want %d", writers, round, events, want)
			}
			if ev, v := counts(); ev != want || v != 1+(want-50)/50 {
				t.Errorf("%d writers, round %d: the week counts %d events and %d vulnerabilities, want %d and %d", writers, round, ev, v, want, 1+(want-50)/50)
			}
		}
	}
	in2, err := dbs[1].OpenInput(ctx, store.Input{SHA256: "partial"})
	if err != nil {
		t.Fatal(err)
	}
	if len(in2.Committed) != 10 {
		t.Errorf("the ledger holds %d batches, want 10", len(in2.Committed))
	}
}

// TestLargeKeyedBatch: a batch of 20,000 vulnerability records goes in (the IDs a query names
// are asked in parts), and the same records again are all duplicates.
func TestLargeKeyedBatch(t *testing.T) {
	d := open(t, testenv.ClickHouseServer(t))
	day := time.Date(2024, 2, 27, 2, 0, 0, 0, time.UTC)
	var vs []event.Vuln
	for i := range 20000 {
		vs = append(vs, event.Vuln{ID: fmt.Sprintf("CVE-2024-%05d", i), Published: day, Severity: event.High, TLP: event.Clear, Line: i + 2})
	}
	for no, want := range []store.Tally{{Read: 20000, Stored: 20000}, {Read: 20000, Duplicate: 20000}} {
		in, err := d.OpenInput(ctx, store.Input{SHA256: fmt.Sprint("nvd-", no), Name: "nvd.json"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Commit(ctx, store.Batch{Input: in.ID, No: 0, Read: len(vs), Vulns: vs})
		if err != nil || got != want {
			t.Fatalf("batch %d: %+v, %v; want %+v", no, got, err, want)
		}
	}
	vc, err := d.VulnCounts(ctx, store.Range{From: day.Add(-time.Hour), To: day.Add(time.Hour)}, store.AllRecords)
	if err != nil || vc.Total != 20000 {
		t.Errorf("%d vulnerabilities counted, %v", vc.Total, err)
	}
}
