package main

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// detections records, per task, when a poller first knew it had ended and how.
// Safe for concurrent use.
type detections struct {
	mu      sync.Mutex
	seen    map[string]time.Time
	outcome map[string]string // "finished", "failed", or a TaskStatus
	changed chan struct{}     // signalled (not closed) after each new detection
}

func newDetections(n int) *detections {
	return &detections{seen: make(map[string]time.Time, n), outcome: make(map[string]string, n), changed: make(chan struct{}, 1)}
}

// add records that task was seen ended at at with outcome; later sightings are ignored.
func (d *detections) add(task string, at time.Time, outcome string) {
	d.mu.Lock()
	if _, ok := d.seen[task]; !ok {
		d.seen[task] = at
		d.outcome[task] = outcome
	}
	d.mu.Unlock()
	select {
	case d.changed <- struct{}{}:
	default:
	}
}

func (d *detections) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.seen)
}

// snapshot returns copies of the detection times and outcomes.
func (d *detections) snapshot() (map[string]time.Time, map[string]string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := make(map[string]time.Time, len(d.seen))
	out := make(map[string]string, len(d.outcome))
	for k, v := range d.seen {
		seen[k] = v
		out[k] = d.outcome[k]
	}
	return seen, out
}

// wait returns nil once n tasks are detected, or an error when the deadline passes, ctx ends
// or exited is closed first (the poller died).
func (d *detections) wait(ctx context.Context, n int, deadline time.Time, exited <-chan struct{}) error {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		if got := d.count(); got >= n {
			return nil
		}
		select {
		case <-d.changed:
		case <-t.C:
			return fmt.Errorf("deadline: %d of %d tasks detected", d.count(), n)
		case <-exited:
			if got := d.count(); got >= n {
				return nil
			}
			return fmt.Errorf("the poller exited with %d of %d tasks detected", d.count(), n)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
