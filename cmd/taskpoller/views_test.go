package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

// ecsEnv are the credentials of the world's emulator, as the default credential chain reads them.
var ecsEnv = []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=cli-ak", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=cli-secret", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true"}

// addScripted adds one scripted task to the world's emulator.
func (w *world) addScripted(action string, steps ...ecsemu.Step) string {
	w.t.Helper()
	id, err := w.emu.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Action: action, Steps: steps})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// lastOf returns the latest stored event of a task, if any.
func lastOf(evs []events.Event, id string) (events.Event, bool) {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Subject == id {
			return evs[i], true
		}
	}
	return events.Event{}, false
}

// lineOf returns the line of out that names id.
func lineOf(t *testing.T, out, id string) string {
	t.Helper()
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, id) {
			return l
		}
	}
	t.Fatalf("no line for %s in:\n%s", id, out)
	return ""
}

// tasks, status and cancel against a worker, the emulator and JetStream: a task that
// finished, one that failed, a running export and a running disk spec change.
func TestTasksStatusAndCancel(t *testing.T) {
	w := newWorld(t)
	w.startWorker("a", 5*time.Second)
	w.follow()
	running := ecsemu.Step{Status: "Processing", Process: "35%"}
	done := w.addScripted("ExportImage", ecsemu.Step{Status: "Processing", Process: "50%"}, ecsemu.Step{Status: "Finished", Process: "100%"})
	failed := w.addScripted("ExportImage", ecsemu.Step{Status: "Processing", Process: "40%"}, ecsemu.Step{Status: "Failed", Process: "40%",
		Operations: []ecsemu.Operation{{Status: "Failed", ErrorCode: "InvalidOSSBucket.NotFound", ErrorMsg: "no such bucket"}}})
	export := w.addScripted("ExportImage", running)
	disk := w.addScripted("ModifyDiskSpec", running)
	ids := []string{done, failed, export, disk}
	w.registerAll(ids)
	w.waitEvents(20*time.Second, "two tasks ended and two polled", func(evs []events.Event) bool {
		return countTerminal(evs, []string{done, failed}) == 2 && slices.ContainsFunc(evs, func(e events.Event) bool {
			return e.Subject == export && e.Data.TaskProcess == "35%"
		}) && slices.ContainsFunc(evs, func(e events.Event) bool { return e.Subject == disk && e.Data.TaskProcess == "35%" })
	})
	nats := []string{"--nats-url", w.natsURL}

	out, code := cli(t, nil, append([]string{"tasks"}, nats...)...)
	if code != 0 {
		t.Fatalf("tasks: exit %d: %s", code, out)
	}
	for id, want := range map[string][]string{
		done:   {"ExportImage", "Finished", "100%", " a ", "finished"},
		failed: {"ExportImage", "Failed", "40%", "failed", "task_failed", "InvalidOSSBucket.NotFound"},
		export: {"ExportImage", "Processing", "35%", " a ", " -"},
		disk:   {"ModifyDiskSpec", "Processing", "35%", " a "},
	} {
		l := lineOf(t, out, id)
		for _, s := range want {
			if !strings.Contains(l, s) {
				t.Errorf("tasks: the line of %s lacks %q: %s", id, s, l)
			}
		}
	}
	if !strings.Contains(out, "4 tasks: 0 waiting, 2 active, 1 finished, 1 failed") || !strings.HasPrefix(out, "REGION") {
		t.Errorf("tasks: header or summary wrong:\n%s", out)
	}

	for _, tt := range []struct {
		flag string
		want []string
	}{
		{"--active", []string{export, disk}},
		{"--failed", []string{failed}},
		{"--since=1h", ids},
	} {
		out, code := cli(t, nil, append([]string{"tasks", "--json", tt.flag}, nats...)...)
		if code != 0 {
			t.Fatalf("tasks --json %s: exit %d: %s", tt.flag, code, out)
		}
		var got []string
		for l := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
			var line taskLine
			if err := json.Unmarshal([]byte(l), &line); err != nil {
				t.Fatalf("tasks --json %s: %q: %v", tt.flag, l, err)
			}
			got = append(got, line.TaskID)
			if line.RegionID != "cn-hangzhou" || line.Owner != "a" || line.RegisteredAt.IsZero() {
				t.Errorf("tasks --json %s: %+v", tt.flag, line)
			}
			switch line.TaskID {
			case export, disk:
				if line.Phase != phaseActive || line.Status != "Processing" || !line.EndedAt.IsZero() {
					t.Errorf("running task: %+v", line)
				}
			case failed:
				if line.Phase != phaseFailed || line.Reason != events.ReasonTaskFailed || line.ErrorCode != "InvalidOSSBucket.NotFound" || line.EndedAt.IsZero() {
					t.Errorf("failed task: %+v", line)
				}
			case done:
				if line.Phase != phaseFinished || line.Reason != "" || line.EndedAt.IsZero() {
					t.Errorf("finished task: %+v", line)
				}
			}
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(tt.want))
		if !slices.Equal(got, want) {
			t.Errorf("tasks --json %s: tasks %v, want %v", tt.flag, got, want)
		}
	}

	out, code = cli(t, nil, append([]string{"status", "--region", "cn-hangzhou", "--task", failed}, nats...)...)
	if code != 0 {
		t.Fatalf("status: exit %d: %s", code, out)
	}
	for _, want := range []string{"task " + failed + " in cn-hangzhou: failed", "task_failed", "owner", "a (its lease on the task:",
		"partition", "held by a worker", "tracking    done", "Processing → Failed", "reason=task_failed code=InvalidOSSBucket.NotFound",
		`msg="no such bucket"`, "outbox      empty"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	out, code = cli(t, nil, append([]string{"status", "--json", "--region", "cn-hangzhou", "--task", export}, nats...)...)
	var st statusJSON
	if err := json.Unmarshal([]byte(out), &st); code != 0 || err != nil {
		t.Fatalf("status --json: exit %d, %v: %s", code, err, out)
	}
	var stored int
	for _, e := range w.events() {
		if e.Subject == export {
			stored++
		}
	}
	if st.Phase != phaseActive || st.State == nil || st.State.Owner != "a" || st.Tracking == nil || !st.Partition.Held ||
		len(st.Events) != stored || st.OutboxPending != 0 {
		t.Errorf("status --json of a running export: %s", out)
	}
	if out, code := cli(t, nil, append([]string{"status", "--region", "cn-hangzhou", "--task", "t-neverregistered"}, nats...)...); code != 1 || !strings.Contains(out, "unknown task") {
		t.Errorf("status of an unknown task: exit %d: %s", code, out)
	}

	ecs := []string{"--ecs-endpoint", w.emu.URL(), "--region", "cn-hangzhou"}
	out, code = cli(t, ecsEnv, append([]string{"cancel", "--task", disk}, ecs...)...)
	if code != 1 || !strings.Contains(out, "cannot be canceled: ECS cancels only ImportImage and ExportImage tasks (InvalidTaskId.TaskActionNotSupport)") {
		t.Errorf("cancel of a disk spec change: exit %d: %s", code, out)
	}
	out, code = cli(t, ecsEnv, append([]string{"cancel", "--task", export}, ecs...)...)
	if code != 0 || !strings.Contains(out, "ECS accepted CancelTask") {
		t.Fatalf("cancel of a running export: exit %d: %s", code, out)
	}
	w.waitEvents(20*time.Second, "the canceled export's failed event", func(evs []events.Event) bool { return countTerminal(evs, []string{export}) == 1 })
	if ev, _ := lastOf(w.events(), export); ev.Type != events.TypeFailed || ev.Data.Reason != events.ReasonTaskCanceled || ev.Data.TaskStatus != "Deleted" {
		t.Errorf("the canceled export ended with %s %s %s", ev.Type, ev.Data.Reason, ev.Data.TaskStatus)
	}
	out, code = cli(t, ecsEnv, append([]string{"cancel", "--task", export}, ecs...)...)
	if code != 1 || !strings.Contains(out, "not running any more") || !strings.Contains(out, "InvalidTaskId.IncorrectTaskStatus") {
		t.Errorf("cancel of a canceled export: exit %d: %s", code, out)
	}
	out, _ = cli(t, nil, append([]string{"tasks", "--failed"}, nats...)...)
	if l := lineOf(t, out, export); !strings.Contains(l, "Deleted") || !strings.Contains(l, "task_canceled") {
		t.Errorf("tasks --failed: the canceled export's line: %s", l)
	}
	checkOnce(t, w.events(), []string{done, failed, export}) // the disk spec change runs on
}

