package poller

import (
	"context"
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
	loop := w.startIntake()
	defer loop.stop()
	for {
		turn := loop.take
		if w.in.isPaused() {
			turn = loop.whilePaused
		}
		if !turn(ctx) {
			return nil
		}
	}
}

// intakeLoop is what the intake goroutine keeps between its turns; only it uses one.
type intakeLoop struct {
	w        *Worker
	claims   sync.WaitGroup
	claiming chan struct{} // one per claim in flight, Concurrency in all
	retry    *time.Timer
	drained  bool // handed everything back since the pause began
}

// startIntake tells the source the worker's capacity (when it offers Capacity: Next is called
// only while a slot is free) and starts consuming.
func (w *Worker) startIntake() *intakeLoop {
	// Claims run concurrently, Concurrency at a time: each is a few round trips to NATS.
	l := &intakeLoop{w: w, claiming: make(chan struct{}, w.cfg.Concurrency), retry: time.NewTimer(0)}
	if c, ok := w.src.(Capacity); ok {
		c.SetCapacity(w.cfg.MaxTracked)
	}
	w.in.setConsuming(true)
	return l
}

// stop waits for the claims in flight.
func (l *intakeLoop) stop() {
	l.retry.Stop()
	l.claims.Wait()
}

// wait waits for d; it returns false when ctx ended first.
func (l *intakeLoop) wait(ctx context.Context, d time.Duration) bool {
	l.retry.Reset(d)
	select {
	case <-l.retry.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// whilePaused is one turn of a paused intake: the first one hands everything back, each waits
// a second. It returns false when ctx ended.
func (l *intakeLoop) whilePaused(ctx context.Context) bool {
	l.w.in.setConsuming(false)
	if !l.drained {
		l.claims.Wait() // so that no claim in flight tracks a task after the hand-back
		l.w.handBackForPause(ctx)
		l.drained = true
	}
	return l.wait(ctx, time.Second)
}

// take is one turn of intake: a slot, a registration, and its claim started. It returns false
// when ctx ended.
func (l *intakeLoop) take(ctx context.Context) bool {
	w := l.w
	l.drained = false
	w.in.setConsuming(true)
	res, ok := w.tasks.reserve(ctx)
	if !ok {
		return false
	}
	d, err := w.next(ctx)
	if err != nil {
		res.giveBack()
		return l.nextFailed(ctx, err)
	}
	w.in.succeeded()
	return l.startClaim(ctx, d, res)
}

// nextFailed acts on a failed Source.Next: an interruption to pause, or a failure to retry
// in a second. It returns false when ctx ended.
func (l *intakeLoop) nextFailed(ctx context.Context, err error) bool {
	w := l.w
	if ctx.Err() != nil {
		return false
	}
	if w.in.isPaused() {
		return true // Next was interrupted to pause
	}
	w.metrics.IntakeErrors.Inc()
	w.in.failed(time.Now())
	w.log.Warn("cannot take registrations; retrying in 1s", zap.Error(err))
	return l.wait(ctx, time.Second)
}

// startClaim claims d, on the slot res reserved, once fewer than Concurrency claims are in
// flight. It returns false when ctx ended first (d is then handed back).
func (l *intakeLoop) startClaim(ctx context.Context, d Lease, res *reservation) bool {
	select {
	case l.claiming <- struct{}{}:
	case <-ctx.Done():
		res.giveBack()
		l.w.requeue(ctx, d, l.w.log, ctx.Err())
		return false
	}
	l.claims.Go(func() {
		defer func() { <-l.claiming }()
		defer res.giveBack() // unless the claim tracked its task
		l.w.claim(ctx, d, res)
	})
	return true
}

// handBackForPause stops the source fetching, then hands back every lease the worker holds.
func (w *Worker) handBackForPause(ctx context.Context) {
	w.src.Drain(ctx)
	n := w.releaseAll(ctx)
	w.metrics.HandedBack.Add(float64(n))
	w.log.Error("ECS has refused this worker's calls for too long; handed its registrations back and stopped taking new ones until a probe call is accepted",
		zap.Int("handed_back", n), zap.String("codes", w.health.problem()))
}

// next calls Source.Next with a context that pause can cancel.
func (w *Worker) next(ctx context.Context) (Lease, error) {
	nctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w.in.nextBegan(time.Now(), cancel)
	return w.src.Next(nctx)
}
