package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
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
	return entries(ctx, i, events.StateRole, decodeState, fn)
}

// Tracked calls fn with every task in the tasks bucket, as States does.
func (i *Inspector) Tracked(ctx context.Context, fn func(TrackedTask) error) (skipped int, err error) {
	return entries(ctx, i, events.TasksRole, decodeTracked, fn)
}

// Terminals calls fn with the latest terminal event (finished or failed) on each terminal
// subject of the events stream — normally one per task that ended while its events are kept —
// in stream order, and returns once it has seen them all. Payloads that are not events are
// skipped and counted.
func (i *Inspector) Terminals(ctx context.Context, fn func(StoredEvent) error) (skipped int, err error) {
	return i.events(ctx, jetstream.DeliverLastPerSubjectPolicy, fn, i.s.Kind(events.KindFinished), i.s.Kind(events.KindFailed))
}

// History calls fn with every stored event of one task, in order.
func (i *Inspector) History(ctx context.Context, regionID, taskID string, fn func(StoredEvent) error) (skipped int, err error) {
	return i.events(ctx, jetstream.DeliverAllPolicy, fn, i.s.TaskEvents(regionID, taskID))
}

// State returns one task's state; ok is false when the bucket has none.
func (i *Inspector) State(ctx context.Context, regionID, taskID string) (st StoredState, ok bool, err error) {
	key := events.Registration{RegionID: regionID, TaskID: taskID}.Key()
	return lookup(ctx, i, events.StateRole, "state", key, decodeState)
}

// Tracking returns one task's entry in the tasks bucket; ok is false when it has none (the
// task is not tracked: it ended, or was never registered).
func (i *Inspector) Tracking(ctx context.Context, regionID, taskID string) (t TrackedTask, ok bool, err error) {
	key := taskKeyOf(events.Registration{RegionID: regionID, TaskID: taskID}.Key())
	return lookup(ctx, i, events.TasksRole, "tracking", key, decodeTracked)
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

// entry is one key's latest value in a bucket.
type entry struct {
	key     string
	value   []byte
	created time.Time
	rev     uint64
}

func entryOf(e jetstream.KeyValueEntry) entry {
	return entry{key: e.Key(), value: e.Value(), created: e.Created(), rev: e.Revision()}
}

// lookup returns the entry of key in the bucket of role, decoded; ok is false when the bucket
// has none. what names the entry in errors, such as one decode cannot read.
func lookup[T any](ctx context.Context, i *Inspector, role, what, key string, decode func(entry) (T, bool)) (v T, ok bool, err error) {
	var none T
	kv, err := i.bucket(ctx, role)
	if err != nil {
		return none, false, err
	}
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return none, false, nil
	}
	if err != nil {
		return none, false, fmt.Errorf("%s of %s: %w", what, key, err)
	}
	v, ok = decode(entryOf(e))
	if !ok {
		return none, false, fmt.Errorf("%s of %s: cannot decode %q", what, key, clip(e.Value()))
	}
	return v, true, nil
}

// entries calls fn with the latest value of every key of the bucket of role, deleted keys
// left out, until it has seen those there were when it started; it returns how many decode
// could not read (those are skipped). It reads the bucket's stream with a pull consumer: a KV
// watch is pushed, and buffers up to 64 MB in the client when the reader is slower than the
// server.
func entries[T any](ctx context.Context, i *Inspector, role string, decode func(entry) (T, bool), fn func(T) error) (int, error) {
	bucket := i.s.StreamName(role)
	prefix := "$KV." + bucket + "."
	skipped := 0
	err := i.drain(ctx, "KV_"+bucket, "bucket "+bucket, jetstream.DeliverLastPerSubjectPolicy, []string{prefix + ">"},
		func(msg jetstream.Msg, meta *jetstream.MsgMetadata) error {
			if op := msg.Headers().Get("KV-Operation"); op == "DEL" || op == "PURGE" {
				return nil
			}
			v, ok := decode(entry{key: strings.TrimPrefix(msg.Subject(), prefix), value: msg.Data(),
				created: meta.Timestamp, rev: meta.Sequence.Stream})
			if !ok {
				skipped++
				return nil
			}
			return fn(v)
		})
	return skipped, err
}

// events calls fn with each event of the events stream on filters, from policy on.
func (i *Inspector) events(ctx context.Context, policy jetstream.DeliverPolicy, fn func(StoredEvent) error, filters ...string) (int, error) {
	name := i.s.StreamName(events.EventsRole)
	skipped := 0
	err := i.drain(ctx, name, "stream "+name, policy, filters, func(msg jetstream.Msg, meta *jetstream.MsgMetadata) error {
		ev := StoredEvent{Seq: meta.Sequence.Stream, Subject: msg.Subject(), Raw: msg.Data()}
		var ok bool
		ev.Kind, ev.Region, ev.Action, ev.TaskID, ok = i.s.ParseEvent(msg.Subject())
		if !ok || json.Unmarshal(msg.Data(), &ev.Event) != nil {
			skipped++
			return nil
		}
		return fn(ev)
	})
	return skipped, err
}

// drain calls fn with each message an ordered pull consumer of stream delivers (from policy,
// on filters), until it has delivered all there were when it started. what names the stream
// in errors.
func (i *Inspector) drain(ctx context.Context, stream, what string, policy jetstream.DeliverPolicy, filters []string,
	fn func(jetstream.Msg, *jetstream.MsgMetadata) error) error {
	cons, err := i.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: filters, DeliverPolicy: policy, InactiveThreshold: 30 * time.Second})
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotSetUp)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	it, err := cons.Messages()
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("%s: %w", what, ErrNotSetUp)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	defer it.Stop()
	// The ordered consumer remakes a consumer it lost (stream gone, NATS out of reach) for
	// ever, deaf to Next's context: only Stop ends that (as for the Source's readers).
	defer context.AfterFunc(ctx, it.Stop)()
	if info := cons.CachedInfo(); info != nil && info.NumPending == 0 {
		return nil
	}
	for {
		msg, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		meta, err := msg.Metadata()
		if err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		if err := fn(msg, meta); err != nil {
			return err
		}
		if meta.NumPending == 0 {
			return nil
		}
	}
}

func decodeState(e entry) (StoredState, bool) {
	var st poller.State
	if err := json.Unmarshal(e.value, &st); err != nil {
		return StoredState{}, false
	}
	return StoredState{Key: e.key, State: st, Updated: e.created, Revision: e.rev}, true
}

func decodeTracked(e entry) (TrackedTask, bool) {
	r, reg, err := decodeRecord(e.value)
	if err != nil {
		return TrackedTask{}, false
	}
	p, key, ok := strings.Cut(e.key, ".")
	id, err := strconv.Atoi(p)
	if !ok || err != nil {
		return TrackedTask{}, false
	}
	return TrackedTask{Key: key, Partition: id, Seq: r.Seq, Registration: reg, Recorded: e.created}, true
}

func clip(b []byte) string {
	if len(b) > 80 {
		return string(b[:80]) + "…"
	}
	return string(b)
}
