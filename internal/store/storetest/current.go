package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

// testCurrent holds that counts follow the events however they arrive: an engine that keeps
// what it counted must drop it when late events for the range, or events before it (which
// decide the new malware families), are committed.
func testCurrent(t testing.TB, st store.Store) {
	in := input(t, st, "current")
	prev := store.Range{From: from.AddDate(0, 0, -7), To: from}
	bounds := []time.Time{prev.From, from, to}
	// A scope listed in another order is the same scope.
	shuffled := store.Scope{Count: slices.Clone(event.TLPOrder), Names: slices.Clone(event.TLPOrder)}
	slices.Reverse(shuffled.Count)
	host := func(at time.Time, ip, fam string) event.Event {
		return event.Event{Time: at, Kind: event.InfectedHost, IP: ip, Country: "CN", Province: "北京", Family: fam, TLP: event.Clear}
	}
	want := func(step string, hosts, prevHosts int, families []string) {
		t.Helper()
		for _, top := range []int{0, 3, 1, 0} { // a smaller top after a larger one, and back
			c, err := st.EventCounts(ctx, week, store.AllRecords, top)
			if err != nil {
				t.Fatalf("%s: EventCounts(top %d): %v", step, top, err)
			}
			if c.TrojanBotnet != hosts {
				t.Errorf("%s: top %d: %d hosts, want %d", step, top, c.TrojanBotnet, hosts)
			}
			switch {
			case top == 0 && (c.NewFamilies != nil || c.Provinces != nil):
				t.Errorf("%s: top 0 ranks %v and names families %v", step, c.Provinces, c.NewFamilies)
			case top > 0 && !reflect.DeepEqual(c.NewFamilies, families):
				t.Errorf("%s: top %d: new families %#v, want %#v", step, top, c.NewFamilies, families)
			case top > 0 && len(c.Provinces) != 1:
				t.Errorf("%s: top %d: provinces %v, want 北京 alone", step, top, c.Provinces)
			}
		}
		h, err := st.History(ctx, bounds, shuffled)
		if err != nil {
			t.Fatalf("%s: History: %v", step, err)
		}
		if len(h) != 2 || h[0].TrojanBotnet != prevHosts || h[1].TrojanBotnet != hosts {
			t.Errorf("%s: history %+v, want %d then %d hosts", step, h, prevHosts, hosts)
		}
		p, err := st.EventCounts(ctx, prev, store.AllRecords, 0)
		if err != nil {
			t.Fatalf("%s: EventCounts of the week before: %v", step, err)
		}
		if p.TrojanBotnet != prevHosts {
			t.Errorf("%s: the week before has %d hosts, want %d", step, p.TrojanBotnet, prevHosts)
		}
	}
	commit(t, st, store.Batch{Input: in.ID, No: 0, Read: 2, Events: []event.Event{host(mid, "10.0.0.1", "mirai"), host(mid, "10.0.0.2", "mirai")}})
	want("first events", 2, 0, nil)
	commit(t, st, store.Batch{Input: in.ID, No: 1, Read: 1, Events: []event.Event{host(prev.From.Add(time.Hour), "10.0.0.3", "gafgyt")}})
	want("late events for the week before", 2, 1, []string{"mirai"})
	commit(t, st, store.Batch{Input: in.ID, No: 2, Read: 1, Events: []event.Event{host(to.Add(-time.Microsecond), "10.0.0.4", "Zeus")}})
	want("late events for the week", 3, 1, []string{"mirai", "Zeus"})
	commit(t, st, store.Batch{Input: in.ID, No: 3, Read: 1, Events: []event.Event{host(prev.From.AddDate(0, 0, -30), "10.0.0.5", "zeus")}})
	want("events a month before", 3, 1, []string{"mirai"})
	commit(t, st, store.Batch{Input: in.ID, No: 4, Read: 1, Events: []event.Event{host(to, "10.0.0.6", "later")}})
	want("events after the week", 3, 1, []string{"mirai"})
}

// testCurrentWhileCommitting counts a week from several goroutines while events for it are
// committed one batch at a time: whatever was counted in between, the counts after the last
// commit are those of every event.
func testCurrentWhileCommitting(t testing.TB, open func() store.Store) {
	for _, readers := range []int{1, 4, 8} {
		st := open()
		in := input(t, st, fmt.Sprintf("racing-%d", readers))
		const batches = 12
		done := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, readers)
		for r := range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-done:
						return
					default:
					}
					var err error
					if r%2 == 0 {
						_, err = st.EventCounts(ctx, week, store.AllRecords, r%3)
					} else {
						_, err = st.History(ctx, []time.Time{from, mid, to}, store.AllRecords)
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		for i := range batches {
			ev := event.Event{Time: mid.Add(time.Duration(i%2) * 2 * 24 * time.Hour), Kind: event.InfectedHost,
				IP: fmt.Sprintf("10.1.0.%d", i), Country: "CN", TLP: event.Clear}
			commit(t, st, store.Batch{Input: in.ID, No: i, Read: 1, Events: []event.Event{ev}})
			time.Sleep(time.Millisecond)
		}
		close(done)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("%d readers: counting while committing: %v", readers, err)
		}
		for _, top := range []int{0, 2} {
			c, err := st.EventCounts(ctx, week, store.AllRecords, top)
			if err != nil {
				t.Fatalf("EventCounts: %v", err)
			}
			if c.TrojanBotnet != batches {
				t.Errorf("%d readers, top %d: %d hosts after the last commit, want %d", readers, top, c.TrojanBotnet, batches)
			}
		}
		h, err := st.History(ctx, []time.Time{from, mid, to}, store.AllRecords)
		if err != nil {
			t.Fatalf("History: %v", err)
		}
		if h[0].TrojanBotnet+h[1].TrojanBotnet != batches {
			t.Errorf("%d readers: history %+v after the last commit, want %d hosts in all", readers, h, batches)
		}
	}
}
