package main

import (
	"io"
	"testing"
)

// --poll-jitter keeps its meaning for users of the binary: 0 is no jitter, although a zero
// poller.Config.PollJitter means the default.
func TestPollJitterFlag(t *testing.T) {
	tests := []struct {
		args []string
		want float64 // poller.Config.PollJitter
	}{
		{nil, 0.2},
		{[]string{"--poll-jitter", "0.5"}, 0.5},
		{[]string{"--poll-jitter", "0"}, -1},
	}
	for _, tt := range tests {
		var c runConfig
		if err := parse(c.flags(), tt.args, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%v: %v", tt.args, err)
		}
		if got := c.poll().PollJitter; got != tt.want {
			t.Errorf("%v: PollJitter = %g, want %g", tt.args, got, tt.want)
		}
	}
}

// The state of a tracked task outlives its last chance (deadline plus one --poll-max), when
// a task that ECS cannot be asked about ends: --state-ttl at or below it is refused.
func TestStateTTLOutlivesTheLastChance(t *testing.T) {
	tests := []struct {
		args []string
		ok   bool
	}{
		{[]string{"--task-timeout", "1h", "--poll-max", "1m", "--state-ttl", "61m"}, false},
		{[]string{"--task-timeout", "1h", "--poll-max", "1m", "--state-ttl", "62m"}, true},
		{nil, true},
	}
	for _, tt := range tests {
		var c runConfig
		if err := parse(c.flags(), tt.args, io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := c.Validate(); (err == nil) != tt.ok {
			t.Errorf("%v: Validate() = %v, want ok %v", tt.args, err, tt.ok)
		}
	}
}
