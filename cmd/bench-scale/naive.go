package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// The naive poller is the baseline of the benchmark: what one writes without taskpoller. A
// goroutine per task calls DescribeTaskAttribute through the real SDK (poller/ecsapi), at
// once and then at the pace of the task's own exponential backoff (the worker's settings,
// restarted on a status change as the worker's is), retrying every error at the next
// interval, with no rate limit and no batching. It runs as `bench-scale naive`, a process of
// its own, so that its memory and CPU are measured alone.

// naiveConfig is the configuration of `bench-scale naive`.
type naiveConfig struct {
	Endpoint string
	Backoff  backoffConfig
	Timeout  time.Duration
}

func (c *naiveConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("naive", flag.ContinueOnError)
	fs.StringVar(&c.Endpoint, "endpoint", "", "ECS endpoint URL, e.g. http://127.0.0.1:8080 (required)")
	fs.DurationVar(&c.Timeout, "api-timeout", poller.DefaultConfig().APITimeout, "timeout of one call")
	c.Backoff.register(fs)
	return fs
}

// Validate reports every setting that cannot work.
func (c *naiveConfig) Validate() error {
	var errs []error
	if c.Endpoint == "" {
		errs = append(errs, errors.New("--endpoint is required"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("--api-timeout must be positive, got %s", c.Timeout))
	}
	errs = append(errs, c.Backoff.validate())
	return errors.Join(errs...)
}

// sighting is a line of the naive poller's output: a task seen ended.
type sighting struct {
	Task   string `json:"task"`
	Seen   int64  `json:"seen"` // Unix nanoseconds of the answer
	Status string `json:"status"`
	Calls  int    `json:"calls"`
}

// naiveSummary is the last line of the naive poller's output.
type naiveSummary struct {
	Summary bool           `json:"summary"`
	Errors  map[string]int `json:"errors"` // failed calls by error code; "transport" for no answer
}

// errorTally counts failed calls by code. Safe for concurrent use.
type errorTally struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *errorTally) add(err error) {
	code := "transport"
	if ae, ok := errors.AsType[*poller.APIError](err); ok {
		code = ae.Code
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[code]++
}

func (t *errorTally) snapshot() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := maps.Clone(t.n)
	if out == nil {
		out = map[string]int{}
	}
	return out
}

// newBackoff is a task's backoff with the worker's settings: never gives up.
func newBackoff(c backoffConfig) *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval, b.MaxInterval = c.Initial, c.Max
	b.Multiplier, b.RandomizationFactor = c.Multiplier, c.Jitter
	b.MaxElapsedTime = 0
	b.Reset()
	return b
}

// pollOne polls one task until it is terminal: at once, then after each interval of b, which
// restarts when the status changes. Every error is counted in errs and retried at the next
// interval. ok is false when ctx ended first.
func pollOne(ctx context.Context, api poller.TaskAPI, region, id string, b *backoff.ExponentialBackOff, errs *errorTally) (s sighting, ok bool) {
	var last poller.Status
	timer := time.NewTimer(0)
	defer timer.Stop()
	for calls := 1; ; calls++ {
		select {
		case <-ctx.Done():
			return sighting{}, false
		case <-timer.C:
		}
		task, err := api.DescribeTask(ctx, region, id)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return sighting{}, false
			}
			errs.add(err)
		case task.Status.Terminal():
			return sighting{Task: id, Seen: time.Now().UnixNano(), Status: string(task.Status), Calls: calls}, true
		case task.Status != last:
			if last != "" {
				b.Reset()
			}
			last = task.Status
		}
		timer.Reset(b.NextBackOff())
	}
}

// naive is `bench-scale naive`: it reads "region task-id" lines from in until EOF, polls
// each task in a goroutine of its own, writes a sighting line to out for each task seen
// ended, and when every task has ended (or ctx ends) a summary line.
func naive(ctx context.Context, cfg naiveConfig, in io.Reader, out io.Writer) error {
	api, err := ecsapi.New(ecsapi.Config{Endpoint: cfg.Endpoint, Timeout: cfg.Timeout})
	if err != nil {
		return err
	}
	var (
		errs  errorTally
		outMu sync.Mutex
		wg    sync.WaitGroup
	)
	enc := json.NewEncoder(out)
	write := func(v any) error {
		outMu.Lock()
		defer outMu.Unlock()
		return enc.Encode(v)
	}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		region, id, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok {
			continue
		}
		wg.Go(func() {
			if s, ok := pollOne(ctx, api, region, id, newBackoff(cfg.Backoff), &errs); ok {
				_ = write(s)
			}
		})
	}
	wg.Wait()
	return errors.Join(sc.Err(), write(naiveSummary{Summary: true, Errors: errs.snapshot()}))
}
