package poller_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

func TestFailureReasons(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	add := func(action string, steps ...ecsemu.Step) string {
		id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: action, Steps: steps})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	failedOp := []ecsemu.Operation{{Status: "Failed", ErrorCode: "InvalidOSSBucket.NotFound", ErrorMsg: "The specified bucket does not exist."}}
	failed := add("ExportImage", ecsemu.Step{Status: "Processing", Times: 1}, ecsemu.Step{Status: "Failed", Operations: failedOp})
	partial := add("ImportImage", ecsemu.Step{Status: "Finished", Process: "100%", TotalCount: 2, SuccessCount: 1, FailedCount: 1,
		Operations: []ecsemu.Operation{{Status: "Success"}, {Status: "Failed", ErrorCode: "InvalidImage.Format", ErrorMsg: "bad format"}}})
	canceled := add("ExportImage", ecsemu.Step{Status: "Processing", Times: 1}, ecsemu.Step{Status: "Deleted"})
	ok := add("ModifyDiskSpec", ecsemu.Step{Status: "Finished"})
	notFound := "t-doesnotexist00000000"
	// Not found at first, then found: the grace keeps it alive.
	late := add("ExportImage", ecsemu.Step{Error: "InvalidTaskId.NotFound", Times: 2}, ecsemu.Step{Status: "Finished"})

	w := e.startWorker(fastConfig())
	for _, id := range []string{failed, partial, canceled, ok, notFound, late} {
		e.register(js, id, "")
	}
	got := col.waitTerminal(t, 10*time.Second, failed, partial, canceled, ok, notFound, late)

	tests := []struct {
		name, id, typ, reason, code, action string
	}{
		{"failed", failed, "ecs.task.failed", "task_failed", "InvalidOSSBucket.NotFound", "ExportImage"},
		{"operations failed", partial, "ecs.task.failed", "operations_failed", "InvalidImage.Format", "ImportImage"},
		{"canceled", canceled, "ecs.task.failed", "task_canceled", "", "ExportImage"},
		{"finished", ok, "ecs.task.finished", "", "", "ModifyDiskSpec"},
		{"not found", notFound, "ecs.task.failed", "task_not_found", "InvalidTaskId.NotFound", "unknown"},
		{"found within grace", late, "ecs.task.finished", "", "", "ExportImage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := got[tt.id]
			d := ev.Event.Data
			if ev.Event.Type != tt.typ || string(d.Reason) != tt.reason || d.ErrorCode != tt.code || d.TaskAction != tt.action {
				t.Errorf("got type %s reason %q code %q action %q; want %s %q %q %q", ev.Event.Type, d.Reason, d.ErrorCode, d.TaskAction, tt.typ, tt.reason, tt.code, tt.action)
			}
			wantSubject := "ecs.tasks." + map[string]string{"ecs.task.failed": "failed", "ecs.task.finished": "finished"}[tt.typ] + "." + region + "." + tt.action + "." + tt.id
			if ev.Subject != wantSubject {
				t.Errorf("subject = %s, want %s", ev.Subject, wantSubject)
			}
			if n := len(terminals(col.forTask(tt.id))); n != 1 {
				t.Errorf("%d terminal events, want 1", n)
			}
		})
	}
	if msg := got[failed].Event.Data.ErrorMessage; msg != "The specified bucket does not exist." {
		t.Errorf("error_message = %q", msg)
	}
	checkFailed(t, w.metrics, map[events.Reason]float64{
		events.ReasonTaskFailed: 1, events.ReasonOperationsFailed: 1, events.ReasonTaskCanceled: 1, events.ReasonTaskNotFound: 1,
	})
}

// checkFailed compares the worker's failed events by reason with want (absent: 0), once they
// add up to want's total: a publish is counted when its ack arrives, which may be after the
// event was read from the stream.
func checkFailed(t *testing.T, m *poller.Metrics, want map[events.Reason]float64) {
	t.Helper()
	var total float64
	for _, n := range want {
		total += n
	}
	waitFor(t, 5*time.Second, "failed events counted", every(t, 20*time.Millisecond), func() bool {
		var got float64
		for _, r := range events.Reasons {
			got += testutil.ToFloat64(m.Failed.WithLabelValues(string(r)))
		}
		return got >= total
	})
	for _, r := range events.Reasons {
		if got := testutil.ToFloat64(m.Failed.WithLabelValues(string(r))); got != want[r] {
			t.Errorf("taskpoller_tasks_failed_total{reason=%q} = %v, want %v", r, got, want[r])
		}
	}
}

func TestInvalidRegionAndTimeout(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	stuck, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{{Status: "Processing", Process: "10%"}}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.TaskTimeout = 500 * time.Millisecond
	w := e.startWorker(cfg)
	e.register(js, stuck, "")
	badRegion, badTask := "xx-nowhere-1", "t-abcdefghij0123456789"
	e.registerIn(js, badRegion, badTask)
	got := col.waitTerminal(t, 10*time.Second, stuck, badTask)
	if d := got[stuck].Event.Data; d.Reason != "timeout" || d.TaskStatus != "Processing" || d.TaskProcess != "10%" || d.TaskAction != "ExportImage" {
		t.Errorf("timeout event data = %+v; want reason timeout with the last known status", d)
	}
	if d := got[badTask].Event.Data; d.Reason != "invalid_region" || d.ErrorCode != "InvalidRegionId.NotFound" || d.RegionID != badRegion {
		t.Errorf("invalid region event data = %+v", d)
	}
	checkFailed(t, w.metrics, map[events.Reason]float64{events.ReasonTimeout: 1, events.ReasonInvalidRegion: 1})
}
