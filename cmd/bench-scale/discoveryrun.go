package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// listingOverlap is how far before its cursor each discovery listing starts (the worker's
// discoverOverlap): a task is listed again in every window of about this long after its
// creation.
const listingOverlap = 2 * time.Minute

// discoveryResult is what one run of `bench-scale discovery` measured.
type discoveryResult struct {
	Interval time.Duration // the worker's --discover-interval; 0: tasks registered at creation, no discovery
	Tasks    int
	// FirstEvent are, per task with an event, when its first event (any kind) was stored in
	// the events stream minus when the harness created it: sorted, shortest first.
	FirstEvent []time.Duration
	// Registration are, per task registered, when its first registration reached the harness
	// (published on the registrations subject) minus its creation: in discovery runs, how
	// long discovery took to find it; sorted.
	Registration []time.Duration
	Missing      int            // tasks without a terminal event by the deadline
	NotOne       int            // tasks with more than one terminal event stored
	WrongOrigin  int            // tasks whose first event has another origin than the run's
	Calls        map[string]int // requests the emulator answered, by action (any answer)
	Listings     map[string]int // of the DescribeTasks calls, the listings, by region
	Throttled    int            // of all calls, answered Throttling.User
	Regions      []string
	Phases       []listingPhase // discovery runs: listing calls busy, in the tail, idle
	Wall         time.Duration  // first creation to the last terminal event (or the deadline)
}

// name is how the run is called in tables and plots.
func (r discoveryResult) name() string {
	if r.Interval == 0 {
		return "registered at creation"
	}
	return "discovery every " + shortDuration(r.Interval)
}

// origin is the origin every event of the run should carry.
func (r discoveryResult) origin() events.Origin {
	if r.Interval == 0 {
		return events.OriginRegistered
	}
	return events.OriginDiscovered
}

// listingPhase is the listing calls of a stretch of a run, per region and interval.
type listingPhase struct {
	Name      string
	From, To  time.Duration // after the first creation
	PerRegion []float64     // calls per interval, in the order of the run's regions
}

// discoveryWorkerArgs are the flags of `taskpoller run` for a run listing at interval (0: no
// discovery), then cfg's extra flags, which win.
func discoveryWorkerArgs(cfg discoveryConfig, interval time.Duration, natsURL, ecsURL, httpAddr string) []string {
	args := []string{"run",
		"--nats-url", natsURL, "--ecs-endpoint", ecsURL, "--http-addr", httpAddr,
		"--api-qps", strconv.FormatFloat(cfg.Quota, 'g', -1, 64),
		"--max-tracked", strconv.Itoa(max(10000, cfg.Tasks)), "--max-ack-pending", strconv.Itoa(max(100000, cfg.Tasks)),
		"--worker-id", "bench", "--log-level", "warn",
	}
	args = append(args, cfg.Backoff.args()...)
	if interval > 0 {
		args = append(args, "--discover-regions", strings.Join(cfg.Regions, ","),
			"--discover-interval", interval.String(), "--discover-lookback", cfg.Lookback.String())
	}
	return append(args, cfg.TaskpollerArgs...)
}