// run --cancel-on-timeout: at the deadline an export is canceled and a disk spec change (which
// ECS cannot cancel) is not; each timeout event says so, and matches its schema (world.follow).
func TestRunCancelsOnTimeout(t *testing.T) {
	w := newWorld(t)
	w.startWorkerWith("a", 5*time.Second, "TASKPOLLER_CANCEL_ON_TIMEOUT=true", "TASKPOLLER_TASK_TIMEOUT=2s")
	w.follow()
	running := ecsemu.Step{Status: "Processing", Process: "35%"}
	export, disk := w.addScripted("ExportImage", running), w.addScripted("ModifyDiskSpec", running)
	w.registerAll([]string{export, disk})
	w.waitEvents(20*time.Second, "both timed out", func(evs []events.Event) bool { return countTerminal(evs, []string{export, disk}) == 2 })
	for id, want := range map[string]string{export: events.CancelAccepted, disk: events.CancelNotSupported} {
		ev, _ := lastOf(w.events(), id)
		if ev.Data.Reason != events.ReasonTimeout || ev.Data.Cancel != want {
			t.Errorf("%s ended with %s %s cancel %q, want timeout, cancel %q", id, ev.Type, ev.Data.Reason, ev.Data.Cancel, want)
		}
	}
	calls := w.emu.Stats().Actions["CancelTask"]
	if calls != 1 {
		t.Errorf("%d CancelTask calls, want 1 (the export's)", calls)
	}
	out, _ := cli(t, nil, "tasks", "--failed", "--nats-url", w.natsURL)
	if l := lineOf(t, out, export); !strings.Contains(l, "timeout, cancel accepted") {
		t.Errorf("tasks --failed: %s", l)
	}
	checkOnce(t, w.events(), []string{export, disk})
}
