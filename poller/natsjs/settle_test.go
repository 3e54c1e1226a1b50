package natsjs_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// The tasks bucket has no TTL, so a marker left by each settled task would stay for ever:
// the bucket's stream would grow with every task ever tracked, and every worker taking a
// partition would read all of its markers again. A settled task leaves nothing for longer
// than a lease TTL, and the same task can be registered and handed out again.
func TestSettledTasksLeaveNothingInTheBucket(t *testing.T) {
	const n = 20
	w := newWorld(t, natsjs.SetupConfig{AckWait: 2 * time.Second})
	src := natsjs.NewSource(w.assets, natsjs.NewPublisher(w.js, w.subjects), zap.NewNop(), 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = src.Run(ctx) }()
	defer func() { cancel(); <-done }()

	registerMany(t, w, "t-settle", n, 0)
	for range n {
		if err := nextWithin(t, src, 20*time.Second).Done(ctx); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(w.assets.LeaseTTL + 10*time.Second)
	for {
		info, err := w.assets.TasksStream.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the tasks bucket's stream holds %d messages %s after every task was settled, want none",
				info.State.Msgs, w.assets.LeaseTTL+10*time.Second)
		}
		time.Sleep(100 * time.Millisecond)
	}
	registerMany(t, w, "t-settle", 1, 0)
	if got := nextWithin(t, src, 20*time.Second).Registration().TaskID; got != "t-settle0" {
		t.Errorf("registered again, handed out %s, want t-settle0", got)
	}
}

// A partition's reader that cannot read (its stream gone, or NATS out of reach: the ordered
// consumer then retries making its consumer for ever, deaf to the context) still ends when
// the Source stops: Run returns and leaves no goroutine behind.
func TestSourceStopsWhileItsReadersCannotRead(t *testing.T) {
	w := newWorld(t, natsjs.SetupConfig{AckWait: 3 * time.Second})
	src := natsjs.NewSource(w.assets, natsjs.NewPublisher(w.js, w.subjects), zap.NewNop(), 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = src.Run(ctx) }()
	defer cancel()

	registerMany(t, w, "t-gone", 1, 0)
	nextWithin(t, src, 20*time.Second) // the readers run
	if err := w.js.DeleteStream(ctx, w.assets.TasksStream.CachedInfo().Config.Name); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // the readers find their consumers gone
	cancel()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("Source.Run has not returned 15s after its context ended")
	}
}
