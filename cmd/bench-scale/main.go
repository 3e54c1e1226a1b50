// Command bench-scale measures taskpoller against a naive per-task poller on the ECS emulator
// with per-API quotas, in the same run: API calls per task, throttled calls, detection latency
// p50/p99, peak RSS and CPU of each poller's process. It prints a Markdown table and writes it
// (--md) with a plot of the latency distributions (--svg). See the README, "Scale benchmark".
//
//	go run ./cmd/bench-scale --tasks 2000,20000 --finish 10s-60s
//
// `bench-scale ownership` measures the NATS messages per second a worker spends holding tasks
// that do not change (`bench-scale ownership --help`). `bench-scale discovery` measures how
// soon a worker's discovery announces tasks nobody registered, against the same tasks
// registered (`bench-scale discovery --help`). `bench-scale accounts` runs one worker serving
// many accounts, each under its own quota, one of them holding half the tasks
// (`bench-scale accounts --help`). `bench-scale naive` is the naive poller
// itself, which the benchmark runs as a process of its own; it is not meant to be run by hand.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := realMain(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain runs the benchmark, the naive poller for `bench-scale naive`, the measure of
// what holding tasks costs NATS for `bench-scale ownership`, that of discovery for
// `bench-scale discovery`, or the many-accounts benchmark for `bench-scale accounts`, and
// returns the exit code.
func realMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var err error
	if len(args) > 0 && args[0] == "naive" {
		var cfg naiveConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = naive(ctx, cfg, stdin, stdout)
			}
		}
	} else if len(args) > 0 && args[0] == "ownership" {
		var cfg ownershipConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = ownership(ctx, cfg, stdout, stderr)
			}
		}
	} else if len(args) > 0 && args[0] == "discovery" {
		var cfg discoveryConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = discovery(ctx, cfg, args, stdout, stderr)
			}
		}
	} else if len(args) > 0 && args[0] == "accounts" {
		var cfg accountsConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = accountsBench(ctx, cfg, args, stdout, stderr)
			}
		}
	} else {
		var cfg Config
		if err = parse(cfg.flags(), args, stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = run(ctx, cfg, args, stdout, stderr)
			}
		}
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, flagenv.ErrUsage):
		return 2
	}
	fmt.Fprintf(stderr, "bench-scale: %v\n", err)
	return 1
}

// parse parses args into fs, writing refusals and --help to stderr; positional arguments
// are refused, and flags are not read from the environment.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	return flagenv.Parse(fs, args, "", nil)
}
