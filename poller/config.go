package poller

import (
	"errors"
	"fmt"
	"time"
)

// Config tunes a Worker. Zero fields get the defaults documented on each field.
type Config struct {
	PollInitial    time.Duration // first interval, and again after each status change; 5s
	PollMax        time.Duration // interval cap; 60s
	PollMultiplier float64       // interval growth per poll; 1.5
	PollJitter     float64       // randomization factor, below 1 (0.2: ±20%); negative: no jitter; 0.2
	TaskTimeout    time.Duration // a task not terminal this long after registration fails; 24h
	NotFoundGrace  time.Duration // InvalidTaskId.NotFound is tolerated this long; negative: not at all; 30s
	APITimeout     time.Duration // one DescribeTaskAttribute call; 10s
	APIQPS         float64       // calls per second per region and API, for the whole fleet (see WithFleet); 10
	APIBurst       int           // token bucket size per region, at most the headroom of the worker's share (a full bucket plus a second's rate fit a per-second quota, see newQuotaLimits); APIQPS, so the headroom, at least 1
	ThrottleQuiet  time.Duration // no rate cut this long (here or in the fleet): a lowered rate climbs back; 1m
	MaxTracked     int           // tasks one worker tracks at once; 100000
	Concurrency    int           // polls in flight at once; 16
	WorkerID       string        // names this worker in the state store and logs; "worker"
	// HandBackAfter: when ECS has refused this worker's calls (credentials, permissions,
	// clock) this long, it stops taking registrations and hands back those it holds, so that
	// a healthy worker goes on; it probes ECS and takes registrations again once a call is
	// accepted. 1m.
	HandBackAfter time.Duration
	// StallAfter: taking registrations failing this long makes Healthy report an error. 1m.
	StallAfter time.Duration
	// UnreachableAfter: when every call to a region — at least three — has gone unanswered
	// this long (connection refused, timeouts, 5xx answers, bodies that are not JSON), the
	// worker logs a warning and is not ready until a call to the region is answered; tasks are
	// kept and nothing is handed back (see reach). 30s: a blip (a restarting proxy, a burst of
	// 503s) never shows, and /readyz tells before the 1m bounds above act.
	UnreachableAfter time.Duration
	// BatchQPS is the rate of DescribeTasks calls per region for the whole fleet; APIQPS.
	BatchQPS float64
	// BatchInterval is how often the status of every tracked task is checked with
	// DescribeTasks, when the TaskAPI is a BatchTaskAPI; 500ms. Negative: never (per-task
	// polling only).
	BatchInterval time.Duration
	// CancelOnTimeout: at a task's deadline, cancel it (the TaskAPI must be a TaskCanceler)
	// when it can be canceled (Cancelable) before failing it with reason timeout; the event
	// says what became of the call (events.Data.Cancel). false: tasks are left running.
	CancelOnTimeout bool
}

// WithDefaults returns c with every zero field set to its default, as NewWorker does.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.PollInitial, 5*time.Second)
	def(&c.PollMax, 60*time.Second)
	def(&c.TaskTimeout, 24*time.Hour)
	def(&c.NotFoundGrace, 30*time.Second)
	def(&c.APITimeout, 10*time.Second)
	def(&c.ThrottleQuiet, time.Minute)
	def(&c.HandBackAfter, time.Minute)
	def(&c.StallAfter, time.Minute)
	def(&c.UnreachableAfter, 30*time.Second)
	def(&c.BatchInterval, 500*time.Millisecond)
	if c.PollMultiplier == 0 {
		c.PollMultiplier = 1.5
	}
	if c.PollJitter == 0 {
		c.PollJitter = 0.2
	}
	if c.APIQPS == 0 {
		c.APIQPS = 10
	}
	if c.BatchQPS == 0 {
		c.BatchQPS = c.APIQPS
	}
	if c.APIBurst == 0 {
		c.APIBurst = max(1, int(c.APIQPS))
	}
	if c.MaxTracked == 0 {
		c.MaxTracked = 100000
	}
	if c.Concurrency == 0 {
		c.Concurrency = 16
	}
	if c.WorkerID == "" {
		c.WorkerID = "worker"
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(c.PollInitial > 0, "poll initial interval must be positive, got %s", c.PollInitial)
	check(c.PollMax >= c.PollInitial, "poll max (%s) must be at least poll initial (%s)", c.PollMax, c.PollInitial)
	check(c.PollMultiplier >= 1, "poll multiplier must be at least 1, got %g", c.PollMultiplier)
	check(c.PollJitter < 1, "poll jitter must be below 1, got %g", c.PollJitter)
	check(c.TaskTimeout > 0, "task timeout must be positive, got %s", c.TaskTimeout)
	check(c.APITimeout > 0, "API timeout must be positive, got %s", c.APITimeout)
	check(c.APIQPS > 0, "API QPS must be positive, got %g", c.APIQPS)
	check(c.BatchQPS > 0, "DescribeTasks QPS must be positive, got %g", c.BatchQPS)
	check(c.APIBurst >= 1, "API burst must be at least 1, got %d", c.APIBurst)
	check(c.MaxTracked >= 1, "max tracked must be at least 1, got %d", c.MaxTracked)
	check(c.Concurrency >= 1, "concurrency must be at least 1, got %d", c.Concurrency)
	check(c.HandBackAfter > 0, "hand-back delay must be positive, got %s", c.HandBackAfter)
	check(c.StallAfter > 0, "intake stall bound must be positive, got %s", c.StallAfter)
	check(c.UnreachableAfter > 0, "ECS unreachable bound must be positive, got %s", c.UnreachableAfter)
	return errors.Join(errs...)
}
