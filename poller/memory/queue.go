package memory

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// Queue is the registrations stream: it numbers registrations and knows which are pending
// (not settled). Workers read it through Sources, one each; the caller decides which Source
// is handed which registration (Register, Redeliver), as JetStream's delivery would.
type Queue struct {
	mu       sync.Mutex
	seq      uint64
	pending  map[uint64]bool
	released int
}

// NewQueue returns an empty queue.
func NewQueue() *Queue { return &Queue{pending: map[uint64]bool{}} }

// Pending reports whether registration id is still pending.
func (q *Queue) Pending(id uint64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending[id]
}

// Released counts the leases released so far.
func (q *Queue) Released() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.released
}

// Source returns a new poller.Source on q, for one worker.
func (q *Queue) Source() *Source {
	return &Source{q: q, inbox: make(chan *Lease, 1<<16), kick: make(chan struct{}, 1)}
}

var _ poller.Source = (*Source)(nil)

// ErrDisconnected is what a Source and its leases return while the Source is disconnected.
var ErrDisconnected = errors.New("source disconnected")

// Source is one worker's poller.Source on a Queue. A lease lasts until it is settled,
// released or abandoned (nothing runs out in memory; Run keeps nothing alive). A released
// registration comes back to the same Source after the delay.
type Source struct {
	q            *Queue
	inbox        chan *Lease
	kick         chan struct{}
	broken       atomic.Bool
	disconnected atomic.Bool
}

// Register enqueues a new registration for this Source and returns its lease-to-be.
func (s *Source) Register(r events.Registration) *Lease {
	s.q.mu.Lock()
	s.q.seq++
	l := &Lease{src: s, reg: r, id: s.q.seq}
	s.q.pending[l.id] = true
	s.q.mu.Unlock()
	s.inbox <- l
	return l
}

// Redeliver hands a pending registration to this Source again, as JetStream does after the
// ack wait of a silent holder.
func (s *Source) Redeliver(l *Lease) *Lease {
	again := &Lease{src: s, reg: l.reg, id: l.id}
	s.inbox <- again
	return again
}

// SetBroken makes Next fail (true), as with a deleted consumer, or work again; a Next waiting
// now notices at once.
func (s *Source) SetBroken(b bool) {
	s.broken.Store(b)
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// SetDisconnected makes settling and releasing leases fail with ErrDisconnected (true), as
// when the worker has lost its connection, or work again.
func (s *Source) SetDisconnected(d bool) { s.disconnected.Store(d) }

// Next implements poller.Source.
func (s *Source) Next(ctx context.Context) (poller.Lease, error) {
	for {
		if s.broken.Load() {
			return nil, errors.New("consumer not found")
		}
		select {
		case l := <-s.inbox:
			return l, nil
		case <-s.kick:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Held implements poller.Source.
func (s *Source) Held(_ context.Context, _ string, id uint64) (bool, error) {
	if s.disconnected.Load() {
		return false, ErrDisconnected
	}
	return s.q.Pending(id), nil
}

// Drain implements poller.Source: nothing is fetched ahead in memory.
func (s *Source) Drain(context.Context) {}

// Run implements poller.Source: leases do not run out in memory.
func (s *Source) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Lease is a poller.Lease of a Source.
type Lease struct {
	src *Source
	reg events.Registration
	id  uint64
}

// Registration implements poller.Lease.
func (l *Lease) Registration() events.Registration { return l.reg }

// ID implements poller.Lease.
func (l *Lease) ID() uint64 { return l.id }

// Abandon implements poller.Lease.
func (l *Lease) Abandon() {}

// Lost implements poller.Lease: a memory lease is never taken back (a test hands the
// registration to another Source with Redeliver instead).
func (l *Lease) Lost() bool { return false }

// Done implements poller.Lease.
func (l *Lease) Done(context.Context) error {
	if l.src.disconnected.Load() {
		return ErrDisconnected
	}
	l.src.q.mu.Lock()
	defer l.src.q.mu.Unlock()
	delete(l.src.q.pending, l.id)
	return nil
}

// Release implements poller.Lease: the registration comes back to the lease's Source after
// delay.
func (l *Lease) Release(_ context.Context, delay time.Duration) error {
	if l.src.disconnected.Load() {
		return ErrDisconnected
	}
	l.src.q.mu.Lock()
	l.src.q.released++
	l.src.q.mu.Unlock()
	again := &Lease{src: l.src, reg: l.reg, id: l.id}
	if delay <= 0 {
		l.src.inbox <- again
		return nil
	}
	time.AfterFunc(delay, func() { l.src.inbox <- again })
	return nil
}
