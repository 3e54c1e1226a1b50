package poller

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"
)

// intake takes registrations while there is room (one of MaxTracked slots before each Next,
// so that a source told its Capacity keeps what waits beyond it out of memory), and claims
// each. When the worker pauses (see guard), intake stops the source fetching (Drain), then
// hands back every lease the worker holds, in that order, so that none of them comes straight
// back to this worker; while paused it takes nothing.
func (w *Worker) intake(ctx context.Context) error {
	// Claims run concurrently, Concurrency at a time: each is a few round trips to NATS.
	var claims sync.WaitGroup
	defer claims.Wait()
	claiming := make(chan struct{}, w.cfg.Concurrency)
	if c, ok := w.src.(Capacity); ok {
		c.SetCapacity(w.cfg.MaxTracked) // Next is called only while a slot is free
	}
	w.consuming.Store(true)
	retry := time.NewTimer(0)
	defer retry.Stop()
	wait := func(d time.Duration) bool {
		retry.Reset(d)
		select {
		case <-retry.C:
			return true
		case <-ctx.Done():
			return false
		}
	}
	drained := false
	for {
		if w.paused.Load() {
			w.consuming.Store(false)
			if !drained {
				claims.Wait() // so that no claim in flight tracks a task after the hand-back
				w.src.Drain(ctx)
				n := w.releaseAll(ctx)
				w.metrics.HandedBack.Add(float64(n))
				w.log.Error("ECS has refused this worker's calls for too long; handed its registrations back and stopped taking new ones until a probe call is accepted",
					zap.Int("handed_back", n), zap.String("codes", w.health.problem()))
				drained = true
			}
			if !wait(time.Second) {
				return nil
			}
			continue
		}
		drained = false
		w.consuming.Store(true)
		res, ok := w.tasks.reserve(ctx)
		if !ok {
			return nil
		}
		w.nextSince.Store(time.Now().UnixNano())
		d, err := w.next(ctx)
		if err != nil {
			res.giveBack()
			if ctx.Err() != nil {
				return nil
			}
			if w.paused.Load() {
				continue // Next was interrupted to pause
			}
			now := time.Now().UnixNano()
			w.metrics.IntakeErrors.Inc()
			w.lastFail.Store(now)
			w.failingFrom.CompareAndSwap(0, now)
			w.log.Warn("cannot take registrations; retrying in 1s", zap.Error(err))
			if !wait(time.Second) {
				return nil
			}
			continue
		}
		w.consuming.Store(true)
		w.failingFrom.Store(0)
		select {
		case claiming <- struct{}{}:
		case <-ctx.Done():
			res.giveBack()
			w.requeue(ctx, d, w.log, ctx.Err())
			return nil
		}
		claims.Go(func() {
			defer func() { <-claiming }()
			defer res.giveBack() // unless the claim tracked its task
			w.claim(ctx, d, res)
		})
	}
}

// next calls Source.Next with a context that pause can cancel.
func (w *Worker) next(ctx context.Context) (Lease, error) {
	nctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.mu.Lock()
	w.cancelNext = cancel
	w.mu.Unlock()
	if w.paused.Load() { // paused before cancelNext was set
		cancel()
	}
	return w.src.Next(nctx)
}

// pause stops intake: the next loop of intake drains the source and hands every lease back.
func (w *Worker) pause() {
	w.paused.Store(true)
	w.mu.Lock()
	cancel := w.cancelNext
	w.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// intakeRecovered is how long a call of Source.Next must wait without an error, after errors,
// for taking registrations to count as working again: longer than a source takes to notice
// that its consumer is gone (natsjs.Source: about 10 s of missed heartbeats).
const intakeRecovered = 20 * time.Second

// intakeFailing reports whether taking registrations is failing, and since when. A failure
// ends when Next returns a registration, or has waited quietly for intakeRecovered: an idle
// queue is not a failure. Safe for concurrent use.
func (w *Worker) intakeFailing(now time.Time) (time.Duration, bool) {
	from := w.failingFrom.Load()
	if from == 0 {
		return 0, false
	}
	if since := w.nextSince.Load(); since > w.lastFail.Load() && now.Sub(time.Unix(0, since)) >= intakeRecovered {
		w.failingFrom.CompareAndSwap(from, 0)
		return 0, false
	}
	return now.Sub(time.Unix(0, from)), true
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
	key := reg.Key()
	log := w.log.With(zap.String("task_id", reg.TaskID), zap.String("region_id", reg.RegionID))
	for range 3 {
		st, rev, err := w.store.Get(ctx, key)
		outcome := "resumed"
		switch {
		case errors.Is(err, ErrNoState):
			last, found, err := w.pub.Last(ctx, reg.RegionID, reg.TaskID)
			if err != nil {
				w.requeue(ctx, d, log, err)
				return
			}
			st = State{OwnerSeq: d.ID(), Owner: w.cfg.WorkerID, Lease: w.newLease(), RegisteredAt: time.Now().UTC()}
			st = reconcile(st, reg, last, found)
			rev, err = w.store.Create(ctx, key, st)
			if errors.Is(err, ErrStateExists) {
				continue
			}
			if err != nil {
				w.requeue(ctx, d, log, err)
				return
			}
			if st.Terminal {
				w.settle(ctx, d, log, "already_done")
				return
			}
			outcome = "tracked"
			if found {
				outcome = "resumed"
			}
			w.metrics.Registrations.WithLabelValues(outcome).Inc()
			log.Info("tracking task", zap.String("how", outcome), zap.String("last_status", string(st.Status)))
			w.track(res, d, st, rev)
			return
		case err != nil:
			w.requeue(ctx, d, log, err)
			return
		case st.Terminal && st.Outbox == nil:
			w.settle(ctx, d, log, "already_done")
			return
		case st.OwnerSeq != d.ID():
			alive, err := w.src.Held(ctx, key, st.OwnerSeq)
			if err != nil {
				w.requeue(ctx, d, log, err)
				return
			}
			if alive {
				w.settle(ctx, d, log, "duplicate")
				return
			}
			outcome = "taken_over"
		}
		if old, ok := w.tasks.swapLease(key, d); ok {
			// Leased again by the worker that still tracks it: keep polling, hold the new lease.
			old.Abandon()
			return
		}
		st.OwnerSeq, st.Owner, st.Lease = d.ID(), w.cfg.WorkerID, w.newLease()
		rev, err = w.store.Update(ctx, key, st, rev)
		if errors.Is(err, ErrStateConflict) {
			continue
		}
		if err != nil {
			w.requeue(ctx, d, log, err)
			return
		}
		w.metrics.Registrations.WithLabelValues(outcome).Inc()
		log.Info("resuming task", zap.String("how", outcome), zap.String("last_status", string(st.Status)))
		w.track(res, d, st, rev)
		return
	}
	w.requeue(ctx, d, log, errors.New("task state kept changing"))
	return
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
