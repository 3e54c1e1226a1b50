package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Tracing of `taskpoller run` is configured by OpenTelemetry's standard environment only
// (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/), not by
// flags: spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, unless OTEL_SDK_DISABLED is true or
// OTEL_TRACES_EXPORTER is none. Otherwise the worker gets a no-op provider: no span is made,
// nothing is exported. The SDK itself reads the rest (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT,
// _COMPRESSION, OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
// OTEL_BSP_*). The provider is passed to the worker; OpenTelemetry's global one is left alone.

// tracingEnv is what decides whether `taskpoller run` exports spans.
type tracingEnv struct {
	on     bool
	reason string // why not, when off; what, when on
}

// tracingFrom decides from the environment (lookup is os.LookupEnv) whether spans are
// exported. It refuses what it cannot honour: an exporter or protocol other than OTLP/HTTP
// with protobuf.
func tracingFrom(lookup func(string) (string, bool)) (tracingEnv, error) {
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	if v := get("OTEL_SDK_DISABLED"); v != "" {
		if off, err := strconv.ParseBool(v); err == nil && off {
			return tracingEnv{reason: "OTEL_SDK_DISABLED is true"}, nil
		}
	}
	switch e := strings.ToLower(get("OTEL_TRACES_EXPORTER")); e {
	case "", "otlp":
	case "none":
		return tracingEnv{reason: "OTEL_TRACES_EXPORTER is none"}, nil
	default:
		return tracingEnv{}, fmt.Errorf("OTEL_TRACES_EXPORTER=%s: taskpoller exports spans over OTLP only (otlp, or none)", e)
	}
	endpoint := get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if endpoint == "" {
		endpoint = get("OTEL_EXPORTER_OTLP_ENDPOINT")
	}
	if endpoint == "" {
		return tracingEnv{reason: "neither OTEL_EXPORTER_OTLP_ENDPOINT nor OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set"}, nil
	}
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := get(k); p != "" {
			if p != "http/protobuf" {
				return tracingEnv{}, fmt.Errorf("%s=%s: taskpoller exports OTLP over HTTP only (http/protobuf)", k, p)
			}
			break // the traces' own setting wins
		}
	}
	return tracingEnv{on: true, reason: "OTLP/HTTP to " + endpoint}, nil
}

// newTracerProvider returns the worker's TracerProvider as env says, and the function that
// flushes and stops it (call it once, at exit, with a context bounding the wait). Off, it is a
// no-op provider and stopping it does nothing.
func newTracerProvider(ctx context.Context, env tracingEnv, workerID string) (trace.TracerProvider, func(context.Context) error, error) {
	if !env.on {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx) // endpoint, headers, timeout... from OTEL_EXPORTER_OTLP_*
	if err != nil {
		return nil, nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	// Later detectors win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over the defaults.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "taskpoller"), attribute.String("service.instance.id", workerID)),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		_ = exp.Shutdown(ctx)
		return nil, nil, fmt.Errorf("OpenTelemetry resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)) // sampler: OTEL_TRACES_SAMPLER
	return tp, tp.Shutdown, nil
}
