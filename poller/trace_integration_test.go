package poller_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/otlptest"
)

// The trace context of a registration — its traceparent field, or a traceparent NATS header
// on its message — is in every event of the task, and the worker's spans of the task's ECS
// calls and publishes reach an OTLP receiver in the registration's trace, as children of its
// span; DescribeTasks calls are linked to the traced tasks they ask about.
func TestTraceContextReachesEventsAndSpans(t *testing.T) {
	recv := otlptest.New()
	defer recv.Close()
	ctx := context.Background()
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(recv.URL()+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(50*time.Millisecond)))
	defer func() { _ = tp.Shutdown(ctx) }()

	e := newEnv(t)
	e.opts = []poller.Option{poller.WithTracerProvider(tp)}
	_, js := e.connect()
	col := e.collect(js)
	script := func() ecsemu.Script {
		return ecsemu.Script{RegionID: region, Action: "ImportImage", Steps: []ecsemu.Step{
			{Status: "Waiting", Process: "0%", Times: 2},
			{Status: "Processing", Process: "50%", Times: 4},
			{Status: "Finished", Process: "100%"},
		}}
	}
	var ids [3]string
	for i := range ids {
		if ids[i], err = e.emu.AddTask(script()); err != nil {
			t.Fatal(err)
		}
	}
	const (
		inField  = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		inHeader = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	)
	field, header, untraced := ids[0], ids[1], ids[2]
	cfg := fastConfig()
	cfg.BatchInterval = 30 * time.Millisecond // DescribeTasks too
	e.startWorker(cfg)

	b, _ := events.Registration{RegionID: region, TaskID: field, TraceParent: inField, TraceState: "rojo=1"}.Payload()
	if _, err := js.Publish(ctx, e.subjects.Registered(), b); err != nil {
		t.Fatal(err)
	}
	b, _ = events.Registration{RegionID: region, TaskID: header}.Payload()
	msg := nats.NewMsg(e.subjects.Registered())
	msg.Data = b
	msg.Header.Set("traceparent", inHeader)
	if _, err := js.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
	e.register(js, untraced, "")
	col.waitTerminal(t, 15*time.Second, ids[:]...)

	for id, want := range map[string][2]string{field: {inField, "rojo=1"}, header: {inHeader, ""}, untraced: {"", ""}} {
		evs := col.forTask(id)
		for _, s := range evs {
			if s.Event.TraceParent != want[0] || s.Event.TraceState != want[1] {
				t.Errorf("%s: event %s carries %q, %q; want %q, %q", id, s.Event.ID, s.Event.TraceParent, s.Event.TraceState, want[0], want[1])
			}
		}
		if len(evs) < 4 {
			t.Errorf("%s: %d events", id, len(evs))
		}
	}

	// A publish's span ends just after the event is stored: wait for the terminal ones.
	waitFor(t, 10*time.Second, "the spans of the terminal publishes", every(t, 20*time.Millisecond), func() bool {
		_ = tp.ForceFlush(ctx)
		n := 0
		for _, s := range recv.Spans() {
			if s.Name == "nats.publish finished" {
				n++
			}
		}
		return n >= len(ids)
	})
	// The spans of each traced task: in its trace, children of the registration's span.
	for id, tpv := range map[string]string{field: inField, header: inHeader} {
		traceID, parent := tpv[3:35], tpv[36:52]
		names := map[string]int{}
		for _, s := range recv.Spans() {
			if s.TraceID != traceID {
				continue
			}
			if s.ParentSpanID != parent {
				t.Errorf("%s: span %s has parent %s, want the registration's %s", id, s.Name, s.ParentSpanID, parent)
			}
			if s.Attributes["ecs.task_id"] != id {
				t.Errorf("span %s in the trace of %s is about %q", s.Name, id, s.Attributes["ecs.task_id"])
			}
			names[s.Name]++
		}
		for _, name := range []string{"ecs.DescribeTaskAttribute", "nats.publish status_changed", "nats.publish progress", "nats.publish finished"} {
			if names[name] == 0 {
				t.Errorf("%s: no %s span in trace %s (got %v)", id, name, traceID, names)
			}
		}
	}
	// DescribeTasks: one span per call, a root, linked to the traced tasks it asked about.
	var batches, linked int
	for _, s := range recv.Spans() {
		switch {
		case s.Name == "ecs.DescribeTasks":
			batches++
			if s.ParentSpanID != "" {
				t.Errorf("DescribeTasks span has a parent: %s", s.ParentSpanID)
			}
			for _, l := range s.Links {
				if l.TraceID == inField[3:35] || l.TraceID == inHeader[3:35] {
					linked++
				}
			}
		case s.TraceID == inField[3:35] || s.TraceID == inHeader[3:35]:
		case s.Attributes["ecs.task_id"] == field || s.Attributes["ecs.task_id"] == header:
			t.Errorf("span %s of a traced task in another trace, %s", s.Name, s.TraceID)
		}
	}
	if batches == 0 || linked == 0 {
		t.Errorf("DescribeTasks spans: %d, links to the traced tasks: %d", batches, linked)
	}
}

// A traceparent header is taken only when the payload has none, and only when it is valid:
// a malformed one is ignored (the registration is tracked, untraced), not refused.
func TestTraceparentHeaderYieldsToThePayload(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	const (
		own    = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		header = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	)
	tests := []struct {
		name                 string
		payload, head, state string
		want                 string
	}{
		{"the payload's own wins", own, header, "k=v", own},
		{"a malformed header is ignored", "", "00-not-a-traceparent", "", ""},
		{"an all-zero trace id is ignored", "", "00-00000000000000000000000000000000-b7ad6b7169203331-01", "", ""},
	}
	ids := make([]string, len(tests))
	for i := range tests {
		id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ImportImage", Steps: []ecsemu.Step{
			{Status: "Processing", Process: "50%"}, {Status: "Finished", Process: "100%"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	e.startWorker(fastConfig())
	for i, tt := range tests {
		b, _ := events.Registration{RegionID: region, TaskID: ids[i], TraceParent: tt.payload}.Payload()
		msg := nats.NewMsg(e.subjects.Registered())
		msg.Data = b
		msg.Header.Set("traceparent", tt.head)
		if tt.state != "" {
			msg.Header.Set("tracestate", tt.state)
		}
		if _, err := js.PublishMsg(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
	}
	col.waitTerminal(t, 10*time.Second, ids...)
	for i, tt := range tests {
		for _, s := range col.forTask(ids[i]) {
			if s.Event.TraceParent != tt.want || s.Event.TraceState != "" {
				t.Errorf("%s: event %s carries %q, %q; want %q and no tracestate", tt.name, s.Event.ID, s.Event.TraceParent, s.Event.TraceState, tt.want)
			}
		}
	}
}
