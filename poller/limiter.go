package poller

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// regionLimits caps ECS calls per region with one token bucket each. A throttled answer halves
// the region's rate; after a quiet period without throttling the rate climbs back by half
// again per period, up to the configured rate. Safe for concurrent use.
//
// Callers reserve a token and, when it is not available yet, schedule the poll for the time
// the token becomes due instead of blocking: no goroutine waits on the bucket, and the delay
// is visible (and measured) in the scheduler rather than hidden in a queue.
type regionLimits struct {
	qps, floor float64
	burst      int
	quiet      time.Duration

	mu      sync.Mutex
	regions map[string]*regionLimit
}

type regionLimit struct {
	lim          *rate.Limiter
	lastThrottle time.Time
	lastRaise    time.Time
}

func newRegionLimits(qps float64, burst int, quiet time.Duration) *regionLimits {
	floor := qps / 16
	if floor > 0.5 {
		floor = 0.5
	}
	return &regionLimits{qps: qps, floor: floor, burst: burst, quiet: quiet, regions: map[string]*regionLimit{}}
}

func (l *regionLimits) get(region string) *regionLimit {
	r, ok := l.regions[region]
	if !ok {
		r = &regionLimit{lim: rate.NewLimiter(rate.Limit(l.qps), l.burst)}
		l.regions[region] = r
	}
	return r
}

// reserve takes a token for region and returns how long until it may be used (0: now).
func (l *regionLimits) reserve(region string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.get(region).lim.ReserveN(now, 1).DelayFrom(now)
}

// throttled lowers region's rate after ECS answered Throttling.
func (l *regionLimits) throttled(region string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region)
	next := float64(r.lim.Limit()) / 2
	if next < l.floor {
		next = l.floor
	}
	r.lim.SetLimitAt(now, rate.Limit(next))
	r.lastThrottle = now
}

// succeeded raises region's rate back towards the configured rate once it has been quiet.
func (l *regionLimits) succeeded(region string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region)
	cur := float64(r.lim.Limit())
	if cur >= l.qps || now.Sub(r.lastThrottle) < l.quiet || now.Sub(r.lastRaise) < l.quiet {
		return
	}
	next := cur * 1.5
	if next > l.qps {
		next = l.qps
	}
	r.lim.SetLimitAt(now, rate.Limit(next))
	r.lastRaise = now
}

// limit returns region's current rate, for metrics and tests.
func (l *regionLimits) limit(region string) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return float64(l.get(region).lim.Limit())
}
