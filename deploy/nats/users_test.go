package natsconf_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/goleak"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var subjects, _ = events.NewSubjects(events.DefaultPrefix)

const eventSubject = "ecs.tasks.finished.cn-hangzhou.ExportImage.t-1"

// Each role does its job with the shipped users.conf, and what belongs to another role is
// refused: a producer registers but cannot publish an event or a throttle notice, a consumer
// reads events but cannot register, ops reads but writes no state.
func TestRoles(t *testing.T) {
	srv := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	worker, producer, consumer, ops := dial(t, srv, "worker"), dial(t, srv, "producer"), dial(t, srv, "consumer"), dial(t, srv, "ops")

	// The worker makes the streams, the consumer and the buckets.
	a, err := natsjs.Setup(ctx, worker.js, subjects, natsjs.SetupConfig{})
	if err != nil {
		t.Fatalf("worker: setup: %v", err)
	}

	// The producer registers; the worker takes the registration and acks it.
	reg := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-1"}
	if _, err := natsclient.Register(ctx, producer.js, subjects, reg); err != nil {
		t.Fatalf("producer: register: %v", err)
	}
	batch, err := a.Consumer.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatalf("worker: fetch a registration: %v", err)
	}
	for msg := range batch.Messages() {
		if err := msg.DoubleAck(ctx); err != nil {
			t.Fatalf("worker: ack a registration: %v", err)
		}
	}
	if batch.Error() != nil {
		t.Fatalf("worker: fetch a registration: %v", batch.Error())
	}

	t.Run("worker", func(t *testing.T) { workerJob(ctx, t, worker, a) })
	t.Run("producer", func(t *testing.T) {
		producer.refused(t, eventSubject)
		producer.refused(t, subjects.Throttled())
		producer.refused(t, subjects.Invalid())
		if _, err := producer.nc.SubscribeSync(subjects.Throttled()); err != nil {
			t.Fatal(err)
		}
		producer.violation(t, "subscription", subjects.Throttled())
		stored(ctx, t, a.Events, 1) // the worker's event, none of the producer's
	})
	t.Run("consumer", func(t *testing.T) {
		got := follow(ctx, t, consumer)
		if got.Subject != "t-1" || got.Type != events.KindFinished.Type() {
			t.Errorf("consumer got %s of %s, want the finished event of t-1", got.Type, got.Subject)
		}
		rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
		defer rcancel()
		if _, err := natsclient.Register(rctx, consumer.js, subjects, events.Registration{RegionID: "cn-hangzhou", TaskID: "t-2"}); err == nil {
			t.Error("consumer registered a task")
		}
		consumer.violation(t, "publish", subjects.Registered())
		consumer.refused(t, eventSubject)
		consumer.refused(t, subjects.Throttled())
		stored(ctx, t, a.Registrations, 0) // the worker took t-1; t-2 never arrived
	})
	t.Run("ops", func(t *testing.T) {
		in := natsjs.NewInspector(ops.js, subjects)
		var seen []string
		if _, err := in.History(ctx, "cn-hangzhou", "t-1", func(e natsjs.StoredEvent) error {
			seen = append(seen, e.Subject)
			return nil
		}); err != nil {
			t.Fatalf("ops: history: %v", err)
		}
		if len(seen) != 1 || seen[0] != eventSubject {
			t.Errorf("ops: history of t-1 = %v, want [%s]", seen, eventSubject)
		}
		if _, ok, err := in.State(ctx, "cn-hangzhou", "t-1"); err != nil || !ok {
			t.Errorf("ops: state of t-1: ok %v, %v", ok, err)
		}
		// Reading on, as taskpoller watch and the compose test do: each fetch of an ordered
		// consumer replaces the one before, which ops may delete.
		oc, err := ops.js.OrderedConsumer(ctx, subjects.StreamName(events.EventsRole), jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatalf("ops: ordered consumer: %v", err)
		}
		for range 2 {
			b, err := oc.Fetch(8, jetstream.FetchMaxWait(200*time.Millisecond))
			if err != nil {
				t.Fatalf("ops: fetch: %v", err)
			}
			for range b.Messages() {
			}
		}
		ops.refused(t, subjects.Registered()) // and no violation before it
		ops.refused(t, "$KV."+subjects.StreamName(events.StateRole)+".cn-hangzhou.t-1")
		ops.refused(t, eventSubject)
	})
}

