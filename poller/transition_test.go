package poller

import (
	"fmt"
	"testing"
	"time"
)

func TestTransitions(t *testing.T) {
	at := time.Unix(0, 0)
	proc := Task{TaskID: "t-1", RegionID: "r", Action: "ExportImage", Status: StatusProcessing, Process: "50%"}
	tests := []struct {
		name string
		prev observed
		cur  Task
		want string
	}{
		{"first observation", observed{}, proc, "[status_changed/1/ progress/1/]"},
		{"nothing new", observed{Task: proc, Ordinal: 1}, proc, "[]"},
		{"progress only", observed{Task: proc, Ordinal: 1}, with(proc, func(t *Task) { t.Process = "60%" }), "[progress/1/]"},
		{"finished", observed{Task: proc, Ordinal: 1}, with(proc, func(t *Task) { t.Status, t.Process = StatusFinished, "100%" }),
			"[status_changed/2/ progress/2/ finished/2/]"},
		{"finished with failures", observed{Task: proc, Ordinal: 1}, with(proc, func(t *Task) { t.Status, t.FailedCount = StatusFinished, 1 }),
			"[status_changed/2/ failed/2/operations_failed]"},
		{"failed", observed{Task: proc, Ordinal: 1}, with(proc, func(t *Task) { t.Status = StatusFailed }), "[status_changed/2/ failed/2/task_failed]"},
		{"canceled", observed{Task: proc, Ordinal: 1}, with(proc, func(t *Task) { t.Status = StatusDeleted }), "[status_changed/2/ failed/2/task_canceled]"},
		{"unknown status is not terminal", observed{Task: proc, Ordinal: 1}, with(proc, func(t *Task) { t.Status = "Rebooting" }), "[status_changed/2/]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns, next := transitions(tt.prev, tt.cur, nil, at)
			var got []string
			for _, n := range ns {
				got = append(got, fmt.Sprintf("%s/%d/%s", n.Kind, n.Ordinal, n.Reason))
				if n.PreviousStatus != tt.prev.Task.Status {
					t.Errorf("previous status = %q, want %q", n.PreviousStatus, tt.prev.Task.Status)
				}
			}
			if fmt.Sprint(got) != tt.want && !(len(got) == 0 && tt.want == "[]") {
				t.Errorf("notices = %v, want %s", got, tt.want)
			}
			if next.Task.Status != tt.cur.Status {
				t.Errorf("next status = %q", next.Task.Status)
			}
		})
	}
}

func with(t Task, f func(*Task)) Task {
	f(&t)
	return t
}
