package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
)

// intake records when each task's record first appeared in its account's tasks bucket: when
// the worker took its registration in (for another account than the default, after the default
// account's workers forwarded it). Safe for concurrent use.
type intake struct {
	mu       sync.Mutex
	recorded map[string]time.Time // task id → stored
}

func newIntake(n int) *intake { return &intake{recorded: make(map[string]time.Time, n)} }

func (in *intake) add(task string, at time.Time) {
	in.mu.Lock()
	if _, ok := in.recorded[task]; !ok {
		in.recorded[task] = at
	}
	in.mu.Unlock()
}

func (in *intake) snapshot() map[string]time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make(map[string]time.Time, len(in.recorded))
	for k, v := range in.recorded {
		out[k] = v
	}
	return out
}

// watchTasks records in in each task put in the tasks bucket of s; stop ends the watch and
// waits for its goroutine.
func watchTasks(ctx context.Context, js jetstream.JetStream, s events.Subjects, in *intake) (stop func(), err error) {
	kv, err := js.KeyValue(ctx, s.StreamName(events.TasksRole))
	if err != nil {
		return nil, fmt.Errorf("tasks bucket of %s: %w", s.Prefix(), err)
	}
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("watch the tasks bucket of %s: %w", s.Prefix(), err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case e, ok := <-w.Updates():
				if !ok {
					return
				}
				if e != nil {
					in.add(taskOfKey(e.Key()), e.Created())
				}
			case <-done:
				return
			}
		}
	})
	return func() {
		close(done)
		_ = w.Stop()
		wg.Wait()
	}, nil
}

// taskOfKey is the task id of a tasks-bucket key, "<partition>.<region>.<task>".
func taskOfKey(k string) string { return k[strings.LastIndexByte(k, '.')+1:] }

// intakeLags are, for each task of ids, its record's time minus when its registration was
// acked to the harness (registered), sorted; and how many of them were recorded only after
// the task had ended (end), which no poller can see in time.
func intakeLags(ids []string, registered []time.Time, recorded, end map[string]time.Time) (sorted []time.Duration, afterEnd int) {
	for i, id := range ids {
		rec, ok := recorded[id]
		if !ok {
			continue
		}
		sorted = append(sorted, rec.Sub(registered[i]))
		if e, ok := end[id]; ok && rec.After(e) {
			afterEnd++
		}
	}
	slices.Sort(sorted)
	return sorted, afterEnd
}
