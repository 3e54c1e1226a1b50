package poller

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
)

// discovery is what a worker needs to discover tasks; nil when it is off. Safe for concurrent
// use.
type discovery struct {
	cfg    DiscoverConfig // with its defaults
	store  DiscoveryStore
	reg    Registrar
	lister TaskLister // the TaskAPI's, reporting to reach (set by NewWorker)
	log    *zap.Logger

	mu   sync.Mutex
	held map[string]bool // regions whose lease this worker holds
}

// WithDiscovery turns discovery on for cfg's regions (see DiscoverConfig; none: it changes
// nothing), with store, shared by the fleet, for the regions' leases and cursors, and reg, to
// register what it lists. NewWorker checks cfg (after its defaults), and refuses discovery
// without store and reg, or with a TaskAPI that cannot list tasks (TaskLister).
func WithDiscovery(cfg DiscoverConfig, store DiscoveryStore, reg Registrar) Option {
	return func(w *Worker) { w.disc = &discovery{cfg: cfg.WithDefaults(), store: store, reg: reg} }
}

// initDiscovery completes the worker's discovery once its reach exists, or refuses a
// configuration it cannot run (see WithDiscovery).
func (w *Worker) initDiscovery(api TaskAPI) error {
	if w.disc == nil || !w.disc.cfg.On() {
		w.disc = nil
		return nil
	}
	if err := w.disc.cfg.Validate(); err != nil {
		return fmt.Errorf("worker discovery config: %w", err)
	}
	if w.disc.store == nil || w.disc.reg == nil {
		return errors.New("worker: discovery needs a DiscoveryStore and a Registrar (WithDiscovery)")
	}
	l, ok := api.(TaskLister)
	if !ok {
		return errors.New("worker: discovery needs a TaskAPI that lists tasks (TaskLister)")
	}
	w.disc.lister = reachLister{lister: l, reach: w.reach}
	w.disc.log = w.log.Named("discovery")
	w.disc.held = map[string]bool{}
	return nil
}

// discover turns every task created in the regions of its DiscoverConfig into a registration, as a
// producer would publish it (origin discovered), whether a producer registers it or not.
//
// Each region is listed by one worker of the fleet at a time, the holder of its lease in the
// DiscoveryStore: each region has a goroutine that tries to take the lease a third of the
// store's LeaseTTL apart and, once it holds it, renews it at that pace while another lists the
// region every Interval (listRegion), from the cursor the store keeps: a dead holder's region
// is taken over within LeaseTTL and a third, from where its listing was complete. The lease is
// given up when ctx ends or the worker is paused (ECS refuses its calls), so that another
// worker goes on at once. discover returns nil when ctx ends, once every goroutine it started
// has returned; it does nothing when discovery is off.
func (w *Worker) discover(ctx context.Context) error {
	if w.disc == nil {
		return nil
	}
	var wg sync.WaitGroup
	for _, region := range w.disc.cfg.Regions {
		w.metrics.Discovery.Leases.WithLabelValues(region).Set(0)
		wg.Go(func() { w.discoverRegion(ctx, region) })
	}
	wg.Wait()
	return nil
}

// discoverRegion tries to take region's lease until ctx ends, and holds it whenever it can.
func (w *Worker) discoverRegion(ctx context.Context, region string) {
	log := w.disc.log.With(zap.String("region_id", region))
	var unreachable storeTrouble // the store refusing Acquire: warned once per spell
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-timer.C:
		case <-ctx.Done():
			return
		}
		if !w.in.isPaused() {
			l, err := w.disc.store.Acquire(ctx, region, w.tokens.base)
			switch {
			case err == nil:
				unreachable.ok(log)
				w.holdRegion(ctx, l, log)
			case ctx.Err() != nil:
				return
			case errors.Is(err, ErrDiscoveryHeld):
				unreachable.ok(log)
			default:
				w.metrics.Discovery.Errors.WithLabelValues(region).Inc()
				unreachable.failed(log, "cannot take the region's discovery lease; trying again", err)
			}
		}
		timer.Reset(w.disc.store.LeaseTTL() / 3)
	}
}

