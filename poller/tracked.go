package poller

import (
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/taskpoller/taskpoller/events"
)

// tracked is one task a worker polls. A worker may hold 100,000 of these, so what the state
// already says is not kept twice: the last observation is the state's Action, Status, Process
// and Ordinal plus detail (see seen).
//
// Its fields fall under three owners, one embedded part each; key and reg are set before the
// task is tracked and never change (adopted, an atomic, replaces reg's metadata and origin
// when a producer's registration adopts a discovered task: read reg through registration):
//   - ownedByPoll: the goroutine processing its key only (the scheduler hands a key to one
//     goroutine at a time), so they need no lock;
//   - sharedWithBatch: atomics, written and read by that goroutine and the batch checker;
//   - heldByRegistry: guarded by registry.mu, read and written only by registry methods.
type tracked struct {
	key string
	reg events.Registration
	// adopted is the registration that replaced reg's lease (swapLease), nil if none; only its
	// Metadata, Origin and trace context differ from reg's (same region and task). Safe for
	// concurrent use.
	adopted atomic.Pointer[events.Registration]
	ownedByPoll
	sharedWithBatch
	heldByRegistry
}

// registration is the task's registration as its events describe it: reg, or the one that
// adopted the task since. Safe for concurrent use.
func (t *tracked) registration() events.Registration {
	if r := t.adopted.Load(); r != nil {
		return *r
	}
	return t.reg
}

// ownedByPoll is the part of a tracked task that only the goroutine processing its key uses
// (and track, before the task is tracked).
type ownedByPoll struct {
	state State  // what this worker holds true; committed unless dirty
	rev   uint64 // revision of the last commit
	dirty bool   // state has changes (events sent, journal adopted) not committed yet

	outcome events.Kind // kind of the terminal event, once stored
	detail  detail      // the last observation beyond the state's fields
	prog    progress    // TaskProcess readings in the current status, for the estimate

	bo            backoff.ExponentialBackOff
	notFoundSince int64 // Unix nanoseconds of the first InvalidTaskId.NotFound in a row; 0: none
}

// sharedWithBatch is the part of a tracked task that the batch checker reads and writes
// while the goroutine processing the task may run: atomics only, safe for concurrent use.
type sharedWithBatch struct {
	status   atomic.Pointer[Status] // last seen, read by the batch checker (nil: none)
	resource atomic.Pointer[string] // ResourceID that DescribeTasks reported (nil: none)
	// batchSaw is a status change DescribeTasks reported, for process to take (nil: none).
	batchSaw atomic.Pointer[TaskStatus]
	// waiting: the task waits in its region's queue for a token (admit makes it due then), so
	// the batch checker need not make it due.
	waiting atomic.Bool
}

// heldByRegistry is the part of a tracked task that its registry keeps: guarded by
// registry.mu and used by registry methods only (and ring's, which they call). Other code
// reaches the lease through the registry (lookup, leaseOf, untrack, drain).
type heldByRegistry struct {
	lease Lease // the registration's lease; a new lease of it replaces this one (swapLease)
	slot  int   // index in its region's ring
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
func (s *sharedWithBatch) seenEnded() bool {
	b := s.batchSaw.Load()
	return b != nil && b.Status.Terminal()
}

// deadline is when the task fails with reason timeout unless it ended.
func (w *Worker) deadline(t *tracked) time.Time { return t.state.RegisteredAt.Add(w.cfg.TaskTimeout) }

// knownStatus is the status last seen. Safe for concurrent use.
func (s *sharedWithBatch) knownStatus() Status {
	if st := s.status.Load(); st != nil {
		return *st
	}
	return ""
}

// setResource records the resource DescribeTasks named (kept when it is the same). Safe for
// concurrent use.
func (s *sharedWithBatch) setResource(id string) {
	if id != s.resourceID() {
		s.resource.Store(&id)
	}
}

// resourceID is the resource DescribeTasks named, or "". Safe for concurrent use.
func (s *sharedWithBatch) resourceID() string {
	if r := s.resource.Load(); r != nil {
		return *r
	}
	return ""
}

// track starts polling a claimed task, on the slot res reserved: at once, or when batching,
// at the first status the batch checker sees (PollInitial at the latest).
func (w *Worker) track(res *reservation, lease Lease, st State, rev uint64) {
	reg := lease.Registration()
	t := &tracked{key: reg.Key(), reg: reg, ownedByPoll: ownedByPoll{state: st, rev: rev, bo: *newBackOff(w.cfg)}}
	t.setSeen(seenFrom(st, reg))
	w.tasks.track(res, t, lease)
	at := time.Now()
	if w.batching(at) {
		// The batch checker looks first (within a BatchInterval): its answer names the task's
		// resource, and a task it finds unchanged costs no DescribeTaskAttribute.
		at = at.Add(w.cfg.PollInitial)
	}
	w.sched.Schedule(t.key, at)
}

// untrack forgets a task and frees its slot, and returns the lease it held; ok reports whether
// t was tracked. It does not settle its registration. A tracked that is no longer the one
// held for its key (handed back meanwhile) changes nothing.
func (w *Worker) untrack(t *tracked) (lease Lease, ok bool) {
	lease, ok = w.tasks.untrack(t)
	if ok {
		w.limits.forget(t.reg.RegionID, t.key)
	}
	return lease, ok
}
