package natsjs_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// While NATS is out of reach the Link says so, once and then every 30s (see Link): a Source
// holding every partition does not add a warning per partition and renewal (64 each time, three
// times per lease TTL), which would bury the Link's.
func TestSourceLeavesNATSOutagesToTheLink(t *testing.T) {
	srv, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
	nc, js, err := natsclient.ConnConfig{URL: srv.ClientURL()}.Dial("", "test", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s, _ := events.NewSubjects(events.DefaultPrefix)
	a, err := natsjs.Setup(context.Background(), js, s, natsjs.SetupConfig{AckWait: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.WarnLevel)
	src := natsjs.NewSource(a, natsjs.NewPublisher(js, s), zap.New(core), 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = src.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for deadline := time.Now().Add(20 * time.Second); src.Partitions() < natsjs.Partitions; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("holds %d partitions, want %d", src.Partitions(), natsjs.Partitions)
		}
	}
	srv.Shutdown()
	srv.WaitForShutdown()
	time.Sleep(2 * a.LeaseTTL) // renewals fail, then the leases are lost and listing fails
	if n := logs.Len(); n > 3 {
		seen := map[string]bool{}
		for _, e := range logs.All() {
			seen[e.Message+": "+e.ContextMap()["error"].(string)] = true
		}
		t.Errorf("%d warnings in %s of NATS outage, want at most 3: %v", n, 2*a.LeaseTTL, seen)
	}
}
