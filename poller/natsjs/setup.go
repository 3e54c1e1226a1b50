package natsjs

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

const (
	// ConsumerName is the durable consumer all workers share.
	ConsumerName = "taskpoller-workers"
)

// SetupConfig sizes the JetStream assets. Zero fields get the defaults on each field.
type SetupConfig struct {
	Replicas      int           // replicas of streams and bucket; 1
	EventsMaxAge  time.Duration // how long events are kept; 7 days
	DedupWindow   time.Duration // events stream duplicate window; 10 minutes
	AckWait       time.Duration // partition lease TTL and registration consumer ack wait; 30s
	MaxAckPending int           // registrations being recorded by all workers at once; 100000
	StateTTL      time.Duration // how long task state is kept after its last change; 8 days
}

func (c *SetupConfig) setDefaults() {
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.EventsMaxAge == 0 {
		c.EventsMaxAge = 7 * 24 * time.Hour
	}
	if c.DedupWindow == 0 {
		c.DedupWindow = 10 * time.Minute
	}
	if c.AckWait == 0 {
		c.AckWait = 30 * time.Second
	}
	if c.MaxAckPending == 0 {
		c.MaxAckPending = 100000
	}
	if c.StateTTL == 0 {
		c.StateTTL = 8 * 24 * time.Hour
	}
}

// Assets are the JetStream objects a worker uses, and the settings in force on them.
type Assets struct {
	Registrations jetstream.Stream
	Events        jetstream.Stream
	Consumer      jetstream.Consumer
	State         jetstream.KeyValue
	Workers       jetstream.KeyValue // presence of the live workers (Presence)
	Tasks         jetstream.KeyValue // the registrations of the tasks being tracked, by partition
	Owners        jetstream.KeyValue // partition leases: which worker tracks the tasks of each
	// TasksStream is the stream under Tasks: each held partition reads its records from it
	// with a pull consumer, as far as the worker has room (see Source).
	TasksStream jetstream.Stream
	// AckWait is the workers' consumer's ack wait in force: this worker's, or a longer one
	// that another worker set.
	AckWait time.Duration
	// LeaseTTL is the partition leases' TTL in force (the owners bucket's): a worker that has
	// not renewed its leases this long loses them. Renewals must be paced by it.
	LeaseTTL time.Duration
	// DiscoveryLeases and DiscoveryCursors are discovery's buckets (DiscoveryStore), and
	// DiscoveryTTL the regions' leases' TTL in force (see setupDiscovery).
	DiscoveryLeases  jetstream.KeyValue
	DiscoveryCursors jetstream.KeyValue
	DiscoveryTTL     time.Duration
	// Kept lists the settings where a shared asset keeps a safer value than this worker's
	// configuration asked for, one line each, for the log.
	Kept []string
}

