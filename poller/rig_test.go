package poller_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/memory"
)

const testRegion = region

// rig is a world for workers made of the in-memory ports: one ECS, one journal of events,
// one state store and one registrations queue shared by every worker started on it. Use it
// inside a testing/synctest bubble.
type rig struct {
	t       *testing.T
	api     *memAPI
	journal *memory.Journal
	store   *memory.Store
	q       *memory.Queue
	// wrapStore, if set, gives the next started worker another view of the store.
	wrapStore func(poller.StateStore) poller.StateStore
	// batch, if set, is the TaskAPI of the next started worker (it can DescribeTasks).
	batch *batchAPI
	// log, if set, is the logger of the next started worker.
	log *zap.Logger
	// wrapAPI, if set, gives the next started worker another view of its TaskAPI.
	wrapAPI func(poller.TaskAPI) poller.TaskAPI
	// opts are added to the options of every worker started.
	opts []poller.Option
}

func newRig(t *testing.T) *rig {
	return &rig{t: t, api: newMemAPI(), journal: memory.NewJournal(), store: memory.NewStore(), q: memory.NewQueue()}
}

// rigConfig polls often and never hands back for worker-level errors unless a test says so.
func rigConfig() poller.Config {
	return poller.Config{
		PollInitial: 100 * time.Millisecond, PollMax: time.Second, PollMultiplier: 2, PollJitter: -1,
		NotFoundGrace: time.Second, APIQPS: 1000, APITimeout: time.Second, HandBackAfter: time.Hour,
		BatchInterval: -1,
	}
}

// rigWorker is a worker running on a rig, with its own source and its own connection, which
// the test can cut.
type rigWorker struct {
	w       *poller.Worker
	metrics *poller.Metrics
	src     *memory.Source
	cut     *atomic.Bool
	cancel  context.CancelFunc
	done    chan error
}

func (r *rig) start(cfg poller.Config) *rigWorker {
	r.t.Helper()
	cut := new(atomic.Bool)
	src := r.q.Source()
	log := zap.NewNop()
	if testing.Verbose() {
		log = zaptest.NewLogger(r.t)
	}
	if r.log != nil {
		log = r.log
	}
	var store poller.StateStore = r.store
	if r.wrapStore != nil {
		store = r.wrapStore(store)
	}
	metrics := poller.NewMetrics(prometheus.NewRegistry())
	var api poller.TaskAPI = r.api
	if r.batch != nil {
		api = r.batch
	}
	if r.wrapAPI != nil {
		api = r.wrapAPI(api)
	}
	w, err := poller.NewWorker(cfg, api, cutPub{r.journal, cut}, cutStore{store, cut}, src,
		append([]poller.Option{poller.WithLogger(log), poller.WithMetrics(metrics)}, r.opts...)...)
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rw := &rigWorker{w: w, metrics: metrics, src: src, cut: cut, cancel: cancel, done: make(chan error, 1)}
	go func() { rw.done <- w.Run(ctx) }()
	r.t.Cleanup(rw.stop)
	return rw
}

// setCut cuts the worker off from NATS (true) — journal, store and its leases fail — or
// reconnects it.
func (rw *rigWorker) setCut(c bool) {
	rw.cut.Store(c)
	rw.src.SetDisconnected(c)
}

// register hands a new registration of taskID to this worker.
func (rw *rigWorker) register(taskID string) *memory.Lease {
	return rw.src.Register(events.Registration{RegionID: testRegion, TaskID: taskID})
}

// redeliver hands an existing registration to this worker, as JetStream does after the ack
// wait of a silent holder.
func (rw *rigWorker) redeliver(l *memory.Lease) *memory.Lease { return rw.src.Redeliver(l) }

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
	rw.setCut(true)
	rw.stop()
}

// events returns a task's stored notices.
func (r *rig) events(taskID string) []poller.Notice { return r.journal.Events(testRegion, taskID) }

// history lists the kinds (and statuses, for status changes) of a task's stored events.
func (r *rig) history(taskID string) []string {
	var out []string
	for _, n := range r.events(taskID) {
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
	for _, e := range r.events(taskID) {
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
	ordinal, status := 0, poller.Status("")
	for _, n := range r.events(taskID) {
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

func task(status poller.Status, process string) poller.Task {
	return poller.Task{Status: status, Process: process}
}

func finished() poller.Task {
	return poller.Task{Status: poller.StatusFinished, Process: "100%", TotalCount: 1, SuccessCount: 1,
		Operations: []events.Operation{{OperationStatus: "Success", RelatedItems: []events.RelatedItem{{Name: "OSSObject", Value: "x.raw"}}}}}
}
