package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// watch says on stderr what it waits on before any event comes, and prints a task's events in
// the order they were published, across the subjects of different kinds (each kind is its own
// subscription).
func TestWatchSaysWhatItWaitsOnAndKeepsThePublishOrder(t *testing.T) {
	srv, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	var cfg watchConfig
	if err := parse(cfg.flags(), []string{"--nats-url", srv.ClientURL(), "--json"}, &safeBuffer{}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out, stderr := &safeBuffer{}, &safeBuffer{}
	done := make(chan error, 1)
	go func() { done <- watch(ctx, cfg, out, stderr) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("watch: %v", err)
		}
	}()
	waitUntil(t, "watch to say what it waits on", func() bool { return strings.Contains(stderr.String(), "watching ") })
	if s := stderr.String(); !strings.Contains(s, "ecs.tasks.") || !strings.Contains(s, srv.ClientURL()) || !strings.Contains(s, "--replay") {
		t.Errorf("watch's first words %q do not name the subjects, the server and --replay", s)
	}
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	s, _ := events.NewSubjects(events.DefaultPrefix)
	var want []string
	for i := range 50 {
		kind := []events.Kind{events.KindStatusChanged, events.KindProgress, events.KindFinished}[i%3]
		body := fmt.Sprintf(`{"n":%d}`, i)
		want = append(want, body)
		if err := nc.Publish(s.Event(kind, "cn-hangzhou", "ExportImage", "t-watch"), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "every event printed", func() bool { return strings.Count(out.String(), "\n") >= len(want) })
	if got := strings.Fields(out.String()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("printed %v, want the publish order %v", got, want)
	}
}

// waitUntil polls cond every 10ms for up to 10s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
