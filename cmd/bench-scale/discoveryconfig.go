package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"
)

// discoveryConfig is `bench-scale discovery`: how soon a worker's discovery turns tasks nobody
// registered into events, against the same tasks registered at creation.
type discoveryConfig struct {
	Tasks     int           // tasks created over Span
	Span      time.Duration // creation is spread evenly over this long
	Finish    finishSpan    // each task ends uniformly within this after its creation
	Regions   []string      // tasks are dealt round-robin to these; the worker lists each
	Intervals []time.Duration
	Lookback  time.Duration // the worker's --discover-lookback
	// Registered adds a run of the same workload with each task registered at creation and
	// no discovery, side by side.
	Registered bool
	Quota      float64       // calls/s the emulator answers per API and region; the worker's --api-qps
	Idle       time.Duration // how long listing calls are counted once the regions are idle
	Seed       uint64
	Grace      time.Duration // after the last task's end, how long to wait for its terminal event
	Backoff    backoffConfig

	SVG, MD        string
	TaskpollerArgs []string
	TaskpollerBin  string
	KeepLogs       bool
}

// durationsFlag is a comma-separated list of durations: "30s,10s".
type durationsFlag []time.Duration

func (d *durationsFlag) String() string {
	if d == nil {
		return ""
	}
	parts := make([]string, len(*d))
	for i, v := range *d {
		parts[i] = shortDuration(v)
	}
	return strings.Join(parts, ",")
}

// Set parses a comma-separated list of Go durations.
func (d *durationsFlag) Set(v string) error {
	var out []time.Duration
	for part := range strings.SplitSeq(v, ",") {
		x, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil {
			return fmt.Errorf("%q: want durations, comma-separated: %w", v, err)
		}
		out = append(out, x)
	}
	*d = out
	return nil
}

func (c *discoveryConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("bench-scale discovery", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench-scale discovery [flags]")
		fmt.Fprintln(fs.Output(), "Creates tasks in the emulator without registering them, spread over --span across --regions, and")
		fmt.Fprintln(fs.Output(), "measures how soon a worker listing those regions (--discover-regions) announces each: creation to")
		fmt.Fprintln(fs.Output(), "first event, one terminal event per task, DescribeTasks listing calls per region and interval.")
		fmt.Fprintln(fs.Output(), "With --registered, the same tasks (same --seed) are run again registered at creation.")
		fs.PrintDefaults()
	}
	c.Finish = finishSpan{20 * time.Second, 60 * time.Second}
	c.Regions = []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}
	c.Intervals = []time.Duration{30 * time.Second}
	fs.IntVar(&c.Tasks, "tasks", 10000, "tasks created, none registered (discovery runs)")
	fs.DurationVar(&c.Span, "span", 2*time.Minute, "creation is spread evenly over this long")
	fs.Var(&c.Finish, "finish", "each task ends uniformly within MIN-MAX after its creation")
	fs.Var((*listFlag)(&c.Regions), "regions", "regions, comma-separated: tasks are dealt to them in turn, and the worker lists each (--discover-regions)")
	fs.Var((*durationsFlag)(&c.Intervals), "discover-interval", "the worker's --discover-interval, comma-separated: one discovery run each (e.g. 30s,10s)")
	fs.DurationVar(&c.Lookback, "discover-lookback", 10*time.Minute, "the worker's --discover-lookback")
	fs.BoolVar(&c.Registered, "registered", true, "also run the same tasks registered at creation (natsclient.Register), without discovery")
	fs.Float64Var(&c.Quota, "quota", 200, "calls per second the emulator answers per API and region; the rest is throttled. The worker's --api-qps")
	fs.DurationVar(&c.Idle, "idle", 2*time.Minute, "how long listing calls are counted once no listing window holds a task any more")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the task lives (every run gets the same)")
	fs.DurationVar(&c.Grace, "grace", 5*time.Minute, "how long after the last task's end to wait for every terminal event; a task without one by then fails the run")
	c.Backoff.register(fs)
	fs.StringVar(&c.SVG, "svg", "docs/bench-discovery.svg", "creation-to-first-event distributions as SVG; empty: none")
	fs.StringVar(&c.MD, "md", "docs/bench-discovery.md", "the report as Markdown; empty: none")
	fs.Var((*argsFlag)(&c.TaskpollerArgs), "taskpoller-args", `extra flags for "taskpoller run" (they win over the harness's)`)
	fs.StringVar(&c.TaskpollerBin, "taskpoller-bin", "", "a built taskpoller binary; empty: go build ./cmd/taskpoller into a temporary directory")
	fs.BoolVar(&c.KeepLogs, "keep-logs", false, "keep the working directory (worker logs, metrics, NATS store) and print its path")
	return fs
}

// Validate reports every setting that cannot work.
func (c *discoveryConfig) Validate() error {
	var errs []error
	if c.Tasks <= 0 {
		errs = append(errs, fmt.Errorf("--tasks must be positive, got %d", c.Tasks))
	}
	if c.Span <= 0 {
		errs = append(errs, fmt.Errorf("--span must be positive, got %s", c.Span))
	}
	if c.Finish.Min <= 0 || c.Finish.Max < c.Finish.Min {
		errs = append(errs, fmt.Errorf("--finish: want 0 < MIN <= MAX, got %s", c.Finish.String()))
	}
	if len(c.Regions) == 0 {
		errs = append(errs, errors.New("--regions: want at least one region"))
	}
	for i, r := range c.Regions {
		if slices.Contains(c.Regions[:i], r) {
			errs = append(errs, fmt.Errorf("--regions: %s named twice", r))
		}
	}
	if len(c.Intervals) == 0 && !c.Registered {
		errs = append(errs, errors.New("nothing to run: no --discover-interval and --registered=false"))
	}
	for _, iv := range c.Intervals {
		if iv < time.Second {
			errs = append(errs, fmt.Errorf("--discover-interval must be at least 1s (the worker's floor), got %s", iv))
		}
		if c.Lookback <= iv {
			errs = append(errs, fmt.Errorf("--discover-lookback (%s) must be longer than --discover-interval (%s)", c.Lookback, iv))
		}
	}
	if c.Quota <= 0 {
		errs = append(errs, fmt.Errorf("--quota must be positive, got %g", c.Quota))
	}
	if c.Idle <= 0 {
		errs = append(errs, fmt.Errorf("--idle must be positive, got %s", c.Idle))
	}
	if c.Grace <= 0 {
		errs = append(errs, fmt.Errorf("--grace must be positive, got %s", c.Grace))
	}
	errs = append(errs, c.Backoff.validate())
	return errors.Join(errs...)
}
