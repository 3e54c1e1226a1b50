package poller_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// Discovery in a fleet, on the in-memory ports in synctest bubbles: the quota it shares, the
// lease that lets one worker list a region at a time, and tasks both registered and
// discovered.

// Listing calls take the region's DescribeTasks tokens, those the batch checker takes: at
// Config.BatchQPS, not APIQPS, and a throttled answer lowers that rate for the fleet.
func TestDiscoveryCallsShareTheDescribeTasksQuota(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		now := time.Now()
		for i := range 1000 {
			d.lister.add(fmt.Sprintf("t-a%03d", i), now.Add(-time.Hour))
		}
		throttles := &recordedCuts{}
		d.opts = append(d.opts, poller.WithThrottles(throttles))
		cfg := rigConfig()
		cfg.APIQPS, cfg.BatchQPS = 1000, 2
		d.lister.setHook(func(n int, q poller.ListQuery) error {
			if n >= 3 && n <= 17 && n%2 == 1 { // the first try of pages 3 to 10
				return &poller.APIError{Code: "Throttling.User", StatusCode: 400}
			}
			return nil
		})
		d.startWith(cfg, discoverConfig())
		settle(29 * time.Second)
		calls := d.lister.queries()
		if len(calls) != 10+8 {
			t.Fatalf("%d calls, want 18: 10 pages, 8 of them throttled once", len(calls))
		}
		if cur, _ := d.store.LoadCursor(context.Background(), testRegion); cur.Revision == 0 {
			t.Error("the listing with throttled pages asked again saved no cursor")
		}
		// 2 calls/s for the fleet: the worker takes a token of a bucket of 1 at 1/s.
		for i := 1; i < len(calls); i++ {
			if gap := calls[i].at.Sub(calls[i-1].at); gap < time.Second/2 {
				t.Errorf("calls %d and %d are %s apart: faster than the DescribeTasks quota of 2/s", i-1, i, gap)
			}
		}
		if got := throttles.cuts(poller.APIDescribeTasks); got == 0 {
			t.Error("throttled listing calls cut no DescribeTasks rate for the fleet")
		}
	})
}

// recordedCuts is a poller.Throttles that records the APIs of the cuts announced.
type recordedCuts struct {
	mu  sync.Mutex
	got []string
}

func (r *recordedCuts) Announce(api, _ string, _ float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, api)
}

func (r *recordedCuts) Run(ctx context.Context, _ func(string, string, float64)) error {
	<-ctx.Done()
	return nil
}

func (r *recordedCuts) cuts(api string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, a := range r.got {
		if a == api {
			n++
		}
	}
	return n
}

// One worker of the fleet lists a region at a time. When its holder dies, another takes the
// lease over once it has run out — within a third of the ack wait (the lease TTL is a fifth
// of it, tried a third of the TTL apart) — and lists from the cursor the dead one left; a
// task created in between still gets its one terminal event.
func TestDiscoveryLeaseIsTakenOverFromTheCursor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		a := d.start(discoverConfig())
		settle(time.Second)
		b := d.start(discoverConfig())
		settle(70 * time.Second)
		if h := d.store.Holder(testRegion); !strings.HasPrefix(h, "worker/") {
			t.Fatalf("holder %q", h)
		}
		if got := testutil.ToFloat64(a.metrics.Discovery.Leases.WithLabelValues(testRegion)) +
			testutil.ToFloat64(b.metrics.Discovery.Leases.WithLabelValues(testRegion)); got != 1 {
			t.Fatalf("%v workers hold the lease, want 1", got)
		}
		if got := testutil.ToFloat64(a.metrics.Discovery.Leases.WithLabelValues(testRegion)); got != 1 {
			t.Fatal("the first worker started does not hold the lease")
		}
		if n := len(d.lister.windows()); n != 3 {
			t.Fatalf("%d listings in 71s, want 3: only the holder lists", n)
		}
		left, _ := d.store.LoadCursor(context.Background(), testRegion)
		d.lister.add("t-between", time.Now())
		d.api.script("t-between", answers(task(poller.StatusProcessing, "50%"), 3, finished(), 1)...)
		a.kill()
		died := time.Now()
		for testutil.ToFloat64(b.metrics.Discovery.Leases.WithLabelValues(testRegion)) == 0 {
			settle(100 * time.Millisecond)
			if time.Since(died) > time.Minute {
				t.Fatal("nobody took the lease over")
			}
		}
		took := time.Since(died)
		const ackWait = 30 * time.Second
		if took > ackWait/3 || took < discoverTTL-discoverTTL/3 {
			t.Errorf("took over %s after the holder died; want after its lease ran out (%s after its last renewal) and within a third of the ack wait (%s)",
				took, discoverTTL, ackWait/3)
		}
		t.Logf("lease taken over %s after the holder died (bound %s)", took, ackWait/3)
		settle(5 * time.Second)
		ws := d.lister.windows()
		if next := ws[3]; !next.Start.Equal(left.At.Add(-2 * time.Minute)) {
			t.Errorf("the new holder lists from %s, want the cursor the dead one left less 2 min: %s", next.Start, left.At.Add(-2*time.Minute))
		}
		d.checkConsistent("t-between")
	})
}

