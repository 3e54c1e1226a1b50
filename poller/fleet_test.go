package poller_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// Three workers sharing --api-qps through their presence stay under one ECS quota per API
// together: each takes a third. (Each alone at the full rate would be three times over.) The
// emulator counts the quota per wall-clock second, as ECS does: the workers' buckets plus a
// second's rate must fit each such second.
func TestFleetSharesOneQuota(t *testing.T) {
	const quota = 30
	e := newEnv(t, ecsemu.WithQuota("DescribeTaskAttribute", quota), ecsemu.WithQuotaWindow())
	e.fleet = true
	_, js := e.connect()
	col := e.collect(js)
	cfg := fastConfig()
	cfg.APIQPS, cfg.PollInitial, cfg.PollMax = quota, 20*time.Millisecond, 20*time.Millisecond // wants far more than the quota
	ws := []*worker{e.startWorker(cfg), e.startWorker(cfg), e.startWorker(cfg)}
	waitFor(t, 10*time.Second, "every worker to take its share of a fleet of three", every(t, 50*time.Millisecond), func() bool {
		for _, w := range ws {
			if testutil.ToFloat64(w.metrics.FleetSize) != 3 {
				return false
			}
		}
		return true
	})
	ids := addLifecycles(t, e, 30, 2*time.Second)
	throttledBefore := e.emu.CodeCount("Throttling.User")
	for _, id := range ids {
		e.register(js, id, "")
	}
	col.waitTerminal(t, 60*time.Second, ids...)
	checkExactlyOnce(t, col, ids)
	calls, perSecond := 0, map[int64]int{}
	for _, id := range ids {
		for _, c := range e.emu.Calls(id) {
			calls++
			perSecond[c.Time.Unix()]++
		}
	}
	busiest := 0
	for _, n := range perSecond {
		busiest = max(busiest, n)
	}
	throttled := e.emu.CodeCount("Throttling.User") - throttledBefore
	t.Logf("%d calls, %d throttled by the shared quota of %d/s counted per wall-clock second; at most %d calls in one second",
		calls, throttled, quota, busiest)
	if throttled*20 > calls { // 5%: the rate is shared, not tripled
		t.Errorf("%d of %d calls throttled: the workers do not share the quota", throttled, calls)
	}
}
