package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.DiscoveryStore = (*DiscoveryStore)(nil)

// DiscoveryStore is poller.DiscoveryStore on JetStream KV, without an election of its own:
// a region's lease is its key in the discovery leases bucket, holding the holder's name —
// Create takes it only if it is absent, Update at the revision its holder got renews it, and
// the bucket's TTL (Assets.DiscoveryTTL) makes the key of a holder that stopped renewing
// vanish, so that the next Create succeeds. A region's cursor is its key in the cursors
// bucket (no TTL), written with compare-and-set on its revision. Safe for concurrent use.
type DiscoveryStore struct {
	leases, cursors jetstream.KeyValue
	ttl             time.Duration
	opts            options
}

// NewDiscoveryStore keeps discovery's leases and cursors in a's buckets (Setup makes them).
func NewDiscoveryStore(a Assets, opts ...Option) *DiscoveryStore {
	return &DiscoveryStore{leases: a.DiscoveryLeases, cursors: a.DiscoveryCursors, ttl: a.DiscoveryTTL, opts: applyOptions(opts)}
}

// LeaseTTL implements poller.DiscoveryStore: the leases bucket's TTL in force.
func (d *DiscoveryStore) LeaseTTL() time.Duration { return d.ttl }

// Acquire implements poller.DiscoveryStore.
func (d *DiscoveryStore) Acquire(ctx context.Context, region, holder string) (poller.DiscoveryLease, error) {
	rev, err := d.leases.Create(ctx, region, []byte(holder))
	if err == nil {
		return poller.DiscoveryLease{Region: region, Holder: holder, Revision: rev}, nil
	}
	if ctx.Err() == nil {
		// A Create applied whose answer was lost leaves the lease this holder's.
		if own, ok := d.own(ctx, region, holder); ok {
			return poller.DiscoveryLease{Region: region, Holder: holder, Revision: own}, nil
		}
	}
	if errors.Is(err, jetstream.ErrKeyExists) {
		return poller.DiscoveryLease{}, poller.ErrDiscoveryHeld
	}
	return poller.DiscoveryLease{}, d.fail(ctx, "take the discovery lease of "+region, err)
}

// Renew implements poller.DiscoveryStore.
func (d *DiscoveryStore) Renew(ctx context.Context, l poller.DiscoveryLease) (poller.DiscoveryLease, error) {
	rev, err := d.leases.Update(ctx, l.Region, []byte(l.Holder), l.Revision)
	switch {
	case err == nil:
		l.Revision = rev
		return l, nil
	case ctx.Err() != nil:
		return poller.DiscoveryLease{}, ctx.Err()
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyNotFound),
		errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyDeleted):
		if own, ok := d.own(ctx, l.Region, l.Holder); ok {
			// An earlier renewal was applied but its answer lost: the lease is still its.
			l.Revision = own
			return l, nil
		}
		return poller.DiscoveryLease{}, poller.ErrDiscoveryLost
	}
	return poller.DiscoveryLease{}, d.fail(ctx, "renew the discovery lease of "+l.Region, err)
}

// Release implements poller.DiscoveryStore: it deletes the lease at its current revision if
// it still names l's holder.
func (d *DiscoveryStore) Release(ctx context.Context, l poller.DiscoveryLease) error {
	rev, ok := d.own(ctx, l.Region, l.Holder)
	if !ok {
		return nil
	}
	err := d.leases.Delete(ctx, l.Region, jetstream.LastRevision(rev))
	if err != nil && !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return d.fail(ctx, "give the discovery lease of "+l.Region+" up", err)
	}
	return nil
}

// own returns the revision of region's lease when it names holder.
func (d *DiscoveryStore) own(ctx context.Context, region, holder string) (uint64, bool) {
	e, err := d.leases.Get(ctx, region)
	if err != nil || string(e.Value()) != holder {
		return 0, false
	}
	return e.Revision(), true
}

// cursorRecord is a region's entry in the cursors bucket.
type cursorRecord struct {
	At     time.Time `json:"at"`
	Holder string    `json:"holder,omitempty"`
}

// LoadCursor implements poller.DiscoveryStore.
func (d *DiscoveryStore) LoadCursor(ctx context.Context, region string) (poller.Cursor, error) {
	e, err := d.cursors.Get(ctx, region)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return poller.Cursor{}, nil
	}
	if err != nil {
		return poller.Cursor{}, d.fail(ctx, "read the discovery cursor of "+region, err)
	}
	var r cursorRecord
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return poller.Cursor{}, fmt.Errorf("discovery cursor of %s: %w", region, err)
	}
	return poller.Cursor{At: r.At, Holder: r.Holder, Revision: e.Revision()}, nil
}

// SaveCursor implements poller.DiscoveryStore.
func (d *DiscoveryStore) SaveCursor(ctx context.Context, l poller.DiscoveryLease, at time.Time, rev uint64) (uint64, error) {
	b, err := json.Marshal(cursorRecord{At: at.UTC(), Holder: l.Holder})
	if err != nil {
		return 0, err
	}
	var next uint64
	if rev == 0 {
		next, err = d.cursors.Create(ctx, l.Region, b)
	} else {
		next, err = d.cursors.Update(ctx, l.Region, b, rev)
	}
	switch {
	case err == nil:
		return next, nil
	case errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrKeyRevisionMismatch),
		errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return 0, poller.ErrCursorConflict
	}
	return 0, d.fail(ctx, "save the discovery cursor of "+l.Region, err)
}

// fail has missing assets recreated, and wraps err.
func (d *DiscoveryStore) fail(ctx context.Context, what string, err error) error {
	if ctx.Err() == nil {
		d.opts.heal(ctx, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
