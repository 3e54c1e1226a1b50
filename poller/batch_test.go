package poller_test

import (
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// With DescribeTasks, a status change is seen within a batch interval even when the task's
// backoff is long, and DescribeTaskAttribute is called only on changes; the event names the
// task's resource. Without it, the change waits for the backoff.
func TestBatchChecksSeeChangesEarly(t *testing.T) {
	for _, batched := range []bool{true, false} {
		t.Run(fmt.Sprintf("batched=%v", batched), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				start := time.Now()
				finishAt := 7 * time.Second
				const tasks = 250 // three DescribeTasks calls a round
				endAllAt(r, tasks, start.Add(finishAt))
				cfg := rigConfig()
				// A budget that is not the bound: 250 reads at the end take half a second.
				cfg.PollInitial, cfg.PollMax, cfg.APIQPS = 5*time.Second, time.Minute, 500
				if batched {
					cfg.BatchInterval = 500 * time.Millisecond
				}
				a := r.start(cfg)
				for i := range tasks {
					a.register(fmt.Sprintf("t-%d", i))
				}
				settle(2 * time.Minute)
				var latest time.Duration
				calls := 0
				for i := range tasks {
					id := fmt.Sprintf("t-%d", i)
					r.checkConsistent(id)
					evs := r.events(id)
					last := evs[len(evs)-1]
					latest = max(latest, last.ObservedAt.Sub(start)-finishAt)
					calls += len(r.api.callTimes(id))
					if want := map[bool]string{true: "m-" + id, false: ""}[batched]; last.Task.ResourceID != want {
						t.Errorf("%s: resource %q, want %q", id, last.Task.ResourceID, want)
					}
				}
				t.Logf("batched=%v: latest seen %s after finishing; %.1f DescribeTaskAttribute calls per task, %d DescribeTasks calls",
					batched, latest, float64(calls)/tasks, r.batch.batches.Load())
				if batched && (latest > 2*cfg.BatchInterval+time.Second || calls > 3*tasks) {
					t.Errorf("batched: latest %s after finishing, %d calls for %d tasks", latest, calls, tasks)
				}
				if !batched && latest < cfg.PollInitial/2 {
					t.Errorf("per task: seen %s after finishing, faster than the backoff allows: is batching really off?", latest)
				}
			})
		})
	}
}

// A worker whose DescribeTasks calls are refused (a RAM policy without ecs:DescribeTasks)
// polls per task, says so, and still ends every task.
func TestRefusedBatchFallsBackToPerTaskPolling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		r.api.scriptFunc("t-1", func(_ int, now time.Time) memAnswer {
			if now.Sub(start) < 3*time.Second {
				return memAnswer{task: task(poller.StatusProcessing, "50%")}
			}
			return memAnswer{task: finished()}
		})
		r.batch = &batchAPI{memAPI: r.api}
		r.batch.refuse.Store(error(&poller.APIError{Code: "Forbidden.RAM", StatusCode: 403}))
		cfg := rigConfig()
		cfg.BatchInterval = 500 * time.Millisecond
		a := r.start(cfg)
		a.register("t-1")
		settle(time.Second)
		if d := a.w.Detail(); d == "" {
			t.Error("no detail says DescribeTasks is refused")
		}
		if err := a.w.Ready(); err != nil {
			t.Errorf("a refused DescribeTasks made the worker not ready: %v", err)
		}
		settle(time.Minute)
		r.checkConsistent("t-1")
		if h := r.history("t-1"); h[len(h)-1] != string(events.KindFinished) {
			t.Errorf("history %v", h)
		}
		if n := r.batch.batches.Load(); n != 1 {
			t.Errorf("%d DescribeTasks calls, want 1 (then per-task polling until the retry)", n)
		}
	})
}

// The rate is kept when calls are sent, not when tokens are reserved: when many tasks end at
// once and DescribeTasks makes them all due, the reads still go at the configured rate.
func TestBatchChangesKeepTheRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		const tasks = 250
		endAllAt(r, tasks, start.Add(7*time.Second))
		cfg := rigConfig()
		cfg.PollInitial, cfg.PollMax, cfg.APIQPS, cfg.BatchInterval = 5*time.Second, time.Minute, 20, 500*time.Millisecond
		a := r.start(cfg)
		for i := range tasks {
			a.register(fmt.Sprintf("t-%d", i))
		}
		settle(2 * time.Minute)
		at := r.consistentCalls(tasks, start, start)
		// An ended task waiting for its read is not checked again meanwhile.
		for i := range tasks {
			id := fmt.Sprintf("t-%d", i)
			calls := r.api.callTimes(id)
			read, n := calls[len(calls)-1], 0
			for _, c := range r.batch.checkTimes(id) {
				if c.After(start.Add(7*time.Second)) && c.Before(read) {
					n++
				}
			}
			if n > 2 {
				t.Errorf("%s: DescribeTasks asked %d times between its end and its read at %s", id, n, read.Sub(start))
			}
		}
		// In any 5 s, at most a burst and 5 s of the rate aimed at.
		limit := cfg.APIQPS + 5*cfg.APIQPS*poller.QuotaHeadroom
		for _, from := range at {
			n := 0
			for _, c := range at {
				if c >= from && c < from+5*time.Second {
					n++
				}
			}
			if float64(n) > limit {
				t.Fatalf("%d DescribeTaskAttribute calls in the 5 s from %s, want at most %.0f", n, from, limit)
			}
		}
	})
}

