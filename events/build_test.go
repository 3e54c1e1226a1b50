package events

import (
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

func TestIDsAreDeterministicAndDistinct(t *testing.T) {
	task := poller.Task{TaskID: "t-1", RegionID: "cn-hangzhou", Action: "ExportImage", Status: poller.StatusProcessing, Process: "40%"}
	n := poller.Notice{Kind: poller.KindStatusChanged, Task: task, Ordinal: 2, ObservedAt: time.Unix(1, 0)}
	later := n
	later.ObservedAt = time.Unix(99, 0)
	if ID(n) != ID(later) {
		t.Errorf("id depends on the observation time: %s vs %s", ID(n), ID(later))
	}
	ids := map[string]string{}
	for _, c := range []poller.Notice{
		n,
		{Kind: poller.KindStatusChanged, Task: task, Ordinal: 3},
		// The same ordinal with another status: a renumbered change is a new event, never a
		// duplicate of the one it would otherwise replace.
		{Kind: poller.KindStatusChanged, Task: poller.Task{TaskID: "t-1", RegionID: "cn-hangzhou", Status: poller.StatusFinished}, Ordinal: 2},
		{Kind: poller.KindProgress, Task: poller.Task{TaskID: "t-1", RegionID: "cn-hangzhou", Status: poller.StatusWaiting, Process: "40%"}, Ordinal: 2},
		{Kind: poller.KindProgress, Task: task, Ordinal: 2},
		{Kind: poller.KindProgress, Task: poller.Task{TaskID: "t-1", RegionID: "cn-hangzhou", Process: "41%"}, Ordinal: 2},
		{Kind: poller.KindFinished, Task: task},
		{Kind: poller.KindStatusChanged, Task: poller.Task{TaskID: "t-2", RegionID: "cn-hangzhou"}, Ordinal: 2},
	} {
		id := ID(c)
		if prev, ok := ids[id]; ok {
			t.Errorf("id %s shared by %s and %v", id, prev, c.Kind)
		}
		ids[id] = string(c.Kind)
	}
	fin := poller.Notice{Kind: poller.KindFinished, Task: task}
	fail := poller.Notice{Kind: poller.KindFailed, Task: task, Reason: poller.ReasonTimeout}
	if ID(fin) != ID(fail) {
		t.Error("finished and failed of one task must share one id: a task has one terminal event")
	}
}

func TestSubjects(t *testing.T) {
	s, err := NewSubjects("ecs.tasks")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Event(poller.KindFailed, "cn-hangzhou", "Export.Image>", "t-1"); got != "ecs.tasks.failed.cn-hangzhou.Export_Image_.t-1" {
		t.Errorf("event subject = %s", got)
	}
	if got := s.StreamName(EventsRole); got != "ECS_TASKS_EVENTS" {
		t.Errorf("stream = %s", got)
	}
	for _, bad := range []string{"", "a..b", "a.*", "a.>", "a b", ".a"} {
		if _, err := NewSubjects(bad); err == nil {
			t.Errorf("prefix %q accepted", bad)
		}
	}
}
