package poller

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// process handles one due task: it first finishes announcing what is recorded (the outbox),
// then polls. What to do is decided here, when to do it next by the task's backoff and the
// scheduler.
func (w *Worker) process(ctx context.Context, key string) {
	t, lease := w.tasks.lookup(key)
	if t == nil {
		return
	}
	if lease.Lost() {
		w.revoked(t)
		return
	}
	now := time.Now()
	if t.state.Outbox != nil {
		w.flush(ctx, t, now)
		return
	}
	if t.state.Terminal {
		// The terminal event is stored (the outbox is empty): whatever path got here, only
		// recording that and settling the registration are left. Polling again would find
		// the end again and announce it a second time, after the first: the fence would let
		// it through, and past the duplicate window nothing else would stop it.
		w.finish(ctx, t, now)
		return
	}
	saw := t.batchSaw.Swap(nil)
	if saw != nil && !t.waiting.Load() && saw.Status.Known() && !saw.Status.Terminal() && saw.Status != t.state.Status {
		// DescribeTasks saw a new status that ends nothing: announced from its answer, with
		// the progress last read; the backoff then reads the progress anew. Not when a read
		// is on its way (waiting): that read sees the status, and only it clears waiting.
		task := t.seen().Task
		task.Status, task.TaskID, task.RegionID = saw.Status, t.reg.TaskID, t.reg.RegionID
		if task.Action == "" {
			task.Action = saw.Action
		}
		w.health.ok()
		w.observe(ctx, t, task, now)
		return
	}
	// A read that may announce a change — every read without DescribeTasks, a status the
	// batch check saw change, a terminal status not announced yet — waits its turn in the
	// region's queue when the budget is spent. A progress read, or a first look the batch
	// check has not made yet, yields to those: DescribeTasks watches the status meanwhile.
	wait := saw != nil || !w.batching(now) || t.state.Status.Terminal()
	switch w.limits.take(t.reg.RegionID, key, now, wait) {
	case turnQueued:
		t.waiting.Store(true) // admit makes it due when its token is
		return
	case turnDenied:
		w.retry(t, now)
		return
	}
	t.waiting.Store(false)
	cctx, cancel := context.WithTimeout(w.taskContext(ctx, t), w.cfg.APITimeout)
	task, err := w.api.DescribeTask(cctx, t.reg.RegionID, t.reg.TaskID)
	cancel()
	w.metrics.APILatency.Observe(time.Since(now).Seconds())
	if ctx.Err() != nil {
		return // shutting down: Run hands the registration back
	}
	now = time.Now()
	if err == nil && (task.TaskID != t.reg.TaskID || (task.RegionID != "" && task.RegionID != t.reg.RegionID)) {
		// Subjects and ids come from the registration only: an answer about another task is
		// a transient fault of the answer, never announced.
		err = &APIError{Code: CodeMismatchedTask, Message: fmt.Sprintf("asked for %s in %s, ECS answered about %q in %q",
			t.reg.TaskID, t.reg.RegionID, task.TaskID, task.RegionID)}
	}
	if err != nil {
		if saw != nil && saw.Status.Terminal() {
			// DescribeTasks saw the end: kept until a read announces it (see onError).
			t.batchSaw.CompareAndSwap(nil, saw)
		}
		w.onError(ctx, t, err, now)
		return
	}
	w.onTask(ctx, t, task, now)
}

// CodeMismatchedTask is the error code counted when ECS answers about another task than asked.
const CodeMismatchedTask = "MismatchedTask"

func (w *Worker) logger(t *tracked) *zap.Logger {
	return w.log.With(zap.String("task_id", t.reg.TaskID), zap.String("region_id", t.reg.RegionID))
}

