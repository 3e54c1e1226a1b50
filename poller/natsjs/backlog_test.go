package natsjs_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// registerMany publishes n registrations of tasks prefix0..prefix(n-1), each with metadata
// of about metaBytes, and waits until the tasks bucket has recorded them all.
func registerMany(t testing.TB, w *world, prefix string, n, metaBytes int) []string {
	t.Helper()
	ctx := context.Background()
	meta := []byte(`{"pad":"` + strings.Repeat("x", max(0, metaBytes-10)) + `"}`)
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("%s%d", prefix, i)
		b, err := events.Registration{RegionID: "cn-hangzhou", TaskID: ids[i], Metadata: meta}.Payload()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.js.PublishAsync(w.subjects.Registered(), b); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-w.js.PublishAsyncComplete():
	case <-time.After(30 * time.Second):
		t.Fatal("registrations not all published")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := w.assets.Tasks.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Values() >= uint64(n) {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("tasks bucket holds %d records, want %d", st.Values(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func nextWithin(t testing.TB, src *natsjs.Source, d time.Duration) poller.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		l, err := src.Next(ctx)
		if err == nil {
			return l
		}
		if ctx.Err() != nil {
			t.Fatalf("Next: %v", err)
		}
		// A failure the Source reports (its consumer missed heartbeats on a loaded machine,
		// say): the worker warns and calls Next again, and so does this.
		t.Logf("Next: %v; again", err)
	}
}

// A Source told its capacity keeps in memory at most that many leases plus its batch,
// whatever the backlog: the rest waits in the tasks bucket and is read as leases are given
// back. Here a worker with room for 10 works through 400 registrations of 7 KB each, never
// holding more than 10 + 8 leases.
func TestSourceKeepsTheBacklogOutOfMemory(t *testing.T) {
	const capacity, batch, n = 10, 8, 400
	w := newWorld(t, natsjs.SetupConfig{AckWait: 3 * time.Second})
	src := natsjs.NewSource(w.assets, natsjs.NewPublisher(w.js, w.subjects), zap.NewNop(), batch)
	src.SetCapacity(capacity)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = src.Run(ctx) }()
	defer func() { cancel(); <-done }()

	start := time.Now()
	registerMany(t, w, "t-backlog", n, 7<<10)
	t.Logf("registered in %s", time.Since(start))
	var out []poller.Lease
	for range capacity {
		out = append(out, nextWithin(t, src, 20*time.Second))
	}
	seen := map[string]bool{}
	peak := 0
	for len(seen) < n {
		peak = max(peak, src.Leases())
		if got := src.Leases(); got > capacity+batch {
			t.Fatalf("the source holds %d leases with %d handed out, want at most %d", got, len(out), capacity+batch)
		}
		l := out[0]
		out = out[1:]
		seen[l.Registration().TaskID] = true
		if err := l.Done(ctx); err != nil {
			t.Fatal(err)
		}
		if len(seen)+len(out) < n {
			out = append(out, nextWithin(t, src, 20*time.Second))
		}
	}
	t.Logf("%d registrations of 7 KB, capacity %d: at most %d leases held", n, capacity, peak)
}

// A full worker (at its capacity, with tasks waiting in its partitions) gives up the
// partitions in which it tracks nothing, and a worker with room takes them and their
// tasks; the full worker keeps the partitions of the tasks it tracks, none of which is
// handed back.
func TestFullWorkerLetsOthersTakeItsWaitingTasks(t *testing.T) {
	const capacity, n = 5, 200
	w := newWorld(t, natsjs.SetupConfig{AckWait: 3 * time.Second})
	a := join(t, w, "a")
	a.src.SetCapacity(capacity)
	waitHeld(t, "alone", map[*member]int{a: natsjs.Partitions})
	b := join(t, w, "b")
	waitHeld(t, "after b joined", map[*member]int{a: natsjs.Partitions / 2, b: natsjs.Partitions / 2})

	registerMany(t, w, "t-full", n, 0)
	var tracked []poller.Lease // A tracks these and never ends them
	kept := map[int]bool{}
	for range capacity {
		l := nextWithin(t, a.src, 20*time.Second)
		tracked = append(tracked, l)
		kept[natsjs.PartitionOf(l.Registration().Key())] = true
	}
	// Every task outside the partitions of A's tracked tasks reaches B.
	want := map[string]bool{}
	for i := range n {
		reg := events.Registration{RegionID: "cn-hangzhou", TaskID: fmt.Sprintf("t-full%d", i)}
		if !kept[natsjs.PartitionOf(reg.Key())] {
			want[reg.TaskID] = true
		}
	}
	for len(want) > 0 {
		l := nextWithin(t, b.src, 30*time.Second)
		id := l.Registration().TaskID
		if !want[id] {
			t.Errorf("B was handed %s, in a partition of a task A tracks, or twice", id)
		}
		delete(want, id)
		if err := l.Done(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range tracked {
		if l.Lost() {
			t.Errorf("A's tracked task %s was handed back", l.Registration().TaskID)
		}
	}
	if got := a.src.Partitions(); got != len(kept) {
		t.Errorf("A holds %d partitions, want %d: those of its tracked tasks", got, len(kept))
	}
	if !a.src.Full() {
		t.Errorf("A is not full")
	}
}

// TestBacklogHeap measures the heap in use while 3,000 registrations of 7 KB wait for a
// worker with room for 10 (the case: 3,000 leases, about 21 MiB, before). The heap is
// the process's, less what the embedded NATS server holds (its caches of the streams);
// leases is what the Source holds.
// It runs with TASKPOLLER_MEASURE=1:
//
//	TASKPOLLER_MEASURE=1 go test -run BacklogHeap -v ./poller/natsjs
func TestBacklogHeap(t *testing.T) {
	if os.Getenv("TASKPOLLER_MEASURE") == "" {
		t.Skip("a measurement: set TASKPOLLER_MEASURE=1")
	}
	const capacity, batch, n = 10, 64, 3000
	w := newWorld(t, natsjs.SetupConfig{AckWait: 3 * time.Second})
	runtime.MemProfileRate = 512 // about every allocation: the profile below is near exact
	defer func() { runtime.MemProfileRate = 512 << 10 }()
	heap := func() float64 { return heapOutside(t, "nats-server") }
	// The tasks are recorded as the intake records them, before the source runs: what the
	// heap gains afterwards is what the source holds (and reads ahead).
	ctx := context.Background()
	meta := []byte(`{"pad":"` + strings.Repeat("x", 7<<10) + `"}`)
	for i := range n {
		reg := events.Registration{RegionID: "cn-hangzhou", TaskID: fmt.Sprintf("t-heap%d", i), Metadata: meta}
		rec, err := natsjs.EncodeRecord(uint64(i+1), reg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.assets.Tasks.Create(ctx, natsjs.TaskKey(reg), rec); err != nil {
			t.Fatal(err)
		}
	}
	before := heap()
	src := natsjs.NewSource(w.assets, natsjs.NewPublisher(w.js, w.subjects), zap.NewNop(), batch)
	src.SetCapacity(capacity)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = src.Run(rctx) }()
	defer func() { cancel(); <-done }()
	for range capacity {
		nextWithin(t, src, 20*time.Second)
	}
	// Let the source read what it will: until it holds capacity + batch leases, and a second
	// more (what a source without a bound reads meanwhile shows in the heap).
	deadline := time.Now().Add(10 * time.Second)
	for src.Leases() < capacity+batch && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second)
	after := heap()
	t.Logf("%d registrations of 7 KB waiting, capacity %d, batch %d: %d leases held; heap in use outside the NATS server %.1f MiB before the source ran, %.1f MiB after (+%.1f MiB)",
		n, capacity, batch, src.Leases(), before, after, after-before)
}

// heapOutside returns the MiB in use on the heap, after a collection, by allocations that no
// function of a module whose path holds skip made, from the heap profile.
func heapOutside(t *testing.T, skip string) float64 {
	t.Helper()
	runtime.GC()
	var b bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&b, 1); err != nil {
		t.Fatal(err)
	}
	var total, bytesNow int64
	outside := false
	flush := func() {
		if outside {
			total += bytesNow
		}
	}
	for line := range strings.Lines(b.String()) {
		switch {
		case strings.HasPrefix(line, "# runtime.MemStats"):
			flush()
			return float64(total) / (1 << 20)
		case len(line) > 0 && line[0] >= '0' && line[0] <= '9': // "inuse objects: inuse bytes [...] @ ..."
			flush()
			var objs int64
			if _, err := fmt.Sscanf(line, "%d: %d", &objs, &bytesNow); err != nil {
				bytesNow = 0
			}
			outside = true
		case strings.HasPrefix(line, "#") && strings.Contains(line, skip):
			outside = false
		}
	}
	flush()
	return float64(total) / (1 << 20)
}
