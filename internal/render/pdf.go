package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrNoBrowser says that no headless Chromium was found for PDF output.
var ErrNoBrowser = errors.New("PDF output needs Chromium: install Debian's chromium package, or set SITREP_CHROMIUM to a Chromium or Chrome binary")

// Browser returns the path of the Chromium to print with: configured (a path, or a name on
// PATH; the application's SITREP_CHROMIUM) when it is set, or else the first of chromium,
// chromium-browser, google-chrome on PATH.
func Browser(configured string) (string, error) {
	if configured != "" {
		p, err := exec.LookPath(configured)
		if err != nil {
			return "", fmt.Errorf("%w (SITREP_CHROMIUM=%s: %v)", ErrNoBrowser, configured, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoBrowser
}

// HeadlessArgs are the flags that let Chromium run headless on a server without network:
// no sandbox (it runs as root in containers), no GPU, no background traffic, a new profile.
func HeadlessArgs(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
		"--disable-dev-shm-usage", "--user-data-dir=" + profile}
}

// PrintPDF renders an HTML page to a PDF file with the headless Chromium bin (see Browser).
// Chromium runs in a
// process group of its own, which is killed when ctx is done and again when the print ends,
// so that no Chromium process outlives the call; PrintPDF returns once the group is gone (or
// after groupGrace) and its temporary directory removed.
func PrintPDF(ctx context.Context, bin string, page []byte, out string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return fmt.Errorf("pdf output: %w", err)
	}
	dir, err := TempDir(PDFTempPrefix)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "bulletin.html")
	if err := os.WriteFile(src, page, 0o600); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	// Chromium's output goes to a file rather than a pipe: a child it leaves behind cannot
	// then hold the print open by holding the pipe.
	logPath := filepath.Join(dir, "chromium.log")
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	defer log.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	args := append(HeadlessArgs(filepath.Join(dir, "profile")), "--no-pdf-header-footer", "--print-to-pdf="+abs, "file://"+src)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Chromium makes a directory under $TMPDIR for its singleton socket and leaves it behind
	// when killed; with TMPDIR set to dir, it goes when dir goes. A socket's path must fit in
	// 108 bytes, so where dir is too long for that, Chromium keeps the caller's TMPDIR.
	if len(dir)+len("/org.chromium.Chromium.XXXXXX/SingletonSocket") < 100 {
		cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return killGroup(cmd.Process.Pid) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("chromium: %w", err)
	}
	err = cmd.Wait()
	// The group's ID is Chromium's PID; the group lives on in the children, if any, after
	// Chromium itself has exited.
	killGroup(cmd.Process.Pid)
	waitGroup(cmd.Process.Pid, groupGrace)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("chromium: print stopped: %w", context.Cause(ctx))
		}
		return fmt.Errorf("chromium: %w: %s", err, lastLine(readLog(logPath)))
	}
	if fi, err := os.Stat(abs); err != nil || fi.Size() == 0 {
		return fmt.Errorf("chromium wrote no PDF: %s", lastLine(readLog(logPath)))
	}
	return nil
}

// groupGrace bounds the wait for a killed process group to be gone.
const groupGrace = 2 * time.Second

// killGroup sends SIGKILL to every process in the process group pgid; a group already gone
// is not an error.
func killGroup(pgid int) error {
	if err := syscall.Kill(-pgid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill chromium's process group %d: %w", pgid, err)
	}
	return nil
}

// waitGroup waits up to limit for the process group pgid to have no live process left.
func waitGroup(pgid int, limit time.Duration) {
	for deadline := time.Now().Add(limit); groupLive(pgid) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

// groupLive reports whether the process group pgid has a process that is not a zombie. The
// children that Chromium leaves behind are reparented to init, and a zombie stays in its
// group until init reaps it, which some inits do only every second or so: /proc tells the
// zombies apart. Where /proc cannot be read, any process the group's signals reach counts.
func groupLive(pgid int) bool {
	if errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH) {
		return false
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return true
	}
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid pgrp …, where comm may hold spaces and parentheses.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) >= 3 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" && f[0] != "X" {
			return true
		}
	}
	return false
}

func readLog(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// The prefixes of the temporary directories that a PDF print and a publish run make in
// os.TempDir(). TempDir accepts these only, so that every such directory is one that a later
// run recognises and, if its run died, removes.
const (
	PDFTempPrefix     = "sitrep-pdf-"
	PublishTempPrefix = "sitrep-publish-"
)

var tempPrefixes = []string{PDFTempPrefix, PublishTempPrefix}

// pidFile, inside each temporary directory, holds the ID of the process that made it.
const pidFile = "sitrep.pid"

// A temporary directory is stale, and removed by the next TempDir, when it is older than
// staleAfter and the process named in its pid file is gone (or it has no readable pid file),
// or when it is older than staleAlways whatever its pid file says: no run takes that long, and
// the process ID may since have been reused. The age is that of the pid file. staleAfter is
// well above the longest print (two minutes), so that the directory of a live run in another
// PID namespace sharing the same temporary directory is left alone.
const (
	staleAfter  = 10 * time.Minute
	staleAlways = 24 * time.Hour
)

// TempDir creates a directory for one run in os.TempDir(): named prefix (PDFTempPrefix or
// PublishTempPrefix) and random characters, readable by its owner only (0700), holding a pid
// file that names this process. It first removes the stale directories of runs that died, as
// described at staleAfter. The caller removes the directory when done.
func TempDir(prefix string) (string, error) {
	if !slices.Contains(tempPrefixes, prefix) {
		return "", fmt.Errorf("temporary directory prefix %q is not one of %v", prefix, tempPrefixes)
	}
	removeStale(time.Now())
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	// os.MkdirTemp creates the directory with mode 0700.
	if err := os.WriteFile(filepath.Join(dir, pidFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	return dir, nil
}

// removeStale removes the stale temporary directories that this user owns in os.TempDir().
// It is best effort: a directory it cannot read or remove is left for a later run.
func removeStale(now time.Time) {
	tmp := os.TempDir()
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !slices.ContainsFunc(tempPrefixes, func(p string) bool { return strings.HasPrefix(e.Name(), p) }) {
			continue
		}
		dir := filepath.Join(tmp, e.Name())
		if stale(dir, now) {
			os.RemoveAll(dir)
		}
	}
}

// stale reports whether the temporary directory dir belongs to this user and to a run that
// is over, as described at staleAfter.
func stale(dir string, now time.Time) bool {
	fi, err := os.Lstat(dir)
	if err != nil || !fi.IsDir() {
		return false
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); !ok || int(st.Uid) != os.Getuid() {
		return false
	}
	modified := fi.ModTime()
	pid := 0
	if pf, err := os.Stat(filepath.Join(dir, pidFile)); err == nil {
		modified = pf.ModTime()
		if b, err := os.ReadFile(filepath.Join(dir, pidFile)); err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	age := now.Sub(modified)
	switch {
	case age >= staleAlways:
		return true
	case age < staleAfter:
		return false
	case pid <= 0:
		return true
	}
	return !alive(pid)
}

// alive reports whether a process with the ID pid exists, this user's or another's.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func lastLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
