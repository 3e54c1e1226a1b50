package poller_test

import (
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

// On a real server: a task whose ECS calls all fail outlives the state TTL on a worker that
// is then killed; its successor still finds the task's record, and the task ends with a
// timeout. (Before, the tasks bucket's record expired with the TTL and the task was dropped
// with no terminal event; nor would any worker ever have timed it out.) The state TTL here is
// shorter than the task timeout, which the command refuses: the records must outlive a TTL
// whatever it is, and a tracked task whose state expired gets it back (commit). The successor
// finds no state, so its deadline starts over: the test asserts that the task ends, not when.
func TestUnreachableTaskOutlivesTheStateTTLAndEnds(t *testing.T) {
	e := newEnv(t)
	e.setup.StateTTL = time.Second
	_, js := e.connect()
	col := e.collect(js)
	ids := addLifecycles(t, e, 3, time.Hour)
	e.emu.SetFaults(ecsemu.Faults{Drop: 1}) // every call: connection closed without an answer
	cfg := fastConfig()
	cfg.TaskTimeout, cfg.PollMax = 4*time.Second, 300*time.Millisecond
	a := e.startWorker(cfg)
	for _, id := range ids {
		e.register(js, id, "")
	}
	waitFor(t, 10*time.Second, "every task tracked", every(t, 20*time.Millisecond), func() bool { return a.w.Tracked() == len(ids) })
	time.Sleep(2 * e.setup.StateTTL) // past the TTL
	a.kill()
	e.startWorker(cfg)
	got := col.waitTerminal(t, 30*time.Second, ids...)
	for _, id := range ids {
		if d := got[id].Event.Data; d.Reason != events.ReasonTimeout || d.ErrorCode != "ConnectionError" {
			t.Errorf("task %s ended %s %s %s, want failed timeout ConnectionError", id, got[id].Event.Type, d.Reason, d.ErrorCode)
		}
	}
	for _, id := range ids {
		if n := len(terminals(col.forTask(id))); n != 1 {
			t.Errorf("task %s: %d terminal events, want 1", id, n)
		}
	}
}
