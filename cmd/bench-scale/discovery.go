package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// discovery runs `bench-scale discovery`: one run per --discover-interval with tasks nobody
// registers, then (--registered) the same tasks registered at creation; then it writes the
// tables (to out and --md) and the plot (--svg). A run that fails is still reported; discovery
// then returns an error naming it.
func discovery(ctx context.Context, cfg discoveryConfig, cmdline []string, out, log io.Writer) error {
	dir, err := os.MkdirTemp("", "bench-discovery-")
	if err != nil {
		return err
	}
	env := runEnv{dir: dir, taskpoller: cfg.TaskpollerBin, log: log}
	var failed []error
	defer func() {
		if cfg.KeepLogs || len(failed) > 0 {
			fmt.Fprintf(log, "logs, metrics and NATS stores kept in %s\n", dir)
			return
		}
		_ = os.RemoveAll(dir)
	}()
	if env.taskpoller == "" {
		fmt.Fprintln(log, "building ./cmd/taskpoller")
		if env.taskpoller, err = buildTaskpoller(ctx, dir); err != nil {
			failed = append(failed, err)
			return err
		}
	}
	w := newDiscoveryWorkload(cfg.Tasks, cfg.Span, cfg.Finish, cfg.Regions, cfg.Seed)
	runs := cfg.Intervals
	if cfg.Registered {
		runs = append(runs[:len(runs):len(runs)], 0)
	}
	var results []discoveryResult
	for _, iv := range runs {
		r := discoveryResult{Interval: iv}
		fmt.Fprintf(log, "%s: %s tasks created over %s in %d regions, ending %s after creation\n",
			r.name(), thousands(cfg.Tasks), shortDuration(cfg.Span), len(cfg.Regions), cfg.Finish.String())
		res, err := runDiscovery(ctx, cfg, env, w, iv)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", res.name(), err))
			fmt.Fprintf(log, "  FAILED: %v\n", err)
		}
		if len(res.Calls) > 0 || len(res.FirstEvent) > 0 {
			results = append(results, res)
			var row bytes.Buffer
			writeDiscoveryTable(&row, []discoveryResult{res})
			fmt.Fprint(log, lastLine(row.String()))
		}
		if ctx.Err() != nil {
			return errors.Join(append(failed, ctx.Err())...)
		}
	}

	var tables bytes.Buffer
	writeDiscoveryTable(&tables, results)
	tables.WriteString("\n")
	writeListingTable(&tables, results, w)
	tables.WriteString("\n")
	writeDiscoveryVerdict(&tables, results)
	fmt.Fprint(out, tables.String())
	if cfg.SVG != "" && len(results) > 0 {
		title := fmt.Sprintf("Creation to first event, %s tasks over %s in %d regions, quota %g calls/s per API and region",
			thousands(cfg.Tasks), shortDuration(cfg.Span), len(cfg.Regions), cfg.Quota)
		if err := writeDiscoveryPlot(cfg.SVG, title, results); err != nil {
			failed = append(failed, err)
		} else {
			fmt.Fprintf(log, "wrote %s\n", cfg.SVG)
		}
	}
	if cfg.MD != "" {
		if err := os.WriteFile(cfg.MD, []byte(discoveryReport(cfg, cmdline, tables.String(), time.Now())), 0o644); err != nil {
			failed = append(failed, fmt.Errorf("write %s: %w", cfg.MD, err))
		} else {
			fmt.Fprintf(log, "wrote %s\n", cfg.MD)
		}
	}
	return errors.Join(failed...)
}
