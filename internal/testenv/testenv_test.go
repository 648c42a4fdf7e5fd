package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// recorder stands in for a test: it records a failure or skip instead of ending the test.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = fmt.Sprintf(format, args...) }

func TestNeed(t *testing.T) {
	missing := errors.New("exec: \"chromium\": executable file not found in $PATH")
	for _, tc := range []struct {
		ci          string
		err         error
		fatal, skip bool
	}{
		{"true", missing, true, false},
		{"1", missing, true, false},
		{"", missing, false, true},
		{"true", nil, false, false},
		{"", nil, false, false},
	} {
		t.Setenv("CI", tc.ci)
		r := &recorder{TB: t}
		Need(r, Chromium, tc.err)
		if (r.fatal != "") != tc.fatal || (r.skip != "") != tc.skip {
			t.Errorf("CI=%q, err %v: fatal %q, skip %q", tc.ci, tc.err, r.fatal, r.skip)
		}
		for _, msg := range []string{r.fatal, r.skip} {
			if msg != "" && (!strings.Contains(msg, "chromium package") || !strings.Contains(msg, "not found")) {
				t.Errorf("CI=%q: the message %q does not say what is missing and how to install it", tc.ci, msg)
			}
		}
	}
}

func TestCommand(t *testing.T) {
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	if Command(r, "no-such-program-sitrep", Python3); !strings.Contains(r.fatal, "python3") {
		t.Errorf("a missing program in CI: fatal %q", r.fatal)
	}
	r = &recorder{TB: t}
	if path := Command(r, "sh", "a shell"); path == "" || r.fatal != "" {
		t.Errorf("sh: %q, fatal %q", path, r.fatal)
	}
}

func TestSharedDir(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "internal", "testenv", "testenv.go")); err != nil {
		t.Fatalf("module root %s: %v", root, err)
	}
	t.Setenv("CI", "true")
	r := &recorder{TB: t}
	if dir := SharedDir(r, "no", "such", "file"); dir != "" || !strings.Contains(r.fatal, "../shared") {
		t.Errorf("a missing shared file in CI: %q, fatal %q", dir, r.fatal)
	}
}

// TestPostgresServer starts two servers of their own: each answers on its own port, keeps
// what it is given, and knows nothing of the other's.
func TestPostgresServer(t *testing.T) {
	ctx := context.Background()
	a, b := PostgresServer(t), PostgresServer(t)
	if a == b {
		t.Fatalf("two servers at %s", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE t (v text); INSERT INTO t VALUES ('只在甲')`); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := ca.QueryRow(ctx, `SELECT v FROM t`).Scan(&v); err != nil || v != "只在甲" {
		t.Errorf("read back %q, %v", v, err)
	}
	if _, err := cb.Exec(ctx, `SELECT v FROM t`); err == nil {
		t.Error("the second server has the first one's table")
	}
}
