package storetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"sitrep/internal/store"
	"sitrep/internal/store/duck"
)

// errBroken is what a broken engine answers.
var errBroken = errors.New("broken engine")

// broken is an engine whose method named method fails on its call number fail (from 1) and
// that otherwise hands every call to the real engine. It counts the calls of method, so that
// a run with fail 0, which breaks nothing, tells how many calls a check makes.
type broken struct {
	store.Store
	method string
	fail   int
	calls  int
}

func (b *broken) breaks(method string) bool {
	if method != b.method {
		return false
	}
	b.calls++
	return b.calls == b.fail
}

func (b *broken) Override(ctx context.Context, week string) (*store.Override, error) {
	if b.breaks("Override") {
		return nil, errBroken
	}
	return b.Store.Override(ctx, week)
}

func (b *broken) NextTicketID(ctx context.Context) (string, error) {
	if b.breaks("NextTicketID") {
		return "", errBroken
	}
	return b.Store.NextTicketID(ctx)
}

func (b *broken) EventCounts(ctx context.Context, r store.Range, s store.Scope, top int) (store.EventCounts, error) {
	if b.breaks("EventCounts") {
		return store.EventCounts{}, errBroken
	}
	return b.Store.EventCounts(ctx, r, s, top)
}

// probe stands in for a check's testing.TB: it keeps the failures a check reports instead of
// failing the test that runs it, and ends the check on Fatal or FailNow as testing does, by
// runtime.Goexit in the goroutine run starts. Everything else (TempDir, Cleanup, Log) goes to
// the real test it embeds.
type probe struct {
	testing.TB
	mu       sync.Mutex
	failures []string
}

func (p *probe) Helper() {}
func (p *probe) Fail()   { p.report("Fail called") }
func (p *probe) FailNow() {
	p.report("FailNow called")
	runtime.Goexit()
}
func (p *probe) Error(args ...any)                 { p.report(fmt.Sprint(args...)) }
func (p *probe) Errorf(format string, args ...any) { p.report(fmt.Sprintf(format, args...)) }
func (p *probe) Fatal(args ...any) {
	p.report(fmt.Sprint(args...))
	runtime.Goexit()
}
func (p *probe) Fatalf(format string, args ...any) {
	p.report(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// SkipNow and its kin would skip the real test from the wrong goroutine; a probed check that
// skips is a mistake of this test, so it counts as a failure that says so.
func (p *probe) SkipNow() {
	p.report("the check skipped")
	runtime.Goexit()
}
func (p *probe) Skip(args ...any)                 { p.SkipNow() }
func (p *probe) Skipf(format string, args ...any) { p.SkipNow() }

func (p *probe) Failed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.failures) > 0
}

func (p *probe) report(msg string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.failures = append(p.failures, msg)
}

// run runs check against st under a new probe and returns the failures it reported.
func run(t *testing.T, check func(testing.TB, store.Store), st store.Store) []string {
	p := &probe{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(p, st)
	}()
	<-done
	return p.failures
}

func open(t *testing.T) store.Store {
	st, err := duck.Open(context.Background(), t.TempDir(), duck.Options{})
	if err != nil {
		t.Fatalf("open a DuckDB store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestChecksFailOnEngineErrors breaks each call, one at a time, of a method a check makes,
// and requires the check to fail and to name the method. Override, NextTicketID and
// EventCounts are the calls whose errors the checks once dropped while still passing: a
// withdrawn override, a fresh ticket ID and new malware families all read as right when the
// call fails and leaves its zero value.
func TestChecksFailOnEngineErrors(t *testing.T) {
	tests := []struct {
		name   string
		check  func(testing.TB, store.Store)
		method string
	}{
		{"Overrides", testOverrides, "Override"},
		{"Tickets", testTickets, "NextTicketID"},
		{"NewFamilies", testNewFamilies, "EventCounts"},
		{"Ledger", testLedger, "EventCounts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sound := &broken{Store: open(t), method: tc.method}
			if failures := run(t, tc.check, sound); len(failures) > 0 {
				t.Fatalf("the check fails on a sound engine: %q", failures)
			}
			if sound.calls == 0 {
				t.Fatalf("the check never calls %s", tc.method)
			}
			for n := 1; n <= sound.calls; n++ {
				t.Run(fmt.Sprintf("%s call %d of %d", tc.method, n, sound.calls), func(t *testing.T) {
					failures := run(t, tc.check, &broken{Store: open(t), method: tc.method, fail: n})
					if len(failures) == 0 {
						t.Fatalf("the check passed though %s failed", tc.method)
					}
					if all := strings.Join(failures, "\n"); !strings.Contains(all, tc.method) || !strings.Contains(all, errBroken.Error()) {
						t.Errorf("the failure does not name the call and its error: %q", failures)
					}
				})
			}
		})
	}
}
