package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// demoConfig is the configuration of `taskpoller demo`.
type demoConfig struct {
	NATSListen string
	ECSListen  string
	TimeScale  float64
	FaultRate  float64
	Timeout    time.Duration
	Keep       bool
	Plain      bool
	Log        logConfig
}

func (c *demoConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.StringVar(&c.NATSListen, "nats-listen", defaultNATSListen, "address of the embedded NATS server (a free port is used if it is taken)")
	fs.StringVar(&c.ECSListen, "ecs-listen", "127.0.0.1:0", "address of the ECS emulator (port 0: a free port; the demo prints it)")
	floatVar(fs, &c.TimeScale, "time-scale", 90, positive, "how much faster than real ECS the emulated tasks run (90: a 20-minute export takes 14s)")
	floatVar(fs, &c.FaultRate, "fault-rate", 0.06, zeroOK, "fraction of ECS calls answered with throttling or 5xx errors, to show retries; 0: none")
	durationVar(fs, &c.Timeout, "timeout", 3*time.Minute, positive, "give up if the tasks have not all ended by then")
	fs.BoolVar(&c.Keep, "keep", false, "keep NATS and the worker running after the tasks end, until Ctrl-C (to explore with the nats CLI)")
	fs.BoolVar(&c.Plain, "plain", false, "print one line per event instead of the live table (automatic when stdout is not a terminal)")
	c.Log.register(fs, "error", "console")
	return fs
}

// Validate checks the demo's settings.
func (c *demoConfig) Validate() error {
	var errs []error
	if c.TimeScale < 1 {
		errs = append(errs, fmt.Errorf("--time-scale must be at least 1, got %g", c.TimeScale))
	}
	if c.FaultRate < 0 || c.FaultRate > 0.5 {
		errs = append(errs, fmt.Errorf("--fault-rate must be in [0, 0.5], got %g", c.FaultRate))
	}
	return errors.Join(append(errs, c.Log.validate())...)
}

const (
	demoRegion = "cn-hangzhou"
	// The ECS emulator's default key (cmd/ecs-emulator --access-keys), as in the README's first
	// loop and the compose stack: one demo credential everywhere.
	demoAK     = "test-ak"
	demoSecret = "test-secret"
)

// demo runs NATS, the ECS emulator and a worker in this process, creates tasks through the
// real SDK, registers all but one of them (the worker discovers that one) and shows their
// events until every task has ended.
func demo(ctx context.Context, cfg demoConfig, out, logOut io.Writer) error {
	log := cfg.Log.build(logOut)
	dir, err := os.MkdirTemp("", "taskpoller-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	srv, err := startEmbedded(cfg.NATSListen, filepath.Join(dir, "jetstream"))
	if err != nil {
		srv, err = startEmbedded("127.0.0.1:-1", filepath.Join(dir, "jetstream"))
	}
	if err != nil {
		return err
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()

	half := cfg.FaultRate / 2
	emu, err := ecsemu.New(ecsemu.WithAddr(cfg.ECSListen), ecsemu.WithCredentials(demoAK, demoSecret), ecsemu.WithTimeScale(cfg.TimeScale),
		ecsemu.WithFaults(ecsemu.Faults{Throttle: half, Unavailable: half / 2, Internal: half / 2, Actions: []string{"DescribeTaskAttribute"}}))
	if err != nil {
		return err
	}
	defer emu.Close()
	cred, err := ecsapi.StaticCredential(demoAK, demoSecret, "")
	if err != nil {
		return err
	}
	api, err := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: cred, Timeout: 5 * time.Second})
	if err != nil {
		return err
	}

	wcfg := demoWorkerConfig(emu.URL())
	if err := wcfg.Validate(); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	workerCtx, stopWorker := context.WithCancel(gctx)
	defer stopWorker()
	ready := make(chan struct{})
	g.Go(func() error { return runWorker(workerCtx, wcfg, srv.ClientURL(), ready, log, withCredential(cred)) })
	g.Go(func() error {
		defer stopWorker()
		select {
		case <-ready:
		case <-workerCtx.Done():
			return nil
		}
		return demoScenario(workerCtx, cfg, srv, emu, api, out)
	})
	return g.Wait()
}

