package natsclient_test

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// serve starts an embedded nats-server for the test (the server is a test dependency only)
// and connects to it as the commands do.
func serve(t *testing.T) (jetstream.JetStream, events.Subjects) {
	t.Helper()
	return serveWith(t, natsjs.ServerConfig{})
}

// serveWith is serve with a server configuration (its port and store are the test's own).
func serveWith(t *testing.T, cfg natsjs.ServerConfig) (jetstream.JetStream, events.Subjects) {
	t.Helper()
	cfg.Port, cfg.StoreDir = -1, t.TempDir()
	srv, err := natsjs.StartServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	nc, js, err := natsclient.ConnConfig{URL: srv.ClientURL()}.Dial("", "test", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	s, _ := events.NewSubjects(events.DefaultPrefix)
	return js, s
}
