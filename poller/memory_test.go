package poller

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// In-memory implementations of the worker's ports, for tests that run the worker's logic in a
// testing/synctest bubble: time moves only when every goroutine waits, so timing is exact.

// memJournal is a Publisher: one journal per task, positions shared by all tasks (as stream
// sequences are), publishes fenced on the task's latest position, ids de-duplicated for ever.
type memJournal struct {
	mu      sync.Mutex
	pos     uint64
	tasks   map[string][]memEvent // by events.Registration.Key
	byID    map[string]uint64
	dedup   bool                 // within the duplicate window: a known id is not stored again
	fail    func(n Notice) error // if set and non-nil for n, Publish fails before storing
	onStore func(n Notice)       // if set, called after an event is stored
}

type memEvent struct {
	pos    uint64
	notice Notice
}

func newMemJournal() *memJournal {
	return &memJournal{tasks: map[string][]memEvent{}, byID: map[string]uint64{}, dedup: true}
}

func (j *memJournal) Publish(_ context.Context, n Notice, after uint64) (uint64, error) {
	j.mu.Lock()
	if j.fail != nil {
		if err := j.fail(n); err != nil {
			j.mu.Unlock()
			return 0, err
		}
	}
	if pos, ok := j.byID[n.ID()]; ok && j.dedup {
		j.mu.Unlock()
		return pos, nil
	}
	key := events.Registration{RegionID: n.Task.RegionID, TaskID: n.Task.TaskID}.Key()
	evs := j.tasks[key]
	var last uint64
	if len(evs) > 0 {
		last = evs[len(evs)-1].pos
	}
	if last != after {
		j.mu.Unlock()
		return 0, fmt.Errorf("latest is %d, not %d: %w", last, after, ErrFenced)
	}
	j.pos++
	j.tasks[key] = append(evs, memEvent{pos: j.pos, notice: n})
	j.byID[n.ID()] = j.pos
	pos, onStore := j.pos, j.onStore
	j.mu.Unlock()
	if onStore != nil {
		onStore(n)
	}
	return pos, nil
}

func (j *memJournal) Last(_ context.Context, regionID, taskID string) (Announced, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	evs := j.tasks[events.Registration{RegionID: regionID, TaskID: taskID}.Key()]
	if len(evs) == 0 {
		return Announced{}, false, nil
	}
	e := evs[len(evs)-1]
	return Announced{Position: e.pos, ID: e.notice.ID(), Kind: e.notice.Kind, Action: e.notice.Action(),
		Status: e.notice.Task.Status, Process: e.notice.Task.Process, Ordinal: e.notice.Ordinal}, true, nil
}

// setFail and setOnStore install the hooks while workers run.
func (j *memJournal) setFail(f func(Notice) error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.fail = f
}

func (j *memJournal) setOnStore(f func(Notice)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.onStore = f
}

// setDedup turns de-duplication by id on (inside the window) or off (past it).
func (j *memJournal) setDedup(on bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.dedup = on
}

// events returns a task's stored notices in order.
func (j *memJournal) events(taskID string) []Notice {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Notice
	for _, e := range j.tasks[events.Registration{RegionID: testRegion, TaskID: taskID}.Key()] {
		out = append(out, e.notice)
	}
	return out
}

// memStore is a StateStore; values are copied through JSON, as a real store would.
type memStore struct {
	mu     sync.Mutex
	rev    uint64
	vals   map[string][]byte
	revs   map[string]uint64
	down   bool // every call fails, as when the bucket is unavailable
	writes int
}

var errStoreDown = errors.New("state store unavailable")

func newMemStore() *memStore {
	return &memStore{vals: map[string][]byte{}, revs: map[string]uint64{}}
}

func (s *memStore) setDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

func (s *memStore) Get(_ context.Context, key string) (State, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return State{}, 0, errStoreDown
	}
	b, ok := s.vals[key]
	if !ok {
		return State{}, 0, ErrNoState
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, 0, err
	}
	return st, s.revs[key], nil
}

func (s *memStore) put(key string, st State) (uint64, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	s.rev++
	s.writes++
	s.vals[key], s.revs[key] = b, s.rev
	return s.rev, nil
}

