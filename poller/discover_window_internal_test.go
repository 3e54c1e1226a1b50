package poller

import (
	"testing"
	"time"
)

func TestDiscoverWindow(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 30, 700e6, time.FixedZone("CST", 8*3600))
	end := time.Date(2026, 11, 27, 0, 0, 30, 0, time.UTC) // now in UTC, to the second
	day := 24 * time.Hour
	tests := []struct {
		name   string
		cursor time.Time
		want   window
	}{
		{"first listing: the lookback", time.Time{}, window{start: end.Add(-day), end: end}},
		{"after a listing: 2 min before the cursor", end.Add(-30 * time.Second), window{start: end.Add(-150 * time.Second), end: end}},
		{"a cursor with nanoseconds: the second before", end.Add(-30*time.Second + 400*time.Millisecond), window{start: end.Add(-150 * time.Second), end: end}},
		{"an outage shorter than the lookback: from the cursor", end.Add(-20 * time.Hour), window{start: end.Add(-20*time.Hour - 2*time.Minute), end: end}},
		{"the cursor within the overlap of the lookback: clipped, no gap", end.Add(-day + time.Minute), window{start: end.Add(-day), end: end}},
		{"an outage longer than the lookback: a gap", end.Add(-day - time.Second), window{start: end.Add(-day), end: end, gap: true}},
		{"a cursor ahead of this clock: the overlap behind now", end.Add(5 * time.Minute), window{start: end.Add(-2 * time.Minute), end: end}},
	}
	for _, tt := range tests {
		got := discoverWindow(tt.cursor, now, day)
		if !got.start.Equal(tt.want.start) || !got.end.Equal(tt.want.end) || got.gap != tt.want.gap {
			t.Errorf("%s: %s to %s gap %v, want %s to %s gap %v", tt.name, got.start, got.end, got.gap, tt.want.start, tt.want.end, tt.want.gap)
		}
		if got.end.Location() != time.UTC {
			t.Errorf("%s: window in %s, want UTC", tt.name, got.end.Location())
		}
	}
}

func TestSteadyEnd(t *testing.T) {
	at := func(h, m, s int) time.Time { return time.Date(2026, 11, 27, h, m, s, 0, time.UTC) }
	for _, tt := range []struct{ start, end, want time.Time }{
		{at(7, 58, 0), at(8, 0, 30), at(7, 59, 59)},
		{at(7, 58, 0), at(8, 0, 0), at(7, 59, 59)},
		{at(8, 0, 10), at(8, 0, 30), at(8, 0, 30)}, // the minute before is before the start: as it was
	} {
		if got := steadyEnd(tt.start, tt.end); !got.Equal(tt.want) {
			t.Errorf("steadyEnd(%s, %s) = %s, want %s", tt.start, tt.end, got, tt.want)
		}
	}
}
