package poller

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
)

// Worker tracks registered tasks: it takes registrations from a Source, polls each task through
// the TaskAPI on the schedule its backoff decides, and publishes its transitions. Several
// workers may share one Source and StateStore; a task is tracked by one of them at a time.
//
// Its state is held by parts that each say who may touch it and how (docs/architecture.md,
// "Who owns which state"): every field is set by NewWorker and never reassigned, and each
// part's own methods lock (or use atomics) as they need, so the Worker itself holds no lock.
type Worker struct {
	cfg     Config
	log     *zap.Logger
	metrics *Metrics
	ports   // api, pub, store, src, canceler, disc

	sched  *scheduler  // when each key is polled next
	tasks  *registry   // the tracked tasks, their leases, the batch rings and the slots
	in     intakeState // how taking registrations goes: paused, consuming, failing
	tokens leaseTokens // the lease tokens claims write

	limits     *regionLimits // DescribeTaskAttribute calls per region
	gate       *regionGate   // poll goroutines per region
	batchCheck               // DescribeTasks calls per region (batchLimits), and whether ECS refuses them
	health     *health       // worker-level errors: refused credentials, permissions, clock
	reach      *reach        // whether ECS answers, per region; every call through api reports to it
	fleet      fleetLinks
	tracer     trace.Tracer // spans of ECS calls and publishes (trace.go); a no-op one unless WithTracerProvider
}

// ports are the worker's dependencies: set by NewWorker and only read after, each safe for
// concurrent use.
type ports struct {
	api      TaskAPI // wrapped in watchReach: every call reports to reach
	pub      Publisher
	store    StateStore
	src      Source
	canceler TaskCanceler // cancels tasks at their deadline; nil: Config.CancelOnTimeout is off
	disc     *discovery   // lists regions' tasks (discover.go, WithDiscovery); nil: discovery is off
}

// fleetLinks are the worker's links to the other workers of its fleet, each nil unless set
// (WithFleet, WithThrottles).
type fleetLinks struct {
	size      Fleet
	throttles Throttles
}

// leaseTokens makes the lease tokens (State.Lease) the worker's claims write. Safe for
// concurrent use.
type leaseTokens struct {
	base string // unique per Worker; tokens are base + a counter
	n    atomic.Uint64
}

// next returns a token no other claim of any worker uses.
func (l *leaseTokens) next() string {
	return fmt.Sprintf("%s/%d", l.base, l.n.Add(1))
}

// quotaHeadroom is the share of the configured rate the worker aims at: calls sent at exactly
// the quota reach ECS bunched by the network and are throttled whenever two arrive closer than
// the quota allows; a tenth kept free absorbs that (and clock differences between windows).
const quotaHeadroom = 0.9

// Option sets an optional dependency of a Worker.
type Option func(*Worker)

// WithLogger sets the logger (default: none).
func WithLogger(l *zap.Logger) Option { return func(w *Worker) { w.log = l } }

// Fleet tells how many workers share the ECS quota. Safe for concurrent use.
type Fleet interface {
	// Size is the number of live workers, this one included (at least 1).
	Size() int
}

// WithFleet makes Config.APIQPS (and BatchQPS) the rate of the whole fleet: the worker takes
// 1/Size of it, following workers joining and leaving (default: a fleet of one).
func WithFleet(f Fleet) Option { return func(w *Worker) { w.fleet.size = f } }

// WithThrottles makes the worker tell the fleet of its rate cuts, and follow theirs (default:
// each worker finds throttling on its own).
func WithThrottles(t Throttles) Option { return func(w *Worker) { w.fleet.throttles = t } }

// WithMetrics sets the metrics (default: registered on a private registry).
func WithMetrics(m *Metrics) Option { return func(w *Worker) { w.metrics = m } }

// NewWorker checks cfg (after defaults) and builds a worker. Call Run to start it.
func NewWorker(cfg Config, api TaskAPI, pub Publisher, store StateStore, src Source, opts ...Option) (*Worker, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("worker config: %w", err)
	}
	if api == nil || pub == nil || store == nil || src == nil {
		return nil, errors.New("worker: api, publisher, store and source are required")
	}
	var canceler TaskCanceler
	if cfg.CancelOnTimeout {
		c, ok := api.(TaskCanceler)
		if !ok {
			return nil, errors.New("worker: CancelOnTimeout needs a TaskAPI that can cancel tasks (TaskCanceler)")
		}
		canceler = c
	}
	w := &Worker{
		cfg: cfg, log: zap.NewNop(), ports: ports{api: api, pub: pub, store: store, src: src, canceler: canceler},
		sched: newScheduler(), tokens: leaseTokens{base: cfg.WorkerID + "/" + randomToken()},
		gate: newRegionGate(cfg.Concurrency), limits: newQuotaLimits(cfg.APIQPS, cfg.APIBurst, cfg.ThrottleQuiet),
		batchCheck: batchCheck{batchLimits: newQuotaLimits(cfg.BatchQPS, max(1, int(cfg.BatchQPS)), cfg.ThrottleQuiet)},
		tracer:     noopTracer(),
	}
	for _, o := range opts {
		o(w)
	}
	calls := api // what reach watches: api, with a span of each call when traced
	if w.traced() {
		calls = traceAPI(api, w.tracer)
		w.pub = tracedPublisher{Publisher: pub, tracer: w.tracer}
		if canceler != nil {
			w.canceler = tracedCanceler{c: canceler, tracer: w.tracer}
		}
	}
	if w.metrics == nil {
		w.metrics = NewMetrics(prometheus.NewRegistry())
	}
	w.tasks = newRegistry(cfg.MaxTracked, w.metrics.Tracked)
	w.log = w.log.Named("worker")
	w.health = newHealth(w.log)
	var endpoint func(string) string
	if e, ok := api.(endpointer); ok {
		endpoint = e.Endpoint
	}
	w.reach = newReach(w.log, cfg.UnreachableAfter, w.metrics.Unreachable, endpoint)
	w.api = watchReach(calls, w.reach)
	if err := w.initDiscovery(api); err != nil {
		return nil, err
	}
	return w, nil
}

