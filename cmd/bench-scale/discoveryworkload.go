package main

import (
	"math/rand/v2"
	"time"
)

// plannedTask is one task of a discovery workload: created at At after the run's start in
// Region, ending Life after its creation.
type plannedTask struct {
	Region string
	At     time.Duration
	Life   time.Duration
}

// discoveryWorkload is the tasks of a discovery run, in creation order. Every run of a
// benchmark gets the same one.
type discoveryWorkload struct {
	tasks []plannedTask
}

// newDiscoveryWorkload spreads n tasks evenly over span (task i at i·span/n, the first at 0)
// and deals them to regions in turn; each lives a time drawn uniformly in finish from seed.
// It is a pure function of its arguments; regions must not be empty.
func newDiscoveryWorkload(n int, span time.Duration, finish finishSpan, regions []string, seed uint64) discoveryWorkload {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	tasks := make([]plannedTask, n)
	for i := range tasks {
		tasks[i] = plannedTask{
			Region: regions[i%len(regions)],
			At:     time.Duration(int64(span) / int64(n) * int64(i)),
			Life:   finish.Min + time.Duration(rng.Int64N(int64(finish.Max-finish.Min)+1)),
		}
	}
	return discoveryWorkload{tasks: tasks}
}

// lastEnd is when the last task ends, after the run's start.
func (w discoveryWorkload) lastEnd() time.Duration {
	var m time.Duration
	for _, t := range w.tasks {
		m = max(m, t.At+t.Life)
	}
	return m
}

// lastCreated is when the last task is created, after the run's start.
func (w discoveryWorkload) lastCreated() time.Duration {
	if len(w.tasks) == 0 {
		return 0
	}
	return w.tasks[len(w.tasks)-1].At
}

// peakInWindow is the most tasks of region created within any window of length win (both
// ends included): how many tasks the busiest listing window of the region holds.
func (w discoveryWorkload) peakInWindow(region string, win time.Duration) int {
	var at []time.Duration // creation times of the region, ascending (tasks are in creation order)
	for _, t := range w.tasks {
		if t.Region == region {
			at = append(at, t.At)
		}
	}
	peak, lo := 0, 0
	for hi := range at {
		for at[hi]-at[lo] > win {
			lo++
		}
		peak = max(peak, hi-lo+1)
	}
	return peak
}