func (w *Worker) onError(ctx context.Context, t *tracked, err error, now time.Time) {
	class, code := Classify(err), ErrorCode(err)
	w.metrics.Polls.WithLabelValues(class.String(), code).Inc()
	log := w.logger(t)
	switch class {
	case ClassThrottled:
		w.cut(APIDescribeTaskAttribute, t.reg.RegionID, w.limits.throttled(t.reg.RegionID, now))
		log.Debug("throttled", zap.String("code", code))
	case ClassWorker:
		w.metrics.WorkerErrors.WithLabelValues(code).Inc()
		w.health.report(code, t.reg.RegionID, err, now)
	case ClassInvalidRegion:
		w.fail(ctx, t, events.ReasonInvalidRegion, code, apiMessage(err), now)
		return
	case ClassNotFound:
		if t.notFoundSince == 0 {
			t.notFoundSince = now.UnixNano()
		}
		if now.Sub(time.Unix(0, t.notFoundSince)) >= w.cfg.NotFoundGrace {
			w.fail(ctx, t, events.ReasonTaskNotFound, code, apiMessage(err), now)
			return
		}
		log.Debug("task not found yet; within the grace", zap.Duration("grace", w.cfg.NotFoundGrace))
	default:
		if code == CodeMismatchedTask {
			log.Warn("ECS answered about another task; not announcing it", zap.Error(err))
		} else {
			log.Debug("transient ECS error; retrying", zap.String("code", code), zap.Error(err))
		}
	}
	if class != ClassWorker && !now.Before(w.lastChance(t)) && !t.seenEnded() {
		w.expire(ctx, t, code, err, now)
		return
	}
	w.retry(t, now)
}

// lastChance is when a task past its deadline that ECS could not be asked about fails with
// reason timeout all the same: one PollMax after the deadline, so that the calls made at the
// deadline and after it (at least one, at the backoff's pace) could have seen it end. A task
// whose calls never succeed thus ends like any other, long before its records could expire.
// Calls refused because of this worker (ClassWorker) do not count: such a worker hands its
// tasks back (Config.HandBackAfter), for one that can look at them to decide. Nor does a
// task DescribeTasks saw end (seenEnded): ECS answers about it and said it ended, so it is
// read until a read announces its end, never announced as timed out.
func (w *Worker) lastChance(t *tracked) time.Time { return w.deadline(t).Add(w.cfg.PollMax) }

// expire fails a task at its last chance (see lastChance) from what was last seen of it; err is
// the latest call's error, which the event names.
func (w *Worker) expire(ctx context.Context, t *tracked, code string, err error, now time.Time) {
	prev := t.seen()
	canceled := w.cancelAtDeadline(ctx, t, prev.Task)
	if ctx.Err() != nil {
		return // shutting down: Run hands the registration back
	}
	msg := fmt.Sprintf("task not finished %s after registration, and ECS could not be asked since the deadline (%s); last status %q",
		w.cfg.TaskTimeout, callError(err), prev.Task.Status)
	n := failure(prev, t.registration(), events.ReasonTimeout, code, clipField(msg), t.registration().Metadata, now)
	n.Cancel = canceled
	w.logger(t).Warn("task timed out while ECS could not be asked", zap.String("code", code), zap.Error(err))
	w.end(ctx, t, prev, n, now)
}

// onTask announces what a fresh observation changed. Past the deadline, a task that is still
// not terminal fails with reason timeout — only now, after a successful look, so a task that
// finished is never reported as timed out because ECS could not be asked — and, with
// Config.CancelOnTimeout, is canceled first.
func (w *Worker) onTask(ctx context.Context, t *tracked, task Task, now time.Time) {
	w.health.ok()
	w.limits.succeeded(t.reg.RegionID, now)
	w.metrics.Polls.WithLabelValues("ok", "").Inc()
	t.notFoundSince = 0
	w.observe(ctx, t, task, now)
}

