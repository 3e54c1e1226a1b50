package poller

import (
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// observed is what a worker knows of a task between polls.
type observed struct {
	Task    Task // last observation; only ids, Action, Status, Process after a takeover
	Ordinal int  // status changes seen so far
}

// transitions compares a new observation with what was known and returns the notices to
// publish, in order: status_changed, progress, then finished or failed. It also returns the
// updated knowledge. It is a pure function.
func transitions(prev observed, cur Task, md []byte, at time.Time) ([]Notice, observed) {
	next := observed{Task: cur, Ordinal: prev.Ordinal}
	if cur.Action == "" {
		next.Task.Action = prev.Task.Action
	}
	base := Notice{Task: next.Task, PreviousStatus: prev.Task.Status, Metadata: md, ObservedAt: at}
	var out []Notice
	if cur.Status != prev.Task.Status {
		next.Ordinal++
		n := base
		n.Kind, n.Ordinal = events.KindStatusChanged, next.Ordinal
		out = append(out, n)
	}
	if cur.Process != prev.Task.Process && cur.Process != "" {
		n := base
		n.Kind, n.Ordinal = events.KindProgress, next.Ordinal
		out = append(out, n)
	}
	if cur.Status.Terminal() {
		n := base
		n.Ordinal = next.Ordinal
		n.Kind, n.Reason = outcome(cur)
		if n.Kind == events.KindFailed {
			n.ErrorCode, n.ErrorMessage = cur.FirstError()
		}
		out = append(out, n)
	}
	return out, next
}

// outcome decides how a terminal task ended.
func outcome(t Task) (events.Kind, events.Reason) {
	switch {
	case t.Status == StatusFinished && t.FailedCount == 0:
		return events.KindFinished, ""
	case t.Status == StatusFinished:
		return events.KindFailed, events.ReasonOperationsFailed
	case t.Status == StatusDeleted:
		return events.KindFailed, events.ReasonTaskCanceled
	default:
		return events.KindFailed, events.ReasonTaskFailed
	}
}

// failure builds the failed notice for a task that ends without ECS saying so (not found,
// invalid region, timeout), from what was last known.
func failure(prev observed, r events.Registration, reason events.Reason, code, msg string, md []byte, at time.Time) Notice {
	t := prev.Task
	t.TaskID, t.RegionID = r.TaskID, r.RegionID
	return Notice{
		Kind: events.KindFailed, Task: t, PreviousStatus: prev.Task.Status, Ordinal: prev.Ordinal,
		Metadata: md, Reason: reason, ErrorCode: code, ErrorMessage: msg, ObservedAt: at,
	}
}
