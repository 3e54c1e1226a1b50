package poller_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/memory"
)

// The worker's discovery on the in-memory ports, in synctest bubbles: the windows it lists,
// what it costs, what it registers, and the lease that lets one worker of a fleet list a
// region at a time.

// Each listing reaches back two minutes before the cursor the previous one left, and ends
// now; the first reaches back the lookback; the cursor moves to each window's end once it is
// listed.
func TestDiscoveryWindowsOverlapAndAdvance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		start := time.Now().UTC()
		d.start(discoverConfig())
		settle(95 * time.Second) // listings at +0, +30s, +60s, +90s
		got := d.lister.windows()
		if len(got) != 4 {
			t.Fatalf("%d listings in 95s at a 30s interval, want 4: %+v", len(got), got)
		}
		if w := got[0]; !w.Start.Equal(start.Add(-24*time.Hour)) || !w.End.Equal(start) {
			t.Errorf("first window %s to %s, want the lookback: %s to %s", w.Start, w.End, start.Add(-24*time.Hour), start)
		}
		for i := 1; i < len(got); i++ {
			end := start.Add(time.Duration(i) * 30 * time.Second)
			if w := got[i]; !w.Start.Equal(got[i-1].End.Add(-2*time.Minute)) || !w.End.Equal(end) {
				t.Errorf("window %d: %s to %s, want %s to %s", i, w.Start, w.End, got[i-1].End.Add(-2*time.Minute), end)
			}
		}
		cur, _ := d.store.LoadCursor(context.Background(), testRegion)
		if want := got[3].End; !cur.At.Equal(want) {
			t.Errorf("cursor at %s, want the last window's end %s", cur.At, want)
		}
	})
}

// A listing pages until it has TotalCount tasks, registers each once, and every one is
// tracked to its one terminal event, with origin discovered. When nothing is new, an interval
// costs one call per action filter; tasks listed again (windows overlap) are not registered
// again.
func TestDiscoveryPagesToTotalCountAndCostsOneCallPerInterval(t *testing.T) {
	for _, actions := range [][]string{nil, {poller.ActionExportImage, poller.ActionImportImage}} {
		t.Run(fmt.Sprintf("actions %v", actions), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := newDiscoveryRig(newRig(t))
				now := time.Now()
				for i := range 250 {
					id := fmt.Sprintf("t-old%03d", i)
					d.lister.add(id, now.Add(-time.Hour).Add(time.Duration(i)*time.Second))
					d.api.script(id, answers(finished(), 1)...)
				}
				for i := range 30 { // within the overlap of every window: listed again and again
					id := fmt.Sprintf("t-new%03d", i)
					d.lister.addAction(id, poller.ActionImportImage, now.Add(-time.Minute))
					d.api.script(id, answers(finished(), 1)...)
				}
				dc := discoverConfig()
				dc.Actions = actions
				w := d.start(dc)
				settle(time.Second)
				perFilter := max(1, len(actions))
				first := len(d.lister.queries())
				wantFirst := 3 + 0 // 280 tasks: 3 pages of 100
				if actions != nil {
					wantFirst = 3 + 1 // 250 exports (3 pages) and 30 imports (1)
				}
				if first != wantFirst {
					t.Errorf("the first listing made %d calls, want %d", first, wantFirst)
				}
				settle(10 * 30 * time.Second)
				calls := len(d.lister.queries()) - first
				if want := 10 * perFilter; calls != want {
					t.Errorf("10 intervals with nothing new made %d calls, want %d (one per interval and action filter)", calls, want)
				}
				if got := d.regs.Stored(); got != 280 {
					t.Errorf("%d registrations stored, want 280", got)
				}
				if got := testutil.ToFloat64(w.metrics.Discovery.Discovered.WithLabelValues(testRegion)); got != 280 {
					t.Errorf("taskpoller_discovered_total = %v, want 280", got)
				}
				if got := testutil.ToFloat64(w.metrics.Discovery.Calls.WithLabelValues(testRegion)); got != float64(first+calls) {
					t.Errorf("taskpoller_discovery_calls_total = %v, want %d", got, first+calls)
				}
				for _, id := range []string{"t-old000", "t-old249", "t-new000", "t-new029"} {
					d.checkConsistent(id)
					for _, n := range d.events(id) {
						if n.Origin != events.OriginDiscovered || n.Event().Data.Origin != events.OriginDiscovered {
							t.Errorf("%s: %s event says origin %q", id, n.Kind, n.Event().Data.Origin)
						}
					}
				}
			})
		})
	}
}

