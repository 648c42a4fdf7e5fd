package duck

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// withUmask runs the test under the usual umask 022, so that a file created with the default
// mode would be readable by every user and the checks below mean something whatever the
// umask of the process that runs the tests.
func withUmask(t *testing.T) {
	old := syscall.Umask(0o022)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", path, got, want)
	}
}

// TestStoreIsPrivate checks that the store directory, the database file and the staging
// files of a batch, which hold restricted rows, are their owner's alone.
func TestStoreIsPrivate(t *testing.T) {
	withUmask(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "parent", "store")
	st, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wantMode(t, filepath.Dir(dir), 0o755)
	wantMode(t, dir, 0o700)
	wantMode(t, filepath.Join(dir, FileName), 0o600)
	wantMode(t, st.tmp, 0o700)

	in, err := st.OpenInput(ctx, store.Input{SHA256: "red", Name: "red.csv"})
	if err != nil {
		t.Fatal(err)
	}
	stage, err := st.NewStage()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 2, 27, 2, 0, 0, 0, time.UTC)
	evs := []event.Event{{Time: at, Kind: event.Phishing, URL: "https://x.top/a", Host: "x.top", Domain: "x.top", TLP: event.Red, Line: 2}}
	if err := stage.AddEvents(st.EncodeEvents(nil, evs), 1, store.SpanOf(evs)); err != nil {
		t.Fatal(err)
	}
	if err := stage.AddRejects(st.EncodeRejects(nil, []store.Reject{{Line: 3, Field: "time", Reason: "bad", Raw: "x"}}), 1); err != nil {
		t.Fatal(err)
	}
	staged, err := filepath.Glob(filepath.Join(st.tmp, "stage-*"))
	if err != nil || len(staged) != 2 {
		t.Fatalf("staging files %v, %v; want two", staged, err)
	}
	for _, p := range staged {
		wantMode(t, p, 0o600)
	}
	if _, err := st.Commit(ctx, store.Batch{Input: in.ID, No: 0, Read: 2, Stage: stage}); err != nil {
		t.Fatal(err)
	}
	wantMode(t, dir, 0o700)
	wantMode(t, filepath.Join(dir, FileName), 0o600)
	wantMode(t, st.tmp, 0o700)
}

// TestOpenNarrowsAnOpenStore opens a store an older sitrep left readable by every user: a
// read-write open makes the directory and the database file private and says so; a
// read-only open changes nothing.
func TestOpenNarrowsAnOpenStore(t *testing.T) {
	withUmask(t)
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	st, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db := filepath.Join(dir, FileName)
	widen := func() {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(db, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	widen()
	ro, err := Open(ctx, dir, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.Close()
	wantMode(t, dir, 0o755)
	wantMode(t, db, 0o644)

	var logged bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
	defer slog.SetDefault(old)
	st, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	wantMode(t, dir, 0o700)
	wantMode(t, db, 0o600)
	if !strings.Contains(logged.String(), "made it private") || !strings.Contains(logged.String(), "was=0755") {
		t.Errorf("the narrowing was not logged: %q", logged.String())
	}
}
