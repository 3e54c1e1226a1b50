package poller

import (
	"context"
	"errors"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// The ports of discovery (see Worker.discover): where listed tasks are registered, and what
// the workers of a fleet share about each region's listing.

// Registrar stores registrations the way producers publish them: on the registrations stream,
// validated as a worker validates them, with one message id per region and task, so that a
// task registered twice within the stream's duplicate window (by a producer and by discovery,
// in either order) is stored once. Safe for concurrent use.
type Registrar interface {
	// Register returns once r is stored durably. duplicate is true when the stream already
	// held a registration of the task (within its duplicate window) and stored nothing.
	Register(ctx context.Context, r events.Registration) (duplicate bool, err error)
}

// DiscoveryLease is a worker's hold on the listing of one region: while it holds it, no other
// worker of the fleet lists the region.
type DiscoveryLease struct {
	Region   string
	Holder   string // unique per worker (and per run of it)
	Revision uint64 // the lease record's revision: the condition of the next Renew or Release
}

// Cursor is how far a region's listing is complete: every task created before At (less the
// listing's overlap, see discoverOverlap) has been registered.
type Cursor struct {
	At       time.Time
	Holder   string // the lease holder that saved it
	Revision uint64 // the condition of the next SaveCursor; 0: no cursor yet
}

// DiscoveryStore keeps what discovery shares in a fleet, per region: a lease, so that one
// worker at a time lists the region, and a cursor, so that whoever takes the lease over goes
// on from where the listing is complete. Safe for concurrent use.
//
// A lease lasts LeaseTTL from when it was taken or last renewed; once it has run out (its
// holder died, or cannot reach the store) anyone may take it. Holders renew a third of
// LeaseTTL apart, and workers without it try to take it as often, so a dead holder's region
// is taken over within LeaseTTL and a third.
type DiscoveryStore interface {
	// LeaseTTL is how long a lease lasts unless renewed (the store's setting in force).
	LeaseTTL() time.Duration
	// Acquire takes region's lease for holder; it fails with ErrDiscoveryHeld while another
	// holds it.
	Acquire(ctx context.Context, region, holder string) (DiscoveryLease, error)
	// Renew extends l by LeaseTTL from now and returns it at its new revision; it fails with
	// ErrDiscoveryLost when l is not held any more (it ran out, another holder took it, or it
	// was released).
	Renew(ctx context.Context, l DiscoveryLease) (DiscoveryLease, error)
	// Release gives l up, so that another worker can take it at once; a lease no longer held
	// is left as it is.
	Release(ctx context.Context, l DiscoveryLease) error
	// LoadCursor returns region's cursor; Revision 0 (and a zero At) when it has none.
	LoadCursor(ctx context.Context, region string) (Cursor, error)
	// SaveCursor sets the cursor of l's region to at, on condition that its revision is rev
	// (0: it has none), and returns the new revision; it fails with ErrCursorConflict
	// otherwise. Cursors never run out.
	SaveCursor(ctx context.Context, l DiscoveryLease, at time.Time, rev uint64) (uint64, error)
}

// Errors of a DiscoveryStore.
var (
	ErrDiscoveryHeld  = errors.New("another worker holds the region's discovery lease")
	ErrDiscoveryLost  = errors.New("the region's discovery lease is not held any more")
	ErrCursorConflict = errors.New("the region's discovery cursor has changed")
)
