package main

import (
	"io"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

// The flags of `taskpoller run` take their defaults from poller.DefaultConfig: left unset,
// they make exactly it (but the worker id, the host's name).
func TestRunFlagsDefaultToThePollerDefaults(t *testing.T) {
	var c runConfig
	if err := parse(c.flags(), nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := poller.DefaultConfig()
	want.WorkerID = c.Poll.WorkerID
	if c.Poll != want {
		t.Errorf("unset flags give %+v\nwant poller.DefaultConfig() %+v", c.Poll, want)
	}
}

// A flag set to 0 where its help gives 0 a meaning reaches the worker with that meaning,
// whatever the defaults: the config is complete, not defaulted again.
func TestRunFlagsKeepExplicitZeros(t *testing.T) {
	var c runConfig
	if err := parse(c.flags(), []string{"--poll-jitter", "0", "--not-found-grace", "0", "--batch-interval", "0", "--api-qps", "3"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	p := c.poll()
	if p.PollJitter > 0 || p.NotFoundGrace > 0 || p.BatchInterval > 0 {
		t.Errorf("jitter %g, grace %s, batch interval %s; want each off", p.PollJitter, p.NotFoundGrace, p.BatchInterval)
	}
	if p.APIBurst != 3 || p.BatchQPS != 3 || p.PollInitial != 5*time.Second {
		t.Errorf("burst %d, batch QPS %g, poll initial %s; want 3, 3 (--api-qps) and 5s", p.APIBurst, p.BatchQPS, p.PollInitial)
	}
}
