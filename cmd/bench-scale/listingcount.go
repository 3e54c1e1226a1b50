package main

import (
	"context"
	"sync"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// listingSamples are readings of the emulator's cumulative listing calls per region: reading
// k was taken At[k] after the run's start and holds Counts[k][r] for region r of the run.
// Readings are in time order.
type listingSamples struct {
	At     []time.Duration
	Counts [][]int
}

// before is the reading of region r at the last sample taken at or before t; 0 if none.
func (s listingSamples) before(r int, t time.Duration) int {
	n := 0
	for k, at := range s.At {
		if at > t {
			break
		}
		n = s.Counts[k][r]
	}
	return n
}

// between is how many listing calls region r made from from to to, as the samples tell
// (each bound rounded down to the sample before it).
func (s listingSamples) between(r int, from, to time.Duration) int {
	return s.before(r, to) - s.before(r, from)
}

// perInterval scales calls made over [from, to] to calls per interval; 0 for an empty span.
func perInterval(calls int, from, to, interval time.Duration) float64 {
	if to <= from {
		return 0
	}
	return float64(calls) * float64(interval) / float64(to-from)
}

// listingSampler reads the emulator's listing counts of regions every so often. Safe for
// concurrent use: run takes readings, samples returns a copy.
type listingSampler struct {
	emu     *ecsemu.Server
	regions []string
	start   time.Time

	mu sync.Mutex
	s  listingSamples
}

// take adds a reading at now.
func (l *listingSampler) take(now time.Time) {
	counts := make([]int, len(l.regions))
	for i, r := range l.regions {
		counts[i] = l.emu.Listings(r)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.s.At = append(l.s.At, now.Sub(l.start))
	l.s.Counts = append(l.s.Counts, counts)
}

// run takes a reading at once and every every until ctx ends, then one last, and returns.
func (l *listingSampler) run(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		l.take(time.Now())
		select {
		case <-tick.C:
		case <-ctx.Done():
			l.take(time.Now())
			return
		}
	}
}

// samples returns the readings so far.
func (l *listingSampler) samples() listingSamples {
	l.mu.Lock()
	defer l.mu.Unlock()
	return listingSamples{At: append([]time.Duration(nil), l.s.At...), Counts: append([][]int(nil), l.s.Counts...)}
}
