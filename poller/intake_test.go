package poller_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

// Taking registrations that keeps failing makes the worker not ready at once and unhealthy
// after StallAfter; once the source works again (it waits quietly, with nothing to hand out)
// both clear.
func TestIntakeStallIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		cfg := rigConfig()
		cfg.StallAfter = time.Minute
		a := r.start(cfg)
		settle(time.Second)
		if err := a.w.Ready(); err != nil {
			t.Fatalf("not ready with an idle source: %v", err)
		}
		a.src.SetBroken(true)
		settle(2 * time.Second)
		if a.w.Ready() == nil || a.w.Healthy() != nil {
			t.Fatalf("after 2 s of failures: ready %v, healthy %v; want not ready, healthy", a.w.Ready(), a.w.Healthy())
		}
		settle(time.Minute)
		if a.w.Healthy() == nil {
			t.Fatal("healthy after a minute of failures")
		}
		a.src.SetBroken(false)
		settle(poller.IntakeRecovered + 2*time.Second)
		if err := a.w.Healthy(); err != nil {
			t.Errorf("still unhealthy after the source recovered: %v", err)
		}
		if err := a.w.Ready(); err != nil {
			t.Errorf("still not ready after the source recovered: %v", err)
		}
	})
}
