package main

import (
	"fmt"
	"os"
	"time"

	"sitrep/internal/bulletin"
	"sitrep/internal/ingest"
)

// progress shows how far a long ingest has come, on a terminal only: where standard error is
// a file or a pipe it stays quiet. done clears the line it drew.
func (e *env) progress() (show func(ingest.Progress), done func()) {
	f, ok := e.stderr.(*os.File)
	if !ok {
		return nil, func() {}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return nil, func() {}
	}
	shown := false
	show = func(p ingest.Progress) {
		shown = true
		fmt.Fprintf(f, "\r\033[K%s", progressLine(p))
	}
	done = func() {
		if shown {
			fmt.Fprint(f, "\r\033[K")
			shown = false
		}
	}
	return show, done
}

// progressLine says how far an ingest has come: bytes and share read, rows, rate and, where
// the size is known, the time left.
func progressLine(p ingest.Progress) string {
	s := p.Name + ": " + megabytes(p.Bytes)
	if p.Total > 0 {
		s += fmt.Sprintf(" of %s (%.1f%%)", megabytes(p.Total), 100*float64(p.Bytes)/float64(p.Total))
	}
	s += ", " + bulletin.Thousands(p.Rows) + " rows"
	if secs := p.Elapsed.Seconds(); secs > 0 && p.Bytes > 0 {
		rate := float64(p.Bytes) / secs
		s += fmt.Sprintf(", %.1f MB/s", rate/1e6)
		if p.Total > p.Bytes {
			left := time.Duration(float64(p.Total-p.Bytes) / rate * float64(time.Second))
			s += ", about " + left.Round(time.Second).String() + " left"
		}
	}
	return s
}

func megabytes(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
