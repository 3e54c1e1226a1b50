package poller

import (
	"strconv"
	"strings"
	"time"
)

// progress is what a worker remembers of a task's TaskProcess in its current status: the first
// and the latest reading that moved, to extrapolate when it reaches 100%. It is a value with
// pure methods; the processing goroutine of the task owns it.
type progress struct {
	firstAt, lastAt time.Time
	first, last     float64
	n               int // readings since the status began
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
	v, ok := parsePercent(process)
	if !ok {
		return p
	}
	switch {
	case p.n == 0 || v < p.last:
		return progress{firstAt: at, first: v, lastAt: at, last: v, n: 1}
	case v > p.last:
		p.lastAt, p.last = at, v
		p.n++
	}
	return p
}

// estimate returns when the task should reach 100% at the pace seen so far: it needs two
// readings that moved. ok is false when there is no estimate.
func (p progress) estimate() (time.Time, bool) {
	if p.n < 2 || p.last <= p.first || !p.lastAt.After(p.firstAt) || p.last >= 100 {
		return time.Time{}, false
	}
	rate := (p.last - p.first) / p.lastAt.Sub(p.firstAt).Seconds() // percent per second
	left := time.Duration((100 - p.last) / rate * float64(time.Second))
	return p.lastAt.Add(left), true
}
