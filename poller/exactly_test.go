package poller_test

import (
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/memory"

	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The cases below are the ways the exactly-once promise broke before notices were recorded
// before publishing and fenced by the task's latest event. Each runs the real worker on the
// in-memory ports in a synctest bubble, so every interleaving is exact. "Past the duplicate
// window" is modelled by turning the journal's id de-duplication off.

// Case 1: a worker cut off from NATS while another takes its task over and ends it publishes
// nothing when it comes back, long after the duplicate window, and lets the task go.
func TestCutOffWorkerPublishesNothingAfterTakeover(t *testing.T) {
	for _, when := range []string{"before deciding", "after recording the outcome"} {
		t.Run(when, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 3, finished(), 1)...)
				a := r.start(rigConfig())
				d := a.register("t-1")
				settle(150 * time.Millisecond) // A has announced Processing
				if when == "after recording the outcome" {
					// A records the finished outcome, then loses NATS before publishing it.
					r.journal.FailWith(func(n poller.Notice) error {
						if n.Kind.Terminal() {
							a.setCut(true)
							return errCutOff
						}
						return nil
					})
				} else {
					a.setCut(true)
				}
				settle(time.Second)
				r.journal.FailWith(nil)
				b := r.start(rigConfig())
				b.redeliver(d) // A's ack wait ran out
				settle(5 * time.Second)
				if r.terminals("t-1") != 1 || r.q.Pending(d.ID()) {
					t.Fatalf("B did not end the task: %v, pending %v", r.history("t-1"), r.q.Pending(d.ID()))
				}
				r.journal.SetDedup(false) // the duplicate window has passed
				a.setCut(false)           // A is back
				settle(10 * time.Second)
				r.checkConsistent("t-1")
				if n := a.w.Tracked(); n != 0 {
					t.Errorf("A still tracks %d tasks", n)
				}
				if got := testutil.ToFloat64(a.metrics.Lost); got != 1 {
					t.Errorf("A lost %g tasks, want 1", got)
				}
			})
		})
	}
}

// Case 2: a worker that dies between storing the terminal event and recording it: its
// successor, past the duplicate window, finds the event and stores no second one.
func TestCrashBetweenPublishAndRecordEndsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusWaiting, "0%"), 2, task(poller.StatusProcessing, "50%"), 2, finished(), 1)...)
		a := r.start(rigConfig())
		r.journal.OnStore(func(n poller.Notice) {
			if n.Kind.Terminal() {
				a.setCut(true) // dies right after the stream stored the event
			}
		})
		d := a.register("t-1")
		settle(5 * time.Second)
		a.kill()
		r.journal.OnStore(nil)
		if r.terminals("t-1") != 1 || !r.q.Pending(d.ID()) {
			t.Fatalf("setup: %v pending %v", r.history("t-1"), r.q.Pending(d.ID()))
		}
		r.journal.SetDedup(false)
		b := r.start(rigConfig())
		b.redeliver(d)
		settle(5 * time.Second)
		r.checkConsistent("t-1")
		if r.q.Pending(d.ID()) {
			t.Error("the registration was never acked")
		}
	})
}

// Case 3: while the state store is unavailable (and the events stream is up) nothing is
// announced, however long it lasts; once it is back the task ends once.
func TestStateStoreOutageAnnouncesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 2, finished(), 1)...)
		a := r.start(rigConfig())
		a.register("t-1")
		settle(100 * time.Millisecond)
		before := len(r.events("t-1"))
		r.store.SetDown(true)
		r.journal.SetDedup(false) // an outage longer than the duplicate window
		settle(time.Minute)
		if got := len(r.events("t-1")); got != before {
			t.Fatalf("%d events stored during the outage: %v", got-before, r.history("t-1"))
		}
		r.store.SetDown(false)
		settle(5 * time.Second)
		r.checkConsistent("t-1")
	})
}

