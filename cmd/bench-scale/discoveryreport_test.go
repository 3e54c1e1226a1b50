package main

import (
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

func TestDiscoverySettle(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ids := []string{"t-a", "t-b", "t-c"}
	created := []time.Time{t0, t0.Add(time.Second), t0.Add(2 * time.Second)}
	first, terminal := newDetections(3), newDetections(3)
	first.add("t-a", t0.Add(5*time.Second), string(events.OriginDiscovered))
	first.add("t-a", t0.Add(9*time.Second), string(events.OriginRegistered)) // later: ignored
	first.add("t-b", t0.Add(3*time.Second), string(events.OriginRegistered))
	terminal.add("t-a", t0.Add(30*time.Second), "finished")
	r := discoveryResult{Interval: 30 * time.Second}
	r.settle(ids, created, first, terminal)
	if want := []time.Duration{2 * time.Second, 5 * time.Second}; len(r.FirstEvent) != 2 || r.FirstEvent[0] != want[0] || r.FirstEvent[1] != want[1] {
		t.Errorf("FirstEvent = %v, want %v (sorted, creation to first event)", r.FirstEvent, want)
	}
	if r.Missing != 2 || r.WrongOrigin != 1 {
		t.Errorf("Missing %d, WrongOrigin %d; want 2 (no terminal event: t-b, t-c), 1 (t-b registered in a discovery run)", r.Missing, r.WrongOrigin)
	}
}

func TestDiscoveryVerdict(t *testing.T) {
	sec := func(n ...int) []time.Duration {
		var out []time.Duration
		for _, v := range n {
			out = append(out, time.Duration(v)*time.Second)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		r    discoveryResult
		want []string
	}{
		{"within", discoveryResult{Interval: 10 * time.Second, FirstEvent: sec(1, 5, 12)}, []string{"✅ p99 creation → first event 12.0 s (target ≤ interval + 2 s = 12.0 s)", "✅ every task"}},
		{"late", discoveryResult{Interval: 10 * time.Second, FirstEvent: sec(1, 5, 13)}, []string{"❌ p99 creation → first event 13.0 s"}},
		{"none seen", discoveryResult{Interval: 10 * time.Second, Missing: 3}, []string{"❌ p99", "❌ every task exactly one terminal event (3 without"}},
		{"registered has no latency target", discoveryResult{FirstEvent: sec(60), NotOne: 1}, []string{"registered at creation: ❌ every task exactly one terminal event (0 without, 1 with more than one)"}},
	} {
		var b strings.Builder
		writeDiscoveryVerdict(&b, []discoveryResult{tc.r})
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: verdict %q, want it to contain %q", tc.name, b.String(), w)
			}
		}
		if tc.r.Interval == 0 && strings.Contains(b.String(), "p99") {
			t.Errorf("%s: verdict %q has a latency target", tc.name, b.String())
		}
	}
}
