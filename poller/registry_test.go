package poller

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/events"
)

// regLease is a Lease for registry tests: only Lost matters.
type regLease struct {
	nopDelivery
	name string
	lost bool
}

func (l *regLease) Lost() bool { return l.lost }

// regTask returns a task of region (its key region.id) not tracked yet.
func regTask(region, id string) *tracked {
	reg := events.Registration{RegionID: region, TaskID: id}
	return &tracked{key: reg.Key(), reg: reg}
}

// Every slot reserved is freed once: by untrack or drain once tracked, by giveBack otherwise;
// a second untrack, giveBack or a drain of what is gone frees nothing more. Steps are
// "reserve R", "give R", "track R T" (T is region/id#instance), "untrack T ok|no", "drain N";
// inUse is the slots held at the end, tracked the tasks.
func TestRegistrySlots(t *testing.T) {
	for _, tt := range []struct {
		name           string
		steps          []string
		inUse, tracked int
	}{
		{"untracked", []string{"reserve r", "track r a/1", "untrack a/1 ok", "untrack a/1 no"}, 0, 0},
		{"given back", []string{"reserve r", "give r", "give r"}, 0, 0},
		{"given back after track", []string{"reserve r", "track r a/1", "give r"}, 1, 1},
		{"open reservations hold slots", []string{"reserve r", "reserve s", "track r a/1"}, 2, 1},
		{"drained", []string{"reserve r", "reserve s", "reserve u", "track r a/1", "track s b/2", "drain 2"}, 1, 0},
		{"drained then untracked", []string{"reserve r", "track r a/1", "drain 1", "untrack a/1 no", "drain 0"}, 0, 0},
		{"untracked then drained", []string{"reserve r", "reserve s", "track r a/1", "track s a/2", "untrack a/1 ok", "drain 1"}, 0, 0},
		{"replaced", []string{"reserve r", "reserve s", "track r a/1#1", "track s a/1#2", "untrack a/1#1 no"}, 1, 1},
		{"replaced then untracked", []string{"reserve r", "reserve s", "track r a/1#1", "track s a/1#2", "untrack a/1#2 ok"}, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			gauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "tracked"})
			r := newRegistry(4, gauge)
			res, tasks := map[string]*reservation{}, map[string]*tracked{}
			for _, step := range tt.steps {
				f := strings.Fields(step)
				switch f[0] {
				case "reserve":
					s, ok := r.reserve(context.Background())
					if !ok {
						t.Fatalf("%s: no slot", step)
					}
					res[f[1]] = s
				case "give":
					res[f[1]].giveBack()
				case "track":
					region, id, _ := strings.Cut(f[2], "/")
					id, _, _ = strings.Cut(id, "#")
					tasks[f[2]] = regTask(region, "t-"+id)
					r.track(res[f[1]], tasks[f[2]], &regLease{name: f[2]})
				case "untrack":
					lease, ok := r.untrack(tasks[f[1]])
					if want := f[2] == "ok"; ok != want || (ok && lease.(*regLease).name != f[1]) {
						t.Fatalf("%s: untrack = %v, %v; want ok %v and its own lease", step, lease, ok, want)
					}
				case "drain":
					if got := len(r.drain()); fmt.Sprint(got) != f[1] {
						t.Fatalf("%s: drained %d", step, got)
					}
				}
			}
			if got := len(r.slots); got != tt.inUse {
				t.Errorf("slots in use %d, want %d", got, tt.inUse)
			}
			if got := r.len(); got != tt.tracked {
				t.Errorf("tracked %d, want %d", got, tt.tracked)
			}
			if got := testutil.ToFloat64(gauge); got != float64(tt.tracked) {
				t.Errorf("gauge %v, want %d", got, tt.tracked)
			}
			for _, s := range res {
				s.giveBack()
			}
			r.drain()
			if got := len(r.slots); got != 0 {
				t.Errorf("slots in use after giving every reservation back and draining: %d, want 0", got)
			}
		})
	}
}

// A full registry reserves no slot: reserve waits until ctx ends.
func TestRegistryReserveWaitsForASlot(t *testing.T) {
	r := newRegistry(1, prometheus.NewGauge(prometheus.GaugeOpts{Name: "tracked"}))
	if _, ok := r.reserve(context.Background()); !ok {
		t.Fatal("no slot in an empty registry")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, ok := r.reserve(ctx); ok {
		t.Fatal("reserved a second slot of one")
	}
}

// A reservation tracks one task: tracking on it again, or after giving it back, panics
// rather than hold a slot twice.
func TestRegistryTrackNeedsAnOpenReservation(t *testing.T) {
	for _, tt := range []struct {
		name  string
		spend func(r *registry, s *reservation)
	}{
		{"tracked", func(r *registry, s *reservation) { r.track(s, regTask("a", "t-1"), &regLease{}) }},
		{"given back", func(_ *registry, s *reservation) { s.giveBack() }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRegistry(2, prometheus.NewGauge(prometheus.GaugeOpts{Name: "tracked"}))
			s, _ := r.reserve(context.Background())
			tt.spend(r, s)
			defer func() {
				if recover() == nil {
					t.Error("track on a spent reservation did not panic")
				}
			}()
			r.track(s, regTask("a", "t-2"), &regLease{})
		})
	}
}

