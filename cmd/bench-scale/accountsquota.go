package main

import (
	"sync"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// quotaKey is one quota of the emulator in one wall-clock second: an API of an account in a
// region.
type quotaKey struct {
	account, action, region string
	sec                     int64 // Unix seconds
}

// secondCalls are the calls made against one quota in one second.
type secondCalls struct{ calls, throttled int }

// quotaTally counts the calls of the quota'd APIs (DescribeTaskAttribute, DescribeTasks) per
// account, API, region and wall-clock second, as the emulator's quotas count them (its
// WithQuotaWindow). Safe for concurrent use: observe is the emulator's call observer.
type quotaTally struct {
	mu     sync.Mutex
	counts map[quotaKey]secondCalls
}

func newQuotaTally() *quotaTally { return &quotaTally{counts: map[quotaKey]secondCalls{}} }

// observe counts c if it is a call of a quota'd API.
func (q *quotaTally) observe(c ecsemu.Call) {
	if c.Action != ecsemu.ActionDescribeTaskAttribute && c.Action != ecsemu.ActionDescribeTasks {
		return
	}
	k := quotaKey{account: c.Account, action: c.Action, region: c.RegionID, sec: c.Time.Unix()}
	q.mu.Lock()
	s := q.counts[k]
	s.calls++
	if c.Code == throttledCode {
		s.throttled++
	}
	q.counts[k] = s
	q.mu.Unlock()
}

// accountCalls is what one account did against its quotas over a run.
type accountCalls struct {
	Calls     map[string]int // per API, every answer
	Throttled int
	// MaxPerSecond is the most calls (throttled ones included) the account made of one API in
	// one region in one wall-clock second; MaxAt names that API and region.
	MaxPerSecond int
	MaxAt        string
	// OverSeconds counts the (API, region, second)s with more calls than the quota; FirstOver
	// is the earliest of them (Unix seconds; 0: none).
	OverSeconds int
	FirstOver   int64
}

// byAccount sums the tally per account (by emulator account id); a second with more calls
// than quota (floor, as the emulator counts) is an over-quota second.
func (q *quotaTally) byAccount(quota float64) map[string]*accountCalls {
	q.mu.Lock()
	defer q.mu.Unlock()
	return sumByAccount(q.counts, quota)
}

// sumByAccount is byAccount's pure part.
func sumByAccount(counts map[quotaKey]secondCalls, quota float64) map[string]*accountCalls {
	limit := max(1, int(quota))
	out := map[string]*accountCalls{}
	for k, s := range counts {
		a := out[k.account]
		if a == nil {
			a = &accountCalls{Calls: map[string]int{}}
			out[k.account] = a
		}
		a.Calls[k.action] += s.calls
		a.Throttled += s.throttled
		if s.calls > a.MaxPerSecond {
			a.MaxPerSecond, a.MaxAt = s.calls, k.action+" "+k.region
		}
		if s.calls > limit {
			a.OverSeconds++
			if a.FirstOver == 0 || k.sec < a.FirstOver {
				a.FirstOver = k.sec
			}
		}
	}
	return out
}
