package poller

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/events"
)

const (
	// listAttempts is how many times one action's listing of a window is paged when it comes
	// back inconsistent (TotalCount shrank between pages, a page short, ids missing); the
	// attempts after the first end at steadyEnd.
	listAttempts = 3
	// pageTries is how many times a page whose call failed transiently (or was throttled) is
	// asked for before the listing gives up until the next interval.
	pageTries = 3
	// registerAtOnce is how many registrations of a page are published at once.
	registerAtOnce = 8
)

// errIncomplete: a listing stayed inconsistent for listAttempts attempts.
var errIncomplete = errors.New("the listing kept shrinking while it was paged, or its pages came short")

// regionListing is what the holder of a region's lease keeps between its listings. It is
// used by the region's listing goroutine; cursor is also read by its lease keeper.
type regionListing struct {
	cursor atomic.Int64 // unix nanoseconds of the latest cursor known; 0: none
	since  atomic.Int64 // unix nanoseconds of when this holder took the lease
	// seen holds the tasks this holder registered, with the number of the latest window that
	// listed each: a task listed again (windows overlap) is not published again. After a
	// complete window, those it did not list are dropped: windows only move on.
	seen   map[string]uint64
	window uint64
	// serverAt is the earliest ECS clock (TaskPage.ServerTime) of the current window's pages;
	// zero: none known. skewed: the last window found ECS's clock and this worker's apart by
	// more than maxSkew (warned once, when it starts).
	serverAt time.Time
	skew     time.Duration // this worker's clock minus ECS's, when the earliest page came back
	skewed   bool
}

// maxSkew is how far ECS's clock and the worker's may drift apart before discovery warns: half
// the overlap, which covers a worker's clock behind ECS's (and the cursor, never past ECS's
// clock, covers one ahead).
const maxSkew = discoverOverlap / 2

// noteServerTime keeps the earliest ECS clock of the window's pages, at, and how far this
// worker's clock, when the page came back (received), was ahead of it: a page that waited long
// for its tokens or its retries skews nothing.
func (st *regionListing) noteServerTime(at, received time.Time) {
	if !at.IsZero() && (st.serverAt.IsZero() || at.Before(st.serverAt)) {
		st.serverAt, st.skew = at, received.Sub(at)
	}
}

func newRegionListing() *regionListing { return &regionListing{seen: map[string]uint64{}} }