// A new lease of a tracked task replaces the old one everywhere the registry hands it out;
// an untracked key's lease is not swapped.
func TestRegistrySwapLease(t *testing.T) {
	r := newRegistry(2, prometheus.NewGauge(prometheus.GaugeOpts{Name: "tracked"}))
	s, _ := r.reserve(context.Background())
	task, first, second := regTask("a", "t-1"), &regLease{name: "first"}, &regLease{name: "second"}
	r.track(s, task, first)
	if old, ok := r.swapLease(task.key, second); !ok || old != first {
		t.Fatalf("swapLease = %v, %v; want the first lease", old, ok)
	}
	if got, lease := r.lookup(task.key); got != task || lease != second {
		t.Errorf("lookup = %v, %v; want the task and the second lease", got, lease)
	}
	if got := r.leaseOf(task); got != second {
		t.Errorf("leaseOf = %v, want the second lease", got)
	}
	if lease, ok := r.untrack(task); !ok || lease != second {
		t.Errorf("untrack = %v, %v; want the second lease", lease, ok)
	}
	if old, ok := r.swapLease(task.key, first); ok {
		t.Errorf("swapLease of an untracked key = %v, true", old)
	}
	if got := r.leaseOf(task); got != second {
		t.Errorf("leaseOf an untracked task = %v, want the lease it held last", got)
	}
}

// drain hands every task out with the lease it holds then, and leaves nothing behind.
func TestRegistryDrainReturnsLeases(t *testing.T) {
	r := newRegistry(3, prometheus.NewGauge(prometheus.GaugeOpts{Name: "tracked"}))
	want := map[string]Lease{}
	for _, k := range []struct{ region, id string }{{"a", "t-1"}, {"a", "t-2"}, {"b", "t-3"}} {
		s, _ := r.reserve(context.Background())
		task := regTask(k.region, k.id)
		l := &regLease{name: task.key}
		r.track(s, task, l)
		want[task.key] = l
	}
	swapped := &regLease{name: "swapped"}
	r.swapLease(regTask("a", "t-2").key, swapped)
	want[regTask("a", "t-2").key] = swapped
	got := map[string]Lease{}
	for _, h := range r.drain() {
		got[h.t.key] = h.lease
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("drained %v, want %v", got, want)
	}
	if r.len() != 0 || len(r.regions()) != 0 || r.has("a") || len(r.slots) != 0 {
		t.Errorf("after drain: %d tracked, regions %v, has a %v, %d slots", r.len(), r.regions(), r.has("a"), len(r.slots))
	}
	if task, _ := r.lookup(regTask("a", "t-1").key); task != nil {
		t.Errorf("lookup after drain found %s", task.key)
	}
}

// chunk hands out each task of the region once per turn: those whose lease was taken back to
// lost, those waiting for a read to nobody, the others with their status.
func TestRegistryChunk(t *testing.T) {
	r := newRegistry(10, prometheus.NewGauge(prometheus.GaugeOpts{Name: "tracked"}))
	for i := range 5 {
		s, _ := r.reserve(context.Background())
		task := regTask("a", fmt.Sprintf("t-%d", i))
		st := StatusProcessing
		task.status.Store(&st)
		task.waiting.Store(i == 3)
		r.track(s, task, &regLease{lost: i == 1})
	}
	s, _ := r.reserve(context.Background())
	r.track(s, regTask("b", "t-9"), &regLease{})
	var lost []string
	out, took := r.chunk(nil, "a", 5, func(key string) { lost = append(lost, key) })
	var got []string
	for _, it := range out {
		if it.status != StatusProcessing {
			t.Errorf("%s with status %q", it.t.key, it.status)
		}
		got = append(got, it.t.reg.TaskID)
	}
	if took != 5 || fmt.Sprint(got) != "[t-0 t-2 t-4]" || fmt.Sprint(lost) != "[a.t-1]" {
		t.Errorf("chunk took %d, out %v, lost %v; want 5, [t-0 t-2 t-4], [a.t-1]", took, got, lost)
	}
	if out, took := r.chunk(nil, "c", 5, nil); len(out) != 0 || took != 0 {
		t.Errorf("chunk of a region without tasks: %d, %d", len(out), took)
	}
	if got := r.regions(); fmt.Sprint(got) != "map[a:5 b:1]" {
		t.Errorf("regions %v", got)
	}
	if region, regions, ok := r.regionOf("b.t-9"); region != "b" || regions != 2 || !ok {
		t.Errorf("regionOf = %q, %d, %v", region, regions, ok)
	}
}
