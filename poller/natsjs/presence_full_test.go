package natsjs_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// A full worker counts for the quota but not for the partitions while another worker has
// room: that one's share is all of them. When every worker is full, they share the
// partitions evenly again.
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
	b.SetFull(true)
	waitView("both full", b, view{2, natsjs.Partitions / 2})
	waitView("both full", a, view{2, natsjs.Partitions / 2})
	if a.Room() || b.Room() {
		t.Errorf("both full: room seen (a %v, b %v), want none", a.Room(), b.Room())
	}
}