// observe announces what an observation changed (see onTask).
func (w *Worker) observe(ctx context.Context, t *tracked, task Task, now time.Time) {
	log := w.logger(t)
	if !task.Status.Known() {
		log.Warn("unknown TaskStatus; treating it as not terminal", zap.String("status", string(task.Status)))
	}
	log.Debug("polled", zap.String("status", string(task.Status)), zap.String("process", task.Process))
	task = bounded(task)
	task.TaskID, task.RegionID = t.reg.TaskID, t.reg.RegionID
	if task.ResourceID == "" {
		task.ResourceID = t.resourceID()
	}
	if t.state.Action != "" {
		task.Action = t.state.Action // the action a task was announced with never changes
	}
	if task.Status != t.state.Status {
		t.prog = progress{} // a new phase: its own pace
	}
	if task.Status == StatusProcessing {
		t.prog = t.prog.anchor(task.CreationTime, now)
	}
	t.prog = t.prog.observe(now, task.Process)
	if eta, ok := t.prog.estimate(); ok && !task.Status.Terminal() {
		task.EstimatedFinish = eta
	}
	notices, seen := transitions(t.seen(), task, t.registration().Metadata, now)
	if !task.Status.Terminal() && !now.Before(w.deadline(t)) {
		canceled := w.cancelAtDeadline(ctx, t, task)
		if ctx.Err() != nil {
			return // shutting down: Run hands the registration back
		}
		notices = append(notices, Notice{
			Kind: events.KindFailed, Task: seen.Task, PreviousStatus: t.state.Status, Ordinal: seen.Ordinal,
			Metadata: t.registration().Metadata, Reason: events.ReasonTimeout, ObservedAt: now, Cancel: canceled,
			ErrorMessage: fmt.Sprintf("task not finished %s after registration; last status %q", w.cfg.TaskTimeout, task.Status),
		})
	}
	if len(notices) == 0 {
		w.retry(t, now)
		return
	}
	statusChanged := seen.Task.Status != t.state.Status
	if !w.announce(ctx, t, seen, notices, now) {
		return
	}
	if statusChanged {
		t.bo.Reset()
	}
	w.flush(ctx, t, now)
}

// fail ends a task that ECS did not end itself (not found, invalid region).
func (w *Worker) fail(ctx context.Context, t *tracked, reason events.Reason, code, msg string, now time.Time) {
	prev := t.seen()
	n := failure(prev, t.registration(), reason, code, msg, t.registration().Metadata, now)
	w.logger(t).Info("task failed", zap.String("reason", string(reason)), zap.String("code", code))
	w.end(ctx, t, prev, n, now)
}

// end announces n, the failed notice of a task ECS did not end itself, after prev.
func (w *Worker) end(ctx context.Context, t *tracked, prev observed, n Notice, now time.Time) {
	if w.announce(ctx, t, prev, []Notice{n}, now) {
		w.flush(ctx, t, now)
	}
}

// announce records notices in the task's state (compare-and-set under this worker's lease)
// before anything is published. It returns false when they were not recorded.
func (w *Worker) announce(ctx context.Context, t *tracked, seen observed, notices []Notice, now time.Time) bool {
	if t.state.Terminal {
		// Unreachable through process, which finishes a terminal task before anything else:
		// kept so that no future path can announce after the terminal event.
		w.logger(t).Error("refusing to announce anything after a task's terminal event", zap.Int("notices", len(notices)))
		w.retry(t, now)
		return false
	}
	st := t.state
	st.Action, st.Status, st.Process, st.Ordinal = seen.Task.Action, seen.Task.Status, seen.Task.Process, seen.Ordinal
	st.Outbox = newOutbox(notices)
	st.Terminal = st.Outbox.terminal() != ""
	if !w.commit(ctx, t, st, now) {
		return false
	}
	t.setSeen(seen)
	return true
}

