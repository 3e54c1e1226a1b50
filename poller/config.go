package poller

import (
	"errors"
	"fmt"
	"time"
)

// Config tunes a Worker. Its defaults are stated once, in DefaultConfig.
//
// A Config from DefaultConfig is complete: every field is what it holds, zeros included, so
// a zero where the field says what 0 means (PollJitter, NotFoundGrace, BatchInterval) has that
// meaning, and a zero where 0 means nothing is refused by Validate. In any other Config (a
// literal such as Config{APIQPS: 5}) a zero field gets its default, so that a literal names
// only what it changes; there "off" is spelled negative (PollJitter: -1). APIBurst, BatchQPS
// and WorkerID follow other settings when zero (or empty) in every Config.
type Config struct {
	PollInitial    time.Duration // first interval, and again after each status change; 5s
	PollMax        time.Duration // interval cap; 60s
	PollMultiplier float64       // interval growth per poll; 1.5
	PollJitter     float64       // randomization factor, below 1 (0.2: ±20%); 0 in a complete Config, or negative: no jitter; 0.2
	TaskTimeout    time.Duration // a task not terminal this long after registration fails; 24h
	NotFoundGrace  time.Duration // InvalidTaskId.NotFound is tolerated this long; 0 in a complete Config, or negative: not at all; 30s
	APITimeout     time.Duration // one ECS call: DescribeTaskAttribute, DescribeTasks, CancelTask; 10s
	APIQPS         float64       // calls per second per region and API, for the whole fleet (see WithFleet); 10
	APIBurst       int           // token bucket size per region, at most the headroom of the worker's share (a full bucket plus a second's rate fit a per-second quota, see newQuotaLimits); 0: APIQPS, so the headroom, at least 1
	ThrottleQuiet  time.Duration // no rate cut this long (here or in the fleet): a lowered rate climbs back; 1m
	MaxTracked     int           // tasks one worker tracks at once; 100000
	Concurrency    int           // polls in flight at once; 16
	WorkerID       string        // names this worker in the state store and logs; empty: "worker"
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
	// BatchQPS is the rate of DescribeTasks calls per region for the whole fleet; 0: APIQPS.
	BatchQPS float64
	// BatchInterval is how often the status of every tracked task is checked with
	// DescribeTasks, when the TaskAPI is a BatchTaskAPI; 500ms. 0 in a complete Config, or
	// negative: never (per-task polling only).
	BatchInterval time.Duration
	// CancelOnTimeout: at a task's deadline, cancel it (the TaskAPI must be a TaskCanceler)
	// when it can be canceled (Cancelable) before failing it with reason timeout; the event
	// says what became of the call (events.Data.Cancel). false: tasks are left running.
	CancelOnTimeout bool

	// complete: from DefaultConfig (or WithDefaults); its zero fields are not defaulted again.
	complete bool
}

// DefaultConfig returns the complete Config of every default: change what differs and pass
// it on; a field set to zero keeps its zero (see Config). APIBurst and BatchQPS are 0: they
// follow APIQPS.
func DefaultConfig() Config {
	return Config{
		PollInitial:      5 * time.Second,
		PollMax:          60 * time.Second,
		PollMultiplier:   1.5,
		PollJitter:       0.2,
		TaskTimeout:      24 * time.Hour,
		NotFoundGrace:    30 * time.Second,
		APITimeout:       10 * time.Second,
		APIQPS:           10,
		ThrottleQuiet:    time.Minute,
		MaxTracked:       100000,
		Concurrency:      16,
		WorkerID:         "worker",
		HandBackAfter:    time.Minute,
		StallAfter:       time.Minute,
		UnreachableAfter: 30 * time.Second,
		BatchInterval:    500 * time.Millisecond,
		complete:         true,
	}
}

// WithDefaults returns c as NewWorker uses it: complete, every field that gets a default
// (see Config) set to it, APIBurst, BatchQPS and WorkerID filled in, and "off" spelled
// negative (PollJitter, NotFoundGrace, BatchInterval), as it is in a Config literal, so that
// the result means the same whichever way c was built.
func (c Config) WithDefaults() Config {
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	if !c.complete {
		d := DefaultConfig()
		orDefault(&c.PollInitial, d.PollInitial)
		orDefault(&c.PollMax, d.PollMax)
		orDefault(&c.PollMultiplier, d.PollMultiplier)
		orDefault(&c.PollJitter, d.PollJitter)
		orDefault(&c.TaskTimeout, d.TaskTimeout)
		orDefault(&c.NotFoundGrace, d.NotFoundGrace)
		orDefault(&c.APITimeout, d.APITimeout)
		orDefault(&c.APIQPS, d.APIQPS)
		orDefault(&c.ThrottleQuiet, d.ThrottleQuiet)
		orDefault(&c.MaxTracked, d.MaxTracked)
		orDefault(&c.Concurrency, d.Concurrency)
		orDefault(&c.HandBackAfter, d.HandBackAfter)
		orDefault(&c.StallAfter, d.StallAfter)
		orDefault(&c.UnreachableAfter, d.UnreachableAfter)
		orDefault(&c.BatchInterval, d.BatchInterval)
		c.complete = true
	}
	// Zeros left now mean what their field says. "Off" is read as negative by the worker.
	orDefault(&c.PollJitter, -1)
	orDefault(&c.NotFoundGrace, -1)
	orDefault(&c.BatchInterval, -1)
	orDefault(&c.BatchQPS, c.APIQPS)
	orDefault(&c.APIBurst, max(1, int(c.APIQPS)))
	orDefault(&c.WorkerID, DefaultConfig().WorkerID)
}

// orDefault sets *p to v when *p is zero.
func orDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// Validate reports every setting that cannot work. It checks c as it is: call it on
// c.WithDefaults(), as NewWorker does.
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
