package events

import "regexp"

// Trace context (W3C Trace Context, https://www.w3.org/TR/trace-context/): a registration may
// carry the traceparent of whatever asked for the task (its own field, or a traceparent NATS
// header on the registration message), and every event of the task carries the same value as
// the CloudEvents distributed tracing extension (Event.TraceParent), so that a consumer can
// continue the trace the producer started.

// MaxTraceStateBytes bounds a tracestate, as W3C Trace Context does (512 characters).
const MaxTraceStateBytes = 512

var (
	// traceParentPattern: version 00, a trace id, a parent (span) id and flags, lowercase hex.
	traceParentPattern = regexp.MustCompile(`^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$`)
	// traceStatePattern: printable ASCII; the list's members are the tracer's business.
	traceStatePattern = regexp.MustCompile(`^[ -~]*$`)
)

const (
	zeroTraceID = "00000000000000000000000000000000"
	zeroSpanID  = "0000000000000000"
)

// ValidTraceParent reports whether s is a W3C traceparent of version 00:
// "00-<32 hex trace id, not all zero>-<16 hex parent id, not all zero>-<2 hex flags>", in
// lowercase hex, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.
func ValidTraceParent(s string) bool {
	return traceParentPattern.MatchString(s) && s[3:35] != zeroTraceID && s[36:52] != zeroSpanID
}

// ValidTraceState reports whether s may be carried as a tracestate: at most
// MaxTraceStateBytes of printable ASCII. It does not check the list's members.
func ValidTraceState(s string) bool {
	return len(s) <= MaxTraceStateBytes && traceStatePattern.MatchString(s)
}

// checkTrace validates a registration's trace context. A tracestate without a traceparent says
// nothing (W3C: it only qualifies a traceparent) and is dropped.
func checkTrace(parent, state string) (string, string, error) {
	switch {
	case parent == "":
		return "", "", nil
	case !ValidTraceParent(parent):
		return "", "", invalidf("traceparent %q is malformed: want W3C 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>, lowercase, ids not all zero", clip(parent))
	case !ValidTraceState(state):
		return "", "", invalidf("tracestate is malformed: want at most %d bytes of printable ASCII", MaxTraceStateBytes)
	}
	return parent, state, nil
}
