package poller_test

import (
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// Transient answers (throttling, 5xx, a non-JSON 502, a dropped connection) are retried with
// backoff and never fail the task.
func TestTransientErrorsAreRetried(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
		{Status: "Processing", Process: "10%", Times: 1},
		{Error: "Throttling.User", Times: 2},
		{Error: "ServiceUnavailable", Times: 1},
		{Error: "InternalError", Times: 1},
		{Error: "BadGateway", Times: 1},
		{Error: "Drop", Times: 1},
		{Status: "Processing", Process: "60%", Times: 1},
		{Status: "Finished", Process: "100%"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.startWorker(fastConfig())
	e.register(js, id, "")
	got := col.waitTerminal(t, 10*time.Second, id)[id]
	if got.Event.Type != "ecs.task.finished" {
		t.Fatalf("terminal = %s (%s), want finished", got.Event.Type, got.Event.Data.Reason)
	}
	codes := map[string]int{}
	for _, c := range e.emu.Calls(id) {
		codes[c.Code]++
	}
	for _, code := range []string{"Throttling.User", "ServiceUnavailable", "InternalError", "BadGateway", "Drop"} {
		if codes[code] == 0 {
			t.Errorf("emulator answered no %s; calls by code: %v", code, codes)
		}
	}
	if n := len(col.forTask(id)); n != 6 { // status, progress 10%, progress 60%, status, progress 100%, finished
		t.Errorf("%d events, want 6: %v", n, kinds(col.forTask(id)))
	}
}

// With emulator-wide faults on every action the worker still finishes every task.
func TestRandomFaultsNeverFailTasks(t *testing.T) {
	e := newEnv(t, ecsemu.WithFaults(ecsemu.Faults{Throttle: 0.2, Unavailable: 0.1, Internal: 0.1, BadGateway: 0.05, Drop: 0.05}))
	_, js := e.connect()
	col := e.collect(js)
	var ids []string
	for range 10 {
		id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
			{Status: "Processing", Times: 3}, {Status: "Finished"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	e.startWorker(fastConfig())
	for _, id := range ids {
		e.register(js, id, "")
	}
	for id, ev := range col.waitTerminal(t, 20*time.Second, ids...) {
		if ev.Event.Type != "ecs.task.finished" {
			t.Errorf("task %s ended %s (%s)", id, ev.Event.Type, ev.Event.Data.Reason)
		}
	}
	if e.emu.CodeCount("Throttling.User") == 0 {
		t.Error("no throttling was injected; the test proves nothing")
	}
}

// Through the real SDK and emulator, a task is polled once per answer of its script: the
// interval growth itself is checked exactly on a fake clock (TestBackoffGrowsToCapAndResets in
// package poller); here only what the wall clock cannot disturb is checked.
func TestBackoffPollsThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
		{Status: "Waiting", Times: 7},
		{Status: "Processing", Times: 4},
		{Status: "Finished"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.PollInitial, cfg.PollMax, cfg.PollMultiplier = 20*time.Millisecond, 80*time.Millisecond, 2
	e.startWorker(cfg)
	e.register(js, id, "")
	col.waitTerminal(t, 10*time.Second, id)
	calls := e.emu.Calls(id)
	if len(calls) != 12 {
		t.Fatalf("%d calls, want 12", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if gap := calls[i].Time.Sub(calls[i-1].Time); gap < cfg.PollInitial {
			t.Errorf("gap %d = %s, shorter than the initial interval %s", i, gap, cfg.PollInitial)
		}
	}
}
