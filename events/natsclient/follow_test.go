package natsclient_test

import (
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Follow delivers events stored before it started, only those matching its filter, and
// redelivers an event whose handler failed.
func TestFollow(t *testing.T) {
	js, s := serve(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := natsjs.Setup(ctx, js, s, natsjs.SetupConfig{}); err != nil {
		t.Fatal(err)
	}
	pub := natsjs.NewPublisher(js, s)
	for _, n := range []poller.Notice{
		{Kind: events.KindFailed, Task: poller.Task{TaskID: "t-1", RegionID: "cn-hangzhou"}, Reason: events.ReasonTaskFailed},
		{Kind: events.KindFinished, Task: poller.Task{TaskID: "t-2", RegionID: "cn-hangzhou"}},
		{Kind: events.KindFailed, Task: poller.Task{TaskID: "t-3", RegionID: "cn-hangzhou"}, Reason: events.ReasonTimeout},
	} {
		if _, err := pub.Publish(ctx, n, 0); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var got []string
	failedOnce := false
	done := make(chan struct{})
	followErr := make(chan error, 1)
	go func() {
		followErr <- natsclient.Follow(ctx, js, s, natsclient.FollowConfig{Durable: "ops", FilterSubject: s.Kind(events.KindFailed)}, zap.NewNop(),
			func(e events.Event) error {
				mu.Lock()
				defer mu.Unlock()
				if e.Subject == "t-3" && !failedOnce {
					failedOnce = true
					return errors.New("printer jammed")
				}
				got = append(got, e.Subject+":"+string(e.Data.Reason))
				if len(got) == 2 {
					close(done)
				}
				return nil
			})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("events not delivered")
	}
	cancel()
	if err := <-followErr; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "t-1:task_failed" || got[1] != "t-3:timeout" {
		t.Errorf("got %v, want t-1 then t-3 (redelivered), and no finished event", got)
	}
}
