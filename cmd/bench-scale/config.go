package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

// Poller names.
const (
	pollerTaskpoller = "taskpoller"
	pollerNaive      = "naive"
)

// Config is the configuration of a benchmark run.
type Config struct {
	Sizes   []int      // tasks in flight, one run per size (and poller)
	Finish  finishSpan // when tasks end, after registration: uniform in [Min, Max]
	Waiting float64    // share of each task's life spent in Waiting (then Processing); 0: Processing from the start
	Quota   float64    // calls/s the emulator answers per API (DescribeTaskAttribute, DescribeTasks) and region
	Pollers []string   // taskpoller, naive
	Backoff backoffConfig
	Seed    uint64        // of the task durations: every poller gets the same workload
	Grace   time.Duration // after the last task's end, how long to wait for its detection
	Region  string

	SVG, MD        string   // outputs; empty: not written
	TaskpollerArgs []string // extra flags for `taskpoller run` (after the harness's own: they win)
	TaskpollerBin  string   // a built taskpoller; empty: build ./cmd/taskpoller
	GoMemLimit     string   // GOMEMLIMIT of the worker process; empty: none (Go's default)
	KeepLogs       bool
}

// backoffConfig is the polling backoff of both pollers (the worker's --poll-* flags).
type backoffConfig struct {
	Initial, Max time.Duration
	Multiplier   float64
	Jitter       float64 // randomization factor; 0: none
}

// args are the worker's flags for b.
func (b backoffConfig) args() []string {
	return []string{
		"--poll-initial", b.Initial.String(), "--poll-max", b.Max.String(),
		"--poll-multiplier", strconv.FormatFloat(b.Multiplier, 'g', -1, 64),
		"--poll-jitter", strconv.FormatFloat(b.Jitter, 'g', -1, 64),
	}
}

func (b backoffConfig) validate() error {
	var errs []error
	if b.Initial <= 0 || b.Max < b.Initial {
		errs = append(errs, fmt.Errorf("want 0 < --poll-initial (%s) <= --poll-max (%s)", b.Initial, b.Max))
	}
	if b.Multiplier < 1 {
		errs = append(errs, fmt.Errorf("--poll-multiplier must be at least 1, got %g", b.Multiplier))
	}
	if b.Jitter < 0 || b.Jitter >= 1 {
		errs = append(errs, fmt.Errorf("--poll-jitter must be within [0, 1), got %g", b.Jitter))
	}
	return errors.Join(errs...)
}

// register defines the --poll-* flags, with the worker's defaults.
func (b *backoffConfig) register(fs *flag.FlagSet) {
	d := poller.DefaultConfig()
	fs.DurationVar(&b.Initial, "poll-initial", d.PollInitial, "both pollers: first poll interval, and again after a status change")
	fs.DurationVar(&b.Max, "poll-max", d.PollMax, "both pollers: longest poll interval")
	fs.Float64Var(&b.Multiplier, "poll-multiplier", d.PollMultiplier, "both pollers: growth of the interval per poll")
	fs.Float64Var(&b.Jitter, "poll-jitter", d.PollJitter, "both pollers: randomization of each interval (0: none)")
}

// finishSpan is --finish: "10s-60s".
type finishSpan struct{ Min, Max time.Duration }

func (f *finishSpan) String() string {
	if f == nil {
		return ""
	}
	return shortDuration(f.Min) + "-" + shortDuration(f.Max)
}

// shortDuration is d.String() without zero trailing units: "1m", not "1m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Set parses "MIN-MAX" (Go durations, 0 < MIN <= MAX) or a single duration.
func (f *finishSpan) Set(v string) error {
	lo, hi, found := strings.Cut(v, "-")
	if !found {
		hi = lo
	}
	min, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return fmt.Errorf("%q: want MIN-MAX such as 10s-60s: %w", v, err)
	}
	max, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return fmt.Errorf("%q: want MIN-MAX such as 10s-60s: %w", v, err)
	}
	if min <= 0 || max < min {
		return fmt.Errorf("%q: want 0 < MIN <= MAX", v)
	}
	f.Min, f.Max = min, max
	return nil
}

// sizesFlag is --tasks: "2000,20000".
type sizesFlag []int

func (s *sizesFlag) String() string {
	if s == nil {
		return ""
	}
	parts := make([]string, len(*s))
	for i, n := range *s {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ",")
}

// Set parses a comma-separated list of positive task counts ("20k" is 20000).
func (s *sizesFlag) Set(v string) error {
	var out []int
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		mult := 1
		if rest, ok := strings.CutSuffix(strings.ToLower(part), "k"); ok {
			part, mult = rest, 1000
		}
		n, err := strconv.Atoi(part)
		if err != nil || n <= 0 {
			return fmt.Errorf("%q: want positive task counts, comma-separated", v)
		}
		out = append(out, n*mult)
	}
	*s = out
	return nil
}

// listFlag is a comma-separated list of names.
type listFlag []string

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(*l, ",")
}

func (l *listFlag) Set(v string) error {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	*l = out
	return nil
}

// argsFlag is --taskpoller-args: flags split on white space.
type argsFlag []string

