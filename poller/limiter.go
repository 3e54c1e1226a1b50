package poller

import (
	"math"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// regionLimits caps ECS calls per region with one token bucket each, and lowers a region's
// rate when ECS says it is over its quota — but not in answer to noise:
//   - each region keeps a moving share of throttled answers (an exponentially weighted
//     average over roughly the last 20 answers);
//   - only when that share is above throttleShare is the rate halved, and at most once per
//     throttleWindow: a burst of throttled answers (which all report the same overrun)
//     lowers it once;
//   - the rate never drops below a quarter of the configured rate, so a worker never stalls;
//   - after quiet without a cut (Config.ThrottleQuiet, a minute: ECS counts quotas per
//     minute, so a rate raised sooner meets the same window), the rate climbs back by a
//     quarter of the configured rate per throttleWindow, up to the configured rate, never
//     above;
//   - a cut can come from another worker of the fleet (follow): the fleet shares one quota.
//     Such notices are not proof (anyone allowed to publish on the subject can send them), so
//     a followed cut holds the rate down at most ThrottleQuiet from the first cut followed
//     (one episode), however many notices follow it; after an episode, notices are ignored
//     until this worker itself sees the throttling above noise (the share above), or for
//     followRearm quiet periods. Repeated notices alone hold a region down for at most one
//     quiet period in every followRearm.
//
// Regions unused for idleRegion are forgotten, so memory does not grow with every region id
// ever seen. Safe for concurrent use.
//
// A call that must be made (it announces a change) and finds no token waits in its region's
// queue, first come first served: take queues it, and release grants the head of the queue a
// token when one is due at the rate in force then. Tokens are never booked ahead: a debt of
// booked tokens is priced anew at a lowered rate (rate.Limiter does so), which left the calls
// booked after a cut waiting until the whole debt was paid at the new rate — minutes without
// a single call at 100,000 tasks. A call that may be skipped (a progress read) takes a token
// only when one is there and nobody waits for it.
type regionLimits struct {
	qps, floor float64
	burst      int
	quiet      time.Duration
	baseQPS    float64 // the configured rate and burst, before any share is taken
	baseBurst  int
	quota      float64 // the fleet's per-second quota the limits fit (see newQuotaLimits); 0: none

	mu        sync.Mutex
	regions   map[string]*regionLimit
	lastSweep time.Time
	wake      chan struct{} // signaled when a region's queue stops being empty
}

// grantFresh is how long a token granted to a waiting key (release) may wait to be taken (take):
// calls are spaced when their tokens are granted, so a grant taken later than this spends a
// fresh token instead, or the calls granted while the worker was busy would go out together
// and exceed ECS's per-second window by the backlog (measured: 34 calls in one second against
// 20). Within it, a call goes out at most this much after its token, which the quota's headroom
// covers.
const grantFresh = 50 * time.Millisecond

const (
	throttleAlpha  = 0.05             // weight of one answer in the throttled share
	throttleShare  = 0.25             // share of throttled answers that lowers the rate
	throttleWindow = time.Second      // at most one cut (or one raise step) per window
	idleRegion     = 10 * time.Minute // a region unused this long is forgotten
	followRearm    = 10               // quiet periods from a followed episode's start until notices count again
)

type regionLimit struct {
	lim       *rate.Limiter
	last      time.Time // latest time handed to lim: it is never handed an earlier one
	share     float64   // moving share of throttled answers
	lastCut   time.Time // this worker's last cut (its own throttled answers)
	lastRaise time.Time
	// followFrom is when the latest episode of followed cuts began (zero: none, or this
	// worker saw throttling itself since): followed cuts hold the rate down until quiet after
	// it, and no new episode begins until followRearm quiet periods after it.
	followFrom time.Time
	lastUsed   time.Time

	// The queue: keys in arrival order, each with the number it was queued under; an entry
	// whose number is not the key's current one in queued was forgotten, and is skipped.
	waiting []waiter
	queued  map[string]uint64    // keys waiting, and their entry's number
	granted map[string]grantedAt // keys granted a token, not taken yet
	seq     uint64
}

// grantedAt is when a key was queued and when it was granted its token.
type grantedAt struct{ queued, granted time.Time }

type waiter struct {
	key   string
	seq   uint64
	since time.Time
}

// grant is a key release granted a token to, and how long it waited.
type grant struct {
	key    string
	waited time.Duration
}

// turn is what take decided.
type turn int

const (
	turnNow    turn = iota // a token is taken: call now
	turnQueued             // the key waits in its region's queue; release grants it a token
	turnDenied             // no token now, and the caller would not wait
)

func newRegionLimits(qps float64, burst int, quiet time.Duration) *regionLimits {
	return &regionLimits{qps: qps, floor: qps / 4, burst: burst, quiet: quiet, baseQPS: qps, baseBurst: burst,
		regions: map[string]*regionLimit{}, wake: make(chan struct{}, 1)}
}

// newQuotaLimits returns the limits of an API whose quota is quota calls per second per region
// for the whole fleet, as ECS counts them: calls in each wall-clock second. A token bucket
// lets through a full bucket plus a second's refill within one second, so the limits are
// sized to fit that window: in any second, burst + rate <= the worker's share of quota (1/n,
// see share). The rate aims at quotaHeadroom of the share and the bucket holds what is left
// (burst, if smaller: the configured burst is a cap), at least one token; when that one token
// does not fit in the headroom (a share under 1/(1-quotaHeadroom) calls/s) the rate is
// lowered to make room for it. A share of at most one call a second cannot fit a window and
// keeps the rate aimed at.
func newQuotaLimits(quota float64, burst int, quiet time.Duration) *regionLimits {
	l := newRegionLimits(quota*quotaHeadroom, burst, quiet)
	l.quota = quota
	l.qps, l.burst = l.sized(1)
	l.floor = l.qps / 4
	return l
}

// sized returns the rate and burst of one worker of a fleet of n.
func (l *regionLimits) sized(n int) (float64, int) {
	n = max(1, n)
	qps, burst := l.baseQPS/float64(n), max(1, l.baseBurst/n)
	if l.quota <= 0 {
		return qps, burst
	}
	share := l.quota / float64(n)
	burst = min(burst, max(1, int(share-qps))) // the bucket is held in the headroom
	if room := share - float64(burst); room > 0 {
		qps = min(qps, room)
	}
	return qps, burst
}

func (l *regionLimits) get(region string, now time.Time) *regionLimit {
	if now.Sub(l.lastSweep) >= idleRegion {
		l.lastSweep = now
		for k, r := range l.regions {
			if now.Sub(r.lastUsed) >= idleRegion && len(r.queued) == 0 && len(r.granted) == 0 {
				delete(l.regions, k)
			}
		}
	}
	r, ok := l.regions[region]
	if !ok {
		r = &regionLimit{lim: rate.NewLimiter(rate.Limit(l.qps), l.burst), queued: map[string]uint64{}, granted: map[string]grantedAt{}}
		l.regions[region] = r
	}
	r.lastUsed = now
	return r
}

// at returns now, or the latest time r's limiter was handed if now is earlier. Callers read
// the clock before they take l.mu, so concurrent callers arrive out of order; rate.Limiter
// counts the time between an earlier and a later call twice (it credits tokens for it again),
// which let calls through in bursts above the rate. The caller holds l.mu.
func (r *regionLimit) at(now time.Time) time.Time {
	if now.Before(r.last) {
		return r.last
	}
	r.last = now
	return now
}

// take decides whether key may call ECS in region now. A key granted a token by release takes
// it — within grantFresh of the grant; later, it needs a token there now, or waits again in its
// place of the queue. Otherwise a token is taken when one is there and no key waits in the region's queue;
// failing that, a caller that would wait (queue) has key queued, once, and is told
// turnQueued until release grants it its token.
func (l *regionLimits) take(region, key string, now time.Time, queue bool) turn {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region, now)
	if at, ok := r.granted[key]; ok {
		delete(r.granted, key)
		if now.Sub(at.granted) <= grantFresh || r.lim.AllowN(r.at(now), 1) {
			return turnNow
		}
		// A grant taken late (the worker was busy or starved of CPU): the calls granted
		// together would reach ECS together, more in one second than its quota. It waits for a
		// fresh token, at the head of the queue.
		r.seq++
		r.queued[key] = r.seq
		i := 0 // its place by when it was first queued: ahead of those queued after it
		for i < len(r.waiting) && !r.waiting[i].since.After(at.queued) {
			i++
		}
		r.waiting = slices.Insert(r.waiting, i, waiter{key: key, seq: r.seq, since: at.queued})
		select {
		case l.wake <- struct{}{}:
		default:
		}
		return turnQueued
	}
	if _, ok := r.queued[key]; ok {
		return turnQueued
	}
	if len(r.queued) == 0 && r.lim.AllowN(r.at(now), 1) {
		return turnNow
	}
	if !queue {
		return turnDenied
	}
	if len(r.queued) == 0 {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
	r.seq++
	r.queued[key] = r.seq
	r.waiting = append(r.waiting, waiter{key: key, seq: r.seq, since: now})
	return turnQueued
}

// allow takes a token for region if one is there now and no key waits for one, and reports
// whether it did.
func (l *regionLimits) allow(region string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region, now)
	return len(r.queued) == 0 && r.lim.AllowN(r.at(now), 1)
}

