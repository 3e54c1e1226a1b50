package poller_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/poller"
)

// cutNotice is one notice on the fleet's throttle subject, as anyone may publish it.
type cutNotice struct {
	api, region string
	factor      float64
}

// chanThrottles is a poller.Throttles whose notices come from a channel.
type chanThrottles struct{ notices chan cutNotice }

func (c chanThrottles) Announce(string, string, float64) {}

func (c chanThrottles) Run(ctx context.Context, follow func(api, region string, factor float64)) error {
	for {
		select {
		case n := <-c.notices:
			follow(n.api, n.region, n.factor)
		case <-ctx.Done():
			return nil
		}
	}
}

// The fleet's throttle subject is not trusted: notices that are not a cut of a known API in a
// well-formed region id with a factor in (0,1] are dropped and counted, notices about regions
// this worker has no tasks in create nothing, and a notice every second for five minutes holds
// the rate at the floor only one quiet period: then it climbs back to the rate aimed at, while
// the notices go on.
func TestThrottleNoticesAreNotTrusted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		notices := make(chan cutNotice)
		r.opts = []poller.Option{poller.WithThrottles(chanThrottles{notices})}
		const tasks = 200
		for i := range tasks {
			r.api.scriptFunc(fmt.Sprintf("t-%d", i), func(int, time.Time) memAnswer {
				return memAnswer{task: task(poller.StatusProcessing, "50%")}
			})
		}
		cfg := rigConfig()
		cfg.APIQPS, cfg.ThrottleQuiet = 20, 10*time.Second
		cfg.PollInitial, cfg.PollMax = 100*time.Millisecond, 100*time.Millisecond // far more reads wanted than the rate
		a := r.start(cfg)
		for i := range tasks {
			a.register(fmt.Sprintf("t-%d", i))
		}
		settle(time.Second)
		regions := a.w.LimitedRegions()
		invalid := []cutNotice{
			{"Bogus", testRegion, 0.25},
			{"", "", 0},
			{poller.APIDescribeTaskAttribute, strings.Repeat("x", 1000), 0.25},
			{poller.APIDescribeTaskAttribute, "cn-hangzhou.>", 0.25},
			{poller.APIDescribeTaskAttribute, testRegion, 0},
			{poller.APIDescribeTaskAttribute, testRegion, -1},
			{poller.APIDescribeTaskAttribute, testRegion, 2},
			{poller.APIDescribeTaskAttribute, testRegion, math.NaN()},
		}
		for _, n := range invalid {
			notices <- n
		}
		for i := range 100 {
			notices <- cutNotice{poller.APIDescribeTaskAttribute, fmt.Sprintf("us-west-%d", i), 0.25} // no tasks there
		}
		synctest.Wait()
		if got := testutil.ToFloat64(a.metrics.ThrottleNotices.WithLabelValues("invalid")); got != float64(len(invalid)) {
			t.Errorf("%g notices counted invalid, want %d", got, len(invalid))
		}
		if got := a.w.LimitedRegions(); got != regions {
			t.Errorf("the limiters remember %d regions after notices about regions without tasks here, want %d", got, regions)
		}
		start := time.Now()
		for range 300 {
			notices <- cutNotice{poller.APIDescribeTaskAttribute, testRegion, 0.25}
			time.Sleep(time.Second)
		}
		synctest.Wait()
		count := func(from, to time.Duration) float64 {
			n := 0
			for i := range tasks {
				for _, c := range r.api.callTimes(fmt.Sprintf("t-%d", i)) {
					if d := c.Sub(start); d >= from && d < to {
						n++
					}
				}
			}
			return float64(n) / (to - from).Seconds()
		}
		aimed := cfg.APIQPS * poller.QuotaHeadroom
		if got := count(time.Second, cfg.ThrottleQuiet); got > aimed/4*1.2 {
			t.Errorf("%.1f calls/s during the first quiet period after a followed cut, want the floor %.1f", got, aimed/4)
		}
		if got := count(cfg.ThrottleQuiet+10*time.Second, 300*time.Second); got < aimed*0.9 {
			t.Errorf("%.1f calls/s while notices go on past the quiet period, want the rate aimed at %.1f: notices hold the cut", got, aimed)
		}
		if got := testutil.ToFloat64(a.metrics.ThrottleNotices.WithLabelValues("followed")); got < 1 || got > 10 {
			t.Errorf("%g notices followed, want those of the first quiet period only", got)
		}
	})
}
