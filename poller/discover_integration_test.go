package poller_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap/zaptest"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// startDiscovering starts a worker wired as `taskpoller run --discover-regions` wires it: the
// env's worker, plus natsjs's DiscoveryStore and Registrar on its own connection.
func (e *env) startDiscovering(cfg poller.Config, dc poller.DiscoverConfig) *worker {
	e.t.Helper()
	nc, js := e.connect()
	ctx, cancel := context.WithCancel(context.Background())
	assets, err := natsjs.Setup(ctx, js, e.subjects, e.setup)
	if err != nil {
		e.t.Fatal(err)
	}
	log := zaptest.NewLogger(e.t).Named(fmt.Sprintf("w%d", e.workers.Add(1)))
	heal := natsjs.WithHealer(natsjs.NewHealer(js, e.subjects, e.setup, assets, log))
	pub := natsjs.NewPublisher(js, e.subjects, heal)
	metrics := poller.NewMetrics(prometheus.NewRegistry())
	w, err := poller.NewWorker(cfg, e.api, pub, natsjs.NewStateStore(assets.State, heal), natsjs.NewSource(assets, pub, log, 8, heal),
		poller.WithLogger(log), poller.WithMetrics(metrics),
		poller.WithDiscovery(dc, natsjs.NewDiscoveryStore(assets, heal), natsjs.NewRegistrar(js, e.subjects, heal)))
	if err != nil {
		e.t.Fatal(err)
	}
	wk := &worker{w: w, metrics: metrics, nc: nc, cancel: cancel, done: make(chan error, 1)}
	go func() { wk.done <- w.Run(ctx) }()
	e.t.Cleanup(wk.stop)
	return wk
}

// ticks returns a channel that receives every d until the test ends, for waitFor to look at
// metrics, which signal nothing.
func ticks(t *testing.T, d time.Duration) <-chan struct{} {
	out := make(chan struct{}, 1)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tk := time.NewTicker(d)
		defer tk.Stop()
		for {
			select {
			case <-tk.C:
				select {
				case out <- struct{}{}:
				default:
				}
			case <-stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-stopped })
	return out
}

func holds(wk *worker) bool {
	return testutil.ToFloat64(wk.metrics.Discovery.Leases.WithLabelValues(region)) == 1
}

// End to end, through the SDK and the emulator: tasks created in ECS and never registered
// each end with exactly one terminal event, with origin discovered, though the worker that
// lists the region is killed in between (its lease runs out and the other worker goes on
// from its cursor); a task also registered by its producer is announced once.
func TestDiscoveredTasksEndOnceThroughAKilledHolder(t *testing.T) {
	e := newEnv(t, ecsemu.WithDurations("ModifyDiskSpec", 300*time.Millisecond, 700*time.Millisecond))
	_, js := e.connect()
	c := e.collect(js)
	cfg, dc := fastConfig(), poller.DiscoverConfig{Regions: []string{region}, Interval: time.Second, Lookback: time.Hour}
	a := e.startDiscovering(cfg, dc)
	b := e.startDiscovering(cfg, dc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tick := ticks(t, 50*time.Millisecond)
	waitFor(t, 20*time.Second, "a worker to hold the region's discovery lease", tick, func() bool { return holds(a) || holds(b) })
	holder, other := a, b
	if holds(b) {
		holder, other = b, a
	}
	var ids []string
	create := func() string {
		id, err := e.api.ModifyDiskSpec(ctx, region, fmt.Sprintf("d-bp1disc%04d", len(ids)), "cloud_essd")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		return id
	}
	create()
	both := create()
	e.register(js, both, `{"by":"producer"}`)
	// The holder lists what was created, then dies before it may have seen the rest.
	waitFor(t, 20*time.Second, "the holder to list the first tasks", tick, func() bool {
		return testutil.ToFloat64(holder.metrics.Discovery.Discovered.WithLabelValues(region)) >= 1
	})
	create()
	holder.kill()
	create()
	waitFor(t, 20*time.Second, "the other worker to take the lease over", tick, func() bool { return holds(other) })
	create()
	ended := func() bool {
		for _, id := range ids {
			if len(terminals(c.forTask(id))) == 0 {
				return false
			}
		}
		return true
	}
	waitFor(t, time.Minute, "every task created to end", c.changed, ended)
	// Listed again and again (windows overlap): still one terminal event each.
	calls := testutil.ToFloat64(other.metrics.Discovery.Calls.WithLabelValues(region))
	waitFor(t, 20*time.Second, "three more listings", tick, func() bool {
		return testutil.ToFloat64(other.metrics.Discovery.Calls.WithLabelValues(region)) >= calls+3
	})
	for _, id := range ids {
		evs := c.forTask(id)
		if n := len(terminals(evs)); n != 1 {
			t.Errorf("task %s: %d terminal events, want 1", id, n)
		}
		want := events.OriginDiscovered
		if id == both && len(evs) > 0 {
			want = evs[0].Event.Data.Origin // whichever registration came first: the producer's, or discovery's
		}
		for _, s := range evs {
			if s.Event.Data.Origin != want || (want != events.OriginDiscovered && want != events.OriginRegistered) {
				t.Errorf("task %s: %s event says origin %q, want %q", id, s.Event.Type, s.Event.Data.Origin, want)
			}
		}
	}
	if other.w.Tracked() != 0 {
		t.Errorf("the surviving worker still tracks %d tasks", other.w.Tracked())
	}
}

// A producer's registration that comes after discovery's adopts the task: the task is
// tracked once and announced once, and its events from then on carry the producer's metadata
// and origin registered (discovery's registration has none), the terminal one included.
func TestAProducersRegistrationAdoptsADiscoveredTask(t *testing.T) {
	e := newEnv(t, ecsemu.WithDurations("ModifyDiskSpec", 500*time.Millisecond, 8*time.Second))
	_, js := e.connect()
	c := e.collect(js)
	a := e.startDiscovering(fastConfig(), poller.DiscoverConfig{Regions: []string{region}, Interval: time.Second, Lookback: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	id, err := e.api.ModifyDiskSpec(ctx, region, "d-bp1adopt0001", "cloud_essd")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the discovered task's first event", c.changed, func() bool { return len(c.forTask(id)) > 0 })
	if got := c.forTask(id)[0].Event.Data; got.Origin != events.OriginDiscovered || got.Metadata != nil {
		t.Fatalf("first event says origin %q, metadata %s; want discovered, none", got.Origin, got.Metadata)
	}
	e.register(js, id, `{"by":"producer"}`)
	waitFor(t, 30*time.Second, "the task's terminal event", c.changed, func() bool { return len(terminals(c.forTask(id))) > 0 })
	term := terminals(c.forTask(id))
	if len(term) != 1 {
		t.Fatalf("%d terminal events, want 1", len(term))
	}
	if d := term[0].Event.Data; d.Origin != events.OriginRegistered || string(d.Metadata) != `{"by":"producer"}` {
		t.Errorf("terminal event says origin %q, metadata %s; want registered, the producer's", d.Origin, d.Metadata)
	}
	waitFor(t, 20*time.Second, "the worker to let go of the ended task", ticks(t, 50*time.Millisecond), func() bool { return a.w.Tracked() == 0 })
}
