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
	if got := l.take("r", "a", now, true); got != turnNow {
		t.Fatalf("first call: %v, want now", got)
	}
	if got := l.take("r", "b", now, false); got != turnDenied {
		t.Fatalf("a call that would not wait, with the bucket empty: %v, want denied", got)
	}
	for _, k := range []string{"b", "c", "b"} {
		if got := l.take("r", k, now, true); got != turnQueued {
			t.Fatalf("%s with the bucket empty: %v, want queued", k, got)
		}
	}
	if l.allow("r", now.Add(time.Second)) {
		t.Fatal("a progress read took a token while calls wait for one")
	}
	// Tokens fall due one per 125 ms at 8/s, granted in arrival order, each key once.
	granted, next := l.release(now)
	if len(granted) != 0 || next.Sub(now) < 125*time.Millisecond || next.Sub(now) > 126*time.Millisecond {
		t.Fatalf("release at once: %v, next in %s; want none, next in 125ms", granted, next.Sub(now))
	}
	granted, _ = l.release(now.Add(125 * time.Millisecond))
	if len(granted) != 1 || granted[0].key != "b" || granted[0].waited != 125*time.Millisecond {
		t.Fatalf("after 125ms: %v, want b after waiting 125ms", granted)
	}
	if got := l.take("r", "b", now, false); got != turnNow {
		t.Fatalf("b granted: %v, want now", got)
	}
	granted, next = l.release(now.Add(time.Second))
	if len(granted) != 1 || granted[0].key != "c" || !next.IsZero() {
		t.Fatalf("after 1s: %v (next %s), want c and nobody waiting", granted, next)
	}
}

// A key forgotten (its task is no longer tracked) neither waits nor keeps a token.
func TestRegionLimitsForget(t *testing.T) {
	l := newRegionLimits(1, 1, 10*time.Second)
	now := time.Unix(1000, 0)
	l.take("r", "a", now, true)
	for _, k := range []string{"b", "c"} {
		l.take("r", k, now, true)
	}
	l.forget("r", "b")
	granted, _ := l.release(now.Add(time.Second))
	if len(granted) != 1 || granted[0].key != "c" {
		t.Fatalf("granted %v, want c (b was forgotten)", granted)
	}
	l.forget("r", "c")
	if got := l.take("r", "c", now.Add(time.Second), false); got != turnDenied {
		t.Fatalf("c, forgotten after its grant, with the bucket empty: %v, want denied (the grant is dropped)", got)
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
		l.allow(fmt.Sprintf("r-%d", i), at)
	}
	if got := l.size(); got != 1000 {
		t.Fatalf("size = %d, want 1000", got)
	}
	at = at.Add(idleRegion)
	l.allow("busy", at)
	if got := l.size(); got != 1 {
		t.Fatalf("size after the idle period = %d, want 1", got)
	}
}

// A worker of a fleet of n takes 1/n of the rate and burst; a region lowered for throttling
// stays lowered by the same factor, and a single worker gets it all back.
func TestRegionLimitsShare(t *testing.T) {
	l := newRegionLimits(30, 30, 10*time.Second)
	now := time.Unix(1000, 0)
	l.allow("a", now)
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
	l := newRegionLimits(10, 10, time.Minute)
	base := time.Unix(1000, 0)
	n := 0
	for i := range 2000 { // 20 s of calls every 10 ms: a burst of 10 + 20 s at 10/s may pass
		now := base.Add(time.Duration(i) * 10 * time.Millisecond)
		if i%2 == 1 {
			now = now.Add(-time.Second) // read the clock a second before it got the lock
		}
		if l.allow("r", now) {
			n++
		}
	}
	if n > 210 {
		t.Errorf("%d calls passed in 20 s at 10/s with a burst of 10, want at most 210", n)
	}
}

// Calls waiting when the rate is cut go on at the new rate from the cut on: none was booked at
// the old rate, so none waits for such a debt to be paid.
func TestRegionLimitsCutSlowsTheQueue(t *testing.T) {
	l := newRegionLimits(10, 1, time.Minute)
	now := time.Unix(1000, 0)
	for i := range 1000 {
		l.take("r", fmt.Sprintf("k-%d", i), now, true)
	}
	var at []time.Time
	for clock := now; clock.Before(now.Add(20 * time.Second)); clock = clock.Add(10 * time.Millisecond) {
		if clock.Equal(now.Add(5 * time.Second)) {
			for range 8 {
				l.throttled("r", clock) // the share of throttled answers passes the mark: one cut
			}
		}
		granted, _ := l.release(clock)
		for range granted {
			at = append(at, clock)
		}
	}
	count := func(from, to time.Duration) int {
		n := 0
		for _, a := range at {
			if d := a.Sub(now); d >= from && d < to {
				n++
			}
		}
		return n
	}
	if n := count(0, 5*time.Second); n < 49 || n > 51 {
		t.Errorf("%d granted in the 5 s before the cut, want 50 at 10/s", n)
	}
	if n := count(5*time.Second, 20*time.Second); n < 74 || n > 76 {
		t.Errorf("%d granted in the 15 s after the cut to 5/s, want 75", n)
	}
}

