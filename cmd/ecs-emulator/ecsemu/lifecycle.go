package ecsemu

import (
	"strconv"
	"time"
)

// lifecycle is the timeline of a task created through the API: Waiting,
// then Processing with TaskProcess rising, then Finished or Failed. The
// durations are already scaled (wall time).
type lifecycle struct {
	waiting, processing time.Duration
	failAt              float64   // 0: finishes; else fails at this fraction of processing
	failure             Operation // OperationProgress of a failure
	result              Operation // OperationProgress of a success
}

// at returns the status and TaskProcess elapsed after creation, and for a
// terminal status how long after creation it was reached.
func (l *lifecycle) at(elapsed time.Duration) (status, process string, endedAfter time.Duration) {
	if elapsed < l.waiting {
		return StatusWaiting, "0%", 0
	}
	p := elapsed - l.waiting
	if l.failAt > 0 {
		failAfter := time.Duration(float64(l.processing) * l.failAt)
		if p >= failAfter {
			return StatusFailed, percent(l.failAt), l.waiting + failAfter
		}
	}
	if p >= l.processing {
		return StatusFinished, "100%", l.waiting + l.processing
	}
	return StatusProcessing, percent(float64(p) / float64(l.processing)), 0
}

// percent formats a fraction as TaskProcess, e.g. "45%", capped at 99%
// while not finished.
func percent(f float64) string {
	n := min(max(int(f*100), 0), 99)
	return strconv.Itoa(n) + "%"
}
