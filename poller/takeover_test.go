package poller_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

func addLifecycles(t *testing.T, e *env, n int, stepFor time.Duration) []string {
	t.Helper()
	var ids []string
	for range n {
		id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
			{Status: "Waiting", Process: "0%", For: stepFor},
			{Status: "Processing", Process: "30%", For: stepFor},
			{Status: "Processing", Process: "70%", For: stepFor},
			{Status: "Finished", Process: "100%", Operations: []ecsemu.Operation{{Status: "Success", Items: []ecsemu.Item{{Name: "OSSObject", Value: "x.raw"}}}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// checkExactlyOnce asserts the invariants of the events stream: every task has exactly one
// terminal event, no event id is stored twice, and each status change is announced once.
func checkExactlyOnce(t *testing.T, col *collector, ids []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range col.all() {
		if seen[s.Event.ID] {
			t.Errorf("event id %s stored twice", s.Event.ID)
		}
		seen[s.Event.ID] = true
	}
	for _, id := range ids {
		evs := col.forTask(id)
		if n := len(terminals(evs)); n != 1 {
			t.Errorf("task %s: %d terminal events, want 1", id, n)
		}
		var statuses []string
		for _, s := range evs {
			if s.Event.Type == "ecs.task.status_changed" {
				statuses = append(statuses, s.Event.Data.TaskStatus)
			}
		}
		if got, want := fmt.Sprint(statuses), "[Waiting Processing Finished]"; got != want {
			t.Errorf("task %s: status changes %s, want %s", id, got, want)
		}
	}
}

// A worker that dies without settling anything (as under SIGKILL) loses nothing: another
// worker resumes its tasks once the ack wait has passed, without announcing a status twice.
func TestKilledWorkerIsTakenOver(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	ids := addLifecycles(t, e, 20, 400*time.Millisecond)
	a := e.startWorker(fastConfig())
	for _, id := range ids {
		e.register(js, id, "")
	}
	// Kill A once it is mid-way: every task has announced Processing.
	waitFor(t, 10*time.Second, "tasks processing", col.changed, func() bool {
		for _, id := range ids {
			n := 0
			for _, s := range col.forTask(id) {
				if s.Event.Type == "ecs.task.status_changed" {
					n++
				}
			}
			if n < 2 {
				return false
			}
		}
		return true
	})
	a.kill()
	b := e.startWorker(fastConfig())
	col.waitTerminal(t, 20*time.Second, ids...)
	checkExactlyOnce(t, col, ids)
	// B ended every task, and resumed each from A's state: A was really gone (nothing raced
	// the wall clock to tell).
	if got := testutil.ToFloat64(b.metrics.Registrations.WithLabelValues("resumed")); got != float64(len(ids)) {
		t.Errorf("B resumed %g tasks, want %d", got, len(ids))
	}
}

// A worker shut down gracefully hands its registrations back at once: another worker goes on
// long before the ack wait.
func TestShutdownHandsWorkBackAtOnce(t *testing.T) {
	e := newEnv(t)
	e.setup.AckWait = 30 * time.Second
	_, js := e.connect()
	col := e.collect(js)
	ids := addLifecycles(t, e, 10, 300*time.Millisecond)
	cfg := fastConfig()
	a := e.startWorker(cfg)
	for _, id := range ids {
		e.register(js, id, "")
	}
	// Every task has announced its first status (Waiting): what A saw is A's to announce,
	// the rest B's — whichever it is, each status is announced once.
	waitFor(t, 10*time.Second, "first statuses", col.changed, func() bool {
		for _, id := range ids {
			if len(col.forTask(id)) == 0 {
				return false
			}
		}
		return true
	})
	// A hand-back is at once: what is measured is only told apart from the ack wait (30 s),
	// after which the tasks would be taken over anyway, with a wide margin for a loaded machine.
	stopping := time.Now()
	a.stop()
	if d := time.Since(stopping); d > e.setup.AckWait/3 {
		t.Errorf("shutdown took %s", d)
	}
	e.startWorker(cfg)
	col.waitTerminal(t, e.setup.AckWait/2, ids...)
	checkExactlyOnce(t, col, ids)
}

// Several workers share many tasks: each is polled by one of them, each ends once.
func TestWorkersShareTasks(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	ids := addLifecycles(t, e, 60, 100*time.Millisecond)
	ws := []*worker{e.startWorker(fastConfig()), e.startWorker(fastConfig()), e.startWorker(fastConfig())}
	for _, id := range ids {
		e.register(js, id, "")
	}
	col.waitTerminal(t, 20*time.Second, ids...)
	checkExactlyOnce(t, col, ids)
	for i, w := range ws {
		if n := w.w.Tracked(); n != 0 {
			t.Errorf("worker %d still tracks %d tasks", i, n)
		}
	}
}
