package poller

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/schematest"
)

// traceParent is a W3C traceparent (the specification's example).
const traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

// Every event of every kind published from an outbox carries the trace context of the
// registration it is published for, unchanged, and none when it has none; the id does not
// depend on it.
func TestEventsCarryTheRegistrationsTraceContext(t *testing.T) {
	v, err := schematest.New()
	if err != nil {
		t.Fatal(err)
	}
	task := Task{TaskID: "t-bp1traced", RegionID: "cn-hangzhou", Action: "ExportImage", Status: StatusFinished, Process: "100%"}
	at := time.Unix(1000, 0)
	o := newOutbox([]Notice{
		{Kind: events.KindStatusChanged, Task: task, Ordinal: 1, ObservedAt: at},
		{Kind: events.KindProgress, Task: task, Ordinal: 1, ObservedAt: at},
		{Kind: events.KindFinished, Task: task, Ordinal: 1, ObservedAt: at},
	})
	failed := newOutbox([]Notice{failure(observed{Task: task, Ordinal: 1}, events.Registration{RegionID: task.RegionID, TaskID: task.TaskID},
		events.ReasonTaskNotFound, "InvalidTaskId.NotFound", "gone", nil, at)})
	for _, tt := range []struct{ parent, state string }{{"", ""}, {traceParent, ""}, {traceParent, "rojo=00f067aa0ba902b7"}} {
		reg := events.Registration{RegionID: task.RegionID, TaskID: task.TaskID, TraceParent: tt.parent, TraceState: tt.state}
		kinds := map[events.Kind]bool{}
		for _, box := range []*Outbox{o, failed} {
			for i := range box.Items {
				n := box.notice(i, reg)
				ev := n.Event()
				kinds[n.Kind] = true
				if ev.TraceParent != tt.parent || ev.TraceState != tt.state {
					t.Errorf("%s with %q, %q: event carries %q, %q", n.Kind, tt.parent, tt.state, ev.TraceParent, ev.TraceState)
				}
				b, _ := json.Marshal(ev)
				if err := v.Event(b); err != nil {
					t.Errorf("%s with %q: %v", n.Kind, tt.parent, err)
				}
				var top map[string]any
				_ = json.Unmarshal(b, &top)
				if _, ok := top["traceparent"]; ok != (tt.parent != "") {
					t.Errorf("%s with %q: traceparent at the top level of %s", n.Kind, tt.parent, b)
				}
				if id := (Notice{Kind: n.Kind, Task: n.Task, Ordinal: n.Ordinal}).ID(); ev.ID != id {
					t.Errorf("the trace context changed the event id: %s, want %s", ev.ID, id)
				}
			}
		}
		if len(kinds) != 4 {
			t.Errorf("kinds covered: %v, want all four", kinds)
		}
	}
}