// Setup creates what is missing of the registrations stream (work queue), the events stream
// (limits retention, de-duplication), the workers' durable consumer, and the buckets of task
// state, presence, tracked tasks, partition leases, and discovery's leases and cursors.
//
// It never makes a shared asset less safe: where an existing one differs from cfg it keeps
// the larger of the two for every setting that bounds what is remembered or how patient the
// fleet is — events max age, duplicate window, state TTL, ack wait and lease TTL, max ack
// pending, replicas (see Assets.Kept) — and raises it where cfg asks for more. A worker started with smaller
// settings therefore can neither purge state nor shorten the ack wait of the others.
func Setup(ctx context.Context, js jetstream.JetStream, s events.Subjects, cfg SetupConfig) (Assets, error) {
	cfg.setDefaults()
	if cfg.DedupWindow > cfg.EventsMaxAge {
		return Assets{}, errors.New("events dedup window must not exceed the events max age")
	}
	var a Assets
	var err error
	a.Registrations, err = ensureStream(ctx, js, &a.Kept, jetstream.StreamConfig{
		Name:        s.StreamName(events.RegistrationsRole),
		Description: "taskpoller: task registrations, removed once recorded in the tasks bucket",
		Subjects:    []string{s.Registered()},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		Duplicates:  2 * time.Minute,
		MaxMsgSize:  events.MaxRegistrationBytes * 4,
	})
	if err != nil {
		return Assets{}, fmt.Errorf("registrations stream: %w", err)
	}
	a.Events, err = ensureStream(ctx, js, &a.Kept, jetstream.StreamConfig{
		Name:        s.StreamName(events.EventsRole),
		Description: "taskpoller: task events (CloudEvents JSON)",
		Subjects:    s.AllEvents(),
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
		MaxAge:      cfg.EventsMaxAge,
		Duplicates:  cfg.DedupWindow,
	})
	if err != nil {
		return Assets{}, fmt.Errorf("events stream: %w", err)
	}
	a.Consumer, err = ensureConsumer(ctx, a.Registrations, &a.Kept, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		Description:   "taskpoller workers; a registration stays pending until it is recorded in the tasks bucket",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: cfg.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return Assets{}, fmt.Errorf("workers consumer: %w", err)
	}
	a.AckWait = a.Consumer.CachedInfo().Config.AckWait
	// Every bucket keeps one value per key, with the configured replicas.
	for _, b := range []struct {
		kv   *jetstream.KeyValue
		what string
		want jetstream.KeyValueConfig
	}{
		{&a.State, "state bucket", jetstream.KeyValueConfig{
			Bucket:      s.StreamName(events.StateRole),
			Description: "taskpoller: last known state of each task",
			TTL:         cfg.StateTTL,
			Storage:     jetstream.FileStorage,
		}},
		{&a.Workers, "workers bucket", jetstream.KeyValueConfig{
			Bucket:      s.StreamName(events.WorkersRole),
			Description: "taskpoller: live workers, each sharing the ECS quota",
			TTL:         PresenceTTL,
			Storage:     jetstream.MemoryStorage,
		}},
		{&a.Tasks, "tasks bucket", jetstream.KeyValueConfig{
			Bucket:      s.StreamName(events.TasksRole),
			Description: "taskpoller: registrations of the tasks being tracked, keyed <partition>.<region>.<task>; kept until settled",
			// No TTL: a record is the only copy of its registration once recorded, and nothing
			// rewrites it while its task is tracked. It is deleted when the task is settled
			// (Lease.Done), and every tracked task is settled by its deadline (poller.Config's
			// TaskTimeout, plus one PollMax when ECS cannot be asked); with a TTL, a task tracked
			// (or waiting for a worker) longer than it was dropped without a terminal event.
			// Settling purges a record with a marker that expires after a lease TTL (Lease.Done):
			// with no TTL, a delete marker per task ever tracked would stay for ever, and every
			// worker taking a partition would read them all again. LimitMarkerTTL is what lets
			// a message expire by itself (the stream's AllowMsgTTL); no limit removes a record.
			LimitMarkerTTL: max(cfg.AckWait, time.Second), // the least the server takes
			Storage:        jetstream.FileStorage,
		}},
		{&a.Owners, "owners bucket", jetstream.KeyValueConfig{
			Bucket:      s.StreamName(events.OwnersRole),
			Description: "taskpoller: partition leases, renewed by their holder",
			TTL:         cfg.AckWait,
			Storage:     jetstream.FileStorage,
		}},
	} {
		b.want.History, b.want.Replicas = 1, cfg.Replicas
		if *b.kv, err = ensureBucket(ctx, js, &a.Kept, b.want); err != nil {
			return Assets{}, fmt.Errorf("%s: %w", b.what, err)
		}
	}
	if a.TasksStream, err = js.Stream(ctx, kvStream(a.Tasks.Bucket())); err != nil {
		return Assets{}, fmt.Errorf("tasks bucket: %w", err)
	}
	st, err := a.Owners.Status(ctx)
	if err != nil {
		return Assets{}, fmt.Errorf("owners bucket: %w", err)
	}
	a.LeaseTTL = st.TTL()
	if err := setupDiscovery(ctx, js, s, cfg, &a); err != nil {
		return Assets{}, err
	}
	return a, nil
}
