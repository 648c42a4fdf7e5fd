package web_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sitrep/internal/auth"
	"sitrep/internal/event"
	"sitrep/internal/store"
	"sitrep/internal/web"
)

// TestQuerySlots sends 20 viewers at once for live statistics: no more than the slots compute
// at a time, every viewer gets an answer, and when the wait runs out the answer is 503 with
// Retry-After, never a 500.
func TestQuerySlots(t *testing.T) {
	for _, tc := range []struct {
		name       string
		slots      int
		wait       time.Duration
		all200     bool
		mostAtOnce int32
	}{
		{"queued", 2, 30 * time.Second, true, 2},
		{"turned away", 1, 50 * time.Millisecond, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var running, most atomic.Int32
			srv := &web.Server{QuerySlots: tc.slots, SlotWait: tc.wait,
				Stats: func(ctx context.Context, st store.Store, week string, tlp event.TLP) (any, error) {
					n := running.Add(1)
					defer running.Add(-1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					time.Sleep(100 * time.Millisecond)
					return map[string]string{"week": week}, nil
				}}
			ts, _ := serve(t, emptyStore(t), srv)
			tok := addToken(t, srv.Store, auth.Viewer)
			codes := map[int]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					code, h, body := call(t, "GET", ts.URL+"/api/v1/stats/2024-W09", tok, "")
					mu.Lock()
					defer mu.Unlock()
					codes[code]++
					if code == 503 && h.Get("Retry-After") == "" {
						t.Errorf("503 without Retry-After: %s", body)
					}
				}()
			}
			wg.Wait()
			if most.Load() > tc.mostAtOnce {
				t.Errorf("%d computations at once, with %d slots", most.Load(), tc.slots)
			}
			if codes[500] > 0 || codes[200]+codes[503] != 20 || tc.all200 && codes[200] != 20 || !tc.all200 && codes[503] == 0 {
				t.Errorf("answers %v", fmt.Sprint(codes))
			}
		})
	}
}
