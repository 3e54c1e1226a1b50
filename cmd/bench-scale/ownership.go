package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// ownershipConfig is `bench-scale ownership`: what keeping tasks costs NATS.
type ownershipConfig struct {
	Sizes []int
	Hold  time.Duration
	Bin   string
	Args  []string
}

func (c *ownershipConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("bench-scale ownership", flag.ContinueOnError)
	c.Sizes = []int{10000, 100000}
	fs.Var((*sizesFlag)(&c.Sizes), "tasks", "tasks tracked, comma-separated: one run each")
	fs.DurationVar(&c.Hold, "hold", 30*time.Second, "how long NATS traffic is counted once every task is tracked and announced")
	fs.StringVar(&c.Bin, "taskpoller-bin", "", "a built taskpoller binary; empty: go build ./cmd/taskpoller")
	fs.Var((*argsFlag)(&c.Args), "taskpoller-args", `extra flags for "taskpoller run"`)
	return fs
}

// Validate reports every setting that cannot work.
func (c *ownershipConfig) Validate() error {
	var errs []error
	if len(c.Sizes) == 0 {
		errs = append(errs, errors.New("--tasks: want at least one size"))
	}
	if c.Hold <= 0 {
		errs = append(errs, fmt.Errorf("--hold must be positive, got %s", c.Hold))
	}
	return errors.Join(errs...)
}

// ownership measures, for each size, the NATS messages per second a worker spends while it
// tracks that many tasks and nothing about them changes: the cost of holding them. Tasks run
// for hours; progress reads are pushed past the window (--poll-initial 1h), so what is left
// is ownership and the worker's own upkeep.
func ownership(ctx context.Context, cfg ownershipConfig, out, log io.Writer) error {
	dir, err := os.MkdirTemp("", "bench-ownership-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := cfg.Bin
	if bin == "" {
		fmt.Fprintln(log, "building ./cmd/taskpoller")
		if bin, err = buildTaskpoller(ctx, dir); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "| tasks tracked | NATS messages/s (in + out) | in | out | bytes/s |")
	fmt.Fprintln(out, "|---:|---:|---:|---:|---:|")
	for _, n := range cfg.Sizes {
		in, outMsgs, bytes, err := holdCost(ctx, cfg, bin, filepath.Join(dir, strconv.Itoa(n)), n, log)
		if err != nil {
			return fmt.Errorf("%d tasks: %w", n, err)
		}
		secs := cfg.Hold.Seconds()
		fmt.Fprintf(out, "| %d | %.1f | %.1f | %.1f | %.0f |\n", n, (in+outMsgs)/secs, in/secs, outMsgs/secs, bytes/secs)
	}
	return nil
}

func holdCost(ctx context.Context, cfg ownershipConfig, bin, dir string, n int, log io.Writer) (in, out, bytes float64, err error) {
	emu, err := ecsemu.New()
	if err != nil {
		return 0, 0, 0, err
	}
	defer emu.Close()
	ns, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	httpAddr, err := freeAddr()
	if err != nil {
		return 0, 0, 0, err
	}
	w := workload{region: "cn-hangzhou", lives: make([]time.Duration, n)}
	for i := range w.lives {
		w.lives[i] = 3 * time.Hour
	}
	args := append([]string{"run", "--nats-url", ns.ClientURL(), "--ecs-endpoint", emu.URL(), "--http-addr", httpAddr,
		"--api-qps", "1000", "--max-tracked", strconv.Itoa(n), "--worker-id", "hold", "--log-level", "warn",
		"--poll-initial", "1h", "--poll-max", "1h"}, cfg.Args...)
	fmt.Fprintf(log, "  taskpoller %s\n", strings.Join(args, " "))
	logf, err := os.Create(filepath.Join(filepath.Dir(dir), fmt.Sprintf("worker-%d.log", n)))
	if err != nil {
		return 0, 0, 0, err
	}
	defer logf.Close()
	cmd := newWorkerCmd(bin, args, logf)
	proc, err := startChild(cmd)
	if err != nil {
		return 0, 0, 0, err
	}
	defer func() { _ = proc.stop(60 * time.Second) }()
	env, err := connectHarness(ctx, ns.ClientURL(), proc.done)
	if err != nil {
		return 0, 0, 0, err
	}
	defer env.close()
	if _, err := registerAll(ctx, emu, env.js, env.subjects, w); err != nil {
		return 0, 0, 0, err
	}
	// Settled: every task tracked, and no NATS traffic from the first announcements left.
	if err := waitTracked(ctx, httpAddr, n, proc.done); err != nil {
		return 0, 0, 0, err
	}
	fmt.Fprintf(log, "  %d tasks tracked\n", n)
	if err := waitQuiet(ctx, ns); err != nil {
		return 0, 0, 0, err
	}
	before := varz(ns)
	select {
	case <-time.After(cfg.Hold):
	case <-ctx.Done():
		return 0, 0, 0, ctx.Err()
	}
	after := varz(ns)
	return float64(after.InMsgs - before.InMsgs), float64(after.OutMsgs - before.OutMsgs),
		float64(after.InBytes - before.InBytes + after.OutBytes - before.OutBytes), nil
}

func varz(ns *server.Server) server.Varz {
	v, err := ns.Varz(nil)
	if err != nil || v == nil {
		return server.Varz{}
	}
	return *v
}

// waitQuiet waits until the server's message rate has stopped falling: the announcements of
// the new tasks are stored, and what remains is the steady state.
func waitQuiet(ctx context.Context, ns *server.Server) error {
	prev := varz(ns)
	last := -1.0
	for range 60 {
		select {
		case <-time.After(5 * time.Second):
		case <-ctx.Done():
			return ctx.Err()
		}
		cur := varz(ns)
		rate := float64(cur.InMsgs+cur.OutMsgs-prev.InMsgs-prev.OutMsgs) / 5
		prev = cur
		if last >= 0 && rate >= last*0.8 {
			return nil
		}
		last = rate
	}
	return errors.New("NATS traffic did not settle within 5 minutes")
}

// waitTracked waits until the worker at addr reports n tracked tasks on /metrics.
func waitTracked(ctx context.Context, addr string, n int, exited <-chan struct{}) error {
	c := http.Client{Timeout: 5 * time.Second}
	for {
		if got, err := trackedTasks(&c, addr); err == nil && got >= n {
			return nil
		}
		select {
		case <-time.After(time.Second):
		case <-exited:
			return errors.New("the worker exited")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func trackedTasks(c *http.Client, addr string) (int, error) {
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "taskpoller_tracked_tasks "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(f), err
		}
	}
	return 0, errors.New("no taskpoller_tracked_tasks on /metrics")
}
