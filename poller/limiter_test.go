package poller

import (
	"testing"
	"time"
)

func TestRegionLimitsThrottleAndRecover(t *testing.T) {
	l := newRegionLimits(8, 1, 30*time.Second)
	now := time.Unix(1000, 0)
	if d := l.reserve("r", now); d != 0 {
		t.Fatalf("first token delayed %s", d)
	}
	if d := l.reserve("r", now); d != 125*time.Millisecond {
		t.Fatalf("second token delay = %s, want 125ms at 8/s", d)
	}
	l.throttled("r", now)
	l.throttled("r", now)
	if got := l.limit("r"); got != 2 {
		t.Fatalf("after two throttles limit = %g, want 2", got)
	}
	if got := l.limit("other"); got != 8 {
		t.Fatalf("other region limit = %g, want 8", got)
	}
	for range 10 {
		l.throttled("r", now)
	}
	if got := l.limit("r"); got != 0.5 {
		t.Fatalf("floor = %g, want 0.5", got)
	}
	l.succeeded("r", now.Add(10*time.Second))
	if got := l.limit("r"); got != 0.5 {
		t.Fatalf("raised during the quiet period: %g", got)
	}
	steps := []float64{0.75, 1.125}
	at := now
	for _, want := range steps {
		at = at.Add(31 * time.Second)
		l.succeeded("r", at)
		if got := l.limit("r"); got != want {
			t.Fatalf("limit = %g, want %g", got, want)
		}
	}
	for range 20 {
		at = at.Add(31 * time.Second)
		l.succeeded("r", at)
	}
	if got := l.limit("r"); got != 8 {
		t.Fatalf("recovered limit = %g, want 8 (the configured rate, never above)", got)
	}
}
