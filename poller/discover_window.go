package poller

import "time"

// discoverOverlap is how far before the cursor each listing starts. ECS gives CreationTime to
// the minute and may compare the bounds at that precision, the worker's clock and ECS's
// differ, and a task may show in a listing a little after it was created: two minutes cover
// all three with room. A task is thus listed in every window of about two minutes after its
// creation, not once.
const discoverOverlap = 2 * time.Minute

// window is the creation-time range one listing of a region covers, both bounds included.
type window struct {
	start, end time.Time
	// gap: the last complete listing ended before the lookback, so tasks created between it
	// and start were never listed (the fleet listed nothing for longer than the lookback).
	gap bool
}

// discoverWindow returns the window of a listing at now, after listings complete up to cursor
// (zero: none yet), reaching back at most lookback. It is a pure function: the window ends at
// now, to the second (the precision ECS takes); it starts discoverOverlap before the cursor,
// or lookback before now on the first listing and when the cursor is older than that.
func discoverWindow(cursor, now time.Time, lookback time.Duration) window {
	end := now.UTC().Truncate(time.Second)
	floor := end.Add(-lookback)
	switch {
	case cursor.IsZero():
		return window{start: floor, end: end}
	case cursor.Before(floor):
		return window{start: floor, end: end, gap: true}
	}
	start := cursor.UTC().Add(-discoverOverlap).Truncate(time.Second)
	if start.Before(floor) {
		start = floor
	}
	if !start.Before(end) { // a cursor ahead of this clock: list the overlap behind now
		start = end.Add(-discoverOverlap)
	}
	return window{start: start, end: end}
}

// steadyEnd returns the end of a window pulled back to the last second of the minute before
// end's, when that is still after start (else end). A listing whose TotalCount changed while
// it was paged is listed again to there: ECS compares minute-precise creation times, so tasks
// created now (in end's minute) may join a window that ends now, but none can join one that
// ends before that minute. The tasks of the minute cut off are listed by the next window.
func steadyEnd(start, end time.Time) time.Time {
	e := end.Truncate(time.Minute).Add(-time.Second)
	if e.Before(start) {
		return end
	}
	return e
}
