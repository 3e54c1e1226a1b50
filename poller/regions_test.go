package poller_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// hangingAPI is a batchAPI whose calls in the hanging regions never answer: they return only
// when their context ends (the worker's call timeout).
type hangingAPI struct {
	*batchAPI
	hanging map[string]bool
}

func (h hangingAPI) DescribeTask(ctx context.Context, region, taskID string) (poller.Task, error) {
	if h.hanging[region] {
		<-ctx.Done()
		return poller.Task{}, ctx.Err()
	}
	return h.batchAPI.DescribeTask(ctx, region, taskID)
}

func (h hangingAPI) DescribeTasks(ctx context.Context, region string, ids []string) ([]poller.TaskStatus, error) {
	if h.hanging[region] {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.batchAPI.DescribeTasks(ctx, region, ids)
}

// Regions are apart: with three regions whose calls all hang until the call timeout, the
// healthy region's tasks are still checked every batch interval and read at once, so the end
// of its task is announced within a batch interval or two, not after the hanging calls'
// timeouts.
func TestHangingRegionsDoNotDelayOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		const healthy = 5
		endAllAt(r, healthy, start.Add(5*time.Second)) // t-0... in testRegion, healthy
		hanging := map[string]bool{"cn-beijing": true, "cn-shanghai": true, "ap-southeast-1": true}
		r.wrapAPI = func(api poller.TaskAPI) poller.TaskAPI { return hangingAPI{api.(*batchAPI), hanging} }
		cfg := rigConfig()
		cfg.BatchInterval, cfg.APITimeout = 500*time.Millisecond, 10*time.Second
		cfg.PollInitial, cfg.PollMax = time.Second, time.Minute
		cfg.Concurrency = 4 // fewer than the hanging regions' tasks: without a bound they hold every poll goroutine
		a := r.start(cfg)
		for region := range hanging {
			for i := range 10 {
				a.src.Register(events.Registration{RegionID: region, TaskID: fmt.Sprintf("t-%s-%d", region, i)})
			}
		}
		for i := range healthy {
			a.register(fmt.Sprintf("t-%d", i))
		}
		settle(40 * time.Second)
		for i := range healthy {
			id := fmt.Sprintf("t-%d", i)
			evs := r.events(id)
			if len(evs) == 0 || !evs[len(evs)-1].Kind.Terminal() {
				t.Fatalf("%s: %v, want its end announced", id, r.history(id))
			}
			r.checkConsistent(id)
			if late := evs[len(evs)-1].ObservedAt.Sub(start.Add(5 * time.Second)); late > 2*cfg.BatchInterval {
				t.Errorf("%s: its end announced %s after it ended, want within two batch intervals (%s)", id, late, 2*cfg.BatchInterval)
			}
			checks := r.batch.checkTimes(id)
			for j := 1; j < len(checks) && checks[j].Before(start.Add(5*time.Second)); j++ {
				if gap := checks[j].Sub(checks[j-1]); gap > cfg.BatchInterval+cfg.BatchInterval/2 {
					t.Fatalf("%s checked at %s and next %s later, want every batch interval (%s)",
						id, checks[j-1].Sub(start), gap, cfg.BatchInterval)
				}
			}
		}
	})
}
