package natsjs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// Workers see each other join within a beat, and a worker that stops gracefully leaves at
// once (its key is removed; a crashed one expires after PresenceTTL).
func TestPresenceCountsTheFleet(t *testing.T) {
	w := newWorld(t, natsjs.SetupConfig{})
	a, _ := runPresence(t, w, "worker-a")
	b, stopB := runPresence(t, w, "worker.b") // made a valid key
	waitSize := func(p *natsjs.Presence, want int) {
		t.Helper()
		if !withinBeats(50*time.Millisecond, func() bool { return p.Size() == want }) {
			t.Fatalf("fleet size %d, want %d", p.Size(), want)
		}
	}
	waitSize(a, 2)
	waitSize(b, 2)
	if err := stopB(); err != nil {
		t.Fatal(err)
	}
	waitSize(a, 1)
}

// A full worker counts for the quota but not for the partitions while another worker has
// room: that one's share is all of them; so does a spare one (full before, room again), which
// is room for the others. When none is counted, all share the partitions evenly.
func TestPresenceOfFullWorkers(t *testing.T) {
	w := newWorld(t, natsjs.SetupConfig{})
	a, _ := runPresence(t, w, "worker-a")
	b, _ := runPresence(t, w, "worker-b")
	type view struct{ size, share int }
	see := func(p *natsjs.Presence) view { return view{p.Size(), p.Share(natsjs.Partitions)} }
	waitView := func(what string, p *natsjs.Presence, want view) {
		t.Helper()
		if !withinBeats(20*time.Millisecond, func() bool { return see(p) == want }) {
			t.Fatalf("%s: size and share %+v, want %+v", what, see(p), want)
		}
	}
	waitView("both accepting", b, view{2, natsjs.Partitions / 2})

	a.SetFull(true)
	waitView("a full", b, view{2, natsjs.Partitions})
	if !a.Room() {
		t.Error("a full: a sees no room in the fleet, want b's")
	}
	a.SetSpare(true) // room again: not counted for the partitions, but room for them
	a.SetFull(false)
	waitView("a spare", b, view{2, natsjs.Partitions})
	// b's view is the same whether a is full or spare; b sees room only once a is spare.
	if !withinBeats(20*time.Millisecond, b.Room) {
		t.Fatal("a spare: b sees no room in the fleet, want a's")
	}
	b.SetFull(true)
	waitView("a spare, b full", b, view{2, natsjs.Partitions / 2}) // none counted: all share
	if !b.Room() {
		t.Error("a spare, b full: b sees no room in the fleet, want a's")
	}
	a.SetSpare(false)
	a.SetFull(true)
	if !withinBeats(20*time.Millisecond, func() bool { return !a.Room() && !b.Room() }) {
		t.Fatalf("both full: room seen (a %v, b %v), want none", a.Room(), b.Room())
	}
	waitView("both full", b, view{2, natsjs.Partitions / 2})
	waitView("both full", a, view{2, natsjs.Partitions / 2})
}

// runPresence runs worker id's Presence on w's assets until stop is called, or the test ends;
// stop returns what Run returned (the test's end ignores it).
func runPresence(t *testing.T, w *world, id string) (p *natsjs.Presence, stop func() error) {
	t.Helper()
	p = natsjs.NewPresence(w.assets, id, zap.NewNop())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stop = sync.OnceValue(func() error { cancel(); return <-done })
	t.Cleanup(func() { _ = stop() })
	return p, stop
}

// withinBeats checks ok every so often until it holds, for three presence beats at most; it
// reports whether ok held.
func withinBeats(every time.Duration, ok func() bool) bool {
	for deadline := time.Now().Add(3 * natsjs.PresenceBeat); !ok(); time.Sleep(every) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}
