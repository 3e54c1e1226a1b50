package poller_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/memory"
)

// Test doubles around the in-memory ports (package memory): a worker's own view of the shared
// journal and store that can be cut off, a store whose answers get lost, and a scripted ECS.

var errCutOff = errors.New("cut off from NATS")

// cutPub and cutStore are one worker's view of the shared journal and store: while cut is
// true every call fails, as when that worker has lost its NATS connection.
type cutPub struct {
	poller.Publisher
	cut *atomic.Bool
}

func (c cutPub) Publish(ctx context.Context, n poller.Notice, after uint64) (uint64, error) {
	if c.cut.Load() {
		return 0, errCutOff
	}
	return c.Publisher.Publish(ctx, n, after)
}

func (c cutPub) Last(ctx context.Context, region, task string) (poller.Announced, bool, error) {
	if c.cut.Load() {
		return poller.Announced{}, false, errCutOff
	}
	return c.Publisher.Last(ctx, region, task)
}

type cutStore struct {
	poller.StateStore
	cut *atomic.Bool
}

func (c cutStore) Get(ctx context.Context, key string) (poller.State, uint64, error) {
	if c.cut.Load() {
		return poller.State{}, 0, errCutOff
	}
	return c.StateStore.Get(ctx, key)
}

func (c cutStore) Create(ctx context.Context, key string, st poller.State) (uint64, error) {
	if c.cut.Load() {
		return 0, errCutOff
	}
	return c.StateStore.Create(ctx, key, st)
}

func (c cutStore) Update(ctx context.Context, key string, st poller.State, rev uint64) (uint64, error) {
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
	refuse  error // when set, every call fails with it (DescribeTasks of a batchAPI too)

	cancelErr error                  // CancelTask answers it
	cancels   map[string][]time.Time // CancelTask calls, by task
}

type memAnswer struct {
	task poller.Task
	err  error
}

func newMemAPI() *memAPI {
	return &memAPI{scripts: map[string][]memAnswer{}, funcs: map[string]func(int, time.Time) memAnswer{}, calls: map[string][]time.Time{},
		cancels: map[string][]time.Time{}}
}

// scriptFunc makes f answer every call about taskID: n counts DescribeTaskAttribute calls from
// 0, and is -1 when DescribeTasks (batchAPI) asks.
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

func (a *memAPI) DescribeTask(_ context.Context, _, taskID string) (poller.Task, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.refuse != nil {
		return poller.Task{}, a.refuse
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
		return poller.Task{}, &poller.APIError{Code: "InvalidTaskId.NotFound", StatusCode: 400}
	}
	ans := s[min(n, len(s)-1)]
	return ans.task, ans.err
}

// CancelTask implements poller.TaskCanceler: it records the call and answers cancelErr (the
// task's script goes on: the worker fails it at once anyway).
func (a *memAPI) CancelTask(_ context.Context, _, taskID string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cancels[taskID] = append(a.cancels[taskID], time.Now())
	return a.cancelErr
}

func (a *memAPI) setCancelErr(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cancelErr = err
}

func (a *memAPI) cancelTimes(taskID string) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.cancels[taskID]...)
}

func (a *memAPI) callTimes(taskID string) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.calls[taskID]...)
}

// answers builds a script: each status repeated n times, the last one for ever.
func answers(steps ...any) []memAnswer {
	var out []memAnswer
	for i := 0; i < len(steps); i += 2 {
		for range steps[i+1].(int) {
			switch v := steps[i].(type) {
			case poller.Task:
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
	*memory.Store
	loseNext atomic.Bool
}

func (l *lossyStore) Update(ctx context.Context, key string, st poller.State, rev uint64) (uint64, error) {
	r, err := l.Store.Update(ctx, key, st, rev)
	if err == nil && l.loseNext.CompareAndSwap(true, false) {
		return 0, errors.New("timeout waiting for the answer")
	}
	return r, err
}

// batchAPI is a memAPI that also answers DescribeTasks, from the same scripts (which must
// depend on time only), without counting DescribeTaskAttribute calls.
type batchAPI struct {
	*memAPI
	refuse  atomic.Value // error: DescribeTasks fails with it
	batches atomic.Int64
	checked map[string][]time.Time // when DescribeTasks asked about each task (guarded by memAPI.mu)
}

func (b *batchAPI) DescribeTasks(_ context.Context, _ string, ids []string) ([]poller.TaskStatus, error) {
	b.batches.Add(1)
	if err, _ := b.refuse.Load().(error); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.memAPI.refuse != nil {
		return nil, b.memAPI.refuse
	}
	if b.checked == nil {
		b.checked = map[string][]time.Time{}
	}
	var out []poller.TaskStatus
	for _, id := range ids {
		b.checked[id] = append(b.checked[id], time.Now())
		f, ok := b.funcs[id]
		if !ok {
			continue
		}
		ans := f(-1, time.Now())
		if ans.err != nil {
			continue
		}
		out = append(out, poller.TaskStatus{TaskID: id, Action: "ExportImage", Status: ans.task.Status, ResourceID: "m-" + id})
	}
	return out, nil
}

// checkTimes returns when DescribeTasks asked about taskID.
func (b *batchAPI) checkTimes(taskID string) []time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]time.Time(nil), b.checked[taskID]...)
}

// countingStore counts the writes (Create and Update) a worker makes.
type countingStore struct {
	poller.StateStore
	writes atomic.Int64
}

func (c *countingStore) Create(ctx context.Context, key string, st poller.State) (uint64, error) {
	c.writes.Add(1)
	return c.StateStore.Create(ctx, key, st)
}

func (c *countingStore) Update(ctx context.Context, key string, st poller.State, rev uint64) (uint64, error) {
	c.writes.Add(1)
	return c.StateStore.Update(ctx, key, st, rev)
}
