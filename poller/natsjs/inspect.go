package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// ErrNotSetUp is returned by an Inspector when the assets it reads do not exist.
var ErrNotSetUp = errors.New("no taskpoller streams or buckets for this subject prefix (has a worker run against this NATS?)")

// Inspector reads what a deployment's JetStream assets hold about its tasks — the state
// bucket, the tasks bucket, the partition leases and the events stream — for tools that show
// it (taskpoller tasks, status). It only reads: it creates nothing, and its reads fail with
// ErrNotSetUp when an asset does not exist. The listing reads (States, Tracked, Terminals)
// stream what is there now, one entry at a time, and return once they have seen it all; they
// hold nothing. Safe for concurrent use.
type Inspector struct {
	js jetstream.JetStream
	s  events.Subjects
}

// NewInspector reads the assets of subjects' deployment through js.
func NewInspector(js jetstream.JetStream, s events.Subjects) *Inspector {
	return &Inspector{js: js, s: s}
}

// StoredState is a task's entry in the state bucket.
type StoredState struct {
	Key      string // events.Registration.Key: "<region>.<task>"
	State    poller.State
	Updated  time.Time // when it was last written
	Revision uint64
}

// TrackedTask is a task's entry in the tasks bucket: the task is tracked by the worker that
// holds its partition, or waits for one to take the partition and claim it.
type TrackedTask struct {
	Key          string // events.Registration.Key: "<region>.<task>"
	Partition    int
	Seq          uint64 // stream sequence of the registration (poller.Lease.ID)
	Registration events.Registration
	Recorded     time.Time // when the registration was recorded
}

// StoredEvent is a task event as the events stream holds it.
type StoredEvent struct {
	Seq     uint64
	Subject string
	Kind    events.Kind
	Region  string // from the subject
	Action  string // from the subject ("unknown" when ECS never said)
	TaskID  string // from the subject
	Event   events.Event
	Raw     []byte // the payload as stored; valid only during the callback
}

// Key is the task's events.Registration.Key.
func (e StoredEvent) Key() string { return e.Region + "." + e.TaskID }

// PartitionLease says who takes the tasks of a partition.
type PartitionLease struct {
	ID      int
	Held    bool      // a worker holds the partition: it tracks the partition's tasks
	Renewed time.Time // when its holder last renewed the lease (zero when not held)
}

// States calls fn with every task's state, in no particular order, and returns once it has
// seen every entry there was when it started (or fn fails: its error is returned). Entries
// that cannot be decoded are skipped and counted.
func (i *Inspector) States(ctx context.Context, fn func(StoredState) error) (skipped int, err error) {
	kv, err := i.bucket(ctx, events.StateRole)
	if err != nil {
		return 0, err
	}
	return watchAll(ctx, kv, func(e jetstream.KeyValueEntry) (bool, error) {
		st, ok := decodeState(e)
		if !ok {
			return false, nil
		}
		return true, fn(st)
	})
}

// Tracked calls fn with every task in the tasks bucket, as States does.
func (i *Inspector) Tracked(ctx context.Context, fn func(TrackedTask) error) (skipped int, err error) {
	kv, err := i.bucket(ctx, events.TasksRole)
	if err != nil {
		return 0, err
	}
	return watchAll(ctx, kv, func(e jetstream.KeyValueEntry) (bool, error) {
		t, ok := decodeTracked(e)
		if !ok {
			return false, nil
		}
		return true, fn(t)
	})
}

// Terminals calls fn with the latest terminal event (finished or failed) on each terminal
// subject of the events stream — normally one per task that ended while its events are kept —
// in stream order, and returns once it has seen them all. Payloads that are not events are
// skipped and counted.
func (i *Inspector) Terminals(ctx context.Context, fn func(StoredEvent) error) (skipped int, err error) {
	return i.read(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{i.s.Kind(events.KindFinished), i.s.Kind(events.KindFailed)},
		DeliverPolicy:     jetstream.DeliverLastPerSubjectPolicy,
		InactiveThreshold: 30 * time.Second,
	}, fn)
}

// History calls fn with every stored event of one task, in order.
func (i *Inspector) History(ctx context.Context, regionID, taskID string, fn func(StoredEvent) error) (skipped int, err error) {
	return i.read(ctx, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{i.s.TaskEvents(regionID, taskID)},
		DeliverPolicy:     jetstream.DeliverAllPolicy,
		InactiveThreshold: 30 * time.Second,
	}, fn)
}

// State returns one task's state; ok is false when the bucket has none.
func (i *Inspector) State(ctx context.Context, regionID, taskID string) (st StoredState, ok bool, err error) {
	kv, err := i.bucket(ctx, events.StateRole)
	if err != nil {
		return StoredState{}, false, err
	}
	key := events.Registration{RegionID: regionID, TaskID: taskID}.Key()
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return StoredState{}, false, nil
	}
	if err != nil {
		return StoredState{}, false, fmt.Errorf("state of %s: %w", key, err)
	}
	st, ok = decodeState(e)
	if !ok {
		return StoredState{}, false, fmt.Errorf("state of %s: cannot decode %q", key, clip(e.Value()))
	}
	return st, true, nil
}

