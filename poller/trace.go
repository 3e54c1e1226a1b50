package poller

import (
	"context"
	"encoding/hex"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/taskpoller/taskpoller/events"
)

// Tracing. A worker given a TracerProvider (WithTracerProvider) makes one span per call it
// makes: ecs.DescribeTaskAttribute, ecs.DescribeTasks and ecs.CancelTask for its ECS calls
// (made at the ports, over whichever TaskAPI it was given) and "nats.publish <kind>" for each
// event it publishes. A call about one task is a child of the remote span context of the
// task's registration (its traceparent), so its spans join the trace of whatever asked for
// the task, and its sampled flag decides (with the default parent-based sampler) whether they
// are recorded; a call about a task registered without one starts a trace of its own. A
// DescribeTasks call, about up to MaxBatch tasks, is one span with no parent, linked to the
// span contexts of the traced tasks it asks about: one span per call, never one per task.

// tracerName is the instrumentation scope of the worker's spans.
const tracerName = "github.com/taskpoller/taskpoller/poller"

// Span attribute keys.
const (
	attrRegion    = attribute.Key("cloud.region")
	attrTaskID    = attribute.Key("ecs.task_id")
	attrTaskCount = attribute.Key("ecs.task_count")
	attrErrorCode = attribute.Key("ecs.error_code")
	attrMessageID = attribute.Key("messaging.message.id")
	attrKind      = attribute.Key("taskpoller.event_kind")
	attrSystem    = attribute.Key("messaging.system")
)

// WithTracerProvider makes the worker trace its ECS calls and publishes with tp (default: a
// no-op provider: no span is made). The worker never uses OpenTelemetry's global provider.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(w *Worker) {
		if tp != nil {
			w.tracer = tp.Tracer(tracerName)
		}
	}
}

// noopTracer is the tracer of a worker given no TracerProvider.
func noopTracer() trace.Tracer { return noop.NewTracerProvider().Tracer(tracerName) }

// remoteSpanContext returns the span context that traceparent and tracestate (as events
// validates them: events.ValidTraceParent) describe, marked remote; an invalid one for "".
func remoteSpanContext(traceparent, tracestate string) trace.SpanContext {
	if !events.ValidTraceParent(traceparent) {
		return trace.SpanContext{}
	}
	tid, _ := trace.TraceIDFromHex(traceparent[3:35])
	sid, _ := trace.SpanIDFromHex(traceparent[36:52])
	var flags [1]byte
	_, _ = hex.Decode(flags[:], []byte(traceparent[53:55]))
	ts, _ := trace.ParseTraceState(tracestate) // a tracestate a tracer would refuse is left out
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.TraceFlags(flags[0]) & trace.FlagsSampled, TraceState: ts, Remote: true,
	})
}

// taskContext returns ctx with the span context of t's registration's traceparent as the
// parent of spans started from it; ctx as is when it has none, or tracing is off.
func (w *Worker) taskContext(ctx context.Context, t *tracked) context.Context {
	if !w.traced() {
		return ctx
	}
	r := t.registration()
	sc := remoteSpanContext(r.TraceParent, r.TraceState)
	if !sc.IsValid() {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

// endSpan records err (with its code, when ECS gave one) on span and ends it.
func endSpan(span trace.Span, err error) {
	if err != nil {
		code := ErrorCode(err)
		span.SetAttributes(attrErrorCode.String(code))
		span.SetStatus(codes.Error, code)
	}
	span.End()
}

// batchLinksKey is the context key of the links of a DescribeTasks span (withBatchLinks).
type batchLinksKey struct{}

// withBatchLinks returns ctx carrying links for the span of the DescribeTasks call made with
// it: the batch checker knows the tasks' registrations, the port only their ids.
func withBatchLinks(ctx context.Context, links []trace.Link) context.Context {
	if len(links) == 0 {
		return ctx
	}
	return context.WithValue(ctx, batchLinksKey{}, links)
}

// batchLinks returns the links of a chunk's traced tasks, nil when tracing is off.
func (w *Worker) batchLinks(chunk []batchItem) []trace.Link {
	if !w.traced() {
		return nil
	}
	var links []trace.Link
	for _, it := range chunk {
		r := it.t.registration()
		if sc := remoteSpanContext(r.TraceParent, r.TraceState); sc.IsValid() {
			links = append(links, trace.Link{SpanContext: sc, Attributes: []attribute.KeyValue{attrTaskID.String(r.TaskID)}})
		}
	}
	return links
}

// traced reports whether the worker's spans are made at all (WithTracerProvider).
func (w *Worker) traced() bool {
	_, off := w.tracer.(noop.Tracer)
	return !off
}

// tracedAPI makes a span of every call to a TaskAPI (and a BatchTaskAPI, tracedBatchAPI).
type tracedAPI struct {
	api    TaskAPI
	tracer trace.Tracer
}

type tracedBatchAPI struct {
	tracedAPI
	batch BatchTaskAPI
}

// traceAPI returns api with a span made of every call; it is a BatchTaskAPI if api is.
func traceAPI(api TaskAPI, tracer trace.Tracer) TaskAPI {
	a := tracedAPI{api: api, tracer: tracer}
	if b, ok := api.(BatchTaskAPI); ok {
		return tracedBatchAPI{tracedAPI: a, batch: b}
	}
	return a
}

func (a tracedAPI) DescribeTask(ctx context.Context, region, taskID string) (Task, error) {
	ctx, span := a.tracer.Start(ctx, "ecs."+APIDescribeTaskAttribute, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrRegion.String(region), attrTaskID.String(taskID)))
	t, err := a.api.DescribeTask(ctx, region, taskID)
	endSpan(span, err)
	return t, err
}

func (a tracedBatchAPI) DescribeTasks(ctx context.Context, region string, taskIDs []string) ([]TaskStatus, error) {
	links, _ := ctx.Value(batchLinksKey{}).([]trace.Link)
	ctx, span := a.tracer.Start(ctx, "ecs."+APIDescribeTasks, trace.WithSpanKind(trace.SpanKindClient), trace.WithNewRoot(),
		trace.WithLinks(links...), trace.WithAttributes(attrRegion.String(region), attrTaskCount.Int(len(taskIDs))))
	got, err := a.batch.DescribeTasks(ctx, region, taskIDs)
	endSpan(span, err)
	return got, err
}

// tracedCanceler makes a span of every CancelTask call.
type tracedCanceler struct {
	c      TaskCanceler
	tracer trace.Tracer
}

func (c tracedCanceler) CancelTask(ctx context.Context, region, taskID string) error {
	ctx, span := c.tracer.Start(ctx, "ecs.CancelTask", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrRegion.String(region), attrTaskID.String(taskID)))
	err := c.c.CancelTask(ctx, region, taskID)
	endSpan(span, err)
	return err
}

// tracedPublisher makes a span of every Publish, a child of the notice's trace context.
type tracedPublisher struct {
	Publisher
	tracer trace.Tracer
}

func (p tracedPublisher) Publish(ctx context.Context, n Notice, after uint64) (uint64, error) {
	if sc := remoteSpanContext(n.TraceParent, n.TraceState); sc.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, sc)
	}
	ctx, span := p.tracer.Start(ctx, "nats.publish "+string(n.Kind), trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(attrSystem.String("nats"), attrMessageID.String(n.ID()), attrKind.String(string(n.Kind)),
			attrRegion.String(n.Task.RegionID), attrTaskID.String(n.Task.TaskID)))
	pos, err := p.Publisher.Publish(ctx, n, after)
	endSpan(span, err)
	return pos, err
}
