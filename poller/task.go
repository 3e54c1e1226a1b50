package poller

import "strings"

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
	Operations    []Operation
}

// Operation is one entry of OperationProgressSet.
type Operation struct {
	Status    string // OperationStatus
	ErrorCode string
	ErrorMsg  string
	Items     []Item // RelatedItemSet
}

// Item is one RelatedItem (Name is e.g. "OSSBucket", "OSSObject", "ImageFormat").
type Item struct {
	Name  string
	Value string
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
		for _, it := range op.Items {
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
			if !strings.EqualFold(op.Status, "Success") {
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
