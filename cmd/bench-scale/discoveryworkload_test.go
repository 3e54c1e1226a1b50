package main

import (
	"testing"
	"time"
)

func TestDiscoveryWorkloadSpread(t *testing.T) {
	regions := []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}
	finish := finishSpan{20 * time.Second, 60 * time.Second}
	w := newDiscoveryWorkload(10, 100*time.Second, finish, regions, 1)
	if len(w.tasks) != 10 {
		t.Fatalf("%d tasks, want 10", len(w.tasks))
	}
	for i, tk := range w.tasks {
		if want := time.Duration(i) * 10 * time.Second; tk.At != want {
			t.Errorf("task %d created at %s, want %s (evenly over the span)", i, tk.At, want)
		}
		if want := regions[i%3]; tk.Region != want {
			t.Errorf("task %d in %s, want %s (regions in turn)", i, tk.Region, want)
		}
		if tk.Life < finish.Min || tk.Life > finish.Max {
			t.Errorf("task %d lives %s, outside %s", i, tk.Life, finish.String())
		}
	}
	if got, want := w.lastCreated(), 90*time.Second; got != want {
		t.Errorf("lastCreated() = %s, want %s", got, want)
	}
	var end time.Duration
	for _, tk := range w.tasks {
		end = max(end, tk.At+tk.Life)
	}
	if got := w.lastEnd(); got != end || got < w.lastCreated()+finish.Min {
		t.Errorf("lastEnd() = %s, want %s", got, end)
	}
}

// The same seed gives the same workload (every run of a benchmark gets it); another seed, other lives.
func TestDiscoveryWorkloadSeeded(t *testing.T) {
	regions := []string{"cn-hangzhou", "cn-beijing"}
	finish := finishSpan{20 * time.Second, 60 * time.Second}
	a := newDiscoveryWorkload(1000, 2*time.Minute, finish, regions, 7)
	b := newDiscoveryWorkload(1000, 2*time.Minute, finish, regions, 7)
	c := newDiscoveryWorkload(1000, 2*time.Minute, finish, regions, 8)
	same, other := true, false
	for i := range a.tasks {
		same = same && a.tasks[i] == b.tasks[i]
		other = other || a.tasks[i].Life != c.tasks[i].Life
	}
	if !same || !other {
		t.Errorf("same seed same workload: %v (want true); another seed other lives: %v (want true)", same, other)
	}
	per := map[string]int{}
	for _, tk := range a.tasks {
		per[tk.Region]++
	}
	if per["cn-hangzhou"] != 500 || per["cn-beijing"] != 500 {
		t.Errorf("tasks per region %v, want 500 each", per)
	}
}

func TestPeakInWindow(t *testing.T) {
	// 12 tasks over 12 s, 3 regions: each region gets one task every 3 s (0, 3, 6, 9 s for the first).
	w := newDiscoveryWorkload(12, 12*time.Second, finishSpan{time.Second, time.Second}, []string{"a", "b", "c"}, 1)
	for _, tc := range []struct {
		region string
		win    time.Duration
		want   int
	}{
		{"a", 0, 1},
		{"a", 3 * time.Second, 2}, // both ends included
		{"a", 5 * time.Second, 2},
		{"a", 6 * time.Second, 3},
		{"a", time.Hour, 4},
		{"b", time.Hour, 4},
		{"z", time.Hour, 0},
	} {
		if got := w.peakInWindow(tc.region, tc.win); got != tc.want {
			t.Errorf("peakInWindow(%s, %s) = %d, want %d", tc.region, tc.win, got, tc.want)
		}
	}
}
