package poller_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// A task whose calls never succeed (ECS unreachable) ends like any other: failed, reason
// timeout, one PollMax after its deadline (the calls made meanwhile could have seen it end),
// naming the error. Before, it was polled for ever, and its records expired under it.
func TestUnreachableTaskTimesOutAtItsLastChance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 1)...)
		cfg := rigConfig()
		cfg.TaskTimeout = 10 * time.Second
		a := r.start(cfg)
		start := time.Now()
		a.register("t-1")
		settle(2 * time.Second) // Processing announced
		r.api.setRefuse(&url.Error{Op: "Post", URL: "http://ecs.example/?TaskId=t-1", Err: errors.New("dial tcp: connection refused")})
		settle(time.Minute)
		r.checkConsistent("t-1")
		evs := r.events("t-1")
		last := evs[len(evs)-1]
		if last.Kind != events.KindFailed || last.Reason != events.ReasonTimeout || last.ErrorCode != "ConnectionError" {
			t.Fatalf("last event %s %s %s: %v", last.Kind, last.Reason, last.ErrorCode, r.history("t-1"))
		}
		if at, want := last.ObservedAt.Sub(start), cfg.TaskTimeout+cfg.PollMax; at != want {
			t.Errorf("timed out %s after registration, want one PollMax after the deadline (%s)", at, want)
		}
		if strings.Contains(last.ErrorMessage, "TaskId=") || !strings.Contains(last.ErrorMessage, "connection refused") {
			t.Errorf("error message %q: want the cause without the request's URL", last.ErrorMessage)
		}
		if n := a.w.Tracked(); n != 0 {
			t.Errorf("still tracking %d tasks", n)
		}
	})
}

// A task DescribeTasks saw end is not timed out at its last chance because the reads of its
// end (DescribeTaskAttribute) fail meanwhile: ECS said it ended, so its end is read and
// announced once a read succeeds. Before, the read failing at the last chance announced
// failed/timeout for a task ECS had reported finished.
func TestTaskSeenEndedIsNotTimedOutAtItsLastChance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		ends, readsFail, readsBack := start.Add(10200*time.Millisecond), start.Add(10*time.Second), start.Add(20*time.Second)
		r.api.scriptFunc("t-1", func(n int, now time.Time) memAnswer {
			switch {
			case n >= 0 && !now.Before(readsFail) && now.Before(readsBack):
				return memAnswer{err: &poller.APIError{Code: "ServiceUnavailable", StatusCode: 503}}
			case now.Before(ends):
				return memAnswer{task: task(poller.StatusProcessing, "50%")}
			}
			return memAnswer{task: finished()}
		})
		r.batch = &batchAPI{memAPI: r.api}
		cfg := rigConfig()
		cfg.TaskTimeout, cfg.BatchInterval = 10*time.Second, 500*time.Millisecond
		a := r.start(cfg)
		a.register("t-1")
		settle(time.Minute)
		r.checkConsistent("t-1")
		if h := r.history("t-1"); len(h) == 0 || h[len(h)-1] != string(events.KindFinished) {
			t.Errorf("history %v, want the task finished (DescribeTasks saw it end before its last chance)", h)
		}
		if n := a.w.Tracked(); n != 0 {
			t.Errorf("still tracking %d tasks", n)
		}
	})
}
