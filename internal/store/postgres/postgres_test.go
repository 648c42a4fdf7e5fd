package postgres

import (
	"context"
	"testing"

	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/store/storetest"
	"sitrep/internal/testenv"
)

// open opens a new, empty records database on the server of dsn.
func open(t *testing.T, dsn string) *DB {
	t.Helper()
	rec, err := Open(context.Background(), testenv.PostgresDatabase(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}

// connect opens the records database at dsn, which exists.
func connect(t *testing.T, dsn string) *DB {
	t.Helper()
	rec, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec
}

// TestConformance runs the suite over a store whose records part is kept in PostgreSQL and
// whose analytical part is the embedded store.
func TestConformance(t *testing.T) {
	dsn := testenv.PostgresServer(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		an, err := duck.Open(context.Background(), t.TempDir(), duck.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { an.Close() })
		return store.NewSplit(an, open(t, dsn))
	})
}
