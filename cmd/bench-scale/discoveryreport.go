package main

import (
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// listingSlack is what the pass/fail line of a discovery run allows beyond its interval.
const listingSlack = 2 * time.Second

// maxListingPage is the tasks one DescribeTasks listing page holds (the worker's PageSize).
const maxListingPage = 100

// writeDiscoveryTable writes one row per run: creation to first event, terminal events, calls.
func writeDiscoveryTable(w io.Writer, results []discoveryResult) {
	fmt.Fprintln(w, "| run | tasks | creation → first event p50 | p99 | max | creation → registration p50 | p99 | no terminal event | >1 terminal event | other origin | DescribeTasks (listings) | DescribeTaskAttribute | throttled | wall |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		listings := 0
		for _, n := range r.Listings {
			listings += n
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %d | %d | %d | %s (%s) | %s | %s | %s |\n",
			r.name(), thousands(r.Tasks),
			latency(percentile(r.FirstEvent, 50)), latency(percentile(r.FirstEvent, 99)), latency(percentile(r.FirstEvent, 100)),
			latency(percentile(r.Registration, 50)), latency(percentile(r.Registration, 99)),
			r.Missing, r.NotOne, r.WrongOrigin,
			thousands(r.Calls[ecsemu.ActionDescribeTasks]), thousands(listings), thousands(r.Calls[ecsemu.ActionDescribeTaskAttribute]),
			thousands(r.Throttled), seconds(r.Wall))
	}
}

// writeListingTable writes, per discovery run and region, its listing calls per interval in
// each phase, and the pages the region's busiest window holds (its tasks over 100).
func writeListingTable(w io.Writer, results []discoveryResult, wl discoveryWorkload) {
	fmt.Fprintln(w, "| run | region | listing calls / interval: busy | tail | idle | busiest window: tasks (pages) |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|")
	for _, r := range results {
		if r.Interval == 0 || len(r.Phases) == 0 {
			continue
		}
		for i, region := range r.Regions {
			peak := wl.peakInWindow(region, listingOverlap+r.Interval)
			cells := make([]string, len(r.Phases))
			for k, p := range r.Phases {
				cells[k] = fmt.Sprintf("%.1f", p.PerRegion[i])
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s (%d) |\n", r.name(), region, strings.Join(cells, " | "),
				thousands(peak), (peak+maxListingPage-1)/maxListingPage)
		}
	}
	for _, r := range results {
		if len(r.Phases) == 3 {
			b, t, i := r.Phases[0], r.Phases[1], r.Phases[2]
			fmt.Fprintf(w, "\n%s: busy %s–%s, tail %s–%s, idle %s–%s after the first creation.", r.name(),
				seconds(b.From), seconds(b.To), seconds(t.From), seconds(t.To), seconds(i.From), seconds(i.To))
		}
	}
	fmt.Fprintln(w)
}

// writeDiscoveryVerdict writes, for each run, whether every task ended with one terminal
// event, and for discovery runs whether p99 of creation to first event is within the
// interval plus listingSlack.
func writeDiscoveryVerdict(w io.Writer, results []discoveryResult) {
	for _, r := range results {
		var checks checklist
		check := checks.check
		if r.Interval > 0 {
			p99, limit := percentile(r.FirstEvent, 99), r.Interval+listingSlack
			check(len(r.FirstEvent) > 0 && p99 <= limit, "p99 creation → first event %s (target ≤ interval + 2 s = %s)", latency(p99), latency(limit))
		}
		check(r.Missing == 0 && r.NotOne == 0, "every task exactly one terminal event (%d without, %d with more than one)", r.Missing, r.NotOne)
		check(r.WrongOrigin == 0, "every task's events of origin %s (%d other)", r.origin(), r.WrongOrigin)
		fmt.Fprintf(w, "- %s: %s\n", r.name(), checks.String())
	}
}

// writeDiscoveryPlot draws each run's distribution of creation to first event.
func writeDiscoveryPlot(path, title string, results []discoveryResult) error {
	var lines []ecdfLine
	discovered := 0
	for _, r := range results {
		l := ecdfLine{label: fmt.Sprintf("%s (p99 %s)", r.name(), latency(percentile(r.FirstEvent, 99))), latencies: r.FirstEvent}
		if r.Interval == 0 {
			l.color = plotGreen
		} else {
			l.color, l.dashes = plotBlue, plotDashes[discovered%len(plotDashes)]
			discovered++
		}
		lines = append(lines, l)
	}
	return writeECDFs(path, title, "creation → first event stored (s, log scale)", "share of tasks", lines)
}

// discoveryReport is the Markdown file: how the numbers were made, the tables, the floor
// the numbers sit on, the plot.
func discoveryReport(cfg discoveryConfig, cmdline []string, tables string, now time.Time) string {
	var b strings.Builder
	b.WriteString("# Discovery benchmark\n\n")
	fmt.Fprintf(&b, "`go run ./cmd/bench-scale %s` — %s, %s/%s, %d CPUs, %s.\n\n",
		strings.Join(cmdline, " "), now.UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(&b, "Each run: a fresh ECS emulator that answers %g calls/s per API (DescribeTaskAttribute, DescribeTasks) and region, "+
		"counted per wall-clock second, and throttles the rest; an embedded NATS server; one `taskpoller run --api-qps %g` process. "+
		"%s tasks are created in the emulator evenly over %s, dealt in turn to %s, each in Processing from its creation and ending "+
		"uniformly %s after it (seed %d, the same tasks in every run). "+
		"**Discovery runs** register nothing: the worker lists the regions (`--discover-regions %s --discover-interval I --discover-lookback %s`) "+
		"and registers what it finds. The **registered** run registers each task as it is created (`natsclient.Register`) and lists nothing.\n\n",
		cfg.Quota, cfg.Quota, thousands(cfg.Tasks), shortDuration(cfg.Span), strings.Join(cfg.Regions, ", "), cfg.Finish.String(), cfg.Seed,
		strings.Join(cfg.Regions, ","), shortDuration(cfg.Lookback))
	b.WriteString(tables)
	b.WriteString("\n**Creation → first event**: when a task's first event of any kind (`status_changed`, `progress`, `finished`, `failed`) " +
		"was stored in the events stream (its JetStream timestamp) minus when the harness created the task; " +
		"**creation → registration**: when the task's first registration reached the harness on the registrations subject (discovery runs: when discovery had found it). " +
		"**No terminal event**: tasks without `finished` or `failed` by the deadline; **>1 terminal event**: tasks with more than one stored; " +
		"**other origin**: tasks whose first event's `origin` is not the run's (`discovered`, or `registered`). " +
		"**DescribeTasks (listings)**: every DescribeTasks call the emulator answered, throttled ones included, and of them the listings " +
		"(no `TaskIds`: discovery's pages by `StartTime`/`EndTime`; the rest are batch checks). **Throttled**: calls of any API answered `Throttling.User`.\n\n")
	fmt.Fprintf(&b, "**Listing calls per region and interval**, read from the emulator's per-region count once a second: "+
		"*busy* while tasks are created; *tail* from the last creation until no listing window holds a task any more "+
		"(the last creation + %s overlap + an interval + 5 s) and every task has ended; *idle* the %s after that. "+
		"The busiest window is the most tasks of the region created within one listing window (%s overlap + the interval), "+
		"and the pages one listing of it takes (%d tasks a page).\n\n", shortDuration(listingOverlap), shortDuration(cfg.Idle), shortDuration(listingOverlap), maxListingPage)
	fmt.Fprintf(&b, "**The floor.** Discovery sees a task only when a listing runs after its creation: a task created just after a listing "+
		"waits a whole interval for the next one, so creation → first event is spread over [0, interval] plus the time to page the window, "+
		"register, claim and poll the task — its p99 sits near the interval by construction, and the pass line allows %s beyond it. "+
		"Each listing starts %s before the cursor (ECS's `CreationTime` is minute-precise and clocks differ), so it re-pages every task "+
		"of the last %s and more: while tasks are created, a listing costs one call per %d tasks in its window, not one per new task; "+
		"idle, one call per region and interval. When `TotalCount` grows while a listing pages (tasks created in the window's last minute), "+
		"the worker lists the window again up to the last whole minute, and the tasks of the current minute wait for the next listing.\n",
		latency(listingSlack), shortDuration(listingOverlap), shortDuration(listingOverlap), maxListingPage)
	if cfg.SVG != "" && cfg.MD != "" {
		if rel, err := filepath.Rel(filepath.Dir(cfg.MD), cfg.SVG); err == nil {
			fmt.Fprintf(&b, "\n![creation to first event](%s)\n", filepath.ToSlash(rel))
		}
	}
	return b.String()
}
