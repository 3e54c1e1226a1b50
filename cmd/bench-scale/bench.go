package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// runEnv is what every run of a benchmark shares.
type runEnv struct {
	dir        string    // working directory: logs, NATS stores, the built worker
	taskpoller string    // the worker binary
	self       string    // this binary, for `bench-scale naive`
	log        io.Writer // progress
}

// run measures every poller on every size, one run at a time, then writes the table (to out
// and --md) and the plot (--svg). A run that fails (a task not detected, a process that did
// not stop) is still reported; run then returns an error naming it.
func run(ctx context.Context, cfg Config, cmdline []string, out, log io.Writer) error {
	sc, err := newScratch(ctx, "bench-scale-", cfg.TaskpollerBin, slices.Contains(cfg.Pollers, pollerTaskpoller), cfg.KeepLogs, log)
	if err != nil {
		return err
	}
	var failed []error
	defer func() { sc.failed = sc.failed || len(failed) > 0; sc.done() }()
	env := sc.env
	if env.self, err = os.Executable(); err != nil {
		return fmt.Errorf("find this binary: %w", err)
	}

	var results []result
	for _, n := range cfg.Sizes {
		w := newWorkload(n, cfg.Finish, cfg.Waiting, cfg.Region, cfg.Seed)
		for _, p := range cfg.Pollers {
			fmt.Fprintf(log, "%s: %s tasks ending %s after registration\n", p, thousands(n), cfg.Finish.String())
			var res result
			if p == pollerTaskpoller {
				res, err = runTaskpoller(ctx, cfg, env, w)
			} else {
				res, err = runNaive(ctx, cfg, env, w)
			}
			if err != nil {
				failed = append(failed, fmt.Errorf("%s, %d tasks: %w", p, n, err))
				fmt.Fprintf(log, "  FAILED: %v\n", err)
			}
			if res.totalCalls() > 0 {
				results = append(results, res)
				var row bytes.Buffer
				writeTable(&row, []result{res})
				fmt.Fprint(log, lastLine(row.String()))
			}
			if ctx.Err() != nil {
				return errors.Join(append(failed, ctx.Err())...)
			}
		}
	}

	var table bytes.Buffer
	writeTable(&table, results)
	fmt.Fprint(out, table.String())
	var targets bytes.Buffer
	writeTargets(&targets, results)
	fmt.Fprintf(out, "\n%s", targets.String())
	title := fmt.Sprintf("Detection latency, tasks ending %s after registration, quota %g calls/s per API", cfg.Finish.String(), cfg.Quota)
	failed = append(failed, writeOutputs(log, svgIf(cfg.SVG, len(results) > 0), func(path string) error { return writePlot(path, title, results) },
		cfg.MD, func() string { return report(cfg, cmdline, table.String(), targets.String()) })...)
	return errors.Join(failed...)
}

// report is the Markdown file: how the numbers were made, the table, the targets, the plot.
func report(cfg Config, cmdline []string, table, targets string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Scale benchmark\n\n")
	fmt.Fprintf(&b, "`go run ./cmd/bench-scale %s` — %s, %s/%s, %d CPUs, %s.\n\n",
		strings.Join(cmdline, " "), time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	life := "in Processing from registration (TaskProcess rising to 100 %)"
	if cfg.Waiting > 0 {
		life = fmt.Sprintf("%.0f %% of their life in Waiting, then Processing (TaskProcess rising to 100 %%)", 100*cfg.Waiting)
	}
	fmt.Fprintf(&b, "Each run: a fresh ECS emulator that answers %g calls/s per API (DescribeTaskAttribute, DescribeTasks) and region, counted per wall-clock second, and throttles the rest; "+
		"the tasks, %s, end uniformly %s after registration (seed %d, the same for both pollers) and are all registered at the start. "+
		"Both pollers back off %s → %s ×%g ±%g %%. ",
		cfg.Quota, life, cfg.Finish.String(), cfg.Seed, shortDuration(cfg.Backoff.Initial), shortDuration(cfg.Backoff.Max), cfg.Backoff.Multiplier, 100*cfg.Backoff.Jitter)
	extra := ""
	if len(cfg.TaskpollerArgs) > 0 {
		extra = " " + strings.Join(cfg.TaskpollerArgs, " ")
	}
	if cfg.GoMemLimit != "" {
		extra += fmt.Sprintf("` with `GOMEMLIMIT=%s", cfg.GoMemLimit)
	}
	fmt.Fprintf(&b, "taskpoller: one `taskpoller run --api-qps %g%s` process and an embedded NATS server. "+
		"naive: a goroutine per task calling DescribeTaskAttribute through the SDK at the same backoff, retrying every error, no rate limit.\n\n", cfg.Quota, extra)
	b.WriteString(table)
	b.WriteString("\n" + targets + "\n")
	b.WriteString("Detection latency: when the poller knew that the task had ended (taskpoller: its terminal event stored in the events stream; " +
		"naive: the answer that said so) minus when the emulator ended it. API calls: every request the emulator answered, throttled ones included. " +
		"RSS and CPU: the poller's process alone (the NATS server and the emulator run in the harness). " +
		"Wall: first registration to last detection; in brackets, how long creating and registering every task took " +
		"(each task's life starts when it is created, just before the poller is given it). " +
		"Other load: the share of the machine's CPU that other processes (neither the poller nor the harness) took during the run; " +
		"the numbers are only comparable when it is low.\n")
	if cfg.SVG != "" && cfg.MD != "" {
		if rel, err := filepath.Rel(filepath.Dir(cfg.MD), cfg.SVG); err == nil {
			fmt.Fprintf(&b, "\n![detection latency](%s)\n", filepath.ToSlash(rel))
		}
	}
	return b.String()
}

// lastLine returns the last non-empty line of s, with its newline.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1] + "\n"
}