// due returns how long until region's next token is due, for a caller of allow (at least a
// nanosecond; allow may still refuse it to a key waiting in the queue).
func (l *regionLimits) due(region string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region, now)
	need := (1 - r.lim.TokensAt(r.at(now))) / float64(r.lim.Limit())
	return max(time.Nanosecond, time.Duration(math.Ceil(need*float64(time.Second))))
}

// release grants the keys at the head of each region's queue the tokens due by now, at the
// region's current rate, and returns them (for the caller to make due) with the time the next
// token of a region with keys waiting is due (zero: no key waits).
func (l *regionLimits) release(now time.Time) (granted []grant, next time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, r := range l.regions {
		if len(r.queued) > 0 {
			r.lastUsed = now
		}
		for len(r.waiting) > 0 {
			h := r.waiting[0]
			if seq, ok := r.queued[h.key]; !ok || seq != h.seq {
				r.pop() // forgotten
				continue
			}
			t := r.at(now)
			if !r.lim.AllowN(t, 1) {
				need := (1 - r.lim.TokensAt(t)) / float64(r.lim.Limit())
				due := t.Add(time.Duration(math.Ceil(need*float64(time.Second))) + time.Nanosecond)
				if next.IsZero() || due.Before(next) {
					next = due
				}
				break
			}
			r.pop()
			delete(r.queued, h.key)
			r.granted[h.key] = grantedAt{queued: h.since, granted: now}
			granted = append(granted, grant{key: h.key, waited: now.Sub(h.since)})
		}
	}
	return granted, next
}

