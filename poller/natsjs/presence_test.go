package natsjs_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// Workers see each other join within a beat, and a worker that stops gracefully leaves at
// once (its key is removed; a crashed one expires after PresenceTTL).
func TestPresenceCountsTheFleet(t *testing.T) {
	w := newWorld(t, natsjs.SetupConfig{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := func(id string) (*natsjs.Presence, context.CancelFunc, chan error) {
		p := natsjs.NewPresence(w.assets, id, zap.NewNop())
		pctx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(pctx) }()
		return p, stop, done
	}
	a, stopA, doneA := run("worker-a")
	b, stopB, doneB := run("worker.b") // made a valid key
	defer func() { stopA(); <-doneA }()
	waitSize := func(p *natsjs.Presence, want int) {
		t.Helper()
		deadline := time.Now().Add(3 * natsjs.PresenceBeat)
		for p.Size() != want {
			if time.Now().After(deadline) {
				t.Fatalf("fleet size %d, want %d", p.Size(), want)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitSize(a, 2)
	waitSize(b, 2)
	stopB()
	if err := <-doneB; err != nil {
		t.Fatal(err)
	}
	waitSize(a, 1)
}
