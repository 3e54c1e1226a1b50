package poller_test

import (
	"fmt"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/schematest"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

const region = "cn-hangzhou"

// env is one test's world: an embedded NATS server, the ECS emulator and the real SDK.
type env struct {
	t        *testing.T
	srv      *server.Server
	emu      *ecsemu.Server
	api      *ecsapi.Client
	subjects events.Subjects
	setup    natsjs.SetupConfig
	fleet    bool         // workers started share --api-qps through a Presence
	logs     zapcore.Core // if set, workers started log to it too
	workers  atomic.Int64 // workers started, for their ids
	// wrapStore, if set, gives the workers started another view of the state store.
	wrapStore func(poller.StateStore) poller.StateStore
	// opts are more options of the workers started (WithTracerProvider, say).
	opts []poller.Option
}

func newEnv(t *testing.T, emuOpts ...ecsemu.Option) *env {
	t.Helper()
	srv, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	emu, err := ecsemu.New(emuOpts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	cred, err := ecsapi.StaticCredential("test-ak", "test-secret", "")
	if err != nil {
		t.Fatal(err)
	}
	api, err := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: cred, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	subjects, _ := events.NewSubjects(events.DefaultPrefix)
	return &env{t: t, srv: srv, emu: emu, api: api, subjects: subjects, setup: natsjs.SetupConfig{AckWait: 2 * time.Second}}
}

func (e *env) connect() (*nats.Conn, jetstream.JetStream) {
	e.t.Helper()
	return e.connectTo(e.srv.ClientURL())
}

// connectTo connects with the project's connection policy (natsclient.Connect: no reconnect
// buffer), to url, which may be a proxy in front of the server.
func (e *env) connectTo(url string) (*nats.Conn, jetstream.JetStream) {
	e.t.Helper()
	nc, err := natsclient.Connect(url, "test", zap.NewNop())
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		e.t.Fatal(err)
	}
	return nc, js
}

// fastConfig polls every few milliseconds so lifecycles finish quickly.
func fastConfig() poller.Config {
	return poller.Config{
		PollInitial: 10 * time.Millisecond, PollMax: 80 * time.Millisecond, PollMultiplier: 2, PollJitter: -1,
		NotFoundGrace: 200 * time.Millisecond, APIQPS: 1000, APITimeout: time.Second,
		BatchInterval: -1, // per-task polling: these tests count and time DescribeTaskAttribute calls
	}
}

// worker is a running worker with its own NATS connection.
type worker struct {
	w        *poller.Worker
	presence *natsjs.Presence // when the env's workers share a quota
	metrics  *poller.Metrics
	nc       *nats.Conn
	cancel   context.CancelFunc
	done     chan error
}

func (e *env) startWorker(cfg poller.Config) *worker {
	e.t.Helper()
	return e.startWorkerVia(cfg, e.srv.ClientURL())
}

// startWorkerVia starts a worker whose NATS connection goes to url (a proxy, say), with the
// wiring of the real service: a Healer behind every adapter.
func (e *env) startWorkerVia(cfg poller.Config, url string) *worker {
	e.t.Helper()
	nc, js := e.connectTo(url)
	ctx, cancel := context.WithCancel(context.Background())
	assets, err := natsjs.Setup(ctx, js, e.subjects, e.setup)
	if err != nil {
		e.t.Fatal(err)
	}
	log := zaptest.NewLogger(e.t)
	if e.logs != nil {
		log = zap.New(zapcore.NewTee(log.Core(), e.logs))
	}
	heal := natsjs.WithHealer(natsjs.NewHealer(js, e.subjects, e.setup, assets, log))
	pub := natsjs.NewPublisher(js, e.subjects, heal)
	metrics := poller.NewMetrics(prometheus.NewRegistry())
	opts := append([]poller.Option{poller.WithLogger(log), poller.WithMetrics(metrics)}, e.opts...)
	srcOpts := []natsjs.Option{heal}
	var presence *natsjs.Presence
	if e.fleet {
		presence = natsjs.NewPresence(assets, fmt.Sprintf("w%d", e.workers.Add(1)), log)
		opts = append(opts, poller.WithFleet(presence), poller.WithThrottles(natsjs.NewThrottles(nc, e.subjects, log)))
		srcOpts = append(srcOpts, natsjs.WithPresence(presence))
	}
	src := natsjs.NewSource(assets, pub, log, 8, srcOpts...)
	var store poller.StateStore = natsjs.NewStateStore(assets.State, heal)
	if e.wrapStore != nil {
		store = e.wrapStore(store)
	}
	w, err := poller.NewWorker(cfg, e.api, pub, store, src, opts...)
	if err != nil {
		e.t.Fatal(err)
	}
	wk := &worker{w: w, metrics: metrics, nc: nc, cancel: cancel, done: make(chan error, 1)}
	wk.presence = presence
	go func() {
		if presence == nil {
			wk.done <- w.Run(ctx)
			return
		}
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return presence.Run(gctx) })
		g.Go(func() error { return w.Run(gctx) })
		wk.done <- g.Wait()
	}()
	e.t.Cleanup(wk.stop)
	e.waitPartitions(assets.Owners)
	return wk
}

