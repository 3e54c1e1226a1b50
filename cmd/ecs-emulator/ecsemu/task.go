package ecsemu

import (
	"time"
)

const minuteLayout = "2006-01-02T15:04Z"

// task is one asynchronous task: scripted (steps) or created through the API
// (life). All fields are guarded by the store's mutex.
type task struct {
	id, region, action string
	account            string // the account that created it; only that account sees it
	seq                int    // position in the store's creation order
	resourceID         string // DescribeTasks ResourceId
	created            time.Time
	creationTime       string // override
	finishedTime       string // override
	supportCancel      *bool

	steps     []Step
	idx       int
	calls     int       // calls answered by steps[idx]
	stepStart time.Time // first call answered by steps[idx]
	endedAt   time.Time // first answer with a terminal status

	life *lifecycle

	canceledAt      time.Time
	canceledProcess string
}

// view is what DescribeTaskAttribute answers for a task at one moment.
type view struct {
	err                   *apiError // answer this error instead
	status, process       string
	total, success, fails int32
	ops                   []Operation
	finished              string
	requestID             string
}

// observe returns the view of t at now. With answer set it is a
// DescribeTaskAttribute call: it counts towards the current step.
func (t *task) observe(now time.Time, answer bool) view {
	if !t.canceledAt.IsZero() {
		return t.finish(view{status: StatusDeleted, process: t.canceledProcess}, t.canceledAt)
	}
	if t.life != nil {
		status, process, ended := t.life.at(now.Sub(t.created))
		v := view{status: status, process: process}
		switch status {
		case StatusFinished:
			v.ops = []Operation{t.life.result}
		case StatusFailed:
			v.ops = []Operation{t.life.failure}
		}
		return t.finish(v, t.created.Add(ended))
	}
	if len(t.steps) == 0 {
		return t.finish(view{status: StatusWaiting, process: "0%"}, time.Time{})
	}
	t.normalize(now)
	st := t.steps[t.idx]
	if answer {
		if t.calls == 0 {
			t.stepStart = now
		}
		t.calls++
	}
	if st.Error != "" {
		return view{err: errorFor(st.Error, "")}
	}
	v := view{status: st.Status, process: st.Process, ops: st.Operations, requestID: st.RequestID}
	if v.process == "" {
		v.process = defaultProcess(st.Status)
	}
	if st.TotalCount != 0 || st.SuccessCount != 0 || st.FailedCount != 0 {
		v.total, v.success, v.fails = st.TotalCount, st.SuccessCount, st.FailedCount
		if terminalStatus(v.status) {
			t.markEnded(now)
			v.finished = t.finishedString(t.endedAt)
		}
		return v
	}
	if terminalStatus(v.status) {
		t.markEnded(now)
	}
	return t.finish(v, t.endedAt)
}

// finish fills the counts and FinishedTime of a view.
func (t *task) finish(v view, ended time.Time) view {
	v.total = 1
	switch v.status {
	case StatusFinished:
		v.success = 1
	case StatusFailed:
		v.fails = 1
	}
	if terminalStatus(v.status) {
		v.finished = t.finishedString(ended)
	}
	return v
}

func (t *task) markEnded(now time.Time) {
	if t.endedAt.IsZero() {
		t.endedAt = now
	}
}

func (t *task) finishedString(ended time.Time) string {
	if t.finishedTime != "" {
		return t.finishedTime
	}
	return ended.UTC().Format(minuteLayout)
}

// creation returns when t was created: at orders DescribeTasks listings (newest first), and
// minute is what StartTime and EndTime are compared with, the CreationTime the task answers
// (to the minute). A CreationTime override that parses (minute or second layout) stands for
// both; one that does not is only answered, and the time t was added counts.
func (t *task) creation() (at, minute time.Time) {
	if t.creationTime != "" {
		if o, ok := parseAPITime(t.creationTime); ok {
			return o, o
		}
	}
	return t.created, t.created.UTC().Truncate(time.Minute)
}

func (t *task) creationString() string {
	if t.creationTime != "" {
		return t.creationTime
	}
	return t.created.UTC().Format(minuteLayout)
}

// normalize moves past steps whose calls or time are used up; the last step
// is held forever.
func (t *task) normalize(now time.Time) {
	for t.idx < len(t.steps)-1 {
		st := t.steps[t.idx]
		times := st.Times
		if times == 0 && st.For == 0 {
			times = 1
		}
		if (times > 0 && t.calls >= times) || (st.For > 0 && t.calls > 0 && now.Sub(t.stepStart) >= st.For) {
			t.idx++
			t.calls = 0
			t.stepStart = time.Time{}
			continue
		}
		return
	}
}

// cancel cancels t at now, or returns the answer of the real service when
// t cannot be canceled.
func (t *task) cancel(now time.Time) *apiError {
	if t.action != ActionImportImage && t.action != ActionExportImage {
		return errorFor(CodeTaskActionNotSupport, "")
	}
	v := t.observe(now, false)
	if v.err == nil && terminalStatus(v.status) {
		return errorFor(CodeIncorrectTaskStatus, "")
	}
	t.canceledAt = now
	t.canceledProcess = v.process
	return nil
}

func (t *task) supportsCancel(status string) string {
	if t.supportCancel != nil {
		if *t.supportCancel {
			return "true"
		}
		return "false"
	}
	if (t.action == ActionImportImage || t.action == ActionExportImage) && !terminalStatus(status) {
		return "true"
	}
	return "false"
}
