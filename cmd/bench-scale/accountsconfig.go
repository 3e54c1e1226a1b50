package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"time"
)

// accountsConfig is `bench-scale accounts`: one worker serving many accounts, one of them
// holding a large share of the tasks, each account under its own quota (issue 17 item 7).
type accountsConfig struct {
	Accounts []int    // accounts served, one run per count; the first account is the default
	Regions  []string // every account's tasks are spread evenly over these
	Tasks    int      // tasks of a run, over every account
	HotShare float64  // share of the tasks held by the hot account (the second)
	Finish   finishSpan
	Quota    float64 // calls/s per API (DescribeTaskAttribute, DescribeTasks), account and region
	Idle     time.Duration
	Direct   bool // register on each account's own subject instead of the default account's
	Backoff  backoffConfig
	Seed     uint64
	Grace    time.Duration

	SVG, MD        string
	TaskpollerArgs []string
	TaskpollerBin  string
	KeepLogs       bool
}

// Targets of issue 17 item 7.
const targetQuietP99 = 2 * time.Second

func (c *accountsConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("bench-scale accounts", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench-scale accounts [flags]  one worker, many accounts each under its own quota, one account holding a large share of the tasks")
		fs.PrintDefaults()
	}
	c.Accounts = []int{50}
	c.Regions = []string{"cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen"}
	c.Finish = finishSpan{30 * time.Second, 90 * time.Second}
	fs.Var((*sizesFlag)(&c.Accounts), "accounts", "accounts the worker serves, comma-separated: one run per count (at least 2: the default account and the hot one)")
	fs.Var((*listFlag)(&c.Regions), "regions", "regions of every account's tasks, comma-separated")
	fs.IntVar(&c.Tasks, "tasks", 20000, "tasks of a run, over every account")
	fs.Float64Var(&c.HotShare, "hot-share", 0.5, "share of the tasks held by the hot account (the second); the rest are spread evenly over the others")
	fs.Var(&c.Finish, "finish", "tasks end uniformly spread over MIN-MAX after creation")
	fs.Float64Var(&c.Quota, "quota", 20, "calls per second the emulator answers per API (DescribeTaskAttribute, DescribeTasks), account and region, counted per wall-clock second; each account's quotas in the accounts file")
	fs.DurationVar(&c.Idle, "idle", 10*time.Second, "once the worker is ready, how long its CPU is measured before any task is registered: the cost of holding the accounts")
	fs.BoolVar(&c.Direct, "register-direct", false, "register each task on its account's own subject (ecs.tasks.account.<name>.registered) instead of ecs.tasks.registered, which the default account forwards")
	c.Backoff.register(fs)
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the task durations")
	fs.DurationVar(&c.Grace, "grace", 10*time.Minute, "how long after the last task's end to wait for every detection")
	fs.StringVar(&c.SVG, "svg", "docs/bench-accounts.svg", "latency distributions (hot and quiet accounts) as SVG; empty: none")
	fs.StringVar(&c.MD, "md", "docs/bench-accounts.md", "the results as Markdown; empty: none")
	fs.Var((*argsFlag)(&c.TaskpollerArgs), "taskpoller-args", `extra flags for "taskpoller run" (they win over the harness's)`)
	fs.StringVar(&c.TaskpollerBin, "taskpoller-bin", "", "a built taskpoller binary; empty: go build ./cmd/taskpoller into a temporary directory")
	fs.BoolVar(&c.KeepLogs, "keep-logs", false, "keep the working directory (worker logs, metrics, NATS store) and print its path")
	return fs
}

// Validate reports every setting that cannot work.
func (c *accountsConfig) Validate() error {
	var errs []error
	if len(c.Accounts) == 0 {
		errs = append(errs, errors.New("--accounts: want at least one count"))
	}
	for _, n := range c.Accounts {
		if n < 2 || n > maxBenchAccounts {
			errs = append(errs, fmt.Errorf("--accounts: %d accounts; want 2 to %d (the default account, the hot one, then quiet ones)", n, maxBenchAccounts))
		}
	}
	if len(c.Regions) == 0 {
		errs = append(errs, errors.New("--regions: want at least one region"))
	}
	for i, r := range c.Regions {
		if slices.Contains(c.Regions[:i], r) {
			errs = append(errs, fmt.Errorf("--regions: %s named twice", r))
		}
	}
	if c.HotShare <= 0 || c.HotShare >= 1 {
		errs = append(errs, fmt.Errorf("--hot-share must be within (0, 1), got %g", c.HotShare))
	}
	if most := slices.Max(append([]int{2}, c.Accounts...)); c.Tasks < most {
		errs = append(errs, fmt.Errorf("--tasks %d: want at least one task per account (%d)", c.Tasks, most))
	}
	if c.Finish.Min <= 0 || c.Finish.Max < c.Finish.Min {
		errs = append(errs, fmt.Errorf("--finish: want 0 < MIN <= MAX, got %s", c.Finish.String()))
	}
	if c.Quota < 1 {
		errs = append(errs, fmt.Errorf("--quota must be at least 1 call/s, got %g", c.Quota))
	}
	if c.Idle < 0 {
		errs = append(errs, fmt.Errorf("--idle must not be negative, got %s", c.Idle))
	}
	if c.Grace <= 0 {
		errs = append(errs, fmt.Errorf("--grace must be positive, got %s", c.Grace))
	}
	errs = append(errs, c.Backoff.validate())
	return errors.Join(errs...)
}