func (a *argsFlag) String() string {
	if a == nil {
		return ""
	}
	return strings.Join(*a, " ")
}

func (a *argsFlag) Set(v string) error {
	*a = strings.Fields(v)
	return nil
}

func (c *Config) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("bench-scale", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench-scale [flags]            taskpoller against a naive poller (below)")
		fmt.Fprintln(fs.Output(), "       bench-scale ownership [flags]  NATS messages/s a worker spends holding tasks (ownership --help)")
		fmt.Fprintln(fs.Output(), "       bench-scale discovery [flags]  how soon discovery announces tasks nobody registered (discovery --help)")
		fmt.Fprintln(fs.Output(), "       bench-scale accounts [flags]   one worker, many accounts each under its own quota (accounts --help)")
		fs.PrintDefaults()
	}
	c.Sizes = sizesFlag{2000, 20000}
	c.Finish = finishSpan{10 * time.Second, 60 * time.Second}
	c.Pollers = []string{pollerTaskpoller, pollerNaive}
	fs.Var((*sizesFlag)(&c.Sizes), "tasks", "tasks in flight, comma-separated: one run per size and poller, one after another")
	fs.Var(&c.Finish, "finish", "tasks end uniformly spread over MIN-MAX after registration")
	fs.Float64Var(&c.Waiting, "waiting", 0, "share of each task's life spent in Waiting before Processing (0: in flight, Processing from registration)")
	fs.Float64Var(&c.Quota, "quota", 200, "calls per second the emulator answers per API and region; the rest is throttled. The worker's --api-qps")
	fs.Var((*listFlag)(&c.Pollers), "pollers", "which pollers to run: taskpoller, naive")
	c.Backoff.register(fs)
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the task durations (every poller gets the same)")
	fs.DurationVar(&c.Grace, "grace", 10*time.Minute, "how long after the last task's end to wait for every detection; a task not detected by then fails the run")
	fs.StringVar(&c.Region, "region", "cn-hangzhou", "region of the tasks")
	fs.StringVar(&c.SVG, "svg", "docs/bench-scale.svg", "latency distributions as SVG; empty: none")
	fs.StringVar(&c.MD, "md", "docs/bench-scale.md", "the table as Markdown; empty: none")
	fs.Var((*argsFlag)(&c.TaskpollerArgs), "taskpoller-args", `extra flags for "taskpoller run", e.g. "--batch-interval 1s" (they win over the harness's)`)
	fs.StringVar(&c.TaskpollerBin, "taskpoller-bin", "", "a built taskpoller binary; empty: go build ./cmd/taskpoller into a temporary directory")
	fs.StringVar(&c.GoMemLimit, "worker-gomemlimit", "", `GOMEMLIMIT of the worker process, e.g. "220MiB", as a deployment sets it (deploy/k8s does); empty: none, Go's default GC. The harness's own GOMEMLIMIT is never passed on`)
	fs.BoolVar(&c.KeepLogs, "keep-logs", false, "keep the working directory (worker logs, metrics, NATS store) and print its path")
	return fs
}

// Validate reports every setting that cannot work.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Sizes) == 0 {
		errs = append(errs, errors.New("--tasks: want at least one size"))
	}
	if len(c.Pollers) == 0 {
		errs = append(errs, errors.New("--pollers: want taskpoller, naive or both"))
	}
	for i, p := range c.Pollers {
		if p != pollerTaskpoller && p != pollerNaive {
			errs = append(errs, fmt.Errorf("--pollers: unknown poller %q (want taskpoller, naive)", p))
		}
		if slices.Contains(c.Pollers[:i], p) {
			errs = append(errs, fmt.Errorf("--pollers: %s named twice", p))
		}
	}
	if c.Finish.Min <= 0 || c.Finish.Max < c.Finish.Min {
		errs = append(errs, fmt.Errorf("--finish: want 0 < MIN <= MAX, got %s", c.Finish.String()))
	}
	if c.Waiting < 0 || c.Waiting >= 1 {
		errs = append(errs, fmt.Errorf("--waiting must be within [0, 1), got %g", c.Waiting))
	}
	if c.Quota <= 0 {
		errs = append(errs, fmt.Errorf("--quota must be positive, got %g", c.Quota))
	}
	if c.Grace <= 0 {
		errs = append(errs, fmt.Errorf("--grace must be positive, got %s", c.Grace))
	}
	if c.GoMemLimit != "" && !validMemLimit(c.GoMemLimit) {
		errs = append(errs, fmt.Errorf("--worker-gomemlimit %q: want a GOMEMLIMIT, bytes with an optional unit (B, KiB, MiB, GiB, TiB), or off", c.GoMemLimit))
	}
	errs = append(errs, c.Backoff.validate())
	return errors.Join(errs...)
}

// validMemLimit reports whether s is a value the Go runtime takes as GOMEMLIMIT.
func validMemLimit(s string) bool {
	if s == "off" {
		return true
	}
	for _, unit := range []string{"TiB", "GiB", "MiB", "KiB", "B"} {
		if n, ok := strings.CutSuffix(s, unit); ok {
			s = n
			break
		}
	}
	_, err := strconv.ParseUint(s, 10, 63)
	return err == nil
}
