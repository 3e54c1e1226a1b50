package natsjs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// balanceEvery is how often a Source checks its share of the partitions and requeues
// registrations released with a delay.
const balanceEvery = time.Second

// own keeps this Source's partition leases until ctx ends: it renews them three times per
// lease TTL and balances them (see balance) every balanceEvery, and at once when the Source
// starts or stops accepting.
func (s *Source) own(ctx context.Context) {
	// Often enough that a lease is renewed by half its TTL at the latest.
	tick := time.NewTicker(min(balanceEvery, s.assets().LeaseTTL/6))
	defer tick.Stop()
	for {
		now := time.Now()
		s.renew(ctx, now)
		s.balance(ctx)
		s.requeueDue(now)
		select {
		case <-tick.C:
		case <-s.wake:
		case <-ctx.Done():
			return
		}
	}
}

func ownerKey(p int) string { return fmt.Sprintf("p%03d", p) }

// share is how many partitions this Source should hold: its part of an even split among the
// workers that accept partitions (Presence.Share), all of them without presence.
func (s *Source) share() int {
	if p := s.opts.presence; p != nil {
		return p.Share(Partitions)
	}
	return Partitions
}

// balance gives up partitions beyond this Source's share and takes free ones up to it. A
// Source that does not accept (Drain) holds none.
func (s *Source) balance(ctx context.Context) {
	s.mu.Lock()
	accepting, stopped := s.accepting, s.stopped
	held := make([]int, 0, len(s.parts))
	for id := range s.parts {
		held = append(held, id)
	}
	s.mu.Unlock()
	if stopped {
		return
	}
	want := 0
	if accepting {
		want = s.share()
	}
	if len(held) > want {
		slices.Sort(held)
		for _, id := range held[want:] { // the highest first: others take them
			s.release(ctx, id, "beyond this worker's share")
		}
		return
	}
	if len(held) == want {
		return
	}
	// While views of the fleet differ, or a holder above its share has not given partitions
	// up yet, none may be free: after a listing that found every partition held, list again
	// only a third of a lease TTL later — about when one given up or expired is free — or
	// when the share changes.
	now := time.Now()
	s.mu.Lock()
	if want != s.lastWant { // the fleet changed: others give partitions up now
		s.relistAt, s.lastWant = time.Time{}, want
	}
	wait := now.Before(s.relistAt)
	s.mu.Unlock()
	if wait {
		return
	}
	taken, err := s.assets().Owners.Keys(ctx)
	if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
		if ctx.Err() == nil {
			s.heal(ctx, err)
			s.log.Warn("cannot list partition leases", zap.Error(err))
		}
		return
	}
	busy := make(map[string]bool, len(taken))
	for _, k := range taken {
		busy[k] = true
	}
	var free []int
	start := rand.IntN(Partitions) // workers starting together try different partitions first
	for i := range Partitions {
		if id := (start + i) % Partitions; !busy[ownerKey(id)] {
			free = append(free, id)
		}
	}
	if len(free) == 0 {
		s.mu.Lock()
		s.relistAt = now.Add(s.a.LeaseTTL / 3)
		s.mu.Unlock()
		return
	}
	// Take them a few at a time (each is a round trip and a watch to start); what others
	// took meanwhile is skipped.
	need := want - len(held)
	for len(free) > 0 && need > 0 {
		n := min(len(free), need, acquirers)
		var got atomic.Int64
		var wg sync.WaitGroup
		for _, id := range free[:n] {
			wg.Go(func() {
				if s.acquire(ctx, id) {
					got.Add(1)
				}
			})
		}
		wg.Wait()
		free, need = free[n:], need-int(got.Load())
	}
}

// acquirers is how many partitions are taken at once.
const acquirers = 8

