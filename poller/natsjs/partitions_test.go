package natsjs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// member is one worker's Source and Presence, running.
type member struct {
	src  *natsjs.Source
	stop func()
}

func join(t *testing.T, w *world, id string) *member {
	t.Helper()
	p := natsjs.NewPresence(w.assets, id, zap.NewNop())
	src := natsjs.NewSource(w.assets, natsjs.NewPublisher(w.js, w.subjects), zap.NewNop(), 8, natsjs.WithPresence(p))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = p.Run(ctx) })
	wg.Go(func() { _ = src.Run(ctx) })
	m := &member{src: src, stop: sync.OnceFunc(func() { cancel(); wg.Wait() })}
	t.Cleanup(m.stop)
	return m
}

// waitHeld waits until each Source holds the number of partitions given for it.
func waitHeld(t *testing.T, what string, want map[*member]int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok := true
		got := ""
		for m, n := range want {
			ok = ok && m.src.Partitions() == n
			got += fmt.Sprintf(" %d (want %d)", m.src.Partitions(), n)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: partitions held:%s", what, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Workers share the partitions evenly: one joining takes half within seconds, and the tasks
// of the partitions it took are taken back from the other (Lost); one that stops accepting
// (Drain, as a paused worker does) or stops gives its share back at once.
func TestPartitionsFollowWorkersJoiningAndLeaving(t *testing.T) {
	w := newWorld(t, natsjs.SetupConfig{AckWait: 3 * time.Second})
	ctx := context.Background()
	a := join(t, w, "a")
	waitHeld(t, "alone", map[*member]int{a: natsjs.Partitions})

	// 40 tasks, all handed to A.
	for i := range 40 {
		b, _ := events.Registration{RegionID: "cn-hangzhou", TaskID: fmt.Sprintf("t-share%d", i)}.Payload()
		if _, err := w.js.Publish(ctx, w.subjects.Registered(), b); err != nil {
			t.Fatal(err)
		}
	}
	var leases []poller.Lease
	for range 40 {
		nctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		l, err := a.src.Next(nctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		leases = append(leases, l)
	}

	b := join(t, w, "b")
	waitHeld(t, "after b joined", map[*member]int{a: natsjs.Partitions / 2, b: natsjs.Partitions / 2})
	lost := 0
	for _, l := range leases {
		if l.Lost() {
			lost++
		}
	}
	// B is handed exactly the tasks A lost.
	for range lost {
		nctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		l, err := b.src.Next(nctx)
		cancel()
		if err != nil {
			t.Fatalf("B was handed fewer tasks than A lost (%d): %v", lost, err)
		}
		if held, err := b.src.Held(ctx, l.Registration().Key(), l.ID()); err != nil || !held {
			t.Errorf("task handed to B not held: %v %v", held, err)
		}
	}
	if lost == 0 || lost == len(leases) {
		t.Errorf("A lost %d of %d tasks to B, want some but not all", lost, len(leases))
	}

	b.src.Drain(ctx) // paused: stops accepting
	waitHeld(t, "after b drained", map[*member]int{a: natsjs.Partitions, b: 0})
	nctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = b.src.Next(nctx) // accepting again
	waitHeld(t, "after b accepts again", map[*member]int{a: natsjs.Partitions / 2, b: natsjs.Partitions / 2})

	b.stop()
	waitHeld(t, "after b stopped", map[*member]int{a: natsjs.Partitions})
}
