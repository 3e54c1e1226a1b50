package poller

import (
	"context"
	"fmt"
	"time"
)

// listPage asks for one page, once a token of the region's DescribeTasks limiter is free: the
// listing shares the fleet's DescribeTasks quota with the batch checker, and its throttled
// answers cut the rate for both (and the fleet). A call that fails transiently is asked again,
// pageTries times in all.
func (w *Worker) listPage(ctx context.Context, q ListQuery) (TaskPage, error) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	var err error
	for try := 0; try < pageTries; {
		now := time.Now()
		if !w.batchLimits.allow(q.RegionID, now) {
			d := w.batchLimits.due(q.RegionID, now)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			select {
			case <-timer.C:
				continue
			case <-ctx.Done():
				return TaskPage{}, ctx.Err()
			}
		}
		try++
		var p TaskPage
		if p, err = w.listCall(ctx, q); err == nil {
			return p, nil
		}
		if c := Classify(err); ctx.Err() != nil || (c != ClassTransient && c != ClassThrottled) {
			break
		}
	}
	return TaskPage{}, err
}

// listCall makes one ListTasks call, within Config.APITimeout, and acts on its answer as the
// batch checker does on DescribeTasks's.
func (w *Worker) listCall(ctx context.Context, q ListQuery) (TaskPage, error) {
	w.metrics.Discovery.Calls.WithLabelValues(q.RegionID).Inc()
	cctx, cancel := context.WithTimeout(ctx, w.cfg.APITimeout)
	p, err := w.disc.lister.ListTasks(cctx, q)
	cancel()
	now := time.Now()
	if err == nil {
		w.batchLimits.succeeded(q.RegionID, now)
		return p, nil
	}
	if ctx.Err() != nil {
		return TaskPage{}, ctx.Err()
	}
	switch Classify(err) {
	case ClassThrottled:
		w.cut(APIDescribeTasks, q.RegionID, w.batchLimits.throttled(q.RegionID, now))
	case ClassWorker:
		if WorkerFault(err) != FaultPermission {
			// Credentials or the clock: every call is refused alike (see checkBatch).
			w.health.report(ErrorCode(err), q.RegionID, err, now)
		}
	}
	return TaskPage{}, fmt.Errorf("DescribeTasks page %d of %s: %w", q.PageNumber, q.RegionID, err)
}

// reachLister passes every ListTasks call to lister and tells reach how it went, as reachAPI
// does for the other calls.
type reachLister struct {
	lister TaskLister
	reach  *reach
}

func (a reachLister) ListTasks(ctx context.Context, q ListQuery) (TaskPage, error) {
	sent := time.Now()
	p, err := a.lister.ListTasks(ctx, q)
	reachAPI{reach: a.reach}.report(ctx, q.RegionID, err, sent)
	return p, err
}
