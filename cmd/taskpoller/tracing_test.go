package main

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller/otlptest"
)

func TestTracingFrom(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		on   bool
		err  bool
	}{
		{"nothing set: off", nil, false, false},
		{"an endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true, false},
		{"a traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true, false},
		{"disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "true"}, false, false},
		{"not disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": "false"}, true, false},
		{"exporter none", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "none"}, false, false},
		{"exporter otlp", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "otlp"}, true, false},
		{"exporter zipkin", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "zipkin"}, false, true},
		{"http/protobuf", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, true, false},
		{"grpc", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, true},
		{"the traces' protocol wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}, true, false},
		{"a protocol without an endpoint: off", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, false},
	}
	for _, tt := range tests {
		got, err := tracingFrom(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
		if (err != nil) != tt.err || got.on != tt.on {
			t.Errorf("%s: on %v, error %v; want on %v, error %v", tt.name, got.on, err, tt.on, tt.err)
		}
		if err == nil && got.reason == "" {
			t.Errorf("%s: no reason given", tt.name)
		}
	}
}

// Off, the provider is a no-op one and stopping it does nothing.
func TestNoTracingNoExporter(t *testing.T) {
	tp, stop, err := newTracerProvider(context.Background(), tracingEnv{}, "w")
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(context.Background(), "x")
	if span.SpanContext().IsValid() || span.IsRecording() {
		t.Error("a span of the provider made when off is recorded")
	}
	if err := stop(context.Background()); err != nil {
		t.Error(err)
	}
}

// A worker process given OTEL_EXPORTER_OTLP_ENDPOINT exports its spans of a traced task, in the
// registration's trace, and flushes the last ones when it stops.
func TestWorkerProcessExportsSpans(t *testing.T) {
	recv := otlptest.New()
	defer recv.Close()
	w := newWorld(t)
	// A long batch delay: the spans of the end of the task arrive only with the flush at exit.
	p := w.startWorkerWith("a", 30*time.Second, "OTEL_EXPORTER_OTLP_ENDPOINT="+recv.URL(), "OTEL_BSP_SCHEDULE_DELAY=60000",
		"OTEL_SERVICE_NAME=taskpoller-test")
	w.follow()
	ids := w.addTasks(1, 100*time.Millisecond)
	const traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	b, _ := events.Registration{RegionID: "cn-hangzhou", TaskID: ids[0], TraceParent: traceParent}.Payload()
	if _, err := w.js.Publish(context.Background(), "ecs.tasks.registered", b); err != nil {
		t.Fatal(err)
	}
	w.waitEvents(15*time.Second, "the terminal event", func(evs []events.Event) bool { return countTerminal(evs, ids) == 1 })
	for _, e := range w.events() {
		if e.TraceParent != traceParent {
			t.Errorf("event %s carries traceparent %q", e.ID, e.TraceParent)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		t.Fatal("worker still running 15s after SIGTERM")
	}
	names := map[string]int{}
	for _, s := range recv.Spans() {
		if s.TraceID != traceParent[3:35] {
			continue
		}
		names[s.Name]++
		if s.Service != "taskpoller-test" {
			t.Errorf("span %s of service %q, want OTEL_SERVICE_NAME's", s.Name, s.Service)
		}
	}
	for _, name := range []string{"ecs.DescribeTaskAttribute", "nats.publish status_changed", "nats.publish finished"} {
		if names[name] == 0 {
			t.Errorf("no %s span in the registration's trace (got %v)", name, names)
		}
	}
}
