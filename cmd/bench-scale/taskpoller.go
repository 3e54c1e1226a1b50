package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
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

// registerParallel is how many registrations the harness has in flight at once.
const registerParallel = 16

// workerArgs are the flags of `taskpoller run` for a run: the harness's, then cfg's extra
// flags, which win (the last value of a flag is the one kept).
func workerArgs(cfg Config, tasks int, natsURL, ecsURL, httpAddr string) []string {
	args := []string{"run",
		"--nats-url", natsURL, "--ecs-endpoint", ecsURL, "--http-addr", httpAddr,
		"--api-qps", strconv.FormatFloat(cfg.Quota, 'g', -1, 64),
		"--max-tracked", strconv.Itoa(max(10000, tasks)), "--max-ack-pending", strconv.Itoa(max(100000, tasks)),
		"--worker-id", "bench", "--log-level", "warn",
	}
	args = append(args, cfg.Backoff.args()...)
	return append(args, cfg.TaskpollerArgs...)
}

// runTaskpoller measures a `taskpoller run` process on w: a fresh emulator and NATS server,
// the tasks created and registered as fast as the harness can, every terminal event read
// from the events stream.
func runTaskpoller(ctx context.Context, cfg Config, env runEnv, w workload) (result, error) {
	res := result{Poller: pollerTaskpoller, Tasks: len(w.lives), ClientErrors: -1}
	sp, err := env.open(pollerTaskpoller, len(w.lives), cfg.Quota, "worker.log")
	if err != nil {
		return res, err
	}
	defer sp.close()
	dir, emu, logPath := sp.dir, sp.emu, sp.logPath
	ns, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: filepath.Join(dir, "nats")})
	if err != nil {
		return res, err
	}
	defer func() { ns.Shutdown(); ns.WaitForShutdown() }()
	httpAddr, err := freeAddr()
	if err != nil {
		return res, err
	}
	args := workerArgs(cfg, len(w.lives), ns.ClientURL(), emu.URL(), httpAddr)
	fmt.Fprintf(env.log, "  taskpoller %s\n", strings.Join(args, " "))
	cmd := newWorkerCmd(env.taskpoller, args, sp.log)
	if cfg.GoMemLimit != "" {
		cmd.Env = append(cmd.Env, "GOMEMLIMIT="+cfg.GoMemLimit)
		fmt.Fprintf(env.log, "  with GOMEMLIMIT=%s\n", cfg.GoMemLimit)
	}
	proc, err := startChild(cmd)
	if err != nil {
		return res, err
	}
	defer func() { _ = proc.stop(30 * time.Second) }() // if it still runs at return (once it has exited, stop returns at once)
	h, err := connectHarness(ctx, ns.ClientURL(), proc.done)
	if err != nil {
		return res, fmt.Errorf("%w\nworker log:\n%s", err, tail(logPath, 2000))
	}
	defer h.close()
	js, subjects := h.js, h.subjects

	det := newDetections(len(w.lives))
	cons, err := js.OrderedConsumer(ctx, subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subjects.Kind(events.KindFinished), subjects.Kind(events.KindFailed)},
	})
	if err != nil {
		return res, fmt.Errorf("read the events stream: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		meta, err := m.Metadata()
		if err != nil {
			return
		}
		kind, _, _, task, ok := subjects.ParseEvent(m.Subject())
		if !ok {
			return
		}
		det.add(task, meta.Timestamp, string(kind)) // when the event was stored: a consumer's earliest sight of it
	})
	if err != nil {
		return res, fmt.Errorf("read the events stream: %w", err)
	}
	defer cc.Stop()

	start, mark := time.Now(), markCPU()
	ids, err := registerAll(ctx, emu, js, subjects, w)
	if err != nil {
		return res, err
	}
	res.Intake = time.Since(start)
	fmt.Fprintf(env.log, "  %d tasks created and registered in %s\n", len(ids), res.Intake.Round(time.Millisecond))
	waitErr := det.wait(ctx, len(ids), start.Add(w.lastEnd()+cfg.Grace), proc.done)
	res.Wall = time.Since(start)
	saveMetrics(httpAddr, filepath.Join(dir, "metrics.txt"))
	if err := proc.stop(60 * time.Second); err != nil {
		waitErr = errors.Join(waitErr, fmt.Errorf("worker: %w\nworker log:\n%s", err, tail(logPath, 2000)))
	}
	cc.Stop()
	res.collect(proc, mark, emu, ids, start, dir, env.log)
	if err := res.settle(emu, ids, det); err != nil {
		return res, err
	}
	counts, err := terminalCounts(ctx, js, subjects)
	if err != nil {
		return res, err
	}
	res.NotOne = moreThanOne(counts, ids)
	return res, waitErr
}

// settle computes latencies and outcomes from the detections of the tasks ids.
func (r *result) settle(emu *ecsemu.Server, ids []string, det *detections) error {
	end, err := ends(emu, ids)
	if err != nil {
		return err
	}
	seen, outcome := det.snapshot()
	r.Latencies, r.Missing = latencies(end, seen)
	for _, o := range outcome {
		if o != string(events.KindFinished) {
			r.NotFinished++
		}
	}
	return nil
}

// registerAll creates each task of w in emu and at once registers it, registerParallel at a
// time, and returns the task ids.
func registerAll(ctx context.Context, emu *ecsemu.Server, js jetstream.JetStream, s events.Subjects, w workload) ([]string, error) {
	ids := make([]string, len(w.lives))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(registerParallel)
	for i := range w.lives {
		g.Go(func() error {
			id, err := w.addTask(emu, i)
			if err != nil {
				return err
			}
			ids[i] = id
			_, err = natsclient.Register(gctx, js, s, events.Registration{RegionID: w.region, TaskID: id})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("register: %w", err)
	}
	return ids, nil
}

// terminalCounts counts the terminal events stored per task, as the server reports them.
func terminalCounts(ctx context.Context, js jetstream.JetStream, s events.Subjects) (map[string]int, error) {
	st, err := js.Stream(ctx, s.StreamName(events.EventsRole))
	if err != nil {
		return nil, fmt.Errorf("events stream: %w", err)
	}
	counts := map[string]int{}
	for _, kind := range []events.Kind{events.KindFinished, events.KindFailed} {
		info, err := st.Info(ctx, jetstream.WithSubjectFilter(s.Kind(kind)))
		if err != nil {
			return nil, fmt.Errorf("events stream info: %w", err)
		}
		for subj, n := range info.State.Subjects {
			if _, _, _, task, ok := s.ParseEvent(subj); ok {
				counts[task] += int(n)
			}
		}
	}
	return counts, nil
}

// saveMetrics keeps the worker's /metrics at the end of the run (best effort).
func saveMetrics(addr, path string) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, resp.Body)
}
