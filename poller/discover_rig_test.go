package poller_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/memory"
)

// Test doubles for discovery on the rig: an ECS that lists tasks by creation time, and the
// shared discovery store and registrations stream, which a dead worker stops reaching.

// fakeLister lists the tasks added to it as ECS's DescribeTasks does: those created from Start
// to End (both included), of Action if set, newest first, paged. It records every call; hook,
// if set, runs before each call answers (it may add tasks, or fail the call).
type fakeLister struct {
	mu    sync.Mutex
	tasks []poller.ListedTask
	calls []listCall
	hook  func(n int, q poller.ListQuery) error
	// behind, when set, is how far ECS's clock is behind the worker's: every page says so in
	// its ServerTime (else it has none).
	behind time.Duration
}

type listCall struct {
	q  poller.ListQuery
	at time.Time
}

// add makes task id (an export) created at created, unless it is there already.
func (f *fakeLister) add(id string, created time.Time) {
	f.addAction(id, poller.ActionExportImage, created)
}

func (f *fakeLister) addAction(id, action string, created time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addLocked(id, action, created)
}

func (f *fakeLister) addLocked(id, action string, created time.Time) {
	for _, t := range f.tasks {
		if t.TaskID == id {
			return
		}
	}
	f.tasks = append(f.tasks, poller.ListedTask{TaskStatus: poller.TaskStatus{TaskID: id, Action: action, Status: poller.StatusProcessing},
		CreationTime: created})
}

// remove takes task id out of the listing, as ECS forgetting an old task would.
func (f *fakeLister) remove(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tasks = slices.DeleteFunc(f.tasks, func(t poller.ListedTask) bool { return t.TaskID == id })
}

func (f *fakeLister) setHook(h func(n int, q poller.ListQuery) error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = h
}

func (f *fakeLister) ListTasks(_ context.Context, q poller.ListQuery) (poller.TaskPage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, listCall{q: q, at: time.Now()})
	if f.hook != nil {
		f.mu.Unlock()
		err := f.hook(len(f.calls), q)
		f.mu.Lock()
		if err != nil {
			return poller.TaskPage{}, err
		}
	}
	var all []poller.ListedTask
	for _, t := range f.tasks {
		if !t.CreationTime.Before(q.Start) && !t.CreationTime.After(q.End) && (q.Action == "" || t.Action == q.Action) {
			all = append(all, t)
		}
	}
	slices.SortStableFunc(all, func(a, b poller.ListedTask) int { return b.CreationTime.Compare(a.CreationTime) })
	page := poller.TaskPage{TotalCount: len(all)}
	if f.behind != 0 {
		page.ServerTime = time.Now().Add(-f.behind).UTC().Truncate(time.Second)
	}
	from := (q.PageNumber - 1) * q.PageSize
	for i := from; i < len(all) && i < from+q.PageSize; i++ {
		page.Tasks = append(page.Tasks, all[i])
	}
	return page, nil
}

// queries returns the calls made so far.
func (f *fakeLister) queries() []listCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]listCall(nil), f.calls...)
}

// listingAPI is a worker's TaskAPI that can also list tasks.
type listingAPI struct {
	poller.TaskAPI
	*fakeLister
}

// deadStore and deadRegistrar are one worker's view of the shared discovery store and
// registrations stream: once dead, every call fails, as for a worker killed or cut off.
type deadStore struct {
	poller.DiscoveryStore
	dead *atomic.Bool
}

func (d deadStore) Acquire(ctx context.Context, region, holder string) (poller.DiscoveryLease, error) {
	if d.dead.Load() {
		return poller.DiscoveryLease{}, errCutOff
	}
	return d.DiscoveryStore.Acquire(ctx, region, holder)
}

func (d deadStore) Renew(ctx context.Context, l poller.DiscoveryLease) (poller.DiscoveryLease, error) {
	if d.dead.Load() {
		return poller.DiscoveryLease{}, errCutOff
	}
	return d.DiscoveryStore.Renew(ctx, l)
}

func (d deadStore) Release(ctx context.Context, l poller.DiscoveryLease) error {
	if d.dead.Load() {
		return errCutOff
	}
	return d.DiscoveryStore.Release(ctx, l)
}