// Case 4: a worker that dies after publishing a status change and before recording it: the
// next holder neither renumbers the change nor loses the next one.
func TestCrashAfterStatusChangeKeepsTheSequence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusWaiting, "0%"), 1, task(poller.StatusProcessing, "40%"), 1, task(poller.StatusFinished, "100%"), 1)...)
		a := r.start(rigConfig())
		r.journal.OnStore(func(n poller.Notice) {
			if n.Kind == events.KindStatusChanged && n.Task.Status == poller.StatusProcessing {
				a.setCut(true)
			}
		})
		d := a.register("t-1")
		settle(time.Second)
		a.kill()
		r.journal.OnStore(nil)
		r.journal.SetDedup(false)
		b := r.start(rigConfig())
		b.redeliver(d)
		settle(5 * time.Second)
		r.checkConsistent("t-1")
		want := "[status_changed:Waiting progress status_changed:Processing progress status_changed:Finished progress finished]"
		if got := fmt.Sprint(r.history("t-1")); got != want {
			t.Errorf("history = %s\nwant      %s", got, want)
		}
	})
}

// Case 5: a finished task registered again after its state expired is settled from its
// stored terminal event, not polled again.
func TestReregisteredAfterStateExpiryIsSettled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(finished(), 1)...)
		a := r.start(rigConfig())
		a.register("t-1")
		settle(time.Second)
		calls := len(r.api.callTimes("t-1"))
		r.store.Forget(events.Registration{RegionID: testRegion, TaskID: "t-1"}.Key())
		d := a.register("t-1")
		settle(time.Second)
		r.checkConsistent("t-1")
		if r.q.Pending(d.ID()) {
			t.Error("the second registration was not settled")
		}
		if got := len(r.api.callTimes("t-1")); got != calls {
			t.Errorf("the settled task was polled %d more times", got-calls)
		}
	})
}

// Case 7: an answer about another task (another id, or one with a space) is a transient
// error, counted, never announced; the task's own events come from its registration.
func TestAnswerAboutAnotherTaskIsNotAnnounced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1",
			memAnswer{task: poller.Task{TaskID: "t-2", Status: poller.StatusFailed}},
			memAnswer{task: poller.Task{TaskID: "t 1", Status: poller.StatusFailed}},
			memAnswer{task: poller.Task{TaskID: "t-1", RegionID: "us-west-1", Status: poller.StatusFailed}},
			memAnswer{task: finished()},
		)
		a := r.start(rigConfig())
		a.register("t-1")
		settle(5 * time.Second)
		r.checkConsistent("t-1")
		for _, n := range r.events("t-1") {
			if n.Task.TaskID != "t-1" || n.Task.RegionID != testRegion {
				t.Errorf("event about %s/%s", n.Task.RegionID, n.Task.TaskID)
			}
		}
		if len(r.events("t-2"))+len(r.events("t 1")) != 0 {
			t.Error("events published for the wrong task")
		}
		if got := testutil.ToFloat64(a.metrics.Polls.WithLabelValues("transient", poller.CodeMismatchedTask)); got != 3 {
			t.Errorf("mismatched answers counted %g, want 3", got)
		}
	})
}

// Case 8: the deadline never fails a task on a worker whose calls ECS refuses (its fault,
// not the task's: it hands the task back to one that can look); the first answer after the
// deadline decides (finished here). An unreachable ECS is another matter: see
// TestUnreachableTaskTimesOutAtItsLastChance.
func TestTimeoutOnlyAfterAFreshLook(t *testing.T) {
	for name, refusal := range map[string]error{
		"refused": &poller.APIError{Code: "Forbidden.RAM", StatusCode: 403},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.api.script("t-1", answers(finished(), 1)...)
				r.api.setRefuse(refusal)
				cfg := rigConfig()
				cfg.TaskTimeout = 2 * time.Second
				a := r.start(cfg)
				a.register("t-1")
				settle(time.Minute)
				if n := len(r.events("t-1")); n != 0 {
					t.Fatalf("%d events while ECS could not be asked: %v", n, r.history("t-1"))
				}
				r.api.setRefuse(nil)
				settle(5 * time.Second)
				r.checkConsistent("t-1")
				if h := r.history("t-1"); h[len(h)-1] != "finished" {
					t.Errorf("history %v, want it to end finished", h)
				}
				_ = a
			})
		})
	}
}

