package poller

import (
	"encoding/json"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// Notice is what the worker asks a Publisher to announce: one transition of one task.
// Task holds the latest observation (or what was last known, for not-found and timeouts).
// In the chain of one announcement: a Notice is decided (transitions, failure), recorded in
// the task's Outbox as an OutboxItem, then published as an events.Event (Event builds it);
// the journal tells of the stored event as Announced.
//
// Ordinal and the kind together identify the transition: publishing the same notice twice
// must produce the same message id, so the events stream stores it once.
type Notice struct {
	Kind           events.Kind
	Task           Task
	PreviousStatus Status
	// Ordinal is the number of status changes seen before and including this notice's
	// observation (1 for the first observed status). Progress notices carry the ordinal of
	// the status they were observed in.
	Ordinal      int
	Metadata     json.RawMessage // the registration's metadata, echoed verbatim (nil if none)
	Reason       events.Reason   // failed notices only
	ErrorCode    string          // failed notices, when ECS gave one
	ErrorMessage string
	// Cancel, in a failed notice with reason timeout, is what became of the CancelTask call
	// made at the deadline (events.Data.Cancel); "" when none was considered.
	Cancel string
	Origin events.Origin // how the task came to be tracked: the registration's ("": registered)
	// Account is the registration's account ("" without an accounts file): in the event's data
	// and its CloudEvents source.
	Account string
	// TraceParent and TraceState are the registration's W3C trace context ("" if none),
	// carried into the event as the CloudEvents distributed tracing extension.
	TraceParent string
	TraceState  string
	ObservedAt  time.Time
}

// ID returns the deterministic id of the event announcing n (events.ID). It is built from
// the registration's region and task ids, which Notice.Task carries. A notice of a kind
// events.ID does not know has no event: its id is "", and Publishers refuse it.
func (n Notice) ID() string {
	id, _ := events.ID(n.Task.RegionID, n.Task.TaskID, n.Kind, n.Ordinal, string(n.Task.Status), n.Task.Process)
	return id
}

// Action returns the task action for subjects, or "unknown" when ECS never told it.
func (n Notice) Action() string {
	if n.Task.Action == "" {
		return "unknown"
	}
	return n.Task.Action
}

// Event builds the CloudEvent announcing n, as the contract in package events defines it.
func (n Notice) Event() events.Event {
	t := n.Task
	ops := make([]events.Operation, len(t.Operations))
	for i, op := range t.Operations {
		if op.RelatedItems == nil {
			op.RelatedItems = []events.RelatedItem{}
		}
		ops[i] = op
	}
	objects := t.ItemValues("OSSObject")
	if objects == nil {
		objects = []string{}
	}
	var bucket string
	if b := t.ItemValues("OSSBucket"); len(b) > 0 {
		bucket = b[0]
	}
	at := n.ObservedAt
	if at.IsZero() {
		at = time.Now()
	}
	var eta *time.Time
	if n.Kind == events.KindProgress && !t.EstimatedFinish.IsZero() {
		e := t.EstimatedFinish.UTC()
		eta = &e
	}
	return events.Event{
		SpecVersion:     events.SpecVersion,
		ID:              n.ID(),
		Source:          events.AccountEventSource(n.Account, t.RegionID),
		Type:            n.Kind.Type(),
		Subject:         t.TaskID,
		Time:            at.UTC(),
		DataContentType: "application/json",
		DataSchema:      n.Kind.DataSchema(),
		TraceParent:     n.TraceParent,
		TraceState:      n.TraceState,
		Data: events.Data{
			Account:             n.Account,
			TaskID:              t.TaskID,
			RegionID:            t.RegionID,
			TaskAction:          n.Action(),
			TaskStatus:          string(t.Status),
			PreviousStatus:      string(n.PreviousStatus),
			TaskProcess:         t.Process,
			CreationTime:        t.CreationTime,
			FinishedTime:        t.FinishedTime,
			TotalCount:          t.TotalCount,
			SuccessCount:        t.SuccessCount,
			FailedCount:         t.FailedCount,
			StatusOrdinal:       n.Ordinal,
			EstimatedFinishTime: eta,
			ResourceID:          t.ResourceID,
			Truncated:           t.Truncated,
			SupportCancel:       t.SupportCancel,
			Operations:          ops,
			OSSObjects:          objects,
			OSSBucket:           bucket,
			Metadata:            n.Metadata,
			Reason:              n.Reason,
			ErrorCode:           n.ErrorCode,
			ErrorMessage:        n.ErrorMessage,
			Cancel:              n.Cancel,
			Origin:              n.Origin.OrRegistered(),
		},
	}
}