// A task created while a window is paged joins it (ECS compares minute-precise creation
// times) at the front (newest first): TotalCount grows, the later pages shift, and the pass
// reads to the new TotalCount, complete in one pass — tasks created without pause never keep
// the cursor behind. The joined task, not on a page read, is listed by the next window, which
// reaches back before the cursor.
func TestDiscoveryListingFollowsTasksCreatedWhilePaged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		time.Sleep(90 * time.Second) // 00:01:30: a window ending now reaches into this minute
		now := time.Now().UTC()
		for i := range 150 { // in every window of the test
			d.lister.add(fmt.Sprintf("t-a%03d", i), now.Add(-time.Minute))
		}
		d.api.script("t-joined", answers(finished(), 1)...)
		d.lister.setHook(func(n int, q poller.ListQuery) error {
			if n == 2 { // between pages 1 and 2 of the first pass
				d.lister.addAction("t-joined", poller.ActionExportImage, q.End)
			}
			return nil
		})
		w := d.start(discoverConfig())
		settle(time.Second)
		if got := d.lister.windows(); len(got) != 1 || !got[0].End.Equal(now) {
			t.Fatalf("passes %+v, want one, ending now (%s)", got, now)
		}
		if n := len(d.lister.queries()); n != 2 {
			t.Errorf("%d calls, want 2 pages", n)
		}
		if cur, _ := d.store.LoadCursor(context.Background(), testRegion); !cur.At.Equal(now) {
			t.Errorf("cursor at %s, want the window's end %s", cur.At, now)
		}
		if got := d.regs.Stored(); got != 150 {
			t.Errorf("%d registrations, want 150 (the task that joined came first, on a page already read)", got)
		}
		settle(30 * time.Second)
		d.checkConsistent("t-joined") // listed by the next window
		if got := testutil.ToFloat64(w.metrics.Discovery.Errors.WithLabelValues(testRegion)); got != 0 {
			t.Errorf("taskpoller_discovery_errors_total = %v, want 0", got)
		}
	})
}

