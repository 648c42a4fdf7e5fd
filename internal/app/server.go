package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"sitrep/internal/store"
)

// ServerFileName is the file `sitrep serve` keeps in the store directory while it holds the
// store, so that a command that finds the store held can say where the server answers.
const ServerFileName = "serve.json"

// ServerInfo is what the server file says.
type ServerInfo struct {
	PID     int       `json:"pid"`
	URL     string    `json:"url"`
	Started time.Time `json:"started"`
}

// Announce writes the server file for a server of this process answering at url, and returns
// the function that removes it.
func (c *Config) Announce(url string) (remove func(), err error) {
	dir, err := StoreDir(c.Store)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(ServerInfo{PID: os.Getpid(), URL: url, Started: time.Now().UTC()})
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, ServerFileName)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("server file: %w", err)
	}
	return func() { os.Remove(path) }, nil
}

// HeldBy returns the server that holds the store in dir, if a live one says so.
func HeldBy(dir string) (ServerInfo, bool) {
	var si ServerInfo
	b, err := os.ReadFile(filepath.Join(dir, ServerFileName))
	if err != nil || json.Unmarshal(b, &si) != nil || si.PID <= 0 || si.URL == "" {
		return si, false
	}
	if err := syscall.Kill(si.PID, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return si, false // the server died without removing its file
	}
	return si, true
}

// heldError says how to reach a store that a server holds.
func heldError(dir string, err error) error {
	if !errors.Is(err, store.ErrLocked) {
		return err
	}
	si, ok := HeldBy(dir)
	if !ok {
		return err
	}
	return fmt.Errorf("%w: sitrep serve (pid %d) holds %s and answers at %s; ingest, stats, report, rate, review, publish, export, token, user, audit and incident go through it with --server %[4]s (or SITREP_SERVER=%[4]s) and a token in SITREP_TOKEN, other commands need it stopped",
		store.ErrLocked, si.PID, dir, si.URL)
}
