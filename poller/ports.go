package poller

import (
	"context"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// TaskAPI reads one task from ECS. Implementations must be safe for concurrent use and
// return errors that Classify understands (an *APIError for answers of the service).
type TaskAPI interface {
	DescribeTask(ctx context.Context, regionID, taskID string) (Task, error)
}

// BatchTaskAPI is what a TaskAPI may offer besides: the status of up to MaxBatch tasks of one
// region in one call (ECS DescribeTasks). A worker whose TaskAPI has it checks the status of
// every tracked task this way, and asks DescribeTask only for what changed and for progress
// at the pace of each task's backoff. Tasks missing from the answer are left out; errors are
// as for DescribeTask.
type BatchTaskAPI interface {
	DescribeTasks(ctx context.Context, regionID string, taskIDs []string) ([]TaskStatus, error)
}

// MaxBatch is the most task ids one DescribeTasks call takes.
const MaxBatch = 100

// TaskStatus is one task of a DescribeTasks answer.
type TaskStatus struct {
	TaskID     string
	Action     string
	Status     Status
	ResourceID string // the image of an import or export, the disk of a ModifyDiskSpec
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
// from it. In the chain of one announcement: the journal's answer about the events.Event
// published from a Notice (Publish, Last), which reconcile compares with the Outbox.
type Announced struct {
	Position uint64 // position in the task's journal (the stream sequence)
	ID       string // Notice.ID of the event
	Kind     events.Kind
	Action   string // as announced; "unknown" when ECS never said
	Status   Status
	Process  string
	Ordinal  int // status changes announced up to and including this event
}

// Lease is a worker's hold on one registration. While it is held, no other worker is handed
// the registration: the Source keeps the lease alive (at its own pace, from its own settings)
// until the worker calls Done, Release or Abandon, exactly once. Methods may be called from
// any goroutine.
type Lease interface {
	Registration() events.Registration
	// ID names the registration; redeliveries of one registration share it.
	ID() uint64
	// Done settles the registration for good (its task needs no more tracking), waiting for
	// the source to confirm.
	Done(ctx context.Context) error
	// Release hands the registration back, to be leased again after delay (0: at once).
	Release(ctx context.Context, delay time.Duration) error
	// Abandon stops keeping the lease alive without settling anything: the registration goes
	// to whoever is handed it next, once the lease runs out. For a task another worker holds.
	Abandon()
	// Lost reports whether the source has taken the lease back (another worker may be handed
	// the registration now): the worker stops tracking the task without settling it.
	Lost() bool
}

// Source leases registrations. Next blocks until one arrives or ctx ends (then it returns
// ctx.Err()); it is called by one goroutine at a time. Held reports whether the registration
// id of the task key (Registration.Key) is still pending (leased, or waiting to be). Drain
// releases every registration fetched but not yet returned by Next and lets other workers
// take this one's share (natsjs: it gives up its partitions and stops taking any); after
// Drain, Next takes them again. Run keeps every lease alive until ctx ends; the worker runs it
// until its polls have returned and it has handed everything back.
type Source interface {
	Next(ctx context.Context) (Lease, error)
	Held(ctx context.Context, key string, id uint64) (bool, error)
	Drain(ctx context.Context)
	Run(ctx context.Context) error
}

// Capacity is what a Source may offer besides: told the most leases the worker holds at once
// (Config.MaxTracked; it calls Next only while it holds fewer), it keeps no more than a small
// read-ahead beyond them in memory, and can let workers with room take what waits for this
// one (natsjs.Source). The worker tells it before its first Next.
type Capacity interface {
	SetCapacity(n int)
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

// Throttles carries rate cuts between the workers of a fleet, which share one ECS quota: when
// one worker's answers say the quota is overrun, every worker lowers that API's rate in that
// region. Delivery is best effort (a worker that misses a cut finds the throttling itself).
// Safe for concurrent use.
type Throttles interface {
	// Announce tells the other workers that api's rate in region was cut to factor of the
	// configured rate. It does not block.
	Announce(api, region string, factor float64)
	// Run hands every cut another worker announces to follow until ctx ends, as received:
	// follow must check it (the subject is not proof of who sent it).
	Run(ctx context.Context, follow func(api, region string, factor float64)) error
}

// The APIs whose rates a Throttles names.
const (
	APIDescribeTaskAttribute = "DescribeTaskAttribute"
	APIDescribeTasks         = "DescribeTasks"
)

// TaskLister is what a TaskAPI may offer besides: a region's tasks by creation time (ECS
// DescribeTasks with StartTime and EndTime, no task ids), for discovery. Implementations must
// be safe for concurrent use; errors are as for DescribeTask.
type TaskLister interface {
	ListTasks(ctx context.Context, q ListQuery) (TaskPage, error)
}

// ListQuery asks for one page of the tasks of a region created from Start to End, both
// included. ECS gives creation times to the minute, and a poller must survive it comparing
// them so (the emulator does): an End inside a minute takes in that whole minute's tasks, a
// Start inside a minute leaves that minute's tasks out. Windows that follow each other must
// therefore overlap by at least a minute.
type ListQuery struct {
	RegionID   string
	Start, End time.Time // creation time bounds (sent as UTC, yyyy-MM-ddTHH:mm:ssZ)
	Action     string    // TaskAction filter; "" lists every action
	PageNumber int       // from 1
	PageSize   int       // 1 to MaxBatch
}

// TaskPage is one page of a listing.
type TaskPage struct {
	Tasks      []ListedTask
	TotalCount int // tasks in the whole listing, all pages together
	// ServerTime is ECS's clock when it answered (its Date header, to the second); zero when
	// unknown. Discovery's cursor never passes it, so a worker's clock ahead of ECS's loses no
	// task (see listWindow).
	ServerTime time.Time
}

// ListedTask is one task of a listing.
type ListedTask struct {
	TaskStatus
	CreationTime time.Time // as ECS gives it: to the minute
}