func (s *memStore) Create(_ context.Context, key string, st State) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return 0, errStoreDown
	}
	if _, ok := s.vals[key]; ok {
		return 0, ErrStateExists
	}
	return s.put(key, st)
}

func (s *memStore) Update(_ context.Context, key string, st State, rev uint64) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return 0, errStoreDown
	}
	if cur, ok := s.revs[key]; !ok || cur != rev {
		return 0, ErrStateConflict
	}
	return s.put(key, st)
}

// forget removes a key, as the bucket's TTL would.
func (s *memStore) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.vals, key)
	delete(s.revs, key)
}

// memQueue is the registrations stream: it numbers registrations and knows which are still
// pending (not acked). Each worker reads it through its own memSource.
type memQueue struct {
	mu      sync.Mutex
	seq     uint64
	pending map[uint64]bool
	naked   []uint64
	acked   []uint64
}

func newMemQueue() *memQueue { return &memQueue{pending: map[uint64]bool{}} }

// memSource is one worker's Source; the test hands it deliveries.
type memSource struct {
	q      *memQueue
	ch     chan *memLease
	broken atomic.Bool   // Next fails, as with a deleted consumer
	kick   chan struct{} // wakes a waiting Next to notice broken
}

// setBroken makes Next fail (or work again); a Next waiting now notices at once.
func (s *memSource) setBroken(b bool) {
	s.broken.Store(b)
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (q *memQueue) source() *memSource {
	return &memSource{q: q, ch: make(chan *memLease, 1024), kick: make(chan struct{}, 1)}
}

// register enqueues a new registration for this source's worker and returns its delivery,
// which fails to settle while dead is true.
func (s *memSource) register(taskID string, dead *atomic.Bool) *memLease {
	s.q.mu.Lock()
	s.q.seq++
	d := &memLease{q: s.q, reg: events.Registration{RegionID: testRegion, TaskID: taskID}, seq: s.q.seq, dead: dead}
	s.q.pending[d.seq] = true
	s.q.mu.Unlock()
	s.ch <- d
	return d
}

func (s *memSource) Next(ctx context.Context) (Lease, error) {
	for {
		if s.broken.Load() {
			return nil, errors.New("consumer not found")
		}
		select {
		case d := <-s.ch:
			return d, nil
		case <-s.kick:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *memSource) Held(_ context.Context, seq uint64) (bool, error) {
	s.q.mu.Lock()
	defer s.q.mu.Unlock()
	return s.q.pending[seq], nil
}

func (s *memSource) Drain(context.Context) {}

// Run keeps nothing alive: in memory a lease lasts until it is settled, released or abandoned.
func (s *memSource) Run(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

func (q *memQueue) isPending(seq uint64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.pending[seq]
}

func (q *memQueue) nakCount() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.naked)
}

type memLease struct {
	q    *memQueue
	reg  events.Registration
	seq  uint64
	dead *atomic.Bool // when set and true, settling fails (the worker is cut off)
}

var errCutOff = errors.New("cut off from NATS")

func (d *memLease) cut() error {
	if d.dead != nil && d.dead.Load() {
		return errCutOff
	}
	return nil
}

func (d *memLease) Registration() events.Registration { return d.reg }
func (d *memLease) ID() uint64                        { return d.seq }
func (d *memLease) Abandon()                          {}
func (d *memLease) Done(context.Context) error {
	if err := d.cut(); err != nil {
		return err
	}
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	delete(d.q.pending, d.seq)
	d.q.acked = append(d.q.acked, d.seq)
	return nil
}
func (d *memLease) Release(context.Context, time.Duration) error {
	if err := d.cut(); err != nil {
		return err
	}
	d.q.mu.Lock()
	defer d.q.mu.Unlock()
	d.q.naked = append(d.q.naked, d.seq)
	return nil
}

// cutPub and cutStore are one worker's view of the shared journal and store: while cut is
// true every call fails, as when that worker has lost its NATS connection.
type cutPub struct {
	Publisher
	cut *atomic.Bool
}

func (c cutPub) Publish(ctx context.Context, n Notice, after uint64) (uint64, error) {
	if c.cut.Load() {
		return 0, errCutOff
	}
	return c.Publisher.Publish(ctx, n, after)
}

func (c cutPub) Last(ctx context.Context, region, task string) (Announced, bool, error) {
	if c.cut.Load() {
		return Announced{}, false, errCutOff
	}
	return c.Publisher.Last(ctx, region, task)
}

type cutStore struct {
	StateStore
	cut *atomic.Bool
}

func (c cutStore) Get(ctx context.Context, key string) (State, uint64, error) {
	if c.cut.Load() {
		return State{}, 0, errCutOff
	}
	return c.StateStore.Get(ctx, key)
}

func (c cutStore) Create(ctx context.Context, key string, st State) (uint64, error) {
	if c.cut.Load() {
		return 0, errCutOff
	}
	return c.StateStore.Create(ctx, key, st)
}

func (c cutStore) Update(ctx context.Context, key string, st State, rev uint64) (uint64, error) {
	if c.cut.Load() {
		return 0, errCutOff
	}
	return c.StateStore.Update(ctx, key, st, rev)
}

// memAPI is a TaskAPI whose tasks follow a script of answers, one per call (the last one
// repeats); it records the time of every call.
type memAPI struct {
	mu      sync.Mutex
	scripts map[string][]memAnswer
	funcs   map[string]func(call int, now time.Time) memAnswer
	calls   map[string][]time.Time
	refuse  error // when set, every call fails with it
}

type memAnswer struct {
	task Task
	err  error
}

func newMemAPI() *memAPI {
	return &memAPI{scripts: map[string][]memAnswer{}, funcs: map[string]func(int, time.Time) memAnswer{}, calls: map[string][]time.Time{}}
}

// scriptFunc makes f answer every call about taskID (n counts calls from 0).
func (a *memAPI) scriptFunc(taskID string, f func(n int, now time.Time) memAnswer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.funcs[taskID] = f
}

func (a *memAPI) script(taskID string, answers ...memAnswer) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range answers {
		if answers[i].err == nil {
			t := &answers[i].task
			if t.TaskID == "" {
				t.TaskID = taskID
			}
			if t.RegionID == "" {
				t.RegionID = testRegion
			}
			if t.Action == "" {
				t.Action = "ExportImage"
			}
		}
	}
	a.scripts[taskID] = answers
}

func (a *memAPI) setRefuse(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.refuse = err
}

func (a *memAPI) DescribeTask(_ context.Context, _, taskID string) (Task, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refuse != nil {
		return Task{}, a.refuse
	}
	n := len(a.calls[taskID])
	a.calls[taskID] = append(a.calls[taskID], time.Now())
	if f, ok := a.funcs[taskID]; ok {
		ans := f(n, time.Now())
		if ans.err == nil {
			ans.task.TaskID, ans.task.RegionID, ans.task.Action = taskID, testRegion, "ExportImage"
		}
		return ans.task, ans.err
	}
	s, ok := a.scripts[taskID]
	if !ok {
		return Task{}, &APIError{Code: "InvalidTaskId.NotFound", StatusCode: 400}
	}
	ans := s[min(n, len(s)-1)]
	return ans.task, ans.err
}

func (a *memAPI) callTimes(taskID string) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.calls[taskID]...)
}

const testRegion = "cn-hangzhou"

// answers builds a script: each status repeated n times, the last one for ever.
func answers(steps ...any) []memAnswer {
	var out []memAnswer
	for i := 0; i < len(steps); i += 2 {
		for range steps[i+1].(int) {
			switch v := steps[i].(type) {
			case Task:
				out = append(out, memAnswer{task: v})
			case error:
				out = append(out, memAnswer{err: v})
			}
		}
	}
	return out
}

// lossyStore performs an Update but, once armed, reports it failed: the answer was lost.
type lossyStore struct {
	*memStore
	loseNext atomic.Bool
}

func (l *lossyStore) Update(ctx context.Context, key string, st State, rev uint64) (uint64, error) {
	r, err := l.memStore.Update(ctx, key, st, rev)
	if err == nil && l.loseNext.CompareAndSwap(true, false) {
		return 0, errors.New("timeout waiting for the answer")
	}
	return r, err
}
