package poller_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// A task whose progress moves at a steady pace is looked at around the moment it should end,
// not a whole backoff cap later; its progress events say when that is.
func TestPollWhereTheEndIs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		start := time.Now()
		const runs = 100 * time.Second
		r.api.scriptFunc("t-1", func(_ int, now time.Time) memAnswer {
			d := now.Sub(start)
			if d >= runs {
				return memAnswer{task: finished()}
			}
			return memAnswer{task: task(poller.StatusProcessing, fmt.Sprintf("%d%%", int(100*d/runs)))}
		})
		cfg := rigConfig()
		cfg.PollInitial, cfg.PollMax = 5*time.Second, time.Minute // the backoff alone would look at 135 s
		a := r.start(cfg)
		a.register("t-1")
		settle(5 * time.Minute)
		r.checkConsistent("t-1")
		evs := r.events("t-1")
		last := evs[len(evs)-1]
		late := last.ObservedAt.Sub(start) - runs
		t.Logf("seen %s after the end, %d DescribeTaskAttribute calls", late, len(r.api.callTimes("t-1")))
		if last.Kind != events.KindFinished || late > cfg.PollInitial {
			t.Errorf("%s seen %s after the end, want within %s", last.Kind, late, cfg.PollInitial)
		}
		var estimated int
		for _, n := range evs {
			if ev := n.Event(); n.Kind == events.KindProgress && ev.Data.EstimatedFinishTime != nil {
				estimated++
				if d := ev.Data.EstimatedFinishTime.Sub(start); d < runs-time.Second || d > runs+time.Second {
					t.Errorf("estimated finish %s after the start, want about %s", d, runs)
				}
			}
		}
		if estimated == 0 {
			t.Error("no progress event carries an estimated finish time")
		}
	})
}
