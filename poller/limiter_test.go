package poller

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestRegionLimitsTokens(t *testing.T) {
	l := newRegionLimits(8, 1, 10*time.Second)
	now := time.Unix(1000, 0)
	if d := l.reserve("r", now); d != 0 {
		t.Fatalf("first token delayed %s", d)
	}
	if d := l.reserve("r", now); d != 125*time.Millisecond {
		t.Fatalf("second token delay = %s, want 125ms at 8/s", d)
	}
}

// A region over its quota (every answer throttled) is cut once per window, down to the floor,
// and climbs back after the quiet period, never above the configured rate.
func TestRegionLimitsThrottleAndRecover(t *testing.T) {
	l := newRegionLimits(8, 1, 10*time.Second)
	now := time.Unix(1000, 0)
	// A burst of throttled answers within one window: one cut at most.
	for range 10 {
		l.throttled("r", now)
	}
	if got := l.limit("r", now); got != 4 {
		t.Fatalf("after a burst in one window limit = %g, want 4 (one cut)", got)
	}
	if got := l.limit("other", now); got != 8 {
		t.Fatalf("other region limit = %g, want 8", got)
	}
	at := now
	for range 10 {
		at = at.Add(time.Second)
		l.throttled("r", at)
	}
	if got := l.limit("r", at); got != 2 {
		t.Fatalf("floor = %g, want 2 (a quarter of the rate)", got)
	}
	l.succeeded("r", at.Add(5*time.Second))
	if got := l.limit("r", at); got != 2 {
		t.Fatalf("raised during the quiet period: %g", got)
	}
	at = at.Add(10 * time.Second)
	for _, want := range []float64{4, 6, 8, 8} {
		l.succeeded("r", at)
		if got := l.limit("r", at); got != want {
			t.Fatalf("limit = %g, want %g", got, want)
		}
		at = at.Add(time.Second)
	}
}

// Noise — a few throttled answers among many good ones — never lowers the rate: the answer to
// noise must not be a stall.
func TestRegionLimitsIgnoreNoise(t *testing.T) {
	l := newRegionLimits(10, 20, 10*time.Second)
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Unix(1000, 0)
	const answers = 100_000 // 10,000 s of answers at 10/s, 3% throttled
	sum, low := 0.0, 0
	for range answers {
		at = at.Add(100 * time.Millisecond)
		if rng.Float64() < 0.03 {
			l.throttled("r", at)
		} else {
			l.succeeded("r", at)
		}
		r := l.limit("r", at)
		sum += r
		if r < 5 {
			low++
		}
	}
	if avg := sum / answers; avg < 9.5 {
		t.Errorf("3%% throttled answers lowered the average rate to %.2f of 10", avg)
	}
	if low > answers/1000 {
		t.Errorf("the rate was below half for %d of %d answers", low, answers)
	}
}

// Regions unused for a while are forgotten: memory does not grow with every region id seen.
func TestRegionLimitsForgetIdleRegions(t *testing.T) {
	l := newRegionLimits(10, 20, 10*time.Second)
	at := time.Unix(1000, 0)
	for i := range 1000 {
		l.reserve(fmt.Sprintf("r-%d", i), at)
	}
	if got := l.size(); got != 1000 {
		t.Fatalf("size = %d, want 1000", got)
	}
	at = at.Add(idleRegion)
	l.reserve("busy", at)
	if got := l.size(); got != 1 {
		t.Fatalf("size after the idle period = %d, want 1", got)
	}
}

// A worker of a fleet of n takes 1/n of the rate and burst; a region lowered for throttling
// stays lowered by the same factor, and a single worker gets it all back.
func TestRegionLimitsShare(t *testing.T) {
	l := newRegionLimits(30, 30, 10*time.Second)
	now := time.Unix(1000, 0)
	l.reserve("a", now)
	for range 10 {
		l.throttled("b", now) // b is cut to half
	}
	l.share(3, now)
	if got := l.limit("a", now); got != 10 {
		t.Errorf("a's share of 30 among 3 = %g, want 10", got)
	}
	if got := l.limit("b", now); got != 5 {
		t.Errorf("b (cut to half) = %g, want 5", got)
	}
	if got := l.limit("new", now); got != 10 {
		t.Errorf("a new region starts at %g, want the share 10", got)
	}
	if l.burst != 10 {
		t.Errorf("burst = %d, want 10", l.burst)
	}
	l.share(1, now)
	if got := l.limit("a", now); got != 30 {
		t.Errorf("alone again: %g, want 30", got)
	}
}

// Callers that read the clock before taking the limiter's lock arrive out of order; the
// limiter must not credit the time between them twice, or calls pass in bursts above the rate.
func TestLimiterIgnoresOutOfOrderTimes(t *testing.T) {
	l := newRegionLimits(10, 1, time.Minute)
	base := time.Unix(1000, 0)
	var last time.Time
	for i := range 200 { // 200 tokens at 10/s: the last is due 20 s on, however they arrive
		now := base.Add(time.Duration(i) * 10 * time.Millisecond)
		if i%2 == 1 {
			now = now.Add(-time.Second) // read the clock a second before it got the lock
		}
		if due := now.Add(l.reserve("r", now)); due.After(last) {
			last = due
		}
	}
	if got, want := last.Sub(base), 19*time.Second; got < want {
		t.Errorf("the 200th token at 10/s is due %s after the first, want at least %s", got, want)
	}
}