// flush publishes what the outbox holds, in order, each on condition that the task's journal
// is where the state says; a terminal outbox is then recorded as sent. A fenced publish means the
// journal moved: the state is reconciled with it and flushing goes on from there. Once
// nothing is pending it acks a terminal task's registration, or schedules the next poll.
func (w *Worker) flush(ctx context.Context, t *tracked, now time.Time) {
	for fenced := 0; t.state.Outbox != nil; {
		n := t.state.Outbox.notice(0, t.registration())
		pos, err := w.pub.Publish(ctx, n, t.state.LastEvent)
		switch {
		case err == nil:
			t.state.LastEvent, t.state.Outbox, t.dirty = pos, t.state.Outbox.after(1), true
			w.metrics.Published.WithLabelValues(string(n.Kind)).Inc()
			if n.Kind == events.KindFailed {
				w.metrics.Failed.WithLabelValues(string(n.Reason)).Inc()
			}
			if n.Kind.Terminal() {
				t.outcome = n.Kind
			}
		case errors.Is(err, ErrFenced) && fenced < 3:
			fenced++
			w.metrics.Fenced.Inc()
			if !w.resync(ctx, t, now) {
				return
			}
		default:
			if ctx.Err() == nil {
				w.logger(t).Warn("cannot publish event; will retry", zap.String("kind", string(n.Kind)), zap.Error(err))
				w.retry(t, now)
			}
			return
		}
	}
	if t.state.Terminal {
		w.finish(ctx, t, now)
		return
	}
	// Not terminal: that these were sent is recorded with the next announcement, one state
	// write per observation instead of two. A successor that finds them still in the outbox
	// publishes nothing twice: each is refused by the fence or recognised by its id, and
	// reconcile skips what is stored.
	w.retry(t, now)
}

// finish ends a task whose terminal event is stored: it records that (when not recorded yet)
// and settles the registration. A failed write is retried at the task's backoff by process,
// which comes back here: a terminal task is never polled or announced again.
func (w *Worker) finish(ctx context.Context, t *tracked, now time.Time) {
	// Recorded before the registration is settled, so that a registration of the task that
	// comes later is settled at once.
	if t.dirty && !w.commit(ctx, t, t.state, now) {
		return
	}
	w.complete(ctx, t, now)
}

// resync reconciles the task's state with its journal after a fenced publish.
func (w *Worker) resync(ctx context.Context, t *tracked, now time.Time) bool {
	last, found, err := w.pub.Last(ctx, t.reg.RegionID, t.reg.TaskID)
	if err != nil {
		if ctx.Err() == nil {
			w.logger(t).Warn("cannot read the task's latest event; will retry", zap.Error(err))
			w.retry(t, now)
		}
		return false
	}
	st := reconcile(t.state, t.reg, last, found)
	if found && last.Kind.Terminal() {
		t.outcome = last.Kind
	}
	w.logger(t).Info("the task's events moved on; resuming from the latest",
		zap.Uint64("expected", t.state.LastEvent), zap.Uint64("latest", last.Position), zap.String("latest_id", last.ID))
	t.state, t.dirty = st, true
	t.setSeen(seenFrom(st, t.reg))
	return true
}

// commit writes st under this worker's lease. On a conflict it looks again: if the stored
// state still carries this worker's lease, the conflict was its own earlier write whose
// answer was lost, and it writes again; if there is no state any more (it expired), it
// writes it anew, so that a tracked task's state never stays expired — should another worker
// have claimed the task meanwhile and its state expired too, the journal's fence still stops
// this one from announcing anything after it; otherwise the task was taken over and this
// worker stops tracking it without settling the registration.
func (w *Worker) commit(ctx context.Context, t *tracked, st State, now time.Time) bool {
	rev, err := w.store.Update(ctx, t.key, st, t.rev)
	if errors.Is(err, ErrStateConflict) {
		cur, curRev, gerr := w.store.Get(ctx, t.key)
		switch {
		case gerr == nil && cur.Lease == st.Lease:
			rev, err = w.store.Update(ctx, t.key, st, curRev)
		case errors.Is(gerr, ErrNoState):
			rev, err = w.store.Create(ctx, t.key, st)
			if errors.Is(err, ErrStateExists) {
				err = ErrStateConflict // claimed meanwhile
			}
		case gerr != nil:
			err = gerr // cannot tell yet; retry later
		}
	}
	switch {
	case errors.Is(err, ErrStateConflict):
		w.lost(t)
		return false
	case err != nil:
		if ctx.Err() == nil {
			w.logger(t).Warn("cannot save task state; will retry", zap.Error(err))
			w.retry(t, now)
		}
		return false
	}
	t.state, t.rev, t.dirty = st, rev, false
	return true
}

