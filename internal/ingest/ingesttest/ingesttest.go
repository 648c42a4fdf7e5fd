// Package ingesttest builds stores for tests: it generates data from synth specs or reads
// CSV files, ingests them through the real pipeline into a fresh embedded store, and leaves
// cleaning up to the test.
package ingesttest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sitrep/internal/enrich"
	"sitrep/internal/ingest"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/synth"
)

// Generate writes the specs' events, vulnerabilities and incidents as CSV files in a
// temporary directory and returns their paths.
func Generate(t testing.TB, specs []synth.Spec, loc *time.Location) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	var files []*os.File
	for _, n := range []string{"events.csv", "vulns.csv", "incidents.csv"} {
		f, err := os.Create(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		paths = append(paths, f.Name())
	}
	if err := synth.Write(files[0], files[1], files[2], specs, loc); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

// Load ingests files into a new store, failing the test on any error or rejected row; the
// store is closed when the test ends.
func Load(t testing.TB, loc *time.Location, files ...string) *duck.DB {
	t.Helper()
	ctx := context.Background()
	st, err := duck.Open(ctx, t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	Into(t, st, loc, files...)
	return st
}

// Into ingests files into st through the real pipeline, failing the test on any error or
// rejected row.
func Into(t testing.TB, st store.Ingest, loc *time.Location, files ...string) {
	t.Helper()
	for _, f := range files {
		sum, err := ingest.File(context.Background(), st, f, nil, ingest.Options{Zone: loc, GovSuffixes: enrich.DefaultGovSuffixes})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rejected != 0 {
			t.Fatalf("%s: %s", f, sum)
		}
	}
}
