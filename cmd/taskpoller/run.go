package main

import (
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// runConfig is the configuration of `taskpoller run`.
type runConfig struct {
	NATS          natsclient.ConnConfig
	NATSListen    string
	DataDir       string
	ECSEndpoint   string
	SubjectPrefix string
	Poll          poller.Config
	QPSFor        qpsFor
	Setup         natsjs.SetupConfig
	HTTPAddr      string
	PProfAddr     string
	Log           logConfig
}

func (c *runConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	host, _ := os.Hostname()
	c.NATS.RegisterFlags(fs, "", "NATS server URL(s), comma-separated; empty: start an embedded NATS server with JetStream")
	fs.StringVar(&c.NATSListen, "nats-listen", "127.0.0.1:4222", "address of the embedded NATS server (only when --nats-url is empty)")
	fs.StringVar(&c.DataDir, "data-dir", "taskpoller-data", "JetStream storage of the embedded NATS server")
	registerECSEndpoint(fs, &c.ECSEndpoint)
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "prefix of every NATS subject")
	durationVar(fs, &c.Poll.PollInitial, "poll-initial", 5*time.Second, positive, "first poll interval, and again after each status change")
	durationVar(fs, &c.Poll.PollMax, "poll-max", 60*time.Second, positive, "longest poll interval (with DescribeTasks: a task whose end can be estimated is read at the estimate, at least this often)")
	floatVar(fs, &c.Poll.PollMultiplier, "poll-multiplier", 1.5, positive, "growth of the poll interval per poll")
	fs.Float64Var(&c.Poll.PollJitter, "poll-jitter", 0.2, "randomization of each interval, 0 (none) to below 1 (0.2: ±20%)")
	durationVar(fs, &c.Poll.TaskTimeout, "task-timeout", 24*time.Hour, positive, "a task not finished this long after registration fails with reason timeout")
	fs.BoolVar(&c.Poll.CancelOnTimeout, "cancel-on-timeout", false, "at --task-timeout, cancel a task that can be canceled (ImportImage, ExportImage, or any task ECS reports SupportCancel for) with ECS CancelTask (the RAM identity needs ecs:CancelTask) before publishing failed with reason timeout; the event's cancel field says what ECS answered")
	durationVar(fs, &c.Poll.NotFoundGrace, "not-found-grace", 30*time.Second, zeroOK, "how long InvalidTaskId.NotFound is tolerated before the task fails with reason task_not_found; 0: not at all, the first one fails the task")
	durationVar(fs, &c.Poll.APITimeout, "api-timeout", 10*time.Second, positive, "timeout of one DescribeTaskAttribute call")
	floatVar(fs, &c.Poll.APIQPS, "api-qps", 10, positive, "ECS calls per second per region and API, for all workers together (each takes its share); lowered under sustained throttling, never below a quarter")
	fs.Var(&c.QPSFor, "api-qps-for", "per-API overrides of --api-qps, e.g. DescribeTasks=5,DescribeTaskAttribute=20")
	intVar(fs, &c.Poll.APIBurst, "api-burst", 0, zeroOK, "calls per region that may go at once (the token bucket), at most the tenth of the worker's share of --api-qps kept free, so a full bucket plus a second at the rate fit a per-second quota; 0: that tenth (at least 1)")
	durationVar(fs, &c.Setup.AckWait, "ack-wait", 30*time.Second, positive, "TTL of the partition leases, renewed every third of it: how soon other workers take over the tasks of a dead one (also the registrations consumer's ack wait)")
	intVar(fs, &c.Poll.MaxTracked, "max-tracked", 100000, positive, "tasks this worker tracks at once; the tasks of its partitions beyond that wait in the tasks bucket, and go to workers with room")
	intVar(fs, &c.Poll.Concurrency, "concurrency", 16, positive, "polls in flight at once")
	fs.StringVar(&c.Poll.WorkerID, "worker-id", host, "name of this worker in logs and task state")
	durationVar(fs, &c.Poll.HandBackAfter, "hand-back-after", time.Minute, positive, "when ECS refuses this worker's calls (credentials, permissions, clock) this long, hand its tasks back to other workers and take no more until a probe call is accepted")
	durationVar(fs, &c.Poll.UnreachableAfter, "ecs-unreachable-after", 30*time.Second, positive, "when no ECS call to a region (at least three) is answered this long — connections refused, timeouts, 5xx — log a warning and report not ready until one is; tasks are kept, nothing is handed back")
	durationVar(fs, &c.Poll.BatchInterval, "batch-interval", 500*time.Millisecond, zeroOK, "how often the status of every tracked task is checked with DescribeTasks (100 tasks a call); a task's DescribeTaskAttribute is then called only on a change and for progress at its backoff's pace; 0: per-task polling only")
	durationVar(fs, &c.Poll.StallAfter, "stall-after", time.Minute, positive, "when taking registrations from NATS fails this long, /healthz reports unhealthy")
	intVar(fs, &c.Setup.Replicas, "replicas", 1, positive, "replicas of the streams and the state bucket (3 on a cluster)")
	durationVar(fs, &c.Setup.EventsMaxAge, "events-max-age", 7*24*time.Hour, positive, "how long the events stream keeps events: a task registered again within it is settled from its stored terminal event; must exceed --task-timeout")
	durationVar(fs, &c.Setup.DedupWindow, "dedup-window", 10*time.Minute, positive, "duplicate window of the events stream; must exceed --ack-wait by far")
	durationVar(fs, &c.Setup.StateTTL, "state-ttl", 8*24*time.Hour, positive, "how long task state is kept after its last change; must exceed --task-timeout plus --poll-max")
	intVar(fs, &c.Setup.MaxAckPending, "max-ack-pending", 100000, positive, "registrations being recorded by all workers at once (the consumer's MaxAckPending)")
	fs.StringVar(&c.HTTPAddr, "http-addr", ":9090", "address of /metrics, /healthz and /readyz; empty: none")
	fs.StringVar(&c.PProfAddr, "pprof-addr", "", "serve Go's profiles (net/http/pprof) under /debug/pprof/ on this loopback address, e.g. 127.0.0.1:6060 (another address is refused; /debug/pprof/cmdline is not served, as the command line holds secrets); empty: none")
	c.Log.register(fs, "info", "json")
	return fs
}

