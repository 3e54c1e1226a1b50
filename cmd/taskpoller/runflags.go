package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// defaultNATSListen is where the embedded NATS server of run and demo listens.
const defaultNATSListen = "127.0.0.1:4222"

// runConfig is the configuration of `taskpoller run`. Its flags come in groups (groups).
type runConfig struct {
	NATS          natsclient.ConnConfig
	NATSListen    string
	DataDir       string
	ECSEndpoint   string
	SubjectPrefix string
	// Poll is the worker's configuration, complete (poller.DefaultConfig): a flag set to 0
	// keeps the meaning its help gives (see poll).
	Poll      poller.Config
	QPSFor    qpsFor
	Setup     natsjs.SetupConfig
	HTTPAddr  string
	PProfAddr string
	Log       logConfig
	Discover  discoverFlags // discoverflags.go
	Accounts  accountFlags  // accountflags.go
}

// flagGroup is a group of `taskpoller run`'s flags: register defines them on fs, each over its
// field of runConfig and with its default; validate reports what cannot work within the group
// (runConfig.Validate checks what spans groups). A new group is a type with these two methods,
// added to groups.
type flagGroup interface {
	register(fs *flag.FlagSet)
	validate() error
}

// groups are the flags of `taskpoller run`, group by group.
func (c *runConfig) groups() []flagGroup {
	return []flagGroup{
		natsFlags{c}, pollFlags{&c.Poll}, ecsFlags{c}, workerFlags{&c.Poll}, assetFlags{&c.Setup}, serveFlags{c}, logFlags{&c.Log},
		&c.Discover, &c.Accounts,
	}
}

func (c *runConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	c.Poll = poller.DefaultConfig()
	for _, g := range c.groups() {
		g.register(fs)
	}
	return fs
}

// Validate reports every setting that cannot work.
func (c *runConfig) Validate() error {
	var errs []error
	for _, g := range c.groups() {
		errs = append(errs, g.validate())
	}
	errs = append(errs, c.poll().Validate())
	if c.Poll.APITimeout >= c.Setup.AckWait {
		errs = append(errs, fmt.Errorf("--api-timeout (%s) must be shorter than --ack-wait (%s): a lease must outlive a call", c.Poll.APITimeout, c.Setup.AckWait))
	}
	if last := c.Poll.TaskTimeout + c.Poll.PollMax; c.Setup.StateTTL <= last {
		// A tracked task ends by its last chance (the deadline plus one --poll-max); its state
		// must outlive it.
		errs = append(errs, fmt.Errorf("--state-ttl (%s) must exceed --task-timeout plus --poll-max (%s)", c.Setup.StateTTL, last))
	}
	if c.Setup.EventsMaxAge <= c.Poll.TaskTimeout {
		errs = append(errs, fmt.Errorf("--events-max-age (%s) must exceed --task-timeout (%s): a task's events are what keep it from ending twice", c.Setup.EventsMaxAge, c.Poll.TaskTimeout))
	}
	if len(c.Discover.Regions.items) > 0 && c.Discover.Lookback > c.Setup.EventsMaxAge {
		// A task is listed while it was created within the lookback; its terminal event,
		// published after its creation, must still be stored then, or it is announced again.
		errs = append(errs, fmt.Errorf("--discover-lookback (%s) must not exceed --events-max-age (%s): a task listed after its events expired would end a second time", c.Discover.Lookback, c.Setup.EventsMaxAge))
	}
	return errors.Join(errs...)
}

// poll returns the worker's config: Poll with the --api-qps-for overrides, as the worker uses
// it (poller.Config.WithDefaults: --api-burst 0 follows --api-qps, which the worker caps to its
// headroom).
func (c *runConfig) poll() poller.Config {
	p := c.Poll
	c.QPSFor.apply(&p)
	return p.WithDefaults()
}

// natsFlags: the NATS server to use, or the embedded one to start, and the subjects.
type natsFlags struct{ *runConfig }

func (g natsFlags) register(fs *flag.FlagSet) {
	g.NATS.RegisterFlags(fs, "", "NATS server URL(s), comma-separated; empty: start an embedded NATS server with JetStream")
	fs.StringVar(&g.NATSListen, "nats-listen", defaultNATSListen, "address of the embedded NATS server (only when --nats-url is empty)")
	fs.StringVar(&g.DataDir, "data-dir", "taskpoller-data", "JetStream storage of the embedded NATS server")
	fs.StringVar(&g.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "prefix of every NATS subject")
}

