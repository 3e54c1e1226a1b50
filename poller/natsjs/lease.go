package natsjs

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// lease is a worker's hold on one task of a partition its Source holds: it lasts as long as
// the partition lease. Fields other than lost are guarded by src.mu.
type lease struct {
	src  *Source
	part *partition
	key  string // in the tasks bucket
	rev  uint64 // revision of the task's record
	id   uint64 // stream sequence of the registration
	reg  events.Registration

	lost   atomic.Bool
	queued bool      // in src.queue
	out    bool      // handed out by Next, not yet given back (Done, Release, Abandon, lost)
	due    time.Time // when a delayed release is queued again
}

var _ poller.Lease = (*lease)(nil)

func (l *lease) Registration() events.Registration { return l.reg }
func (l *lease) ID() uint64                        { return l.id }

// Lost implements poller.Lease: the partition was given up or lost, or the record deleted.
func (l *lease) Lost() bool { return l.lost.Load() }

// Done purges the task's record — unless it was recorded anew meanwhile — and waits for the
// server to confirm. The purge leaves a marker, for the partition's reader, that expires
// after a lease TTL, 1s at least (the bucket has no TTL: markers would pile up for ever). When the purge
// fails, the task is handed out again after a lease TTL (as Abandon does), so that the record
// is settled then: its state says it ended, so the next claim deletes it without polling.
func (l *lease) Done(ctx context.Context) error {
	a := l.src.assets()
	err := a.Tasks.Purge(ctx, l.key, jetstream.LastRevision(l.rev), jetstream.PurgeTTL(max(a.LeaseTTL, time.Second)))
	if err != nil && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) && !errors.Is(err, jetstream.ErrKeyExists) {
		l.src.heal(ctx, err)
		l.Abandon()
		return fmt.Errorf("settle task %s: %w", l.key, err)
	}
	l.forget()
	return nil
}

// Release hands the task out again after delay (0: at once), while the partition is held.
func (l *lease) Release(_ context.Context, delay time.Duration) error {
	s := l.src
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.lost.Load() || l.part.leases[l.key] != l {
		return nil
	}
	s.giveBack(l)
	if delay <= 0 {
		s.enqueue(l)
		return nil
	}
	l.due = time.Now().Add(delay)
	s.delayed = append(s.delayed, l)
	return nil
}

// Abandon gives the task up without settling it: as with an un-acked message, it is handed
// out again once a lease TTL has passed — to this worker while it holds the partition.
// Abandoning a lease that a newer one of the same task replaced changes nothing.
func (l *lease) Abandon() {
	s := l.src
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.lost.Load() || l.part.leases[l.key] != l {
		return
	}
	again := &lease{src: s, part: l.part, key: l.key, rev: l.rev, id: l.id, reg: l.reg,
		due: time.Now().Add(s.a.LeaseTTL)}
	l.lost.Store(true)
	s.giveBack(l)
	l.part.leases[l.key] = again
	s.delayed = append(s.delayed, again)
}

// forget removes l from its partition, so that it is neither queued nor handed out again.
func (l *lease) forget() {
	s := l.src
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.part.leases[l.key] == l {
		delete(l.part.leases, l.key)
	}
	s.drop(l)
}