// pop drops the head of the queue. The caller holds l.mu.
func (r *regionLimit) pop() {
	r.waiting[0] = waiter{}
	r.waiting = r.waiting[1:]
	if len(r.waiting) == 0 {
		r.waiting = nil
	}
}

// forget takes key out of region's queue, and drops a token granted to it and not taken.
func (l *regionLimits) forget(region, key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if r, ok := l.regions[region]; ok {
		delete(r.queued, key)
		delete(r.granted, key)
	}
}

// woken is signaled when a region's queue stops being empty: the next token is due then.
func (l *regionLimits) woken() <-chan struct{} { return l.wake }

// throttled records that ECS answered Throttling, and lowers region's rate when such answers
// are more than noise. When it lowers it, it returns the new rate as a fraction of the
// configured one (the worker's share of it), for the rest of the fleet to follow; else 0.
func (l *regionLimits) throttled(region string, now time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region, now)
	r.share += throttleAlpha * (1 - r.share)
	if r.share >= throttleShare {
		r.followFrom = time.Time{} // this worker sees the overrun itself: the fleet's notices count again
	}
	if r.share < throttleShare || now.Sub(r.lastCut) < throttleWindow {
		return 0
	}
	next := max(float64(r.lim.Limit())/2, l.floor)
	r.lim.SetLimitAt(r.at(now), rate.Limit(next))
	r.lastCut = now
	return next / l.qps
}

// follow lowers region's rate to factor (in (0,1]) of the configured one, never below the
// floor, when another worker of the fleet cut it there, and reports whether it did. The first
// cut followed begins an episode: cuts are followed within quiet of its start, and the rate
// climbs back quiet after it, whatever notices come meanwhile (see regionLimits). A rate
// already as low is left alone; a notice past the episode, until followRearm quiet periods
// after its start or this worker's own throttled answers re-arm it, is ignored.
func (l *regionLimits) follow(region string, factor float64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region, now)
	next := max(factor*l.qps, l.floor)
	if !(factor > 0 && factor <= 1) || float64(r.lim.Limit()) <= next {
		return false
	}
	if since := now.Sub(r.followFrom); r.followFrom.IsZero() || since >= followRearm*l.quiet {
		r.followFrom = now // a new episode
	} else if since >= l.quiet {
		return false // the episode is over: this worker's own answers decide now
	}
	r.lim.SetLimitAt(r.at(now), rate.Limit(next))
	return true
}

// succeeded records an answer that was not throttled, and raises a lowered rate back once it
// has been quiet.
func (l *regionLimits) succeeded(region string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.get(region, now)
	r.share *= 1 - throttleAlpha
	cur := float64(r.lim.Limit())
	followed := !r.followFrom.IsZero() && now.Sub(r.followFrom) < l.quiet
	if cur >= l.qps || now.Sub(r.lastCut) < l.quiet || followed || now.Sub(r.lastRaise) < throttleWindow {
		return
	}
	r.lim.SetLimitAt(r.at(now), rate.Limit(min(cur+l.qps/4, l.qps)))
	r.lastRaise = now
}

// share makes the limits this worker's share (1/n) of the configured rate and burst, for a
// fleet of n workers sharing one ECS quota (sized to fit its share of a per-second quota, for
// newQuotaLimits). A region lowered for throttling stays lowered by the same factor. The
// burst never drops below 1.
func (l *regionLimits) share(n int, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	qps, burst := l.sized(n)
	if qps == l.qps && burst == l.burst {
		return
	}
	ratio := qps / l.qps
	l.qps, l.floor, l.burst = qps, qps/4, burst
	for _, r := range l.regions {
		t := r.at(now)
		r.lim.SetLimitAt(t, rate.Limit(float64(r.lim.Limit())*ratio))
		r.lim.SetBurstAt(t, l.burst)
	}
}

// limit returns region's current rate, for tests.
func (l *regionLimits) limit(region string, now time.Time) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return float64(l.get(region, now).lim.Limit())
}

// size returns how many regions are remembered, for tests.
func (l *regionLimits) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.regions)
}
