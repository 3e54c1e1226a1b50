package natsjs

import (
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
)

// serveForTest starts an embedded nats-server for the test, with cfg but a port and store of
// the test's own, and connects to it as the commands do; both are closed when the test ends.
// The subjects are the default prefix's.
func serveForTest(t *testing.T, cfg ServerConfig) (jetstream.JetStream, events.Subjects) {
	t.Helper()
	cfg.Port, cfg.StoreDir = -1, t.TempDir()
	srv, err := StartServer(cfg)
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
