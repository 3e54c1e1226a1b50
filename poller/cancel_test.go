package poller_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// With CancelOnTimeout, a task still running at its deadline is canceled (when it can be)
// before it fails with reason timeout, and the event says what became of the call; without
// it, nothing is canceled and the event says nothing.
func TestCancelAtTheDeadline(t *testing.T) {
	tests := []struct {
		name      string
		flag      bool
		running   poller.Task
		cancelErr error
		calls     int    // CancelTask calls
		want      string // data.cancel
	}{
		{name: "accepted", flag: true, running: task(poller.StatusProcessing, "40%"), calls: 1, want: events.CancelAccepted},
		{name: "refused", flag: true, running: task(poller.StatusProcessing, "40%"),
			cancelErr: &poller.APIError{Code: poller.CodeIncorrectTaskStatus, StatusCode: 403}, calls: 1,
			want: "refused: InvalidTaskId.IncorrectTaskStatus"},
		{name: "no answer", flag: true, running: task(poller.StatusWaiting, "0%"),
			cancelErr: &url.Error{Op: "Post", URL: "http://ecs", Err: errors.New("connection refused")}, calls: 1,
			want: "error: ConnectionError"},
		{name: "5xx", flag: true, running: task(poller.StatusProcessing, "40%"),
			cancelErr: &poller.APIError{Code: "ServiceUnavailable", StatusCode: 503}, calls: 1, want: "error: ServiceUnavailable"},
		{name: "not supported", flag: true, running: poller.Task{Status: poller.StatusProcessing, Process: "40%", Action: "ModifyDiskSpec"},
			want: events.CancelNotSupported},
		{name: "supported, says ECS", flag: true, running: poller.Task{Status: poller.StatusProcessing, Action: "CopyImage", SupportCancel: true},
			calls: 1, want: events.CancelAccepted},
		{name: "flag off", running: task(poller.StatusProcessing, "40%")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.api.script("t-1", answers(tt.running, 1)...)
				r.api.setCancelErr(tt.cancelErr)
				cfg := rigConfig()
				cfg.TaskTimeout, cfg.CancelOnTimeout = 10*time.Second, tt.flag
				a := r.start(cfg)
				start := time.Now()
				a.register("t-1")
				settle(time.Minute)
				r.checkConsistent("t-1")
				evs := r.events("t-1")
				last := evs[len(evs)-1]
				if last.Reason != events.ReasonTimeout || last.Cancel != tt.want {
					t.Errorf("last event %s %s cancel %q, want timeout cancel %q", last.Kind, last.Reason, last.Cancel, tt.want)
				}
				if got := last.Event().Data.Cancel; got != tt.want {
					t.Errorf("data.cancel %q, want %q", got, tt.want)
				}
				calls := r.api.cancelTimes("t-1")
				if len(calls) != tt.calls {
					t.Fatalf("%d CancelTask calls, want %d", len(calls), tt.calls)
				}
				for _, at := range calls {
					if d := at.Sub(start); d != cfg.TaskTimeout {
						t.Errorf("CancelTask called %s after registration, want at the deadline (%s)", d, cfg.TaskTimeout)
					}
				}
			})
		})
	}
}

// What a worker recorded of its cancel goes with the outbox: a successor that publishes the
// timeout the first holder could not says the same, and does not cancel again.
func TestCancelOutcomeSurvivesATakeover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "40%"), 1)...)
		cfg := rigConfig()
		cfg.TaskTimeout, cfg.CancelOnTimeout = 10*time.Second, true
		r.journal.FailWith(func(n poller.Notice) error {
			if n.Kind.Terminal() {
				return errors.New("cut off before the timeout was stored")
			}
			return nil
		})
		a := r.start(cfg)
		d := a.register("t-1")
		settle(15 * time.Second)
		a.kill()
		if n := len(r.api.cancelTimes("t-1")); n != 1 || r.terminals("t-1") != 0 {
			t.Fatalf("setup: %d cancels, history %v", n, r.history("t-1"))
		}
		r.journal.FailWith(nil)
		r.api.setCancelErr(&poller.APIError{Code: poller.CodeIncorrectTaskStatus, StatusCode: 403}) // a second call would say so
		b := r.start(cfg)
		b.redeliver(d)
		settle(10 * time.Second)
		r.checkConsistent("t-1")
		evs := r.events("t-1")
		if last := evs[len(evs)-1]; last.Reason != events.ReasonTimeout || last.Cancel != events.CancelAccepted {
			t.Errorf("last event %s %s cancel %q, want timeout, cancel accepted (as recorded)", last.Kind, last.Reason, last.Cancel)
		}
		if n := len(r.api.cancelTimes("t-1")); n != 1 {
			t.Errorf("%d CancelTask calls, want 1: the successor published what was recorded", n)
		}
	})
}

// describeOnly is a TaskAPI that cannot cancel.
type describeOnly struct{ api *memAPI }

func (d describeOnly) DescribeTask(ctx context.Context, region, task string) (poller.Task, error) {
	return d.api.DescribeTask(ctx, region, task)
}

// A worker asked to cancel tasks with a TaskAPI that cannot is refused at construction.
func TestCancelOnTimeoutNeedsATaskCanceler(t *testing.T) {
	r := newRig(t)
	cfg := rigConfig()
	cfg.CancelOnTimeout = true
	if _, err := poller.NewWorker(cfg, describeOnly{r.api}, r.journal, r.store, r.q.Source()); err == nil {
		t.Error("NewWorker accepted CancelOnTimeout with a TaskAPI that cannot cancel")
	}
	if _, err := poller.NewWorker(cfg, r.api, r.journal, r.store, r.q.Source()); err != nil {
		t.Errorf("NewWorker with a TaskCanceler: %v", err)
	}
	cfg.CancelOnTimeout = false
	if _, err := poller.NewWorker(cfg, describeOnly{r.api}, r.journal, r.store, r.q.Source()); err != nil {
		t.Errorf("NewWorker without CancelOnTimeout: %v", err)
	}
}