func demoWorkerConfig(endpoint string) runConfig {
	var c runConfig
	_ = parse(c.flags(), nil, io.Discard)
	c.ECSEndpoint = endpoint
	c.Poll.PollInitial, c.Poll.PollMax, c.Poll.PollMultiplier = 300*time.Millisecond, 2*time.Second, 1.6
	c.Poll.APIQPS, c.Poll.APIBurst = 20, 20
	c.Poll.WorkerID = "demo-worker"
	c.HTTPAddr = ""
	// Discovery lists the demo's region every 2 s and registers what no one registered.
	c.Discover.Regions.items, c.Discover.Interval, c.Discover.Lookback = []string{demoRegion}, 2*time.Second, time.Hour
	return c
}

// demoScenario creates and registers the tasks and shows their events.
func demoScenario(ctx context.Context, cfg demoConfig, srv *server.Server, emu *ecsemu.Server, api *ecsapi.Client, out io.Writer) error {
	subjects, _ := events.NewSubjects(events.DefaultPrefix)
	nc, js, err := natsclient.ConnConfig{}.Dial(srv.ClientURL(), "taskpoller demo", zap.NewNop())
	if err != nil {
		return err
	}
	defer nc.Close()
	outer := ctx
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	// Each task is registered as soon as it is created, as a producer would: before the
	// worker's discovery can list it (the unregistered one excepted).
	tasks, err := createDemoTasks(ctx, emu, api, func(t *demoTask) error {
		if t.Unregistered {
			return nil // discovery finds it
		}
		md, _ := json.Marshal(map[string]string{"demo": "taskpoller", "what": t.What})
		if _, err := natsclient.Register(ctx, js, subjects, events.Registration{RegionID: demoRegion, TaskID: t.ID, Metadata: md}); err != nil {
			return fmt.Errorf("register %s: %w", t.ID, err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create tasks through the SDK: %w", err)
	}
	view := newDemoView(out, tasks, !cfg.Plain && isTerminal(out), srv.ClientURL(), emu.URL(), cfg.TimeScale)
	view.header()
	evs, err := js.OrderedConsumer(ctx, subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{})
	if err != nil {
		return err
	}
	incoming := make(chan jetstream.Msg, 64)
	cc, err := evs.Consume(func(m jetstream.Msg) {
		select {
		case incoming <- m:
		case <-ctx.Done():
		}
	})
	if err != nil {
		return err
	}
	defer cc.Stop()
	canceled := false
	for !view.done() {
		select {
		case m := <-incoming:
			var stored time.Time
			if meta, err := m.Metadata(); err == nil {
				stored = meta.Timestamp
			}
			ev := view.apply(m.Subject(), m.Data(), stored)
			if t := view.task(ev.Data.TaskID); t != nil && t.Cancel && !canceled && ev.Data.TaskStatus == "Processing" {
				canceled = true
				if err := api.CancelTask(ctx, demoRegion, t.ID); err != nil {
					return fmt.Errorf("cancel %s: %w", t.ID, err)
				}
				view.note(fmt.Sprintf("CancelTask %s sent through the SDK", t.ID))
			}
		case <-ctx.Done():
			view.render()
			return fmt.Errorf("not every task ended in time: %w", context.Cause(ctx))
		}
	}
	view.summary(emu.Stats())
	if cfg.Keep {
		fmt.Fprintf(out, "\nStill running (--keep): NATS at %s, the ECS emulator at %s, the worker. Press Ctrl-C to stop.\n", srv.ClientURL(), emu.URL())
		fmt.Fprintf(out, "  go run ./cmd/taskpoller tasks --nats-url %s\n", srv.ClientURL())
		fmt.Fprintf(out, "  go run ./cmd/taskpoller status --nats-url %s --region %s --task %s\n", srv.ClientURL(), demoRegion, tasks[0].ID)
		fmt.Fprintf(out, "  ALIBABA_CLOUD_ACCESS_KEY_ID=%s ALIBABA_CLOUD_ACCESS_KEY_SECRET=%s \\\n    go run ./cmd/taskpoller cancel --ecs-endpoint %s --region %s --task t-...\n",
			demoAK, demoSecret, emu.URL(), demoRegion)
		<-outer.Done()
	}
	return nil
}
