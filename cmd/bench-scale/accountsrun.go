package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// runAccounts measures one `taskpoller run --accounts` process serving the accounts of w.
func runAccounts(ctx context.Context, cfg accountsConfig, env runEnv, w accountsWorkload) (accountsResult, error) {
	res := accountsResult{Accounts: len(w.accounts), Tasks: len(w.tasks), HotTasks: w.counts[hotAccount], OtherLoad: -1}
	dir := filepath.Join(env.dir, fmt.Sprintf("accounts-%d", len(w.accounts)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	tally := newQuotaTally()
	emu, err := ecsemu.New(w.emulatorOptions(cfg.Quota, tally.observe)...)
	if err != nil {
		return res, err
	}
	defer emu.Close()
	ns, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		return res, err
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	accountsPath := filepath.Join(dir, "accounts.json")
	if err := w.writeAccountsFile(accountsPath, cfg.Quota); err != nil {
		return res, err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return res, err
	}
	args := []string{"run", "--nats-url", ns.ClientURL(), "--ecs-endpoint", emu.URL(), "--http-addr", httpAddr,
		"--accounts", accountsPath, "--api-qps", strconv.FormatFloat(cfg.Quota, 'g', -1, 64),
		"--max-tracked", strconv.Itoa(max(10000, slices.Max(w.counts))), "--max-ack-pending", strconv.Itoa(max(100000, len(w.tasks))),
		"--worker-id", "bench", "--log-level", "warn"}
	args = append(append(args, cfg.Backoff.args()...), cfg.TaskpollerArgs...)
	fmt.Fprintf(env.log, "  taskpoller %s\n", strings.Join(args, " "))
	logPath := filepath.Join(dir, "worker.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return res, err
	}
	defer logf.Close()
	cmd := newWorkerCmd(env.taskpoller, args, logf)
	cmd.Env = append(cmd.Env, w.env()...)
	started := time.Now()
	proc, err := startChild(cmd)
	if err != nil {
		return res, err
	}
	defer func() { _ = proc.stop(30 * time.Second) }()
	h, err := connectHarness(ctx, ns.ClientURL(), proc.done)
	if err != nil {
		return res, fmt.Errorf("%w\nworker log:\n%s", err, tail(logPath, 2000))
	}
	defer h.close()
	subjects, err := accountSubjects(h.subjects, w.accounts)
	if err != nil {
		return res, err
	}
	if err := waitReady(ctx, httpAddr, proc.done); err != nil {
		return res, fmt.Errorf("%w\nworker log:\n%s", err, tail(logPath, 2000))
	}
	res.Startup = time.Since(started)
	at := readProcUsage(cmd.Process.Pid)
	res.StartupCPU, res.ReadyRSSKiB = at.CPU, at.RSSKiB
	fmt.Fprintf(env.log, "  ready after %s (CPU %s, RSS %s)\n", res.Startup.Round(time.Millisecond), seconds(res.StartupCPU), mib(res.ReadyRSSKiB))
	if cfg.Idle > 0 {
		select {
		case <-time.After(cfg.Idle):
		case <-proc.done:
			return res, fmt.Errorf("the worker exited while idle\nworker log:\n%s", tail(logPath, 2000))
		case <-ctx.Done():
			return res, ctx.Err()
		}
		res.Idle, res.IdleCPU = cfg.Idle, readProcUsage(cmd.Process.Pid).CPU-at.CPU
		fmt.Fprintf(env.log, "  idle %s: CPU %s\n", cfg.Idle, seconds(res.IdleCPU))
	}

	det, in := newDetections(len(w.tasks)), newIntake(len(w.tasks))
	for _, s := range subjects {
		stop, err := followTerminals(ctx, h.js, s, det)
		if err != nil {
			return res, err
		}
		defer stop()
		stopWatch, err := watchTasks(ctx, h.js, s, in)
		if err != nil {
			return res, err
		}
		defer stopWatch()
	}
	start, mark := time.Now(), markCPU()
	on := make([]events.Subjects, len(w.accounts)) // where each account's tasks are registered
	for i := range on {
		if on[i] = h.subjects; cfg.Direct {
			on[i] = subjects[i]
		}
	}
	ids, registered, err := registerAccounts(ctx, emu, h.js, on, w)
	if err != nil {
		return res, err
	}
	res.Intake = time.Since(start)
	fmt.Fprintf(env.log, "  %s tasks created and registered in %s\n", thousands(len(ids)), res.Intake.Round(time.Millisecond))
	waitErr := det.wait(ctx, len(ids), start.Add(w.lastEnd()+cfg.Grace), proc.done)
	res.Wall = time.Since(start)
	saveMetrics(httpAddr, filepath.Join(dir, "metrics.txt"))
	if jsz, err := ns.Jsz(nil); err == nil && jsz != nil {
		res.Streams, res.Consumers = jsz.Streams, jsz.Consumers
	}
	// The peak resident set of the worker's own image: wait4's Maxrss would be at least the
	// harness's peak, which Linux carries over into a child at exec (exec_mmap folds the
	// spawner's high-water mark into it, and Go starts children with vfork semantics).
	res.MaxRSSKiB = readProcUsage(cmd.Process.Pid).HWM
	if err := proc.stop(60 * time.Second); err != nil {
		waitErr = errors.Join(waitErr, fmt.Errorf("worker: %w\nworker log:\n%s", err, tail(logPath, 2000)))
	}
	end := markCPU()
	if u := proc.rusage(); u != nil {
		res.CPU = time.Duration(u.Utime.Nano() + u.Stime.Nano())
		res.OtherLoad = otherLoad(mark, end, res.CPU-at.CPU-res.IdleCPU)
	}
	res.HarnessCPU = end.harness - mark.harness
	if err := res.settle(ctx, emu, h.js, subjects, w, ids, det); err != nil {
		return res, err
	}
	if err := res.settleIntake(emu, w, ids, registered, in.snapshot()); err != nil {
		return res, err
	}
	res.Start = start
	byID := tally.byAccount(cfg.Quota)
	res.Calls = map[string]*accountCalls{}
	for _, a := range w.accounts {
		if c := byID[a.ID]; c != nil {
			res.Calls[a.Name] = c
		} else {
			res.Calls[a.Name] = &accountCalls{Calls: map[string]int{}}
		}
	}
	return res, waitErr
}

// accountSubjects are the subjects of each account of accts, in order: the prefix's own for
// the first (the default account), events.Subjects.ForAccount for the others.
func accountSubjects(base events.Subjects, accts []benchAccount) ([]events.Subjects, error) {
	out := []events.Subjects{base}
	for _, a := range accts[1:] {
		s, err := base.ForAccount(a.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// waitReady waits until the worker at addr answers /readyz with 200.
func waitReady(ctx context.Context, addr string, exited <-chan struct{}) error {
	c := http.Client{Timeout: 5 * time.Second}
	deadline := time.NewTimer(10 * time.Minute)
	defer deadline.Stop()
	for !ready(&c, addr) {
		select {
		case <-time.After(100 * time.Millisecond):
		case <-exited:
			return errors.New("the worker exited before it was ready")
		case <-deadline.C:
			return errors.New("the worker was not ready within 10 minutes")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// followTerminals records in det each terminal event of the events stream of s, at the time
// the stream stored it; stop ends the reading.
func followTerminals(ctx context.Context, js jetstream.JetStream, s events.Subjects, det *detections) (stop func(), err error) {
	cons, err := js.OrderedConsumer(ctx, s.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{s.Kind(events.KindFinished), s.Kind(events.KindFailed)},
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.StreamName(events.EventsRole), err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		meta, err := m.Metadata()
		if err != nil {
			return
		}
		if kind, _, _, task, ok := s.ParseEvent(m.Subject()); ok {
			det.add(task, meta.Timestamp, string(kind))
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.StreamName(events.EventsRole), err)
	}
	return cc.Stop, nil
}

// registerAccounts creates each task of w in its account and at once registers it, naming its
// account, on the subjects on[account] (the default account's, or the account's own),
// registerParallel at a time; it returns the task ids in w's order, and when each
// registration was acked.
func registerAccounts(ctx context.Context, emu *ecsemu.Server, js jetstream.JetStream, on []events.Subjects, w accountsWorkload) ([]string, []time.Time, error) {
	ids, acked := make([]string, len(w.tasks)), make([]time.Time, len(w.tasks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(registerParallel)
	for i, t := range w.tasks {
		g.Go(func() error {
			a := w.accounts[t.account]
			id, err := emu.AddTimedTask(ecsemu.TimedTask{RegionID: t.region, Account: a.ID, Processing: t.life})
			if err != nil {
				return fmt.Errorf("create task %d: %w", i, err)
			}
			ids[i] = id
			_, err = natsclient.Register(gctx, js, on[t.account], events.Registration{Account: a.Name, RegionID: t.region, TaskID: id})
			acked[i] = time.Now()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, fmt.Errorf("register: %w", err)
	}
	return ids, acked, nil
}
