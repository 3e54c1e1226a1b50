package poller

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// scheduler decides when each task is polled next: a heap of due times plus a map for
// de-duplication, as client-go's delaying queue: a key is in it at most once, and scheduling
// a key already waiting only ever moves it earlier. Due keys are handed out on Ready in due
// order.
//
// The heap and the maps are guarded by mu, which no method holds while it waits: Schedule and
// Done change them from any goroutine (and wake Run); Run, one goroutine, is the only one that
// waits for the earliest due time and takes due keys off the heap to hand them out. (client-go's
// queue has its goroutine own the heap, fed through a channel; with the mutex, Schedule never
// waits for Run to take a key.)
//
// A key handed out is processing until the consumer calls Done, and is never handed out
// again before that, so one key is handled by one goroutine at a time (client-go's workqueue
// keeps the same promise with its processing and dirty sets). Scheduling a processing key
// records its due time (the earliest, if scheduled several times) and it enters the heap only
// on Done. Schedule and Done are safe for concurrent use.
type scheduler struct {
	mu         sync.Mutex
	items      dueHeap
	index      map[string]*dueItem  // keys in items
	processing map[string]struct{}  // keys handed out, not Done yet; never in items
	pending    map[string]time.Time // processing keys scheduled meanwhile: earliest due time
	wake       chan struct{}
	ready      chan string
}

// newScheduler returns an empty scheduler; call Run to start it.
func newScheduler() *scheduler {
	return &scheduler{
		index: map[string]*dueItem{}, processing: map[string]struct{}{}, pending: map[string]time.Time{},
		wake: make(chan struct{}, 1), ready: make(chan string),
	}
}

// Ready yields keys whose time has come. A key is yielded once per Schedule, and not again
// until Done is called for it.
func (s *scheduler) Ready() <-chan string { return s.ready }

// Schedule makes key due at at. If key is already waiting for a later time, it moves earlier;
// if it is waiting for an earlier time, nothing changes. If key is processing, it waits for
// Done before it is due.
func (s *scheduler) Schedule(key string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.processing[key]; ok {
		if cur, ok := s.pending[key]; !ok || at.Before(cur) {
			s.pending[key] = at
		}
		return
	}
	s.push(key, at)
}

// Done says the consumer has finished with key, handed out on Ready. If key was scheduled
// meanwhile, it becomes due at the earliest time it was scheduled for.
func (s *scheduler) Done(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.processing, key)
	if at, ok := s.pending[key]; ok {
		delete(s.pending, key)
		s.push(key, at)
	}
}

// push adds key to the heap, or moves it earlier, and wakes Run. The caller holds mu.
func (s *scheduler) push(key string, at time.Time) {
	if it, ok := s.index[key]; ok {
		if !at.Before(it.at) {
			return
		}
		it.at = at
		heap.Fix(&s.items, it.pos)
	} else {
		it := &dueItem{key: key, at: at}
		s.index[key] = it
		heap.Push(&s.items, it)
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Len returns the number of keys scheduled and not handed out yet, including processing keys
// that wait for Done.
func (s *scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items) + len(s.pending)
}

// Run hands out due keys until ctx ends. It returns nil when ctx ends.
func (s *scheduler) Run(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		key, wait, ok := s.pop(time.Now())
		if ok {
			select {
			case s.ready <- key:
				continue
			case <-ctx.Done():
				return nil
			}
		}
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-s.wake:
		case <-ctx.Done():
			return nil
		}
	}
}

// pop removes the earliest key if it is due and marks it processing; otherwise it says how
// long to wait.
func (s *scheduler) pop(now time.Time) (string, time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.items) == 0 {
		return "", time.Hour, false
	}
	it := s.items[0]
	if d := it.at.Sub(now); d > 0 {
		return "", d, false
	}
	heap.Pop(&s.items)
	delete(s.index, it.key)
	s.processing[it.key] = struct{}{}
	return it.key, 0, true
}

type dueItem struct {
	key string
	at  time.Time
	pos int
}

type dueHeap []*dueItem

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].pos, h[j].pos = i, j
}
func (h *dueHeap) Push(x any) {
	it := x.(*dueItem)
	it.pos = len(*h)
	*h = append(*h, it)
}
func (h *dueHeap) Pop() any {
	old := *h
	n := len(old)
	it := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return it
}
