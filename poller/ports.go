package poller

import (
	"context"
	"encoding/json"
	"time"
)

// TaskAPI reads one task from ECS. Implementations must be safe for concurrent use and
// return errors that Classify understands (an *APIError for answers of the service).
type TaskAPI interface {
	DescribeTask(ctx context.Context, regionID, taskID string) (Task, error)
}

// Publisher announces notices. Publish returns only once the notice is stored durably;
// publishing the same notice twice must not store it twice. Safe for concurrent use.
type Publisher interface {
	Publish(ctx context.Context, n Notice) error
}

// Registration is a validated request to track one task.
type Registration struct {
	RegionID string
	TaskID   string
	Metadata json.RawMessage
}

// Key identifies a task across workers and registrations.
func (r Registration) Key() string { return r.RegionID + "." + r.TaskID }

// Delivery is one registration handed to a worker by a Source. The worker owns it until it
// calls Ack, Nak or Term exactly once. Methods may be called from any goroutine.
type Delivery interface {
	Registration() Registration
	// Seq identifies the registration message; redeliveries of one message share it.
	Seq() uint64
	// InProgress asks the source not to redeliver the registration for another ack wait.
	InProgress(ctx context.Context) error
	// Ack confirms the registration is done with, waiting for the source to confirm.
	Ack(ctx context.Context) error
	// Nak hands the registration back for redelivery after delay (0: at once).
	Nak(ctx context.Context, delay time.Duration) error
}

// Source yields registrations. Next blocks until one arrives or ctx ends (then it returns
// ctx.Err()); it is called by one goroutine at a time. Alive reports whether the registration
// message seq is still pending (neither acknowledged nor removed). Drain stops fetching and
// hands back (Naks) every registration fetched but not yet returned by Next; call it once,
// after the last Next.
type Source interface {
	Next(ctx context.Context) (Delivery, error)
	Alive(ctx context.Context, seq uint64) (bool, error)
	Drain(ctx context.Context)
}

// State is what the store keeps for each task, so that a worker taking a task over neither
// re-announces a status nor resets the deadline.
type State struct {
	OwnerSeq     uint64    `json:"owner_seq"` // registration message that owns the task
	Owner        string    `json:"owner"`     // worker and delivery currently tracking it
	RegisteredAt time.Time `json:"registered_at"`
	Action       string    `json:"action,omitempty"`
	Status       Status    `json:"status,omitempty"`
	Process      string    `json:"process,omitempty"`
	Ordinal      int       `json:"ordinal"`
	Terminal     bool      `json:"terminal,omitempty"`
}

// StateStore keeps a State per task key with compare-and-set revisions.
// Get returns ErrNoState when the key is absent. Create fails with ErrStateExists when the key
// is present. Update fails with ErrStateConflict when rev is not the current revision.
// Safe for concurrent use.
type StateStore interface {
	Get(ctx context.Context, key string) (State, uint64, error)
	Create(ctx context.Context, key string, s State) (uint64, error)
	Update(ctx context.Context, key string, s State, rev uint64) (uint64, error)
}
