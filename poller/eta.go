package poller

import (
	"strconv"
	"strings"
	"time"
)

// progress is what a worker remembers of a task's TaskProcess in its current status: the first
// and the latest reading that moved, to extrapolate when it reaches 100%. It is a value with
// pure methods; the processing goroutine of the task owns it.
//
// A worker holds one per task (100,000 of them), so it is kept small: times in Unix
// nanoseconds, percentages as float32.
type progress struct {
	firstAt, lastAt int64   // Unix nanoseconds of the first and the latest reading
	first, last     float32 // percent
	n               int32   // readings since the status began
}

// parsePercent reads a TaskProcess such as "45%" (or "45").
func parsePercent(s string) (float64, bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	if s == "" {
		return 0, false
	}
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p < 0 || p > 100 {
		return 0, false
	}
	return p, true
}

// observe records a reading at at; a reading that goes back starts the history again.
func (p progress) observe(at time.Time, process string) progress {
	f, ok := parsePercent(process)
	if !ok {
		return p
	}
	v, ns := float32(f), at.UnixNano()
	switch {
	case p.n == 0 || v < p.last:
		return progress{firstAt: ns, first: v, lastAt: ns, last: v, n: 1}
	case v > p.last:
		p.lastAt, p.last = ns, v
		p.n++
	}
	return p
}

// estimate returns when the task should reach 100% at the pace seen so far: it needs two
// readings that moved. ok is false when there is no estimate.
func (p progress) estimate() (time.Time, bool) {
	if p.n < 2 || p.last <= p.first || p.lastAt <= p.firstAt || p.last >= 100 {
		return time.Time{}, false
	}
	rate := float64(p.last-p.first) / float64(p.lastAt-p.firstAt) // percent per nanosecond
	left := time.Duration(float64(100-p.last) / rate)
	return time.Unix(0, p.lastAt).Add(left), true
}

// anchor seeds an empty history with 0% at the task's creation (ECS CreationTime, e.g.
// "2026-11-27T10:04Z", minute precision), so that one reading gives an estimate. The
// creation time is at or before the start of any progress, so the estimate errs late: it
// never makes the worker read a task sooner than its real pace would. A history that has
// readings, or a creation time that cannot be read or is not before at, changes nothing.
func (p progress) anchor(creation string, at time.Time) progress {
	if p.n > 0 {
		return p
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if c, err := time.Parse(layout, strings.TrimSpace(creation)); err == nil {
			if !c.Before(at) {
				return p
			}
			return progress{firstAt: c.UnixNano(), lastAt: c.UnixNano(), n: 1}
		}
	}
	return p
}
