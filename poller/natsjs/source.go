package natsjs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Source = (*Source)(nil)

// Source hands a poller.Worker the tasks of the partitions this worker holds.
//
// Ownership costs NATS nothing per task. A registration is acked as soon as its task is
// recorded in the tasks bucket (Assets.Tasks), keyed by partition (see intake). The tasks are
// spread over Partitions partitions; a worker holds a partition through a lease in the owners
// bucket (Assets.Owners), renewed three times per lease TTL, and is handed every task recorded
// in the partitions it holds, read from the bucket's stream. Workers that accept tasks share the
// partitions evenly (see balance): a worker joining or leaving shifts them within seconds, a
// dead worker's leases run out after the TTL and are taken by the others. Losing a partition
// marks its leases lost (poller.Lease.Lost); the worker stops tracking them. A stale holder
// that still writes is stopped by the task state's compare-and-set and the events' fence.
//
// A backlog waits in the tasks bucket, not in memory: each held partition reads its records
// with a pull consumer (a few at a time, readAhead), and a record becomes a lease only while
// fewer than batch leases wait to be handed out (queued, or released with a delay). As the
// worker asks for the next lease only when it has room (poller.Worker takes one of
// MaxTracked slots first), the leases in memory are at most MaxTracked + batch, whatever the
// backlog. A worker that is full with tasks waiting gives up the partitions in which it
// tracks nothing, so that workers with room take them (see judge and shed); a partition in
// which it tracks a task stays, so that no tracked task is handed back.
//
// Refused registrations never reach the worker: they are reported on <prefix>.invalid and
// terminated, once. Next and Drain are for one goroutine; the rest is safe for concurrent use.
type Source struct {
	pub   *Publisher
	log   *zap.Logger
	batch int
	opts  options
	token string // this Source's value in the partition leases it holds

	wg   sync.WaitGroup // partition watchers
	kick chan struct{}  // something was queued
	errs chan error     // intake failures, for Next to report
	wake chan struct{}  // accepting changed: balance now
	room chan struct{}  // closed when a waiting record may now become a lease (see admit)

	mu        sync.Mutex
	a         Assets
	iter      jetstream.MessagesContext
	parts     map[int]*partition
	queue     []*lease // ready to be handed out, in order
	delayed   []*lease // released with a delay; queued again once due
	accepting bool
	stopped   bool      // Run has ended: nothing is held any more
	relistAt  time.Time // balance lists the partition leases again no sooner (zero: now)
	lastWant  int       // the share balance last aimed at
	load                // what the worker holds, and whether it is full (backlog.go)
}

// partition is one partition this Source holds.
type partition struct {
	id      int
	rev     uint64 // revision of its lease in the owners bucket
	renewed time.Time
	stop    context.CancelFunc // ends its watcher
	leases  map[string]*lease  // by key in the tasks bucket
	out     int                // of those, handed out and not yet given back
	waiting bool               // its watcher holds a record that waits for room
}

// NewSource reads registrations through a.Consumer and hands out the tasks of the partitions
// it holds; pub reports refused registrations. batch is how many registrations may be fetched
// ahead, and how many leases may wait in memory to be handed out (0: 64). WithHealer recreates the assets when one is gone; WithPresence shares the
// partitions with the other workers (without it the Source takes every free partition).
func NewSource(a Assets, pub *Publisher, log *zap.Logger, batch int, opts ...Option) *Source {
	if batch <= 0 {
		batch = 64
	}
	if log == nil {
		log = zap.NewNop()
	}
	if a.LeaseTTL <= 0 {
		a.LeaseTTL = 30 * time.Second
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Source{pub: pub, log: log.Named("tasks"), batch: batch, opts: applyOptions(opts),
		token: hex.EncodeToString(b[:]), a: a, parts: map[int]*partition{}, accepting: true,
		kick: make(chan struct{}, 1), errs: make(chan error, 1), wake: make(chan struct{}, 1),
		room: make(chan struct{})}
}

// Run implements poller.Source: it records registrations and keeps the partition leases
// until ctx ends; then it gives up every partition still held (so that others take them at
// once; a worker has given them up already, with Drain, once its polls returned) and waits
// for its watchers.
func (s *Source) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { s.intake(ctx) })
	s.own(ctx)
	wg.Wait()
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second) // what is left expires by itself
	defer cancel()
	s.releaseAll(rctx)
	s.wg.Wait()
	return nil
}