// A task still running at the deadline fails with reason timeout, from a fresh observation.
func TestTimeoutAfterTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 1)...)
		cfg := rigConfig()
		cfg.TaskTimeout = 10 * time.Second
		a := r.start(cfg)
		start := time.Now()
		a.register("t-1")
		settle(time.Minute)
		r.checkConsistent("t-1")
		evs := r.events("t-1")
		last := evs[len(evs)-1]
		if last.Reason != events.ReasonTimeout || last.Task.Status != poller.StatusProcessing {
			t.Fatalf("last event %s %s %s", last.Kind, last.Reason, last.Task.Status)
		}
		if at := last.ObservedAt.Sub(start); at != cfg.TaskTimeout {
			t.Errorf("timed out %s after registration, want at the deadline (%s)", at, cfg.TaskTimeout)
		}
	})
}

// A worker that ECS refuses for HandBackAfter hands its tasks back, takes no more, and takes
// registrations again once a probe call is accepted.
func TestRefusedWorkerHandsBackAndRecovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(finished(), 1)...)
		r.api.setRefuse(&poller.APIError{Code: "InvalidAccessKeyId.NotFound", StatusCode: 404})
		cfg := rigConfig()
		cfg.HandBackAfter = 5 * time.Second
		a := r.start(cfg)
		d := a.register("t-1")
		settle(10 * time.Second)
		if a.w.Tracked() != 0 || r.q.Released() != 1 || !r.q.Pending(d.ID()) {
			t.Fatalf("tracked %d, handed back %d, pending %v", a.w.Tracked(), r.q.Released(), r.q.Pending(d.ID()))
		}
		if err := a.w.Ready(); err == nil {
			t.Error("ready while paused")
		}
		r.api.setRefuse(nil)
		settle(poller.ProbeEvery + 2*time.Second)
		if err := a.w.Ready(); err != nil {
			t.Fatalf("not ready after ECS accepted the probe: %v", err)
		}
		a.redeliver(d)
		settle(time.Second)
		r.checkConsistent("t-1")
	})
}

// A compare-and-set whose answer was lost (the write happened) is recognised by the lease:
// the worker goes on instead of giving the task up.
func TestLostWriteAnswerKeepsTheTask(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 2, finished(), 1)...)
		lossy := &lossyStore{Store: r.store}
		r.wrapStore = func(poller.StateStore) poller.StateStore { return lossy }
		a := r.start(rigConfig())
		a.register("t-1")
		lossy.loseNext.Store(true)
		settle(5 * time.Second)
		r.checkConsistent("t-1")
		if got := testutil.ToFloat64(a.metrics.Lost); got != 0 {
			t.Errorf("gave up %g tasks", got)
		}
	})
}

// The interval between polls grows by the multiplier up to the cap and restarts from the
// initial interval on a status change — exactly, on the bubble's clock.
func TestBackoffGrowsToCapAndResets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusWaiting, ""), 7, task(poller.StatusProcessing, ""), 4, finished(), 1)...)
		cfg := rigConfig()
		cfg.PollInitial, cfg.PollMax, cfg.PollMultiplier = 50*time.Millisecond, 400*time.Millisecond, 2
		a := r.start(cfg)
		a.register("t-1")
		settle(10 * time.Second)
		r.checkConsistent("t-1")
		calls := r.api.callTimes("t-1")
		// 50, 100, 200, 400, 400, 400 between the Waiting answers, 400 to the first Processing
		// answer; the status change resets the interval: 50, 100, 200, then 400 to Finished.
		want := []time.Duration{50, 100, 200, 400, 400, 400, 400, 50, 100, 200, 400}
		if len(calls) != len(want)+1 {
			t.Fatalf("%d calls, want %d", len(calls), len(want)+1)
		}
		for i, w := range want {
			if gap := calls[i+1].Sub(calls[i]); gap != w*time.Millisecond {
				t.Errorf("gap %d = %s, want %s", i, gap, w*time.Millisecond)
			}
		}
	})
}