// listRegion lists the region of l at once and then every DiscoverConfig.Interval, until ctx
// ends. A listing whose pages take longer than the interval is followed by the next at once.
func (w *Worker) listRegion(ctx context.Context, l DiscoveryLease, st *regionListing, log *zap.Logger) {
	tick := time.NewTicker(w.disc.cfg.Interval)
	defer tick.Stop()
	for {
		if err := w.listWindow(ctx, l, st, log); err != nil && ctx.Err() == nil {
			w.metrics.Discovery.Errors.WithLabelValues(l.Region).Inc()
			log.Warn("listing the region's tasks failed; the next listing starts from the same cursor", zap.Error(err),
				zap.Duration("in", w.disc.cfg.Interval))
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}

// listWindow lists one window of l's region (see discoverWindow) for every action filter,
// registers every task listed, and only then moves the region's cursor to the window's end: a
// listing that fails or stays incomplete moves nothing, and the next one starts from the same
// cursor.
func (w *Worker) listWindow(ctx context.Context, l DiscoveryLease, st *regionListing, log *zap.Logger) error {
	cur, err := w.disc.store.LoadCursor(ctx, l.Region)
	if err != nil {
		return fmt.Errorf("load the cursor: %w", err)
	}
	if !cur.At.IsZero() {
		st.cursor.Store(cur.At.UnixNano())
	}
	now := time.Now()
	win := discoverWindow(cur.At, now, w.disc.cfg.Lookback)
	switch {
	case cur.Revision == 0 && st.window == 0:
		log.Info("first listing of the region: tasks created within the lookback are registered too",
			zap.Time("since", win.start), zap.Duration("lookback", w.disc.cfg.Lookback))
	case win.gap:
		w.metrics.Discovery.Gaps.WithLabelValues(l.Region).Inc()
		log.Warn("the region was not listed for longer than the lookback: tasks created between the last complete listing and the lookback were never listed",
			zap.Time("listed_until", cur.At), zap.Time("resumes_from", win.start), zap.Duration("lookback", w.disc.cfg.Lookback))
	}
	st.window++
	st.serverAt = time.Time{}
	end := win.end
	for _, action := range w.disc.cfg.filters() {
		e, err := w.listAction(ctx, l.Region, action, win.start, win.end, st)
		if err != nil {
			return err
		}
		end = minTime(end, e)
	}
	end = w.clampToServer(end, st, log)
	for id, n := range st.seen {
		if n < st.window {
			delete(st.seen, id)
		}
	}
	at, err := w.saveCursor(ctx, l, cur, end)
	if err != nil {
		return fmt.Errorf("save the cursor: %w", err)
	}
	st.cursor.Store(at.UnixNano())
	w.reportLag(l.Region, st, time.Now())
	return nil
}

// listAction pages the tasks of region with action created from start to end until a listing
// is complete (see listPass), registering what it lists as it goes, and returns the end it was
// complete to.
func (w *Worker) listAction(ctx context.Context, region, action string, start, end time.Time, st *regionListing) (time.Time, error) {
	steady := steadyEnd(start, end)
	for attempt := range listAttempts {
		if attempt > 0 {
			end = steady
		}
		complete, err := w.listPass(ctx, ListQuery{RegionID: region, Start: start, End: end, Action: action, PageSize: MaxBatch}, st)
		if err != nil {
			return time.Time{}, err
		}
		if complete {
			return end, nil
		}
		w.disc.log.Debug("the listing changed while it was paged; listing again from page 1",
			zap.String("region_id", region), zap.String("action", action), zap.Int("attempt", attempt+1))
	}
	return time.Time{}, errIncomplete
}

// listPass pages q from page 1 to the last page TotalCount calls for, registering each page's
// tasks, and reports whether the listing was complete: every task the window held when page 1
// was answered was on a page read.
//
// Tasks created while it pages only add to TotalCount: ECS lists newest first, so they come
// first and push the others to later pages, which the pass reads too, following the latest
// TotalCount (a task may be read twice, none is skipped; were ECS to list oldest first, they
// would come last, read alike). Those it does not read were created after page 1's answer,
// within the window's last minute or after it: the next window, which starts discoverOverlap
// before this one's end, lists them. So a region creating tasks without pause still gets
// complete listings up to now. What can skip a task is the listing shrinking (a task gone
// from ECS's list while paged shifts the others to earlier pages) or a page coming short:
// those make the pass incomplete, to be listed again.
func (w *Worker) listPass(ctx context.Context, q ListQuery, st *regionListing) (bool, error) {
	first, total := -1, -1
	ids := map[string]struct{}{}
	for q.PageNumber = 1; ; q.PageNumber++ {
		p, err := w.listPage(ctx, q)
		if err != nil {
			return false, err
		}
		st.noteServerTime(p.ServerTime, time.Now())
		if err := w.registerListed(ctx, q.RegionID, p.Tasks, st); err != nil {
			return false, err
		}
		for _, t := range p.Tasks {
			ids[t.TaskID] = struct{}{}
		}
		if first < 0 {
			first, total = p.TotalCount, p.TotalCount
		}
		if p.TotalCount < total {
			return false, nil // shrunk while paged
		}
		total = p.TotalCount
		switch {
		case q.PageNumber*q.PageSize >= total:
			return len(ids) >= first, nil
		case len(p.Tasks) < q.PageSize:
			return false, nil
		}
	}
}

// registerListed registers the listed tasks this holder has not registered yet (origin
// discovered), registerAtOnce at a time, and counts those the stream did not hold. A task id
// that is no valid id is skipped. It returns the first error once every publish has returned;
// the tasks stored meanwhile are remembered.
func (w *Worker) registerListed(ctx context.Context, region string, tasks []ListedTask, st *regionListing) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(registerAtOnce)
	var mu sync.Mutex
	var stored []string
	var fresh atomic.Int64
	for _, t := range tasks {
		if _, ok := st.seen[t.TaskID]; ok {
			st.seen[t.TaskID] = st.window
			continue
		}
		if err := events.ValidateIDs(region, t.TaskID); err != nil {
			w.disc.log.Warn("DescribeTasks listed a task whose id is not valid; skipped", zap.String("region_id", region), zap.Error(err))
			continue
		}
		id := t.TaskID
		g.Go(func() error {
			dup, err := w.disc.reg.Register(gctx, events.Registration{RegionID: region, TaskID: id, Origin: events.OriginDiscovered})
			if err != nil {
				return fmt.Errorf("register %s: %w", id, err)
			}
			if !dup {
				fresh.Add(1)
			}
			mu.Lock()
			stored = append(stored, id)
			mu.Unlock()
			return nil
		})
	}
	err := g.Wait()
	for _, id := range stored {
		st.seen[id] = st.window
	}
	if n := fresh.Load(); n > 0 {
		w.metrics.Discovery.Discovered.WithLabelValues(region).Add(float64(n))
		w.disc.log.Debug("registered discovered tasks", zap.String("region_id", region), zap.Int64("tasks", n))
	}
	return err
}

// saveCursor moves the cursor of l's region to end — never back: a cursor that another holder
// moved further meanwhile (a compare-and-set conflict) is kept — and returns the cursor in
// force.
func (w *Worker) saveCursor(ctx context.Context, l DiscoveryLease, cur Cursor, end time.Time) (time.Time, error) {
	for range 3 {
		if !end.After(cur.At) {
			return cur.At, nil
		}
		_, err := w.disc.store.SaveCursor(ctx, l, end, cur.Revision)
		if err == nil {
			return end, nil
		}
		if !errors.Is(err, ErrCursorConflict) {
			return time.Time{}, err
		}
		if cur, err = w.disc.store.LoadCursor(ctx, l.Region); err != nil {
			return time.Time{}, err
		}
	}
	return time.Time{}, ErrCursorConflict
}

// clampToServer returns the end a window's listing is complete to, end, but never past ECS's
// clock when it answered (st.serverAt, to the second): a worker whose clock runs ahead of ECS's
// would otherwise move the cursor past tasks ECS had not created yet, and lose those created
// in between once the skew passes the overlap. It warns once when the two clocks drift more
// than maxSkew apart (st.skew, measured as the page came back), and once when they agree again.
func (w *Worker) clampToServer(end time.Time, st *regionListing, log *zap.Logger) time.Time {
	if st.serverAt.IsZero() {
		return end
	}
	skew := st.skew // > 0: this worker's clock is ahead (the Date header is to the second)
	switch far := skew > maxSkew || skew < -maxSkew; {
	case far && !st.skewed:
		log.Warn("this worker's clock and ECS's are far apart: discovery's cursor follows ECS's clock; fix the worker's time sync (NTP)",
			zap.Duration("worker_ahead_by", skew.Round(time.Second)), zap.Time("ecs_time", st.serverAt))
	case !far && st.skewed:
		log.Info("this worker's clock and ECS's agree again", zap.Duration("worker_ahead_by", skew.Round(time.Second)))
	}
	st.skewed = skew > maxSkew || skew < -maxSkew
	return minTime(end, st.serverAt.Truncate(time.Second))
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