// runDiscovery measures one run on w: a fresh emulator and NATS server, a worker listing the
// regions every interval (0: none, and each task registered as it is created), the tasks
// created at their times, every event read from the events stream. A discovery run goes on
// until the regions have been idle for cfg.Idle, to count the listing calls of idle regions.
func runDiscovery(ctx context.Context, cfg discoveryConfig, env runEnv, w discoveryWorkload, interval time.Duration) (discoveryResult, error) {
	res := discoveryResult{Interval: interval, Tasks: len(w.tasks), Regions: cfg.Regions}
	label := "registered"
	if interval > 0 {
		label = "discovery-" + shortDuration(interval)
	}
	sp, err := env.open(label, len(w.tasks), cfg.Quota, "worker.log")
	if err != nil {
		return res, err
	}
	defer sp.close()
	emu := sp.emu
	ns, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: filepath.Join(sp.dir, "nats")})
	if err != nil {
		return res, err
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	httpAddr, err := freeAddr()
	if err != nil {
		return res, err
	}
	args := discoveryWorkerArgs(cfg, interval, ns.ClientURL(), emu.URL(), httpAddr)
	fmt.Fprintf(env.log, "  taskpoller %s\n", strings.Join(args, " "))
	proc, err := startChild(newWorkerCmd(env.taskpoller, args, sp.log))
	if err != nil {
		return res, err
	}
	defer func() { _ = proc.stop(30 * time.Second) }()
	h, err := connectHarness(ctx, ns.ClientURL(), proc.done)
	if err != nil {
		return res, fmt.Errorf("%w\nworker log:\n%s", err, tail(sp.logPath, 2000))
	}
	defer h.close()

	first, terminal, registered := newDetections(len(w.tasks)), newDetections(len(w.tasks)), newDetections(len(w.tasks))
	cc, err := consumeEvents(ctx, h, first, terminal)
	if err != nil {
		return res, err
	}
	defer cc.Stop()
	rsub, err := watchRegistrations(h, registered)
	if err != nil {
		return res, err
	}
	defer func() { _ = rsub.Unsubscribe() }()

	start := time.Now()
	sampler := &listingSampler{emu: emu, regions: cfg.Regions, start: start}
	sctx, stopSampler := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { sampler.run(sctx, time.Second) })
	defer func() { stopSampler(); wg.Wait() }()

	var register func(ctx context.Context, region, id string) error
	if interval == 0 {
		register = func(ctx context.Context, region, id string) error {
			_, err := natsclient.Register(ctx, h.js, h.subjects, events.Registration{RegionID: region, TaskID: id})
			return err
		}
	}
	ids, created, err := createPaced(ctx, emu, w, start, register)
	if err != nil {
		return res, err
	}
	fmt.Fprintf(env.log, "  %d tasks created in %s\n", len(ids), time.Since(start).Round(time.Millisecond))
	waitErr := terminal.wait(ctx, len(ids), start.Add(w.lastEnd()+cfg.Grace), proc.done)
	res.Wall = time.Since(start)
	if interval > 0 && waitErr == nil {
		idleFrom := max(res.Wall, w.lastCreated()+listingOverlap+interval+5*time.Second)
		fmt.Fprintf(env.log, "  every task ended after %s; counting idle listings from %s to %s\n",
			res.Wall.Round(time.Second), idleFrom.Round(time.Second), (idleFrom + cfg.Idle).Round(time.Second))
		if err := sleepUntil(ctx, start.Add(idleFrom+cfg.Idle), proc.done); err != nil {
			waitErr = err
		}
		stopSampler()
		wg.Wait()
		res.Phases = listingPhases(sampler.samples(), len(cfg.Regions), interval, w.lastCreated(), idleFrom, idleFrom+cfg.Idle)
	}
	saveMetrics(httpAddr, filepath.Join(sp.dir, "metrics.txt"))
	if err := proc.stop(60 * time.Second); err != nil {
		waitErr = errors.Join(waitErr, fmt.Errorf("worker: %w\nworker log:\n%s", err, tail(sp.logPath, 2000)))
	}
	cc.Stop()
	_ = rsub.Drain()
	st := emu.Stats()
	res.Calls, res.Listings, res.Throttled = st.Actions, st.Listings, st.Codes[throttledCode]
	res.settle(ids, created, first, terminal)
	res.Registration = sinceCreation(ids, created, registered)
	if err := writeTaskTimes(filepath.Join(sp.dir, "tasks.csv"), w, ids, created, start, registered, first); err != nil {
		fmt.Fprintf(env.log, "  tasks.csv: %v\n", err)
	}
	counts, err := terminalCounts(ctx, h.js, h.subjects)
	if err != nil {
		return res, err
	}
	res.NotOne = moreThanOne(counts, ids)
	return res, waitErr
}

// settle computes the first-event latencies, missing tasks and wrong origins from what the
// events stream held of the tasks ids, created at created.
func (r *discoveryResult) settle(ids []string, created []time.Time, first, terminal *detections) {
	seen, origin := first.snapshot()
	ended, _ := terminal.snapshot()
	r.FirstEvent = make([]time.Duration, 0, len(ids))
	for i, id := range ids {
		if at, ok := seen[id]; ok {
			r.FirstEvent = append(r.FirstEvent, at.Sub(created[i]))
			if origin[id] != string(r.origin()) {
				r.WrongOrigin++
			}
		}
		if _, ok := ended[id]; !ok {
			r.Missing++
		}
	}
	slices.Sort(r.FirstEvent)
}

// listingPhases splits the samples of a run into busy (tasks being created, up to
// lastCreated), tail (until idleFrom: listing windows still hold tasks) and idle (to idleTo),
// with each region's listing calls per interval.
func listingPhases(s listingSamples, regions int, interval, lastCreated, idleFrom, idleTo time.Duration) []listingPhase {
	phases := []listingPhase{
		{Name: "busy", From: 0, To: lastCreated},
		{Name: "tail", From: lastCreated, To: idleFrom},
		{Name: "idle", From: idleFrom, To: idleTo},
	}
	for i := range phases {
		p := &phases[i]
		for r := range regions {
			p.PerRegion = append(p.PerRegion, perInterval(s.between(r, p.From, p.To), p.From, p.To, interval))
		}
	}
	return phases
}

// createPaced creates each task of w in emu at start plus its time and returns the ids and
// when each was created (just before the emulator was asked). With register, each task is
// also registered as soon as it is created, registerParallel at a time.
func createPaced(ctx context.Context, emu *ecsemu.Server, w discoveryWorkload, start time.Time, register func(ctx context.Context, region, id string) error) ([]string, []time.Time, error) {
	ids := make([]string, len(w.tasks))
	created := make([]time.Time, len(w.tasks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(registerParallel)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for i, t := range w.tasks {
		if d := time.Until(start.Add(t.At)); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-gctx.Done():
				_ = g.Wait()
				return nil, nil, fmt.Errorf("create task %d: %w", i, context.Cause(gctx))
			}
		}
		created[i] = time.Now()
		id, err := emu.AddTimedTask(ecsemu.TimedTask{RegionID: t.Region, Processing: t.Life})
		if err != nil {
			_ = g.Wait()
			return nil, nil, fmt.Errorf("create task %d: %w", i, err)
		}
		ids[i] = id
		if register != nil {
			g.Go(func() error {
				if err := register(gctx, t.Region, id); err != nil {
					return fmt.Errorf("register %s: %w", id, err)
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return ids, created, nil
}

// sleepUntil waits until at, or returns an error when ctx ends or exited is closed first.
func sleepUntil(ctx context.Context, at time.Time, exited <-chan struct{}) error {
	t := time.NewTimer(time.Until(at))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-exited:
		return errors.New("the worker exited")
	case <-ctx.Done():
		return ctx.Err()
	}
}
