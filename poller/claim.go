package poller

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
)

// claimJob is one registration being claimed, with what its claim's steps share.
type claimJob struct {
	d   Lease
	res *reservation // the slot it is tracked on
	reg events.Registration
	key string
	log *zap.Logger
}

// claim decides what a registration means, using the state store as the record of which
// registration owns each task, and the task's journal (its latest stored event) as the record
// of what was announced:
//   - no state (a new task, or one whose state expired): the journal says where the task
//     stands; if it already has its terminal event, ack; else track it from there.
//   - terminal state with nothing left to publish: the task already has its terminal event; ack.
//   - owned by this very registration (a redelivery after a crash or hand-back): resume from
//     the stored state, so no status is announced twice and the deadline is kept.
//   - owned by another registration that is still pending: a duplicate; ack it.
//   - owned by a registration that is gone: take over.
//
// Resuming and taking over write a new lease with compare-and-set, so the previous holder's
// next write fails and it stops. When it starts tracking a task, the task holds res's slot;
// otherwise the caller gives res back.
func (w *Worker) claim(ctx context.Context, d Lease, res *reservation) {
	reg := d.Registration()
	j := &claimJob{d: d, res: res, reg: reg, key: reg.Key(),
		log: w.log.With(zap.String("task_id", reg.TaskID), zap.String("region_id", reg.RegionID))}
	for range 3 {
		if !w.claimOnce(ctx, j) {
			return
		}
	}
	w.requeue(ctx, d, j.log, errors.New("task state kept changing"))
}

// claimOnce reads the task's state and acts on it (see claim). It returns true when the state
// changed meanwhile, for the claim to try again.
func (w *Worker) claimOnce(ctx context.Context, j *claimJob) (again bool) {
	st, rev, err := w.store.Get(ctx, j.key)
	switch {
	case errors.Is(err, ErrNoState):
		return w.claimNew(ctx, j)
	case err != nil:
		w.requeue(ctx, j.d, j.log, err)
	case st.Terminal && st.Outbox == nil:
		w.settle(ctx, j.d, j.log, "already_done")
	case st.OwnerSeq != j.d.ID():
		return w.claimOwned(ctx, j, st, rev)
	default:
		return w.resume(ctx, j, st, rev, "resumed")
	}
	return false
}

// claimNew claims a task that has no state: the journal says where it stands. It returns true
// when another claim created the state meanwhile.
func (w *Worker) claimNew(ctx context.Context, j *claimJob) (again bool) {
	last, found, err := w.pub.Last(ctx, j.reg.RegionID, j.reg.TaskID)
	if err != nil {
		w.requeue(ctx, j.d, j.log, err)
		return false
	}
	st := State{OwnerSeq: j.d.ID(), Owner: w.cfg.WorkerID, Lease: w.tokens.next(), RegisteredAt: time.Now().UTC()}
	st = reconcile(st, j.reg, last, found)
	rev, err := w.store.Create(ctx, j.key, st)
	switch {
	case errors.Is(err, ErrStateExists):
		return true
	case err != nil:
		w.requeue(ctx, j.d, j.log, err)
	case st.Terminal:
		w.settle(ctx, j.d, j.log, "already_done")
	case found:
		w.startTracking(j, st, rev, "resumed", "tracking task")
	default:
		w.startTracking(j, st, rev, "tracked", "tracking task")
	}
	return false
}

// claimOwned claims a task whose state another registration owns: a duplicate while that one
// is pending, else taken over. It returns true when the state changed meanwhile.
func (w *Worker) claimOwned(ctx context.Context, j *claimJob, st State, rev uint64) (again bool) {
	alive, err := w.src.Held(ctx, j.key, st.OwnerSeq)
	switch {
	case err != nil:
		w.requeue(ctx, j.d, j.log, err)
	case alive:
		w.settle(ctx, j.d, j.log, "duplicate")
	default:
		return w.resume(ctx, j, st, rev, "taken_over")
	}
	return false
}

// resume tracks a task from its stored state (at revision rev) under a new lease, written
// with compare-and-set; a task this worker still tracks keeps polling, holding the new lease
// instead. It returns true when the state changed meanwhile.
func (w *Worker) resume(ctx context.Context, j *claimJob, st State, rev uint64, how string) (again bool) {
	if old, ok := w.tasks.swapLease(j.key, j.d); ok {
		// Leased again by the worker that still tracks it: keep polling, hold the new lease.
		old.Abandon()
		return false
	}
	st.OwnerSeq, st.Owner, st.Lease = j.d.ID(), w.cfg.WorkerID, w.tokens.next()
	rev, err := w.store.Update(ctx, j.key, st, rev)
	switch {
	case errors.Is(err, ErrStateConflict):
		return true
	case err != nil:
		w.requeue(ctx, j.d, j.log, err)
	default:
		w.startTracking(j, st, rev, how, "resuming task")
	}
	return false
}

// startTracking counts and logs how a claim came to track its task, and tracks it.
func (w *Worker) startTracking(j *claimJob, st State, rev uint64, how, msg string) {
	w.metrics.Registrations.WithLabelValues(how).Inc()
	j.log.Info(msg, zap.String("how", how), zap.String("last_status", string(st.Status)))
	w.track(j.res, j.d, st, rev)
}

// settle acks a registration that needs no tracking.
func (w *Worker) settle(ctx context.Context, d Lease, log *zap.Logger, outcome string) {
	w.metrics.Registrations.WithLabelValues(outcome).Inc()
	log.Info("registration needs no polling", zap.String("why", outcome))
	if err := d.Done(ctx); err != nil && ctx.Err() == nil {
		log.Warn("cannot ack registration", zap.Error(err))
	}
}

// requeue hands a registration back after a pause when the state store failed.
func (w *Worker) requeue(ctx context.Context, d Lease, log *zap.Logger, cause error) {
	if ctx.Err() != nil {
		cause = ctx.Err()
	}
	log.Warn("cannot claim task; handing registration back", zap.Error(cause))
	delay := 2 * time.Second
	if ctx.Err() != nil {
		delay = 0
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
	}
	if err := d.Release(ctx, delay); err != nil {
		log.Warn("cannot hand registration back", zap.Error(err))
	}
}
