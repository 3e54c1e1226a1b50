package poller

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// batchRetryAfter is how long a worker whose DescribeTasks calls are refused polls per task
// before it tries DescribeTasks again (the RAM policy may have been fixed).
const batchRetryAfter = 5 * time.Minute

// batchItem is one tracked task as the batch checker sees it.
type batchItem struct {
	t      *tracked
	status Status
}

// batch checks the status of every tracked task with DescribeTasks, MaxBatch ids a call, under
// a rate limit of its own (ECS throttles each API on its own). Each Config.BatchInterval it
// starts a round for every region with tasks: the round goes on round the region's ring of
// tasks as far as the budget allows, at most once round: a task is checked at most once per
// BatchInterval, and every task in turn.
// A task whose status differs from the last one seen — or that the answer leaves out — is
// scheduled for an immediate DescribeTask, which decides and announces as usual; every other
// task keeps its backoff. It does nothing when the TaskAPI cannot batch or batching is off.
// If ECS refuses DescribeTasks permission (a RAM policy without ecs:DescribeTasks), the worker
// polls per task, says so once in the log and in Detail, and tries again after
// batchRetryAfter; any other worker-level refusal (credentials, clock: see Fault) would refuse
// DescribeTaskAttribute too, and is reported as such instead.
//
// Regions are apart: each region's round runs in a goroutine of its own, at most one round
// (so one DescribeTasks call) of a region in flight at once, so a region whose calls hang (up
// to Config.APITimeout each) delays only its own next round; a region whose round is still
// on at a tick skips that tick. At most Config.Concurrency DescribeTasks calls are in flight
// at once (the operator's bound on calls in flight; DescribeTasks calls are one per MaxBatch
// tasks, so it is ample): a round waits for a place before each call. batch waits for every
// round it started before it returns.
func (w *Worker) batch(ctx context.Context) error {
	api, ok := w.api.(BatchTaskAPI)
	if !ok || w.cfg.BatchInterval < 0 {
		return nil
	}
	tick := time.NewTicker(w.cfg.BatchInterval)
	defer tick.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, w.cfg.Concurrency) // DescribeTasks calls in flight
	rounds := map[string]*regionRound{}
	for {
		select {
		case <-tick.C:
		case <-ctx.Done():
			return nil
		}
		if !w.batching(time.Now()) {
			continue // DescribeTasks refused: per-task polling until batchRetryAfter
		}
		sizes := w.tasks.regions()
		for region, rr := range rounds {
			if _, ok := sizes[region]; !ok && !rr.busy.Load() {
				delete(rounds, region) // no task left there: forgotten
			}
		}
		for region, n := range sizes {
			rr := rounds[region]
			if rr == nil {
				rr = &regionRound{}
				rounds[region] = rr
			}
			if rr.busy.Load() {
				continue // its last round is still on (a slow or hanging call, or a small budget)
			}
			rr.busy.Store(true)
			wg.Go(func() {
				defer rr.busy.Store(false)
				w.batchRound(ctx, api, region, n, rr, slots)
			})
		}
	}
}

// regionRound is one region's batch round: whether one is in flight, and its reused chunk.
type regionRound struct {
	busy  atomic.Bool
	chunk []batchItem // used by the round in flight only
}

// batchRound checks region's n tasks, at most one turn of its ring: rounds start a
// BatchInterval apart at least, so no task is checked more often than once per BatchInterval.
// When the region's DescribeTasks budget is spent it waits for the next token (the bucket is
// small, see newQuotaLimits: a round that stopped there would lose the tokens that fall due
// between ticks); it holds a place of slots during each call. It stops early when a call
// fails or ctx ends.
func (w *Worker) batchRound(ctx context.Context, api BatchTaskAPI, region string, n int, rr *regionRound, slots chan struct{}) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for left := n; left > 0; {
		now := time.Now()
		if !w.batchLimits.allow(region, now) {
			d := w.batchLimits.due(region, now)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			select {
			case <-timer.C:
				continue
			case <-ctx.Done():
				return
			}
		}
		var took int
		if rr.chunk, took = w.nextChunk(rr.chunk[:0], region, left); len(rr.chunk) == 0 {
			return // the turn is done: the tasks left wait for their reads
		}
		left -= took
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		ok := w.checkBatch(ctx, api, region, rr.chunk)
		<-slots
		if !ok {
			return
		}
	}
}

// batching reports whether the batch checker looks at the tracked tasks at now.
func (w *Worker) batching(now time.Time) bool {
	if _, ok := w.api.(BatchTaskAPI); !ok || w.cfg.BatchInterval < 0 {
		return false
	}
	return !w.refusedAt(now)
}

