package natsjs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
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
// lease TTL, judges the worker's load (see judge) and balances them (see balance) every
// balanceEvery, and at once when the Source starts or stops accepting.
func (s *Source) own(ctx context.Context) {
	// Often enough that a lease is renewed by half its TTL at the latest.
	tick := time.NewTicker(min(balanceEvery, s.assets().LeaseTTL/6))
	defer tick.Stop()
	for {
		now := time.Now()
		s.renew(ctx, now)
		s.judge(now)
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
// Source that does not accept (Drain) holds none; one that sheds (see shed) takes none.
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
		if s.shed(ctx) {
			return
		}
		want = s.share()
		full, spare := s.loaded()
		if spare {
			want = Partitions // whatever is free
		}
		if (full || spare) && len(held) >= want {
			return // gives nothing up: what it tracks there stays
		}
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
			logFailure(s.log, "cannot list partition leases", err)
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
			logFailure(s.log, "cannot take a partition", err, zap.Int("partition", id))
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
		logFailure(s.log, "cannot renew a partition lease; retrying", err, zap.Int("partition", p.id))
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
func (s *Source) lose(id int, why string) (uint64, bool) { return s.loseIf(id, why, nil) }

// loseIf is lose when the partition is held and cond (if not nil) holds of it.
func (s *Source) loseIf(id int, why string, cond func(*partition) bool) (uint64, bool) {
	s.mu.Lock()
	p, ok := s.parts[id]
	ok = ok && (cond == nil || cond(p))
	var rev uint64
	var tasks int
	if ok {
		delete(s.parts, id)
		for _, l := range p.leases {
			l.lost.Store(true)
			s.giveBack(l)
		}
		mine := func(l *lease) bool { return l.part == p }
		s.delayed = slices.DeleteFunc(s.delayed, mine)
		s.queue = slices.DeleteFunc(s.queue, mine)
		s.roomChanged()
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
// later, until its context ends. It reads the partition's records from the tasks bucket's
// stream with an ordered pull consumer, readAhead at a time, in the order they were
// written (the latest of each key first), and turns a record into a lease only when there
// is room (see admit): what the worker has no room for waits in the stream. If the reading
// fails the partition is given up, to be taken again by whoever can.
func (s *Source) watch(ctx context.Context, p *partition) {
	defer s.wg.Done()
	a := s.assets()
	prefix := kvSubject(a.Tasks.Bucket(), "")
	c, it, err := s.follow(ctx, a, prefix+partitionFilter(p.id))
	if err != nil {
		if ctx.Err() == nil {
			s.heal(ctx, err)
			logFailure(s.log, "cannot read a partition's tasks; giving it up", err, zap.Int("partition", p.id))
			s.release(context.WithoutCancel(ctx), p.id, "cannot read its tasks")
		}
		return
	}
	// The ordered consumer remakes a consumer it lost (stream gone, NATS out of reach) for
	// ever, deaf to Next's context: only Stop ends that.
	unhook := context.AfterFunc(ctx, it.Stop)
	defer func() {
		unhook()
		it.Stop()
		// Delete its consumer now rather than when the server finds it idle.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if info := c.CachedInfo(); info != nil {
			_ = a.TasksStream.DeleteConsumer(dctx, info.Name)
		}
	}()
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() == nil {
				logFailure(s.log, "reading a partition's tasks failed; giving it up", err, zap.Int("partition", p.id))
				s.release(context.WithoutCancel(ctx), p.id, "its reading failed")
			}
			return
		}
		meta, err := msg.Metadata()
		if err != nil {
			continue
		}
		key := strings.TrimPrefix(msg.Subject(), prefix)
		switch msg.Headers().Get(kvOperation) {
		case kvDelete, kvPurge:
			s.onDelete(p, key)
		default:
			s.admit(ctx, p, key, meta.Sequence.Stream, msg.Data())
		}
	}
}

// readAhead is how many records each held partition's reader fetches ahead of the leases.
const readAhead = 4

// follow starts reading the records under filter: the latest of each key, then every
// change. Its consumer is dropped by the server once idle for a lease TTL: the consumer of a
// worker that died (or lost NATS, or whose consumer was remade when a node restarted) is of no
// use once its partition can go to another worker, and a stream takes 1,000 consumers at most
// (nats-server's default per stream): with the client's default of 5 minutes, those left by
// killed workers and node restarts filled it, and no partition could be read for minutes. A
// reader that waits that long for room finds its consumer gone; the ordered consumer then makes
// a new one from where it stopped.
func (s *Source) follow(ctx context.Context, a Assets, filter string) (jetstream.Consumer, jetstream.MessagesContext, error) {
	if a.TasksStream == nil {
		return nil, nil, errors.New("no tasks stream")
	}
	c, err := a.TasksStream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{filter},
		DeliverPolicy:     jetstream.DeliverLastPerSubjectPolicy,
		InactiveThreshold: max(a.LeaseTTL, time.Second),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read tasks %s: %w", filter, err)
	}
	it, err := c.Messages(jetstream.PullMaxMessages(readAhead))
	if err != nil {
		return nil, nil, fmt.Errorf("read tasks %s: %w", filter, err)
	}
	return c, it, nil
}

// onDelete forgets the task key of partition p, deleted from the tasks bucket.
func (s *Source) onDelete(p *partition, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur := p.leases[key]; cur != nil && s.parts[p.id] == p {
		delete(p.leases, key)
		s.drop(cur)
	}
}

// admit makes the record of task key (at revision rev) of partition p a lease and queues it
// for the worker, once there is room (admits): until then it waits, and so does the rest of
// the partition. It returns when the record is queued or skipped, or when ctx ends.
func (s *Source) admit(ctx context.Context, p *partition, key string, rev uint64, value []byte) {
	r, reg, err := decodeRecord(value)
	if err != nil {
		s.log.Warn("skipping an unreadable task record", zap.String("key", key), zap.Error(err))
		return
	}
	for {
		s.mu.Lock()
		if s.parts[p.id] != p {
			s.mu.Unlock()
			return // given up meanwhile
		}
		cur := p.leases[key]
		if cur != nil && cur.rev == rev {
			s.mu.Unlock()
			return
		}
		if s.admits(p) {
			p.waiting = false
			if cur != nil {
				s.drop(cur)
			}
			l := &lease{src: s, part: p, key: key, rev: rev, id: r.Seq, reg: reg}
			p.leases[key] = l
			s.enqueue(l)
			s.mu.Unlock()
			return
		}
		p.waiting = true
		room := s.room
		s.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return
		}
	}
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
		} else {
			s.roomChanged()
		}
		return true
	})
}
