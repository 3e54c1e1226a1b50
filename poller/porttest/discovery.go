package porttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// DiscoveryStore checks a poller.DiscoveryStore made fresh by newStore: a free lease is taken
// once, whoever asks next is told ErrDiscoveryHeld; its holder renews it and nobody else can;
// a lease given up is free at once, one given up by someone else is not; a lease left alone
// runs out (it is free again, and its old holder's renewal is refused with
// ErrDiscoveryLost) — the test waits for that on the store's clock, up to ten lease TTLs, so
// make the TTL short; a cursor starts absent and moves only by compare-and-set on its
// revision, region by region, and outlives the leases.
func DiscoveryStore(t *testing.T, newStore func(t *testing.T) poller.DiscoveryStore) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := newStore(t)
	ttl := s.LeaseTTL()
	if ttl <= 0 {
		t.Fatalf("LeaseTTL = %s, want positive", ttl)
	}
	const other = "cn-shanghai"
	a, err := s.Acquire(ctx, region, "holder-a")
	if err != nil {
		t.Fatalf("Acquire of a free lease: %v", err)
	}
	if a.Region != region || a.Holder != "holder-a" {
		t.Errorf("Acquire returned %+v, want region %s holder holder-a", a, region)
	}
	if _, err := s.Acquire(ctx, region, "holder-b"); !errors.Is(err, poller.ErrDiscoveryHeld) {
		t.Errorf("Acquire of a held lease: %v, want ErrDiscoveryHeld", err)
	}
	if _, err := s.Renew(ctx, poller.DiscoveryLease{Region: region, Holder: "holder-b", Revision: a.Revision + 1000}); !errors.Is(err, poller.ErrDiscoveryLost) {
		t.Errorf("Renew by who does not hold it: %v, want ErrDiscoveryLost", err)
	}
	a2, err := s.Renew(ctx, a)
	if err != nil {
		t.Fatalf("Renew by the holder: %v", err)
	}
	if a2.Revision == a.Revision || a2.Holder != a.Holder || a2.Region != region {
		t.Errorf("Renew returned %+v after %+v: want a new revision of the same lease", a2, a)
	}
	b, err := s.Acquire(ctx, other, "holder-b")
	if err != nil {
		t.Fatalf("Acquire of another region's lease: %v", err)
	}
	if err := s.Release(ctx, poller.DiscoveryLease{Region: region, Holder: "holder-b", Revision: a2.Revision}); err != nil {
		t.Errorf("Release by who does not hold it: %v, want nil (nothing changes)", err)
	}
	if _, err := s.Acquire(ctx, region, "holder-c"); !errors.Is(err, poller.ErrDiscoveryHeld) {
		t.Errorf("Acquire after someone else's Release: %v, want ErrDiscoveryHeld", err)
	}
	if err := s.Release(ctx, a2); err != nil {
		t.Fatalf("Release by the holder: %v", err)
	}
	c, err := s.Acquire(ctx, region, "holder-c")
	if err != nil {
		t.Fatalf("Acquire right after the holder's Release: %v", err)
	}
	if _, err := s.Renew(ctx, a2); !errors.Is(err, poller.ErrDiscoveryLost) {
		t.Errorf("Renew of a released lease now held by another: %v, want ErrDiscoveryLost", err)
	}

	// Cursors.
	if cur, err := s.LoadCursor(ctx, region); err != nil || cur.Revision != 0 || !cur.At.IsZero() {
		t.Fatalf("LoadCursor of a region without one = %+v, %v; want none", cur, err)
	}
	at := time.Date(2026, 11, 27, 7, 50, 30, 123456789, time.UTC)
	if _, err := s.SaveCursor(ctx, c, at, 7); !errors.Is(err, poller.ErrCursorConflict) {
		t.Errorf("SaveCursor at a revision the cursor never had: %v, want ErrCursorConflict", err)
	}
	r1, err := s.SaveCursor(ctx, c, at, 0)
	if err != nil || r1 == 0 {
		t.Fatalf("first SaveCursor: revision %d, %v", r1, err)
	}
	if _, err := s.SaveCursor(ctx, c, at.Add(time.Minute), 0); !errors.Is(err, poller.ErrCursorConflict) {
		t.Errorf("SaveCursor as if none existed: %v, want ErrCursorConflict", err)
	}
	cur, err := s.LoadCursor(ctx, region)
	if err != nil || cur.Revision != r1 || !cur.At.Equal(at) || cur.Holder != "holder-c" {
		t.Fatalf("LoadCursor = %+v, %v; want %s at revision %d by holder-c", cur, err, at, r1)
	}
	r2, err := s.SaveCursor(ctx, c, at.Add(time.Minute), r1)
	if err != nil || r2 == r1 {
		t.Fatalf("SaveCursor at the current revision: revision %d (was %d), %v", r2, r1, err)
	}
	if _, err := s.SaveCursor(ctx, c, at.Add(2*time.Minute), r1); !errors.Is(err, poller.ErrCursorConflict) {
		t.Errorf("SaveCursor at the old revision: %v, want ErrCursorConflict", err)
	}
	if cur, _ := s.LoadCursor(ctx, other); cur.Revision != 0 {
		t.Errorf("another region's cursor = %+v, want none", cur)
	}

	// A lease left alone runs out: its region is free, its holder's renewal refused, and the
	// cursor kept. Waited for on the store's clock, trying a third of the TTL apart.
	deadline := time.Now().Add(10 * ttl)
	var d poller.DiscoveryLease
	for {
		if d, err = s.Acquire(ctx, region, "holder-d"); err == nil {
			break
		}
		if !errors.Is(err, poller.ErrDiscoveryHeld) {
			t.Fatalf("Acquire while waiting for the lease to run out: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lease left alone is still held after %s (lease TTL %s)", 10*ttl, ttl)
		}
		time.Sleep(ttl / 3)
	}
	if d.Holder != "holder-d" {
		t.Errorf("Acquire after the lease ran out returned %+v", d)
	}
	if _, err := s.Renew(ctx, c); !errors.Is(err, poller.ErrDiscoveryLost) {
		t.Errorf("Renew of a lease that ran out and was taken: %v, want ErrDiscoveryLost", err)
	}
	if _, err := s.Acquire(ctx, other, "holder-e"); err != nil {
		t.Errorf("the other region's lease, left alone as long: %v, want it free", err)
	}
	if _, err := s.Renew(ctx, b); !errors.Is(err, poller.ErrDiscoveryLost) {
		t.Errorf("Renew of the other region's lease after it ran out: %v, want ErrDiscoveryLost", err)
	}
	if cur, err := s.LoadCursor(ctx, region); err != nil || cur.Revision != r2 || !cur.At.Equal(at.Add(time.Minute)) {
		t.Errorf("the cursor after its holder's lease ran out = %+v, %v; want it kept at revision %d", cur, err, r2)
	}
}