func (d deadStore) LoadCursor(ctx context.Context, region string) (poller.Cursor, error) {
	if d.dead.Load() {
		return poller.Cursor{}, errCutOff
	}
	return d.DiscoveryStore.LoadCursor(ctx, region)
}

func (d deadStore) SaveCursor(ctx context.Context, l poller.DiscoveryLease, at time.Time, rev uint64) (uint64, error) {
	if d.dead.Load() {
		return 0, errCutOff
	}
	return d.DiscoveryStore.SaveCursor(ctx, l, at, rev)
}

type deadRegistrar struct {
	poller.Registrar
	dead *atomic.Bool
}

func (d deadRegistrar) Register(ctx context.Context, r events.Registration) (bool, error) {
	if d.dead.Load() {
		return false, errCutOff
	}
	return d.Registrar.Register(ctx, r)
}

// discoveryRig is a rig whose workers discover the tasks of testRegion: they share one
// lister (ECS), one discovery store and one registrations stream, whose registrations go to
// the first live worker's source, as the workers' consumer hands them to any.
type discoveryRig struct {
	*rig
	lister *fakeLister
	store  *memory.Discovery
	regs   *memory.Registrations

	mu      sync.Mutex
	live    []*discoveryWorker
	pending []events.Registration // stored while no worker was live yet (one is starting)
}

type discoveryWorker struct {
	*rigWorker
	dead *atomic.Bool
}

// discoverTTL is the lease TTL natsjs gives discovery with the default ack wait (30s / 5).
const discoverTTL = 6 * time.Second

func newDiscoveryRig(r *rig) *discoveryRig {
	d := &discoveryRig{rig: r, lister: &fakeLister{}, store: memory.NewDiscovery(discoverTTL), regs: memory.NewRegistrations(2 * time.Minute)}
	r.wrapAPI = func(api poller.TaskAPI) poller.TaskAPI { return listingAPI{TaskAPI: api, fakeLister: d.lister} }
	return d
}

// discoverConfig discovers testRegion at the defaults.
func discoverConfig() poller.DiscoverConfig {
	return poller.DiscoverConfig{Regions: []string{testRegion}}
}

// start starts a worker of rigConfig that discovers with dc.
func (d *discoveryRig) start(dc poller.DiscoverConfig) *discoveryWorker {
	return d.startWith(rigConfig(), dc)
}

// startWith starts a worker of cfg that discovers with dc.
func (d *discoveryRig) startWith(cfg poller.Config, dc poller.DiscoverConfig) *discoveryWorker {
	dead := new(atomic.Bool)
	reg := d.regs.Registrar(func(r events.Registration) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if !d.deliverLocked(r) {
			d.pending = append(d.pending, r)
		}
	})
	saved := d.opts
	d.opts = append(slices.Clone(saved), poller.WithDiscovery(dc, deadStore{d.store, dead}, deadRegistrar{reg, dead}))
	w := &discoveryWorker{rigWorker: d.rig.start(cfg), dead: dead}
	d.opts = saved
	d.mu.Lock()
	d.live = append(d.live, w)
	pending := d.pending
	d.pending = nil
	for _, r := range pending {
		d.deliverLocked(r)
	}
	d.mu.Unlock()
	return w
}

// deliverLocked hands r to the first live worker's source, as the stream's consumer would;
// false if none is live. A worker's discovery may store a registration before start has put
// the worker in live: start delivers those once it has. Called with d.mu held.
func (d *discoveryRig) deliverLocked(r events.Registration) bool {
	for _, w := range d.live {
		if !w.dead.Load() {
			w.src.Register(r)
			return true
		}
	}
	return false
}

// kill stops w as SIGKILL would: it reaches nothing any more, so it gives nothing up.
func (w *discoveryWorker) kill() {
	w.dead.Store(true)
	w.rigWorker.kill()
}

// windows returns the windows the listing calls asked for, one per pass (the calls for page 1).
func (f *fakeLister) windows() []poller.ListQuery {
	var out []poller.ListQuery
	for _, c := range f.queries() {
		if c.q.PageNumber == 1 {
			out = append(out, c.q)
		}
	}
	return out
}
