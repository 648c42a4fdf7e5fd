package render

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sitrep/internal/testenv"
)

// proc is a process as /proc shows it.
type proc struct {
	pid, pgid int
	state     byte
	cmdline   string
}

// processes lists the processes of the machine that are not zombies.
func processes(t *testing.T) []proc {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("list processes: %v", err)
	}
	var ps []proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		pgid, _ := strconv.Atoi(f[2])
		cmd, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		ps = append(ps, proc{pid: pid, pgid: pgid, state: f[0][0], cmdline: strings.ReplaceAll(string(cmd), "\x00", " ")})
	}
	return ps
}

// chromiums returns the process groups of the live processes whose command line names dir,
// and every live process in those groups.
func chromiums(t *testing.T, dir string) ([]proc, map[int]bool) {
	ps := processes(t)
	groups := map[int]bool{}
	for _, p := range ps {
		if strings.Contains(p.cmdline, dir) {
			groups[p.pgid] = true
		}
	}
	var members []proc
	for _, p := range ps {
		if groups[p.pgid] {
			members = append(members, p)
		}
	}
	return members, groups
}

// privateTemp points os.TempDir() at a directory of the test's own, so that the test sees
// its own temporary directories and Chromium processes only. The directory is in /tmp rather
// than in t.TempDir(), whose long path would leave no room for Chromium's socket inside
// PrintPDF's directory; and a t.TempDir() first asked for after privateTemp lands in it.
func privateTemp(t *testing.T) string {
	tmp, err := os.MkdirTemp("/tmp", "sitrep-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	if os.TempDir() != tmp {
		t.Fatalf("os.TempDir() = %s, want %s", os.TempDir(), tmp)
	}
	return tmp
}

func tempDirs(t *testing.T, tmp string) []string {
	t.Helper()
	var names []string
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestPrintPDFCancelled starts a print of a page that never finishes loading, cancels it
// while Chromium and its children run, and checks that none of them survives and that the
// temporary directory is gone.
func TestPrintPDFCancelled(t *testing.T) {
	bin, err := Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	out := filepath.Join(t.TempDir(), "b.pdf")
	tmp := privateTemp(t)
	page := []byte(`<!doctype html><html><body><p>loading</p><script>for (;;) {}</script></body></html>`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- PrintPDF(ctx, bin, page, out) }()

	// Wait for Chromium and children of it (zygotes, a renderer) to run.
	var members []proc
	var groups map[int]bool
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		members, groups = chromiums(t, tmp)
		if len(members) >= 4 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the print ended before it could be cancelled: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("Chromium did not start four processes within 30s: %+v", members)
		}
	}
	t.Logf("Chromium's processes before the cancel: %d in groups %v", len(members), groups)
	if len(groups) != 1 {
		t.Errorf("Chromium's processes are in %d process groups, want 1: %v", len(groups), groups)
	}
	for pgid := range groups {
		if pgid == os.Getpid() || pgid == syscall.Getpgrp() {
			t.Fatalf("Chromium runs in the test's own process group %d", pgid)
		}
	}

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled print: %v, want context.Canceled", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled print did not return within 30s")
	}
	for _, p := range processes(t) {
		if groups[p.pgid] || strings.Contains(p.cmdline, tmp) {
			t.Errorf("process %d (%c) of Chromium's group %d survived: %.200s", p.pid, p.state, p.pgid, p.cmdline)
		}
	}
	if left := tempDirs(t, tmp); len(left) != 0 {
		t.Errorf("left behind in the temporary directory: %v", left)
	}
}

// TestPrintPDFLeavesNothing prints a page: the stale directory of a run that died goes, and
// after the print no Chromium process and no temporary directory is left.
func TestPrintPDFLeavesNothing(t *testing.T) {
	bin, err := Browser(os.Getenv("SITREP_CHROMIUM"))
	testenv.Need(t, testenv.Chromium, err)
	out := filepath.Join(t.TempDir(), "b.pdf")
	tmp := privateTemp(t)
	stale := plant(t, tmp, PDFTempPrefix+"dead", deadPID(t), staleAfter+time.Hour)
	if err := PrintPDF(context.Background(), bin, []byte(`<!doctype html><html><body><p>x</p></body></html>`), out); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("no PDF: %v", err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale directory of a dead run is still there: %v", err)
	}
	if found, _ := chromiums(t, tmp); len(found) != 0 {
		t.Errorf("Chromium processes outlived the print: %+v", found)
	}
	if left := tempDirs(t, tmp); len(left) != 0 {
		t.Errorf("left behind in the temporary directory: %v", left)
	}
}

// deadPID returns the ID of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// plant makes a temporary directory named name in tmp as a run of process pid would have
// made it (no pid file where pid is 0), age ago.
func plant(t *testing.T, tmp, name string, pid int, age time.Duration) string {
	t.Helper()
	dir := filepath.Join(tmp, name)
	if err := os.MkdirAll(filepath.Join(dir, "profile"), 0o700); err != nil {
		t.Fatal(err)
	}
	then := time.Now().Add(-age)
	if pid != 0 {
		pf := filepath.Join(dir, pidFile)
		if err := os.WriteFile(pf, []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(pf, then, then); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(dir, then, then); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTempDirRemovesStale checks which leftovers the next run removes: those of dead runs
// past staleAfter, those without a pid file past it, and anything past staleAlways; not a
// live run's, not a fresh one's, not another program's.
func TestTempDirRemovesStale(t *testing.T) {
	tmp := privateTemp(t)
	dead, self := deadPID(t), os.Getpid()
	old := staleAfter + time.Hour
	want := map[string]bool{ // name: removed
		plant(t, tmp, PDFTempPrefix+"dead", dead, old):                true,
		plant(t, tmp, PublishTempPrefix+"dead", dead, old):            true,
		plant(t, tmp, PDFTempPrefix+"nopid", 0, old):                  true,
		plant(t, tmp, PDFTempPrefix+"ancient", self, staleAlways+old): true,
		plant(t, tmp, PDFTempPrefix+"fresh", dead, time.Minute):       false,
		plant(t, tmp, PublishTempPrefix+"live", self, old):            false,
		plant(t, tmp, "sitrep-other-dead", dead, old):                 false,
		plant(t, tmp, "unrelated", dead, staleAlways+old):             false,
	}
	dir, err := TempDir(PublishTempPrefix)
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for path, removed := range want {
		_, err := os.Stat(path)
		if gone := errors.Is(err, os.ErrNotExist); gone != removed {
			t.Errorf("%s: removed %v, want %v (%v)", filepath.Base(path), gone, removed, err)
		}
	}
	if !strings.HasPrefix(filepath.Base(dir), PublishTempPrefix) || filepath.Dir(dir) != tmp {
		t.Errorf("TempDir made %s", dir)
	}
	if fi, err := os.Stat(dir); err != nil {
		t.Error(err)
	} else if fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: mode %#o, want 0700", dir, fi.Mode().Perm())
	}
	if b, err := os.ReadFile(filepath.Join(dir, pidFile)); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(self) {
		t.Errorf("pid file %q, %v; want %d", b, err, self)
	}
	if _, err := TempDir("sitrep-other-"); err == nil {
		t.Error("TempDir made a directory with a prefix that no later run would recognise")
	}
}
