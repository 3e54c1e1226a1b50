package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// process polls one due task: what to do is decided here, when to do it next by the task's
// backoff and the scheduler.
func (w *Worker) process(ctx context.Context, key string) {
	t := w.lookup(key)
	if t == nil {
		return
	}
	now := time.Now()
	if !now.Before(t.deadline) {
		w.fail(ctx, t, ReasonTimeout, "", fmt.Sprintf("task not finished %s after registration; last status %q", w.cfg.TaskTimeout, t.seen.Task.Status), now)
		return
	}
	if !t.reserved {
		if d := w.limits.reserve(t.reg.RegionID, now); d > 0 {
			t.reserved = true
			w.metrics.RateDelay.Observe(d.Seconds())
			w.sched.Schedule(key, now.Add(d))
			return
		}
	}
	t.reserved = false
	cctx, cancel := context.WithTimeout(ctx, w.cfg.CallTimeout)
	task, err := w.api.DescribeTask(cctx, t.reg.RegionID, t.reg.TaskID)
	cancel()
	w.metrics.APILatency.Observe(time.Since(now).Seconds())
	if ctx.Err() != nil {
		return // shutting down: Run hands the registration back
	}
	now = time.Now()
	if err != nil {
		w.onError(ctx, t, err, now)
		return
	}
	w.onTask(ctx, t, task, now)
}

func (w *Worker) logger(t *tracked) *zap.Logger {
	return w.log.With(zap.String("task_id", t.reg.TaskID), zap.String("region_id", t.reg.RegionID))
}

func (w *Worker) onError(ctx context.Context, t *tracked, err error, now time.Time) {
	class, code := Classify(err), ErrorCode(err)
	w.metrics.Polls.WithLabelValues(class.String(), code).Inc()
	log := w.logger(t)
	switch class {
	case ClassThrottled:
		w.limits.throttled(t.reg.RegionID, now)
		log.Debug("throttled; lowering the region's rate", zap.String("code", code))
	case ClassWorker:
		w.metrics.WorkerErrors.WithLabelValues(code).Inc()
		w.health.report(code, err)
	case ClassInvalidRegion:
		w.fail(ctx, t, ReasonInvalidRegion, code, apiMessage(err), now)
		return
	case ClassNotFound:
		if t.notFoundSince.IsZero() {
			t.notFoundSince = now
		}
		if now.Sub(t.notFoundSince) >= w.cfg.NotFoundGrace {
			w.fail(ctx, t, ReasonTaskNotFound, code, apiMessage(err), now)
			return
		}
		log.Debug("task not found yet; within the grace", zap.Duration("grace", w.cfg.NotFoundGrace))
	default:
		log.Debug("transient ECS error; retrying", zap.String("code", code), zap.Error(err))
	}
	w.retry(t, now)
}

func (w *Worker) onTask(ctx context.Context, t *tracked, task Task, now time.Time) {
	w.health.ok()
	w.limits.succeeded(t.reg.RegionID, now)
	w.metrics.Polls.WithLabelValues("ok", "").Inc()
	t.notFoundSince = time.Time{}
	log := w.logger(t)
	if !task.Status.Known() {
		log.Warn("unknown TaskStatus; treating it as not terminal", zap.String("status", string(task.Status)))
	}
	log.Debug("polled", zap.String("status", string(task.Status)), zap.String("process", task.Process))
	notices, seen := transitions(t.seen, task, t.reg.Metadata, now)
	if len(notices) == 0 {
		w.retry(t, now)
		return
	}
	if !w.publish(ctx, t, notices, now) {
		return
	}
	terminal := task.Status.Terminal()
	statusChanged := seen.Task.Status != t.seen.Task.Status
	if !w.save(ctx, t, seen, terminal, now) {
		return
	}
	if terminal {
		w.complete(ctx, t, notices[len(notices)-1].Kind, now)
		return
	}
	if statusChanged {
		t.bo.Reset()
	}
	w.retry(t, now)
}

// fail ends a task that ECS did not end itself.
func (w *Worker) fail(ctx context.Context, t *tracked, reason Reason, code, msg string, now time.Time) {
	n := failure(t.seen, t.reg, reason, code, msg, t.reg.Metadata, now)
	w.logger(t).Info("task failed", zap.String("reason", string(reason)), zap.String("code", code))
	if !w.publish(ctx, t, []Notice{n}, now) {
		return
	}
	if !w.save(ctx, t, t.seen, true, now) {
		return
	}
	w.complete(ctx, t, KindFailed, now)
}

// publish sends notices in order; on failure it schedules a retry and returns false. Notices
// are idempotent, so the retry may repeat those already stored.
func (w *Worker) publish(ctx context.Context, t *tracked, notices []Notice, now time.Time) bool {
	for _, n := range notices {
		if err := w.pub.Publish(ctx, n); err != nil {
			if ctx.Err() == nil {
				w.logger(t).Warn("cannot publish event; will retry", zap.String("kind", string(n.Kind)), zap.Error(err))
				w.retry(t, now)
			}
			return false
		}
		w.metrics.Published.WithLabelValues(string(n.Kind)).Inc()
	}
	return true
}

// save records what is now known of the task. On a conflict another worker has taken the
// task over: this one stops tracking it without settling the registration.
func (w *Worker) save(ctx context.Context, t *tracked, seen observed, terminal bool, now time.Time) bool {
	st := t.state
	st.Action, st.Status, st.Process, st.Ordinal, st.Terminal = seen.Task.Action, seen.Task.Status, seen.Task.Process, seen.Ordinal, terminal
	rev, err := w.store.Update(ctx, t.key, st, t.rev)
	switch {
	case errors.Is(err, ErrStateConflict):
		w.logger(t).Warn("task was taken over by another worker; stopping here")
		w.untrack(t)
		return false
	case err != nil:
		if ctx.Err() == nil {
			w.logger(t).Warn("cannot save task state; will retry", zap.Error(err))
			w.retry(t, now)
		}
		return false
	}
	t.state, t.rev, t.seen = st, rev, seen
	return true
}

// complete acks the registration of a task whose terminal event is stored.
func (w *Worker) complete(ctx context.Context, t *tracked, kind Kind, now time.Time) {
	if err := w.delivery(t).Ack(ctx); err != nil && ctx.Err() == nil {
		// The state says terminal: a redelivery is acked without a second event.
		w.logger(t).Warn("cannot ack registration", zap.Error(err))
	}
	w.metrics.TimeToOutcome.WithLabelValues(string(kind)).Observe(now.Sub(t.state.RegisteredAt).Seconds())
	w.logger(t).Info("task done", zap.String("outcome", string(kind)), zap.String("status", string(t.seen.Task.Status)))
	w.untrack(t)
}

// retry schedules the next poll after the task's backoff, never past its deadline.
func (w *Worker) retry(t *tracked, now time.Time) {
	at := now.Add(t.bo.NextBackOff())
	if at.After(t.deadline) {
		at = t.deadline
	}
	w.sched.Schedule(t.key, at)
}

func apiMessage(err error) string {
	var api *APIError
	if errors.As(err, &api) {
		return api.Message
	}
	return err.Error()
}