// Registrar checks a poller.Registrar made fresh by newReg, with stored returning what its
// stream holds: a registration is stored once whoever registers it and however often within
// the duplicate window, with its origin and metadata; an invalid one is refused and nothing
// is stored.
func Registrar(t *testing.T, newReg func(t *testing.T) (reg poller.Registrar, stored func() []events.Registration)) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, stored := newReg(t)
	found := events.Registration{RegionID: region, TaskID: "t-porttest-found", Origin: events.OriginDiscovered}
	if dup, err := r.Register(ctx, found); err != nil || dup {
		t.Fatalf("first registration: duplicate %v, %v", dup, err)
	}
	// The producer's registration of the same task comes after: the first one is kept.
	if dup, err := r.Register(ctx, events.Registration{RegionID: region, TaskID: found.TaskID, Metadata: []byte(`{"k":"v"}`)}); err != nil || !dup {
		t.Errorf("the same task registered again: duplicate %v, %v; want a duplicate", dup, err)
	}
	prod := events.Registration{RegionID: region, TaskID: "t-porttest-registered", Metadata: []byte(`{"k":"v"}`)}
	if dup, err := r.Register(ctx, prod); err != nil || dup {
		t.Errorf("another task: duplicate %v, %v", dup, err)
	}
	if _, err := r.Register(ctx, events.Registration{RegionID: region, TaskID: "bad id"}); !errors.Is(err, events.ErrInvalidRegistration) {
		t.Errorf("an invalid registration: %v, want ErrInvalidRegistration", err)
	}
	got := stored()
	if len(got) != 2 {
		t.Fatalf("stored %d registrations, want 2: %+v", len(got), got)
	}
	byKey := map[string]events.Registration{}
	for _, g := range got {
		byKey[g.Key()] = g
	}
	if g := byKey[found.Key()]; g.Origin != events.OriginDiscovered || g.Metadata != nil {
		t.Errorf("the discovered task was stored as %+v, want origin discovered, no metadata", g)
	}
	if g := byKey[prod.Key()]; g.Origin.OrRegistered() != events.OriginRegistered || string(g.Metadata) != `{"k":"v"}` {
		t.Errorf("the producer's task was stored as %+v, want origin registered, its metadata", g)
	}
}
