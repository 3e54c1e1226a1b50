package natsjs_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// A worker that dies leaves its partitions' consumers on the server; they go once idle for a
// lease TTL, when its partitions can go to others anyway. With the client's default of 5
// minutes, the consumers of killed workers and of node restarts reached the server's 1,000 a
// stream in the chaos soak, and no partition could be read for minutes.
func TestDeadWorkersConsumersGo(t *testing.T) {
	cfg := natsjs.SetupConfig{AckWait: 2 * time.Second}
	w := newWorld(t, cfg)
	ctx := context.Background()

	// The worker to kill, on a connection of its own.
	nc, js, err := natsclient.ConnConfig{URL: w.js.Conn().ConnectedUrl()}.Dial("", "doomed", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	a, err := natsjs.Setup(ctx, js, w.subjects, cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := natsjs.NewSource(a, natsjs.NewPublisher(js, w.subjects), zap.NewNop(), 8)
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = src.Run(sctx) })
	defer func() { cancel(); wg.Wait() }()

	consumers := func() int {
		info, err := w.assets.TasksStream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Consumers
	}
	deadline := time.Now().Add(20 * time.Second)
	for consumers() < natsjs.Partitions {
		if time.Now().After(deadline) {
			t.Fatalf("the worker reads its partitions with %d consumers, want %d", consumers(), natsjs.Partitions)
		}
		time.Sleep(50 * time.Millisecond)
	}
	nc.Close() // killed: nothing it made is deleted by it
	deadline = time.Now().Add(20 * time.Second)
	for n := consumers(); n > 0; n = consumers() {
		if time.Now().After(deadline) {
			t.Fatalf("%d consumers of a dead worker still there 20 s after it died (lease TTL %s)", n, cfg.AckWait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
