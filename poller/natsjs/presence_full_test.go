package natsjs_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// A full worker counts for the quota but not for the partitions while another worker has
// room: that one's share is all of them; so does a spare one (full before, room again), which
// is room for the others. When none is counted, all share the partitions evenly.
func TestPresenceOfFullWorkers(t *testing.T) {
	w := newWorld(t, natsjs.SetupConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var done []chan struct{}
	defer func() {
		cancel()
		for _, d := range done {
			<-d
		}
	}()
	run := func(id string) *natsjs.Presence {
		p := natsjs.NewPresence(w.assets, id, zap.NewNop())
		d := make(chan struct{})
		done = append(done, d)
		go func() { defer close(d); _ = p.Run(ctx) }()
		return p
	}
	a, b := run("worker-a"), run("worker-b")
	type view struct{ size, share int }
	see := func(p *natsjs.Presence) view { return view{p.Size(), p.Share(natsjs.Partitions)} }
	waitView := func(what string, p *natsjs.Presence, want view) {
		t.Helper()
		deadline := time.Now().Add(3 * natsjs.PresenceBeat)
		for see(p) != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: size and share %+v, want %+v", what, see(p), want)
			}
			time.Sleep(20 * time.Millisecond)
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
	for deadline := time.Now().Add(3 * natsjs.PresenceBeat); !b.Room(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a spare: b sees no room in the fleet, want a's")
		}
	}
	b.SetFull(true)
	waitView("a spare, b full", b, view{2, natsjs.Partitions / 2}) // none counted: all share
	if !b.Room() {
		t.Error("a spare, b full: b sees no room in the fleet, want a's")
	}
	a.SetSpare(false)
	a.SetFull(true)
	deadline := time.Now().Add(3 * natsjs.PresenceBeat)
	for a.Room() || b.Room() {
		if time.Now().After(deadline) {
			t.Fatalf("both full: room seen (a %v, b %v), want none", a.Room(), b.Room())
		}
		time.Sleep(20 * time.Millisecond)
	}
	waitView("both full", b, view{2, natsjs.Partitions / 2})
	waitView("both full", a, view{2, natsjs.Partitions / 2})
}