// Validate reports every setting that cannot work.
func (c *runConfig) Validate() error {
	var errs []error
	if _, err := events.NewSubjects(c.SubjectPrefix); err != nil {
		errs = append(errs, fmt.Errorf("--subject-prefix: %w", err))
	}
	if c.Poll.BatchInterval < 0 {
		errs = append(errs, fmt.Errorf("--batch-interval must not be negative (0: per-task polling only), got %s", c.Poll.BatchInterval))
	}
	if c.Poll.PollJitter < 0 {
		errs = append(errs, fmt.Errorf("--poll-jitter must not be negative (0: none), got %g", c.Poll.PollJitter))
	}
	errs = append(errs, c.NATS.Validate(), c.Log.validate(), c.poll().Validate())
	if c.NATS.URL == "" {
		if _, port, err := net.SplitHostPort(c.NATSListen); err != nil {
			errs = append(errs, fmt.Errorf("--nats-listen: %w", err))
		} else if _, err := strconv.Atoi(port); err != nil {
			errs = append(errs, fmt.Errorf("--nats-listen port %q: %w", port, err))
		}
	}
	if c.PProfAddr != "" {
		if err := loopbackAddr(c.PProfAddr); err != nil {
			errs = append(errs, fmt.Errorf("--pprof-addr %s: %w", c.PProfAddr, err))
		}
	}
	if c.Setup.Replicas < 1 || c.Setup.Replicas > 5 {
		errs = append(errs, fmt.Errorf("--replicas must be 1 to 5, got %d", c.Setup.Replicas))
	}
	if c.Setup.AckWait < time.Second {
		errs = append(errs, fmt.Errorf("--ack-wait must be at least 1s, got %s", c.Setup.AckWait))
	}
	if c.Poll.APITimeout >= c.Setup.AckWait {
		errs = append(errs, fmt.Errorf("--api-timeout (%s) must be shorter than --ack-wait (%s): a lease must outlive a call", c.Poll.APITimeout, c.Setup.AckWait))
	}
	if c.Setup.DedupWindow < 2*c.Setup.AckWait {
		errs = append(errs, fmt.Errorf("--dedup-window (%s) must be at least twice --ack-wait (%s)", c.Setup.DedupWindow, c.Setup.AckWait))
	}
	if last := c.Poll.TaskTimeout + c.Poll.PollMax; c.Setup.StateTTL <= last {
		// A tracked task ends by its last chance (the deadline plus one --poll-max); its state
		// must outlive it.
		errs = append(errs, fmt.Errorf("--state-ttl (%s) must exceed --task-timeout plus --poll-max (%s)", c.Setup.StateTTL, last))
	}
	if c.Setup.EventsMaxAge < c.Setup.DedupWindow {
		errs = append(errs, fmt.Errorf("--events-max-age (%s) must be at least --dedup-window (%s)", c.Setup.EventsMaxAge, c.Setup.DedupWindow))
	}
	if c.Setup.EventsMaxAge <= c.Poll.TaskTimeout {
		errs = append(errs, fmt.Errorf("--events-max-age (%s) must exceed --task-timeout (%s): a task's events are what keep it from ending twice", c.Setup.EventsMaxAge, c.Poll.TaskTimeout))
	}
	return errors.Join(errs...)
}

