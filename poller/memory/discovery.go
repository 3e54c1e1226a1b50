package memory

import (
	"context"
	"sync"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.DiscoveryStore = (*Discovery)(nil)

// Discovery is a poller.DiscoveryStore: a lease and a cursor per region. A lease runs out
// TTL after it was taken or last renewed, on the clock (time.Now: a synctest bubble's clock
// in tests), as a JetStream bucket's TTL lets a key expire.
type Discovery struct {
	ttl time.Duration

	mu      sync.Mutex
	rev     uint64
	leases  map[string]discoveryLease
	cursors map[string]poller.Cursor
	down    bool
}

type discoveryLease struct {
	holder  string
	expires time.Time
}

// NewDiscovery returns a store without leases or cursors whose leases last ttl.
func NewDiscovery(ttl time.Duration) *Discovery {
	return &Discovery{ttl: ttl, leases: map[string]discoveryLease{}, cursors: map[string]poller.Cursor{}}
}

// SetDown makes every call fail with ErrDown (true), or work again (false).
func (d *Discovery) SetDown(down bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = down
}

// Holder returns who holds region's lease now ("" when nobody does).
func (d *Discovery) Holder(region string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	l, ok := d.live(region)
	if !ok {
		return ""
	}
	return l.holder
}

// LeaseTTL implements poller.DiscoveryStore.
func (d *Discovery) LeaseTTL() time.Duration { return d.ttl }

// live returns region's lease if it has not run out. The caller holds d.mu.
func (d *Discovery) live(region string) (discoveryLease, bool) {
	l, ok := d.leases[region]
	if !ok || !time.Now().Before(l.expires) {
		return discoveryLease{}, false
	}
	return l, true
}

// Acquire implements poller.DiscoveryStore.
func (d *Discovery) Acquire(_ context.Context, region, holder string) (poller.DiscoveryLease, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		return poller.DiscoveryLease{}, ErrDown
	}
	if _, ok := d.live(region); ok {
		return poller.DiscoveryLease{}, poller.ErrDiscoveryHeld
	}
	return d.put(region, holder), nil
}

// Renew implements poller.DiscoveryStore.
func (d *Discovery) Renew(_ context.Context, l poller.DiscoveryLease) (poller.DiscoveryLease, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		return poller.DiscoveryLease{}, ErrDown
	}
	// The holder, not the revision, says whose it is: a renewal whose answer was lost left
	// the holder an older revision (as natsjs finds its own lease after such a renewal).
	if cur, ok := d.live(l.Region); !ok || cur.holder != l.Holder {
		return poller.DiscoveryLease{}, poller.ErrDiscoveryLost
	}
	return d.put(l.Region, l.Holder), nil
}

// Release implements poller.DiscoveryStore.
func (d *Discovery) Release(_ context.Context, l poller.DiscoveryLease) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		return ErrDown
	}
	if cur, ok := d.live(l.Region); ok && cur.holder == l.Holder {
		delete(d.leases, l.Region)
	}
	return nil
}

func (d *Discovery) put(region, holder string) poller.DiscoveryLease {
	d.rev++
	d.leases[region] = discoveryLease{holder: holder, expires: time.Now().Add(d.ttl)}
	return poller.DiscoveryLease{Region: region, Holder: holder, Revision: d.rev}
}

// LoadCursor implements poller.DiscoveryStore.
func (d *Discovery) LoadCursor(_ context.Context, region string) (poller.Cursor, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		return poller.Cursor{}, ErrDown
	}
	return d.cursors[region], nil
}

// SaveCursor implements poller.DiscoveryStore.
func (d *Discovery) SaveCursor(_ context.Context, l poller.DiscoveryLease, at time.Time, rev uint64) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.down {
		return 0, ErrDown
	}
	if d.cursors[l.Region].Revision != rev {
		return 0, poller.ErrCursorConflict
	}
	d.rev++
	d.cursors[l.Region] = poller.Cursor{At: at.UTC(), Holder: l.Holder, Revision: d.rev}
	return d.rev, nil
}