// acquire takes partition id if it is free, and starts handing out its tasks.
func (s *Source) acquire(ctx context.Context, id int) bool {
	rev, err := s.assets().Owners.Create(ctx, ownerKey(id), []byte(s.token))
	if err != nil && ctx.Err() == nil {
		// A Create applied whose answer was lost leaves the lease this Source's own.
		if own, ok := s.ownRevision(ctx, id); ok {
			rev, err = own, nil
		}
	}
	if err != nil {
		if !errors.Is(err, jetstream.ErrKeyExists) && ctx.Err() == nil {
			s.heal(ctx, err)
			s.log.Warn("cannot take a partition", zap.Int("partition", id), zap.Error(err))
		}
		return false
	}
	wctx, stop := context.WithCancel(ctx)
	p := &partition{id: id, rev: rev, renewed: time.Now(), stop: stop, leases: map[string]*lease{}}
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		stop()
		s.deleteLease(context.WithoutCancel(ctx), id, rev)
		return false
	}
	s.parts[id] = p
	s.wg.Add(1)
	s.mu.Unlock()
	go s.watch(wctx, p)
	s.log.Debug("took a partition", zap.Int("partition", id))
	return true
}

// renew extends every lease held that is due, three times per lease TTL. A lease that cannot
// be renewed because another worker holds it now is lost at once; one that cannot be renewed
// for a whole TTL (NATS unreachable) is lost too, as the server has let it expire.
func (s *Source) renew(ctx context.Context, now time.Time) {
	a := s.assets()
	pace := a.LeaseTTL / 3
	s.mu.Lock()
	due := make([]*partition, 0, len(s.parts))
	for _, p := range s.parts {
		if now.Sub(p.renewed) >= pace {
			due = append(due, p)
		}
	}
	s.mu.Unlock()
	// Renewed concurrently: one round trip each, and all must be done well within the TTL.
	sem := make(chan struct{}, renewers)
	var wg sync.WaitGroup
	for _, p := range due {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s.renewOne(ctx, a, p, now)
		})
	}
	wg.Wait()
}

// renewers is how many partition leases are renewed at once.
const renewers = 16

func (s *Source) renewOne(ctx context.Context, a Assets, p *partition, now time.Time) {
	s.mu.Lock()
	rev, renewed := p.rev, p.renewed
	s.mu.Unlock()
	rev, err := a.Owners.Update(ctx, ownerKey(p.id), []byte(s.token), rev)
	switch {
	case err == nil:
		s.mu.Lock()
		p.rev, p.renewed = rev, now
		s.mu.Unlock()
	case ctx.Err() != nil:
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyNotFound),
		errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyDeleted):
		if own, ok := s.ownRevision(ctx, p.id); ok {
			// An earlier renewal was applied but its answer lost: the lease is still ours.
			s.mu.Lock()
			p.rev, p.renewed = own, now
			s.mu.Unlock()
			return
		}
		s.lose(p.id, "another worker holds it now")
	case now.Sub(renewed) >= a.LeaseTTL:
		s.lose(p.id, "not renewed within its TTL")
	default:
		s.heal(ctx, err)
		s.log.Warn("cannot renew a partition lease; retrying", zap.Int("partition", p.id), zap.Error(err))
	}
}

// release gives partition id up: its leases are lost and its lease in the owners bucket is
// deleted, so that another worker takes it at once.
func (s *Source) release(ctx context.Context, id int, why string) {
	if rev, ok := s.lose(id, why); ok {
		s.deleteLease(ctx, id, rev)
	}
}

// releaseAll releases every partition held.
func (s *Source) releaseAll(ctx context.Context) {
	s.mu.Lock()
	ids := make([]int, 0, len(s.parts))
	for id := range s.parts {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		s.release(ctx, id, "handed back")
	}
	if len(ids) > 0 {
		s.log.Info("gave up partitions", zap.Int("partitions", len(ids)))
	}
}

