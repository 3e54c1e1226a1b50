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
