package poller_test

import (
	"fmt"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// timeoutError is what net/http returns when http.Client.Timeout runs out.
type timeoutError struct{}

func (timeoutError) Error() string { return "Client.Timeout exceeded while awaiting headers" }
func (timeoutError) Timeout() bool { return true }

// noAnswer are errors of calls that got no answer of ECS, and what the worker calls each.
var noAnswer = []struct {
	name, failure, at string // at: the endpoint, as the reason names it
	err               error
}{
	{"refused", "ConnectionError", " at 10.0.0.1:8080", fmt.Errorf("ecs call: %w", &url.Error{Op: "Post", URL: "http://10.0.0.1:8080/?RegionId=cn-hangzhou", Err: syscall.ECONNREFUSED})},
	{"hanging", "Timeout", " at 10.0.0.1:8080", fmt.Errorf("ecs call: %w", &url.Error{Op: "Post", URL: "http://10.0.0.1:8080/?RegionId=cn-hangzhou", Err: timeoutError{}})},
	{"503", "HTTP 503", "", &poller.APIError{Code: "ServiceUnavailable", StatusCode: 503}},
}

// When no call to a region is answered — DescribeTaskAttribute nor DescribeTasks — for
// UnreachableAfter, the worker is not ready, saying which region, where and how; it warns once,
// reminds every minute, keeps its tasks (no hand-back, even past HandBackAfter; no event),
// and is ready again, saying how long it lasted, once ECS answers.
func TestUnreachableECSMakesTheWorkerNotReady(t *testing.T) {
	for _, tc := range noAnswer {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.api.script("t-1", answers(finished(), 1)...)
				r.batch = &batchAPI{memAPI: r.api}
				r.api.setRefuse(tc.err) // DescribeTasks too
				core, logs := observer.New(zap.InfoLevel)
				r.log = zap.New(core)
				cfg := rigConfig()
				cfg.BatchInterval, cfg.HandBackAfter = 500*time.Millisecond, 5*time.Second
				a := r.start(cfg)
				a.register("t-1")
				start := time.Now()
				for time.Since(start) < 29*time.Second {
					settle(time.Second)
					if err := a.w.Ready(); err != nil {
						t.Fatalf("not ready after %s, before UnreachableAfter (30s): %v", time.Since(start), err)
					}
				}
				settle(2 * time.Second)
				err := a.w.Ready()
				if want := "ECS unreachable: " + testRegion + tc.at + ": " + tc.failure + " for "; err == nil || !strings.HasPrefix(err.Error(), want) {
					t.Fatalf("Ready = %v after %s, want %q...", err, time.Since(start), want)
				}
				if got := testutil.ToFloat64(a.metrics.Unreachable.WithLabelValues(testRegion)); got != 1 {
					t.Errorf("taskpoller_ecs_unreachable = %g, want 1", got)
				}
				settle(3 * time.Minute)
				if n := logs.FilterMessageSnippet("ECS is unreachable").FilterLevelExact(zap.WarnLevel).Len(); n != 1 {
					t.Errorf("%d warnings that ECS is unreachable, want 1", n)
				}
				if n := logs.FilterMessageSnippet("still unreachable").Len(); n != 3 {
					t.Errorf("%d reminders in 3 minutes, want 3", n)
				}
				if a.w.Tracked() != 1 || r.q.Released() != 0 || len(r.events("t-1")) != 0 {
					t.Fatalf("tracked %d, handed back %d, events %v: want the task kept, quietly",
						a.w.Tracked(), r.q.Released(), r.history("t-1"))
				}
				if b := r.batch.batches.Load(); b < 10 {
					t.Errorf("%d DescribeTasks calls: is the batch checker on?", b)
				}
				r.api.setRefuse(nil)
				settle(5 * time.Second)
				if err := a.w.Ready(); err != nil {
					t.Errorf("not ready once ECS answers: %v", err)
				}
				end := logs.FilterMessageSnippet("answers again").All()
				if len(end) != 1 || end[0].ContextMap()["lasted"].(time.Duration) < 3*time.Minute {
					t.Errorf("end of outage logged %v, want once with how long it lasted", end)
				}
				r.checkConsistent("t-1")
				if h := r.history("t-1"); len(h) == 0 || h[len(h)-1] != string(events.KindFinished) {
					t.Errorf("history %v", h)
				}
			})
		})
	}
}

// A run of unanswered calls shorter than UnreachableAfter never shows: a restarting proxy
// or a burst of 503s is no outage.
func TestShortOutageStaysReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 1)...)
		core, logs := observer.New(zap.InfoLevel)
		r.log = zap.New(core)
		a := r.start(rigConfig())
		a.register("t-1")
		settle(time.Second)
		for range 3 {
			r.api.setRefuse(noAnswer[0].err)
			for range 20 {
				settle(time.Second)
				if err := a.w.Ready(); err != nil {
					t.Fatalf("not ready during a 20 s outage: %v", err)
				}
			}
			r.api.setRefuse(nil)
			settle(5 * time.Second)
		}
		if n := logs.FilterLevelExact(zap.WarnLevel).Len(); n != 0 {
			t.Errorf("%d warnings for short outages, want 0: %v", n, logs.All())
		}
	})
}
