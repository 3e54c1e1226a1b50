package poller

import (
	"testing"
	"time"
)

func TestProgressEstimate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name     string
		readings []struct {
			s int
			p string
		}
		want time.Time // zero: no estimate
	}{
		{"one reading", []struct {
			s int
			p string
		}{{0, "10%"}}, time.Time{}},
		{"linear", []struct {
			s int
			p string
		}{{0, "10%"}, {10, "20%"}}, at(90)},
		{"unchanged readings keep the first move", []struct {
			s int
			p string
		}{{0, "10%"}, {10, "20%"}, {20, "20%"}}, at(90)},
		{"going back starts again", []struct {
			s int
			p string
		}{{0, "50%"}, {10, "60%"}, {20, "10%"}}, time.Time{}},
		{"not a percentage", []struct {
			s int
			p string
		}{{0, "abc"}, {10, ""}}, time.Time{}},
		{"done", []struct {
			s int
			p string
		}{{0, "50%"}, {10, "100%"}}, time.Time{}},
	}
	for _, tt := range tests {
		var p progress
		for _, r := range tt.readings {
			p = p.observe(at(r.s), r.p)
		}
		got, ok := p.estimate()
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("%s: estimate = %v %v, want %v", tt.name, got, ok, tt.want)
		}
	}
}

// Anchored at the task's creation, one reading gives an estimate, and it errs late: a task
// that started after its creation (time in Waiting, minute precision) is estimated to end later
// than at its real pace, never sooner.
func TestProgressAnchoredAtCreation(t *testing.T) {
	created := time.Date(2026, 11, 27, 10, 4, 0, 0, time.UTC)
	now := created.Add(90 * time.Second)
	p := progress{}.anchor("2026-11-27T10:04Z", now).observe(now, "30%")
	eta, ok := p.estimate()
	if want := created.Add(300 * time.Second); !ok || !eta.Equal(want) {
		t.Fatalf("estimate = %s %v, want %s (30%% in 90 s from creation)", eta, ok, want)
	}
	// It really started 30 s after its creation: at its real pace (30% in 60 s) it ends
	// at 10:07; the anchored estimate (10:09) is later.
	if real := created.Add(30*time.Second + 200*time.Second); eta.Before(real) {
		t.Errorf("estimate %s before the real end %s", eta, real)
	}
	for _, bad := range []string{"", "yesterday", "2026-11-27T10:06Z"} { // unreadable, or after now
		if got := (progress{}).anchor(bad, now); got.n != 0 {
			t.Errorf("anchor(%q) = %+v, want no history", bad, got)
		}
	}
	two := progress{}.observe(now, "10%")
	if got := two.anchor("2026-11-27T10:04Z", now); got != two {
		t.Errorf("anchor changed a history that has readings: %+v", got)
	}
}
