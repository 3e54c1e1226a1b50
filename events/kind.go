package events

// Kind says what an event announces; it is the subject token after the prefix.
type Kind string

// The kinds of task event, one per subject family.
const (
	KindStatusChanged Kind = "status_changed"
	KindProgress      Kind = "progress"
	KindFinished      Kind = "finished"
	KindFailed        Kind = "failed"
)

// Kinds lists every kind of task event.
var Kinds = []Kind{KindStatusChanged, KindProgress, KindFinished, KindFailed}

// Terminal reports whether the kind ends tracking of a task.
func (k Kind) Terminal() bool { return k == KindFinished || k == KindFailed }

// Type returns the CloudEvents type of events of kind k ("" for an unknown kind).
func (k Kind) Type() string { return kindTypes[k] }

// KindOf returns the kind of a CloudEvents type, or "" when it is not a task event.
func KindOf(eventType string) Kind { return typeKinds[eventType] }

var kindTypes = map[Kind]string{
	KindStatusChanged: TypeStatusChanged,
	KindProgress:      TypeProgress,
	KindFinished:      TypeFinished,
	KindFailed:        TypeFailed,
}

var typeKinds = map[string]Kind{
	TypeStatusChanged: KindStatusChanged,
	TypeProgress:      KindProgress,
	TypeFinished:      KindFinished,
	TypeFailed:        KindFailed,
}

// Reason is the stable cause of a failed event.
type Reason string

// The reasons a task can fail; users match on these strings, so they never change.
const (
	ReasonTaskFailed       Reason = "task_failed"       // TaskStatus Failed
	ReasonOperationsFailed Reason = "operations_failed" // Finished with FailedCount > 0
	ReasonTaskCanceled     Reason = "task_canceled"     // TaskStatus Deleted
	ReasonTaskNotFound     Reason = "task_not_found"    // InvalidTaskId.NotFound after the grace
	ReasonInvalidRegion    Reason = "invalid_region"    // InvalidRegionId.NotFound
	ReasonTimeout          Reason = "timeout"           // still not terminal at a look after the deadline
)

// Reasons lists every reason.
var Reasons = []Reason{
	ReasonTaskFailed, ReasonOperationsFailed, ReasonTaskCanceled, ReasonTaskNotFound, ReasonInvalidRegion, ReasonTimeout,
}
