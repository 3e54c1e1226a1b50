package natsjs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
	"github.com/taskpoller/taskpoller/poller/porttest"
)

func TestDiscoveryStoreKeepsThePortContract(t *testing.T) {
	porttest.DiscoveryStore(t, func(t *testing.T) poller.DiscoveryStore {
		w := newWorld(t, natsjs.SetupConfig{AckWait: 2 * time.Second}) // leases of 400ms
		return natsjs.NewDiscoveryStore(w.assets)
	})
}

func TestRegistrarKeepsThePortContract(t *testing.T) {
	porttest.Registrar(t, func(t *testing.T) (poller.Registrar, func() []events.Registration) {
		w := newWorld(t, natsjs.SetupConfig{})
		return natsjs.NewRegistrar(w.js, w.subjects), func() []events.Registration {
			ctx := context.Background()
			info, err := w.assets.Registrations.Info(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var out []events.Registration
			for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
				m, err := w.assets.Registrations.GetMsg(ctx, seq)
				if err != nil {
					t.Fatal(err)
				}
				r, err := events.ParseRegistration(m.Data)
				if err != nil {
					t.Fatalf("stored registration %d: %v", seq, err)
				}
				out = append(out, r)
			}
			return out
		}
	})
}

// Setup makes discovery's buckets: the leases' TTL a fifth of the ack wait in force (so a dead
// holder's region is taken over within a third of it), the cursors' none.
func TestSetupMakesTheDiscoveryBuckets(t *testing.T) {
	js, s := serve(t)
	ctx := context.Background()
	a, err := natsjs.Setup(ctx, js, s, natsjs.SetupConfig{AckWait: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if a.DiscoveryTTL != 6*time.Second || natsjs.DiscoveryTTL(30*time.Second) != 6*time.Second {
		t.Errorf("discovery lease TTL %s, want 6s (a fifth of the 30s ack wait)", a.DiscoveryTTL)
	}
	if bound := a.DiscoveryTTL + a.DiscoveryTTL/3; bound > a.AckWait/3 {
		t.Errorf("takeover bound %s (a TTL and a third) exceeds a third of the ack wait %s", bound, a.AckWait/3)
	}
	if a.DiscoveryLeases.Bucket() != "ECS_TASKS_DISCOVERY_LEASES" || a.DiscoveryCursors.Bucket() != "ECS_TASKS_DISCOVERY_CURSORS" {
		t.Errorf("buckets %s and %s", a.DiscoveryLeases.Bucket(), a.DiscoveryCursors.Bucket())
	}
	if st, err := a.DiscoveryCursors.Status(ctx); err != nil || st.TTL() != 0 {
		t.Errorf("cursors bucket TTL %v (%v), want none: a cursor never expires", st.TTL(), err)
	}
	// A worker with a shorter ack wait keeps the fleet's (and so the leases' TTL).
	b, err := natsjs.Setup(ctx, js, s, natsjs.SetupConfig{AckWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if b.DiscoveryTTL != 6*time.Second {
		t.Errorf("discovery lease TTL after a setup with a shorter ack wait: %s, want 6s kept", b.DiscoveryTTL)
	}
	if natsjs.DiscoveryTTL(100*time.Millisecond) != 100*time.Millisecond {
		t.Error("the TTL goes below the 100ms the server takes")
	}
}

// A lease its holder stops renewing runs out by the bucket's TTL, not before: while it is
// renewed nobody else takes it; once its holder is silent, another worker trying a third of
// the TTL apart takes it, and the old holder's renewal is refused. Only the order is asserted;
// the time it took is logged.
func TestDiscoveryLeaseRunsOutByTheBucketTTL(t *testing.T) {
	w := newWorld(t, natsjs.SetupConfig{AckWait: 3 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	a, b := natsjs.NewDiscoveryStore(w.assets), natsjs.NewDiscoveryStore(w.assets)
	ttl := a.LeaseTTL()
	la, err := a.Acquire(ctx, "cn-hangzhou", "worker-a")
	if err != nil {
		t.Fatal(err)
	}
	// Renewed a third of the TTL apart for three TTLs: held throughout.
	for range 9 {
		time.Sleep(ttl / 3)
		if la, err = a.Renew(ctx, la); err != nil {
			t.Fatalf("renewal of a lease renewed in time: %v", err)
		}
		if _, err := b.Acquire(ctx, "cn-hangzhou", "worker-b"); !errors.Is(err, poller.ErrDiscoveryHeld) {
			t.Fatalf("Acquire of a lease renewed in time: %v, want ErrDiscoveryHeld", err)
		}
	}
	// worker-a dies: it renews no more.
	died := time.Now()
	tries := 0
	var lb poller.DiscoveryLease
	for {
		tries++
		if lb, err = b.Acquire(ctx, "cn-hangzhou", "worker-b"); err == nil {
			break
		}
		if !errors.Is(err, poller.ErrDiscoveryHeld) {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatal("the dead holder's lease never ran out")
		}
		time.Sleep(ttl / 3)
	}
	took := time.Since(died)
	if tries < 2 {
		t.Errorf("the lease was free at the first try after its holder's last renewal")
	}
	if _, err := a.Renew(ctx, la); !errors.Is(err, poller.ErrDiscoveryLost) {
		t.Errorf("the dead holder's renewal after the takeover: %v, want ErrDiscoveryLost", err)
	}
	if lb.Holder != "worker-b" {
		t.Errorf("lease taken over as %+v", lb)
	}
	t.Logf("lease TTL %s: taken over %s after the holder's last renewal (%d tries; bound a TTL and a third: %s; a third of the ack wait: %s)",
		ttl, took.Round(time.Millisecond), tries, ttl+ttl/3, w.assets.AckWait/3)
}