// A listing that shrinks while it is paged (a task gone from ECS's list shifts the others to
// earlier pages: one may be skipped) is listed again from page 1, to a minute ECS cannot add
// to, and the cursor moves only to there. A listing that shrinks at every page never settles:
// it moves no cursor and counts an error; the next one starts from the same cursor.
func TestDiscoveryListsAgainWhenTheListingShrinks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		time.Sleep(90 * time.Second)
		now := time.Now().UTC()
		for i := range 150 {
			d.lister.add(fmt.Sprintf("t-a%03d", i), now.Add(-time.Minute))
			d.api.script(fmt.Sprintf("t-a%03d", i), answers(finished(), 1)...)
		}
		d.lister.setHook(func(n int, q poller.ListQuery) error {
			if n == 2 {
				d.lister.remove("t-a149") // the newest: on page 1, already read
			}
			return nil
		})
		w := d.start(discoverConfig())
		settle(time.Second)
		got := d.lister.windows()
		if len(got) != 2 {
			t.Fatalf("%d passes, want 2 (the second from page 1): %+v", len(got), d.lister.queries())
		}
		steady := now.Truncate(time.Minute).Add(-time.Second)
		if !got[0].End.Equal(now) || !got[1].End.Equal(steady) {
			t.Errorf("passes end at %s and %s, want %s then the minute before: %s", got[0].End, got[1].End, now, steady)
		}
		if cur, _ := d.store.LoadCursor(context.Background(), testRegion); !cur.At.Equal(steady) {
			t.Errorf("cursor at %s, want %s", cur.At, steady)
		}

		// Now it shrinks at every page: no pass is complete.
		left := 100
		d.lister.setHook(func(n int, q poller.ListQuery) error {
			if left > 0 {
				left--
				d.lister.remove(fmt.Sprintf("t-a%03d", left))
			}
			return nil
		})
		before, _ := d.store.LoadCursor(context.Background(), testRegion)
		passes := len(d.lister.windows())
		settle(30 * time.Second)
		if ws := d.lister.windows()[passes:]; len(ws) != 3 || !ws[1].End.Equal(ws[2].End) || !ws[1].End.Equal(ws[0].End.Truncate(time.Minute).Add(-time.Second)) {
			t.Errorf("an unsettled window was paged %d times, ending at %v; want 3 passes, the second and third at the minute before the first's end", len(ws), ws)
		}
		after, _ := d.store.LoadCursor(context.Background(), testRegion)
		if after.Revision != before.Revision {
			t.Errorf("a listing that never settled moved the cursor from %s to %s", before.At, after.At)
		}
		if got := testutil.ToFloat64(w.metrics.Discovery.Errors.WithLabelValues(testRegion)); got != 1 {
			t.Errorf("taskpoller_discovery_errors_total = %v, want 1", got)
		}
		d.lister.setHook(nil)
		settle(30 * time.Second)
		ws := d.lister.windows()
		if last := ws[len(ws)-1]; !last.Start.Equal(before.At.Add(-2 * time.Minute)) {
			t.Errorf("the listing after the unsettled one starts at %s, want the same cursor less 2 min: %s", last.Start, before.At.Add(-2*time.Minute))
		}
		if after, _ := d.store.LoadCursor(context.Background(), testRegion); after.Revision == before.Revision {
			t.Error("the cursor did not move once the listing settled")
		}
	})
}

// A listing that fails — a call ECS keeps failing, a registration that cannot be stored, the
// cursor that cannot be read — leaves the cursor where it was; what it registered stays
// registered, and the next interval lists the same window again.
func TestDiscoveryCursorDoesNotAdvanceOverAFailedListing(t *testing.T) {
	for _, fault := range []string{"a page fails", "registrations fail", "the store fails"} {
		t.Run(fault, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := newDiscoveryRig(newRig(t))
				now := time.Now()
				for i := range 150 {
					d.lister.add(fmt.Sprintf("t-a%03d", i), now.Add(-time.Hour))
				}
				w := d.start(discoverConfig())
				settle(time.Second)
				before, _ := d.store.LoadCursor(context.Background(), testRegion)
				if before.Revision == 0 {
					t.Fatal("the first listing saved no cursor")
				}
				for i := range 150 {
					d.lister.add(fmt.Sprintf("t-b%03d", i), time.Now().Add(10*time.Second))
				}
				var calls int
				switch fault {
				case "a page fails":
					d.lister.setHook(func(n int, q poller.ListQuery) error {
						if q.PageNumber == 2 {
							return &poller.APIError{Code: "ServiceUnavailable", StatusCode: 503}
						}
						return nil
					})
				case "registrations fail":
					d.regs.SetDown(true)
				case "the store fails":
					d.store.SetDown(true)
				}
				calls = len(d.lister.queries())
				settle(30 * time.Second)
				errs, held := testutil.ToFloat64(w.metrics.Discovery.Errors.WithLabelValues(testRegion)), testutil.ToFloat64(w.metrics.Discovery.Leases.WithLabelValues(testRegion))
				d.store.SetDown(false)
				if after, _ := d.store.LoadCursor(context.Background(), testRegion); after.Revision != before.Revision {
					t.Errorf("%s: the cursor moved from %s to %s", fault, before.At, after.At)
				}
				switch {
				case fault == "the store fails" && held != 0:
					t.Error("the lease is held though it could not be renewed for a whole TTL")
				case fault != "the store fails" && errs != 1:
					t.Errorf("taskpoller_discovery_errors_total = %v, want 1", errs)
				}
				if fault == "a page fails" {
					if n := len(d.lister.queries()) - calls; n != 1+3 {
						t.Errorf("%d calls, want 4: page 1, then page 2 three times", n)
					}
				}
				d.lister.setHook(nil)
				d.regs.SetDown(false)
				settle(30 * time.Second)
				after, _ := d.store.LoadCursor(context.Background(), testRegion)
				if after.Revision == before.Revision {
					t.Fatalf("%s: the cursor did not move once the fault was gone", fault)
				}
				ws := d.lister.windows()
				if last := ws[len(ws)-1]; !last.Start.Equal(before.At.Add(-2 * time.Minute)) {
					t.Errorf("the listing after the failed one starts at %s, want %s", last.Start, before.At.Add(-2*time.Minute))
				}
				if got := d.regs.Stored(); got != 300 {
					t.Errorf("%d registrations stored, want 300", got)
				}
			})
		})
	}
}

