package poller

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"time"
)

// TaskAPI reads one task from ECS. Implementations must be safe for concurrent use and
// return errors that Classify understands (an *APIError for answers of the service).
type TaskAPI interface {
	DescribeTask(ctx context.Context, regionID, taskID string) (Task, error)
}

// Publisher stores the notices of each task as a journal of events: one ordered sequence per
// task, in which each stored event has a position (greater than every earlier one).
// Safe for concurrent use.
type Publisher interface {
	// Publish stores n as the task's next event, on condition that the latest event stored
	// for the task is at position after (0: the task has none yet). It returns once the
	// event is stored durably, with its position. When the condition does not hold it
	// stores nothing and returns an error matching ErrFenced — whatever time has passed,
	// so a worker that lost a task can never add to its journal. Publishing a notice whose
	// event is already the task's latest returns that event's position or ErrFenced; it
	// never stores it twice.
	Publish(ctx context.Context, n Notice, after uint64) (uint64, error)
	// Last returns the task's latest stored event; ok is false when it has none (or its
	// events have expired).
	Last(ctx context.Context, regionID, taskID string) (a Announced, ok bool, err error)
}

// Announced is what a Publisher tells of a stored event: enough to resume announcing a task
// from it.
type Announced struct {
	Position uint64 // position in the task's journal (the stream sequence)
	ID       string // Notice.ID of the event
	Kind     events.Kind
	Action   string // as announced; "unknown" when ECS never said
	Status   Status
	Process  string
	Ordinal  int // status changes announced up to and including this event
}

// Delivery is one registration handed to a worker by a Source. The worker owns it until it
// calls Ack, Nak or Term exactly once. Methods may be called from any goroutine.
type Delivery interface {
	Registration() events.Registration
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
// re-announces a status nor resets the deadline, and finishes announcing what its
// predecessor decided (Outbox) before anything else.
//
// A worker changes a task's state only with compare-and-set under its lease: whatever it
// announces is first recorded here, so a worker that lost the task (its compare-and-set
// fails) announces nothing more.
type State struct {
	OwnerSeq     uint64    `json:"owner_seq"`       // registration message that owns the task
	Owner        string    `json:"owner"`           // worker currently tracking it
	Lease        string    `json:"lease,omitempty"` // unique per claim: who holds the task now
	RegisteredAt time.Time `json:"registered_at"`
	Action       string    `json:"action,omitempty"`
	Status       Status    `json:"status,omitempty"`
	Process      string    `json:"process,omitempty"`
	Ordinal      int       `json:"ordinal"`
	Terminal     bool      `json:"terminal,omitempty"`
	// LastEvent is the position of the task's latest event as this state knows it: the
	// condition of the next publish.
	LastEvent uint64 `json:"last_event,omitempty"`
	// Outbox holds notices decided and recorded but not yet known to be stored.
	Outbox *Outbox `json:"outbox,omitempty"`
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