// Followed cuts hold the rate down one quiet period from the first one followed, whatever
// notices come meanwhile; past it, notices are ignored until this worker sees the throttling
// itself or followRearm quiet periods have passed.
func TestRegionLimitsFollowIsBounded(t *testing.T) {
	const quiet = 10 * time.Second
	l := newRegionLimits(8, 8, quiet)
	at := time.Unix(1000, 0)
	recover := func() { // succeeded answers until the rate is back at 8
		for range 10 {
			at = at.Add(time.Second)
			l.succeeded("r", at)
		}
	}
	if !l.follow("r", 0.25, at) || l.limit("r", at) != 2 {
		t.Fatalf("first notice: limit %g, want 2", l.limit("r", at))
	}
	for range 9 { // a notice every second within the quiet: held, not extended
		at = at.Add(time.Second)
		l.follow("r", 0.25, at)
		l.succeeded("r", at)
	}
	at = at.Add(time.Second)
	l.succeeded("r", at)
	if got := l.limit("r", at); got != 4 {
		t.Fatalf("one quiet period after the first followed cut: limit %g, want 4 (climbing)", got)
	}
	recover()
	if l.follow("r", 0.25, at) || l.limit("r", at) != 8 {
		t.Fatalf("a notice past the episode was followed: limit %g", l.limit("r", at))
	}
	for range 10 {
		l.throttled("r", at) // this worker sees the overrun itself: a cut, and notices count again
	}
	recover()
	at = at.Add(quiet)
	recover()
	if !l.follow("r", 0.25, at) {
		t.Fatal("a notice after this worker's own throttling was not followed")
	}
	at = at.Add(quiet)
	recover()
	if l.follow("r", 0.25, at) {
		t.Fatal("a notice past the second episode was followed")
	}
	at = at.Add(followRearm * quiet)
	if !l.follow("r", 0.25, at) {
		t.Fatal("a notice followRearm quiet periods after the episode began was not followed")
	}
}

// Tokens granted to waiting keys and taken late (the worker busy) do not go out together: a
// grant taken more than grantFresh after it was made spends a fresh token, or waits for one at
// the head of the queue. However late the keys are taken, the calls in any second stay within
// the rate and the bucket.
func TestRegionLimitsLateGrantsDoNotBunch(t *testing.T) {
	l := newRegionLimits(10, 1, 10*time.Second)
	now := time.Unix(1000, 0)
	if got := l.take("r", "first", now, true); got != turnNow {
		t.Fatal(got)
	}
	keys := []string{"a", "b", "c", "d", "e"}
	for _, k := range keys {
		if got := l.take("r", k, now, true); got != turnQueued {
			t.Fatalf("%s: %v, want queued", k, got)
		}
	}
	// Every 100 ms a token falls due and release grants it; nobody takes them meanwhile.
	var grantedAll []string
	for i := 1; i <= len(keys); i++ {
		g, _ := l.release(now.Add(time.Duration(i) * 100 * time.Millisecond))
		for _, x := range g {
			grantedAll = append(grantedAll, x.key)
		}
	}
	if len(grantedAll) != len(keys) {
		t.Fatalf("granted %v, want all of %v", grantedAll, keys)
	}
	// Then all are taken at once, a second late: only one may call now (the bucket holds one).
	late := now.Add(1500 * time.Millisecond)
	calls := 0
	for _, k := range keys {
		switch l.take("r", k, late, true) {
		case turnNow:
			calls++
		case turnQueued:
		default:
			t.Fatalf("%s: denied, want now or queued", k)
		}
	}
	if calls != 1 {
		t.Errorf("%d calls went out at once on late grants, want 1 (the bucket's)", calls)
	}
	// A grant taken at once still calls.
	g, _ := l.release(late.Add(100 * time.Millisecond))
	if len(g) != 1 || g[0].key != "b" {
		t.Fatalf("the next grant went to %v, want the first late key still waiting (b)", g)
	}
	if got := l.take("r", g[0].key, late.Add(100*time.Millisecond), true); got != turnNow {
		t.Errorf("a grant taken at once: %v, want now", got)
	}
}
