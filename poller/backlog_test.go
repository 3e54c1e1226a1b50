package poller_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// sourced is a worker of a fleet whose Source the test watches.
type sourced struct {
	*worker
	src *natsjs.Source
	max int // Config.MaxTracked
}

// startSourced starts a worker as startWorker does, sharing the fleet through a Presence,
// and keeps its Source. It does not wait for the partitions to be held.
func (e *env) startSourced(cfg poller.Config) *sourced {
	e.t.Helper()
	nc, js := e.connect()
	ctx, cancel := context.WithCancel(context.Background())
	assets, err := natsjs.Setup(ctx, js, e.subjects, e.setup)
	if err != nil {
		e.t.Fatal(err)
	}
	log := zap.NewNop()
	pub := natsjs.NewPublisher(js, e.subjects)
	presence := natsjs.NewPresence(assets, fmt.Sprintf("w%d", e.workers.Add(1)), log)
	src := natsjs.NewSource(assets, pub, log, 8, natsjs.WithPresence(presence))
	metrics := poller.NewMetrics(prometheus.NewRegistry())
	w, err := poller.NewWorker(cfg, e.api, pub, natsjs.NewStateStore(assets.State), src,
		poller.WithLogger(log), poller.WithMetrics(metrics), poller.WithFleet(presence))
	if err != nil {
		e.t.Fatal(err)
	}
	wk := &worker{w: w, presence: presence, metrics: metrics, nc: nc, cancel: cancel, done: make(chan error, 1)}
	go func() {
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return presence.Run(gctx) })
		g.Go(func() error { return w.Run(gctx) })
		wk.done <- g.Wait()
	}()
	e.t.Cleanup(wk.stop)
	return &sourced{worker: wk, src: src, max: cfg.MaxTracked}
}

// terminalCounter counts the terminal events of each task, read from the events stream.
type terminalCounter struct {
	mu     sync.Mutex
	counts map[string]int
	last   uint64 // stream sequence of the latest event read
	cc     jetstream.ConsumeContext
	ended  atomic.Int64 // tasks with at least one terminal event
}

