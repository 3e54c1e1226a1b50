package poller

import (
	"context"
	"time"
)

// probeTaskID is the task id of probe calls: a well-formed id no task has, so a worker whose
// calls are accepted again gets InvalidTaskId.NotFound.
const probeTaskID = "t-taskpollerprobe"

// probeEvery is how often a paused worker asks ECS whether it accepts its calls again.
const probeEvery = 10 * time.Second

// guard watches the worker as a whole, once a second:
//   - ECS has refused the worker's calls for Config.HandBackAfter: pause, so that intake hands
//     back every registration held and a healthy worker goes on with them (a task is never
//     timed out by a worker that cannot look at it);
//   - while paused: probe ECS every probeEvery; resume intake once a call is accepted;
//   - publish whether intake is stalled (see Healthy);
//   - tell which regions ECS has not answered for Config.UnreachableAfter, and remind of
//     them (reach.tick);
//   - take this worker's share of the fleet's ECS quota (WithFleet).
//
// An unreachable region (no answer at all: refused connections, timeouts, 5xx) makes the
// worker not ready but never pauses it: the hand-back is for errors that blame this worker
// (its credentials, permissions, clock), which another worker may not have. An endpoint that
// does not answer fails every worker alike — they share --ecs-endpoint, or the region's
// official endpoint — so handing tasks back would only move them round the fleet, each worker
// pausing in turn, and leave nobody polling when ECS answers again. Tasks stay where they are,
// retried at their backoff; one still unanswered at its last chance, a --poll-max past its
// deadline, fails with reason timeout like any task that does not end (see lastChance).
func (w *Worker) guard(ctx context.Context) error {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastProbe time.Time
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
		now := time.Now()
		if w.fleet.size != nil {
			n := w.fleet.size.Size()
			w.limits.share(n, now)
			w.batchLimits.share(n, now)
			w.metrics.FleetSize.Set(float64(max(1, n)))
		}
		since, region, failing := w.health.failing()
		switch {
		case !failing && w.in.isPaused():
			w.in.resume()
			w.metrics.IntakePaused.Set(0)
			w.log.Info("ECS accepts this worker's calls again; taking registrations")
		case failing && !w.in.isPaused() && now.Sub(since) >= w.cfg.HandBackAfter:
			w.metrics.IntakePaused.Set(1)
			w.in.pause() // interrupts Source.Next: intake's next turn hands everything back
			lastProbe = now
		case failing && w.in.isPaused() && now.Sub(lastProbe) >= probeEvery:
			lastProbe = now
			w.probe(ctx, region, now)
		}
		w.reach.tick(now, w.tracksRegion)
		stalled := 0.0
		if w.Healthy() != nil {
			stalled = 1
		}
		w.metrics.IntakeStalled.Set(stalled)
	}
}

// probe makes one call on behalf of no task: an answer that does not blame the worker clears
// the worker-level causes.
func (w *Worker) probe(ctx context.Context, region string, now time.Time) {
	cctx, cancel := context.WithTimeout(ctx, w.cfg.APITimeout)
	_, err := w.api.DescribeTask(cctx, region, probeTaskID)
	cancel()
	switch c := Classify(err); {
	case err == nil, c == ClassNotFound, c == ClassInvalidRegion:
		w.health.ok()
	case c == ClassWorker:
		w.health.report(ErrorCode(err), region, err, now)
	}
}
