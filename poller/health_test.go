package poller_test

import (
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// Errors that say the worker is at fault (here Forbidden.RAM) keep tasks tracked, make the
// worker not ready, and clear once calls succeed again.
func TestWorkerLevelErrorsKeepTasks(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{{Status: "Finished"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.emu.Deny("test-ak")
	wk := e.startWorker(fastConfig())
	e.register(js, id, "")
	tick := every(t, 10*time.Millisecond)
	waitFor(t, 10*time.Second, "readiness off", tick, func() bool {
		err := wk.w.Ready()
		return err != nil && strings.Contains(err.Error(), "Forbidden.RAM")
	})
	// Many polls are refused, and the task is still tracked, with no event.
	waitFor(t, 10*time.Second, "repeated refusals", tick, func() bool { return e.emu.CodeCount("Forbidden.RAM") >= 5 })
	if n := len(col.forTask(id)); n != 0 {
		t.Fatalf("%d events while the worker was refused, want 0", n)
	}
	if wk.w.Tracked() != 1 {
		t.Fatalf("tracked = %d, want 1", wk.w.Tracked())
	}
	e.emu.Allow("test-ak")
	ev := col.waitTerminal(t, 10*time.Second, id)[id]
	if ev.Event.Type != "ecs.task.finished" {
		t.Errorf("terminal = %s", ev.Event.Type)
	}
	if err := wk.w.Ready(); err != nil {
		t.Errorf("still not ready after recovery: %v", err)
	}
}

// A wrong secret is a worker problem too (SignatureDoesNotMatch), not a task failure.
func TestWrongSecretIsWorkerLevel(t *testing.T) {
	e := newEnv(t, ecsemu.WithCredentials("test-ak", "another-secret"))
	_, js := e.connect()
	col := e.collect(js)
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{{Status: "Finished"}}})
	if err != nil {
		t.Fatal(err)
	}
	wk := e.startWorker(fastConfig())
	e.register(js, id, "")
	tick := every(t, 10*time.Millisecond)
	waitFor(t, 10*time.Second, "readiness off", tick, func() bool {
		err := wk.w.Ready()
		return err != nil && strings.Contains(err.Error(), "SignatureDoesNotMatch")
	})
	waitFor(t, 10*time.Second, "repeated refusals", tick, func() bool { return e.emu.CodeCount("SignatureDoesNotMatch") >= 3 })
	if n := len(col.forTask(id)); n != 0 {
		t.Errorf("%d events, want 0", n)
	}
}