// deleteLease deletes this Source's lease on partition id. A renewal whose answer was lost
// (its context ended) may have moved the lease past rev: a lease that still carries this
// Source's token is deleted at its current revision.
func (s *Source) deleteLease(ctx context.Context, id int, rev uint64) {
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	owners := s.assets().Owners
	err := owners.Delete(dctx, ownerKey(id), jetstream.LastRevision(rev))
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		if own, ok := s.ownRevision(dctx, id); ok {
			err = owners.Delete(dctx, ownerKey(id), jetstream.LastRevision(own))
		} else {
			err = nil // another worker holds it already, or it is gone
		}
	}
	if err != nil {
		s.log.Debug("cannot delete a partition lease; it expires by itself", zap.Int("partition", id), zap.Error(err))
	}
}

// ownRevision returns the revision of partition id's lease when the lease carries this
// Source's token: a write of this Source was applied though its answer was lost.
func (s *Source) ownRevision(ctx context.Context, id int) (uint64, bool) {
	e, err := s.assets().Owners.Get(ctx, ownerKey(id))
	if err != nil || string(e.Value()) != s.token {
		return 0, false
	}
	return e.Revision(), true
}

// lose forgets partition id: its watcher stops, its leases are lost and no longer queued.
// It returns the revision of its lease, and whether it was held.
func (s *Source) lose(id int, why string) (uint64, bool) {
	s.mu.Lock()
	p, ok := s.parts[id]
	var rev uint64
	var tasks int
	if ok {
		delete(s.parts, id)
		for _, l := range p.leases {
			l.lost.Store(true)
		}
		s.delayed = slices.DeleteFunc(s.delayed, func(l *lease) bool { return l.part == p })
		rev, tasks = p.rev, len(p.leases) // read under the lock: renewals and forget write them
	}
	s.mu.Unlock()
	if !ok {
		return 0, false
	}
	p.stop()
	s.log.Debug("gave up a partition", zap.Int("partition", id), zap.String("why", why), zap.Int("tasks", tasks))
	return rev, true
}

// watch hands out the tasks recorded in partition p, those there now and those recorded
// later, until its context ends. If the watch fails the partition is given up, to be taken
// again by whoever can.
func (s *Source) watch(ctx context.Context, p *partition) {
	defer s.wg.Done()
	w, err := s.assets().Tasks.Watch(ctx, partitionFilter(p.id))
	if err != nil {
		if ctx.Err() == nil {
			s.heal(ctx, err)
			s.log.Warn("cannot watch a partition's tasks; giving it up", zap.Int("partition", p.id), zap.Error(err))
			s.release(context.WithoutCancel(ctx), p.id, "cannot watch its tasks")
		}
		return
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() == nil {
					s.log.Warn("the watch of a partition's tasks ended; giving it up", zap.Int("partition", p.id))
					s.release(context.WithoutCancel(ctx), p.id, "its watch ended")
				}
				return
			}
			if e != nil {
				s.onEntry(p, e)
			}
		case <-ctx.Done():
			return
		}
	}
}

// onEntry takes one change of partition p's tasks: a recorded task is queued for the worker;
// a deleted one is forgotten.
func (s *Source) onEntry(p *partition, e jetstream.KeyValueEntry) {
	key := e.Key()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.parts[p.id] != p {
		return // given up meanwhile
	}
	cur := p.leases[key]
	if e.Operation() != jetstream.KeyValuePut {
		if cur != nil {
			delete(p.leases, key)
			cur.lost.Store(true)
		}
		return
	}
	if cur != nil && cur.rev == e.Revision() {
		return
	}
	r, reg, err := decodeRecord(e.Value())
	if err != nil {
		s.log.Warn("skipping an unreadable task record", zap.String("key", key), zap.Error(err))
		return
	}
	if cur != nil {
		cur.lost.Store(true)
	}
	l := &lease{src: s, part: p, key: key, rev: e.Revision(), id: r.Seq, reg: reg}
	p.leases[key] = l
	s.enqueue(l)
}

// requeueDue queues the leases released with a delay whose time has come.
func (s *Source) requeueDue(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delayed = slices.DeleteFunc(s.delayed, func(l *lease) bool {
		if now.Before(l.due) {
			return false
		}
		if l.part.leases[l.key] == l && !l.lost.Load() {
			s.enqueue(l)
		}
		return true
	})
}