// waitPartitions waits until every partition is held by some worker: until then the tasks of
// a free one wait, which tests that time a task's first look must not count. It follows the
// owners bucket's changes.
func (e *env) waitPartitions(owners jetstream.KeyValue) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := owners.WatchAll(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = w.Stop() }()
	held := map[string]bool{}
	for len(held) < natsjs.Partitions {
		select {
		case en, ok := <-w.Updates():
			if !ok {
				e.t.Fatalf("the watch of the partition leases ended with %d of %d held", len(held), natsjs.Partitions)
			}
			if en == nil {
				continue // the leases there at the start have all been seen
			}
			if en.Operation() == jetstream.KeyValuePut {
				held[en.Key()] = true
			} else {
				delete(held, en.Key())
			}
		case <-ctx.Done():
			e.t.Fatalf("partitions held: %d of %d", len(held), natsjs.Partitions)
		}
	}
}

// stop shuts the worker down as SIGTERM would and waits for it.
func (wk *worker) stop() {
	wk.cancel()
	if wk.done != nil {
		<-wk.done
		wk.done = nil
	}
}

// kill stops the worker as SIGKILL would: its connection goes first, so it settles nothing.
func (wk *worker) kill() {
	wk.nc.Close()
	wk.stop()
}

func (e *env) register(js jetstream.JetStream, taskID string, metadata string) {
	e.t.Helper()
	msg := events.RegistrationMessage{RegionID: region, TaskID: taskID}
	if metadata != "" {
		msg.Metadata = json.RawMessage(metadata)
	}
	b, _ := json.Marshal(msg)
	if _, err := js.Publish(context.Background(), e.subjects.Registered(), b); err != nil {
		e.t.Fatal(err)
	}
}

// stored is one message of the events stream.
type stored struct {
	Subject string
	Event   events.Event
	Raw     []byte
	Header  nats.Header
}

// collector reads the events stream from the start. When the test ends it checks each event
// it read against the schema its dataschema names (events/schematest): not while reading, so
// that the check never slows the reader a test waits on.
type collector struct {
	mu      sync.Mutex
	got     []stored
	cc      jetstream.ConsumeContext
	changed chan struct{} // signalled after each stored event
}

func (e *env) collect(js jetstream.JetStream) *collector {
	e.t.Helper()
	ctx := context.Background()
	// The stream exists once a worker set it up; make sure of it here too.
	if _, err := natsjs.Setup(ctx, js, e.subjects, e.setup); err != nil {
		e.t.Fatal(err)
	}
	cons, err := js.OrderedConsumer(ctx, e.subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{})
	if err != nil {
		e.t.Fatal(err)
	}
	schemas, err := schematest.New()
	if err != nil {
		e.t.Fatal(err)
	}
	c := &collector{changed: make(chan struct{}, 1)}
	c.cc, err = cons.Consume(func(m jetstream.Msg) {
		var ev events.Event
		_ = json.Unmarshal(m.Data(), &ev)
		c.mu.Lock()
		c.got = append(c.got, stored{Subject: m.Subject(), Event: ev, Raw: m.Data(), Header: m.Headers()})
		c.mu.Unlock()
		select {
		case c.changed <- struct{}{}:
		default:
		}
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		c.cc.Stop()
		for _, s := range c.all() {
			if err := schemas.Event(s.Raw); err != nil {
				e.t.Errorf("a published event on %s does not match its schema: %v", s.Subject, err)
			}
		}
	})
	return c
}

func (c *collector) all() []stored {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]stored(nil), c.got...)
}

// forTask returns the stored events of one task, in stream order.
func (c *collector) forTask(taskID string) []stored {
	var out []stored
	for _, s := range c.all() {
		if s.Event.Subject == taskID {
			out = append(out, s)
		}
	}
	return out
}

// terminals counts finished and failed events of a task.
func terminals(evs []stored) []stored {
	var out []stored
	for _, s := range evs {
		if s.Event.Type == events.TypeFinished || s.Event.Type == events.TypeFailed {
			out = append(out, s)
		}
	}
	return out
}

// waitFor re-checks cond each time wake fires until it holds or the deadline passes.
func waitFor(t *testing.T, timeout time.Duration, what string, wake <-chan struct{}, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-wake:
		case <-deadline.C:
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}

// waitTerminal waits until each task has a terminal event and returns them by task.
func (c *collector) waitTerminal(t *testing.T, timeout time.Duration, ids ...string) map[string]stored {
	t.Helper()
	out := map[string]stored{}
	waitFor(t, timeout, "terminal events", c.changed, func() bool {
		for _, id := range ids {
			if ts := terminals(c.forTask(id)); len(ts) > 0 {
				out[id] = ts[0]
			}
		}
		return len(out) == len(ids)
	})
	return out
}

func (e *env) registerIn(js jetstream.JetStream, regionID, taskID string) {
	e.t.Helper()
	b, _ := json.Marshal(events.RegistrationMessage{RegionID: regionID, TaskID: taskID})
	if _, err := js.Publish(context.Background(), e.subjects.Registered(), b); err != nil {
		e.t.Fatal(err)
	}
}

// every returns a channel that fires every d until the test ends, for conditions that no
// event signals (a stream emptying).
func every(t *testing.T, d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	tick := time.NewTicker(d)
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-tick.C:
				select {
				case ch <- struct{}{}:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	t.Cleanup(func() { tick.Stop(); close(done); <-stopped })
	return ch
}
