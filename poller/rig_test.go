package poller

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
)

// rig is a world for workers made of the in-memory ports: one ECS, one journal of events,
// one state store and one registrations queue shared by every worker started on it. Use it
// inside a testing/synctest bubble.
type rig struct {
	t       *testing.T
	api     *memAPI
	journal *memJournal
	store   *memStore
	q       *memQueue
	// wrapStore, if set, gives the next started worker another view of the store.
	wrapStore func(StateStore) StateStore
}

func newRig(t *testing.T) *rig {
	return &rig{t: t, api: newMemAPI(), journal: newMemJournal(), store: newMemStore(), q: newMemQueue()}
}

// rigConfig polls often and never hands back for worker-level errors unless a test says so.
func rigConfig() Config {
	return Config{
		PollInitial: 100 * time.Millisecond, PollMax: time.Second, PollMultiplier: 2, PollJitter: -1,
		NotFoundGrace: time.Second, APIQPS: 1000, CallTimeout: time.Second,
		HandBackAfter: time.Hour,
	}
}

// rigWorker is a worker running on a rig, with its own source and its own connection, which
// the test can cut.
type rigWorker struct {
	w      *Worker
	src    *memSource
	cut    *atomic.Bool
	cancel context.CancelFunc
	done   chan error
}

func (r *rig) start(cfg Config) *rigWorker {
	r.t.Helper()
	cut := new(atomic.Bool)
	src := r.q.source()
	log := zap.NewNop()
	if testing.Verbose() {
		log = zaptest.NewLogger(r.t)
	}
	var store StateStore = r.store
	if r.wrapStore != nil {
		store = r.wrapStore(store)
	}
	w, err := NewWorker(cfg, r.api, cutPub{r.journal, cut}, cutStore{store, cut}, src, WithLogger(log))
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rw := &rigWorker{w: w, src: src, cut: cut, cancel: cancel, done: make(chan error, 1)}
	go func() { rw.done <- w.Run(ctx) }()
	r.t.Cleanup(rw.stop)
	return rw
}

// register hands a new registration to this worker; the delivery is cut with the worker.
func (rw *rigWorker) register(taskID string) *memLease {
	return rw.src.register(taskID, rw.cut)
}

// redeliver hands an existing registration to this worker, as JetStream does after the ack
// wait of a silent holder.
func (rw *rigWorker) redeliver(d *memLease) *memLease {
	again := &memLease{q: d.q, reg: d.reg, seq: d.seq, dead: rw.cut}
	rw.src.ch <- again
	return again
}

// stop shuts the worker down as SIGTERM would and waits for it.
func (rw *rigWorker) stop() {
	rw.cancel()
	if rw.done != nil {
		<-rw.done
		rw.done = nil
	}
}

// kill stops the worker as SIGKILL would: it is cut off first, so it settles nothing.
func (rw *rigWorker) kill() {
	rw.cut.Store(true)
	rw.stop()
}

// kinds lists the kinds (and statuses, for status changes) of a task's stored events.
func (r *rig) history(taskID string) []string {
	var out []string
	for _, n := range r.journal.events(taskID) {
		s := string(n.Kind)
		switch n.Kind {
		case events.KindStatusChanged:
			s += ":" + string(n.Task.Status)
		case events.KindFailed:
			s += ":" + string(n.Reason)
		}
		out = append(out, s)
	}
	return out
}

// terminals counts a task's stored terminal events.
func (r *rig) terminals(taskID string) int {
	n := 0
	for _, e := range r.journal.events(taskID) {
		if e.Kind.Terminal() {
			n++
		}
	}
	return n
}

// checkConsistent asserts what every consumer relies on: exactly one terminal event, status
// changes numbered 1, 2, 3... in order, and every event naming the status it was seen in.
func (r *rig) checkConsistent(taskID string) {
	r.t.Helper()
	if n := r.terminals(taskID); n != 1 {
		r.t.Errorf("task %s: %d terminal events, want exactly 1: %v", taskID, n, r.history(taskID))
	}
	ordinal, status := 0, Status("")
	for _, n := range r.journal.events(taskID) {
		if n.Kind == events.KindStatusChanged {
			ordinal++
			if n.Ordinal != ordinal || n.PreviousStatus != status {
				r.t.Errorf("task %s: status change %d (%s after %q) has ordinal %d and previous %q: %v",
					taskID, ordinal, n.Task.Status, status, n.Ordinal, n.PreviousStatus, r.history(taskID))
			}
			status = n.Task.Status
		} else if n.Ordinal != ordinal || n.Task.Status != status {
			r.t.Errorf("task %s: %s event carries ordinal %d status %s, want %d %s", taskID, n.Kind, n.Ordinal, n.Task.Status, ordinal, status)
		}
	}
}

// settle lets d pass on the bubble's clock and waits until every goroutine is blocked again.
func settle(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

func task(status Status, process string) Task { return Task{Status: status, Process: process} }

func finished() Task {
	return Task{Status: StatusFinished, Process: "100%", TotalCount: 1, SuccessCount: 1,
		Operations: []events.Operation{{OperationStatus: "Success", RelatedItems: []events.RelatedItem{{Name: "OSSObject", Value: "x.raw"}}}}}
}
