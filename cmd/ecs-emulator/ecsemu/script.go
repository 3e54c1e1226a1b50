package ecsemu

import (
	"fmt"
	"time"
)

// Task statuses of the real service.
const (
	StatusWaiting    = "Waiting"
	StatusProcessing = "Processing"
	StatusFinished   = "Finished"
	StatusFailed     = "Failed"
	StatusDeleted    = "Deleted" // canceled
	StatusPaused     = "Paused"
)

// Step is one state of a scripted task, answered to DescribeTaskAttribute.
// A step lasts Times calls or For (wall time, unscaled, from the first call
// it answered), whichever ends first; a step with neither lasts one call.
// The last step of a script is held forever.
type Step struct {
	Status  string        `json:"status,omitempty"`  // TaskStatus; required unless Error is set
	Process string        `json:"process,omitempty"` // TaskProcess, e.g. "45%"; default from Status
	Times   int           `json:"times,omitempty"`
	For     time.Duration `json:"for,omitempty"`
	// Error, if set, answers this API error code instead of the task, with
	// the real HTTP status and body ("BadGateway": non-JSON 502, "Drop":
	// connection closed without an answer).
	Error string `json:"error,omitempty"`
	// SuccessCount, FailedCount and TotalCount override the defaults
	// (TotalCount 1, SuccessCount 1 when Finished, FailedCount 1 when
	// Failed) when any of them is non-zero.
	SuccessCount int32       `json:"success_count,omitempty"`
	FailedCount  int32       `json:"failed_count,omitempty"`
	TotalCount   int32       `json:"total_count,omitempty"`
	Operations   []Operation `json:"operations,omitempty"` // OperationProgressSet.OperationProgress
	RequestID    string      `json:"request_id,omitempty"` // fixed RequestId; generated if empty
}

// Operation is one OperationProgress entry.
type Operation struct {
	Status    string `json:"status"` // OperationStatus: Success or Failed
	ErrorCode string `json:"error_code,omitempty"`
	ErrorMsg  string `json:"error_msg,omitempty"`
	Items     []Item `json:"items,omitempty"` // RelatedItemSet.RelatedItem
}

// Item is one RelatedItem (Name OSSBucket, OSSObject, ImageFormat, ...).
type Item struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Script defines a task whose answers are given exactly, step by step.
type Script struct {
	RegionID string `json:"region_id"`         // required, a known region
	TaskID   string `json:"task_id,omitempty"` // generated if empty; unique across accounts
	// Account is the ID of the account the task belongs to (DefaultAccountID if empty): only
	// calls signed with a key of that account see it.
	Account string `json:"account,omitempty"`
	Action  string `json:"action,omitempty"` // TaskAction; default ExportImage
	// CreationTime and FinishedTime override the reported times (format
	// 2006-01-02T15:04Z). By default CreationTime is when the task was
	// added and FinishedTime when a terminal step was first answered.
	CreationTime  string `json:"creation_time,omitempty"`
	FinishedTime  string `json:"finished_time,omitempty"`
	SupportCancel *bool  `json:"support_cancel,omitempty"` // default true for ImportImage and ExportImage
	Steps         []Step `json:"steps"`
}

func (sc *Script) validate() error {
	if !knownRegion(sc.RegionID) {
		return fmt.Errorf("ecsemu: script region %q is not a known region", sc.RegionID)
	}
	if sc.Account != "" && !validAccountID(sc.Account) {
		return fmt.Errorf("ecsemu: script account %q is not 1 to 32 digits", sc.Account)
	}
	if len(sc.Steps) == 0 {
		return fmt.Errorf("ecsemu: script of task %q has no steps", sc.TaskID)
	}
	for i, st := range sc.Steps {
		if st.Error == "" && !validStatus(st.Status) {
			return fmt.Errorf("ecsemu: step %d: unknown status %q", i, st.Status)
		}
		if st.Times < 0 || st.For < 0 {
			return fmt.Errorf("ecsemu: step %d: negative Times or For", i)
		}
	}
	return nil
}

func validStatus(s string) bool {
	switch s {
	case StatusWaiting, StatusProcessing, StatusFinished, StatusFailed, StatusDeleted, StatusPaused:
		return true
	}
	return false
}

func terminalStatus(s string) bool {
	return s == StatusFinished || s == StatusFailed || s == StatusDeleted
}

func defaultProcess(status string) string {
	switch status {
	case StatusFinished:
		return "100%"
	case StatusWaiting:
		return "0%"
	}
	return ""
}
