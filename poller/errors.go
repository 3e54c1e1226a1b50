package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Errors of a StateStore.
var (
	ErrNoState       = errors.New("no state for task")
	ErrStateExists   = errors.New("state for task exists")
	ErrStateConflict = errors.New("state for task changed meanwhile")
)

// ErrFenced is returned by a Publisher when the task's journal has moved past the position a
// publish was conditioned on: another worker announced something meanwhile.
var ErrFenced = errors.New("task has newer events than expected")

// ErrNoCredentials is what an *APIError of a call that was never sent, because the worker has
// no usable credentials (the credential chain failed), wraps (APIError.Cause): errors.Is finds
// it. Its code stays the adapter's (ClientError).
var ErrNoCredentials = errors.New("no usable credentials")

// APIError is an error answer of the ECS API. The ECS adapter converts the SDK's errors to it,
// so that the poller classifies errors without importing the SDK.
type APIError struct {
	Code       string // e.g. "Throttling.User"
	StatusCode int    // HTTP status; 0 when the SDK failed before sending (missing credentials)
	Message    string
	RequestID  string
	// Cause is what the adapter knows of the error beyond its code, for errors.Is (such as
	// ErrNoCredentials); nil for most. It is not part of Error's text.
	Cause error
}

// Unwrap returns Cause.
func (e *APIError) Unwrap() error { return e.Cause }

func (e *APIError) Error() string {
	if e.RequestID != "" {
		return fmt.Sprintf("ecs: %s (HTTP %d, request %s): %s", e.Code, e.StatusCode, e.RequestID, e.Message)
	}
	return fmt.Sprintf("ecs: %s (HTTP %d): %s", e.Code, e.StatusCode, e.Message)
}

// Class is what an API error means for the poller.
type Class int

// Error classes, from harmless to fatal.
const (
	// ClassTransient: retry the task with backoff (throttling, 5xx, network, bad bodies).
	ClassTransient Class = iota
	// ClassThrottled: transient, and the region's request rate should drop for a while.
	ClassThrottled
	// ClassNotFound: the task is unknown; fail it once the not-found grace has passed.
	ClassNotFound
	// ClassInvalidRegion: the region does not exist; fail the task now.
	ClassInvalidRegion
	// ClassWorker: the worker is misconfigured (credentials, permissions, clock): keep tasks,
	// report not ready, retry. WorkerFault tells which of these it is.
	ClassWorker
)

func (c Class) String() string {
	switch c {
	case ClassTransient:
		return "transient"
	case ClassThrottled:
		return "throttled"
	case ClassNotFound:
		return "not_found"
	case ClassInvalidRegion:
		return "invalid_region"
	case ClassWorker:
		return "worker"
	}
	return "unknown"
}

// workerCodes are codes that say the worker, not the task, is at fault.
var workerCodes = []string{
	"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidTimeStamp", "IncompleteSignature",
	"Forbidden", "InvalidSecurityToken", "InvalidCredentials", "NoPermission", "UnsupportedSignature",
	"InvalidAccessKeySecret", "ClientError",
}

// Classify decides what err means for the task being polled. Unknown errors are transient:
// a single odd answer never fails a task.
func Classify(err error) Class {
	c, _ := classify(err)
	return c
}

// Retryable reports whether a call that failed with err is worth making again unchanged: err
// is throttling or known to be transient (a 5xx answer, or no answer at all). Unlike
// Classify, it does not count error answers it does not know as transient: a request ECS
// refused for such a reason (bad parameters, a task in the wrong state) would be refused
// again. For callers that make requests of their own, such as task producers; the poller
// uses Classify.
func Retryable(err error) bool {
	c, known := classify(err)
	return known && (c == ClassTransient || c == ClassThrottled)
}

// classify returns the class of err and whether it is known, rather than the default of an
// error answer with an unknown code.
func classify(err error) (Class, bool) {
	var api *APIError
	if errors.As(err, &api) {
		return classifyCode(api.Code, api.StatusCode)
	}
	// Everything else — *url.Error (timeouts, refused connections), *json.SyntaxError (a non-JSON
	// body), context deadlines — is transient.
	return ClassTransient, true
}

func classifyCode(code string, status int) (Class, bool) {
	switch {
	case strings.HasPrefix(code, "Throttling"):
		return ClassThrottled, true
	case code == "InvalidRegionId.NotFound":
		return ClassInvalidRegion, true
	case code == "InvalidTaskId.NotFound":
		return ClassNotFound, true
	case code == "ServiceUnavailable" || code == "InternalError" || status >= 500:
		return ClassTransient, true
	}
	for _, p := range workerCodes {
		if strings.HasPrefix(code, p) {
			return ClassWorker, true
		}
	}
	if status == 401 || status == 403 {
		return ClassWorker, true
	}
	return ClassTransient, false
}

