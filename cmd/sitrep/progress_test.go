package main

import (
	"os"
	"testing"
	"time"

	"sitrep/internal/ingest"
)

func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		p    ingest.Progress
		want string
	}{
		{ingest.Progress{Name: "a.csv", Bytes: 12_300_000, Total: 512_000_000, Rows: 120000, Elapsed: 2 * time.Second},
			"a.csv: 12.3 MB of 512.0 MB (2.4%), 120,000 rows, 6.2 MB/s, about 1m21s left"},
		{ingest.Progress{Name: "-", Bytes: 5_000_000, Rows: 999, Elapsed: time.Second}, "-: 5.0 MB, 999 rows, 5.0 MB/s"},
		{ingest.Progress{Name: "b.csv", Bytes: 0, Total: 10, Rows: 0}, "b.csv: 0.0 MB of 0.0 MB (0.0%), 0 rows"},
	} {
		if got := progressLine(tc.p); got != tc.want {
			t.Errorf("%+v:\n got %q\nwant %q", tc.p, got, tc.want)
		}
	}
	// Standard error that is a pipe or a file, not a terminal, shows nothing.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if show, _ := (&env{stderr: w}).progress(); show != nil {
		t.Error("progress shown where standard error is a pipe")
	}
}
