package poller

import "sync"

// regionGate bounds how many poll goroutines (Config.Concurrency in all) one region occupies
// at once, so that a region whose calls hang (each up to Config.APITimeout) cannot hold every
// poll goroutine while the other regions' tasks wait to be read: a region may hold its fair
// share, Concurrency divided among the regions with tasks (at least one). A worker tracking
// one region gives it every goroutine.
//
// A key whose region holds its share is parked, once, in the region's queue; each key of the
// region that leaves hands its place to the key at the head of the queue, which the caller
// makes due (the place is kept for it until it enters, or is passed on if its task is gone).
// Parked keys of tasks no longer tracked are passed over in the same way, so memory is bounded
// by the tracked tasks. Safe for concurrent use.
type regionGate struct {
	total int

	mu      sync.Mutex
	regions map[string]*gateRegion
	owner   map[string]string // parked or admitted key -> its region
}

type gateRegion struct {
	busy     int               // places taken, admitted keys included
	queue    []gateWaiter      // parked keys in arrival order; stale entries are skipped
	parked   map[string]uint64 // keys parked, and their entry's number
	admitted map[string]struct{}
	seq      uint64
}

type gateWaiter struct {
	key string
	seq uint64
}

func newRegionGate(total int) *regionGate {
	return &regionGate{total: max(1, total), regions: map[string]*gateRegion{}, owner: map[string]string{}}
}

// share is how many places one region may hold when regions regions have tasks.
func (g *regionGate) share(regions int) int { return max(1, g.total/max(1, regions)) }

// enter takes a place in region for key, and reports whether it did; if not, key is parked
// and handed back by a later leave or gone. regions is the number of regions with tasks.
func (g *regionGate) enter(region, key string, regions int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.regions[region]
	if r == nil {
		r = &gateRegion{parked: map[string]uint64{}, admitted: map[string]struct{}{}}
		g.regions[region] = r
	}
	if _, ok := r.admitted[key]; ok { // its place was kept for it
		delete(r.admitted, key)
		delete(g.owner, key)
		return true
	}
	if r.busy < g.share(regions) {
		if _, ok := r.parked[key]; ok {
			delete(r.parked, key) // in by itself: its queue entry is stale now
			delete(g.owner, key)
		}
		r.busy++
		return true
	}
	if _, ok := r.parked[key]; !ok {
		r.seq++
		r.parked[key] = r.seq
		r.queue = append(r.queue, gateWaiter{key: key, seq: r.seq})
		g.owner[key] = region
	}
	return false
}

// leave gives back the place of a key that entered region, and returns the parked keys it
// admits in its stead (at most the places free), for the caller to make due.
func (g *regionGate) leave(region string, regions int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.regions[region]
	if r == nil {
		return nil
	}
	r.busy--
	return g.admit(region, r, regions)
}

// gone says key was handed out while its task is no longer tracked: a place kept for it, or
// its place in a queue, goes to the next parked key of its region, which it returns.
func (g *regionGate) gone(key string, regions int) []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	region, ok := g.owner[key]
	if !ok {
		return nil
	}
	delete(g.owner, key)
	r := g.regions[region]
	if _, ok := r.admitted[key]; ok {
		delete(r.admitted, key)
		r.busy--
	}
	delete(r.parked, key)
	return g.admit(region, r, regions)
}

// admit keeps the free places of region for the keys at the head of its queue, and forgets a
// region with nothing in it. The caller holds g.mu.
func (g *regionGate) admit(region string, r *gateRegion, regions int) []string {
	var out []string
	for r.busy < g.share(regions) && len(r.queue) > 0 {
		h := r.queue[0]
		r.queue[0] = gateWaiter{}
		r.queue = r.queue[1:]
		if seq, ok := r.parked[h.key]; !ok || seq != h.seq {
			continue // stale
		}
		delete(r.parked, h.key)
		r.admitted[h.key] = struct{}{}
		r.busy++
		out = append(out, h.key)
	}
	if len(r.queue) == 0 {
		r.queue = nil
	}
	if r.busy == 0 && len(r.parked) == 0 {
		delete(g.regions, region)
	}
	return out
}