// ErrorCode returns the API code of err, or a short name of its kind, for metrics and logs.
func ErrorCode(err error) string {
	var api *APIError
	var ue *url.Error
	var se *json.SyntaxError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &api):
		return api.Code
	case errors.Is(err, context.DeadlineExceeded):
		return "Timeout"
	case errors.As(err, &ue):
		if ue.Timeout() {
			return "Timeout"
		}
		return "ConnectionError"
	case errors.As(err, &se):
		return "BadResponseBody"
	}
	return "Error"
}

// Fault is what part of the worker's setup a worker-level error (ClassWorker) blames. Classify
// says what an error means for the task — for every fault the same: keep it, retry — and Fault
// what the worker does about it: only a permission refusal is specific to the API refused
// (a RAM policy may allow DescribeTaskAttribute and not DescribeTasks); credentials and the
// clock sign every call alike, so another API would be refused the same way.
type Fault int

// Faults of worker-level errors.
const (
	// FaultNone: not a worker-level error.
	FaultNone Fault = iota
	// FaultCredentials: ECS does not accept the worker's credentials (unknown or inactive
	// access key, wrong secret, bad STS token, a signature it cannot check), or the worker
	// has none: the credential chain failed (ErrNoCredentials) and no call was sent.
	FaultCredentials
	// FaultPermission: the credentials are accepted, the call is not allowed (RAM policy).
	FaultPermission
	// FaultClock: ECS refuses the request's time stamp: the worker's clock is off.
	FaultClock
	// FaultOther: any other worker-level error (a client failure before sending).
	FaultOther
)

func (f Fault) String() string {
	switch f {
	case FaultNone:
		return "none"
	case FaultCredentials:
		return "credentials"
	case FaultPermission:
		return "permission"
	case FaultClock:
		return "clock"
	}
	return "other"
}

// credentialCodes are the prefixes of the codes ECS answers when it does not accept the
// credentials a request is signed with.
var credentialCodes = []string{
	"InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSecurityToken",
	"InvalidCredentials", "InvalidAccessKeySecret", "UnsupportedSignature",
}

// WorkerFault returns what a worker-level error blames (FaultNone for any other error).
func WorkerFault(err error) Fault {
	var api *APIError
	if !errors.As(err, &api) {
		return FaultNone
	}
	if c, _ := classifyCode(api.Code, api.StatusCode); c != ClassWorker {
		return FaultNone
	}
	if errors.Is(err, ErrNoCredentials) {
		return FaultCredentials
	}
	return faultOfCode(api.Code, api.StatusCode)
}

// faultOfCode is the fault of a worker-level error code.
func faultOfCode(code string, status int) Fault {
	switch {
	case strings.HasPrefix(code, "InvalidTimeStamp"):
		return FaultClock
	case strings.HasPrefix(code, "Forbidden"), strings.HasPrefix(code, "NoPermission"):
		return FaultPermission
	}
	for _, p := range credentialCodes {
		if strings.HasPrefix(code, p) {
			return FaultCredentials
		}
	}
	switch status {
	case 401:
		return FaultCredentials
	case 403:
		return FaultPermission
	}
	return FaultOther
}

// reachOf tells what the outcome of a call says of whether the region's ECS endpoint answers:
// answered is true for a success and for every error answer of the service below 500
// (throttling, not found, refused credentials: ECS is there); failure names how a call that
// got no such answer failed — "ConnectionError" (refused, reset, DNS), "Timeout",
// "BadResponseBody" (not JSON: a proxy's page), "HTTP 503" (5xx answers, ServiceUnavailable,
// InternalError). Both are zero for a call that was not made (no credentials, a client
// failure, a canceled call): it says nothing of the endpoint.
func reachOf(err error) (answered bool, failure string) {
	var api *APIError
	switch {
	case err == nil:
		return true, ""
	case errors.As(err, &api):
		switch {
		case api.StatusCode >= 500:
			return false, fmt.Sprintf("HTTP %d", api.StatusCode)
		case api.Code == "ServiceUnavailable":
			return false, "HTTP 503"
		case api.Code == "InternalError":
			return false, "HTTP 500"
		case api.StatusCode == 0:
			return false, "" // not sent, or no body: nothing known of the endpoint
		}
		return true, ""
	case errors.Is(err, context.Canceled):
		return false, ""
	}
	return false, ErrorCode(err)
}
