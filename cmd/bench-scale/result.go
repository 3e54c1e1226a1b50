package main

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// throttledCode is the emulator's answer to a call over its quota.
const throttledCode = "Throttling.User"

// result is what one poller did with one workload.
type result struct {
	Poller string
	Tasks  int
	// Latencies are, per task detected, when the poller knew the task had ended minus
	// when it ended in the emulator: sorted, shortest first.
	Latencies []time.Duration
	Missing   int // tasks whose end was not detected before the deadline
	// NotOne counts tasks that do not have exactly one terminal event in the events stream
	// (taskpoller only; the naive poller has no events).
	NotOne int
	// NotFinished counts terminal outcomes other than Finished (every task of the workload
	// finishes).
	NotFinished int
	Calls       map[string]int // requests the emulator answered, by action (any answer)
	Throttled   int            // of those, answered Throttling.User
	MaxRSSKiB   int64          // peak resident set of the poller's process
	CPU         time.Duration  // user + system time of the poller's process
	Wall        time.Duration  // first registration to last detection (or the deadline)
	// Intake is how long creating and handing over every task took (a task's life starts
	// when it is created, just before the poller is given it).
	Intake time.Duration
	// OtherLoad is the share of the machine's CPU that other processes (neither the poller
	// nor the harness) took during the run; -1: unknown.
	OtherLoad float64
	// ClientErrors are the poller's failed calls that never reached an answer
	// (connections, timeouts), as it reports them; -1: not known.
	ClientErrors int
}

// totalCalls is every request of the run.
func (r result) totalCalls() int {
	n := 0
	for _, c := range r.Calls {
		n += c
	}
	return n
}

// perTask is calls divided by the tasks of the run.
func (r result) perTask(calls int) float64 {
	if r.Tasks == 0 {
		return 0
	}
	return float64(calls) / float64(r.Tasks)
}

// throttledShare is the share of calls answered Throttling.User.
func (r result) throttledShare() float64 {
	if t := r.totalCalls(); t > 0 {
		return float64(r.Throttled) / float64(t)
	}
	return 0
}

// ok reports whether every task was detected once, as finished.
func (r result) ok() bool { return r.Missing == 0 && r.NotOne == 0 && r.NotFinished == 0 }

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of sorted: the smallest
// value with at least p% of the values at or below it. Zero for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(len(sorted)) * p / 100))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// latencies turns detection and end times into sorted latencies: for each task detected, seen
// minus end. Tasks with an end but no detection are counted as missing.
func latencies(ends, seen map[string]time.Time) (sorted []time.Duration, missing int) {
	sorted = make([]time.Duration, 0, len(seen))
	for id, end := range ends {
		s, ok := seen[id]
		if !ok {
			missing++
			continue
		}
		sorted = append(sorted, s.Sub(end))
	}
	slices.Sort(sorted)
	return sorted, missing
}

// fromStats fills the call counts from the emulator's counters.
func (r *result) fromStats(st ecsemu.Stats) {
	r.Calls = map[string]int{}
	for a, n := range st.Actions {
		r.Calls[a] = n
	}
	r.Throttled = st.Codes[throttledCode]
}

// fromRusage fills peak RSS and CPU from a finished process's usage (Linux: Maxrss in KiB).
func (r *result) fromRusage(u *syscall.Rusage) {
	if u == nil {
		return
	}
	r.MaxRSSKiB = u.Maxrss
	r.CPU = time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// collect takes what a run measured once its poller process proc has stopped, in this order:
// the process's own usage, the other load since mark (which needs that usage), the calls
// timeline (calls.csv in dir, for ids from start) and the emulator's counts.
func (r *result) collect(proc *child, mark cpuMark, emu *ecsemu.Server, ids []string, start time.Time, dir string, log io.Writer) {
	r.fromRusage(proc.rusage())
	r.OtherLoad = otherLoad(mark, markCPU(), r.CPU)
	if err := writeTimeline(filepath.Join(dir, "calls.csv"), callTimeline(emu, ids, start)); err != nil {
		fmt.Fprintf(log, "  calls.csv: %v\n", err)
	}
	r.fromStats(emu.Stats())
}
