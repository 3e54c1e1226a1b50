package porttest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// DiscoveryStore checks a poller.DiscoveryStore made fresh by newStore for each clause: a
// free lease is taken once, whoever asks next is told ErrDiscoveryHeld; its holder renews it
// and nobody else can; regions are apart; a lease given up is free at once, one given up by
// someone else is not; a lease left alone runs out (free again, its old holder's renewal
// refused with ErrDiscoveryLost, the cursor kept) — waited for on the store's clock, up to ten
// lease TTLs, so make the TTL short; a cursor starts absent and moves only by
// compare-and-set on its revision, region by region.
func DiscoveryStore(t *testing.T, newStore func(t *testing.T) poller.DiscoveryStore) {
	ctx := context.Background()
	const other = "cn-shanghai"
	at := time.Date(2026, 11, 27, 7, 50, 30, 123456789, time.UTC)
	// held is a fresh store whose region's lease holder-a holds.
	held := func(t *testing.T) (poller.DiscoveryStore, poller.DiscoveryLease) {
		t.Helper()
		s := newStore(t)
		a, err := s.Acquire(ctx, region, "holder-a")
		if err != nil {
			t.Fatalf("Acquire of a free lease: %v", err)
		}
		if a.Region != region || a.Holder != "holder-a" {
			t.Fatalf("Acquire returned %+v, want region %s holder holder-a", a, region)
		}
		return s, a
	}

	t.Run("leases last a positive TTL", func(t *testing.T) {
		if ttl := newStore(t).LeaseTTL(); ttl <= 0 {
			t.Errorf("LeaseTTL = %s, want positive", ttl)
		}
	})
	t.Run("a held lease is not taken", func(t *testing.T) {
		s, _ := held(t)
		if _, err := s.Acquire(ctx, region, "holder-b"); !errors.Is(err, poller.ErrDiscoveryHeld) {
			t.Errorf("Acquire of a held lease: %v, want ErrDiscoveryHeld", err)
		}
	})
	t.Run("its holder renews it, at a new revision; nobody else can", func(t *testing.T) {
		s, a := held(t)
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
		if _, err := s.Renew(ctx, a2); err != nil {
			t.Errorf("a second renewal: %v", err)
		}
	})
	t.Run("regions are apart", func(t *testing.T) {
		s, _ := held(t)
		if _, err := s.Acquire(ctx, other, "holder-b"); err != nil {
			t.Errorf("Acquire of another region's lease: %v", err)
		}
	})
	t.Run("a lease given up by someone else stays held", func(t *testing.T) {
		s, a := held(t)
		if err := s.Release(ctx, poller.DiscoveryLease{Region: region, Holder: "holder-b", Revision: a.Revision}); err != nil {
			t.Errorf("Release by who does not hold it: %v, want nil (nothing changes)", err)
		}
		if _, err := s.Acquire(ctx, region, "holder-c"); !errors.Is(err, poller.ErrDiscoveryHeld) {
			t.Errorf("Acquire after someone else's Release: %v, want ErrDiscoveryHeld", err)
		}
	})
	t.Run("a lease given up by its holder is free at once", func(t *testing.T) {
		s, a := held(t)
		if err := s.Release(ctx, a); err != nil {
			t.Fatalf("Release by the holder: %v", err)
		}
		if _, err := s.Acquire(ctx, region, "holder-c"); err != nil {
			t.Fatalf("Acquire right after the holder's Release: %v", err)
		}
		if _, err := s.Renew(ctx, a); !errors.Is(err, poller.ErrDiscoveryLost) {
			t.Errorf("Renew of a released lease now held by another: %v, want ErrDiscoveryLost", err)
		}
	})
	t.Run("a lease left alone runs out, and the cursor stays", func(t *testing.T) {
		s, a := held(t)
		rev, err := s.SaveCursor(ctx, a, at, 0)
		if err != nil {
			t.Fatal(err)
		}
		ttl := s.LeaseTTL()
		deadline := time.Now().Add(10 * ttl)
		for {
			_, err := s.Acquire(ctx, region, "holder-d")
			if err == nil {
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
		if _, err := s.Renew(ctx, a); !errors.Is(err, poller.ErrDiscoveryLost) {
			t.Errorf("Renew of a lease that ran out and was taken: %v, want ErrDiscoveryLost", err)
		}
		if cur, err := s.LoadCursor(ctx, region); err != nil || cur.Revision != rev || !cur.At.Equal(at) {
			t.Errorf("the cursor after its holder's lease ran out = %+v, %v; want it kept at revision %d", cur, err, rev)
		}
	})
	t.Run("a region starts without a cursor", func(t *testing.T) {
		if cur, err := newStore(t).LoadCursor(ctx, region); err != nil || cur.Revision != 0 || !cur.At.IsZero() {
			t.Errorf("LoadCursor of a region without one = %+v, %v; want none", cur, err)
		}
	})
	t.Run("a cursor moves by compare-and-set on its revision", func(t *testing.T) {
		s, a := held(t)
		if _, err := s.SaveCursor(ctx, a, at, 7); !errors.Is(err, poller.ErrCursorConflict) {
			t.Errorf("SaveCursor at a revision the cursor never had: %v, want ErrCursorConflict", err)
		}
		r1, err := s.SaveCursor(ctx, a, at, 0)
		if err != nil || r1 == 0 {
			t.Fatalf("first SaveCursor: revision %d, %v", r1, err)
		}
		if _, err := s.SaveCursor(ctx, a, at.Add(time.Minute), 0); !errors.Is(err, poller.ErrCursorConflict) {
			t.Errorf("SaveCursor as if none existed: %v, want ErrCursorConflict", err)
		}
		cur, err := s.LoadCursor(ctx, region)
		if err != nil || cur.Revision != r1 || !cur.At.Equal(at) || cur.Holder != "holder-a" {
			t.Fatalf("LoadCursor = %+v, %v; want %s at revision %d by holder-a", cur, err, at, r1)
		}
		r2, err := s.SaveCursor(ctx, a, at.Add(time.Minute), r1)
		if err != nil || r2 == r1 {
			t.Fatalf("SaveCursor at the current revision: revision %d (was %d), %v", r2, r1, err)
		}
		if _, err := s.SaveCursor(ctx, a, at.Add(2*time.Minute), r1); !errors.Is(err, poller.ErrCursorConflict) {
			t.Errorf("SaveCursor at the old revision: %v, want ErrCursorConflict", err)
		}
		if cur, _ := s.LoadCursor(ctx, region); cur.Revision != r2 || !cur.At.Equal(at.Add(time.Minute)) {
			t.Errorf("LoadCursor after a refused save = %+v, want the one at revision %d", cur, r2)
		}
	})
	t.Run("cursors of regions are apart", func(t *testing.T) {
		s, a := held(t)
		if _, err := s.SaveCursor(ctx, a, at, 0); err != nil {
			t.Fatal(err)
		}
		if cur, err := s.LoadCursor(ctx, other); err != nil || cur.Revision != 0 {
			t.Errorf("another region's cursor = %+v, %v; want none", cur, err)
		}
	})
}

// Registrar checks a poller.Registrar made fresh by newReg for each clause, with stored
// returning what its stream holds: a registration is stored with its origin and metadata; a
// task registered again within the duplicate window by the same kind of registrant (discovery
// listing it again, a producer retrying) is a duplicate and stored once; a producer's
// registration after discovery's, or discovery's after a producer's, is stored too (their
// message ids differ: the worker's record decides, and a producer's adopts a discovered
// task); an invalid registration is refused and nothing is stored.
func Registrar(t *testing.T, newReg func(t *testing.T) (reg poller.Registrar, stored func() []events.Registration)) {
	ctx := context.Background()
	found := events.Registration{RegionID: region, TaskID: "t-porttest-found", Origin: events.OriginDiscovered}
	byProducer := events.Registration{RegionID: region, TaskID: "t-porttest-found", Metadata: []byte(`{"k":"v"}`)}
	only := func(t *testing.T, stored func() []events.Registration) events.Registration {
		t.Helper()
		got := stored()
		if len(got) != 1 {
			t.Fatalf("stored %d registrations, want 1: %+v", len(got), got)
		}
		return got[0]
	}

	t.Run("a registration is stored with its origin and metadata", func(t *testing.T) {
		for _, reg := range []events.Registration{found, byProducer} {
			r, stored := newReg(t)
			if dup, err := r.Register(ctx, reg); err != nil || dup {
				t.Fatalf("first registration: duplicate %v, %v", dup, err)
			}
			if g := only(t, stored); g.Key() != reg.Key() || g.Origin.OrRegistered() != reg.Origin.OrRegistered() || string(g.Metadata) != string(reg.Metadata) {
				t.Errorf("stored %+v, want %+v", g, reg)
			}
		}
	})
	t.Run("a task registered again is a duplicate, stored once", func(t *testing.T) {
		for _, reg := range []events.Registration{found, byProducer} {
			r, stored := newReg(t)
			if _, err := r.Register(ctx, reg); err != nil {
				t.Fatal(err)
			}
			if dup, err := r.Register(ctx, reg); err != nil || !dup {
				t.Errorf("%s registered again: duplicate %v, %v; want a duplicate", reg.Origin.OrRegistered(), dup, err)
			}
			only(t, stored)
		}
	})
	t.Run("a producer's registration and discovery's are stored apart", func(t *testing.T) {
		for _, order := range [][2]events.Registration{{found, byProducer}, {byProducer, found}} {
			r, stored := newReg(t)
			if _, err := r.Register(ctx, order[0]); err != nil {
				t.Fatal(err)
			}
			if dup, err := r.Register(ctx, order[1]); err != nil || dup {
				t.Errorf("%s after %s: duplicate %v, %v; want stored", order[1].Origin.OrRegistered(), order[0].Origin.OrRegistered(), dup, err)
			}
			if got := stored(); len(got) != 2 {
				t.Errorf("stored %d registrations, want both: %+v", len(got), got)
			}
		}
	})
	t.Run("an invalid registration is refused", func(t *testing.T) {
		r, stored := newReg(t)
		for _, bad := range []events.Registration{{RegionID: region, TaskID: "bad id"}, {RegionID: region, TaskID: "t-1", Origin: "guessed"}} {
			if _, err := r.Register(ctx, bad); !errors.Is(err, events.ErrInvalidRegistration) {
				t.Errorf("registering %+v: %v, want ErrInvalidRegistration", bad, err)
			}
		}
		if got := stored(); len(got) != 0 {
			t.Errorf("stored %+v", got)
		}
	})
}
