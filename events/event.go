package events

import (
	"encoding/json"
	"time"
)

// SpecVersion is the CloudEvents version of every event.
const SpecVersion = "1.0"

// ContentType is the NATS Content-Type header of every event (CloudEvents structured mode).
const ContentType = "application/cloudevents+json"

// EventSource is the CloudEvents source of events about tasks of a region of the default
// account.
func EventSource(regionID string) string { return "/taskpoller/ecs/" + regionID }

// AccountEventSource is the CloudEvents source of events about tasks of a region of account:
// "/taskpoller/ecs/<account>/<region>", or EventSource's for "" (a fleet without an accounts
// file).
func AccountEventSource(account, regionID string) string {
	if account == "" {
		return EventSource(regionID)
	}
	return "/taskpoller/ecs/" + account + "/" + regionID
}

// Event types, one per subject family.
const (
	TypeStatusChanged = "ecs.task.status_changed"
	TypeProgress      = "ecs.task.progress"
	TypeFinished      = "ecs.task.finished"
	TypeFailed        = "ecs.task.failed"
	TypeInvalid       = "ecs.task.registration_invalid"
)

// Event is a CloudEvents 1.0 event in structured JSON mode, carrying a task transition.
// In the chain of one announcement: the worker decides a poller.Notice, records it in the
// task's poller.Outbox, then publishes it as an Event; the journal tells of it as
// poller.Announced.
type Event struct {
	SpecVersion     string    `json:"specversion"`
	ID              string    `json:"id"`
	Source          string    `json:"source"`
	Type            string    `json:"type"`
	Subject         string    `json:"subject"`
	Time            time.Time `json:"time"`
	DataContentType string    `json:"datacontenttype"`
	DataSchema      string    `json:"dataschema"` // Kind.DataSchema of the event's kind
	// TraceParent and TraceState are the CloudEvents distributed tracing extension: the W3C
	// trace context of the task's registration, the same in every event of the task; absent
	// when the registration carried none.
	TraceParent string `json:"traceparent,omitempty"`
	TraceState  string `json:"tracestate,omitempty"`
	Data        Data   `json:"data"`
}

// Data is the payload of a task event. Field names are part of the contract.
type Data struct {
	// Account is the account of the task, as the fleet's accounts file names it (taskpoller
	// run --accounts); absent without one.
	Account        string          `json:"account,omitempty"`
	TaskID         string          `json:"task_id"`
	RegionID       string          `json:"region_id"`
	TaskAction     string          `json:"task_action"`
	TaskStatus     string          `json:"task_status"`
	PreviousStatus string          `json:"previous_status"`
	TaskProcess    string          `json:"task_process"`
	CreationTime   string          `json:"creation_time"`
	FinishedTime   string          `json:"finished_time"`
	TotalCount     int             `json:"total_count"`
	SuccessCount   int             `json:"success_count"`
	FailedCount    int             `json:"failed_count"`
	SupportCancel  bool            `json:"support_cancel"`
	Operations     []Operation     `json:"operations"`
	OSSObjects     []string        `json:"oss_objects"`
	OSSBucket      string          `json:"oss_bucket,omitempty"`
	Metadata       json.RawMessage `json:"metadata,omitempty"`
	Reason         Reason          `json:"reason,omitempty"`
	ErrorCode      string          `json:"error_code,omitempty"`
	ErrorMessage   string          `json:"error_message,omitempty"`
	// EstimatedFinishTime, in progress events, is when TaskProcess should reach 100% at the
	// pace seen in the current status; null when unknown (fewer than two moving readings), and
	// in other events.
	EstimatedFinishTime *time.Time `json:"estimated_finish_time"`
	// ResourceID is the resource the task works on (the image of an import or export, the
	// disk of a ModifyDiskSpec), when ECS's DescribeTasks named it.
	ResourceID string `json:"resource_id,omitempty"`
	// StatusOrdinal counts the status changes announced for the task up to and including
	// this event (1 for the first observed status): a consumer can see that it missed one.
	StatusOrdinal int `json:"status_ordinal"`
	// Truncated is true when operations or related items were cut to keep the event within
	// the size limits (oss_objects is kept whole whenever it fits).
	Truncated bool `json:"truncated,omitempty"`
	// Cancel, in a failed event with reason timeout from a worker that cancels tasks at their
	// deadline (taskpoller run --cancel-on-timeout), says what became of the CancelTask call
	// made before the event: CancelAccepted, CancelNotSupported, CancelRefused(code) or
	// CancelError(what). Absent otherwise.
	Cancel string `json:"cancel,omitempty"`
	// Origin says how the task came to be tracked: OriginRegistered (a producer registered
	// it) or OriginDiscovered (a worker listed it in its region). Every event of this version
	// carries it; events of older workers have none (their tasks were registered).
	Origin Origin `json:"origin,omitempty"`
}

// Operation is one entry of the task's OperationProgressSet.
type Operation struct {
	OperationStatus string        `json:"operation_status"`
	ErrorCode       string        `json:"error_code"`
	ErrorMsg        string        `json:"error_msg"`
	RelatedItems    []RelatedItem `json:"related_items"`
}

// RelatedItem is one RelatedItem of an operation, e.g. {"name":"OSSObject","value":"..."}.
type RelatedItem struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Invalid is the event published on <prefix>.invalid for a registration that was refused.
type Invalid struct {
	SpecVersion     string      `json:"specversion"`
	ID              string      `json:"id"`
	Source          string      `json:"source"`
	Type            string      `json:"type"`
	Time            time.Time   `json:"time"`
	DataContentType string      `json:"datacontenttype"`
	DataSchema      string      `json:"dataschema"` // InvalidDataSchema
	Data            InvalidData `json:"data"`
}

// InvalidData says why a registration was refused and carries it back verbatim.
type InvalidData struct {
	Reason string `json:"reason"`
	// Payload is the registration as received, as a string (it may not be JSON at all).
	Payload string `json:"payload"`
	// Truncated is true when Payload was cut to MaxInvalidPayload bytes.
	Truncated bool `json:"truncated,omitempty"`
}
