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

// APIError is an error answer of the ECS API. The ECS adapter converts the SDK's errors to it,
// so that the poller classifies errors without importing the SDK.
type APIError struct {
	Code       string // e.g. "Throttling.User"
	StatusCode int    // HTTP status; 0 when the SDK failed before sending (missing credentials)
	Message    string
	RequestID  string
}

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
	// report not ready, retry.
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
	var api *APIError
	if errors.As(err, &api) {
		return classifyCode(api.Code, api.StatusCode)
	}
	// Everything else — *url.Error (timeouts, refused connections), *json.SyntaxError (a non-JSON
	// body), context deadlines — is transient.
	return ClassTransient
}

func classifyCode(code string, status int) Class {
	switch {
	case strings.HasPrefix(code, "Throttling"):
		return ClassThrottled
	case code == "InvalidRegionId.NotFound":
		return ClassInvalidRegion
	case code == "InvalidTaskId.NotFound":
		return ClassNotFound
	case code == "ServiceUnavailable" || code == "InternalError" || status >= 500:
		return ClassTransient
	}
	for _, p := range workerCodes {
		if strings.HasPrefix(code, p) {
			return ClassWorker
		}
	}
	if status == 401 || status == 403 {
		return ClassWorker
	}
	return ClassTransient
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