// lost forgets a task another worker holds now, without settling its registration.
func (w *Worker) lost(t *tracked) {
	w.metrics.Lost.Inc()
	w.logger(t).Warn("task was taken over by another worker; stopping here")
	if lease, ok := w.untrack(t); ok {
		lease.Abandon()
	}
}

// revoked forgets a task whose lease the source took back (its partition went to another
// worker), without settling its registration.
func (w *Worker) revoked(t *tracked) {
	if _, ok := w.untrack(t); ok {
		w.metrics.Lost.Inc()
		w.logger(t).Debug("lease taken back by the source; another worker tracks the task now")
	}
}

// complete acks the registration of a task whose terminal event is stored.
func (w *Worker) complete(ctx context.Context, t *tracked, now time.Time) {
	if err := w.tasks.leaseOf(t).Done(ctx); err != nil && ctx.Err() == nil {
		// The state says terminal: a redelivery is acked without a second event.
		w.logger(t).Warn("cannot ack registration", zap.Error(err))
	}
	kind := t.outcome
	if kind == "" {
		kind = events.KindFailed
		if t.state.Status == StatusFinished {
			kind = events.KindFinished
		}
	}
	w.metrics.TimeToOutcome.WithLabelValues(string(kind)).Observe(now.Sub(t.state.RegisteredAt).Seconds())
	w.logger(t).Info("task done", zap.String("outcome", string(kind)), zap.String("status", string(t.state.Status)))
	w.untrack(t)
}

// retry schedules the next poll after the task's backoff — or earlier, at the moment its
// progress is expected to reach 100% (never sooner than PollInitial), so that a task is not
// looked at a whole backoff cap after it ended. Past the deadline polls go on at the
// backoff's pace until one succeeds (see onTask).
//
// While DescribeTasks watches the status (batching), a task whose end can be estimated is
// read at the estimate instead — at least every PollMax: its status is known meanwhile, and a
// read then is the one that finds it ended.
func (w *Worker) retry(t *tracked, now time.Time) {
	at, batching := now.Add(t.bo.NextBackOff()), w.batching(now)
	if eta, ok := t.prog.estimate(); ok && (eta.Before(at) || batching) {
		if batching {
			// DescribeTasks sees the end within a batch interval and has it read then: a
			// read planned just after the estimate is needed only if the task runs late.
			eta = eta.Add(2 * w.cfg.BatchInterval)
		}
		at = eta
		if latest := now.Add(w.cfg.PollMax); latest.Before(at) {
			at = latest
		}
		if soonest := now.Add(w.cfg.PollInitial); at.Before(soonest) {
			at = soonest
		}
	}
	if deadline := w.deadline(t); now.Before(deadline) && at.After(deadline) {
		at = deadline
	} else if last := w.lastChance(t); now.Before(last) && at.After(last) {
		at = last
	}
	w.sched.Schedule(t.key, at)
}

// callError says what err is: its code and describeFailure's sample, which names the host
// but not the request's URL (its query names the task, not a secret, but an event is no place
// for it).
func callError(err error) string {
	_, sample := describeFailure(err)
	return ErrorCode(err) + ": " + sample
}

func apiMessage(err error) string {
	var api *APIError
	if errors.As(err, &api) {
		return api.Message
	}
	return err.Error()
}
