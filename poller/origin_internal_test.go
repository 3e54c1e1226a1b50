package poller

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/schematest"
)

// Every notice published from an outbox carries the origin of the registration it is
// published for, and its event says it: registered when the registration names none.
func TestNoticesCarryTheRegistrationsOrigin(t *testing.T) {
	v, err := schematest.New()
	if err != nil {
		t.Fatal(err)
	}
	task := Task{TaskID: "t-bp1origin", RegionID: "cn-hangzhou", Action: "ExportImage", Status: StatusFinished, Process: "100%"}
	o := newOutbox([]Notice{
		{Kind: events.KindStatusChanged, Task: task, Ordinal: 1, ObservedAt: time.Unix(1000, 0)},
		{Kind: events.KindFinished, Task: task, Ordinal: 1, ObservedAt: time.Unix(1000, 0)},
	})
	for _, tt := range []struct {
		origin events.Origin
		want   events.Origin
	}{{"", events.OriginRegistered}, {events.OriginRegistered, events.OriginRegistered}, {events.OriginDiscovered, events.OriginDiscovered}} {
		reg := events.Registration{RegionID: task.RegionID, TaskID: task.TaskID, Origin: tt.origin}
		for i := range o.Items {
			n := o.notice(i, reg)
			if n.Origin != tt.origin {
				t.Errorf("origin %q: notice %d carries %q", tt.origin, i, n.Origin)
			}
			ev := n.Event()
			if ev.Data.Origin != tt.want {
				t.Errorf("origin %q: event %s says %q, want %q", tt.origin, ev.ID, ev.Data.Origin, tt.want)
			}
			b, _ := json.Marshal(ev)
			if err := v.Event(b); err != nil {
				t.Errorf("origin %q: event %s: %v", tt.origin, ev.ID, err)
			}
			if id := (Notice{Kind: n.Kind, Task: n.Task, Ordinal: n.Ordinal}).ID(); ev.ID != id {
				t.Errorf("origin %q changed the event id: %s, want %s", tt.origin, ev.ID, id) // one event per transition, whoever registered
			}
		}
	}
}
