package natsjs

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// The Inspector reads back what workers wrote — states, tracked tasks, partition leases,
// events — without creating anything, and each listing returns once it has seen everything,
// also when there is nothing.
func TestInspectorReadsWhatWorkersWrote(t *testing.T) {
	js, s := serveForTest(t, ServerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	in := NewInspector(js, s)
	none := func(StoredEvent) error { return nil }

	if _, err := in.States(ctx, func(StoredState) error { return nil }); !errors.Is(err, ErrNotSetUp) {
		t.Errorf("States before setup: %v, want ErrNotSetUp", err)
	}
	if _, err := in.Terminals(ctx, none); !errors.Is(err, ErrNotSetUp) {
		t.Errorf("Terminals before setup: %v, want ErrNotSetUp", err)
	}
	if names := js.StreamNames(ctx); names.Err() == nil {
		for n := range names.Name() {
			t.Errorf("the inspector created stream %s", n)
		}
	}

	a, err := Setup(ctx, js, s, SetupConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := in.Terminals(ctx, func(e StoredEvent) error { t.Errorf("event in an empty stream: %s", e.Subject); return nil }); n != 0 || err != nil {
		t.Errorf("Terminals of an empty stream: skipped %d, %v", n, err)
	}

	pub := NewPublisher(js, s)
	publish := func(id string, ns ...poller.Notice) {
		var after uint64
		for _, n := range ns {
			n.Task.TaskID, n.Task.RegionID, n.Task.Action = id, "cn-hangzhou", "ExportImage"
			pos, err := pub.Publish(ctx, n, after)
			if err != nil {
				t.Fatal(err)
			}
			after = pos
		}
	}
	status := poller.Notice{Kind: events.KindStatusChanged, Task: poller.Task{Status: poller.StatusProcessing, Process: "10%"}, Ordinal: 1}
	publish("t-1", status, poller.Notice{Kind: events.KindFinished, Task: poller.Task{Status: poller.StatusFinished, Process: "100%"}, Ordinal: 2})
	publish("t-2", status, poller.Notice{Kind: events.KindFailed, Task: poller.Task{Status: poller.StatusFailed}, Ordinal: 2, Reason: events.ReasonTaskFailed})
	publish("t-3", status)

	store := NewStateStore(a.State)
	for _, id := range []string{"t-1", "t-2", "t-3"} {
		if _, err := store.Create(ctx, "cn-hangzhou."+id, poller.State{Owner: "w-" + id, Status: poller.StatusProcessing}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.State.Put(ctx, "cn-hangzhou.t-bad", []byte("not json")); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"t-3", "t-5"} {
		reg := events.Registration{RegionID: "cn-hangzhou", TaskID: id, Metadata: []byte(`{"k":"v"}`)}
		b, _ := encodeRecord(7, reg)
		if _, err := a.Tasks.Create(ctx, taskKey(reg), b); err != nil {
			t.Fatal(err)
		}
	}
	p3 := partitionOf("cn-hangzhou.t-3")
	if _, err := a.Owners.Create(ctx, ownerKey(p3), []byte("token")); err != nil {
		t.Fatal(err)
	}

	owners := map[string]string{}
	skipped, err := in.States(ctx, func(st StoredState) error { owners[st.Key] = st.State.Owner; return nil })
	if err != nil || skipped != 1 || len(owners) != 3 || owners["cn-hangzhou.t-2"] != "w-t-2" {
		t.Errorf("States: %v, skipped %d, %v; want 3 states and 1 skipped", owners, skipped, err)
	}
	tracked := map[string]TrackedTask{}
	if _, err := in.Tracked(ctx, func(tt TrackedTask) error { tracked[tt.Key] = tt; return nil }); err != nil || len(tracked) != 2 {
		t.Errorf("Tracked: %v, %v", tracked, err)
	}
	if tt := tracked["cn-hangzhou.t-5"]; tt.Seq != 7 || tt.Partition != partitionOf("cn-hangzhou.t-5") ||
		string(tt.Registration.Metadata) != `{"k":"v"}` || tt.Recorded.IsZero() {
		t.Errorf("tracked t-5: %+v", tt)
	}
	var ended []string
	if _, err := in.Terminals(ctx, func(e StoredEvent) error {
		ended = append(ended, e.TaskID+":"+string(e.Kind)+":"+string(e.Event.Data.Reason))
		return nil
	}); err != nil || !slices.Equal(ended, []string{"t-1:finished:", "t-2:failed:task_failed"}) {
		t.Errorf("Terminals: %v, %v", ended, err)
	}
	var history []string
	if _, err := in.History(ctx, "cn-hangzhou", "t-1", func(e StoredEvent) error {
		history = append(history, e.Event.Type)
		return nil
	}); err != nil || !slices.Equal(history, []string{events.TypeStatusChanged, events.TypeFinished}) {
		t.Errorf("History of t-1: %v, %v", history, err)
	}
	if _, err := in.History(ctx, "cn-hangzhou", "t-9", func(e StoredEvent) error { t.Errorf("event of t-9: %s", e.Subject); return nil }); err != nil {
		t.Errorf("History of a task without events: %v", err)
	}
	if st, ok, err := in.State(ctx, "cn-hangzhou", "t-1"); !ok || err != nil || st.State.Owner != "w-t-1" {
		t.Errorf("State of t-1: %+v %v %v", st, ok, err)
	}
	if _, ok, err := in.State(ctx, "cn-hangzhou", "t-9"); ok || err != nil {
		t.Errorf("State of t-9: %v %v", ok, err)
	}
	if tt, ok, err := in.Tracking(ctx, "cn-hangzhou", "t-5"); !ok || err != nil || tt.Seq != 7 {
		t.Errorf("Tracking of t-5: %+v %v %v", tt, ok, err)
	}
	if _, ok, err := in.Tracking(ctx, "cn-hangzhou", "t-1"); ok || err != nil {
		t.Errorf("Tracking of t-1: %v %v", ok, err)
	}
	for _, id := range []string{"t-3", "t-5"} {
		p, err := in.Partition(ctx, "cn-hangzhou", id)
		want := p.ID == p3
		if err != nil || p.ID != partitionOf("cn-hangzhou."+id) || p.Held != want || p.Held == p.Renewed.IsZero() {
			t.Errorf("Partition of %s: %+v %v, want held %v", id, p, err, want)
		}
	}
}