// Next implements poller.Source. It also makes the Source accept partitions again after Drain.
func (s *Source) Next(ctx context.Context) (poller.Lease, error) {
	s.setAccepting(true)
	for {
		if l := s.pop(); l != nil {
			return l, nil
		}
		select {
		case <-s.kick:
		case err := <-s.errs:
			return nil, err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// pop takes the first queued lease that is still valid — while shedding (see judge), the
// first of the lowest partition, so that this worker's tasks gather in few partitions and
// it can give the others up — and hands it out.
func (s *Source) pop() *lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.queue)
	s.queue = slices.DeleteFunc(s.queue, func(l *lease) bool {
		if l.lost.Load() || l.part.leases[l.key] != l {
			l.queued = false
			return true
		}
		return false
	})
	if len(s.queue) < n {
		s.roomChanged()
	}
	if len(s.queue) == 0 {
		return nil
	}
	i := 0
	if s.shedding {
		for j, l := range s.queue {
			if l.part.id < s.queue[i].part.id {
				i = j
			}
		}
	}
	l := s.queue[i]
	s.queue = slices.Delete(s.queue, i, i+1)
	l.queued = false
	s.handOut(l)
	return l
}

// enqueue queues l to be handed out. The caller holds s.mu.
func (s *Source) enqueue(l *lease) {
	if l.queued {
		return
	}
	l.queued = true
	s.queue = append(s.queue, l)
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// report hands an intake failure to Next, dropping it if one is already waiting.
func (s *Source) report(err error) {
	select {
	case s.errs <- err:
	default:
	}
}

// Held implements poller.Source: a registration is pending while the tasks bucket holds it
// under its task's key.
func (s *Source) Held(ctx context.Context, key string, id uint64) (bool, error) {
	e, err := s.assets().Tasks.Get(ctx, taskKeyOf(key))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false, nil
	case err != nil:
		s.heal(ctx, err)
		return false, fmt.Errorf("look up task %s: %w", key, err)
	}
	r, _, err := decodeRecord(e.Value())
	if err != nil {
		return false, err
	}
	return r.Seq == id, nil
}

// Partitions returns how many partitions this Source holds now.
func (s *Source) Partitions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.parts)
}

// Drain implements poller.Source: the Source stops accepting partitions and gives up those it
// holds, so that other workers take their tasks at once; the next call of Next accepts again.
func (s *Source) Drain(ctx context.Context) {
	s.setAccepting(false)
	s.releaseAll(ctx)
}

func (s *Source) setAccepting(on bool) {
	s.mu.Lock()
	changed := s.accepting != on
	s.accepting = on
	if !on {
		s.spare = false // back to its share when it accepts again
	}
	s.mu.Unlock()
	if !changed {
		return
	}
	if p := s.opts.presence; p != nil {
		if !on {
			p.SetSpare(false)
		}
		p.SetAccepting(on)
	}
	s.mu.Lock()
	s.relistAt = time.Time{}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Source) assets() Assets {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.a
}

// heal has missing assets recreated and takes the new ones.
func (s *Source) heal(ctx context.Context, err error) {
	a, ok := s.opts.heal(ctx, err)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.LeaseTTL <= 0 {
		a.LeaseTTL = s.a.LeaseTTL
	}
	s.a = a
	if s.iter != nil {
		s.iter.Stop()
		s.iter = nil
	}
}
