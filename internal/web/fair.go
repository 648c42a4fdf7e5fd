package web

import (
	"context"
	"slices"
	"sync"
	"time"
)

// fairSlots are the server's query slots, handed out fairly among callers: a free slot goes at
// once to whoever asks while no one waits; a slot freed while others wait goes to the waiting
// caller that holds the fewest slots, the earliest of equals. One caller alone may use them
// all, but many requests of one caller cannot keep another waiting behind them.
type fairSlots struct {
	mu      sync.Mutex
	free    int
	held    map[string]int
	waiting []*slotWaiter
}

type slotWaiter struct {
	key     string
	ready   chan struct{}
	granted bool
}

func newFairSlots(n int) *fairSlots { return &fairSlots{free: n, held: map[string]int{}} }

// acquire waits for a slot for caller key until ctx ends or wait passes, and returns its
// release; timedOut tells a wait that ran out from a context that ended.
func (f *fairSlots) acquire(ctx context.Context, key string, wait time.Duration) (release func(), ok, timedOut bool) {
	f.mu.Lock()
	if f.free > 0 && len(f.waiting) == 0 {
		f.free--
		f.held[key]++
		f.mu.Unlock()
		return f.releaser(key), true, false
	}
	w := &slotWaiter{key: key, ready: make(chan struct{})}
	f.waiting = append(f.waiting, w)
	f.mu.Unlock()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return f.releaser(key), true, false
	case <-timer.C:
		timedOut = true
	case <-ctx.Done():
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.granted { // handed a slot as the wait ended: it is this request's to use
		return f.releaser(key), true, false
	}
	f.waiting = slices.DeleteFunc(f.waiting, func(x *slotWaiter) bool { return x == w })
	return nil, false, timedOut
}

// releaser returns the release of a slot held for key, which works once.
func (f *fairSlots) releaser(key string) func() {
	var once sync.Once
	return func() { once.Do(func() { f.release(key) }) }
}

func (f *fairSlots) release(key string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.held[key]--; f.held[key] <= 0 {
		delete(f.held, key)
	}
	if len(f.waiting) == 0 {
		f.free++
		return
	}
	next := 0
	for i, w := range f.waiting {
		if f.held[w.key] < f.held[f.waiting[next].key] {
			next = i
		}
	}
	w := f.waiting[next]
	f.waiting = slices.Delete(f.waiting, next, next+1)
	w.granted = true
	f.held[w.key]++
	close(w.ready)
}