// The first listing of a region reaches back the lookback; one after an outage longer than
// the lookback starts there too, and says that tasks may have been missed (a warning, a
// metric); one after a shorter outage starts from the cursor, so nothing created meanwhile is
// missed — tasks that ended meanwhile included.
func TestDiscoveryLookbackAtFirstStartAndAfterAnOutage(t *testing.T) {
	for _, outage := range []time.Duration{0, 3 * time.Hour, 30 * time.Hour} {
		t.Run(fmt.Sprint(outage), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := newDiscoveryRig(newRig(t))
				time.Sleep(48 * time.Hour)
				now := time.Now().UTC()
				if outage > 0 {
					l, _ := d.store.Acquire(context.Background(), testRegion, "an earlier worker")
					if _, err := d.store.SaveCursor(context.Background(), l, now.Add(-outage), 0); err != nil {
						t.Fatal(err)
					}
					_ = d.store.Release(context.Background(), l)
				}
				// An export created an hour into the outage (or before the first start), ended
				// long before the listing.
				created := now.Add(-outage).Add(time.Hour)
				if outage == 0 {
					created = now.Add(-time.Hour)
				}
				d.lister.add("t-ended", created)
				d.api.script("t-ended", answers(finished(), 1)...)
				w := d.start(discoverConfig())
				settle(5 * time.Second)
				first := d.lister.windows()[0]
				wantStart, gap := now.Add(-outage).Add(-2*time.Minute), 0.0
				if outage == 0 || outage > 24*time.Hour {
					wantStart = now.Add(-24 * time.Hour)
				}
				if outage > 24*time.Hour {
					gap = 1
				}
				if !first.Start.Equal(wantStart) {
					t.Errorf("first listing starts at %s, want %s", first.Start, wantStart)
				}
				if got := testutil.ToFloat64(w.metrics.Discovery.Gaps.WithLabelValues(testRegion)); got != gap {
					t.Errorf("taskpoller_discovery_gaps_total = %v, want %v", got, gap)
				}
				if outage <= 24*time.Hour {
					d.checkConsistent("t-ended")
				} else if n := len(d.events("t-ended")); n != 0 {
					t.Errorf("a task created before the lookback has %d events", n)
				}
			})
		})
	}
}

