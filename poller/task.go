package poller

import (
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// Task is one observation of an ECS asynchronous task, as DescribeTaskAttribute reported it.
// It is a plain value: the ECS adapter builds it from the SDK's pointer-heavy models.
type Task struct {
	TaskID        string
	RegionID      string
	Action        string // TaskAction, e.g. "ExportImage"; empty when ECS did not say
	Status        Status
	Process       string // TaskProcess, e.g. "45%"
	CreationTime  string
	FinishedTime  string
	TotalCount    int
	SuccessCount  int
	FailedCount   int
	SupportCancel bool
	Operations    []events.Operation
	// ResourceID is the resource the task works on, as DescribeTasks reports it (empty when
	// unknown: DescribeTaskAttribute does not say).
	ResourceID string `json:",omitempty"`
	// EstimatedFinish is when the worker expects TaskProcess to reach 100% at the pace seen in
	// the current status (zero: unknown). Not ECS data: the worker's extrapolation.
	EstimatedFinish time.Time `json:",omitzero"`
	// Truncated is set when the observation was cut to fit an event (see bounded).
	Truncated bool `json:",omitempty"`
}

// Status is an ECS TaskStatus.
type Status string

// The TaskStatus values ECS documents.
const (
	StatusWaiting    Status = "Waiting"
	StatusProcessing Status = "Processing"
	StatusFinished   Status = "Finished"
	StatusFailed     Status = "Failed"
	StatusDeleted    Status = "Deleted" // canceled
	StatusPaused     Status = "Paused"
)

// Terminal reports whether ECS will not change the status any more.
// An unknown status is not terminal: polling goes on.
func (s Status) Terminal() bool {
	return s == StatusFinished || s == StatusFailed || s == StatusDeleted
}

// The documented TaskAction values.
const (
	ActionImportImage      = "ImportImage"
	ActionExportImage      = "ExportImage"
	ActionModifyDiskSpec   = "ModifyDiskSpec"
	ActionRedeployInstance = "RedeployInstance"
	ActionArchiveSnapshot  = "ArchiveSnapshot"
)

// ParseAction returns the TaskAction ECS reported as s: one of the constants when it is a
// documented value (one copy of each for all tasks, as ParseStatus), else s as it is.
func ParseAction(s string) string {
	for _, k := range [...]string{ActionImportImage, ActionExportImage, ActionModifyDiskSpec, ActionRedeployInstance, ActionArchiveSnapshot} {
		if s == k {
			return k
		}
	}
	return s
}

// ParseStatus returns the TaskStatus ECS reported as s: one of the constants when it is a
// documented value, so that a worker holding many tasks keeps one copy of each status instead
// of one per answer; else s as it is.
func ParseStatus(s string) Status {
	for _, k := range [...]Status{StatusWaiting, StatusProcessing, StatusFinished, StatusFailed, StatusDeleted, StatusPaused} {
		if s == string(k) {
			return k
		}
	}
	return Status(s)
}

// Known reports whether s is one of the documented TaskStatus values.
func (s Status) Known() bool {
	switch s {
	case StatusWaiting, StatusProcessing, StatusFinished, StatusFailed, StatusDeleted, StatusPaused:
		return true
	}
	return false
}

// ItemValues returns the values of every RelatedItem called name, across all operations, in order.
func (t Task) ItemValues(name string) []string {
	var out []string
	for _, op := range t.Operations {
		for _, it := range op.RelatedItems {
			if it.Name == name {
				out = append(out, it.Value)
			}
		}
	}
	return out
}

// FirstError returns the first operation error ECS reported, if any.
func (t Task) FirstError() (code, msg string) {
	for _, op := range t.Operations {
		if op.ErrorCode != "" || op.ErrorMsg != "" {
			if !strings.EqualFold(op.OperationStatus, "Success") {
				return op.ErrorCode, op.ErrorMsg
			}
		}
	}
	for _, op := range t.Operations {
		if op.ErrorCode != "" || op.ErrorMsg != "" {
			return op.ErrorCode, op.ErrorMsg
		}
	}
	return "", ""
}

// Bounds of one observation, so that its events and state stay far below NATS's payload limit
// whatever ECS answers.
const (
	maxDetailBytes = 32 << 10 // operations and related items, roughly as encoded
	maxFieldBytes  = 1 << 10  // any one string ECS reported
)

// bounded returns t cut to the bounds above: long strings are shortened, and operations and
// related items beyond the budget are dropped, in order. Truncated says whether anything was
// cut. It is a pure function.
func bounded(t Task) Task {
	cut := func(s string) string {
		c := clipField(s)
		if len(c) != len(s) {
			t.Truncated = true
		}
		return c
	}
	t.Action, t.Process, t.CreationTime, t.FinishedTime = cut(t.Action), cut(t.Process), cut(t.CreationTime), cut(t.FinishedTime)
	t.Status = Status(cut(string(t.Status)))
	budget := maxDetailBytes
	ops := make([]events.Operation, 0, len(t.Operations))
	for _, op := range t.Operations {
		op.OperationStatus, op.ErrorCode, op.ErrorMsg = cut(op.OperationStatus), cut(op.ErrorCode), cut(op.ErrorMsg)
		cost := len(op.OperationStatus) + len(op.ErrorCode) + len(op.ErrorMsg) + 80
		if cost > budget {
			t.Truncated = true
			break
		}
		budget -= cost
		items := make([]events.RelatedItem, 0, len(op.RelatedItems))
		for _, it := range op.RelatedItems {
			it.Name, it.Value = cut(it.Name), cut(it.Value)
			cost := len(it.Name) + len(it.Value) + 30
			if cost > budget {
				t.Truncated = true
				break
			}
			budget -= cost
			items = append(items, it)
		}
		op.RelatedItems = items
		ops = append(ops, op)
	}
	if t.Operations != nil {
		t.Operations = ops
	}
	return t
}

// clipField cuts s to maxFieldBytes, never inside a UTF-8 sequence.
func clipField(s string) string {
	if len(s) <= maxFieldBytes {
		return s
	}
	return strings.ToValidUTF8(s[:maxFieldBytes], "")
}
