package ecsemu

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// quotas are per-action, per-account, per-region token buckets, as the real
// service throttles per API, account and region; or, in window mode, counts of
// each action's calls per account and region in each wall-clock second, at most
// max(1, floor(qps)) a second, as a quota counted in fixed windows (what a full
// bucket plus a second's refill overruns). Every account has the same qps.
type quotas struct {
	mu      sync.Mutex
	window  bool
	qps     map[string]float64       // action → calls/s
	buckets map[string]*rate.Limiter // action + "|" + account + "|" + region → bucket
	windows map[string]*secondCount  // action + "|" + account + "|" + region → this second's calls (window mode)
}

// secondCount is the number of calls in one wall-clock second.
type secondCount struct {
	sec int64 // Unix seconds
	n   int
}

func newQuotas(qps map[string]float64, window bool) *quotas {
	q := &quotas{window: window, qps: map[string]float64{}, buckets: map[string]*rate.Limiter{}, windows: map[string]*secondCount{}}
	for a, v := range qps {
		q.qps[a] = v
	}
	return q
}

// set changes the quota of action; qps <= 0 removes it.
func (q *quotas) set(action string, qps float64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if qps <= 0 {
		delete(q.qps, action)
	} else {
		q.qps[action] = qps
	}
	for k := range q.buckets {
		if len(k) > len(action) && k[:len(action)] == action && k[len(action)] == '|' {
			delete(q.buckets, k)
		}
	}
	for k := range q.windows {
		if len(k) > len(action) && k[:len(action)] == action && k[len(action)] == '|' {
			delete(q.windows, k)
		}
	}
}

func (q *quotas) snapshot() map[string]float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	m := make(map[string]float64, len(q.qps))
	for k, v := range q.qps {
		m[k] = v
	}
	return m
}

// allow takes a token for action of account in region at now; false means throttled.
func (q *quotas) allow(action, account, region string, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	qps, ok := q.qps[action]
	if !ok {
		return true
	}
	key := action + "|" + account + "|" + region
	if q.window {
		w := q.windows[key]
		if w == nil {
			w = &secondCount{}
			q.windows[key] = w
		}
		if sec := now.Unix(); w.sec != sec {
			w.sec, w.n = sec, 0
		}
		if w.n >= max(1, int(math.Floor(qps))) {
			return false
		}
		w.n++
		return true
	}
	b := q.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Limit(qps), max(1, int(math.Ceil(qps))))
		q.buckets[key] = b
	}
	return b.AllowN(now, 1)
}