func (g natsFlags) validate() error {
	var errs []error
	if _, err := events.NewSubjects(g.SubjectPrefix); err != nil {
		errs = append(errs, fmt.Errorf("--subject-prefix: %w", err))
	}
	errs = append(errs, g.NATS.Validate())
	if g.NATS.URL == "" {
		if _, port, err := net.SplitHostPort(g.NATSListen); err != nil {
			errs = append(errs, fmt.Errorf("--nats-listen: %w", err))
		} else if _, err := strconv.Atoi(port); err != nil {
			errs = append(errs, fmt.Errorf("--nats-listen port %q: %w", port, err))
		}
	}
	return errors.Join(errs...)
}

// pollFlags: how often each task is polled, and how long it may live.
type pollFlags struct{ *poller.Config }

func (g pollFlags) register(fs *flag.FlagSet) {
	d := poller.DefaultConfig()
	durationVar(fs, &g.PollInitial, "poll-initial", d.PollInitial, positive, "first poll interval, and again after each status change")
	durationVar(fs, &g.PollMax, "poll-max", d.PollMax, positive, "longest poll interval (with DescribeTasks: a task whose end can be estimated is read at the estimate, at least this often)")
	floatVar(fs, &g.PollMultiplier, "poll-multiplier", d.PollMultiplier, positive, "growth of the poll interval per poll")
	fs.Float64Var(&g.PollJitter, "poll-jitter", d.PollJitter, "randomization of each interval, 0 (none) to below 1 (0.2: ±20%)")
	durationVar(fs, &g.TaskTimeout, "task-timeout", d.TaskTimeout, positive, "a task not finished this long after registration fails with reason timeout")
	fs.BoolVar(&g.CancelOnTimeout, "cancel-on-timeout", d.CancelOnTimeout, "at --task-timeout, cancel a task that can be canceled (ImportImage, ExportImage, or any task ECS reports SupportCancel for) with ECS CancelTask (the RAM identity needs ecs:CancelTask) before publishing failed with reason timeout; the event's cancel field says what ECS answered")
	durationVar(fs, &g.NotFoundGrace, "not-found-grace", d.NotFoundGrace, zeroOK, "how long InvalidTaskId.NotFound is tolerated before the task fails with reason task_not_found; 0: not at all, the first one fails the task")
}

// validate refuses a negative --poll-jitter, a plain flag; poller.Config checks the rest.
func (g pollFlags) validate() error {
	if g.PollJitter < 0 {
		return fmt.Errorf("--poll-jitter must not be negative (0: none), got %g", g.PollJitter)
	}
	return nil
}

// ecsFlags: the calls to ECS.
type ecsFlags struct{ *runConfig }

func (g ecsFlags) register(fs *flag.FlagSet) {
	d, p := poller.DefaultConfig(), &g.Poll
	registerECSEndpoint(fs, &g.ECSEndpoint)
	durationVar(fs, &p.APITimeout, "api-timeout", d.APITimeout, positive, "timeout of one ECS call (DescribeTaskAttribute, DescribeTasks, CancelTask at --task-timeout)")
	floatVar(fs, &p.APIQPS, "api-qps", d.APIQPS, positive, "ECS calls per second per region and API, for all workers together (each takes its share); lowered under sustained throttling, never below a quarter")
	fs.Var(&g.QPSFor, "api-qps-for", "per-API overrides of --api-qps, e.g. DescribeTasks=5,DescribeTaskAttribute=20")
	intVar(fs, &p.APIBurst, "api-burst", d.APIBurst, zeroOK, "calls per region that may go at once (the token bucket), at most the tenth of the worker's share of --api-qps kept free, so a full bucket plus a second at the rate fit a per-second quota; 0: that tenth (at least 1)")
	durationVar(fs, &p.BatchInterval, "batch-interval", d.BatchInterval, zeroOK, "how often the status of every tracked task is checked with DescribeTasks (100 tasks a call); a task's DescribeTaskAttribute is then called only on a change and for progress at its backoff's pace; 0: per-task polling only")
	durationVar(fs, &p.HandBackAfter, "hand-back-after", d.HandBackAfter, positive, "when ECS refuses this worker's calls (credentials, permissions, clock) this long, hand its tasks back to other workers and take no more until a probe call is accepted")
	durationVar(fs, &p.UnreachableAfter, "ecs-unreachable-after", d.UnreachableAfter, positive, "when no ECS call to a region (at least three) is answered this long — connections refused, timeouts, 5xx — log a warning and report not ready until one is; tasks are kept, nothing is handed back")
}

