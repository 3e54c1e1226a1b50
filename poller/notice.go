package poller

import (
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

// Kind says what a Notice announces.
type Kind string

// The kinds of notice the worker publishes, one per outgoing subject family.
const (
	KindStatusChanged Kind = "status_changed"
	KindProgress      Kind = "progress"
	KindFinished      Kind = "finished"
	KindFailed        Kind = "failed"
)

// Terminal reports whether the kind ends tracking of a task.
func (k Kind) Terminal() bool { return k == KindFinished || k == KindFailed }

// Reason is the stable cause of a failed notice.
type Reason string

// The reasons a task can fail; users match on these strings, so they never change.
const (
	ReasonTaskFailed       Reason = "task_failed"       // TaskStatus Failed
	ReasonOperationsFailed Reason = "operations_failed" // Finished with FailedCount > 0
	ReasonTaskCanceled     Reason = "task_canceled"     // TaskStatus Deleted
	ReasonTaskNotFound     Reason = "task_not_found"    // InvalidTaskId.NotFound after the grace
	ReasonInvalidRegion    Reason = "invalid_region"    // InvalidRegionId.NotFound
	ReasonTimeout          Reason = "timeout"           // the task timeout was reached
)

// Notice is what the worker asks a Publisher to announce: one transition of one task.
// Task holds the latest observation (or what was last known, for not-found and timeouts).
//
// Ordinal and the kind together identify the transition: publishing the same notice twice
// must produce the same message id, so the events stream stores it once.
type Notice struct {
	Kind           Kind
	Task           Task
	PreviousStatus Status
	// Ordinal is the number of status changes seen before and including this notice's
	// observation (1 for the first observed status). Progress notices carry the ordinal of
	// the status they were observed in.
	Ordinal      int
	Metadata     json.RawMessage // the registration's metadata, echoed verbatim (nil if none)
	Reason       Reason          // failed notices only
	ErrorCode    string          // failed notices, when ECS gave one
	ErrorMessage string
	ObservedAt   time.Time
}

// ID returns the deterministic id of the event announcing n. Two different transitions never
// share an id: a status change is named by its ordinal and status, a progress by ordinal,
// status and process. Every terminal notice of a task shares one id, so a task can never end
// twice. Ids are built from the registration's region and task ids only.
func (n Notice) ID() string {
	base := n.Task.RegionID + "/" + n.Task.TaskID
	switch n.Kind {
	case KindStatusChanged:
		return fmt.Sprintf("%s/status/%d/%s", base, n.Ordinal, idToken(string(n.Task.Status)))
	case KindProgress:
		return fmt.Sprintf("%s/progress/%d/%s/%s", base, n.Ordinal, idToken(string(n.Task.Status)), idToken(n.Task.Process))
	default:
		return base + "/terminal"
	}
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9%._-]`)

// idToken keeps an untrusted value (a status or process ECS reported) fit for an id and a
// NATS header.
func idToken(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return idUnsafe.ReplaceAllString(s, "_")
}

// Action returns the task action for subjects, or "unknown" when ECS never told it.
func (n Notice) Action() string {
	if n.Task.Action == "" {
		return "unknown"
	}
	return n.Task.Action
}