// A task both registered by its producer and discovered is tracked once and announced once,
// whichever comes first, and also when discovery lists it after it ended.
func TestDiscoveredAndRegisteredTaskIsAnnouncedOnce(t *testing.T) {
	for _, order := range []string{"registered first", "discovered first", "registered, ended, then discovered"} {
		t.Run(order, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := newDiscoveryRig(newRig(t))
				d.api.script("t-both", answers(task(poller.StatusProcessing, "10%"), 4, finished(), 1)...)
				produce := func(w *discoveryWorker) {
					// as natsclient.Register does: through the registrations stream
					reg := d.regs.Registrar(func(r events.Registration) { w.src.Register(r) })
					if _, err := reg.Register(context.Background(), events.Registration{RegionID: testRegion, TaskID: "t-both", Metadata: []byte(`{"by":"producer"}`)}); err != nil {
						t.Fatal(err)
					}
				}
				w := d.start(discoverConfig())
				settle(time.Second)
				want := events.OriginDiscovered
				switch order {
				case "registered first":
					produce(w)
					settle(time.Second)
					d.lister.add("t-both", time.Now())
					want = events.OriginRegistered
				case "discovered first":
					d.lister.add("t-both", time.Now())
					settle(30 * time.Second)
					produce(w)
				case "registered, ended, then discovered":
					produce(w)
					settle(10 * time.Second)
					if d.terminals("t-both") != 1 {
						t.Fatalf("the registered task did not end: %v", d.history("t-both"))
					}
					d.lister.add("t-both", time.Now().Add(-10*time.Second))
					want = events.OriginRegistered
				}
				settle(3 * time.Minute) // listed again and again, past the duplicate window
				// A producer registering it long after (a retry past the window) changes nothing.
				produce(w)
				settle(time.Minute)
				d.checkConsistent("t-both")
				for _, n := range d.events("t-both") {
					if n.Origin.OrRegistered() != want {
						t.Errorf("%s event says origin %q, want %q", n.Kind, n.Origin.OrRegistered(), want)
					}
				}
				if n := w.w.Tracked(); n != 0 {
					t.Errorf("still tracks %d tasks", n)
				}
			})
		})
	}
}

// A worker whose ECS calls are refused (credentials) pauses, and gives its regions' leases up
// with its tasks, so that a worker ECS accepts lists them; it takes none while paused.
func TestPausedWorkerGivesItsDiscoveryLeasesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		refused := &poller.APIError{Code: "InvalidAccessKeyId.NotFound", StatusCode: 404}
		d.lister.setHook(func(int, poller.ListQuery) error { return refused })
		d.api.setRefuse(refused) // probes are refused too
		cfg, dc := rigConfig(), discoverConfig()
		cfg.HandBackAfter, dc.Interval = 5*time.Second, time.Second
		w := d.startWith(cfg, dc)
		settle(time.Second)
		if d.store.Holder(testRegion) == "" {
			t.Fatal("the worker took no lease")
		}
		settle(20 * time.Second)
		if h := d.store.Holder(testRegion); h != "" {
			t.Errorf("a paused worker still holds the region's lease (%s)", h)
		}
		if got := testutil.ToFloat64(w.metrics.Discovery.Leases.WithLabelValues(testRegion)); got != 0 {
			t.Errorf("taskpoller_discovery_leases = %v on a paused worker", got)
		}
		d.lister.setHook(nil)
		d.api.setRefuse(nil)
		settle(20 * time.Second) // a probe is accepted: it resumes, and takes the lease again
		if got := testutil.ToFloat64(w.metrics.Discovery.Leases.WithLabelValues(testRegion)); got != 1 {
			t.Errorf("taskpoller_discovery_leases = %v once the worker resumed, want 1", got)
		}
	})
}