// nextChunk goes on round region's ring for at most n tasks (registry.chunk); a task whose
// lease was taken back is made due instead, for process to drop it.
func (w *Worker) nextChunk(out []batchItem, region string, n int) ([]batchItem, int) {
	return w.tasks.chunk(out, region, n, func(key string) { w.sched.Schedule(key, time.Now()) })
}

// checkBatch asks the status of one chunk of tasks of region and schedules those that need a
// look. It returns false when the region should not be asked again this round.
func (w *Worker) checkBatch(ctx context.Context, api BatchTaskAPI, region string, chunk []batchItem) bool {
	ids := make([]string, len(chunk))
	for i, it := range chunk {
		ids[i] = it.t.reg.TaskID
	}
	cctx, cancel := context.WithTimeout(withBatchLinks(ctx, w.batchLinks(chunk)), w.cfg.APITimeout)
	got, err := api.DescribeTasks(cctx, region, ids)
	cancel()
	now := time.Now()
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		class, code := Classify(err), ErrorCode(err)
		w.metrics.BatchCalls.WithLabelValues(class.String(), code).Inc()
		switch class {
		case ClassThrottled:
			w.cut(APIDescribeTasks, region, w.batchLimits.throttled(region, now))
		case ClassWorker:
			if WorkerFault(err) != FaultPermission {
				// Credentials or the clock: DescribeTaskAttribute is signed alike and would be
				// refused alike, so polling per task would change nothing. The worker is not
				// ready meanwhile, and DescribeTasks is tried again next round.
				w.health.report(code, region, err, now)
				break
			}
			w.refuse(code, now.Add(batchRetryAfter))
			w.log.Warn("ECS refuses DescribeTasks; polling each task with DescribeTaskAttribute until it is accepted",
				zap.String("code", code), zap.String("region_id", region), zap.Duration("retry_in", batchRetryAfter))
		default:
			w.log.Debug("DescribeTasks failed; statuses are checked again next round", zap.String("code", code), zap.Error(err))
		}
		return false
	}
	w.metrics.BatchCalls.WithLabelValues("ok", "").Inc()
	w.batchLimits.succeeded(region, now)
	if w.accepted() {
		w.log.Info("DescribeTasks is accepted again; checking statuses in batches")
	}
	answered := make(map[string]TaskStatus, len(got))
	for _, ts := range got {
		answered[ts.TaskID] = ts
	}
	for _, it := range chunk {
		ts, ok := answered[it.t.reg.TaskID]
		if ok && ts.ResourceID != "" {
			it.t.setResource(ts.ResourceID)
		}
		if ok && ts.Status != it.status {
			if cur := it.t.batchSaw.Load(); cur == nil || cur.Status != ts.Status {
				ts.TaskID, ts.ResourceID = it.t.reg.TaskID, "" // keeps no string of the answer alive
				it.t.batchSaw.Store(&ts)
			}
		}
		if (!ok || ts.Status != it.status) && !it.t.waiting.Load() {
			w.sched.Schedule(it.t.key, now) // changed, or missing: look at it now
		}
	}
	return true
}

// Detail says how the worker works when it differs from the normal (for /readyz), or "".
// Safe for concurrent use.
func (w *Worker) Detail() string {
	if code, off := w.refusal(); off {
		return "DescribeTasks refused (" + code + "): polling each task with DescribeTaskAttribute"
	}
	return ""
}

// batchCheck is what the batch checker keeps beyond the tracked tasks: its DescribeTasks
// limiter, and whether ECS refuses DescribeTasks. Safe for concurrent use (the limiter has its
// lock; the refusal is atomics): the batch checker writes the refusal, and track, process,
// retry and Detail read it.
type batchCheck struct {
	batchLimits *regionLimits // DescribeTasks calls per region
	offUntil    atomic.Int64  // unix nanoseconds until which DescribeTasks is not tried; 0: on
	offCode     atomic.Value  // string: the code that refused DescribeTasks
}

// refuse turns DescribeTasks off until until, for code.
func (b *batchCheck) refuse(code string, until time.Time) {
	b.offUntil.Store(until.UnixNano())
	b.offCode.Store(code)
}

// accepted turns DescribeTasks on again after a call succeeded; it reports whether it was off.
func (b *batchCheck) accepted() bool { return b.offUntil.Swap(0) != 0 }

// refusedAt reports whether DescribeTasks is off at now.
func (b *batchCheck) refusedAt(now time.Time) bool {
	off := b.offUntil.Load()
	return off != 0 && now.Before(time.Unix(0, off))
}

// refusal returns the code that refused DescribeTasks, and whether it is off (until a call
// succeeds, even past the time refuse named: see Worker.Detail).
func (b *batchCheck) refusal() (code string, off bool) {
	if b.offUntil.Load() == 0 {
		return "", false
	}
	code, _ = b.offCode.Load().(string)
	return code, true
}