// With a fifth of the calls faulted — about 3% throttled, the rest 5xx and dropped
// connections — 100 tasks that finish within 7 s all end within a few poll intervals of
// finishing, none of them failed: noise never stalls the worker.
func TestFaultyECSNeverStallsTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		cfg := rigConfig()
		cfg.APIQPS, cfg.PollInitial, cfg.PollMax = 20, time.Second, 5*time.Second
		a := r.start(cfg)
		faults := []error{
			&poller.APIError{Code: "Throttling.User", StatusCode: 400},
			&poller.APIError{Code: "ServiceUnavailable", StatusCode: 503},
			&poller.APIError{Code: "InternalError", StatusCode: 500},
			errors.New("connection reset by peer"),
		}
		const tasks = 100
		start := time.Now()
		finishes := map[string]time.Time{}
		for i := range tasks {
			// Task i finishes 1 to 7 s after registration; 20% of the answers about it are
			// faults, one in seven of them throttling, in a fixed pseudo-random pattern.
			id := fmt.Sprintf("t-%d", i)
			finish := start.Add(time.Duration(1000+i*60) * time.Millisecond)
			finishes[id] = finish
			r.api.scriptFunc(id, func(n int, now time.Time) memAnswer {
				if h := (i*131 + n*37) % 100; h < 20 {
					if h%7 == 0 {
						return memAnswer{err: faults[0]}
					}
					return memAnswer{err: faults[1+h%3]}
				}
				if now.Before(finish) {
					return memAnswer{task: task(poller.StatusProcessing, "50%")}
				}
				return memAnswer{task: finished()}
			})
			a.register(id)
		}
		settle(30 * time.Second)
		var latest time.Duration
		for i := range tasks {
			id := fmt.Sprintf("t-%d", i)
			r.checkConsistent(id)
			evs := r.events(id)
			if len(evs) == 0 || evs[len(evs)-1].Kind != events.KindFinished {
				t.Errorf("task %s: %v", id, r.history(id))
				continue
			}
			// A few poll intervals: the backoff's cap is 1 s, and a fault costs one more.
			late := evs[len(evs)-1].ObservedAt.Sub(finishes[id])
			if late > 4*cfg.PollMax {
				t.Errorf("task %s ended %s after it finished", id, late)
			}
			latest = max(latest, late)
		}
		t.Logf("the latest task ended %s after it finished (poll cap %s)", latest, cfg.PollMax)
	})
}

// InvalidTaskId.NotFound is tolerated for NotFoundGrace (a task ECS has not indexed yet);
// after it, the task fails with task_not_found — at the grace, exactly.
func TestNotFoundGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		notFound := &poller.APIError{Code: "InvalidTaskId.NotFound", StatusCode: 400}
		start := time.Now()
		r.api.scriptFunc("t-late", func(_ int, now time.Time) memAnswer {
			if now.Sub(start) < 700*time.Millisecond { // indexed within the grace
				return memAnswer{err: notFound}
			}
			return memAnswer{task: finished()}
		})
		r.api.scriptFunc("t-never", func(int, time.Time) memAnswer { return memAnswer{err: notFound} })
		cfg := rigConfig() // NotFoundGrace: 1s
		a := r.start(cfg)
		a.register("t-late")
		a.register("t-never")
		settle(10 * time.Second)
		r.checkConsistent("t-late")
		if h := r.history("t-late"); h[len(h)-1] != "finished" {
			t.Errorf("t-late: %v, want finished", h)
		}
		r.checkConsistent("t-never")
		evs := r.events("t-never")
		if last := evs[len(evs)-1]; last.Reason != events.ReasonTaskNotFound || last.ObservedAt.Sub(start) < cfg.NotFoundGrace ||
			last.ObservedAt.Sub(start) > cfg.NotFoundGrace+cfg.PollMax {
			t.Errorf("t-never ended %s %s after %s, want task_not_found between the grace (%s) and one poll later",
				last.Kind, last.Reason, last.ObservedAt.Sub(start), cfg.NotFoundGrace)
		}
	})
}