// Tracking returns one task's entry in the tasks bucket; ok is false when it has none (the
// task is not tracked: it ended, or was never registered).
func (i *Inspector) Tracking(ctx context.Context, regionID, taskID string) (t TrackedTask, ok bool, err error) {
	kv, err := i.bucket(ctx, events.TasksRole)
	if err != nil {
		return TrackedTask{}, false, err
	}
	key := taskKeyOf(events.Registration{RegionID: regionID, TaskID: taskID}.Key())
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return TrackedTask{}, false, nil
	}
	if err != nil {
		return TrackedTask{}, false, fmt.Errorf("tracking of %s: %w", key, err)
	}
	t, ok = decodeTracked(e)
	if !ok {
		return TrackedTask{}, false, fmt.Errorf("tracking of %s: cannot decode %q", key, clip(e.Value()))
	}
	return t, true, nil
}

// Partition returns the lease on the partition of one task.
func (i *Inspector) Partition(ctx context.Context, regionID, taskID string) (PartitionLease, error) {
	p := PartitionLease{ID: partitionOf(events.Registration{RegionID: regionID, TaskID: taskID}.Key())}
	kv, err := i.bucket(ctx, events.OwnersRole)
	if err != nil {
		return p, err
	}
	e, err := kv.Get(ctx, ownerKey(p.ID))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return p, nil
	case err != nil:
		return p, fmt.Errorf("lease of partition %d: %w", p.ID, err)
	}
	p.Held, p.Renewed = true, e.Created()
	return p, nil
}

func (i *Inspector) bucket(ctx context.Context, role string) (jetstream.KeyValue, error) {
	name := i.s.StreamName(role)
	kv, err := i.js.KeyValue(ctx, name)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, fmt.Errorf("bucket %s: %w", name, ErrNotSetUp)
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return kv, nil
}

// watchAll calls take with the latest value of every key of kv, deleted ones left out, until
// it has seen those there were when it started. take reports whether it could read the entry.
func watchAll(ctx context.Context, kv jetstream.KeyValue, take func(jetstream.KeyValueEntry) (bool, error)) (int, error) {
	w, err := kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		return 0, fmt.Errorf("read bucket %s: %w", kv.Bucket(), err)
	}
	defer func() { _ = w.Stop() }()
	skipped := 0
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return skipped, fmt.Errorf("read bucket %s: the watch ended early", kv.Bucket())
			}
			if e == nil {
				return skipped, nil // every entry there was is seen
			}
			read, err := take(e)
			if err != nil {
				return skipped, err
			}
			if !read {
				skipped++
			}
		case <-ctx.Done():
			return skipped, ctx.Err()
		}
	}
}

// read calls fn with each message an ordered consumer of the events stream delivers with cfg,
// until it has delivered all there were when it started.
func (i *Inspector) read(ctx context.Context, cfg jetstream.OrderedConsumerConfig, fn func(StoredEvent) error) (int, error) {
	name := i.s.StreamName(events.EventsRole)
	cons, err := i.js.OrderedConsumer(ctx, name, cfg)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, fmt.Errorf("stream %s: %w", name, ErrNotSetUp)
	}
	if err != nil {
		return 0, fmt.Errorf("read stream %s: %w", name, err)
	}
	it, err := cons.Messages()
	if err != nil {
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			return 0, fmt.Errorf("stream %s: %w", name, ErrNotSetUp)
		}
		return 0, fmt.Errorf("read stream %s: %w", name, err)
	}
	defer it.Stop()
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
		return 0, nil
	}
	skipped := 0
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return skipped, fmt.Errorf("read stream %s: %w", name, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return skipped, fmt.Errorf("read stream %s: %w", name, err)
		}
		ev := StoredEvent{Seq: meta.Sequence.Stream, Subject: msg.Subject(), Raw: msg.Data()}
		var ok bool
		ev.Kind, ev.Region, ev.Action, ev.TaskID, ok = i.s.ParseEvent(msg.Subject())
		if ok && json.Unmarshal(msg.Data(), &ev.Event) == nil {
			if err := fn(ev); err != nil {
				return skipped, err
			}
		} else {
			skipped++
		}
		if meta.NumPending == 0 {
			return skipped, nil
		}
	}
}

func decodeState(e jetstream.KeyValueEntry) (StoredState, bool) {
	var st poller.State
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return StoredState{}, false
	}
	return StoredState{Key: e.Key(), State: st, Updated: e.Created(), Revision: e.Revision()}, true
}

func decodeTracked(e jetstream.KeyValueEntry) (TrackedTask, bool) {
	r, reg, err := decodeRecord(e.Value())
	if err != nil {
		return TrackedTask{}, false
	}
	p, key, ok := strings.Cut(e.Key(), ".")
	var id int
	if _, err := fmt.Sscanf(p, "%d", &id); !ok || err != nil {
		return TrackedTask{}, false
	}
	return TrackedTask{Key: key, Partition: id, Seq: r.Seq, Registration: reg, Recorded: e.Created()}, true
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
