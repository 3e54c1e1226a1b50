package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

// The demo creates one task it never registers: the worker's discovery finds it, and the
// demo shows it discovered and ended with the others.
func TestDemoShowsADiscoveredTask(t *testing.T) {
	var cfg demoConfig
	if err := parse(cfg.flags(), []string{"--plain", "--time-scale", "200", "--fault-rate", "0", "--nats-listen", "127.0.0.1:-1", "--timeout", "1m"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := demo(ctx, cfg, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	_, summary, ok := strings.Cut(text, "Every task reached its terminal event")
	if !ok {
		t.Fatalf("no summary:\n%s", text)
	}
	// The others are registered as soon as they are created, before discovery can list them
	// (almost always: a listing between the two makes one discovered, which is no error).
	var found bool
	for line := range strings.SplitSeq(summary, "\n") {
		if strings.Contains(line, "oss://demo-images/console_") {
			found = true
			if !strings.Contains(line, "✔ finished") || !strings.Contains(line, "(discovered: never registered)") {
				t.Errorf("the task the demo never registered did not end discovered: %q", line)
			}
		}
	}
	if !found {
		t.Errorf("the summary has no task the demo never registered:\n%s", summary)
	}
	if !strings.Contains(text, "registered 6 of them") || !strings.Contains(text, "1 is left for discovery") {
		t.Errorf("the header does not say one task is left for discovery:\n%s", text)
	}
}
