package poller

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

// Fakes for benchmarks: they do nothing, so what is measured is the worker's own cost.
type nopAPI struct{}

func (nopAPI) DescribeTask(_ context.Context, region, id string) (Task, error) {
	return Task{TaskID: id, RegionID: region, Action: "ExportImage", Status: StatusProcessing, Process: "50%"}, nil
}

type nopPub struct{}

func (nopPub) Publish(context.Context, Notice, uint64) (uint64, error) { return 1, nil }
func (nopPub) Last(context.Context, string, string) (Announced, bool, error) {
	return Announced{}, false, nil
}

type nopStore struct{}

func (nopStore) Get(context.Context, string) (State, uint64, error)            { return State{}, 0, ErrNoState }
func (nopStore) Create(context.Context, string, State) (uint64, error)         { return 1, nil }
func (nopStore) Update(context.Context, string, State, uint64) (uint64, error) { return 2, nil }

type nopSource struct{}

func (nopSource) Next(ctx context.Context) (Lease, error)            { <-ctx.Done(); return nil, ctx.Err() }
func (nopSource) Held(context.Context, string, uint64) (bool, error) { return true, nil }
func (nopSource) Drain(context.Context)                              {}
func (nopSource) Run(ctx context.Context) error                      { <-ctx.Done(); return nil }

type nopDelivery struct {
	reg events.Registration
	seq uint64
}

func (d *nopDelivery) Registration() events.Registration            { return d.reg }
func (d *nopDelivery) ID() uint64                                   { return d.seq }
func (d *nopDelivery) Abandon()                                     {}
func (d *nopDelivery) Lost() bool                                   { return false }
func (d *nopDelivery) Done(context.Context) error                   { return nil }
func (d *nopDelivery) Release(context.Context, time.Duration) error { return nil }

func benchWorker(b *testing.B) *Worker {
	w, err := NewWorker(Config{APIQPS: 1e9, APIBurst: 1 << 30, MaxTracked: 1 << 22}, nopAPI{}, nopPub{}, nopStore{}, nopSource{})
	if err != nil {
		b.Fatal(err)
	}
	return w
}

// BenchmarkScheduler: schedule a key and take it when due, through the scheduler goroutine.
func BenchmarkScheduler(b *testing.B) {
	s := newScheduler()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	now := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Schedule(fmt.Sprint(i&1023), now)
		s.Done(<-s.Ready())
	}
	b.StopTimer()
	cancel()
	<-done
}

// BenchmarkPoll: one poll of a task whose status did not change (the common case): rate
// limit, call, classify, compare, reschedule. Reports polls per second of one goroutine.
func BenchmarkPoll(b *testing.B) {
	w := benchWorker(b)
	d := &nopDelivery{reg: events.Registration{RegionID: "cn-hangzhou", TaskID: "t-bench"}, seq: 1}
	ctx := context.Background()
	res, _ := w.tasks.reserve(ctx)
	w.track(res, d, State{RegisteredAt: time.Now()}, 1)
	w.process(ctx, d.reg.Key()) // first observation publishes; the rest do not
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.process(ctx, d.reg.Key())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "polls/s")
}

// BenchmarkTrackedMemory: heap held per tracked task (its state, backoff, scheduler entry).
func BenchmarkTrackedMemory(b *testing.B) {
	const n = 100_000
	for i := 0; i < b.N; i++ {
		w := benchWorker(b)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for j := range n {
			d := &nopDelivery{reg: events.Registration{RegionID: "cn-hangzhou", TaskID: fmt.Sprintf("t-%020d", j)}, seq: uint64(j)}
			res, _ := w.tasks.reserve(context.Background())
			w.track(res, d, State{RegisteredAt: time.Now()}, 1)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/task")
		runtime.KeepAlive(w)
	}
}
