package poller

import (
	"context"
	"time"
)

// admit gives the DescribeTaskAttribute calls waiting in a region's queue their turn: when the
// region's next token is due, the key at the head of the queue is granted it and made due now
// (process takes the token). Tokens are granted at the rate in force when they fall due, so a
// rate cut slows the calls waiting and never strands them behind tokens booked at the old rate.
// It runs until ctx ends.
func (w *Worker) admit(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		granted, next := w.limits.release(now)
		for _, g := range granted {
			w.metrics.RateDelay.Observe(g.waited.Seconds())
			w.sched.Schedule(g.key, now)
		}
		var due <-chan time.Time
		if !next.IsZero() {
			timer.Reset(next.Sub(now))
			due = timer.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.limits.woken():
		case <-due:
		}
		timer.Stop()
	}
}
