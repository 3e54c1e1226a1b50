package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// discovery runs `bench-scale discovery`: one run per --discover-interval with tasks nobody
// registers, then (--registered) the same tasks registered at creation; then it writes the
// tables (to out and --md) and the plot (--svg). A run that fails is still reported; discovery
// then returns an error naming it.
func discovery(ctx context.Context, cfg discoveryConfig, cmdline []string, out, log io.Writer) error {
	sc, err := newScratch(ctx, "bench-discovery-", cfg.TaskpollerBin, true, cfg.KeepLogs, log)
	if err != nil {
		return err
	}
	var failed []error
	defer func() { sc.failed = sc.failed || len(failed) > 0; sc.done() }()
	env := sc.env
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
	title := fmt.Sprintf("Creation to first event, %s tasks over %s in %d regions, quota %g calls/s per API and region",
		thousands(cfg.Tasks), shortDuration(cfg.Span), len(cfg.Regions), cfg.Quota)
	failed = append(failed, writeOutputs(log, svgIf(cfg.SVG, len(results) > 0), func(path string) error { return writeDiscoveryPlot(path, title, results) },
		cfg.MD, func() string { return discoveryReport(cfg, cmdline, tables.String(), time.Now()) })...)
	return errors.Join(failed...)
}
