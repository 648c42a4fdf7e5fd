package web

import (
	"context"
	"testing"
	"time"
)

// TestFairSlots: one caller alone takes every slot; while it waits for more, another caller's
// request is served at the next free slot rather than after all of the first caller's; a wait
// that runs out says so, and one whose client went away does not; a slot handed over is never
// lost.
func TestFairSlots(t *testing.T) {
	ctx := context.Background()
	f := newFairSlots(2)
	var held []func()
	for range 2 {
		release, ok, _ := f.acquire(ctx, "a", time.Minute)
		if !ok {
			t.Fatal("a caller alone did not get a free slot")
		}
		held = append(held, release)
	}
	started := make(chan string, 8)
	releases := make(chan func(), 8)
	queue := func(key string) {
		go func() {
			release, ok, _ := f.acquire(ctx, key, time.Minute)
			if ok {
				started <- key
				releases <- release
			}
		}()
	}
	waiting := func(n int) {
		for {
			f.mu.Lock()
			got := len(f.waiting)
			f.mu.Unlock()
			if got == n {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	for range 3 {
		queue("a")
	}
	waiting(3)
	queue("b")
	waiting(4)
	held[0]() // a holds one: b, holding none, is next, ahead of a's three
	if got := <-started; got != "b" {
		t.Fatalf("the freed slot went to %s, want b", got)
	}
	held[0]() // a release works once
	held[1]()
	if got := <-started; got != "a" {
		t.Fatalf("then %s, want a", got)
	}
	for range 2 { // b's and a's slots freed: a's last two run
		(<-releases)()
	}
	<-started
	<-started
	(<-releases)()
	(<-releases)()
	f.mu.Lock()
	if f.free != 2 || len(f.held) != 0 || len(f.waiting) != 0 {
		t.Errorf("after every release: %d free, held %v, %d waiting", f.free, f.held, len(f.waiting))
	}
	f.mu.Unlock()

	// Waits that end without a slot.
	r1, _, _ := f.acquire(ctx, "c", time.Minute)
	r2, _, _ := f.acquire(ctx, "c", time.Minute)
	if _, ok, timedOut := f.acquire(ctx, "d", 10*time.Millisecond); ok || !timedOut {
		t.Errorf("a wait that ran out: ok %v, timed out %v", ok, timedOut)
	}
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok, timedOut := f.acquire(gone, "d", time.Minute); ok || timedOut {
		t.Errorf("a client that went away: ok %v, timed out %v", ok, timedOut)
	}
	r1()
	r2()
	if f.free != 2 || len(f.waiting) != 0 {
		t.Errorf("slots lost to waits that ended: %d free, %d waiting", f.free, len(f.waiting))
	}
}
