package natsjs_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
	"github.com/taskpoller/taskpoller/poller/porttest"
)

// world is an embedded nats-server with the assets Setup makes.
type world struct {
	js       jetstream.JetStream
	subjects events.Subjects
	assets   natsjs.Assets
}

// serve starts an embedded nats-server for the test and connects to it as the commands do.
func serve(t *testing.T) (jetstream.JetStream, events.Subjects) {
	t.Helper()
	return serveWith(t, natsjs.ServerConfig{})
}

// serveWith is serve with a server configuration (its port and store are the test's own).
func serveWith(t *testing.T, cfg natsjs.ServerConfig) (jetstream.JetStream, events.Subjects) {
	t.Helper()
	return natsjs.ServeForTest(t, cfg)
}

func newWorld(t *testing.T, cfg natsjs.SetupConfig) *world {
	t.Helper()
	js, s := serve(t)
	a, err := natsjs.Setup(context.Background(), js, s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &world{js: js, subjects: s, assets: a}
}

func TestPublisherKeepsThePortContract(t *testing.T) {
	porttest.Publisher(t, func(t *testing.T) poller.Publisher {
		w := newWorld(t, natsjs.SetupConfig{})
		return natsjs.NewPublisher(w.js, w.subjects)
	})
}

func TestStateStoreKeepsThePortContract(t *testing.T) {
	porttest.StateStore(t, func(t *testing.T) poller.StateStore {
		return natsjs.NewStateStore(newWorld(t, natsjs.SetupConfig{}).assets.State)
	})
}

func TestSourceKeepsThePortContract(t *testing.T) {
	porttest.Source(t, func(t *testing.T) (poller.Source, func(events.Registration)) {
		w := newWorld(t, natsjs.SetupConfig{AckWait: 3 * time.Second})
		src := natsjs.NewSource(w.assets, natsjs.NewPublisher(w.js, w.subjects), zap.NewNop(), 4)
		return src, func(r events.Registration) {
			b, err := r.Payload()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.js.Publish(context.Background(), w.subjects.Registered(), b); err != nil {
				t.Fatal(err)
			}
		}
	})
}
