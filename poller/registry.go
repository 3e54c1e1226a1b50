package poller

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// registry holds the tasks a worker tracks: each under its key with the lease it holds, in
// its region's ring for the batch checker (ring.go), and on one of MaxTracked slots. Safe for
// concurrent use: its maps, its rings and each tracked task's heldByRegistry part are guarded
// by mu, which only its methods take; no other code touches them.
//
// Slots: intake reserves one before each Source.Next (reserve), so that the worker never holds
// more than MaxTracked leases. The reservation is then either tracked (track), and the
// registry frees the slot when the task is untracked or drained, or given back (giveBack)
// when the claim tracks nothing. Every slot reserved is thus freed once, by the registry.
type registry struct {
	slots chan struct{} // one per reservation not freed yet, MaxTracked in all
	size  prometheus.Gauge

	mu    sync.Mutex
	tasks map[string]*tracked
	rings map[string]*ring // the tracked tasks by region, for the batch checker
}

// newRegistry returns an empty registry of max slots that shows how many tasks it tracks in
// size.
func newRegistry(max int, size prometheus.Gauge) *registry {
	return &registry{slots: make(chan struct{}, max), size: size, tasks: map[string]*tracked{}, rings: map[string]*ring{}}
}

// A reservation is one slot reserved for a registration being claimed. It ends once: tracked
// (registry.track; the registry frees the slot when it stops tracking the task) or given back
// (giveBack). Used by one goroutine at a time (intake, then the claim it starts).
type reservation struct {
	r    *registry
	open bool // neither tracked nor given back yet
}

// reserve takes a free slot, waiting for one; it returns false when ctx ended first.
func (r *registry) reserve(ctx context.Context) (*reservation, bool) {
	select {
	case r.slots <- struct{}{}:
		return &reservation{r: r, open: true}, true
	case <-ctx.Done():
		return nil, false
	}
}

// giveBack frees the slot of a reservation that tracks nothing. After track, or a first
// giveBack, it does nothing.
func (s *reservation) giveBack() {
	if s.open {
		s.open = false
		<-s.r.slots
	}
}

// track holds t, with lease, on the slot res reserved (res must be open; it ends). A task
// tracked under t.key already is replaced: it leaves its ring, and its slot is freed.
func (r *registry) track(res *reservation, t *tracked, lease Lease) {
	if !res.open || res.r != r {
		panic("poller: registry.track without an open reservation")
	}
	res.open = false
	r.mu.Lock()
	defer r.mu.Unlock()
	if old := r.tasks[t.key]; old != nil {
		r.ringOf(old.reg.RegionID).remove(old) // never left behind in a ring (intake claims a tracked key at most once)
		<-r.slots                              // nor on a slot: untrack and drain no longer see it
	}
	t.lease = lease
	r.tasks[t.key] = t
	r.ringOf(t.reg.RegionID).add(t)
	r.size.Set(float64(len(r.tasks)))
}

// ringOf returns region's ring, made when missing. The caller holds r.mu.
func (r *registry) ringOf(region string) *ring {
	g := r.rings[region]
	if g == nil {
		g = &ring{}
		r.rings[region] = g
	}
	return g
}

// untrack stops tracking t and frees its slot, and returns the lease it held; ok is false,
// and nothing changes, when t is not the task tracked under its key (untracked or drained
// meanwhile).
func (r *registry) untrack(t *tracked) (lease Lease, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.tasks[t.key] != t {
		r.size.Set(float64(len(r.tasks)))
		return nil, false
	}
	delete(r.tasks, t.key)
	if g := r.rings[t.reg.RegionID]; g != nil {
		g.remove(t)
		if g.len() == 0 {
			delete(r.rings, t.reg.RegionID)
		}
	}
	<-r.slots
	r.size.Set(float64(len(r.tasks)))
	return t.lease, true
}

// lookup returns the task tracked under key and its lease, read together; nil when none.
func (r *registry) lookup(key string) (*tracked, Lease) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tasks[key]
	if t == nil {
		return nil, nil
	}
	return t, t.lease
}

// leaseOf returns the lease t holds, or held last if it is tracked no more.
func (r *registry) leaseOf(t *tracked) Lease {
	r.mu.Lock()
	defer r.mu.Unlock()
	return t.lease
}

// swapLease gives the task tracked under key a new lease (it was leased again while tracked,
// or a producer's registration adopted it) and returns the one it replaces; the task's events
// describe the new lease's registration from now on (tracked.registration). ok is false, and
// nothing changes, when key is not tracked.
func (r *registry) swapLease(key string, lease Lease) (old Lease, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tasks[key]
	if t == nil {
		return nil, false
	}
	old, t.lease = t.lease, lease
	if reg, cur := lease.Registration(), t.registration(); reg.Origin != cur.Origin || string(reg.Metadata) != string(cur.Metadata) ||
		reg.TraceParent != cur.TraceParent || reg.TraceState != cur.TraceState {
		t.adopted.Store(&reg)
	}
	return old, true
}

// heldTask is a task and the lease it held when it was drained.
type heldTask struct {
	t     *tracked
	lease Lease
}

// drain stops tracking every task, frees their slots, and returns them with their leases.
func (r *registry) drain() []heldTask {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]heldTask, 0, len(r.tasks))
	for _, t := range r.tasks {
		out = append(out, heldTask{t: t, lease: t.lease})
		<-r.slots
	}
	r.tasks, r.rings = map[string]*tracked{}, map[string]*ring{}
	r.size.Set(0)
	return out
}

// chunk goes on round region's ring for at most n tasks, until out holds MaxBatch, and returns
// out and how many tasks it went past. Each task goes into out with its last seen status,
// except that one whose lease was taken back is handed to lost instead (called with r.mu
// held: it must not call r), and one waiting for its read is left out (the read will see its
// latest status).
func (r *registry) chunk(out []batchItem, region string, n int, lost func(key string)) ([]batchItem, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	g := r.rings[region]
	if g == nil {
		return out, 0
	}
	took := 0
	for ; took < min(n, g.len()) && len(out) < MaxBatch; took++ {
		t := g.take()
		switch {
		case t.lease.Lost():
			lost(t.key)
		case t.waiting.Load():
			// its read is on the way and will see the latest status
		default:
			out = append(out, batchItem{t: t, status: t.knownStatus()})
		}
	}
	return out, took
}

// len returns the number of tasks tracked.
func (r *registry) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tasks)
}

// regionOf returns the region of key's task and how many regions have tasks; ok is false when
// key is not tracked.
func (r *registry) regionOf(key string) (region string, regions int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tasks[key]
	if t == nil {
		return "", len(r.rings), false
	}
	return t.reg.RegionID, len(r.rings), true
}

// regions returns how many tasks each region with tasks has.
func (r *registry) regions() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.rings))
	for region, g := range r.rings {
		out[region] = g.len()
	}
	return out
}

// has reports whether a task of region is tracked.
func (r *registry) has(region string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rings[region] != nil
}