// NewWorker refuses discovery it cannot do, and settings that cannot work.
func TestNewWorkerRefusesDiscoveryWithoutItsMeans(t *testing.T) {
	store, regs := memory.NewDiscovery(time.Second), memory.NewRegistrations(time.Minute).Registrar(func(events.Registration) {})
	lister := listingAPI{TaskAPI: newMemAPI(), fakeLister: &fakeLister{}}
	tests := []struct {
		name   string
		api    poller.TaskAPI
		change func(*poller.DiscoverConfig)
		store  poller.DiscoveryStore
		want   string
	}{
		{"no store", lister, nil, nil, "a DiscoveryStore and a Registrar"},
		{"no lister", newMemAPI(), nil, store, "TaskLister"},
		{"bad region", lister, func(c *poller.DiscoverConfig) { c.Regions = []string{"Hangzhou"} }, store, "not an ECS region id"},
		{"region twice", lister, func(c *poller.DiscoverConfig) { c.Regions = []string{testRegion, testRegion} }, store, "named twice"},
		{"unknown action", lister, func(c *poller.DiscoverConfig) { c.Actions = []string{"CopyImage"} }, store, "not a TaskAction"},
		{"short interval", lister, func(c *poller.DiscoverConfig) { c.Interval = 500 * time.Millisecond }, store, "at least 1s"},
		{"short lookback", lister, func(c *poller.DiscoverConfig) { c.Lookback = 30 * time.Second }, store, "longer than the discovery interval"},
		{"ok", lister, nil, store, ""},
	}
	for _, tt := range tests {
		dc := discoverConfig()
		if tt.change != nil {
			tt.change(&dc)
		}
		var r poller.Registrar
		if tt.store != nil {
			r = regs
		}
		_, err := poller.NewWorker(rigConfig(), tt.api, memory.NewJournal(), memory.NewStore(), memory.NewQueue().Source(),
			poller.WithDiscovery(dc, tt.store, r))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want one saying %q", tt.name, err, tt.want)
		}
	}
	// Without regions the option changes nothing, and no TaskLister is needed.
	if _, err := poller.NewWorker(rigConfig(), newMemAPI(), memory.NewJournal(), memory.NewStore(), memory.NewQueue().Source(),
		poller.WithDiscovery(poller.DiscoverConfig{}, nil, nil)); err != nil {
		t.Errorf("WithDiscovery without regions: %v", err)
	}
	if c := discoverConfig().WithDefaults(); c.Interval != 30*time.Second || c.Lookback != 24*time.Hour || c.Validate() != nil {
		t.Errorf("discovery defaults: interval %s, lookback %s (%v); want 30s and 24h", c.Interval, c.Lookback, c.Validate())
	}
}

// A worker whose clock runs ten minutes ahead of ECS's (far more than the overlap) loses no
// task: the cursor follows ECS's clock (the pages' ServerTime), not the worker's, so a task
// ECS creates after one listing is in the next one's window.
func TestDiscoveryCursorFollowsECSClockWhenTheWorkerIsAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		const behind = 10 * time.Minute
		d.lister.behind = behind
		ecsNow := func() time.Time { return time.Now().Add(-behind) }
		d.lister.add("t-before", ecsNow().Add(-time.Minute))
		d.api.script("t-before", answers(finished(), 1)...)
		d.start(discoverConfig())
		settle(time.Second)
		cur, _ := d.store.LoadCursor(context.Background(), testRegion)
		if want := ecsNow().Truncate(time.Second); cur.At.After(want) {
			t.Errorf("cursor at %s, past ECS's clock %s", cur.At, want)
		}
		time.Sleep(5 * time.Second)
		d.lister.add("t-after", ecsNow()) // after the first listing, in ECS's time
		d.api.script("t-after", answers(finished(), 1)...)
		settle(2 * 30 * time.Second)
		for _, id := range []string{"t-before", "t-after"} {
			d.checkConsistent(id)
		}
	})
}

// A holder whose listings never complete shows a lag growing from when it took the lease,
// though it knows no cursor: TaskpollerDiscoveryBehind can fire on a fleet that never listed a
// region to the end.
func TestDiscoveryLagGrowsWhenNoListingEverCompletes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDiscoveryRig(newRig(t))
		d.lister.setHook(func(int, poller.ListQuery) error { return errCutOff })
		w := d.start(discoverConfig())
		settle(time.Second)
		if got := testutil.ToFloat64(w.metrics.Discovery.Leases.WithLabelValues(testRegion)); got != 1 {
			t.Fatalf("taskpoller_discovery_leases = %v, want 1", got)
		}
		settle(5 * time.Minute)
		lag := testutil.ToFloat64(w.metrics.Discovery.Lag.WithLabelValues(testRegion))
		if lag < 4*60 || lag > 5*60+1 {
			t.Errorf("taskpoller_discovery_lag_seconds = %v after five minutes of failed listings, want about 300", lag)
		}
		if got := testutil.ToFloat64(w.metrics.Discovery.Errors.WithLabelValues(testRegion)); got < 9 {
			t.Errorf("taskpoller_discovery_errors_total = %v, want one per failed listing (about 10)", got)
		}
	})
}
