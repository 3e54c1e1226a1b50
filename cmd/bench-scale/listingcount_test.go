package main

import (
	"slices"
	"testing"
	"time"
)

func TestListingSamplesBetween(t *testing.T) {
	s := listingSamples{
		At:     []time.Duration{0, 10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second},
		Counts: [][]int{{1, 0}, {5, 1}, {9, 2}, {10, 3}, {11, 4}},
	}
	for _, tc := range []struct {
		r        int
		from, to time.Duration
		want     int
	}{
		{0, 0, 40 * time.Second, 10},
		{0, 10 * time.Second, 20 * time.Second, 4},
		{0, 15 * time.Second, 25 * time.Second, 4}, // each bound to the sample before it: 9-5
		{1, 30 * time.Second, time.Hour, 1},
		{0, -time.Second, 0, 1}, // before the first sample: 0
		{1, 20 * time.Second, 20 * time.Second, 0},
	} {
		if got := s.between(tc.r, tc.from, tc.to); got != tc.want {
			t.Errorf("between(%d, %s, %s) = %d, want %d", tc.r, tc.from, tc.to, got, tc.want)
		}
	}
}

func TestPerInterval(t *testing.T) {
	for _, tc := range []struct {
		calls              int
		from, to, interval time.Duration
		want               float64
	}{
		{4, 0, 2 * time.Minute, 30 * time.Second, 1},
		{120, 0, 2 * time.Minute, 10 * time.Second, 10},
		{3, time.Minute, time.Minute, 30 * time.Second, 0}, // empty span
	} {
		if got := perInterval(tc.calls, tc.from, tc.to, tc.interval); got != tc.want {
			t.Errorf("perInterval(%d, %s, %s, %s) = %g, want %g", tc.calls, tc.from, tc.to, tc.interval, got, tc.want)
		}
	}
}

// The phases of a run split its samples at the last creation and at the start of idleness,
// each region's calls scaled to the interval.
func TestListingPhases(t *testing.T) {
	s := listingSamples{At: []time.Duration{0, 60 * time.Second, 120 * time.Second, 180 * time.Second}}
	s.Counts = [][]int{{0, 0}, {40, 20}, {44, 22}, {46, 24}}
	got := listingPhases(s, 2, 30*time.Second, 60*time.Second, 120*time.Second, 180*time.Second)
	want := []listingPhase{
		{Name: "busy", From: 0, To: 60 * time.Second, PerRegion: []float64{20, 10}},
		{Name: "tail", From: 60 * time.Second, To: 120 * time.Second, PerRegion: []float64{2, 1}},
		{Name: "idle", From: 120 * time.Second, To: 180 * time.Second, PerRegion: []float64{1, 1}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d phases, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.From != w.From || g.To != w.To || !slices.Equal(g.PerRegion, w.PerRegion) {
			t.Errorf("phase %d = %+v, want %+v", i, g, w)
		}
	}
}