func (g ecsFlags) validate() error { return nil } // the flags refuse what cannot work

// workerFlags: the worker's name and capacity.
type workerFlags struct{ *poller.Config }

func (g workerFlags) register(fs *flag.FlagSet) {
	d := poller.DefaultConfig()
	host, _ := os.Hostname()
	intVar(fs, &g.MaxTracked, "max-tracked", d.MaxTracked, positive, "tasks this worker tracks at once; the tasks of its partitions beyond that wait in the tasks bucket, and go to workers with room")
	intVar(fs, &g.Concurrency, "concurrency", d.Concurrency, positive, "polls in flight at once")
	fs.StringVar(&g.WorkerID, "worker-id", host, "name of this worker in logs and task state")
	durationVar(fs, &g.StallAfter, "stall-after", d.StallAfter, positive, "when taking registrations from NATS fails this long, /healthz reports unhealthy")
}

func (g workerFlags) validate() error { return nil } // the flags refuse what cannot work

// assetFlags: the JetStream streams, consumer and buckets (natsjs.Setup).
type assetFlags struct{ *natsjs.SetupConfig }

func (g assetFlags) register(fs *flag.FlagSet) {
	durationVar(fs, &g.AckWait, "ack-wait", 30*time.Second, positive, "TTL of the partition leases, renewed every third of it: how soon other workers take over the tasks of a dead one (also the registrations consumer's ack wait)")
	intVar(fs, &g.Replicas, "replicas", 1, positive, "replicas of the streams and the state bucket (3 on a cluster)")
	durationVar(fs, &g.EventsMaxAge, "events-max-age", 7*24*time.Hour, positive, "how long the events stream keeps events: a task registered again within it is settled from its stored terminal event; must exceed --task-timeout")
	durationVar(fs, &g.DedupWindow, "dedup-window", 10*time.Minute, positive, "duplicate window of the events stream; must exceed --ack-wait by far")
	durationVar(fs, &g.StateTTL, "state-ttl", 8*24*time.Hour, positive, "how long task state is kept after its last change; must exceed --task-timeout plus --poll-max")
	intVar(fs, &g.MaxAckPending, "max-ack-pending", 100000, positive, "registrations being recorded by all workers at once (the consumer's MaxAckPending)")
}

func (g assetFlags) validate() error {
	var errs []error
	if g.Replicas < 1 || g.Replicas > 5 {
		errs = append(errs, fmt.Errorf("--replicas must be 1 to 5, got %d", g.Replicas))
	}
	if g.AckWait < time.Second {
		errs = append(errs, fmt.Errorf("--ack-wait must be at least 1s, got %s", g.AckWait))
	}
	if g.DedupWindow < 2*g.AckWait {
		errs = append(errs, fmt.Errorf("--dedup-window (%s) must be at least twice --ack-wait (%s)", g.DedupWindow, g.AckWait))
	}
	if g.EventsMaxAge < g.DedupWindow {
		errs = append(errs, fmt.Errorf("--events-max-age (%s) must be at least --dedup-window (%s)", g.EventsMaxAge, g.DedupWindow))
	}
	return errors.Join(errs...)
}

// serveFlags: the HTTP endpoints.
type serveFlags struct{ *runConfig }

func (g serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.HTTPAddr, "http-addr", ":9090", "address of /metrics, /healthz and /readyz; empty: none")
	fs.StringVar(&g.PProfAddr, "pprof-addr", "", "serve Go's profiles (net/http/pprof) under /debug/pprof/ on this loopback address, e.g. 127.0.0.1:6060 (another address is refused; /debug/pprof/cmdline is not served, as the command line holds secrets); empty: none")
}

func (g serveFlags) validate() error {
	if g.PProfAddr == "" {
		return nil
	}
	if err := loopbackAddr(g.PProfAddr); err != nil {
		return fmt.Errorf("--pprof-addr %s: %w", g.PProfAddr, err)
	}
	return nil
}

// logFlags: the worker's logs, JSON at info.
type logFlags struct{ *logConfig }

func (g logFlags) register(fs *flag.FlagSet) { g.logConfig.register(fs, "info", "json") }
