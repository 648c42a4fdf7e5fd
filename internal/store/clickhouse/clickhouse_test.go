package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	ch "github.com/ClickHouse/clickhouse-go/v2"

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