func (e *env) countTerminals(js jetstream.JetStream) *terminalCounter {
	e.t.Helper()
	ctx := context.Background()
	if _, err := natsjs.Setup(ctx, js, e.subjects, e.setup); err != nil {
		e.t.Fatal(err)
	}
	cons, err := js.OrderedConsumer(ctx, e.subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{})
	if err != nil {
		e.t.Fatal(err)
	}
	c := &terminalCounter{counts: map[string]int{}}
	c.cc, err = cons.Consume(func(m jetstream.Msg) {
		kind, _, _, task, _ := e.subjects.ParseEvent(m.Subject())
		meta, _ := m.Metadata()
		c.mu.Lock()
		defer c.mu.Unlock()
		if meta != nil {
			c.last = meta.Sequence.Stream
		}
		if kind == events.KindFinished || kind == events.KindFailed {
			c.counts[task]++
			if c.counts[task] == 1 {
				c.ended.Add(1)
			}
		}
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(c.cc.Stop)
	return c
}

// backlogTasks is how many tasks TestBacklogWaitsInTheStream registers: 600 by default,
// TASKPOLLER_BACKLOG_TASKS to show it at scale (the run: 20000).
func backlogTasks(t *testing.T) int {
	v := os.Getenv("TASKPOLLER_BACKLOG_TASKS")
	if v == "" {
		return 600
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("TASKPOLLER_BACKLOG_TASKS=%q: want a positive number", v)
	}
	return n
}

// Three workers face a backlog far above what they track at once: one may track 50 tasks,
// the others a tenth of the backlog each. Every task ends with exactly one terminal event;
// no worker ever holds more leases in memory than it may track plus its read-ahead (the rest
// waits in the tasks bucket); and the workers with room take the waiting tasks of the small
// one's partitions.
func TestBacklogWaitsInTheStream(t *testing.T) {
	n := backlogTasks(t)
	e := newEnv(t)
	_, js := e.connect()
	count := e.countTerminals(js)
	ids := make([]string, n)
	for i := range n {
		id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
			{Status: "Processing", Process: "50%", For: 300 * time.Millisecond},
			{Status: "Finished", Process: "100%", Operations: []ecsemu.Operation{{Status: "Success"}}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	cfg := poller.Config{
		PollInitial: 50 * time.Millisecond, PollMax: 500 * time.Millisecond, PollMultiplier: 2,
		APIQPS: 20000, APITimeout: 2 * time.Second, BatchInterval: 100 * time.Millisecond,
		NotFoundGrace: time.Second,
	}
	small, roomy := cfg, cfg
	small.MaxTracked, roomy.MaxTracked = 50, max(100, n/10)
	ws := []*sourced{e.startSourced(small), e.startSourced(roomy), e.startSourced(roomy)}
	start := time.Now()
	for _, id := range ids {
		b, _ := events.Registration{RegionID: region, TaskID: id}.Payload()
		if _, err := js.PublishAsync(e.subjects.Registered(), b); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		t.Fatal("registrations not all published")
	}

	// Watch what each worker holds in memory until every task has ended.
	peaks := make([]atomic.Int64, len(ws))
	var heapPeak atomic.Uint64
	watch := func() {
		for i, w := range ws {
			if l := int64(w.src.Leases()); l > peaks[i].Load() {
				peaks[i].Store(l)
			}
		}
	}
	tick := every(t, 50*time.Millisecond)
	heapEvery := 0
	waitFor(t, 10*time.Minute, "every task's terminal event", tick, func() bool {
		watch()
		if heapEvery%20 == 0 && os.Getenv("TASKPOLLER_BACKLOG_TRACE") != "" {
			line := fmt.Sprintf("%5.1fs ended %d:", time.Since(start).Seconds(), count.ended.Load())
			if st, err := js.Stream(context.Background(), e.subjects.StreamName(events.RegistrationsRole)); err == nil {
				line += fmt.Sprintf(" registrations %d", st.CachedInfo().State.Msgs)
			}
			if st, err := js.Stream(context.Background(), "KV_"+e.subjects.StreamName(events.TasksRole)); err == nil {
				line += fmt.Sprintf(" records %d", st.CachedInfo().State.Msgs)
			}
			for _, w := range ws {
				line += fmt.Sprintf(" [tracked %d leases %d partitions %d full %v]", w.w.Tracked(), w.src.Leases(), w.src.Partitions(), w.src.Full())
			}
			t.Log(line)
		}
		if heapEvery++; heapEvery%20 == 0 {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heapPeak.Store(max(heapPeak.Load(), ms.HeapInuse))
		}
		return count.ended.Load() == int64(n)
	})
	took := time.Since(start)
	for i, w := range ws {
		reg := func(how string) float64 { return testutil.ToFloat64(w.metrics.Registrations.WithLabelValues(how)) }
		t.Logf("worker %d (max tracked %d): at most %d leases held; tasks tracked %g, resumed %g, taken over %g",
			i, w.max, peaks[i].Load(), reg("tracked"), reg("resumed"), reg("taken_over"))
	}
	t.Logf("%d tasks ended in %s; process heap in use at most %.1f MiB (all workers, the NATS server, the emulator)",
		n, took.Round(time.Millisecond), float64(heapPeak.Load())/(1<<20))
	for _, w := range ws {
		w.stop()
	}
	for i, w := range ws {
		if got, bound := peaks[i].Load(), int64(w.max+8); got > bound {
			t.Errorf("worker %d held %d leases, want at most %d (max tracked + read-ahead)", i, got, bound)
		}
	}

	// Every event stored so far has been read: each task has exactly one terminal event.
	info, err := js.Stream(context.Background(), e.subjects.StreamName(events.EventsRole))
	if err != nil {
		t.Fatal(err)
	}
	last := info.CachedInfo().State.LastSeq
	waitFor(t, 30*time.Second, "the events read", tick, func() bool {
		count.mu.Lock()
		defer count.mu.Unlock()
		return count.last >= last
	})
	count.mu.Lock()
	defer count.mu.Unlock()
	for _, id := range ids {
		if got := count.counts[id]; got != 1 {
			t.Errorf("task %s: %d terminal events, want 1", id, got)
		}
	}
}
