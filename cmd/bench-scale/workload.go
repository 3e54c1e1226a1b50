package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// workload is the tasks of one run: how long each lives after registration. Every poller
// of a size gets the same one.
type workload struct {
	region  string
	waiting float64 // share of a life in Waiting
	lives   []time.Duration
}

// newWorkload draws n lives uniformly in span from seed.
func newWorkload(n int, span finishSpan, waiting float64, region string, seed uint64) workload {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	lives := make([]time.Duration, n)
	for i := range lives {
		lives[i] = span.Min + time.Duration(rng.Int64N(int64(span.Max-span.Min)+1))
	}
	return workload{region: region, waiting: waiting, lives: lives}
}

// newEmulator starts a fresh emulator at time scale 1 that answers quota calls/s per API
// (DescribeTaskAttribute, DescribeTasks) and region and throttles the rest.
//
// Its quotas count calls per wall-clock second (WithQuotaWindow), as the stand-in of a
// black-box run did: a poller whose bucket lets a burst plus a second's rate through in one
// second is throttled, as it would be by such a quota.
func newEmulator(quota float64) (*ecsemu.Server, error) {
	return ecsemu.New(ecsemu.WithQuotaWindow(),
		ecsemu.WithQuota(ecsemu.ActionDescribeTaskAttribute, quota),
		ecsemu.WithQuota(ecsemu.ActionDescribeTasks, quota),
	)
}

// addTask creates task i of w in emu: Waiting, then Processing, finished lives[i] from now.
func (w workload) addTask(emu *ecsemu.Server, i int) (string, error) {
	life := w.lives[i]
	waiting := time.Duration(float64(life) * w.waiting)
	id, err := emu.AddTimedTask(ecsemu.TimedTask{RegionID: w.region, Waiting: waiting, Processing: life - waiting})
	if err != nil {
		return "", fmt.Errorf("create task %d: %w", i, err)
	}
	return id, nil
}

// lastEnd is the longest life of w.
func (w workload) lastEnd() time.Duration {
	var m time.Duration
	for _, l := range w.lives {
		m = max(m, l)
	}
	return m
}

// ends asks emu when each task ended; a task it does not report as ended is an error (the
// harness asks only after every task's life is over).
func ends(emu *ecsemu.Server, ids []string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(ids))
	for _, id := range ids {
		end, ok := emu.TaskEnd(id)
		if !ok {
			return nil, fmt.Errorf("the emulator reports no end for task %s", id)
		}
		out[id] = end
	}
	return out, nil
}