// poll returns the worker's config. --poll-jitter 0 means no jitter, --batch-interval 0 no
// batch checks and --not-found-grace 0 no grace, which poller.Config spells as negatives (its
// zeros mean the defaults). Every other zero is refused when the flag is parsed.
func (c *runConfig) poll() poller.Config {
	p := c.Poll
	if p.PollJitter == 0 {
		p.PollJitter = -1
	}
	if p.BatchInterval == 0 {
		p.BatchInterval = -1 // --batch-interval 0: per-task polling only
	}
	if p.NotFoundGrace == 0 {
		p.NotFoundGrace = -1 // --not-found-grace 0: none
	}
	if q, ok := c.QPSFor["DescribeTaskAttribute"]; ok {
		p.APIQPS = q
	}
	if q, ok := c.QPSFor["DescribeTasks"]; ok {
		p.BatchQPS = q
	}
	return p.WithDefaults() // --api-burst 0: --api-qps, which the worker caps to its headroom
}

// run is `taskpoller run`: a worker until ctx ends.
func run(ctx context.Context, cfg runConfig, _, logOut io.Writer) error {
	log := cfg.Log.build(logOut)
	defer func() { _ = log.Sync() }()
	url := cfg.NATS.URL
	if url == "" {
		srv, err := startEmbedded(cfg.NATSListen, filepath.Join(cfg.DataDir, "jetstream"))
		if err != nil {
			return fmt.Errorf("--nats-listen: %w", err)
		}
		defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
		url = srv.ClientURL()
		log.Info("embedded NATS server started", zap.String("url", url), zap.String("store", cfg.DataDir))
	}
	return runWorker(ctx, cfg, url, nil, log)
}

func startEmbedded(listen, storeDir string) (*server.Server, error) {
	host, p, _ := net.SplitHostPort(listen)
	port, _ := strconv.Atoi(p)
	return natsjs.StartServer(natsjs.ServerConfig{Host: host, Port: port, StoreDir: storeDir})
}

// runWorker serves the HTTP endpoints at once (/healthz answers while the worker still waits
// for NATS), connects to url and runs a worker until ctx ends. ready, if not nil, is closed once
// the worker is set up.
func runWorker(ctx context.Context, cfg runConfig, url string, ready chan<- struct{}, log *zap.Logger, opts ...serviceOption) error {
	link := natsclient.NewLink(url, log)
	p := newProbes(link)
	g, gctx := errgroup.WithContext(ctx)
	if cfg.HTTPAddr != "" {
		g.Go(func() error { return serveHTTP(gctx, cfg.HTTPAddr, "/metrics, /healthz, /readyz", handler(p), log) })
	}
	if cfg.PProfAddr != "" {
		g.Go(func() error {
			return serveHTTP(gctx, cfg.PProfAddr, "Go's profiles under /debug/pprof/", pprofHandler(), log)
		})
	}
	g.Go(func() error {
		svc, err := newService(gctx, cfg, link, p.registry, log, opts...)
		if err != nil {
			if gctx.Err() != nil {
				return nil // stopped while still starting
			}
			return err
		}
		defer svc.close()
		p.started(svc)
		if ready != nil {
			close(ready)
		}
		log.Info("worker running", zap.String("worker_id", cfg.Poll.WorkerID), zap.String("subject_prefix", cfg.SubjectPrefix),
			zap.String("ecs_endpoint", endpointName(cfg.ECSEndpoint)))
		return svc.run(gctx)
	})
	err := g.Wait()
	log.Info("worker stopped")
	return err
}

func endpointName(e string) string {
	if e == "" {
		return "official regional endpoints"
	}
	return e
}