// workerJob: beyond Setup, the worker records state, watches presence, reads a partition with
// an ordered consumer, publishes an event (and reads the task's last), and shares a throttle
// notice.
func workerJob(ctx context.Context, t *testing.T, c client, a natsjs.Assets) {
	if _, err := a.State.Put(ctx, "cn-hangzhou.t-1", []byte(`{}`)); err != nil {
		t.Fatalf("worker: put state: %v", err)
	}
	w, err := a.Workers.WatchAll(ctx)
	if err != nil {
		t.Fatalf("worker: watch presence: %v", err)
	}
	defer func() { _ = w.Stop() }()
	select {
	case <-w.Updates(): // nil: the initial values are all in
	case <-ctx.Done():
		t.Fatal("worker: presence watch: no initial marker")
	}
	if _, err := a.Tasks.Put(ctx, "0.cn-hangzhou.t-1", []byte(`{}`)); err != nil {
		t.Fatalf("worker: put a tracked task: %v", err)
	}
	oc, err := a.TasksStream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("worker: partition consumer: %v", err)
	}
	if _, err := oc.Next(jetstream.FetchMaxWait(5 * time.Second)); err != nil {
		t.Fatalf("worker: read a partition: %v", err)
	}

	pub := natsjs.NewPublisher(c.js, subjects)
	n := poller.Notice{Kind: events.KindFinished, Task: poller.Task{TaskID: "t-1", RegionID: "cn-hangzhou", Action: "ExportImage"}}
	if _, err := pub.Publish(ctx, n, 0); err != nil {
		t.Fatalf("worker: publish an event: %v", err)
	}
	if last, ok, err := pub.Last(ctx, "cn-hangzhou", "t-1"); err != nil || !ok {
		t.Fatalf("worker: last event of t-1: %+v %v %v", last, ok, err)
	}

	sub, err := c.nc.SubscribeSync(subjects.Throttled())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := c.nc.Publish(subjects.Throttled(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := sub.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("worker: throttle notice not delivered: %v", err)
	}
	select {
	case err := <-c.errs:
		t.Errorf("worker: %v", err)
	default:
	}
}

// follow reads one event with Follow, as export-consumer does, and stops.
func follow(ctx context.Context, t *testing.T, c client) events.Event {
	t.Helper()
	fctx, stop := context.WithCancel(ctx)
	got := make(chan events.Event, 1)
	done := make(chan error, 1)
	go func() {
		done <- natsclient.Follow(fctx, c.js, subjects, natsclient.FollowConfig{Durable: "export-consumer", FilterSubject: subjects.Kind(events.KindFinished)},
			zap.NewNop(), func(e events.Event) error {
				select {
				case got <- e:
				default:
				}
				return nil
			})
	}()
	var e events.Event
	select {
	case e = <-got:
	case <-time.After(10 * time.Second):
		t.Error("consumer: no event delivered")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("consumer: follow: %v", err)
	}
	return e
}

// stored checks how many messages s holds now.
func stored(ctx context.Context, t *testing.T, s jetstream.Stream, want uint64) {
	t.Helper()
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.State.Msgs; got != want {
		t.Errorf("%s holds %d messages, want %d", info.Config.Name, got, want)
	}
}

// A client without a user, or with another user's password, is refused.
func TestNoAnonymous(t *testing.T) {
	srv := start(t)
	for _, u := range []string{srv, "nats://worker:" + passwords["producer"] + "@" + srv[len("nats://"):]} {
		nc, err := nats.Connect(u, nats.NoReconnect())
		if err == nil {
			nc.Close()
			t.Errorf("connected to %s", u)
			continue
		}
		if !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("connect: %v, want an authorization violation", err)
		}
	}
}

// The shipped cluster.conf includes users.conf: the nodes of the compose cluster know every user.
func TestClusterConfHasUsers(t *testing.T) {
	setPasswords(t)
	t.Setenv("NATS_SERVER_NAME", "nats1")
	opts, err := server.ProcessConfigFile("cluster.conf")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, u := range opts.Users {
		got[u.Username] = u.Password == passwords[u.Username]
	}
	for user := range passwords {
		if !got[user] {
			t.Errorf("cluster.conf: user %s missing or without its password from the environment", user)
		}
	}

	// A password missing from the environment stops the server: none is baked in.
	os.Unsetenv("TP_NATS_OPS_PASSWORD") // restored by the t.Setenv above
	if _, err := server.ProcessConfigFile("cluster.conf"); err == nil || !strings.Contains(err.Error(), "TP_NATS_OPS_PASSWORD") {
		t.Errorf("cluster.conf without TP_NATS_OPS_PASSWORD: %v, want an error naming it", err)
	}
}