// consistentCalls checks tasks t-0... (see checkConsistent) and returns when their
// DescribeTaskAttribute calls from from on were made, as offsets from start.
func (r *rig) consistentCalls(tasks int, start, from time.Time) []time.Duration {
	r.t.Helper()
	var at []time.Duration
	for i := range tasks {
		id := fmt.Sprintf("t-%d", i)
		r.checkConsistent(id)
		for _, c := range r.api.callTimes(id) {
			if !c.Before(from) {
				at = append(at, c.Sub(start))
			}
		}
	}
	return at
}

// endAllAt scripts tasks t-0... to be Processing at 50% until end, then Finished, and gives the
// rig DescribeTasks.
func endAllAt(r *rig, tasks int, end time.Time) {
	for i := range tasks {
		r.api.scriptFunc(fmt.Sprintf("t-%d", i), func(_ int, now time.Time) memAnswer {
			if now.Before(end) {
				return memAnswer{task: task(poller.StatusProcessing, "50%")}
			}
			return memAnswer{task: finished()}
		})
	}
	r.batch = &batchAPI{memAPI: r.api}
}

// A rate cut while many reads wait slows them down; it never stops them. Tasks end faster
// than the rate reads them, so reads are always waiting, and ECS throttles every
// DescribeTaskAttribute for one second in the middle: from the first end to the last read,
// DescribeTaskAttribute is never idle for longer than a few calls at the lowest rate take.
func TestRateCutLeavesNoGap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		const tasks = 1500
		firstEnd, every := start.Add(7*time.Second), 40*time.Millisecond // 25 ends/s, above the rate
		throttleFrom, throttleTo := start.Add(30*time.Second), start.Add(31*time.Second)
		throttled := &poller.APIError{Code: "Throttling.User", StatusCode: 400}
		for i := range tasks {
			end := firstEnd.Add(time.Duration(i) * every)
			r.api.scriptFunc(fmt.Sprintf("t-%d", i), func(n int, now time.Time) memAnswer {
				switch {
				case n >= 0 && !now.Before(throttleFrom) && now.Before(throttleTo):
					return memAnswer{err: throttled}
				case now.Before(end):
					return memAnswer{task: task(poller.StatusProcessing, "50%")}
				}
				return memAnswer{task: finished()}
			})
		}
		r.batch = &batchAPI{memAPI: r.api}
		cfg := rigConfig()
		cfg.PollInitial, cfg.PollMax, cfg.APIQPS, cfg.BatchInterval = 5*time.Second, time.Minute, 20, 500*time.Millisecond
		cfg.BatchQPS = 1000
		a := r.start(cfg)
		for i := range tasks {
			a.register(fmt.Sprintf("t-%d", i))
		}
		settle(10 * time.Minute)
		at := r.consistentCalls(tasks, start, firstEnd)
		slices.Sort(at)
		// The lowest rate is a quarter of the one aimed at: 4.5 calls/s, one per 222 ms.
		const maxGap = time.Second
		for i := 1; i < len(at); i++ {
			if gap := at[i] - at[i-1]; gap > maxGap {
				t.Fatalf("no DescribeTaskAttribute call for %s after %s (last call at %s), while ended tasks waited for their read",
					gap, at[i-1], at[len(at)-1])
			}
		}
	})
}

// When the DescribeTasks budget covers only part of the tracked tasks per batch interval, the
// checks go round them in turn: no task waits much longer than a whole turn for its next check,
// and none is checked more often than once per interval.
func TestBatchChecksEveryTaskInTurn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		const tasks = 1000
		for i := range tasks {
			r.api.scriptFunc(fmt.Sprintf("t-%d", i), func(int, time.Time) memAnswer {
				return memAnswer{task: task(poller.StatusProcessing, "50%")}
			})
		}
		r.batch = &batchAPI{memAPI: r.api}
		cfg := rigConfig()
		cfg.PollInitial, cfg.PollMax, cfg.BatchInterval = time.Minute, time.Hour, 500*time.Millisecond
		cfg.BatchQPS = 4 // 3.6 calls/s aimed at: a turn of 10 calls takes about 2.8 s
		a := r.start(cfg)
		for i := range tasks {
			a.register(fmt.Sprintf("t-%d", i))
		}
		settle(time.Minute)
		turn := time.Duration(float64(tasks/poller.MaxBatch) / (cfg.BatchQPS * poller.QuotaHeadroom) * float64(time.Second))
		for i := range tasks {
			at := r.batch.checkTimes(fmt.Sprintf("t-%d", i))
			if len(at) < 15 {
				t.Fatalf("t-%d checked %d times in a minute, want about %d (a turn every %s)", i, len(at), int(time.Minute/turn), turn)
			}
			for j := 1; j < len(at); j++ {
				if gap := at[j].Sub(at[j-1]); gap > turn+2*cfg.BatchInterval || gap < cfg.BatchInterval {
					t.Fatalf("t-%d checked at %s and then %s later; want between the interval %s and a turn %s (plus two intervals)",
						i, at[j-1], gap, cfg.BatchInterval, turn)
				}
			}
		}
	})
}