// holdRegion keeps l, renewing it a third of the lease TTL apart, while a goroutine lists the
// region; it returns once the lease is lost (refused, or not renewed for a whole TTL: the
// store has let it run out) or given up (ctx ended, the worker paused), and the listing has
// stopped.
func (w *Worker) holdRegion(ctx context.Context, l DiscoveryLease, log *zap.Logger) {
	region := l.Region
	log.Info("took the region's discovery lease: listing its tasks")
	w.setHeld(region, true)
	st := newRegionListing()
	st.since.Store(time.Now().UnixNano())
	w.reportLag(region, st, time.Now())
	lctx, stopListing := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { w.listRegion(lctx, l, st, log) })

	ttl := w.disc.store.LeaseTTL()
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	renewed := time.Now()
	why, release := "", false
	for why == "" {
		select {
		case <-tick.C:
		case <-ctx.Done():
			why, release = "stopping", true
			continue
		}
		now := time.Now()
		w.reportLag(region, st, now)
		if w.in.isPaused() {
			why, release = "ECS refuses this worker's calls", true
			continue
		}
		next, err := w.disc.store.Renew(ctx, l)
		switch {
		case err == nil:
			l, renewed = next, now
		case ctx.Err() != nil:
			why, release = "stopping", true
		case errors.Is(err, ErrDiscoveryLost):
			why = "another worker holds it now"
		case now.Sub(renewed) >= ttl:
			why = "not renewed within its TTL"
		default:
			w.metrics.Discovery.Errors.WithLabelValues(region).Inc()
			log.Warn("cannot renew the region's discovery lease; retrying until it runs out", zap.Error(err),
				zap.Duration("runs_out_in", max(0, ttl-now.Sub(renewed))))
		}
	}
	stopListing()
	wg.Wait()
	w.setHeld(region, false)
	if release {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if err := w.disc.store.Release(rctx, l); err != nil {
			log.Warn("cannot give the region's discovery lease up; it runs out by itself", zap.Error(err),
				zap.Duration("within", w.disc.store.LeaseTTL()))
		}
		cancel()
	}
	log.Info("no longer lists the region's tasks", zap.String("why", why))
}

// setHeld records whether this worker holds region's lease, for the metrics and reach.
func (w *Worker) setHeld(region string, held bool) {
	w.disc.mu.Lock()
	w.disc.held[region] = held
	w.disc.mu.Unlock()
	if held {
		w.metrics.Discovery.Leases.WithLabelValues(region).Set(1)
		return
	}
	w.metrics.Discovery.Leases.WithLabelValues(region).Set(0)
	w.metrics.Discovery.Lag.DeleteLabelValues(region)
}

// tracksRegion reports whether the worker tracks a task of region, or lists its tasks (it
// holds the region's discovery lease): reach keeps such a region, and the fleet's rate cuts
// for it are followed.
func (w *Worker) tracksRegion(region string) bool {
	return w.tasks.has(region) || w.listsRegion(region)
}

// listsRegion reports whether this worker lists region's tasks now (it holds its lease).
func (w *Worker) listsRegion(region string) bool {
	if w.disc == nil || !slices.Contains(w.disc.cfg.Regions, region) {
		return false
	}
	w.disc.mu.Lock()
	defer w.disc.mu.Unlock()
	return w.disc.held[region]
}

// reportLag sets the region's lag from the latest cursor its listing knows or, before it knows
// one (the store is out of reach, or the region was never listed to the end), from when this
// worker took the lease: a holder whose listings never complete shows a growing lag, for
// TaskpollerDiscoveryBehind to fire.
func (w *Worker) reportLag(region string, st *regionListing, now time.Time) {
	c := st.cursor.Load()
	if c == 0 {
		c = st.since.Load()
	}
	w.metrics.Discovery.Lag.WithLabelValues(region).Set(max(0, now.Sub(time.Unix(0, c)).Seconds())) // a cursor of a clock ahead: 0
}

// storeTrouble logs a DiscoveryStore failing as a warning once per spell of failures, and
// once at Info when it works again: a worker trying every few seconds does not flood the log,
// and a store out of reach is never silent. Used by one goroutine.
type storeTrouble struct{ failing bool }

func (s *storeTrouble) failed(log *zap.Logger, msg string, err error) {
	if !s.failing {
		log.Warn(msg+" (warned once until it works again)", zap.Error(err))
	}
	s.failing = true
}

func (s *storeTrouble) ok(log *zap.Logger) {
	if s.failing {
		log.Info("the discovery store answers again")
	}
	s.failing = false
}
