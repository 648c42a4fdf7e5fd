// Package testenv lets a test say what it needs from the machine it runs on: a program, a
// font, the shared tree beside the checkout. Where something is missing, a developer's run
// skips the test and says what to install; a CI run (the environment variable CI set to
// anything non-empty, as .ci/run does) fails it, so that a missing part never passes
// unnoticed as a skipped test.
package testenv

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// What the tests need, each with how to install it, for Need's first argument.
const (
	Chromium = "Chromium (install Debian's chromium package, or set SITREP_CHROMIUM to a Chromium or Chrome binary)"
	CJKFont  = "a font with Chinese glyphs (install Debian's fonts-noto-cjk package, or set SITREP_FONT to a font file)"
	Python3  = "python3 (install Debian's python3 package)"
	Poppler  = "poppler's PDF tools (install Debian's poppler-utils package)"
	// PrintFont is the TrueType CJK font the print style sheet names: Chromium embeds
	// Noto CJK's CFF outlines as Type 3 fonts, which the PDF must not have.
	PrintFont = "a TrueType font with Chinese glyphs for the PDF (install Debian's fonts-wqy-microhei package)"
	Shared    = "the shared tree ../shared beside the checkout (clone it next to the project's directory)"
)

// FontInstalled tells whether fontconfig knows a font family of that name.
func FontInstalled(family string) error {
	out, err := exec.Command("fc-list", family).Output()
	if err != nil {
		return fmt.Errorf("fc-list: %w", err)
	}
	if len(out) == 0 {
		return fmt.Errorf("no font family %q", family)
	}
	return nil
}

// InCI reports whether the tests run in CI, where nothing they need may be missing.
func InCI() bool { return os.Getenv("CI") != "" }

// Need does nothing when err is nil. Otherwise err says that what, a part the test needs, is
// missing: in CI the test fails, elsewhere it is skipped, and either way the message names
// the part, how to install it and err. t must not be used after a failing Need.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if InCI() {
		t.Fatalf("missing %s: %v (CI is set, so a missing part fails the test)", what, err)
	} else {
		t.Skipf("skipped: missing %s: %v (set CI=true to make this a failure)", what, err)
	}
}

// Command returns the path of the program name on PATH, or fails or skips the test through
// Need with what as the part that is missing.
func Command(t testing.TB, name, what string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	Need(t, what, err)
	return path
}

// SharedDir returns the path of elem inside the shared tree, which sits beside the checkout
// (../shared from the module's root). When the tree or elem is missing, it fails or skips
// the test through Need.
func SharedDir(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		Need(t, Shared, err)
		return ""
	}
	path := filepath.Join(append([]string{filepath.Dir(root), "shared"}, elem...)...)
	if _, err := os.Stat(path); err != nil {
		Need(t, Shared, err)
		return ""
	}
	return path
}

// moduleRoot returns the directory of the go.mod above the working directory, which go test
// sets to the package's directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

// GoldenJSON compares v, as indented JSON, with the file at path; with update set it writes the
// file first (go test -update). A file missing says how to make it.
func GoldenJSON(t testing.TB, path string, v any, update bool) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to make it)", err)
	}
	if string(want) != string(b) {
		t.Errorf("%s differs from what the code now gives (-update takes it):\n%s", path, b)
	}
}

// startProcess starts cmd in a process group of its own (so that it and its children can be
// signalled together), its output to the file log, and returns a channel closed when it has
// ended.
func startProcess(t testing.TB, cmd *exec.Cmd, log string) chan struct{} {
	t.Helper()
	logf, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.Stdout, cmd.Stderr = logf, logf
	err = cmd.Start()
	logf.Close()
	if err != nil {
		t.Fatalf("start %s: %v", filepath.Base(cmd.Path), err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return done
}
