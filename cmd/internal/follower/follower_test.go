package follower

import (
	"io"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

func TestParseConfigEnv(t *testing.T) {
	s := Spec{Name: "demo-consumer", EnvPrefix: "DEMO_", Filter: func(events.Subjects) string { return "" }}
	env := map[string]string{"DEMO_NATS_URL": "nats://env:4222", "DEMO_DURABLE": "from-env"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	cfg, err := s.ParseConfig([]string{"--durable", "from-flag"}, lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NATS.URL != "nats://env:4222" || cfg.Durable != "from-flag" {
		t.Errorf("got url %q durable %q, want the env url and the flag durable", cfg.NATS.URL, cfg.Durable)
	}
	if cfg, _ := s.ParseConfig(nil, func(string) (string, bool) { return "", false }, io.Discard); cfg.Durable != "demo-consumer" {
		t.Errorf("default durable = %q, want the command name", cfg.Durable)
	}
	if _, err := s.ParseConfig([]string{"--durable", "a.b"}, lookup, io.Discard); err == nil {
		t.Error("a durable name with a dot was accepted")
	}
}
