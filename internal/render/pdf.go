package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ErrNoBrowser says that no headless Chromium was found for PDF output.
var ErrNoBrowser = errors.New("PDF output needs Chromium: install Debian's chromium package, or set SITREP_CHROMIUM to a Chromium or Chrome binary")

// Browser returns the path of the Chromium to print with: $SITREP_CHROMIUM, or the first of
// chromium, chromium-browser, google-chrome on PATH.
func Browser() (string, error) {
	if p := os.Getenv("SITREP_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", fmt.Errorf("%w (SITREP_CHROMIUM=%s: %v)", ErrNoBrowser, p, err)
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

// PrintPDF renders an HTML page to a PDF file with headless Chromium.
func PrintPDF(ctx context.Context, page []byte, out string) error {
	bin, err := Browser()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "sitrep-pdf-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "bulletin.html")
	if err := os.WriteFile(src, page, 0o644); err != nil {
		return err
	}
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	args := append(HeadlessArgs(filepath.Join(dir, "profile")), "--no-pdf-header-footer", "--print-to-pdf="+abs, "file://"+src)
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("chromium: %v: %s", err, lastLine(stderr.String()))
	}
	if fi, err := os.Stat(abs); err != nil || fi.Size() == 0 {
		return fmt.Errorf("chromium wrote no PDF: %s", lastLine(stderr.String()))
	}
	return nil
}

func lastLine(s string) string {
	s = string(bytes.TrimSpace([]byte(s)))
	if i := bytes.LastIndexByte([]byte(s), '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
