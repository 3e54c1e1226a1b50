package natsjs

import (
	"context"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Capacity = (*Source)(nil)

// load is what a Source knows of the worker's load. Guarded by Source.mu.
type load struct {
	capacity  int       // the most leases the worker holds at once (0: no bound known)
	out       int       // leases handed out and not yet given back
	full      bool      // at capacity with records waiting, or not calm since (see judge)
	calmSince time.Time // since when a full Source has had room and nothing waiting
	shedding  bool      // full while others have room: partitions it tracks nothing in go
	spare     bool      // full before, room since: takes free partitions, gives none up
}

// SetCapacity implements poller.Capacity: the worker holds at most n leases at once
// (poller.Config.MaxTracked). Once that many are handed out while records wait, the Source
// is full (see judge). Safe for concurrent use.
func (s *Source) SetCapacity(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.capacity = n
}

// Leases returns how many leases this Source holds in memory: those handed out and not yet
// given back, and those waiting to be handed out (queued, or released with a delay). It is
// at most the capacity plus the batch given to NewSource, whatever waits in the tasks bucket.
func (s *Source) Leases() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range s.parts {
		n += len(p.leases)
	}
	return n
}

// Full reports whether this Source is full now (see judge).
func (s *Source) Full() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full
}

// handOut counts l as handed out. The caller holds s.mu.
func (s *Source) handOut(l *lease) {
	if l.out {
		return
	}
	l.out = true
	s.out++
	l.part.out++
	s.roomChanged()
}

// giveBack counts l as no longer handed out (Done, Release, Abandon, lost). The caller holds
// s.mu.
func (s *Source) giveBack(l *lease) {
	if !l.out {
		return
	}
	l.out = false
	s.out--
	l.part.out--
	s.roomChanged()
}

// drop makes l lost and takes it out of the queue and the delayed ones: what waits there is
// what may be read (see admits). The caller holds s.mu and has taken l out of its partition.
func (s *Source) drop(l *lease) {
	l.lost.Store(true)
	s.giveBack(l)
	if l.queued {
		l.queued = false
		s.queue = slices.DeleteFunc(s.queue, func(q *lease) bool { return q == l })
	}
	s.delayed = slices.DeleteFunc(s.delayed, func(q *lease) bool { return q == l })
	s.roomChanged()
}

// roomChanged wakes the watchers whose records wait for room. The caller holds s.mu.
func (s *Source) roomChanged() {
	close(s.room)
	s.room = make(chan struct{})
}

// admits reports whether a record of partition p may become a lease now: while fewer than
// batch leases wait to be handed out, and, while shedding, only in a partition where this
// worker tracks tasks, the lowest first (the others are given up). The caller holds s.mu.
func (s *Source) admits(p *partition) bool {
	if len(s.queue)+len(s.delayed) >= s.batch {
		return false
	}
	if !s.shedding {
		return true
	}
	if p.out == 0 {
		return false
	}
	for _, q := range s.parts {
		if q.waiting && q.out > 0 && q.id < p.id {
			return false
		}
	}
	return true
}

// calmFor is how long a full Source must have had room with nothing waiting to stop being
// full: a worker between two tasks is still full.
const calmFor = balanceEvery

// judge decides, once per turn of own, whether this Source is full: it becomes full when
// the worker holds its capacity and records wait (queued, or read and waiting for room); it
// stops being full once it has had room with nothing waiting for calmFor, and is spare from
// then on (until Drain): it takes partitions that are free (those full workers give up) but
// none is given up for it, so that partitions do not go back and forth, each move handing
// back the tasks tracked there. A full Source tells the fleet (Presence.SetFull): the others
// no longer count it when they share the partitions. While another worker has room it sheds
// (see shed); when none has, it takes free partitions up to its share, so that none is left
// without a holder, and gives none up (it would hand back what it tracks there, to a worker
// as full). A Source that does not accept (Drain) is neither full nor spare.
func (s *Source) judge(now time.Time) {
	s.mu.Lock()
	waits := len(s.queue) > 0
	for _, p := range s.parts {
		waits = waits || p.waiting
	}
	atCapacity := s.capacity > 0 && s.out >= s.capacity
	was := s.full
	switch {
	case !s.accepting:
		s.full, s.calmSince = false, time.Time{}
	case !s.full:
		s.full = atCapacity && waits
	case atCapacity || waits:
		s.calmSince = time.Time{}
	case s.calmSince.IsZero():
		s.calmSince = now
	case now.Sub(s.calmSince) >= calmFor:
		s.full, s.calmSince = false, time.Time{}
	}
	if s.full != was {
		s.calmSince = time.Time{}
		s.spare = !s.full && s.accepting
	}
	room := s.opts.presence != nil && s.opts.presence.Room()
	shedding := s.full && room
	if shedding != s.shedding {
		s.shedding = shedding
		s.roomChanged()
	}
	full, spare, out, capacity := s.full, s.spare, s.out, s.capacity
	s.mu.Unlock()
	if full == was {
		return
	}
	if p := s.opts.presence; p != nil {
		p.SetSpare(spare)
		p.SetFull(full)
	}
	if full {
		s.log.Info("this worker is full and tasks wait in its partitions; while other workers have room they take the partitions it tracks nothing in",
			zap.Int("tracked", out), zap.Int("max_tracked", capacity))
	} else {
		s.log.Info("this worker has room again; it takes partitions that are free, and no other worker gives any up for it")
	}
}

// shed gives up, while shedding, every partition held in which the worker tracks nothing:
// what waits there is taken by workers with room, and no tracked task is handed back. It
// returns whether the Source is shedding (then it takes no partition).
func (s *Source) shed(ctx context.Context) bool {
	s.mu.Lock()
	shedding := s.shedding
	var idle []int
	if shedding {
		for id, p := range s.parts {
			if p.out == 0 {
				idle = append(idle, id)
			}
		}
	}
	s.mu.Unlock()
	idleNow := func(p *partition) bool { return p.out == 0 } // nothing handed out meanwhile
	for _, id := range idle {
		if rev, ok := s.loseIf(id, "this worker is full and tracks nothing there", idleNow); ok {
			s.deleteLease(ctx, id, rev)
		}
	}
	return shedding
}

// loaded returns whether the Source is full, and whether it is spare.
func (s *Source) loaded() (full, spare bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full, s.spare
}
