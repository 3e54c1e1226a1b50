package ecsemu

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// quotas are per-action, per-region token buckets, as the real service
// throttles per API and region.
type quotas struct {
	mu      sync.Mutex
	qps     map[string]float64       // action → calls/s
	buckets map[string]*rate.Limiter // action + "|" + region → bucket
}

func newQuotas(qps map[string]float64) *quotas {
	q := &quotas{qps: map[string]float64{}, buckets: map[string]*rate.Limiter{}}
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

// allow takes a token for action in region at now; false means throttled.
func (q *quotas) allow(action, region string, now time.Time) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	qps, ok := q.qps[action]
	if !ok {
		return true
	}
	key := action + "|" + region
	b := q.buckets[key]
	if b == nil {
		b = rate.NewLimiter(rate.Limit(qps), max(1, int(math.Ceil(qps))))
		q.buckets[key] = b
	}
	return b.AllowN(now, 1)
}