// A region over its quota (every answer throttled) gets fewer calls, never fewer than the
// floor, fails no task, and recovers its rate once ECS stops throttling.
func TestThrottlingLowersAndRestoresTheRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		cfg := rigConfig()
		cfg.APIQPS, cfg.PollInitial, cfg.PollMax = 20, 100*time.Millisecond, 100*time.Millisecond
		throttled := &poller.APIError{Code: "Throttling.User", StatusCode: 400}
		start := time.Now()
		const tasks = 50 // 500 polls/s wanted: the limiter decides
		for i := range tasks {
			id := fmt.Sprintf("t-%d", i)
			r.api.scriptFunc(id, func(_ int, now time.Time) memAnswer {
				switch d := now.Sub(start); {
				case d < 20*time.Second:
					return memAnswer{err: throttled}
				case d < 120*time.Second:
					return memAnswer{task: task(poller.StatusProcessing, "50%")}
				}
				return memAnswer{task: finished()}
			})
		}
		a := r.start(cfg)
		for i := range tasks {
			a.register(fmt.Sprintf("t-%d", i))
		}
		calls := func(from, to time.Duration) int {
			n := 0
			for i := range tasks {
				for _, c := range r.api.callTimes(fmt.Sprintf("t-%d", i)) {
					if d := c.Sub(start); d >= from && d < to {
						n++
					}
				}
			}
			return n
		}
		settle(150 * time.Second)
		rate := cfg.APIQPS * poller.QuotaHeadroom // the rate aimed at, below the quota
		floor := int(10 * rate / 4)
		// Throttled from the start: after a few seconds the rate is at its floor, a quarter.
		if n := calls(10*time.Second, 20*time.Second); n > floor+10 || n < floor-10 {
			t.Errorf("%d calls in 10 s of throttling, want the floor: about %d", n, floor)
		}
		// Quiet again: still lowered within ECS's minute window after the last cut, back at
		// the configured rate within seconds once it has passed.
		if n := calls(50*time.Second, 60*time.Second); n > floor+10 {
			t.Errorf("%d calls in 10 s, 30 s after throttling stopped, want the floor still: about %d", n, floor)
		}
		if n := calls(90*time.Second, 100*time.Second); n < int(10*rate)-10 || n > int(10*cfg.APIQPS) {
			t.Errorf("%d calls in 10 s, 70 s after throttling stopped, want about %d", n, int(10*rate))
		}
		for i := range tasks {
			r.checkConsistent(fmt.Sprintf("t-%d", i))
		}
	})
}

// SIGTERM: the worker hands every lease back at once, and the next worker goes on with them.
func TestStopHandsLeasesBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		var leases []*memory.Lease
		a := r.start(rigConfig())
		for i := range 5 {
			id := fmt.Sprintf("t-%d", i)
			r.api.script(id, answers(task(poller.StatusProcessing, "10%"), 20, finished(), 1)...)
			leases = append(leases, a.register(id))
		}
		settle(time.Second)
		a.stop()
		if n := r.q.Released(); n != len(leases) {
			t.Fatalf("%d leases released at stop, want %d", n, len(leases))
		}
		b := r.start(rigConfig())
		for _, l := range leases {
			b.redeliver(l)
		}
		settle(time.Minute)
		for i := range leases {
			r.checkConsistent(fmt.Sprintf("t-%d", i))
		}
	})
}

// One state write per observation that changes something, plus the claim and the record of the
// terminal event: announcing never costs two writes.
func TestOneStateWritePerObservation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		// Four observations that announce something: Waiting 0%, Processing 40%, Processing
		// 80%, Finished; the unchanged answers in between announce nothing.
		r.api.script("t-1", answers(task(poller.StatusWaiting, "0%"), 2, task(poller.StatusProcessing, "40%"), 2,
			task(poller.StatusProcessing, "80%"), 2, finished(), 1)...)
		counting := &countingStore{StateStore: r.store}
		r.wrapStore = func(poller.StateStore) poller.StateStore { return counting }
		a := r.start(rigConfig())
		a.register("t-1")
		settle(time.Minute)
		r.checkConsistent("t-1")
		if got, want := counting.writes.Load(), int64(1+4+1); got != want {
			t.Errorf("%d state writes, want %d (claim, one per announcing observation, the terminal record)", got, want)
		}
	})
}
