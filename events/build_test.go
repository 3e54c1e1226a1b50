package events

import (
	"strings"
	"testing"
)

func TestIDsAreDeterministicAndDistinct(t *testing.T) {
	type tr struct {
		task    string
		kind    Kind
		ordinal int
		status  string
		process string
	}
	ids := map[string]tr{}
	for _, c := range []tr{
		{"t-1", KindStatusChanged, 2, "Processing", "40%"},
		{"t-1", KindStatusChanged, 3, "Processing", "40%"},
		// The same ordinal with another status: a renumbered change is a new event, never a
		// duplicate of the one it would otherwise replace.
		{"t-1", KindStatusChanged, 2, "Finished", ""},
		{"t-1", KindProgress, 2, "Waiting", "40%"},
		{"t-1", KindProgress, 2, "Processing", "40%"},
		{"t-1", KindProgress, 2, "Processing", "41%"},
		{"t-1", KindFinished, 3, "Finished", "100%"},
		{"t-2", KindStatusChanged, 2, "Processing", ""},
	} {
		id := mustID(t, "cn-hangzhou", c.task, c.kind, c.ordinal, c.status, c.process)
		if prev, ok := ids[id]; ok {
			t.Errorf("id %s shared by %+v and %+v", id, prev, c)
		}
		ids[id] = c
	}
	if a, b := mustID(t, "cn-hangzhou", "t-1", KindFinished, 3, "Finished", "100%"), mustID(t, "cn-hangzhou", "t-1", KindFailed, 2, "Processing", ""); a != b {
		t.Errorf("finished and failed of one task must share one id (a task has one terminal event): %s, %s", a, b)
	}
	if id := mustID(t, "cn-hangzhou", "t-1", KindStatusChanged, 1, "Weird status\r\n*", ""); strings.ContainsAny(id, " \r\n*") {
		t.Errorf("unsafe id %q", id)
	}
}

// ParseEvent reads back what Event builds, and nothing else.
func TestParseEventSubject(t *testing.T) {
	s, _ := NewSubjects("ecs.tasks")
	for _, k := range Kinds {
		kind, region, action, task, ok := s.ParseEvent(s.Event(k, "cn-hangzhou", "Export.Image>", "t-1"))
		if !ok || kind != k || region != "cn-hangzhou" || action != "Export_Image_" || task != "t-1" {
			t.Errorf("%s: got %q %q %q %q %v", k, kind, region, action, task, ok)
		}
	}
	for _, bad := range []string{"ecs.tasks.invalid", "ecs.tasks.registered", "other.failed.cn-hangzhou.ExportImage.t-1",
		"ecs.tasks.exploded.cn-hangzhou.ExportImage.t-1", "ecs.tasks.failed.cn-hangzhou.t-1", "ecs.tasks.failed.cn-hangzhou.ExportImage.t-1.x",
		"ecs.tasksx.failed.cn-hangzhou.ExportImage.t-1", "ecs.tasks.failed..ExportImage.t-1"} {
		if _, _, _, _, ok := s.ParseEvent(bad); ok {
			t.Errorf("ParseEvent(%q) accepted it", bad)
		}
	}
}

func TestSubjects(t *testing.T) {
	s, err := NewSubjects("ecs.tasks")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Event(KindFailed, "cn-hangzhou", "Export.Image>", "t-1"); got != "ecs.tasks.failed.cn-hangzhou.Export_Image_.t-1" {
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
