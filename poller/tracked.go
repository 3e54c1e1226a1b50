package poller

import (
	"sync/atomic"

	"github.com/taskpoller/taskpoller/events"

	"time"

	"github.com/cenkalti/backoff/v4"
)

// tracked is one task a worker polls. Its fields are used only by the goroutine processing its
// key (the scheduler hands a key to one goroutine at a time), except d, which is guarded by
// Worker.mu because a new lease of the same registration replaces it, and the atomics, which
// the batch checker reads.
//
// A worker may hold 100,000 of these, so what the state already says is not kept twice: the
// last observation is the state's Action, Status, Process and Ordinal plus detail (see seen).
type tracked struct {
	key   string
	reg   events.Registration
	d     Lease
	state State  // what this worker holds true; committed unless dirty
	rev   uint64 // revision of the last commit
	dirty bool   // state has changes (events sent, journal adopted) not committed yet

	outcome events.Kind // kind of the terminal event, once stored
	detail  detail      // the last observation beyond the state's fields
	prog    progress    // TaskProcess readings in the current status, for the estimate

	status   atomic.Pointer[Status] // last seen, read by the batch checker (nil: none)
	resource atomic.Pointer[string] // ResourceID that DescribeTasks reported (nil: none)
	// batchSaw is a status change DescribeTasks reported, for process to take (nil: none).
	batchSaw atomic.Pointer[TaskStatus]
	// waiting: the task waits in its region's queue for a token (admit makes it due then), so
	// the batch checker need not make it due.
	waiting atomic.Bool

	bo            backoff.ExponentialBackOff
	notFoundSince int64 // Unix nanoseconds of the first InvalidTaskId.NotFound in a row; 0: none
	slot          int   // index in its region's ring (guarded by Worker.mu)
}

// detail is what an observation says beyond the Action, Status, Process and Ordinal a State
// records: the events built from the last observation (a status DescribeTasks reported, a
// failure ECS did not report) carry it.
type detail struct {
	creationTime, finishedTime            string
	operations                            []events.Operation
	totalCount, successCount, failedCount int32
	supportCancel, truncated              bool
}

// newBackOff returns the polling backoff of one task. MaxElapsedTime is 0 (never give up):
// tasks run for hours, and the task deadline is enforced separately. A negative PollJitter
// means none.
func newBackOff(c Config) *backoff.ExponentialBackOff {
	bo := &backoff.ExponentialBackOff{
		InitialInterval:     c.PollInitial,
		RandomizationFactor: max(0, c.PollJitter),
		Multiplier:          c.PollMultiplier,
		MaxInterval:         c.PollMax,
		MaxElapsedTime:      0,
		Stop:                backoff.Stop,
		Clock:               backoff.SystemClock,
	}
	bo.Reset()
	return bo
}

// setSeen records the last observation; the batch checker reads its status. The caller has
// made t.state agree with o (its Action, Status, Process and Ordinal).
func (t *tracked) setSeen(o observed) {
	k := o.Task
	t.detail = detail{
		creationTime: k.CreationTime, finishedTime: k.FinishedTime,
		totalCount: int32(k.TotalCount), successCount: int32(k.SuccessCount), failedCount: int32(k.FailedCount),
		supportCancel: k.SupportCancel, truncated: k.Truncated, operations: k.Operations,
	}
	if k.Status != t.knownStatus() {
		st := k.Status
		t.status.Store(&st)
	}
}

// seen is the last observation: what the state says, with the detail of the last answer and
// the resource DescribeTasks named.
func (t *tracked) seen() observed {
	o := seenFrom(t.state, t.reg)
	d := &t.detail
	o.Task.CreationTime, o.Task.FinishedTime = d.creationTime, d.finishedTime
	o.Task.TotalCount, o.Task.SuccessCount, o.Task.FailedCount = int(d.totalCount), int(d.successCount), int(d.failedCount)
	o.Task.SupportCancel, o.Task.Truncated, o.Task.Operations = d.supportCancel, d.truncated, d.operations
	o.Task.ResourceID = t.resourceID()
	return o
}

// seenEnded reports whether DescribeTasks saw the task in a terminal status that no read has
// announced yet. Safe for concurrent use.
func (t *tracked) seenEnded() bool {
	s := t.batchSaw.Load()
	return s != nil && s.Status.Terminal()
}

// deadline is when the task fails with reason timeout unless it ended.
func (w *Worker) deadline(t *tracked) time.Time { return t.state.RegisteredAt.Add(w.cfg.TaskTimeout) }

// knownStatus is the status last seen. Safe for concurrent use.
func (t *tracked) knownStatus() Status {
	if s := t.status.Load(); s != nil {
		return *s
	}
	return ""
}

// setResource records the resource DescribeTasks named (kept when it is the same). Safe for
// concurrent use.
func (t *tracked) setResource(id string) {
	if id != t.resourceID() {
		t.resource.Store(&id)
	}
}

// resourceID is the resource DescribeTasks named, or "". Safe for concurrent use.
func (t *tracked) resourceID() string {
	if s := t.resource.Load(); s != nil {
		return *s
	}
	return ""
}

func (w *Worker) lookup(key string) *tracked {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tasks[key]
}

func (w *Worker) lease(t *tracked) Lease {
	w.mu.Lock()
	defer w.mu.Unlock()
	return t.d
}

// track starts polling a claimed task: at once, or when batching, at the first status the
// batch checker sees (PollInitial at the latest). The caller holds a slot for it.
func (w *Worker) track(d Lease, st State, rev uint64) {
	reg := d.Registration()
	t := &tracked{key: reg.Key(), reg: reg, d: d, state: st, rev: rev, bo: *newBackOff(w.cfg)}
	t.setSeen(seenFrom(st, reg))
	w.mu.Lock()
	if old := w.tasks[t.key]; old != nil {
		w.ringOf(old.reg.RegionID).remove(old) // never left behind in a ring (intake claims a tracked key at most once)
	}
	w.tasks[t.key] = t
	w.ringOf(reg.RegionID).add(t)
	n := len(w.tasks)
	w.mu.Unlock()
	w.metrics.Tracked.Set(float64(n))
	at := time.Now()
	if w.batching(at) {
		// The batch checker looks first (within a BatchInterval): its answer names the task's
		// resource, and a task it finds unchanged costs no DescribeTaskAttribute.
		at = at.Add(w.cfg.PollInitial)
	}
	w.sched.Schedule(t.key, at)
}

// ringOf returns region's ring, made when missing. The caller holds w.mu.
func (w *Worker) ringOf(region string) *ring {
	r := w.rings[region]
	if r == nil {
		r = &ring{}
		w.rings[region] = r
	}
	return r
}

// untrack forgets a task and frees its slot; it reports whether t was tracked. It does not
// settle its registration. A tracked that is no longer the one held for its key (handed back
// meanwhile) changes nothing.
func (w *Worker) untrack(t *tracked) bool {
	w.mu.Lock()
	cur, ok := w.tasks[t.key]
	ok = ok && cur == t
	if ok {
		delete(w.tasks, t.key)
		if r := w.rings[t.reg.RegionID]; r != nil {
			r.remove(t)
			if r.len() == 0 {
				delete(w.rings, t.reg.RegionID)
			}
		}
	}
	n := len(w.tasks)
	w.mu.Unlock()
	if ok {
		w.limits.forget(t.reg.RegionID, t.key)
		<-w.slots
	}
	w.metrics.Tracked.Set(float64(n))
	return ok
}
