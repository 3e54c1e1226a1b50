package poller

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Scheduler decides when each task is polled next. It is one goroutine (Run) that owns a
// heap of due times plus a map for de-duplication, as client-go's delaying queue: a key is
// in it at most once, and scheduling a key already waiting only ever moves it earlier.
// Due keys are handed out on Ready in due order. Schedule is safe for concurrent use.
type Scheduler struct {
	mu    sync.Mutex
	items dueHeap
	index map[string]*dueItem
	wake  chan struct{}
	ready chan string
}

// NewScheduler returns an empty scheduler; call Run to start it.
func NewScheduler() *Scheduler {
	return &Scheduler{index: map[string]*dueItem{}, wake: make(chan struct{}, 1), ready: make(chan string)}
}

// Ready yields keys whose time has come. A key is yielded once per Schedule.
func (s *Scheduler) Ready() <-chan string { return s.ready }

// Schedule makes key due at at. If key is already waiting for a later time, it moves earlier;
// if it is waiting for an earlier time, nothing changes.
func (s *Scheduler) Schedule(key string, at time.Time) {
	s.mu.Lock()
	if it, ok := s.index[key]; ok {
		if at.Before(it.at) {
			it.at = at
			heap.Fix(&s.items, it.pos)
		}
	} else {
		it := &dueItem{key: key, at: at}
		s.index[key] = it
		heap.Push(&s.items, it)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Len returns the number of keys waiting.
func (s *Scheduler) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// Run hands out due keys until ctx ends. It returns nil when ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
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

// pop removes and returns the earliest key if it is due; otherwise it says how long to wait.
func (s *Scheduler) pop(now time.Time) (string, time.Duration, bool) {
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