// Run tracks tasks until ctx ends. Then it stops taking registrations, waits for polls in
// flight, hands everything it holds back to the source at once (Source.Drain, then
// Lease.Release without delay; natsjs gives its partitions up), stops the source (Source.Run
// runs until then) and returns nil. Run must be called once.
func (w *Worker) Run(ctx context.Context) error {
	if w.fleet.size != nil {
		n := w.fleet.size.Size()
		w.limits.share(n, time.Now())
		w.batchLimits.share(n, time.Now())
	}
	// The source outlives the polls: it keeps holding what it hands out (natsjs: renews its
	// partition leases) until every poll in flight has returned and handBack has given all
	// back, so no other worker takes a task while this one still polls it.
	srcCtx, stopSrc := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSrc()
	var srcErr error
	srcStopped := make(chan struct{})
	go func() { srcErr = w.src.Run(srcCtx); close(srcStopped) }()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		select {
		case <-srcStopped: // the source stopped by itself: so does the worker
			return srcErr
		case <-gctx.Done():
			return nil
		}
	})
	g.Go(func() error { return w.sched.Run(gctx) })
	g.Go(func() error { return w.intake(gctx) })
	g.Go(func() error { return w.guard(gctx) })
	g.Go(func() error { return w.batch(gctx) })
	g.Go(func() error { return w.admit(gctx) })
	g.Go(func() error { return w.discover(gctx) })
	if w.fleet.throttles != nil {
		g.Go(func() error { return w.fleet.throttles.Run(gctx, w.followCut) })
	}
	for range w.cfg.Concurrency {
		g.Go(func() error { return w.pollLoop(gctx) })
	}
	err := g.Wait()
	w.in.setConsuming(false)
	w.handBack()
	stopSrc()
	<-srcStopped
	if err == nil {
		err = srcErr
	}
	return err
}

// Ready returns nil when the worker is taking registrations, ECS accepts its calls and every
// region's calls are answered (see reach), or an error saying why not. Safe for concurrent use.
func (w *Worker) Ready() error {
	now := time.Now()
	p, down := w.health.describe(), w.reach.describe(now)
	switch w.in.readiness(now) {
	case intakePaused:
		return fmt.Errorf("paused: ECS refuses calls (%s); registrations handed back", p)
	case intakeStopped:
		return errors.New("not consuming registrations")
	}
	switch {
	case p != "" && down != "":
		return fmt.Errorf("ECS refuses calls: %s; ECS unreachable: %s", p, down)
	case p != "":
		return fmt.Errorf("ECS refuses calls: %s", p)
	case down != "":
		return fmt.Errorf("ECS unreachable: %s", down)
	}
	return nil
}

// Healthy returns an error when the worker is stuck: taking registrations has failed for
// longer than Config.StallAfter. Safe for concurrent use.
func (w *Worker) Healthy() error {
	if d, failing := w.in.failing(time.Now()); failing && d >= w.cfg.StallAfter {
		return fmt.Errorf("cannot take registrations for %s", d.Round(time.Second))
	}
	return nil
}

// Tracked returns the number of tasks being tracked.
func (w *Worker) Tracked() int { return w.tasks.len() }

// pollLoop processes due keys until ctx ends. A key whose region holds its share of the poll
// goroutines (regionGate) is parked instead, and made due when a place is kept for it.
func (w *Worker) pollLoop(ctx context.Context) error {
	for {
		select {
		case key := <-w.sched.Ready():
			region, regions, ok := w.tasks.regionOf(key)
			switch {
			case !ok: // not tracked: nothing to process (a task tracked since is due again after Done)
				w.reschedule(w.gate.gone(key, regions))
			case w.gate.enter(region, key, regions):
				w.process(ctx, key) // may reschedule key: it is handed out again only after Done
				w.reschedule(w.gate.leave(region, regions))
			}
			w.sched.Done(key)
		case <-ctx.Done():
			return nil
		}
	}
}

// reschedule makes keys due now.
func (w *Worker) reschedule(keys []string) {
	for _, k := range keys {
		w.sched.Schedule(k, time.Now())
	}
}

// handBack returns every held registration to the source for immediate redelivery, when Run
// ends.
func (w *Worker) handBack() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.src.Drain(ctx)
	if n := w.releaseAll(ctx); n > 0 {
		w.log.Info("handed registrations back", zap.Int("tasks", n))
	}
}

// releaseAll stops tracking every task and hands each lease back (Lease.Release without delay).
// A poll in flight for one of them finds it gone; anything it still records fails its
// compare-and-set once the next holder claims the task.
func (w *Worker) releaseAll(ctx context.Context) int {
	held := w.tasks.drain()
	for _, h := range held {
		w.limits.forget(h.t.reg.RegionID, h.t.key) // or admit would grant its queued read a token for nothing
		if err := h.lease.Release(ctx, 0); err != nil {
			w.log.Warn("cannot hand a registration back", zap.String("task_id", h.t.reg.TaskID), zap.Error(err))
		}
	}
	return len(held)
}

func randomToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
