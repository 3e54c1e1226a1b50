package natsclient

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// An outage is told at Warn when it starts and when its cause changes, reminded every 30s
// while it lasts (not at each attempt, every second), and its end told once at Info.
func TestLinkWarnsOnceThenReminds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zapcore.InfoLevel)
		l := NewLink("nats://bob:pw@127.0.0.1:4222", zap.New(core))
		refused := errors.New("dial tcp 127.0.0.1:4222: connect: connection refused")
		said := func() []string {
			var out []string
			for _, e := range logs.TakeAll() {
				out = append(out, e.Message)
			}
			return out
		}
		step := func(what string, want ...string) {
			t.Helper()
			got := said()
			if len(got) != len(want) {
				t.Fatalf("%s: logged %q, want %q", what, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s: logged %q, want %q", what, got, want)
				}
			}
		}
		l.failed(refused)
		step("first failure", "cannot reach NATS; retrying")
		for range 29 {
			time.Sleep(time.Second)
			l.failed(refused)
		}
		step("29 more attempts within 30s")
		time.Sleep(time.Second)
		l.failed(refused)
		step("30s after the warning", "still cannot reach NATS; retrying")
		l.failed(errors.New("nats: authorization violation"))
		step("another cause", "cannot reach NATS; retrying")
		if err := l.Err(); err == nil || err.Error() != "cannot reach NATS at nats://bob:REDACTED@127.0.0.1:4222 (for 30s): nats: authorization violation" {
			t.Errorf("Err = %v", err)
		}
		l.connected("nats://bob:pw@127.0.0.1:4222")
		step("connected", "connected to NATS")
		if err := l.Err(); err != nil {
			t.Errorf("Err once connected = %v", err)
		}
		l.lost(errors.New("EOF"))
		step("disconnected", "disconnected from NATS")
		l.failed(refused)
		step("cause after the disconnection", "cannot reach NATS; retrying")
		l.failed(refused)
		step("same cause")
	})
}

// A Link made without a logger reports nowhere instead of panicking at its first warning.
func TestLinkWithoutLogger(t *testing.T) {
	l := NewLink("nats://127.0.0.1:4222", nil)
	l.failed(errors.New("dial tcp 127.0.0.1:4222: connect: connection refused"))
	if l.Err() == nil {
		t.Error("Err = nil after a failure")
	}
}
