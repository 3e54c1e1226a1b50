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

func TestRemoteSpanContext(t *testing.T) {
	tests := []struct {
		parent, state  string
		valid, sampled bool
		traceState     string
	}{
		{traceParent, "", true, true, ""},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "", true, false, ""},
		{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03", "", true, true, ""}, // unknown flags dropped
		{traceParent, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE", true, true, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
		{traceParent, "not a list member", true, true, ""}, // a tracestate a tracer refuses is left out
		{"", "", false, false, ""},
		{"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "", false, false, ""},
	}
	for _, tt := range tests {
		sc := remoteSpanContext(tt.parent, tt.state)
		if sc.IsValid() != tt.valid || sc.IsSampled() != tt.sampled || sc.TraceState().String() != tt.traceState {
			t.Errorf("%q, %q: valid %v sampled %v tracestate %q; want %v, %v, %q", tt.parent, tt.state,
				sc.IsValid(), sc.IsSampled(), sc.TraceState().String(), tt.valid, tt.sampled, tt.traceState)
		}
		if tt.valid && (!sc.IsRemote() || sc.TraceID().String() != tt.parent[3:35] || sc.SpanID().String() != tt.parent[36:52]) {
			t.Errorf("%q: got %v", tt.parent, sc)
		}
	}
}

// Without a TracerProvider the worker makes no span and wraps nothing (the fakes are
// bench_test.go's).
func TestNoTracerProviderNoSpans(t *testing.T) {
	w, err := NewWorker(Config{WorkerID: "w"}, nopAPI{}, nopPub{}, nopStore{}, nopSource{})
	if err != nil {
		t.Fatal(err)
	}
	if w.traced() {
		t.Error("a worker without a TracerProvider traces")
	}
	if _, ok := w.pub.(nopPub); !ok {
		t.Errorf("publisher wrapped: %T", w.pub)
	}
	if _, ok := w.api.(reachAPI); !ok {
		t.Errorf("api = %T, want reachAPI over the API as given", w.api)
	}
}
