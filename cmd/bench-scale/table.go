package main

import (
	"fmt"
	"io"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// Targets of issue 9 for taskpoller.
const (
	targetP99Ratio     = 0.05 // taskpoller p99 at most this share of the naive poller's
	targetThrottled    = 0.01 // share of calls throttled, below
	targetCallsPerTask = 2.0  // API calls per task, at most
	targetRSSBytes     = 250e6
	targetRSSAtTasks   = 100000 // the RSS target applies from this many tasks
)

// writeTable writes the Markdown table of results, one row per result.
func writeTable(w io.Writer, results []result) {
	fmt.Fprintln(w, "| tasks | poller | API calls / task (DescribeTaskAttribute + DescribeTasks) | throttled | detection p50 | p99 | max | not detected | >1 terminal event | peak RSS | CPU | wall (registering) | other load |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		dta, dt := r.Calls[ecsemu.ActionDescribeTaskAttribute], r.Calls[ecsemu.ActionDescribeTasks]
		notOne := "n/a"
		if r.Poller == pollerTaskpoller {
			notOne = fmt.Sprint(r.NotOne)
		}
		fmt.Fprintf(w, "| %s | %s | %.2f (%.2f + %.2f) | %s (%s) | %s | %s | %s | %d | %s | %s | %s | %s (%s) | %s |\n",
			thousands(r.Tasks), r.Poller, r.perTask(dta+dt), r.perTask(dta), r.perTask(dt),
			pct(r.throttledShare()), thousands(r.Throttled),
			latency(percentile(r.Latencies, 50)), latency(percentile(r.Latencies, 99)), latency(percentile(r.Latencies, 100)),
			r.Missing, notOne, mib(r.MaxRSSKiB), seconds(r.CPU), seconds(r.Wall), seconds(r.Intake), loadNote(r.OtherLoad))
	}
}

// writeTargets writes, for each taskpoller result, whether it meets the targets of issue 9
// (against the naive poller's result of the same size, when there is one).
func writeTargets(w io.Writer, results []result) {
	for _, r := range results {
		if r.Poller != pollerTaskpoller {
			continue
		}
		var checks checklist
		check := checks.check
		for _, n := range results {
			if n.Poller == pollerNaive && n.Tasks == r.Tasks {
				tp, np := percentile(r.Latencies, 99), percentile(n.Latencies, 99)
				ratio := 0.0
				if np > 0 {
					ratio = float64(tp) / float64(np)
				}
				check(np > 0 && ratio <= targetP99Ratio, "p99 %.3f× the naive poller's (target ≤ %.2f×)", ratio, targetP99Ratio)
			}
		}
		check(r.throttledShare() < targetThrottled, "%s throttled (target < %s)", pct(r.throttledShare()), pct(targetThrottled))
		dta, dt := r.Calls[ecsemu.ActionDescribeTaskAttribute], r.Calls[ecsemu.ActionDescribeTasks]
		check(r.perTask(dta+dt) <= targetCallsPerTask, "%.2f API calls per task (target ≤ %g)", r.perTask(dta+dt), targetCallsPerTask)
		check(r.ok(), "every task exactly one terminal event, finished (%d not detected, %d with more than one, %d not finished)", r.Missing, r.NotOne, r.NotFinished)
		if r.Tasks >= targetRSSAtTasks {
			check(float64(r.MaxRSSKiB)*1024 <= targetRSSBytes, "peak RSS %s (target ≤ 250 MB)", mib(r.MaxRSSKiB))
		}
		fmt.Fprintf(w, "- %s tasks: %s\n", thousands(r.Tasks), checks.String())
	}
}

// latency formats a detection latency: milliseconds below a second, else seconds.
func latency(d time.Duration) string {
	if d < time.Second && d > -time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

func mib(kib int64) string { return fmt.Sprintf("%.0f MiB", float64(kib)/1024) }

func pct(f float64) string {
	if f > 0 && f < 0.001 {
		return fmt.Sprintf("%.3f %%", 100*f)
	}
	return fmt.Sprintf("%.1f %%", 100*f)
}

// thousands formats n with commas: 20000 is "20,000".
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
